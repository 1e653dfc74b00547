package functions

import (
	"net/http"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/wacht"
)

// Paths the functions are mounted on by Routes, and the permission both user
// lists require.
const (
	PathAdminUsers   = "/admin/users"
	PathMachineUsers = "/machine/users"
	PathWebhook      = "/webhooks/wacht"

	PermissionUserRead = "user:read"

	// PageSize is how many users the list functions return: one bounded
	// page, never the whole deployment.
	PageSize = 20
)

// CodeMethodNotAllowed is the error code of a request with a method the
// function does not serve (answered 405 with an Allow header).
const CodeMethodNotAllowed = "method_not_allowed"

// UsersResponse is the JSON answer of AdminUsers and MachineUsers.
type UsersResponse struct {
	// Users is the first page of the deployment's users (at most PageSize).
	Users []wacht.User `json:"users"`
	// HasMore reports that the deployment has more users than this page
	// (the platform API's has_more; it reports no total).
	HasMore bool `json:"has_more"`
}

// Routes mounts the three functions on one handler: GET /admin/users,
// GET /machine/users and POST /webhooks/wacht. Any other path is answered
// 404 in the kit's JSON error shape. Wrap the result in kit.Handler.
func Routes(kit *handler.Kit) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(PathAdminUsers, AdminUsers(kit))
	mux.Handle(PathMachineUsers, MachineUsers(kit))
	mux.Handle(PathWebhook, WebhookReceiver(kit))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		id, _ := handler.RequestIDFromContext(r.Context())
		handler.WriteJSON(w, http.StatusNotFound, handler.ErrorBody{
			Error:     handler.CodeNotFound,
			Message:   "no function is mounted at " + r.URL.Path,
			RequestID: id,
		})
	})
	return mux
}

// AdminUsers is the session-authenticated function: the caller's session
// token (Authorization: Bearer, or, with WACHT_SESSION_COOKIE set, the one
// Wacht's frontend API exchanges the browser's __session cookie for) must
// carry user:read, and only then is the backend asked for the first PageSize
// users, answered as a UsersResponse. Without a valid token it answers
// 401 {"error":"unauthenticated"}, without the permission 403
// {"error":"forbidden"}.
//
// It serves GET and HEAD on any path, so it can be deployed alone behind a
// route or a function URL.
func AdminUsers(kit *handler.Kit) http.Handler {
	return allow(http.MethodGet,
		kit.Protect(handler.Require{AnyPermission: []string{PermissionUserRead}})(http.HandlerFunc(listUsers)))
}

// MachineUsers is the machine-to-machine function: Wacht's gateway must allow
// the caller's API key (x-api-key) or OAuth access token (Bearer) the
// user:read permission before the backend is asked for the first PageSize
// users, answered as a UsersResponse. Unknown or revoked keys get 401,
// keys without the permission 403, rate-limited keys 429 with Retry-After.
//
// It serves GET and HEAD on any path.
func MachineUsers(kit *handler.Kit) http.Handler {
	return allow(http.MethodGet, kit.RequireMachine(PermissionUserRead)(http.HandlerFunc(listUsers)))
}

// WebhookReceiver accepts Wacht's webhook deliveries: only requests signed
// with WACHT_WEBHOOK_SECRET under the Standard Webhooks scheme, stamped
// within Wacht's retry span (8 days), get through. It logs the event's
// type and id with the request's logger and answers 204 No Content.
// Unsigned or malformed deliveries get 400, bad signatures or stale
// timestamps 401.
//
// Deliveries can be repeated (Wacht retries when an answer is lost): the
// kit remembers the webhook-ids this instance processed and marks a repeat
// Duplicate, which is acknowledged without acting again. A receiver whose
// action must happen once across instances passes a durable store in
// handler.Options.WebhookIdempotency.
//
// It serves POST on any path.
func WebhookReceiver(kit *handler.Kit) http.Handler {
	return allow(http.MethodPost, kit.VerifyWebhook(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := handler.WebhookEventFromContext(r.Context())
		handler.LoggerFromContext(r.Context()).InfoContext(r.Context(), "wacht webhook received",
			"event_type", ev.Type, "webhook_id", ev.ID, "timestamp", ev.Timestamp, "duplicate", ev.Duplicate)
		w.WriteHeader(http.StatusNoContent)
	})))
}

// listUsers answers one bounded page of users with the client that Protect
// or RequireMachine put into the request.
func listUsers(w http.ResponseWriter, r *http.Request) {
	client, _ := handler.ClientFromContext(r.Context())
	page, err := client.Users.List(r.Context(), wacht.ListUsersParams{Limit: PageSize})
	if err != nil {
		handler.WriteError(w, r, err)
		return
	}
	users := page.Data
	if users == nil {
		users = []wacht.User{}
	}
	handler.WriteJSON(w, http.StatusOK, UsersResponse{Users: users, HasMore: page.HasMore})
}

// allow lets through method (and HEAD for GET) and answers anything else
// 405 in the kit's JSON error shape, before any authentication work.
func allow(method string, next http.Handler) http.Handler {
	allowed := method
	if method == http.MethodGet {
		allowed = "GET, HEAD"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == method || (method == http.MethodGet && r.Method == http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Allow", allowed)
		id, _ := handler.RequestIDFromContext(r.Context())
		handler.WriteJSON(w, http.StatusMethodNotAllowed, handler.ErrorBody{
			Error:     CodeMethodNotAllowed,
			Message:   r.Method + " is not served here; use " + allowed,
			RequestID: id,
		})
	})
}
