package workers

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/handler"
)

// EnvJWKS names the optional binding that pins the deployment's key set:
// the JSON of its /.well-known/jwks.json, as a string variable (or secret)
// or as a JSON object variable in wrangler.jsonc. When it is set, session
// tokens are verified against it with no subrequest at all; when the
// deployment rotates its signing keys, update it (tokens signed with a key
// that is not in it are answered 401).
const EnvJWKS = "WACHT_JWKS"

// jwksPath is where the verifier fetches the key set on the frontend API.
const jwksPath = "/.well-known/jwks.json"

// Bounds of the JWKS kept in the Workers cache: the origin's max-age,
// clamped like the verifier clamps it, or the default when it sends none.
const (
	cacheDefaultTTL = 5 * time.Minute
	cacheMinTTL     = 30 * time.Second
	cacheMaxTTL     = time.Hour
	maxJWKSBytes    = 256 << 10
)

// JWKS sources, reported in the X-Wacht-Jwks-Source header of the key-set
// response the transport hands to the verifier (never to a caller).
const (
	sourceStatic  = "static"
	sourceCache   = "cache"
	sourceNetwork = "network"
)

// jwksStore is the cache the key set is kept in between requests: on
// Workers, the Cache API (caches.default) of the data center.
type jwksStore interface {
	// Match returns the stored response for req, or (nil, nil) on a miss.
	Match(req *http.Request) (*http.Response, error)
	// Put stores res, whose Cache-Control max-age says for how long.
	Put(req *http.Request, res *http.Response) error
}

// transport is the request-level RoundTripper of the Worker's client. It
// sends every request through next (the Workers fetch API), bounded by the
// request's context, and answers the key-set fetch of the token verifier
// from the cheapest source: the WACHT_JWKS binding, else the cache, else
// the network (storing the answer in the cache).
type transport struct {
	next  http.RoundTripper
	env   func(string) (string, bool)
	store jwksStore // nil: no cache between requests
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && req.URL != nil && req.URL.Path == jwksPath {
		return t.jwks(req)
	}
	return t.send(req)
}

// send passes req to next with a body only where fetch accepts one, and
// gives up when req's context ends: the fetch API knows nothing of Go
// contexts, so without this a timeout would wait for the answer anyway.
func (t *transport) send(req *http.Request) (*http.Response, error) {
	if (req.Method == http.MethodGet || req.Method == http.MethodHead) && req.Body != nil {
		// fetch rejects a GET or HEAD request that has a body, even an
		// empty one.
		req = req.Clone(req.Context())
		req.Body, req.GetBody, req.ContentLength = nil, nil, 0
	} else if req.Body == http.NoBody {
		req = req.Clone(req.Context())
		req.Body = nil
	}
	ctx := req.Context()
	if ctx.Done() == nil {
		return t.next.RoundTrip(req)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type result struct {
		res *http.Response
		err error
	}
	ch := make(chan result, 1)
	go func() {
		res, err := t.next.RoundTrip(req) //nolint:bodyclose // handed to the caller, or closed below when abandoned
		ch <- result{res, err}
	}()
	select {
	case r := <-ch:
		return r.res, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.res != nil {
				_ = r.res.Body.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

func (t *transport) jwks(req *http.Request) (*http.Response, error) {
	if t.env != nil && t.pinnedFor(req) {
		if s, ok := t.env(EnvJWKS); ok && strings.TrimSpace(s) != "" {
			return jwksResponse(req, []byte(s), http.Header{}, sourceStatic), nil
		}
	}
	key := cacheKey(req)
	if t.store != nil {
		// A cache failure is not a verification failure: fall through
		// to the network.
		if res, err := t.store.Match(key); err == nil && res != nil {
			if res.StatusCode == http.StatusOK {
				res.Header.Set("X-Wacht-Jwks-Source", sourceCache)
				res.Request = req
				return res, nil
			}
			_ = res.Body.Close()
		}
	}
	res, err := t.send(req)
	if err != nil || t.store == nil || res.StatusCode != http.StatusOK {
		return res, err
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxJWKSBytes+1))
	_ = res.Body.Close()
	if err != nil {
		return nil, &jwksBodyError{err: err}
	}
	if len(body) <= maxJWKSBytes {
		stored := http.Header{}
		stored.Set("Content-Type", "application/json")
		stored.Set("Cache-Control", "max-age="+strconv.Itoa(int(cacheTTL(res.Header.Get("Cache-Control"))/time.Second)))
		_ = t.store.Put(key, &http.Response{
			StatusCode:    http.StatusOK,
			Header:        stored,
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: int64(len(body)),
		})
	}
	return jwksResponse(req, body, res.Header, sourceNetwork), nil
}

// pinnedFor reports whether the WACHT_JWKS binding may answer req: only a
// key-set GET of the frontend API named by the Worker's own publishable key
// (NEXT_PUBLIC_WACHT_PUBLISHABLE_KEY, else WACHT_PUBLISHABLE_KEY, as the
// kit reads it). The binding pins one deployment's keys; answering it for
// any other host (another tenant picked by Resolve, or any URL that happens
// to end in the key-set path) would verify that host's tokens against the
// wrong keys. Other hosts go to the cache and the network as usual.
func (t *transport) pinnedFor(req *http.Request) bool {
	pk := ""
	for _, name := range []string{handler.EnvPublicPublishableKey, handler.EnvPublishableKey} {
		if v, ok := t.env(name); ok && strings.TrimSpace(v) != "" {
			pk = v
			break
		}
	}
	if pk == "" {
		return false
	}
	frontend, err := auth.FrontendAPIURL(pk)
	if err != nil {
		return false
	}
	return strings.EqualFold(req.URL.Scheme+"://"+req.URL.Host, frontend)
}

// cacheKey is a bare GET of the key set's URL, so that no header of the
// verifier's request (none is secret, but none matters) varies the entry.
func cacheKey(req *http.Request) *http.Request {
	k, err := http.NewRequestWithContext(req.Context(), http.MethodGet, req.URL.String(), nil)
	if err != nil {
		return req
	}
	return k
}

func jwksResponse(req *http.Request, body []byte, header http.Header, source string) *http.Response {
	h := header.Clone()
	h.Set("Content-Type", "application/json")
	h.Set("X-Wacht-Jwks-Source", source)
	h.Del("Content-Length")
	h.Del("Content-Encoding")
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// cacheTTL reads max-age from a Cache-Control header within the cache
// bounds; no-store and no-cache mean the shortest time.
func cacheTTL(cc string) time.Duration {
	ttl := cacheDefaultTTL
	for d := range strings.SplitSeq(cc, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		switch {
		case d == "no-store" || d == "no-cache":
			ttl = cacheMinTTL
		case strings.HasPrefix(d, "max-age="):
			if secs, err := strconv.ParseInt(strings.Trim(d[len("max-age="):], `"`), 10, 64); err == nil && secs >= 0 {
				ttl = time.Duration(min(secs, int64(cacheMaxTTL/time.Second))) * time.Second
			}
		}
	}
	return min(max(ttl, cacheMinTTL), cacheMaxTTL)
}

// jwksBodyError reports a key-set response whose body could not be read.
type jwksBodyError struct{ err error }

func (e *jwksBodyError) Error() string { return fmt.Sprintf("workers: read key set: %v", e.err) }
func (e *jwksBodyError) Unwrap() error { return e.err }
