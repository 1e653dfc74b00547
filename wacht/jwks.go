package wacht

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Defaults for the JWKS cache; see VerifierConfig.
const (
	DefaultJWKSTTL                = 5 * time.Minute
	DefaultJWKSMinTTL             = 30 * time.Second
	DefaultJWKSMaxTTL             = time.Hour
	DefaultJWKSMinRefreshInterval = 10 * time.Second
	DefaultJWKSStaleWindow        = 15 * time.Minute
	DefaultJWKSFetchTimeout       = 5 * time.Second
	DefaultJWKSMaxBytes           = 256 << 10
	maxJWKSKeys                   = 64
	minRSABits                    = 2048
)

// JWKSStats are counters of a verifier's key cache, for tests and metrics.
type JWKSStats struct {
	Fetches          int64 // HTTP fetches started
	FetchFailures    int64 // fetches that failed (network, status, body, JSON)
	StaleServed      int64 // verifications answered from expired keys during a failed refresh
	RefreshesLimited int64 // unknown-kid lookups answered without a fetch because of the refresh interval
	Keys             int   // usable keys currently cached
	SkippedKeys      int   // keys in the last fetched set that were ignored (bad, private, unsupported)
}

// jwk is one usable verification key from a JWKS.
type jwk struct {
	kid string
	kty string // "EC" or "RSA"
	crv string // for EC
	alg string // "" when the JWK does not pin one
	ec  *ecdsa.PublicKey
	rsa *rsa.PublicKey
}

// accepts reports whether the key may verify a token signed with alg.
func (k *jwk) accepts(alg string) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch alg {
	case "ES256":
		return k.kty == "EC" && k.crv == "P-256"
	case "ES384":
		return k.kty == "EC" && k.crv == "P-384"
	case "ES512":
		return k.kty == "EC" && k.crv == "P-521"
	case "RS256", "RS384", "RS512":
		return k.kty == "RSA"
	}
	return false
}

type jwksSettings struct {
	url             string
	client          *http.Client
	now             func() time.Time
	ttl             time.Duration
	minTTL          time.Duration
	maxTTL          time.Duration
	refreshInterval time.Duration
	staleWindow     time.Duration
	fetchTimeout    time.Duration
	maxBytes        int64
}

type jwksCall struct {
	done chan struct{}
	err  error
	// aborted is set when the leader's own context ended; followers then
	// retry rather than inherit a failure that says nothing about the JWKS.
	aborted     bool
	prevAttempt time.Time
}

// jwksCache holds one issuer's key set. It never starts goroutines: a fetch
// runs on the goroutine of the request that needs it, and concurrent
// requests that need the same fetch wait for it.
type jwksCache struct {
	s jwksSettings

	mu          sync.RWMutex
	keys        map[string][]*jwk
	nkeys       int
	skipped     int
	loaded      bool
	expiresAt   time.Time
	lastAttempt time.Time
	lastErr     error
	inflight    *jwksCall

	fetches, failures, stale, limited atomic.Int64
}

func newJWKSCache(s jwksSettings) *jwksCache {
	s.client = keySetClient(s.client)
	return &jwksCache{s: s}
}

// errKeySetRedirect is returned (wrapped) when the key-set server redirects
// somewhere the verifier will not follow.
var errKeySetRedirect = errors.New("redirect refused")

// keySetClient returns a copy of hc whose redirects stay on the key set's
// own host name and never go from https to http. Whoever serves the key set
// decides which tokens verify, so a redirect to another host, or to plain
// http where an attacker on the path can answer, would hand that decision
// to someone else. Any redirect policy of hc still applies after these
// checks. The target URL is left out of the error: it is not ours.
func keySetClient(hc *http.Client) *http.Client {
	c := *hc
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		switch {
		case !strings.EqualFold(req.URL.Hostname(), first.Hostname()):
			return fmt.Errorf("%w: the key set server sent it to another host", errKeySetRedirect)
		case req.URL.Scheme != "https" && slices.ContainsFunc(via, func(r *http.Request) bool { return r.URL.Scheme == "https" }):
			return fmt.Errorf("%w: the key set server sent it from https to http", errKeySetRedirect)
		case next != nil:
			return next(req, via)
		case len(via) >= 10:
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

func (c *jwksCache) stats() JWKSStats {
	c.mu.RLock()
	n, sk := c.nkeys, c.skipped
	c.mu.RUnlock()
	return JWKSStats{
		Fetches:          c.fetches.Load(),
		FetchFailures:    c.failures.Load(),
		StaleServed:      c.stale.Load(),
		RefreshesLimited: c.limited.Load(),
		Keys:             n,
		SkippedKeys:      sk,
	}
}

// lookup returns the keys with this kid. The fast path is a read lock and a
// map lookup.
func (c *jwksCache) lookup(ctx context.Context, kid string) ([]*jwk, *TokenError) {
	now := c.s.now()
	c.mu.RLock()
	if c.loaded && now.Before(c.expiresAt) {
		ks, ok := c.keys[kid]
		c.mu.RUnlock()
		if ok {
			return ks, nil
		}
	} else {
		c.mu.RUnlock()
	}
	for range 3 {
		ks, terr, retry := c.slow(ctx, kid)
		if !retry {
			return ks, terr
		}
	}
	return nil, &TokenError{Reason: TokenReasonJWKSUnavailable, Detail: "key set fetch kept being abandoned"}
}

// slow handles misses, expiry and failures. retry is true when a shared
// fetch was abandoned by its leader's context and the caller should try
// again.
func (c *jwksCache) slow(ctx context.Context, kid string) (_ []*jwk, _ *TokenError, retry bool) {
	now := c.s.now()
	c.mu.Lock()
	fresh := c.loaded && now.Before(c.expiresAt)
	usable := c.loaded && now.Before(c.expiresAt.Add(c.s.staleWindow))
	if fresh {
		if ks, ok := c.keys[kid]; ok {
			c.mu.Unlock()
			return ks, nil, false
		}
	}
	call := c.inflight
	leader := false
	if call == nil {
		if !c.lastAttempt.IsZero() && now.Sub(c.lastAttempt) < c.s.refreshInterval && !now.Before(c.lastAttempt) {
			// The limiter is closed: answer from what we have, never wait.
			defer c.mu.Unlock()
			return c.answerLocked(kid, fresh, usable, true)
		}
		call = &jwksCall{done: make(chan struct{}), prevAttempt: c.lastAttempt}
		c.inflight = call
		c.lastAttempt = now
		leader = true
	} else if usable {
		// Someone is already refreshing; if we still hold this kid, use it
		// rather than wait.
		if ks, ok := c.keys[kid]; ok {
			c.mu.Unlock()
			if !fresh {
				c.stale.Add(1)
			}
			return ks, nil, false
		}
	}
	c.mu.Unlock()

	if leader {
		c.fetch(ctx, call)
	} else {
		select {
		case <-call.done:
		case <-ctx.Done():
			return nil, &TokenError{Reason: TokenReasonContextDone, Detail: "request ended while waiting for the key set", Err: ctx.Err()}, false
		}
	}
	if call.aborted {
		if leader {
			return nil, &TokenError{Reason: TokenReasonContextDone, Detail: "request ended while fetching the key set", Err: ctx.Err()}, false
		}
		return nil, nil, true
	}
	now = c.s.now()
	c.mu.RLock()
	defer c.mu.RUnlock()
	fresh = c.loaded && now.Before(c.expiresAt)
	usable = c.loaded && now.Before(c.expiresAt.Add(c.s.staleWindow))
	ks, terr, _ := c.answerLocked(kid, fresh, usable, false)
	return ks, terr, false
}

// answerLocked answers from the cached set. limited marks an answer given
// because the refresh limiter was closed.
func (c *jwksCache) answerLocked(kid string, fresh, usable, limited bool) ([]*jwk, *TokenError, bool) {
	if usable {
		if ks, ok := c.keys[kid]; ok {
			if !fresh {
				c.stale.Add(1)
			}
			return ks, nil, false
		}
		if limited {
			c.limited.Add(1)
		}
		if !fresh && c.lastErr != nil {
			return nil, &TokenError{Reason: TokenReasonJWKSUnavailable, Detail: "key set refresh failed and the key id is not cached", Err: c.lastErr}, false
		}
		return nil, &TokenError{Reason: TokenReasonUnknownKey, Detail: fmt.Sprintf("no key with kid %q in the key set", truncate(kid, 64))}, false
	}
	if c.lastErr != nil {
		return nil, &TokenError{Reason: TokenReasonJWKSUnavailable, Detail: "the key set could not be fetched", Err: c.lastErr}, false
	}
	if c.loaded {
		return nil, &TokenError{Reason: TokenReasonJWKSUnavailable, Detail: "the cached key set expired beyond its stale window"}, false
	}
	return nil, &TokenError{Reason: TokenReasonJWKSUnavailable, Detail: "the key set has not been fetched yet"}, false
}

// fetch runs one HTTP fetch on the caller's goroutine and publishes the
// result to everyone waiting on call.
func (c *jwksCache) fetch(ctx context.Context, call *jwksCall) {
	c.fetches.Add(1)
	var (
		keys       map[string][]*jwk
		n, skipped int
		ttl        time.Duration
		err        error = &jwksFetchError{msg: "fetch panicked"}
	)
	// Publish in a defer so that waiters are released even if the HTTP
	// client panics.
	defer func() {
		now := c.s.now()
		c.mu.Lock()
		switch {
		case err != nil && ctx.Err() != nil:
			// The leader's request went away: this says nothing about the
			// JWKS, so do not close the limiter on everyone else.
			call.aborted = true
			c.lastAttempt = call.prevAttempt
		case err != nil:
			c.failures.Add(1)
			c.lastErr = err
		default:
			c.keys, c.nkeys, c.skipped = keys, n, skipped
			c.loaded = true
			c.expiresAt = now.Add(ttl)
			c.lastErr = nil
		}
		call.err = err
		c.inflight = nil
		c.mu.Unlock()
		close(call.done)
	}()
	keys, n, skipped, ttl, err = c.download(ctx)
}

// jwksFetchError describes a failed fetch without any response body.
type jwksFetchError struct {
	msg string
	err error
}

func (e *jwksFetchError) Error() string {
	if e.err != nil {
		return "jwks fetch: " + e.msg + ": " + e.err.Error()
	}
	return "jwks fetch: " + e.msg
}
func (e *jwksFetchError) Unwrap() error { return e.err }

func (c *jwksCache) download(ctx context.Context) (map[string][]*jwk, int, int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.s.fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.s.url, nil)
	if err != nil {
		return nil, 0, 0, 0, &jwksFetchError{msg: "build request", err: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	res, err := c.s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.Is(err, errKeySetRedirect) && errors.As(err, &ue) {
			err = ue.Err // *url.Error names the refused target; say only why
		}
		return nil, 0, 0, 0, &jwksFetchError{msg: "request failed", err: err}
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10))
		return nil, 0, 0, 0, &jwksFetchError{msg: "unexpected status " + strconv.Itoa(res.StatusCode)}
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, c.s.maxBytes+1))
	if err != nil {
		return nil, 0, 0, 0, &jwksFetchError{msg: "read body", err: err}
	}
	if int64(len(body)) > c.s.maxBytes {
		return nil, 0, 0, 0, &jwksFetchError{msg: fmt.Sprintf("body larger than %d bytes", c.s.maxBytes)}
	}
	keys, n, skipped, err := parseJWKS(body)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	return keys, n, skipped, c.ttlFrom(res.Header.Get("Cache-Control")), nil
}

// ttlFrom honours Cache-Control max-age within the configured bounds.
func (c *jwksCache) ttlFrom(cc string) time.Duration {
	ttl := c.s.ttl
	for _, d := range strings.Split(cc, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		switch {
		case d == "no-store" || d == "no-cache":
			ttl = c.s.minTTL
		case strings.HasPrefix(d, "max-age="):
			if secs, err := strconv.ParseInt(strings.Trim(d[len("max-age="):], `"`), 10, 64); err == nil && secs >= 0 {
				if secs > int64(c.s.maxTTL/time.Second) {
					secs = int64(c.s.maxTTL / time.Second)
				}
				ttl = time.Duration(secs) * time.Second
			}
		}
	}
	return min(max(ttl, c.s.minTTL), c.s.maxTTL)
}

// jwkProbe reads the members that decide whether a JWK is used at all.
type jwkProbe struct {
	Kty    string          `json:"kty"`
	Kid    string          `json:"kid"`
	Use    string          `json:"use"`
	Alg    string          `json:"alg"`
	Crv    string          `json:"crv"`
	KeyOps []string        `json:"key_ops"`
	D      json.RawMessage `json:"d"`
	P      json.RawMessage `json:"p"`
	Q      json.RawMessage `json:"q"`
	K      json.RawMessage `json:"k"`
}

// parseJWKS builds the kid index from a JWKS document. Keys that are not
// public EC/RSA signature keys, carry private material, are malformed, are
// off their curve or are RSA keys under 2048 bits are skipped (RFC 7517
// section 5 says to ignore what cannot be used). Parsing of the key
// material itself is go-jose's, which checks lengths and curve membership.
func parseJWKS(body []byte) (map[string][]*jwk, int, int, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, 0, 0, &jwksFetchError{msg: "body is not a JSON key set"}
	}
	if doc.Keys == nil {
		return nil, 0, 0, &jwksFetchError{msg: "body has no \"keys\" array"}
	}
	if len(doc.Keys) > maxJWKSKeys {
		return nil, 0, 0, &jwksFetchError{msg: fmt.Sprintf("key set has %d keys, more than %d", len(doc.Keys), maxJWKSKeys)}
	}
	keys := make(map[string][]*jwk, len(doc.Keys))
	n, skipped := 0, 0
	for _, raw := range doc.Keys {
		k := parseOneJWK(raw)
		if k == nil {
			skipped++
			continue
		}
		keys[k.kid] = append(keys[k.kid], k)
		n++
	}
	return keys, n, skipped, nil
}

func parseOneJWK(raw json.RawMessage) *jwk {
	var p jwkProbe
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil
	}
	if p.Kid == "" || (p.Kty != "EC" && p.Kty != "RSA") {
		return nil
	}
	if p.D != nil || p.P != nil || p.Q != nil || p.K != nil {
		return nil // never accept private or symmetric material from a JWKS
	}
	if p.Use != "" && p.Use != "sig" {
		return nil
	}
	if p.KeyOps != nil && !slices.Contains(p.KeyOps, "verify") {
		return nil
	}
	var jk jose.JSONWebKey
	if err := jk.UnmarshalJSON(raw); err != nil {
		return nil
	}
	k := &jwk{kid: p.Kid, kty: p.Kty, alg: p.Alg}
	switch pub := jk.Key.(type) {
	case *ecdsa.PublicKey:
		if p.Kty != "EC" {
			return nil
		}
		switch pub.Curve {
		case elliptic.P256():
			k.crv = "P-256"
		case elliptic.P384():
			k.crv = "P-384"
		case elliptic.P521():
			k.crv = "P-521"
		default:
			return nil
		}
		if p.Crv != k.crv {
			return nil
		}
		if k.alg != "" && !k.accepts(k.alg) {
			return nil
		}
		k.ec = pub
	case *rsa.PublicKey:
		if p.Kty != "RSA" || pub.N.BitLen() < minRSABits || pub.E < 3 || pub.E%2 == 0 {
			return nil
		}
		if k.alg != "" && !k.accepts(k.alg) {
			return nil
		}
		k.rsa = pub
	default:
		return nil
	}
	return k
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
