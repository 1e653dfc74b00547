package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable clock shared by a verifier and a test.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// testKey is a signing key the test issuer publishes.
type testKey struct {
	kid  string
	alg  string
	ec   *ecdsa.PrivateKey
	rsa  *rsa.PrivateKey
	jwk  map[string]any // published form (may be tampered by a test)
	hide bool           // not published
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func pad(b []byte, n int) []byte {
	out := make([]byte, n)
	copy(out[n-len(b):], b)
	return out
}

func newECKey(t testing.TB, kid, alg string) *testKey {
	t.Helper()
	var curve elliptic.Curve
	var crv string
	switch alg {
	case "ES256":
		curve, crv = elliptic.P256(), "P-256"
	case "ES384":
		curve, crv = elliptic.P384(), "P-384"
	case "ES512":
		curve, crv = elliptic.P521(), "P-521"
	}
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	size := (curve.Params().BitSize + 7) / 8
	return &testKey{kid: kid, alg: alg, ec: k, jwk: map[string]any{
		"kty": "EC", "kid": kid, "use": "sig", "alg": alg, "crv": crv,
		"x": b64(pad(k.X.Bytes(), size)), "y": b64(pad(k.Y.Bytes(), size)),
	}}
}

var rsaKeyCache sync.Map

func newRSAKey(t testing.TB, kid, alg string, bits int) *testKey {
	t.Helper()
	var k *rsa.PrivateKey
	if v, ok := rsaKeyCache.Load(bits); ok {
		k = v.(*rsa.PrivateKey)
	} else {
		var err error
		k, err = rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		rsaKeyCache.Store(bits, k)
	}
	return &testKey{kid: kid, alg: alg, rsa: k, jwk: map[string]any{
		"kty": "RSA", "kid": kid, "use": "sig", "alg": alg,
		"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes()),
	}}
}

func hashFor(alg string) (crypto.Hash, func() hash.Hash) {
	switch alg[2:] {
	case "384":
		return crypto.SHA384, sha512.New384
	case "512":
		return crypto.SHA512, sha512.New
	}
	return crypto.SHA256, sha256.New
}

// sign signs input per the JWS alg with this key.
func (k *testKey) sign(t testing.TB, alg, input string) []byte {
	t.Helper()
	ch, _ := hashFor(alg)
	h := ch.New()
	h.Write([]byte(input))
	d := h.Sum(nil)
	if k.ec != nil {
		r, s, err := ecdsa.Sign(rand.Reader, k.ec, d)
		if err != nil {
			t.Fatal(err)
		}
		size := (k.ec.Curve.Params().BitSize + 7) / 8
		return append(pad(r.Bytes(), size), pad(s.Bytes(), size)...)
	}
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.rsa, ch, d)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func hmacSign(alg string, key []byte, input string) []byte {
	_, hf := hashFor(alg)
	m := hmac.New(hf, key)
	m.Write([]byte(input))
	return m.Sum(nil)
}

func jsonSeg(t testing.TB, v any) string {
	t.Helper()
	if s, ok := v.(string); ok {
		return b64([]byte(s))
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b64(b)
}

// testIssuer serves a JWKS over real HTTP on 127.0.0.1.
type testIssuer struct {
	t      testing.TB
	srv    *httptest.Server
	clock  *fakeClock
	mu     sync.Mutex
	keys   []*testKey
	extra  []map[string]any // raw extra JWKs
	status int
	body   string // when set, served verbatim
	cache  string
	delay  time.Duration
	gate   chan struct{} // when set, fetches block until closed
	hits   atomic.Int64
}

func newTestIssuer(t testing.TB, keys ...*testKey) *testIssuer {
	is := &testIssuer{t: t, clock: newFakeClock(), keys: keys, status: 200}
	is.srv = httptest.NewServer(http.HandlerFunc(is.serve))
	t.Cleanup(is.srv.Close)
	return is
}

func (is *testIssuer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/.well-known/jwks.json" {
		http.NotFound(w, r)
		return
	}
	is.hits.Add(1)
	is.mu.Lock()
	status, body, cache, delay, gate := is.status, is.body, is.cache, is.delay, is.gate
	var keys []any
	for _, k := range is.keys {
		if !k.hide {
			keys = append(keys, k.jwk)
		}
	}
	for _, e := range is.extra {
		keys = append(keys, e)
	}
	is.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if cache != "" {
		w.Header().Set("Cache-Control", cache)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if body != "" {
		w.Write([]byte(body))
		return
	}
	if keys == nil {
		keys = []any{}
	}
	json.NewEncoder(w).Encode(map[string]any{"keys": keys})
}

func (is *testIssuer) set(f func(is *testIssuer)) {
	is.mu.Lock()
	defer is.mu.Unlock()
	f(is)
}

func (is *testIssuer) url() string {
	if is.srv == nil {
		return memIssuerURL
	}
	return is.srv.URL
}

// memIssuerURL is the address of an in-memory issuer.
const memIssuerURL = "https://issuer.test"

// newMemIssuer is newTestIssuer without a network listener: its verifiers
// reach it through an in-memory transport. Tests in a testing/synctest
// bubble use it, because a goroutine waiting on a socket never lets the
// bubble's fake clock move.
func newMemIssuer(t testing.TB, keys ...*testKey) *testIssuer {
	return &testIssuer{t: t, clock: newFakeClock(), keys: keys, status: 200}
}

// memTransport answers requests by calling a handler in a goroutine of the
// caller's bubble. Like a network transport it gives up on a request when
// its context ends, whether or not the handler has returned, so a handler
// that ignores its context stands for a server that does not answer.
type memTransport struct{ h http.Handler }

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.h.ServeHTTP(rec, r)
	}()
	select {
	case <-done:
	case <-r.Context().Done():
	}
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	res := rec.Result()
	res.Request = r
	return res, nil
}

func (is *testIssuer) client() *http.Client {
	if is.srv == nil {
		return &http.Client{Transport: memTransport{http.HandlerFunc(is.serve)}}
	}
	return is.srv.Client()
}

func (is *testIssuer) verifier(t testing.TB, mod func(*VerifierConfig)) *Verifier {
	t.Helper()
	cfg := VerifierConfig{FrontendAPIURL: is.url(), Now: is.clock.Now, HTTPClient: is.client()}
	if mod != nil {
		mod(&cfg)
	}
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// claims returns a valid claim set for this issuer, in the shape Wacht's
// frontend API issues (frontend-api handler/session/handler.go GetToken,
// ~L470-562): iss, sub, iat, exp (iat + 30 s + 5 s skew), sid,
// organization and workspace as strings, permissions nested; no nbf, jti,
// aud or azp.
func (is *testIssuer) claims() map[string]any {
	now := is.clock.Now().Unix()
	return map[string]any{
		"iss": is.url(), "sub": "user_1", "sid": "sess_1",
		"iat": now - 10, "exp": now + 25,
		"organization": "org_1", "workspace": "ws_1",
		"permissions": map[string]any{
			"organization": []string{"org:read"},
			"workspace":    []string{"ws:write"},
		},
	}
}

// mint signs header+claims with k (header defaults: alg of k, kid of k, typ
// JWT; Wacht's own tokens have no kid: pass {"kid": nil}).
func (is *testIssuer) mint(k *testKey, claims map[string]any, hdr map[string]any) string {
	t := is.t
	t.Helper()
	h := map[string]any{"alg": k.alg, "kid": k.kid, "typ": "JWT"}
	for kk, vv := range hdr {
		if vv == nil {
			delete(h, kk)
		} else {
			h[kk] = vv
		}
	}
	if claims == nil {
		claims = is.claims()
	}
	input := jsonSeg(t, h) + "." + jsonSeg(t, claims)
	alg, _ := h["alg"].(string)
	if alg == "" || alg == "none" || len(alg) < 5 {
		alg = k.alg
	}
	return input + "." + b64(k.sign(t, alg, input))
}
