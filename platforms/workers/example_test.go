package workers_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/workers"
)

// A Worker's main function: the kit reads its configuration from the
// Worker's env bindings and sends through the fetch API. Outside a Worker
// (as here) the same calls use the process environment and
// http.DefaultTransport; workers.Serve(kit.Handler(mux)) would then serve on
// 127.0.0.1:8787.
func ExampleNew() {
	env := map[string]string{
		// The publishable key names the deployment (its frontend API URL).
		"WACHT_PUBLISHABLE_KEY": "pk_test_" + base64.RawURLEncoding.EncodeToString([]byte("https://fapi.example.test")),
	}
	kit := workers.New(handler.Options{
		// In a Worker, leave Env unset: the Worker's bindings are read.
		Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
	mux := http.NewServeMux()
	mux.Handle("GET /admin/users", kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, "users")
		})))

	rec := httptest.NewRecorder()
	kit.Handler(mux).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/users", nil))
	// No session token: 401 before any network call.
	fmt.Println(rec.Code)
	// Output: 401
}

// Env reads a binding; outside a Worker it is the process environment.
func ExampleEnv() {
	_, ok := workers.Env("WACHT_SURELY_UNSET_VARIABLE")
	fmt.Println(ok)
	// Output: false
}

// HTTPClient is the client to hand to anything else that talks HTTP from
// the Worker.
func ExampleHTTPClient() {
	c := workers.HTTPClient()
	fmt.Println(c.Transport != nil)
	// Output: true
}
