package handler

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/wacht-platform/serverless-go/wacht"
)

// EventContext prepares ctx for an invocation that is not an HTTP request
// (a Pub/Sub message, a storage notification, a scheduled job) the way
// Handler prepares a request: it keeps the request id a platform adapter
// set with WithRequestID (or adds a fresh one) and attaches a logger that
// carries it and the WithLogAttrs attributes, for LoggerFromContext.
func (k *Kit) EventContext(ctx context.Context) context.Context {
	k.init()
	id, ok := RequestIDFromContext(ctx)
	if !ok {
		id = newRequestID()
		ctx = WithRequestID(ctx, id)
	}
	attrs, _ := ctx.Value(logAttrsKey{}).([]slog.Attr)
	return context.WithValue(ctx, loggerKey{}, requestLogger(k.log, id, attrs))
}

// EventClient returns the backend client for an invocation that is not an
// HTTP request. The configuration is read exactly as for requests (from
// Options.Env on every call, then Options.Resolve, which receives a
// placeholder POST / request carrying ctx and no headers) and the client
// comes from the same warm-instance cache, so event and HTTP functions of
// one process share it.
//
// Like UnprotectedClient it checks no permission: the caller of an event
// function is the platform's trigger (authorized by the platform's own
// identity and access rules), not a user or machine token the kit could
// verify. Call it only for such invocations.
func (k *Kit) EventClient(ctx context.Context) (*wacht.Client, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "/", http.NoBody)
	if err != nil {
		return nil, err
	}
	in, err := k.instanceFor(r)
	if err != nil {
		return nil, err
	}
	return in.Client()
}
