//go:build js && wasm && wacht_perrequest

package workers

import (
	"errors"
	"net/http"

	sworkers "github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare/cache"
	"github.com/syumai/workers/cloudflare/fetch"
)

// This file is the entry the package had before it kept one Go instance per
// isolate: syumai/workers' own glue, which starts a fresh Go instance for
// every request. It is built only with -tags wacht_perrequest
// (WORKERS_ENTRY=per-request scripts/build-workers.sh), so that the
// benchmark can measure it beside the shared instance.

// Serve serves h, usually kit.Handler(mux), for the Worker's fetch events
// and never returns.
func Serve(h http.Handler) {
	sworkers.Serve(adapt(h))
}

func platformTransport() http.RoundTripper {
	return fetch.NewClient().HTTPClient(fetch.RedirectModeManual).Transport
}

func platformStore() jwksStore { return cacheStore{c: cache.New()} }

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
