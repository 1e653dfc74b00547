//go:build !(js && wasm)

package workers

import (
	"cmp"
	"log"
	"net/http"
	"os"
)

// Serve serves h, usually kit.Handler(mux), for the Worker's fetch events
// and never returns. In a Worker the entry runs main once per isolate and
// dispatches every request into h, concurrent ones included.
//
// Outside a Worker (any build but GOOS=js GOARCH=wasm) it serves h on
// 127.0.0.1:$PORT (default 8787, wrangler dev's port) for local runs, with
// configuration from the process environment, and exits if it cannot.
func Serve(h http.Handler) {
	addr := "127.0.0.1:" + cmp.Or(os.Getenv("PORT"), "8787")
	log.Printf("workers: not in a Worker; serving on http://%s", addr)
	log.Fatal(http.ListenAndServe(addr, adapt(h)))
}

// Env looks name up in the Worker's env bindings: plain-text variables and
// secrets are returned as they are; JSON variables (objects, numbers,
// booleans in wrangler.jsonc's vars) as their JSON text. Bindings that are
// not values (KV namespaces, services) are reported absent.
//
// Outside a Worker it is os.LookupEnv.
func Env(name string) (string, bool) {
	return os.LookupEnv(name)
}

// HTTPClient returns the request-level client of the Worker: requests go
// through the Workers fetch API (redirects are followed by the Go client,
// with its header stripping, not by fetch), bounded by each request's
// context, and the token verifier's key set comes from WACHT_JWKS when set,
// else from the data center's cache (the Cache API), else from the network.
//
// Outside a Worker it sends through http.DefaultTransport and has no cache
// between requests; WACHT_JWKS from the environment still applies.
func HTTPClient() *http.Client {
	return &http.Client{Transport: &transport{next: http.DefaultTransport, env: Env}}
}
