package handler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/wacht"
)

type (
	instanceKey  struct{}
	authKey      struct{}
	clientKey    struct{}
	principalKey struct{}
	webhookKey   struct{}
	requestIDKey struct{}
	logAttrsKey  struct{}
	loggerKey    struct{}
)

// authResult is what Authenticate attaches: the Auth and who produced it.
// A result is only as good as the verifier behind it (publishable key,
// issuer, audiences, secrets), so a nested Authenticate reuses it only when
// the same kit verified it under the same configuration.
type authResult struct {
	auth *auth.Auth
	kit  *Kit
	key  fingerprint
}

// AuthFromContext returns the session auth that Authenticate or Protect
// attached to ctx, and false when neither ran. The *auth.Auth is non-nil
// whenever ok is true; it may still be anonymous (check Authenticated). A
// nil *auth.Auth is anonymous too, so calling Authenticated on the result
// is always safe.
func AuthFromContext(ctx context.Context) (*auth.Auth, bool) {
	if res, ok := ctx.Value(authKey{}).(*authResult); ok && res.auth != nil {
		return res.auth, true
	}
	return nil, false
}

// ClientFromContext returns the backend client of a request that passed
// Protect or RequireMachine, and false for any other request. Handlers that
// have checked nothing must ask for the client by name, with
// Kit.UnprotectedClient.
func ClientFromContext(ctx context.Context) (*wacht.Client, bool) {
	c, ok := ctx.Value(clientKey{}).(*wacht.Client)
	return c, ok && c != nil
}

// PrincipalFromContext returns the gateway's decision for a request that
// passed RequireMachine: the machine identity, its permissions, scopes,
// metadata and rate limits, and the gateway's x-wacht-* identity headers
// parsed into Decision.IdentityHeaders. These are for the handler; none of
// them is copied onto the response. It returns false for any other request.
func PrincipalFromContext(ctx context.Context) (*auth.Decision, bool) {
	d, ok := ctx.Value(principalKey{}).(*auth.Decision)
	return d, ok && d != nil
}

// WebhookEventFromContext returns the verified delivery of a request that
// passed VerifyWebhook, and false for any other request. When its
// Duplicate field is set the delivery was processed before: answer 2xx
// without acting on it again.
func WebhookEventFromContext(ctx context.Context) (*auth.WebhookEvent, bool) {
	e, ok := ctx.Value(webhookKey{}).(*auth.WebhookEvent)
	return e, ok && e != nil
}

// WithRequestID returns a context carrying the platform's request id (the
// Lambda request id, Netlify's x-nf-request-id, the Cloud Functions
// execution id, the Cloudflare ray id). Every platform adapter of this kit
// calls it by default; Kit.Handler generates an id only when none was given.
// An empty id records nothing.
func WithRequestID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFromContext returns the request id of ctx, and false when there
// is none: inside Kit.Handler there always is one (the platform's, or one
// the kit generated).
func RequestIDFromContext(ctx context.Context) (string, bool) {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id, id != ""
}

// WithLogAttrs returns a context whose request logger carries attrs as well
// (a platform adds its trace id this way). Attributes accumulate.
func WithLogAttrs(ctx context.Context, attrs ...slog.Attr) context.Context {
	prev, _ := ctx.Value(logAttrsKey{}).([]slog.Attr)
	all := make([]slog.Attr, 0, len(prev)+len(attrs))
	all = append(append(all, prev...), attrs...)
	return context.WithValue(ctx, logAttrsKey{}, all)
}

// LoggerFromContext returns the request's logger (with its request id and
// platform attributes) inside Kit.Handler, or slog.Default() elsewhere.
//
// Unlike the other XFromContext accessors it has no ok result and never
// returns nil: a logger always exists, so there is nothing to check before
// logging.
func LoggerFromContext(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok && l != nil {
		return l
	}
	return slog.Default()
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
