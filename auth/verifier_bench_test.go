package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// noSignatureCache makes every verification check the signature, as the
// benchmarks compare that work; BenchmarkAuthenticateES256Repeat measures
// the cache.
func noSignatureCache(c *VerifierConfig) { c.SignatureCacheSize = -1 }

// benchSetup returns a warm verifier and an ES256 token it accepts.
func benchSetup(b *testing.B) (*Verifier, *testKey, string) {
	k := newECKey(b, "k1", "ES256")
	is := newTestIssuer(b, k)
	v := is.verifier(b, noSignatureCache)
	tok := is.mint(k, nil, nil)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		b.Fatal(err)
	}
	return v, k, tok
}

// BenchmarkAuthenticateES256 is the warm path a handler runs per request:
// Bearer extraction, header checks, cached key lookup, ECDSA verification,
// one claims decode and the claim rules, ending in an *Auth.
func BenchmarkAuthenticateES256(b *testing.B) {
	v, _, tok := benchSetup(b)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	b.ReportAllocs()
	for b.Loop() {
		if a := v.Authenticate(r); !a.Authenticated() {
			b.Fatal(a.Err())
		}
	}
}

// BenchmarkAuthenticateES256NoKid is the same warm path for a token as
// Wacht issues it, without a kid: the key is chosen among the cached keys
// of the set by type (one here, as Wacht publishes).
func BenchmarkAuthenticateES256NoKid(b *testing.B) {
	benchKidless(b, noSignatureCache)
}

// BenchmarkAuthenticateES256Repeat is a handler's warm path for a token it
// has seen before (a browser sends one token until it refreshes it): the
// signature cache skips the ECDSA check; the claims are checked as ever.
func BenchmarkAuthenticateES256Repeat(b *testing.B) {
	benchKidless(b, nil)
}

// benchKidless authenticates one kid-less token, as Wacht issues it, again
// and again with a verifier configured by mod.
func benchKidless(b *testing.B, mod func(*VerifierConfig)) {
	k := newECKey(b, "k1", "ES256")
	is := newTestIssuer(b, k)
	v := is.verifier(b, mod)
	tok := is.mint(k, nil, map[string]any{"kid": nil})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	b.ReportAllocs()
	for b.Loop() {
		if a := v.Authenticate(r); !a.Authenticated() {
			b.Fatal(a.Err())
		}
	}
}

// BenchmarkVerifyBaselineES256 is the floor Authenticate is measured
// against: bare crypto/ecdsa verification of the same token with a key
// already in hand, plus decoding its claims into the same struct, with no
// header parsing, key lookup or claim checks.
func BenchmarkVerifyBaselineES256(b *testing.B) {
	_, k, tok := benchSetup(b)
	pub := &k.ec.PublicKey
	b.ReportAllocs()
	for b.Loop() {
		baselineVerify(b, pub, tok)
	}
}

func baselineVerify(b *testing.B, pub *ecdsa.PublicKey, tok string) {
	d1 := strings.IndexByte(tok, '.')
	d2 := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[d2+1:])
	if err != nil || len(sig) != 64 {
		b.Fatal("signature")
	}
	h := sha256.Sum256([]byte(tok[:d2]))
	if !ecdsa.Verify(pub, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		b.Fatal("verify")
	}
	payload, err := base64.RawURLEncoding.DecodeString(tok[d1+1 : d2])
	if err != nil {
		b.Fatal(err)
	}
	var c wireClaims
	if err := json.Unmarshal(payload, &c); err != nil || c.Sub == "" {
		b.Fatal("claims")
	}
}

// BenchmarkAuthenticateVsVerifyBaselineES256 runs both paths alternately in
// one loop and reports their time ratio, which stays meaningful on a busy
// machine where separate benchmarks drift apart. ns/op is the sum of both.
func BenchmarkAuthenticateVsVerifyBaselineES256(b *testing.B) {
	v, k, tok := benchSetup(b)
	pub := &k.ec.PublicKey
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	var authNS, baseNS time.Duration
	for i := 0; b.Loop(); i++ {
		// Alternate which goes first so neither always gets the warm cache.
		if i%2 == 0 {
			t0 := time.Now()
			if a := v.Authenticate(r); !a.Authenticated() {
				b.Fatal(a.Err())
			}
			t1 := time.Now()
			baselineVerify(b, pub, tok)
			authNS += t1.Sub(t0)
			baseNS += time.Since(t1)
		} else {
			t0 := time.Now()
			baselineVerify(b, pub, tok)
			t1 := time.Now()
			if a := v.Authenticate(r); !a.Authenticated() {
				b.Fatal(a.Err())
			}
			baseNS += t1.Sub(t0)
			authNS += time.Since(t1)
		}
	}
	b.ReportMetric(float64(authNS)/float64(baseNS), "auth/baseline")
	b.ReportMetric(float64(authNS)/float64(b.N), "auth-ns/op")
	b.ReportMetric(float64(baseNS)/float64(b.N), "baseline-ns/op")
}
