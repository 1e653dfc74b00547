package handler_test

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wacht-platform/serverless-go/handler"
)

// Options.RenderError writes every failure the kit answers, the kit's own
// and those a handler answers through WriteError, with the status and safe
// message the kit chose.
func TestRenderErrorWritesEveryFailure(t *testing.T) {
	var (
		mu       sync.Mutex
		rendered []string
	)
	f := newFixture(t, handler.Options{MaxBodyBytes: 8, RenderError: func(w http.ResponseWriter, r *http.Request, status int, body handler.ErrorBody) {
		mu.Lock()
		rendered = append(rendered, body.Error)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<h1>%d %s</h1><p>%s</p><small>%s</small>", status, html.EscapeString(body.Error), html.EscapeString(body.Message), html.EscapeString(body.RequestID))
	}})
	mux := http.NewServeMux()
	mux.Handle("GET /admin", f.kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})(http.HandlerFunc(listUsers)))
	mux.Handle("GET /machine", f.kit.RequireMachine("user:read")(http.HandlerFunc(listUsers)))
	mux.HandleFunc("GET /teapot", func(w http.ResponseWriter, r *http.Request) {
		handler.WriteError(w, r, &handler.HTTPError{Status: 418, Code: "teapot", Message: "short and stout"})
	})
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(f.kit.Handler(mux))
	defer srv.Close()

	cases := []struct {
		method, path string
		header       map[string]string
		body         string
		status       int
		code         string
	}{
		{"GET", "/admin", nil, "", 401, "unauthenticated"},
		{"GET", "/admin", map[string]string{"Authorization": "Bearer " + f.token(t)}, "", 403, "forbidden"},
		{"GET", "/machine", map[string]string{"X-Api-Key": "sk_test_unknown"}, "", 401, "unauthenticated"},
		{"GET", "/teapot", nil, "", 418, "teapot"},
		{"GET", "/panic", nil, "", 500, "internal_error"},
		{"POST", "/echo", nil, "more than eight bytes", 413, "body_too_large"},
	}
	for _, c := range cases {
		var body io.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		a := do(t, c.method, srv.URL+c.path, c.header, body)
		if a.status != c.status || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(a.raw, fmt.Sprintf("<h1>%d %s</h1>", c.status, c.code)) || !strings.Contains(a.raw, "<small>") {
			t.Errorf("%s %s: %d %q %s", c.method, c.path, a.status, a.header.Get("Content-Type"), a.raw)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(rendered) != len(cases) {
		t.Fatalf("rendered %d of %d failures: %v", len(rendered), len(cases), rendered)
	}
}
