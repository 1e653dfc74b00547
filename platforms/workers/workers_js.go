//go:build js && wasm

package workers

import (
	"errors"
	"net/http"
	"syscall/js"

	sworkers "github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/cache"
	"github.com/syumai/workers/cloudflare/fetch"
)

func init() {
	// Go's own transport calls fetch with the wrong receiver inside a
	// Worker and panics ("Illegal invocation"). Whatever reaches for
	// http.DefaultClient or http.DefaultTransport (a library that takes no
	// client) sends through the Workers fetch API instead.
	http.DefaultTransport = fetchTransport()
}

// Serve serves h, usually kit.Handler(mux), for the Worker's fetch events
// and never returns. The Workers glue starts a fresh Go instance for every
// request, so main runs once per request: keep it cheap (no network).
func Serve(h http.Handler) {
	sworkers.Serve(adapt(h))
}

// Env looks name up in the Worker's env bindings: plain-text variables and
// secrets are returned as they are; JSON variables (objects, numbers,
// booleans in wrangler.jsonc's vars) as their JSON text. Bindings that are
// not values (KV namespaces, services) are reported absent.
func Env(name string) (string, bool) {
	v, err := envValue(name)
	if err != nil {
		return "", false
	}
	switch v.Type() {
	case js.TypeString:
		return v.String(), true
	case js.TypeNumber, js.TypeBoolean:
		return js.Global().Get("JSON").Call("stringify", v).String(), true
	case js.TypeObject:
		obj := js.Global().Get("Object")
		if !obj.Call("getPrototypeOf", v).Equal(obj.Get("prototype")) && !js.Global().Get("Array").Call("isArray", v).Bool() {
			return "", false // a binding such as a KV namespace, not a value
		}
		return js.Global().Get("JSON").Call("stringify", v).String(), true
	}
	return "", false
}

// envValue reads one binding, turning a missing runtime context (code
// running outside a request) into an error rather than a panic.
func envValue(name string) (v js.Value, err error) {
	defer func() {
		if recover() != nil {
			err = errNoRuntime
		}
	}()
	return cloudflare.GetBinding(name), nil
}

// errNoRuntime is envValue's answer outside a request.
var errNoRuntime = errors.New("workers: no Worker runtime context")

// HTTPClient returns the request-level client of the Worker: requests go
// through the Workers fetch API (redirects are followed by the Go client,
// with its header stripping, not by fetch), bounded by each request's
// context, and the token verifier's key set comes from WACHT_JWKS when set,
// else from the data center's cache (the Cache API), else from the network.
func HTTPClient() *http.Client {
	return &http.Client{Transport: &transport{next: fetchTransport(), env: Env, store: cacheStore{c: cache.New()}}}
}

func fetchTransport() http.RoundTripper {
	return fetch.NewClient().HTTPClient(fetch.RedirectModeManual).Transport
}

// cacheStore keeps the key set in caches.default.
type cacheStore struct{ c *cache.Cache }

func (s cacheStore) Match(req *http.Request) (*http.Response, error) {
	res, err := s.c.Match(req, nil)
	if errors.Is(err, cache.ErrCacheNotFound) {
		return nil, nil
	}
	return res, err
}

func (s cacheStore) Put(req *http.Request, res *http.Response) error {
	return s.c.Put(req, res)
}
