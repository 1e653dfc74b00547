package wachttest

import (
	"fmt"
	"iter"
	"slices"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type specOperation struct {
	Method, Path, OperationID string
}

// opFunc serves one operation; a returned error is answered in the spec's
// error shape.
type opFunc func(w http.ResponseWriter, r *http.Request) error

// backendHandler routes every operation of platform-api.json. Operations
// without an implementation answer 501 naming the operation. Every request
// and response passes through the contract middleware.
func (s *Server) backendHandler() http.Handler {
	impl := s.backendOps()
	mux := http.NewServeMux()
	for _, op := range specOperations {
		h, ok := impl[op.OperationID]
		if !ok {
			h = notImplemented(op)
		}
		path := op.Path
		if path == "/" {
			path = "/{$}"
		}
		mux.Handle(op.Method+" "+path, s.route("backend", op.OperationID, s.platform, true, h))
	}
	mux.Handle("/", s.route("backend", "", s.platform, true, func(w http.ResponseWriter, r *http.Request) error {
		return notFound(fmt.Sprintf("no operation %s %s in the platform API", r.Method, r.URL.Path))
	}))
	return mux
}

// ImplementedOperations returns the operation ids of platform-api.json the
// emulator implements; every other operation answers 501.
func (s *Server) ImplementedOperations() []string {
	impl := s.backendOps()
	var ids []string
	for _, op := range specOperations {
		if _, ok := impl[op.OperationID]; ok {
			ids = append(ids, op.OperationID)
		}
	}
	return ids
}

func notImplemented(op specOperation) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return &httpError{http.StatusNotImplemented, fmt.Sprintf("wachttest: operation %s (%s %s) is not implemented by the emulator", op.OperationID, op.Method, op.Path)}
	}
}

// route wraps a handler with counting, logging and fault injection
// (outside contract validation: injected faults are deliberate), then
// contract validation (when doc is set) and, on the backend, API key
// authentication.
func (s *Server) route(listener, name string, doc *contract.Document, needKey bool, h opFunc) http.Handler {
	var served http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if needKey {
			if key := bearer(r); key == "" || !constantEq(key, s.APIKey) {
				writeError(w, http.StatusUnauthorized, "invalid or missing API key")
				return
			}
		}
		if err := h(w, r); err != nil {
			writeErr(w, err)
		}
	})
	if doc != nil {
		served = doc.Middleware(served, s.violation)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.inflight.enter() {
			writeError(w, http.StatusServiceUnavailable, "wachttest: emulator is shutting down")
			return
		}
		defer s.inflight.leave()
		s.stats.count(name)
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		defer func() {
			if sw.status != 0 {
				s.logf("%s %s %s op=%s status=%d in %s", listener, r.Method, r.URL.Path, name, sw.status, time.Since(start).Round(time.Microsecond))
			}
		}()
		if s.applyFault(sw, r, listener, name) {
			return
		}
		served.ServeHTTP(sw, r)
	})
}

// backendOps maps operation ids to their implementations.
func (s *Server) backendOps() map[string]opFunc {
	return map[string]opFunc{
		// Deployment
		"getDeploymentWithSettings": s.getDeployment,
		// Users
		"getActiveUserList":              s.listUsers,
		"createUser":                     s.createUser,
		"getUserDetails":                 s.getUser,
		"updateUser":                     s.updateUser,
		"deleteUser":                     s.deleteUser,
		"addUserEmail":                   s.addEmail,
		"updateUserEmail":                s.updateEmail,
		"deleteUserEmail":                deleteContact(s, emails),
		"makeUserEmailPrimary":           makeContactPrimary(s, emails),
		"addUserPhone":                   s.addPhone,
		"updateUserPhone":                s.updatePhone,
		"deleteUserPhone":                deleteContact(s, phones),
		"makeUserPhonePrimary":           makeContactPrimary(s, phones),
		"getUserOrganizationMemberships": s.userOrgMemberships,
		"getUserWorkspaceMemberships":    s.userWorkspaceMemberships,
		"updateUserPassword":             s.updatePassword,
		"removeUserPassword":             s.removePassword,
		"getUserSignins":                 s.listSignins,
		"revokeUserSignin":               s.revokeSignin,
		"revokeAllUserSignins":           s.revokeAllSignins,
		// Deployment settings
		"getDeploymentOrganizationRoles": s.deploymentOrgRoles,
		"getDeploymentWorkspaceRoles":    s.deploymentWsRoles,
		// Invitations and waitlist
		"getInvitedUserList":  s.listInvitations,
		"inviteUser":          s.inviteUser,
		"deleteInvitation":    s.deleteInvitation,
		"getUserWaitlist":     s.listWaitlist,
		"approveWaitlistUser": s.approveWaitlist,
		// Organizations
		"getOrganizationList":            s.listOrgs,
		"createOrganization":             s.createOrg,
		"getOrganizationDetails":         s.getOrg,
		"updateOrganization":             s.updateOrg,
		"deleteOrganization":             s.deleteOrg,
		"createWorkspaceForOrganization": s.createWorkspace,
		"getOrganizationMembers":         s.listMembers(orgKind),
		"addOrganizationMember":          s.addMember(orgKind),
		"removeOrganizationMember":       s.removeMember(orgKind),
		"updateOrganizationMember":       s.updateMember(orgKind),
		"addOrganizationMemberRole":      s.memberRole(orgKind, true),
		"removeOrganizationMemberRole":   s.memberRole(orgKind, false),
		"getOrganizationRoles":           s.listRoles(orgKind),
		"createOrganizationRole":         s.createRole(orgKind),
		"updateOrganizationRole":         s.updateRole(orgKind),
		"deleteOrganizationRole":         s.deleteRole(orgKind),
		"listOrganizationInvitations":    s.listOrgInvitations,
		"createOrganizationInvitation":   s.createOrgInvitation,
		"discardOrganizationInvitation":  s.discardOrgInvitation,
		// Workspaces
		"getWorkspaceList":          s.listWorkspaces,
		"getWorkspaceDetails":       s.getWorkspace,
		"updateWorkspace":           s.updateWorkspace,
		"deleteWorkspace":           s.deleteWorkspace,
		"getWorkspaceRoles":         s.listRoles(wsKind),
		"createWorkspaceRole":       s.createRole(wsKind),
		"updateWorkspaceRole":       s.updateRole(wsKind),
		"deleteWorkspaceRole":       s.deleteRole(wsKind),
		"getWorkspaceMembers":       s.listMembers(wsKind),
		"addWorkspaceMember":        s.addMember(wsKind),
		"removeWorkspaceMember":     s.removeMember(wsKind),
		"updateWorkspaceMember":     s.updateMember(wsKind),
		"addWorkspaceMemberRole":    s.memberRole(wsKind, true),
		"removeWorkspaceMemberRole": s.memberRole(wsKind, false),
		// API auth
		"listApiAuthApps":       s.listAPIApps,
		"createApiAuthApp":      s.createAPIApp,
		"getApiAuthApp":         s.getAPIApp,
		"updateApiAuthApp":      s.updateAPIApp,
		"deleteApiAuthApp":      s.deleteAPIApp,
		"listRateLimitSchemes":  s.listSchemes,
		"createRateLimitScheme": s.createScheme,
		"getRateLimitScheme":    s.getScheme,
		"updateRateLimitScheme": s.updateScheme,
		"deleteRateLimitScheme": s.deleteScheme,
		"listApiKeys":           s.listAPIKeys,
		"createApiKey":          s.createAPIKey,
		"revokeApiKeyForApp":    s.revokeAPIKey,
		"rotateApiKeyForApp":    s.rotateAPIKey,
		// Webhooks
		"listWebhookApps":             s.listHookApps,
		"createWebhookApp":            s.createHookApp,
		"getWebhookApp":               s.getHookApp,
		"updateWebhookApp":            s.updateHookApp,
		"deleteWebhookApp":            s.deleteHookApp,
		"rotateWebhookSecret":         s.rotateHookSecret,
		"listWebhookEndpoints":        s.listEndpoints,
		"createWebhookEndpointForApp": s.createEndpoint,
		"updateWebhookEndpointForApp": s.updateEndpoint,
		"deleteWebhookEndpointForApp": s.deleteEndpoint,
		"triggerWebhookEvent":         s.triggerWebhook,
		"testWebhookEndpoint":         s.testEndpoint,
	}
}

// listQuery is the common list query: limit, offset, search, sort.
type listQuery struct {
	pageParams
	Search    string
	SortKey   string
	SortOrder string // "asc" or "desc", lower case; empty if not given
}

func parseList(r *http.Request) (listQuery, error) {
	q := r.URL.Query()
	lq := listQuery{pageParams: pageParams{Limit: defaultLimit}}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return lq, badRequest("limit must be a non-negative integer")
		}
		if n > 0 {
			lq.Limit = min(n, maxLimit)
		}
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return lq, badRequest("offset must be a non-negative integer")
		}
		lq.Offset = n
	}
	lq.Search = strings.TrimSpace(q.Get("search"))
	lq.SortKey = q.Get("sort_key")
	switch o := strings.ToLower(q.Get("sort_order")); o {
	case "", "asc", "desc":
		lq.SortOrder = o
	default:
		return lq, badRequest("sort_order must be Asc or Desc")
	}
	return lq, nil
}

// listResponse is the spec's list envelope.
type listResponse[T any] struct {
	Data   []T `json:"data"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

func listOf[T any](all []T, p pageParams) listResponse[T] {
	return listResponse[T]{Data: paginate(all, p), Total: len(all), Offset: p.Offset, Limit: p.Limit}
}

// whole wraps an unpaginated list in the envelope.
func whole[T any](all []T) listResponse[T] {
	if all == nil {
		all = []T{}
	}
	return listResponse[T]{Data: all, Total: len(all), Offset: 0, Limit: len(all)}
}

// listing describes a paginated list operation: which records it shows,
// how ?search= and ?sort_key= apply to them, and how each is rendered.
type listing[T, V any] struct {
	// keep, if set, selects the records the list may show at all.
	keep func(T) bool
	// haystack is the text ?search= looks in (case-insensitively); nil
	// means the operation has no search and the parameter is ignored.
	haystack func(T) string
	// order sorts the selected records as lq asks; an unknown sort key is
	// the error to answer with.
	order func(items []T, lq listQuery) error
	view  func(T) V
}

// serve answers the page lq asks for out of items.
func (l listing[T, V]) serve(w http.ResponseWriter, lq listQuery, items iter.Seq[T]) error {
	var all []T
	for it := range items {
		if l.keep != nil && !l.keep(it) {
			continue
		}
		if l.haystack != nil && lq.Search != "" && !containsFold(l.haystack(it), lq.Search) {
			continue
		}
		all = append(all, it)
	}
	if err := l.order(all, lq); err != nil {
		return err
	}
	return ok(w, listOf(viewsOf(all, l.view), lq.pageParams))
}

// creationOrder is the order of lists without sort parameters: oldest
// first, whatever the query says.
func creationOrder[T record](items []T, _ listQuery) error {
	slices.SortFunc(items, byCreation)
	return nil
}

// locked runs fn holding the store lock.
func (s *Server) locked(fn func(st *store) error) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	return fn(st)
}

// listed parses the list query, then runs fn holding the store lock.
func (s *Server) listed(r *http.Request, fn func(st *store, lq listQuery) error) error {
	lq, err := parseList(r)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error { return fn(st, lq) })
}

// within runs fn holding the store lock, on the record that the path value
// param names; lookup's error (a 404) is answered when there is none.
// Request bodies are read before: a malformed body is a 400 even for a
// missing record.
func within[T any](s *Server, r *http.Request, param string, lookup func(*store, string) (T, error), fn func(st *store, v T) error) error {
	return s.locked(func(st *store) error {
		v, err := lookup(st, r.PathValue(param))
		if err != nil {
			return err
		}
		return fn(st, v)
	})
}

// assign sets *dst from an optional request field; an absent one (nil)
// leaves it as it is.
func assign[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

type empty struct{}

func ok(w http.ResponseWriter, v any) error {
	writeJSON(w, http.StatusOK, v)
	return nil
}

// getDeployment describes the emulated deployment. Only the fields the
// spec requires are sent: the emulator has no settings to report.
func (s *Server) getDeployment(w http.ResponseWriter, r *http.Request) error {
	return ok(w, struct {
		ID              string    `json:"id"`
		CreatedAt       time.Time `json:"created_at"`
		UpdatedAt       time.Time `json:"updated_at"`
		MaintenanceMode bool      `json:"maintenance_mode"`
		BackendHost     string    `json:"backend_host"`
		FrontendHost    string    `json:"frontend_host"`
		MailFromHost    string    `json:"mail_from_host"`
		PublishableKey  string    `json:"publishable_key"`
		Mode            string    `json:"mode"`
	}{DeploymentID, seedEpoch, seedEpoch, false, strings.TrimPrefix(s.BackendURL, "http://"), strings.TrimPrefix(s.FrontendURL, "http://"),
		strings.TrimPrefix(s.FrontendURL, "http://"), s.PublishableKey, "staging"})
}
