package lambda

import (
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	awslambda "github.com/aws/aws-lambda-go/lambda"
)

// Option configures a Handler.
type Option func(*config)

type config struct {
	stripStage bool
	basePath   string
	binary     func(h http.Header, body []byte) bool
	streaming  bool
	logger     *slog.Logger
	startOpts  []awslambda.Option
}

// WithStripStage removes the API Gateway stage name from the start of the
// path, on a segment boundary: with stage "prod", "/prod/users" becomes
// "/users" and "/prod" becomes "/", while "/production" is left alone. HTTP
// APIs with a named stage put the stage in rawPath; the "$default" stage is
// never stripped. Events without a stage are unaffected.
func WithStripStage() Option { return func(c *config) { c.stripStage = true } }

// WithBasePath removes prefix from the start of the path, on a segment
// boundary, as needed behind an API Gateway custom domain whose base path
// mapping is forwarded to the function. The prefix is matched against the
// path as delivered (percent-encoded where the platform encodes it), so give
// it in that form. Leading and trailing slashes are optional; an empty
// prefix or "/" disables stripping. Stage stripping, if enabled, runs first.
func WithBasePath(prefix string) Option {
	prefix = strings.Trim(prefix, "/")
	return func(c *config) {
		if prefix == "" {
			c.basePath = ""
			return
		}
		c.basePath = "/" + prefix
	}
}

// WithBinaryRule replaces the rule deciding whether a response body is sent
// base64-encoded (isBase64Encoded: true). rule receives the response header
// as sent and the complete body; DefaultBinaryRule is the default.
// A nil rule restores the default.
func WithBinaryRule(rule func(h http.Header, body []byte) bool) Option {
	return func(c *config) { c.binary = rule }
}

// WithResponseStreaming answers Lambda Function URL events in the
// RESPONSE_STREAM invoke mode: the status and headers are sent when the
// handler first writes or flushes (or returns), then the body streams as the
// handler writes it. Configure the Function URL with InvokeMode
// RESPONSE_STREAM. Events from other sources still get buffered responses.
// Streaming needs the handler to be started by Start (or wired with
// Handler.InvokeStream); the binary rule does not apply to streamed bodies.
func WithResponseStreaming() Option { return func(c *config) { c.streaming = true } }

// WithLogger sets the logger for handler panics and response errors.
// The default is slog.Default() at the time of logging.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithStartOptions passes options to aws-lambda-go's StartWithOptions when
// the handler is started with Start (for example awslambda.WithEnableSIGTERM).
func WithStartOptions(opts ...awslambda.Option) Option {
	return func(c *config) { c.startOpts = append(c.startOpts, opts...) }
}

// DefaultBinaryRule is the default rule for response bodies. A body is sent
// as text when all of these hold, and base64-encoded otherwise:
//   - there is no Content-Encoding other than "identity" (a gzip body is binary);
//   - the Content-Type is textual: any text/* type, application/json,
//     application/xml, application/javascript, application/ecmascript,
//     application/x-www-form-urlencoded, application/graphql, application/x-ndjson,
//     any type with a +json or +xml suffix, image/svg+xml, or no Content-Type at all;
//   - the body is valid UTF-8.
//
// Behind an API Gateway REST API, base64 bodies are only decoded for media
// types listed in the API's binaryMediaTypes; HTTP APIs, ALB and Function
// URLs always decode them.
func DefaultBinaryRule(h http.Header, body []byte) bool {
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return true
	}
	if ct := h.Get("Content-Type"); ct != "" && !IsTextContentType(ct) {
		return true
	}
	return !utf8.Valid(body)
}

// IsTextContentType reports whether the media type of a Content-Type value
// is one DefaultBinaryRule treats as text.
func IsTextContentType(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript",
		"application/ecmascript", "application/x-www-form-urlencoded",
		"application/graphql", "application/x-ndjson", "image/svg+xml":
		return true
	}
	return strings.HasPrefix(mt, "application/") &&
		(strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml"))
}
