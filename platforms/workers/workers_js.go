//go:build js && wasm

package workers

import (
	"net/http"
	"syscall/js"
)

func init() {
	// Go's own transport calls fetch with the wrong receiver inside a
	// Worker and panics ("Illegal invocation"). Whatever reaches for
	// http.DefaultClient or http.DefaultTransport (a library that takes no
	// client) sends through the Workers fetch API instead.
	http.DefaultTransport = platformTransport()
}

// runtimeContext is the object the JavaScript entry hands the Go program
// (globalThis.context in Go's view, through syumai/workers' wasm_exec.js).
var runtimeContext = js.Global().Get("context")

// HTTPClient returns the request-level client of the Worker: requests go
// through the Workers fetch API (redirects are followed by the Go client,
// with its header stripping, not by fetch), bounded by each request's
// context, and the token verifier's key set comes from WACHT_JWKS when set,
// else from the data center's cache (the Cache API), else from the network.
func HTTPClient() *http.Client {
	return &http.Client{Transport: &transport{next: platformTransport(), env: Env, store: platformStore()}}
}
