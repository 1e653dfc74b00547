package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestJWKSLazyAndShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newECKey(t, "k1", "ES256")
		is := newMemIssuer(t, k)
		gate := make(chan struct{})
		is.set(func(is *testIssuer) { is.gate = gate })
		v := is.verifier(t, nil)
		if is.hits.Load() != 0 {
			t.Fatal("constructor fetched")
		}
		tok := is.mint(k, nil, nil)
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := v.Verify(context.Background(), tok); err != nil {
					errs <- err
				}
			}()
		}
		// Let all 200 pile up on the cold cache, then release the one fetch.
		synctest.Wait()
		close(gate)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if got := is.hits.Load(); got != 1 {
			t.Fatalf("cold concurrent misses made %d fetches; want 1", got)
		}
		for range 1000 {
			if _, err := v.Verify(context.Background(), tok); err != nil {
				t.Fatal(err)
			}
		}
		if got := v.Stats().Fetches; got != 1 {
			t.Fatalf("1,200 verifications made %d fetches; want 1", got)
		}
	})
}

func TestJWKSUnknownKidStorm(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	is := newTestIssuer(t, k)
	v := is.verifier(t, func(c *VerifierConfig) { c.JWKSMinRefreshInterval = 10 * time.Second })
	good := is.mint(k, nil, nil)
	if _, err := v.Verify(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	is.clock.Advance(11 * time.Second) // the limiter allows one refresh now
	var wg sync.WaitGroup
	var mu sync.Mutex
	reasons := map[TokenReason]int{}
	for i := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := is.mint(k, nil, map[string]any{"kid": "unknown-" + strings.Repeat("x", i%7)})
			a := v.AuthFromToken(context.Background(), tok)
			mu.Lock()
			reasons[TokenErrorReason(a.Err())]++
			mu.Unlock()
			// Known-kid requests keep verifying meanwhile.
			if b := v.AuthFromToken(context.Background(), good); !b.Authenticated() {
				t.Error(b.Err())
			}
		}()
	}
	wg.Wait()
	if reasons[TokenReasonUnknownKey] != 1000 {
		t.Fatalf("reasons %v", reasons)
	}
	if got := is.hits.Load(); got != 2 {
		t.Fatalf("1,000 unknown kids made %d fetches in one interval; want 1 (plus the first load)", got)
	}
	// Once the shared refresh is done, further unknown kids are answered at
	// once from the cache, counted as limited.
	v.AuthFromToken(context.Background(), is.mint(k, nil, map[string]any{"kid": "late"}))
	if s := v.Stats(); s.RefreshesLimited == 0 || s.Fetches != 2 {
		t.Fatalf("stats %+v", s)
	}
	// Another interval, another storm: exactly one more fetch.
	is.clock.Advance(11 * time.Second)
	for range 100 {
		v.AuthFromToken(context.Background(), is.mint(k, nil, map[string]any{"kid": "nope"}))
	}
	if got := is.hits.Load(); got != 3 {
		t.Fatalf("fetches %d; want 3", got)
	}
}

func TestJWKSRotation(t *testing.T) {
	old := newECKey(t, "old", "ES256")
	is := newTestIssuer(t, old)
	v := is.verifier(t, nil)
	if _, err := v.Verify(context.Background(), is.mint(old, nil, nil)); err != nil {
		t.Fatal(err)
	}
	// The issuer rotates: the new key appears, the old one is withdrawn.
	nk := newECKey(t, "new", "ES256")
	is.set(func(is *testIssuer) { is.keys = []*testKey{nk} })
	is.clock.Advance(DefaultJWKSMinRefreshInterval)
	if _, err := v.Verify(context.Background(), is.mint(nk, nil, nil)); err != nil {
		t.Fatalf("new key not picked up: %v", err)
	}
	// The old key was removed by that refresh, so it stops verifying even
	// though the old set's TTL has not run out.
	_, err := v.Verify(context.Background(), is.mint(old, nil, nil))
	if TokenErrorReason(err) != TokenReasonUnknownKey {
		t.Fatalf("removed key: %v", err)
	}
	if got := is.hits.Load(); got != 2 {
		t.Fatalf("fetches %d; want 2", got)
	}
	// Removal is also picked up by a TTL refresh.
	k3 := newECKey(t, "k3", "ES256")
	is.set(func(is *testIssuer) { is.keys = []*testKey{nk, k3} })
	if _, err := v.Verify(context.Background(), is.mint(k3, nil, nil)); err == nil {
		t.Fatal("k3 verified inside the refresh interval")
	}
	is.set(func(is *testIssuer) { is.keys = []*testKey{k3} })
	is.clock.Advance(DefaultJWKSTTL + time.Second)
	if _, err := v.Verify(context.Background(), is.mint(nk, nil, nil)); TokenErrorReason(err) != TokenReasonUnknownKey {
		t.Fatalf("key removed at TTL refresh still verifies: %v", err)
	}
	if _, err := v.Verify(context.Background(), is.mint(k3, nil, nil)); err != nil {
		t.Fatal(err)
	}
}

func TestJWKSOutageServesStale(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	is := newTestIssuer(t, k)
	v := is.verifier(t, nil)
	tok := func() string { return is.mint(k, nil, nil) }
	if _, err := v.Verify(context.Background(), tok()); err != nil {
		t.Fatal(err)
	}
	is.set(func(is *testIssuer) { is.status = 503 })
	is.clock.Advance(DefaultJWKSTTL + time.Second)
	for range 50 {
		if _, err := v.Verify(context.Background(), tok()); err != nil {
			t.Fatalf("outage with cached keys: %v", err)
		}
	}
	s := v.Stats()
	if s.FetchFailures != 1 || s.StaleServed < 50 {
		t.Fatalf("stats %+v", s)
	}
	if is.hits.Load() != 2 {
		t.Fatalf("outage retried %d times inside one refresh interval", is.hits.Load()-1)
	}
	// An unknown kid during the outage says the JWKS is unavailable.
	_, err := v.Verify(context.Background(), is.mint(k, nil, map[string]any{"kid": "new"}))
	if r := TokenErrorReason(err); r != TokenReasonJWKSUnavailable {
		t.Fatalf("unknown kid during outage: %v", err)
	}
	// Past the stale window, cached keys stop verifying.
	is.clock.Advance(DefaultJWKSStaleWindow)
	_, err = v.Verify(context.Background(), tok())
	if TokenErrorReason(err) != TokenReasonJWKSUnavailable {
		t.Fatalf("past the stale window: %v", err)
	}
	if strings.Contains(err.Error(), "503") == false {
		t.Fatalf("error does not say what failed: %v", err)
	}
	// Recovery.
	is.set(func(is *testIssuer) { is.status = 200 })
	is.clock.Advance(DefaultJWKSMinRefreshInterval)
	if _, err := v.Verify(context.Background(), tok()); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestJWKSColdFailures(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	cases := []struct {
		name string
		mod  func(is *testIssuer)
		cfg  func(c *VerifierConfig)
		want string
		wait time.Duration // before the request fails
	}{
		{"status", func(is *testIssuer) { is.status = 500 }, nil, "status 500", 0},
		{"not json", func(is *testIssuer) { is.body = "<html>" }, nil, "not a JSON key set", 0},
		{"no keys member", func(is *testIssuer) { is.body = `{"foo":[]}` }, nil, "no \"keys\"", 0},
		{"too big", func(is *testIssuer) { is.body = `{"keys":[],"pad":"` + strings.Repeat("x", 2048) + `"}` },
			func(c *VerifierConfig) { c.JWKSMaxBytes = 1024 }, "larger than 1024", 0},
		{"too many keys", func(is *testIssuer) {
			is.body = `{"keys":[` + strings.TrimSuffix(strings.Repeat(`{},`, 100), ",") + `]}`
		}, nil, "more than", 0},
		{"timeout", func(is *testIssuer) { is.delay = 2 * time.Second },
			func(c *VerifierConfig) { c.JWKSFetchTimeout = 50 * time.Millisecond }, "deadline", 50 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				is := newMemIssuer(t, k)
				is.set(c.mod)
				v := is.verifier(t, c.cfg)
				start := time.Now()
				_, err := v.Verify(context.Background(), is.mint(k, nil, nil))
				if TokenErrorReason(err) != TokenReasonJWKSUnavailable || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err = %v; want jwks_unavailable mentioning %q", err, c.want)
				}
				if took := time.Since(start); took != c.wait {
					t.Fatalf("failed after %v, want %v", took, c.wait)
				}
				// A second request inside the refresh interval does not refetch.
				v.Verify(context.Background(), is.mint(k, nil, nil))
				if got := v.Stats().Fetches; got != 1 {
					t.Fatalf("fetches %d", got)
				}
			})
		})
	}
}

func TestJWKSRequestContextBoundsWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newECKey(t, "k1", "ES256")
		is := newMemIssuer(t, k)
		is.set(func(is *testIssuer) { is.delay = 300 * time.Millisecond })
		v := is.verifier(t, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := v.Verify(ctx, is.mint(k, nil, nil))
		if TokenErrorReason(err) != TokenReasonContextDone || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		if waited := time.Since(start); waited != 50*time.Millisecond {
			t.Fatalf("the request waited %v for the fetch, not its own 50ms deadline", waited)
		}
		// The fetch went on without the request that started it; the next
		// request is answered by it, not by a fetch of its own.
		if _, err := v.Verify(context.Background(), is.mint(k, nil, nil)); err != nil {
			t.Fatalf("next request: %v", err)
		}
		if waited := time.Since(start); waited != 300*time.Millisecond {
			t.Fatalf("the next request was answered at %v, not when the first fetch ended (300ms)", waited)
		}
		if n := is.hits.Load(); n != 1 {
			t.Fatalf("%d fetches, want the one the first request started", n)
		}
	})
}

// Callers that hang up early cannot open the refresh limiter: 20 requests
// with unknown kids, each cancelled while the fetch it needs is running,
// make one fetch, as 20 patient ones would.
func TestJWKSRefreshLimitHoldsForCancelledCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newECKey(t, "k1", "ES256")
		is := newMemIssuer(t, k)
		v := is.verifier(t, nil)
		if _, err := v.Verify(context.Background(), is.mint(k, nil, nil)); err != nil {
			t.Fatal(err)
		}
		// Past the refresh interval, so an unknown kid may refresh the set once.
		is.clock.Advance(DefaultJWKSMinRefreshInterval + time.Second)
		is.set(func(is *testIssuer) { is.delay = 100 * time.Millisecond })
		for i := range 20 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
			other := newECKey(t, fmt.Sprintf("unknown-%d", i), "ES256")
			if _, err := v.Verify(ctx, is.mint(other, nil, nil)); err == nil {
				t.Fatal("a token signed by an unknown key verified")
			}
			cancel()
		}
		synctest.Wait() // the one refresh has finished
		if n := is.hits.Load(); n != 2 {
			t.Fatalf("%d key-set fetches for 20 cancelled callers, want 2 (the first and one refresh)", n)
		}
	})
}

func TestJWKSCacheControl(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	cases := []struct {
		header string
		ttl    time.Duration
	}{
		{"", DefaultJWKSTTL},
		{"public, max-age=120", 120 * time.Second},
		{"max-age=1", DefaultJWKSMinTTL},
		{"max-age=999999", DefaultJWKSMaxTTL},
		{"no-store", DefaultJWKSMinTTL},
		{"max-age=abc", DefaultJWKSTTL},
	}
	for _, c := range cases {
		is := newTestIssuer(t, k)
		is.set(func(is *testIssuer) { is.cache = c.header })
		v := is.verifier(t, nil)
		tok := is.mint(k, nil, nil)
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
		is.clock.Advance(c.ttl - time.Second)
		v.Verify(context.Background(), tok)
		if is.hits.Load() != 1 {
			t.Fatalf("%q: refetched before %v", c.header, c.ttl)
		}
		is.clock.Advance(2 * time.Second)
		v.Verify(context.Background(), tok)
		if is.hits.Load() != 2 {
			t.Fatalf("%q: not refetched after %v", c.header, c.ttl)
		}
	}
}

type panicTransport struct{}

func (panicTransport) RoundTrip(*http.Request) (*http.Response, error) { panic("transport bug") }

func TestJWKSFetchPanicReleasesWaiters(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	is := newTestIssuer(t, k)
	v := is.verifier(t, func(c *VerifierConfig) { c.HTTPClient = &http.Client{Transport: panicTransport{}} })
	// The fetch runs on its own goroutine, so a panicking transport must
	// become a failed fetch rather than take the process down.
	if _, err := v.Verify(context.Background(), is.mint(k, nil, nil)); TokenErrorReason(err) != TokenReasonJWKSUnavailable || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("panicking fetch: %v", err)
	}
	// The cache is not wedged: the next call answers (from the failure)
	// without hanging.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := v.Verify(ctx, is.mint(k, nil, nil)); TokenErrorReason(err) != TokenReasonJWKSUnavailable {
		t.Fatalf("after panic: %v", err)
	}
}

// The key material of a JWK is decoded by the kit itself: only a full-size
// point on the named curve, or an RSA key of at least 2048 bits with an
// odd exponent, becomes a key; anything else in the set is skipped.
func TestParseOneJWKMaterial(t *testing.T) {
	ec := newECKey(t, "e", "ES256")
	rs := newRSAKey(t, "r", "RS256", 2048)
	point, err := ec.ec.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	x, y := b64(point[1:33]), b64(point[33:])
	n, e := b64(rs.rsa.N.Bytes()), b64(big.NewInt(int64(rs.rsa.E)).Bytes())
	ecJWK := func(crv, x, y string) string {
		return fmt.Sprintf(`{"kty":"EC","crv":%q,"x":%q,"y":%q}`, crv, x, y)
	}
	rsaJWK := func(n, e string) string { return fmt.Sprintf(`{"kty":"RSA","n":%q,"e":%q}`, n, e) }
	for _, c := range []struct {
		name, jwk string
		ok        bool
	}{
		{"EC P-256", ecJWK("P-256", x, y), true},
		{"RSA 2048", rsaJWK(n, e), true},
		{"x one byte short", ecJWK("P-256", b64(point[2:33]), y), false},
		{"x with padding", ecJWK("P-256", x+"=", y), false},
		{"x not base64url", ecJWK("P-256", strings.Replace(x, x[:1], "+", 1), y), false},
		{"curve other than the point's", ecJWK("P-384", x, y), false},
		{"unknown curve", ecJWK("secp256k1", x, y), false},
		{"x not a string", `{"kty":"EC","crv":"P-256","x":1,"y":"` + y + `"}`, false},
		{"private key", `{"kty":"EC","crv":"P-256","x":"` + x + `","y":"` + y + `","d":"AQ"}`, false},
		{"RSA without n", rsaJWK("", e), false},
		{"RSA even exponent", rsaJWK(n, b64([]byte{2})), false},
		{"RSA exponent of 5 bytes", rsaJWK(n, b64([]byte{1, 0, 0, 0, 1})), false},
		{"alg that does not fit the key", `{"kty":"EC","crv":"P-256","alg":"RS256","x":"` + x + `","y":"` + y + `"}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := parseOneJWK(json.RawMessage(c.jwk))
			if (k != nil) != c.ok {
				t.Fatalf("parsed %v; want %v", k != nil, c.ok)
			}
			if k != nil && k.ec != nil && !k.ec.Equal(&ec.ec.PublicKey) {
				t.Fatal("decoded another EC key")
			}
			if k != nil && k.rsa != nil && !k.rsa.Equal(&rs.rsa.PublicKey) {
				t.Fatal("decoded another RSA key")
			}
		})
	}
}
