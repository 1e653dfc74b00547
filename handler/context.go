package handler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"

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
	auth *wacht.Auth
	kit  *Kit
	key  fingerprint
}

// AuthFrom returns the session auth that Authenticate or Protect attached to
// ctx. It is nil when neither ran; a nil *wacht.Auth is anonymous, so
// AuthFrom(ctx).Authenticated() is always safe to call.
func AuthFrom(ctx context.Context) *wacht.Auth {
	if res, ok := ctx.Value(authKey{}).(*authResult); ok {
		return res.auth
	}
	return nil
}

// ClientFrom returns the backend client of a request that passed Protect or
// RequireMachine, or nil for any other request. Handlers that have checked
// nothing must ask for the client by name, with Kit.UnprotectedClient.
func ClientFrom(ctx context.Context) *wacht.Client {
	c, _ := ctx.Value(clientKey{}).(*wacht.Client)
	return c
}

// PrincipalFrom returns the gateway's decision for a request that passed
// RequireMachine: the machine identity, its permissions, scopes, metadata
// and rate limits, and the gateway's x-wacht-* identity headers parsed into
// Decision.IdentityHeaders. These are for the handler; none of them is
// copied onto the response. It is nil otherwise.
func PrincipalFrom(ctx context.Context) *wacht.Decision {
	d, _ := ctx.Value(principalKey{}).(*wacht.Decision)
	return d
}

// WebhookEventFrom returns the verified delivery of a request that passed
// VerifyWebhook, or nil. When its Duplicate field is set the delivery was
// processed before: answer 2xx without acting on it again.
func WebhookEventFrom(ctx context.Context) *wacht.WebhookEvent {
	e, _ := ctx.Value(webhookKey{}).(*wacht.WebhookEvent)
	return e
}

// WithRequestID returns a context carrying the platform's request id (the
// Lambda request id, the Cloud Functions execution id). Platform adapters
// call it; Kit.Handler generates an id only when none was given.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id of ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithLogAttrs returns a context whose request logger carries attrs as well
// (a platform adds its trace id this way). Attributes accumulate.
func WithLogAttrs(ctx context.Context, attrs ...slog.Attr) context.Context {
	prev, _ := ctx.Value(logAttrsKey{}).([]slog.Attr)
	all := make([]slog.Attr, 0, len(prev)+len(attrs))
	all = append(append(all, prev...), attrs...)
	return context.WithValue(ctx, logAttrsKey{}, all)
}

// LoggerFrom returns the request's logger (with its request id and platform
// attributes) inside Kit.Handler, or slog.Default() elsewhere.
func LoggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
