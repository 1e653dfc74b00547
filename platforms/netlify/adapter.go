package netlify

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/internal/eventext"
	"github.com/wacht-platform/serverless-go/platforms/lambda"
)

// adapter is the http.Handler given to the lambda conversion: it receives
// the request lambda built from the API Gateway v1 fields and applies
// Netlify's additions before calling the user's handler.
type adapter struct {
	cfg  *config
	next http.Handler
}

func (a *adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	inv := invocationFrom(ctx)
	if inv == nil {
		// Invoked through the lambda conversion without Handler.Invoke
		// (not possible through this package's API): serve as is.
		a.next.ServeHTTP(w, r)
		return
	}
	ev := &inv.event
	ev.cc = &inv.cc
	if lc, ok := lambda.LambdaContext(ctx); ok {
		inv.cc.lambda = lc.ClientContext.Custom["netlify"]
	}
	if x, ok := eventext.NetlifyFromContext(ctx); ok {
		ev.Path, ev.RawURL, ev.Route = x.Path, x.RawURL, x.Route
		ev.RawQuery, inv.hasRawQuery = x.RawQuery, x.HasRawQuery
		inv.cc.local = x.Custom
	} else {
		// A plain API Gateway v1 event: its path is the request's.
		ev.Path = r.URL.EscapedPath()
	}
	ev.FunctionName = a.cfg.functionName
	if ev.FunctionName == "" {
		ev.FunctionName = functionNameFromPath(ev.Path)
	}
	if ev.FunctionName == "" {
		ev.FunctionName = envFunctionName()
	}
	ev.Background = a.cfg.background || strings.HasSuffix(ev.FunctionName, BackgroundSuffix)

	// Path and query: what the client asked for (rawUrl), so a rewrite
	// (/api/* to a function) shows its original path, then without the
	// functions prefix and the base path.
	escaped := r.URL.EscapedPath()
	if ev.RawURL != "" {
		if u, err := url.Parse(ev.RawURL); err == nil && strings.HasPrefix(u.EscapedPath(), "/") {
			escaped = u.EscapedPath()
		}
	}
	if !a.cfg.keepPrefix && ev.FunctionName != "" {
		escaped = stripPrefix(escaped, FunctionsPrefix+ev.FunctionName)
	}
	if a.cfg.basePath != "" {
		escaped = stripPrefix(escaped, a.cfg.basePath)
	}
	if inv.hasRawQuery {
		r.URL.RawQuery = ev.RawQuery
	}
	if escaped != r.URL.EscapedPath() || inv.hasRawQuery {
		if dec, err := url.PathUnescape(escaped); err == nil {
			r.URL.Path, r.URL.RawPath = dec, escaped
			if r.URL.EscapedPath() == dec {
				r.URL.RawPath = ""
			}
		}
		r.RequestURI = r.URL.RequestURI()
	}

	// Client address: Netlify's edge sets these headers on every request
	// it forwards, replacing any value the client sent.
	for _, name := range [...]string{"X-Nf-Client-Connection-Ip", "Client-Ip"} {
		if ip := clientIP(r.Header.Get(name)); ip != "" {
			r.RemoteAddr = net.JoinHostPort(ip, "0")
			break
		}
	}

	// Request id: Netlify's x-nf-request-id (shown to users in response
	// headers and logs), else the Lambda invocation id.
	id := r.Header.Get("X-Nf-Request-Id")
	if !validID(id) {
		id = lambda.RequestID(ctx)
	}
	inv.requestID = id
	// The kit's request id (platforms/lambda recorded the Lambda one):
	// kit.Handler logs it and names it in X-Request-Id and error bodies.
	ctx = handler.WithRequestID(ctx, id)
	r = r.WithContext(ctx)

	if !ev.Background {
		a.next.ServeHTTP(w, r)
		return
	}
	// Nobody reads a background function's response: keep its status to
	// report failures in the function log.
	sw := &statusWriter{ResponseWriter: w}
	a.next.ServeHTTP(sw, r)
	if sw.status >= 500 {
		a.logger().ErrorContext(ctx, "netlify: background function failed",
			slog.String("function", ev.FunctionName), slog.Int("status", sw.status),
			slog.String("request_id", id))
	}
}

func (a *adapter) logger() *slog.Logger {
	if a.cfg.logger != nil {
		return a.cfg.logger
	}
	return slog.Default()
}

// clientIP returns the address in a client-ip style header, or "" when it
// is not exactly one IP address.
func clientIP(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	ip := net.ParseIP(v)
	if ip == nil {
		return ""
	}
	return ip.String()
}

// validID accepts request ids that are safe to log and echo: short, and
// made of letters, digits and -_.:
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.:", c) >= 0) {
			return false
		}
	}
	return true
}

// stripPrefix removes prefix (which starts with '/') from p when it ends on
// a segment boundary.
func stripPrefix(p, prefix string) string {
	rest, ok := strings.CutPrefix(p, prefix)
	switch {
	case !ok:
		return p
	case rest == "":
		return "/"
	case rest[0] == '/':
		return rest
	}
	return p
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
