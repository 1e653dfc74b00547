package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wacht-platform/serverless-go/wacht"
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
	RefreshesLimited int64 // unknown kids, and kid-less tokens no cached key verified, answered without a fetch because of the refresh interval
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

// samePublicKey reports whether o holds the same public key as k.
func (k *jwk) samePublicKey(o *jwk) bool {
	switch {
	case k.ec != nil && o.ec != nil:
		return k.ec.Equal(o.ec)
	case k.rsa != nil && o.rsa != nil:
		return k.rsa.Equal(o.rsa)
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
	done chan struct{} // closed when the fetch has published its result
}

// jwksCache holds one issuer's key set. A fetch starts only when a request
// needs one and the refresh limiter allows it; it runs on a goroutine of its
// own, detached from that request's cancellation, and every request that
// needs it waits for it or for its own context, whichever ends first. A
// request that hangs up early therefore neither aborts the fetch others are
// waiting on nor earns another one: the limiter counts fetches, not callers.
type jwksCache struct {
	s jwksSettings

	mu          sync.RWMutex
	set         keySet
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
	n, sk := len(c.set.list), c.set.skipped
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

// keyQuery selects keys from the cached set: the keys with kid, or, for a
// token that names no key (any), every usable key.
type keyQuery struct {
	kid string
	any bool
}

// findLocked answers q from the cached set; c.mu must be held.
func (c *jwksCache) findLocked(q keyQuery) ([]*jwk, bool) {
	if q.any {
		return c.set.list, len(c.set.list) > 0
	}
	ks, ok := c.set.byKid[q.kid]
	return ks, ok
}

// lookup returns the keys with this kid. The fast path is a read lock and a
// map lookup.
func (c *jwksCache) lookup(ctx context.Context, kid string) ([]*jwk, *TokenError) {
	return c.get(ctx, keyQuery{kid: kid}, false)
}

// all returns every usable key of the set, for a token without a kid. With
// refresh, the caller has already tried the cached keys and none verified:
// the set is fetched again if the refresh limiter allows it (the same
// limiter an unknown kid goes through), else the cached set is answered.
func (c *jwksCache) all(ctx context.Context, refresh bool) ([]*jwk, *TokenError) {
	return c.get(ctx, keyQuery{any: true}, refresh)
}

func (c *jwksCache) get(ctx context.Context, q keyQuery, refresh bool) ([]*jwk, *TokenError) {
	if !refresh {
		now := c.s.now()
		c.mu.RLock()
		if c.loaded && now.Before(c.expiresAt) {
			ks, ok := c.findLocked(q)
			c.mu.RUnlock()
			if ok {
				return ks, nil
			}
		} else {
			c.mu.RUnlock()
		}
	}
	return c.slow(ctx, q, refresh)
}

// slow handles misses, expiry, failures and forced refreshes.
func (c *jwksCache) slow(ctx context.Context, q keyQuery, refresh bool) ([]*jwk, *TokenError) {
	now := c.s.now()
	c.mu.Lock()
	fresh := c.loaded && now.Before(c.expiresAt)
	usable := c.loaded && now.Before(c.expiresAt.Add(c.s.staleWindow))
	if fresh && !refresh {
		if ks, ok := c.findLocked(q); ok {
			c.mu.Unlock()
			return ks, nil
		}
	}
	call := c.inflight
	leader := false
	if call == nil {
		if !c.lastAttempt.IsZero() && now.Sub(c.lastAttempt) < c.s.refreshInterval && !now.Before(c.lastAttempt) {
			// The limiter is closed: answer from what we have, never wait.
			defer c.mu.Unlock()
			return c.answerLocked(q, fresh, usable, true, refresh)
		}
		call = &jwksCall{done: make(chan struct{})}
		c.inflight = call
		c.lastAttempt = now
		leader = true
	} else if usable && !refresh {
		// Someone is already refreshing; if we still hold this kid, use it
		// rather than wait.
		if ks, ok := c.findLocked(q); ok {
			c.mu.Unlock()
			if !fresh {
				c.stale.Add(1)
			}
			return ks, nil
		}
	}
	c.mu.Unlock()

	if leader {
		// Values (trace ids) pass on; the caller's cancellation does not.
		// download bounds the fetch with fetchTimeout.
		go c.fetch(context.WithoutCancel(ctx), call)
	}
	select {
	case <-call.done:
	case <-ctx.Done():
		return nil, &TokenError{Reason: TokenReasonContextDone, Detail: "request ended while waiting for the key set", Err: ctx.Err()}
	}
	now = c.s.now()
	c.mu.RLock()
	defer c.mu.RUnlock()
	fresh = c.loaded && now.Before(c.expiresAt)
	usable = c.loaded && now.Before(c.expiresAt.Add(c.s.staleWindow))
	return c.answerLocked(q, fresh, usable, false, false)
}

// answerLocked answers from the cached set. limited marks an answer given
// because the refresh limiter was closed; refresh that the caller asked for
// a fresh set, so a limited answer counts even when the keys are cached.
func (c *jwksCache) answerLocked(q keyQuery, fresh, usable, limited, refresh bool) ([]*jwk, *TokenError) {
	if usable {
		ks, ok := c.findLocked(q)
		if limited && (!ok || refresh) {
			c.limited.Add(1)
		}
		if ok {
			if !fresh {
				c.stale.Add(1)
			}
			return ks, nil
		}
		if !fresh && c.lastErr != nil {
			detail := "key set refresh failed and the key id is not cached"
			if q.any {
				detail = "key set refresh failed and no usable key is cached"
			}
			return nil, &TokenError{Reason: TokenReasonJWKSUnavailable, Detail: detail, Err: c.lastErr}
		}
		if q.any {
			return nil, &TokenError{Reason: TokenReasonUnknownKey, Detail: "the key set has no usable key"}
		}
		return nil, &TokenError{Reason: TokenReasonUnknownKey, Detail: fmt.Sprintf("no key with kid %q in the key set", truncate(q.kid, 64))}
	}
	if c.lastErr != nil {
		return nil, &TokenError{Reason: TokenReasonJWKSUnavailable, Detail: "the key set could not be fetched", Err: c.lastErr}
	}
	if c.loaded {
		return nil, &TokenError{Reason: TokenReasonJWKSUnavailable, Detail: "the cached key set expired beyond its stale window"}
	}
	return nil, &TokenError{Reason: TokenReasonJWKSUnavailable, Detail: "the key set has not been fetched yet"}
}

// fetch runs one HTTP fetch and publishes the result to everyone waiting
// on call. It runs on its own goroutine (see jwksCache).
func (c *jwksCache) fetch(ctx context.Context, call *jwksCall) {
	c.fetches.Add(1)
	var (
		set keySet
		ttl time.Duration
		err error = &jwksFetchError{msg: "fetch panicked"}
	)
	// Publish in a defer so that waiters are released, and the process
	// survives, even if the HTTP client panics.
	defer func() {
		_ = recover()
		now := c.s.now()
		c.mu.Lock()
		if err != nil {
			c.failures.Add(1)
			c.lastErr = err
		} else {
			c.set = set
			c.loaded = true
			c.expiresAt = now.Add(ttl)
			c.lastErr = nil
		}
		c.inflight = nil
		c.mu.Unlock()
		close(call.done)
	}()
	set, ttl, err = c.download(ctx)
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

func (c *jwksCache) download(ctx context.Context) (keySet, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.s.fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.s.url, nil)
	if err != nil {
		return keySet{}, 0, &jwksFetchError{msg: "build request", err: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", wacht.UserAgent)
	res, err := c.s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.Is(err, errKeySetRedirect) && errors.As(err, &ue) {
			err = ue.Err // *url.Error names the refused target; say only why
		}
		return keySet{}, 0, &jwksFetchError{msg: "request failed", err: err}
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10))
		return keySet{}, 0, &jwksFetchError{msg: "unexpected status " + strconv.Itoa(res.StatusCode)}
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, c.s.maxBytes+1))
	if err != nil {
		return keySet{}, 0, &jwksFetchError{msg: "read body", err: err}
	}
	if int64(len(body)) > c.s.maxBytes {
		return keySet{}, 0, &jwksFetchError{msg: fmt.Sprintf("body larger than %d bytes", c.s.maxBytes)}
	}
	set, err := parseJWKS(body)
	if err != nil {
		return keySet{}, 0, err
	}
	return set, c.ttlFrom(res.Header.Get("Cache-Control")), nil
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
	// The public key material: X and Y of an EC key, N and E of an RSA
	// key, each base64url (RFC 7518 sections 6.2.1 and 6.3.1).
	X string `json:"x"`
	Y string `json:"y"`
	N string `json:"n"`
	E string `json:"e"`
}

// keySet is a parsed JWKS: the usable keys in the document's order, and
// those with a kid indexed by it.
type keySet struct {
	byKid   map[string][]*jwk
	list    []*jwk
	skipped int // keys ignored as unusable
}

// parseJWKS builds a keySet from a JWKS document. Keys that are not public
// EC/RSA signature keys, carry private material, are malformed, are off
// their curve or are RSA keys under 2048 bits are skipped (RFC 7517 section
// 5 says to ignore what cannot be used). EC coordinates must be the
// curve's full size and the point on the curve (crypto/ecdsa checks it).
// The key material is decoded here rather than by a JOSE library: go-jose
// added 107 KB gzipped to the admin-users Worker (make build-workers),
// whose limit is 3 MiB. A key without a kid is kept for tokens without one
// (RFC 7517 makes kid optional); it can never answer a token that names a
// kid.
func parseJWKS(body []byte) (keySet, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return keySet{}, &jwksFetchError{msg: "body is not a JSON key set"}
	}
	if doc.Keys == nil {
		return keySet{}, &jwksFetchError{msg: "body has no \"keys\" array"}
	}
	if len(doc.Keys) > maxJWKSKeys {
		return keySet{}, &jwksFetchError{msg: fmt.Sprintf("key set has %d keys, more than %d", len(doc.Keys), maxJWKSKeys)}
	}
	set := keySet{byKid: make(map[string][]*jwk, len(doc.Keys)), list: make([]*jwk, 0, len(doc.Keys))}
	for _, raw := range doc.Keys {
		k := parseOneJWK(raw)
		if k == nil {
			set.skipped++
			continue
		}
		if k.kid != "" {
			set.byKid[k.kid] = append(set.byKid[k.kid], k)
		}
		set.list = append(set.list, k)
	}
	return set, nil
}

func parseOneJWK(raw json.RawMessage) *jwk {
	var p jwkProbe
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil
	}
	if p.Kty != "EC" && p.Kty != "RSA" {
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
	k := &jwk{kid: p.Kid, kty: p.Kty, alg: p.Alg}
	switch p.Kty {
	case "EC":
		pub := ecPublicKey(p.Crv, p.X, p.Y)
		if pub == nil {
			return nil
		}
		k.crv, k.ec = p.Crv, pub
	case "RSA":
		pub := rsaPublicKey(p.N, p.E)
		if pub == nil || pub.N.BitLen() < minRSABits || pub.E < 3 || pub.E%2 == 0 {
			return nil
		}
		k.rsa = pub
	}
	if k.alg != "" && !k.accepts(k.alg) {
		return nil
	}
	return k
}

// ecPublicKey decodes an EC JWK's point: x and y at the curve's full size
// (RFC 7518 section 6.2.1.2), on the curve. Wacht's frontend API publishes
// its key through jwx (handler/deployment/handler.go GetJwks at 047f3417:
// jwk.ParseKey of the PEM), whose ecdsa import pads both coordinates to the
// curve's size (jwx v3 jwk/ecdsa.go, AllocECPointBuffer), so its keys pass.
func ecPublicKey(crv, x, y string) *ecdsa.PublicKey {
	var curve elliptic.Curve
	switch crv {
	case "P-256":
		curve = elliptic.P256()
	case "P-384":
		curve = elliptic.P384()
	case "P-521":
		curve = elliptic.P521()
	default:
		return nil
	}
	size := (curve.Params().BitSize + 7) / 8
	xb, errX := b64url.DecodeString(x)
	yb, errY := b64url.DecodeString(y)
	if errX != nil || errY != nil || len(xb) != size || len(yb) != size {
		return nil
	}
	point := make([]byte, 0, 1+2*size)
	point = append(append(append(point, 4), xb...), yb...)
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
	if err != nil {
		return nil
	}
	return pub
}

// rsaPublicKey decodes an RSA JWK's modulus and exponent (RFC 7518
// section 6.3.1); the caller applies the size and exponent rules.
func rsaPublicKey(n, e string) *rsa.PublicKey {
	nb, errN := b64url.DecodeString(n)
	eb, errE := b64url.DecodeString(e)
	if errN != nil || errE != nil || len(nb) == 0 || len(eb) == 0 || len(eb) > 4 {
		return nil
	}
	exp := 0
	for _, b := range eb {
		exp = exp<<8 | int(b)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: exp}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
