package netlify

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"

	awslambda "github.com/aws/aws-lambda-go/lambda"

	"github.com/wacht-platform/serverless-go/platforms/lambda"
)

// FunctionsPrefix is the path under which Netlify serves every function:
// a function named "api" answers at /.netlify/functions/api and below.
const FunctionsPrefix = "/.netlify/functions/"

// BackgroundSuffix ends the name of every background function: Netlify
// answers 202 to the caller itself and runs the function for up to 15
// minutes.
const BackgroundSuffix = "-background"

// Handler adapts an http.Handler to Netlify's Go functions. It implements
// aws-lambda-go's lambda.Handler interface (Invoke), so tests can invoke it
// directly with an event payload and custom wiring can pass it to
// aws-lambda-go's StartWithOptions. A Handler is safe for concurrent use.
//
// The conversion of the API Gateway v1-shaped event (method, headers,
// multi-value query, body, response encoding, panics) is platforms/lambda's;
// Handler adds Netlify's fields on top.
type Handler struct {
	inner *lambda.Handler
	cfg   config
}

var _ awslambda.Handler = (*Handler)(nil)

type config struct {
	keepPrefix   bool
	basePath     string
	functionName string
	background   bool
	logger       *slog.Logger
	lambdaOpts   []lambda.Option
	startOpts    []awslambda.Option
}

// Option configures a Handler.
type Option func(*config)

// WithKeepFunctionsPrefix leaves the /.netlify/functions/<name> prefix in
// the path the handler sees. By default it is removed, so a request for
// /.netlify/functions/api/users reaches the handler as /users.
func WithKeepFunctionsPrefix() Option { return func(c *config) { c.keepPrefix = true } }

// WithBasePath removes prefix from the start of the path, on a segment
// boundary, after the functions prefix. Use it for redirect rewrites: with a
// netlify.toml rule sending /api/* to /.netlify/functions/api/:splat and
// WithBasePath("/api"), both /api/users and /.netlify/functions/api/users
// reach the handler as /users. The prefix is matched against the escaped
// path; leading and trailing slashes are optional, and "" or "/" disables it.
func WithBasePath(prefix string) Option {
	prefix = strings.Trim(prefix, "/")
	return func(c *config) {
		c.basePath = ""
		if prefix != "" {
			c.basePath = "/" + prefix
		}
	}
}

// WithFunctionName sets the function's name, as named by its folder in the
// site's functions directory. Without it the name is taken from the event's
// /.netlify/functions/<name> path, then from AWS_LAMBDA_FUNCTION_NAME (set
// by the Lambda runtime; a rewritten request's path names no function). The name decides whether the function
// is a background function (see WithBackground) and which functions prefix
// is removed.
func WithFunctionName(name string) Option { return func(c *config) { c.functionName = name } }

// WithBackground marks the function as a background function even when its
// name does not end in "-background". Netlify decides this by the name, so
// the option is for functions started by other means (tests, local tools).
func WithBackground() Option { return func(c *config) { c.background = true } }

// WithLogger sets the logger for handler panics and for failures of
// background functions, whose responses nobody reads. The default is
// slog.Default() at the time of logging.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithLambdaOptions passes options to the platforms/lambda conversion
// underneath (for example lambda.WithBinaryRule).
// Its path options (lambda.WithBasePath, lambda.WithStripStage) only see
// the event's path field, which Netlify's rawUrl overrides: use this
// package's WithBasePath.
func WithLambdaOptions(opts ...lambda.Option) Option {
	return func(c *config) { c.lambdaOpts = append(c.lambdaOpts, opts...) }
}

// WithStartOptions passes options to aws-lambda-go's StartWithOptions when
// the function is started with Start (for example awslambda.WithEnableSIGTERM).
func WithStartOptions(opts ...awslambda.Option) Option {
	return func(c *config) { c.startOpts = append(c.startOpts, opts...) }
}

// NewHandler returns a Handler serving h. A nil h serves
// http.DefaultServeMux, like net/http's server.
func NewHandler(h http.Handler, opts ...Option) *Handler {
	if h == nil {
		h = http.DefaultServeMux
	}
	nh := &Handler{}
	for _, o := range opts {
		if o != nil {
			o(&nh.cfg)
		}
	}
	lopts := make([]lambda.Option, 0, len(nh.cfg.lambdaOpts)+1)
	if nh.cfg.logger != nil {
		lopts = append(lopts, lambda.WithLogger(nh.cfg.logger))
	}
	lopts = append(lopts, nh.cfg.lambdaOpts...)
	nh.inner = lambda.NewHandler(&adapter{cfg: &nh.cfg, next: h}, lopts...)
	return nh
}

// Start runs h as a Netlify Go function: it serves invocations from the
// Lambda runtime API that Netlify (and the Netlify CLI locally) provides,
// and never returns. Outside such a runtime aws-lambda-go logs the problem
// and exits the process.
func Start(h http.Handler, opts ...Option) {
	nh := NewHandler(h, opts...)
	awslambda.StartWithOptions(nh, nh.cfg.startOpts...)
}

var backgroundResponse = []byte(`{"statusCode":202,"headers":{},"multiValueHeaders":{},"body":"","isBase64Encoded":false}`)

// Invoke converts one Netlify event into an *http.Request, serves it and
// returns the JSON response Netlify expects. For a background function the
// handler's response is discarded and 202 with an empty body is returned,
// as Netlify itself answers the caller. A payload that is not an HTTP event
// yields an error wrapping lambda.ErrUnsupportedEvent or
// lambda.ErrMalformedEvent (see lambda.EventError).
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	// Netlify's own members are read by the lambda conversion in its one
	// pass over the payload; the adapter fills inv from them.
	inv := &invocation{}
	ctx = context.WithValue(ctx, invocationKey{}, inv)
	out, err := h.inner.Invoke(ctx, payload)
	if err != nil {
		return nil, err
	}
	if inv.event.Background {
		return append([]byte(nil), backgroundResponse...), nil
	}
	return out, nil
}

// functionNameFromPath returns <name> of a /.netlify/functions/<name>...
// path, or "".
func functionNameFromPath(p string) string {
	rest, ok := strings.CutPrefix(p, FunctionsPrefix)
	if !ok {
		return ""
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

var envFunctionName = sync.OnceValue(func() string { return os.Getenv("AWS_LAMBDA_FUNCTION_NAME") })
