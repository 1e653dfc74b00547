// Package workers runs the kit's handler on Cloudflare Workers, with Go
// compiled to WebAssembly (GOOS=js GOARCH=wasm) behind this package's
// JavaScript entry (worker.mjs), which keeps one Go instance per isolate:
//
//	func main() {
//		kit := workers.New(handler.Options{})
//		mux := http.NewServeMux()
//		mux.Handle("GET /admin/users", kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})(adminUsers))
//		mux.Handle("GET /machine/users", kit.RequireMachine("user:read")(machineUsers))
//		workers.Serve(kit.Handler(mux))
//	}
//
// Authentication, Protect, RequireMachine (Wacht's gateway), webhooks and
// the JSON errors are the handler package's, exactly as on every other
// platform; this package supplies what a Worker does differently.
//
// # One Go instance per isolate
//
// The entry starts the Go program on the isolate's first request and
// dispatches every later request into it, concurrent ones included, each in
// its own goroutine: main runs once per isolate, and the kit's warm cache
// works as on Lambda (configuration read from the bindings on every
// request; clients and verifiers reused while the bindings are unchanged;
// the key set kept in the verifier's memory). main must reach Serve without
// waiting on I/O.
//
// Workers tie each subrequest, stream and cache read to the request that
// started it, while Go's scheduler runs any ready goroutine whenever the
// program is resumed. So the Go side never holds a Workers I/O object: its
// client asks the entry for a whole exchange (the fetch and its body read
// together, or a cache read or write), which runs in the request context
// Go is running in and is kept alive there with that request's waitUntil.
// Request bodies are read by the entry before Go sees them, and answers are
// sent when the handler returns (Flush does not send early).
//
// What crosses between the entry and Go is kept to numbers: a request's
// method, URL, headers and body, its env bindings, an answer and an
// exchange's result are copied directly between Go's memory and the entry
// by the entry's imports (//go:wasmimport), and each distinct env object
// becomes one snapshot that Env reads as a Go map. Request goroutines stay
// between requests rather than growing a fresh stack each time. Under Wasm
// these costs, not the kit's own work, were most of a warm request: make
// bench-workers compares the result with a constant JavaScript Worker.
// Token signatures are checked by the runtime's WebCrypto, and a token the
// instance has verified before skips the check (see package auth).
//
// Faults: a panic in a request's goroutine is answered 500 and the
// instance keeps serving. When the Go program exits (a panic in any other
// goroutine, a fatal runtime error) or a call into it fails, the entry
// answers the requests it still owed 500 and starts a fresh instance for
// the next ones. A request that does not settle within
// WACHT_WORKER_SETTLE_MS (a binding, in milliseconds; default 60000) is
// answered 504 and its instance retired: requests already in it may still
// finish; new ones go to a fresh instance.
//
// # Configuration from env bindings
//
// Workers have no process environment: a Worker's variables and secrets are
// bindings handed to each request. New passes Env, a lookup over those
// bindings, as handler.Options.Env, so the kit reads WACHT_API_KEY,
// WACHT_PUBLISHABLE_KEY, WACHT_GATEWAY_URL and the rest from them on every
// request (set public values as vars in wrangler.jsonc, the API key with
// wrangler secret put WACHT_API_KEY).
//
// # A request-level client on the fetch API
//
// Go's own HTTP transport cannot run in a Worker (it calls fetch with the
// wrong receiver and panics with "Illegal invocation"), so New passes
// HTTPClient, which sends through the Workers fetch API, as
// handler.Options.HTTPClient: the backend API client, the key-set fetch
// and the gateway check all use it, and nothing falls back to
// http.DefaultClient (in a Worker build this package also points
// http.DefaultTransport at the fetch API, for libraries that take no
// client). Requests stop waiting when their context ends; redirects are
// followed by the Go client, which drops credentials on a redirect to
// another host.
//
// # The key set in a cold isolate
//
// Within an isolate the verifier keeps the key set in memory. A fresh
// isolate (or a fresh instance after a fault) has none, so the client
// answers the verifier's GET of /.well-known/jwks.json from, in order:
//
//  1. the WACHT_JWKS binding, when set: the deployment's key set pinned at
//     deploy time (as a string or a JSON object var). No subrequest at all;
//     update it when the deployment rotates its signing keys. It answers
//     only the key-set request of the frontend API named by the Worker's
//     own publishable key; other hosts (tenants picked by Resolve) fall
//     through to 2 and 3.
//  2. the data center's cache (the Cache API, caches.default), where the
//     key set is kept for its Cache-Control max-age (clamped to 30s..1h,
//     5m without one). One cache read per cold start.
//  3. the network, storing the answer in the cache for the next requests.
//
// The Cache API does nothing on *.workers.dev hostnames (every cold start
// then fetches the key set); serve the Worker on a custom domain or set
// WACHT_JWKS.
//
// # Outside a Worker
//
// In any other build Serve serves on 127.0.0.1:$PORT (default 8787), Env is
// os.LookupEnv and HTTPClient uses http.DefaultTransport, so the same main
// package runs with go run for a quick local check.
//
// # Building and deploying
//
// make build-workers (scripts/build-workers.sh) builds each sample under
// samples/workers into its build/ directory: app.wasm, this package's
// worker.mjs and wasm_exec.js (syumai/workers' copy of Go's, which hands
// the program its runtime context); wrangler deploy in the sample's
// directory uploads it. Cloudflare's free plan takes Workers up to 3 MiB
// gzipped; the build script reports the size and margin and fails past it.
// make bench-workers compares the entry with a constant JavaScript Worker
// and with the per-request entry used before (syumai/workers' own glue,
// built with WORKERS_ENTRY=per-request).
package workers
