package gcf

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"github.com/wacht-platform/serverless-go/handler"
)

// Environment variables the package reads on each invocation.
const (
	// EnvCloudRunTimeout is the request timeout in whole seconds that the
	// Functions Framework reads (it is not part of Cloud Run's documented
	// contract; the framework applies it itself when it is set).
	EnvCloudRunTimeout = "CLOUD_RUN_TIMEOUT_SECONDS"
	// EnvFunctionTimeout is the timeout in seconds that 1st gen Cloud
	// Functions set for older runtimes.
	EnvFunctionTimeout = "FUNCTION_TIMEOUT_SEC"
	// EnvProject and the two legacy names below name the Google Cloud
	// project, which turns a trace id into the resource name Cloud Logging
	// links to Cloud Trace. Cloud Run functions (2nd gen) set none of them:
	// pass --set-env-vars GOOGLE_CLOUD_PROJECT=... or use WithProjectID.
	EnvProject       = "GOOGLE_CLOUD_PROJECT"
	EnvProjectGCloud = "GCLOUD_PROJECT"
	EnvProjectGCP    = "GCP_PROJECT"
)

// Option configures a registered function.
type Option func(*config)

type config struct {
	timeout time.Duration
	project string
}

// WithTimeout bounds every invocation's context to d, overriding the
// timeout read from the environment. It only ever shortens a deadline the
// context already has; zero or negative d means "use the environment".
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithProjectID names the Google Cloud project for the trace field of log
// records ("projects/<id>/traces/<trace>"), overriding GOOGLE_CLOUD_PROJECT,
// GCLOUD_PROJECT and GCP_PROJECT.
func WithProjectID(id string) Option {
	return func(c *config) { c.project = id }
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// timeoutFor returns the invocation timeout: the option, else the first of
// CLOUD_RUN_TIMEOUT_SECONDS and FUNCTION_TIMEOUT_SEC that holds a positive
// number of seconds, else zero (no deadline is added).
func (c config) timeoutFor() time.Duration {
	if c.timeout > 0 {
		return c.timeout
	}
	for _, name := range [...]string{EnvCloudRunTimeout, EnvFunctionTimeout} {
		v, ok := os.LookupEnv(name)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	return 0
}

// withDeadline applies the invocation timeout to ctx. The cancel function
// is always non-nil.
func (c config) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if d := c.timeoutFor(); d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return ctx, func() {}
}

func (c config) projectID() string {
	if c.project != "" {
		return c.project
	}
	for _, name := range [...]string{EnvProject, EnvProjectGCloud, EnvProjectGCP} {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			return v
		}
	}
	return ""
}

// HTTP registers h as the HTTP function name with the Functions Framework
// (functions.HTTP), wrapped by HTTPFunc. Pass the kit's outermost handler,
// kit.Handler(mux), so each request gets the platform's execution id as its
// request id. Call it from an init function of the deployed package; like
// functions.HTTP it exits the process if name is already registered.
//
// The Go buildpack only generates the declarative main package when the
// deployed package itself imports
// github.com/GoogleCloudPlatform/functions-framework-go/functions: call
// functions.HTTP(name, gcf.HTTPFunc(h)) there, or add a blank import of
// that package next to the call to HTTP.
func HTTP(name string, h http.Handler, opts ...Option) {
	functions.HTTP(name, HTTPFunc(h, opts...))
}

// HTTPFunc adapts h to the Functions Framework's HTTP signature without
// registering it. For each request it:
//
//   - takes the Function-Execution-Id header as the request id
//     (handler.WithRequestID), so the kit's logs, error answers and
//     X-Request-Id header carry the id that also labels the platform's own
//     log lines, and adds it as the execution_id label;
//   - carries the trace context into every log record of the request
//     (handler.WithLogAttrs) under Cloud Logging's field names, from
//     traceparent or, failing that, X-Cloud-Trace-Context;
//   - bounds the request context by the function's timeout (WithTimeout,
//     else CLOUD_RUN_TIMEOUT_SECONDS or FUNCTION_TIMEOUT_SEC).
//
// These headers are set by Google's front end for requests that reach the
// function through it; a caller can still send its own values (direct calls
// to the run.app URL, local runs), so they are treated as correlation data
// only: ids and traces that do not have the platform's format are ignored
// (the kit then generates a request id) and nothing is ever authorized on
// them.
func HTTPFunc(h http.Handler, opts ...Option) func(http.ResponseWriter, *http.Request) {
	if h == nil {
		panic("gcf: HTTPFunc called with a nil handler")
	}
	c := newConfig(opts)
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := c.withDeadline(r.Context())
		defer cancel()
		var attrs []slog.Attr
		if id := r.Header.Get(HeaderExecutionID); validID(id) {
			ctx = handler.WithRequestID(ctx, id)
			attrs = append(attrs, slog.Group(LogFieldLabels, slog.String("execution_id", id)))
		}
		if tc, ok := requestTrace(r.Header); ok {
			attrs = append(attrs, tc.attrs(c.projectID())...)
		}
		if len(attrs) > 0 {
			ctx = handler.WithLogAttrs(ctx, attrs...)
		}
		defer abortOnPanic(w)
		h.ServeHTTP(w, r.WithContext(ctx))
	}
}

// abortOnPanic handles http.ErrAbortHandler, which kit.Handler raises when
// the handler panicked after its answer had started. net/http answers it by
// dropping the connection, but the Functions Framework recovers every
// panic of a function itself and then writes its own 500 message after
// what was already sent, so the caller would read a complete, well-framed
// 200 with a truncated body and a stray error text
// (funcframework/framework.go, recoverPanic and writeHTTPErrorResponse,
// v1.9.2). Closing the connection here, before the framework sees the
// panic, leaves the answer unterminated, which clients and Google's front
// end report as a failed request. On a connection that cannot be taken
// over (HTTP/2) the panic goes on to the framework. Other panics are not
// touched.
func abortOnPanic(w http.ResponseWriter) {
	p := recover()
	if p == nil {
		return
	}
	if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
		if conn, _, herr := http.NewResponseController(w).Hijack(); herr == nil {
			_ = conn.Close()
			return
		}
	}
	panic(p)
}

// requestTrace prefers the W3C header and falls back to Google's.
func requestTrace(h http.Header) (traceContext, bool) {
	if tc, ok := parseTraceparent(h.Get(HeaderTraceparent)); ok {
		return tc, true
	}
	return parseCloudTraceContext(h.Get(HeaderCloudTraceContext))
}
