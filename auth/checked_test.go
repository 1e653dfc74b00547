package auth

import (
	"context"
	"crypto"
	"strings"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/internal/sigverify"
)

// countSignatureChecks counts the signature checks that reach the platform
// hook, leaving each one to Go.
func countSignatureChecks(t *testing.T) *int {
	var n int
	sigverify.Set(func(string, crypto.PublicKey, []byte, []byte) (bool, bool) {
		n++
		return false, false
	})
	t.Cleanup(func() { sigverify.Set(nil) })
	return &n
}

func TestRepeatedTokenSkipsTheSignatureCheck(t *testing.T) {
	k := wachtKey(t)
	is := newTestIssuer(t, k)
	checks := countSignatureChecks(t)
	ctx := context.Background()

	v := is.verifier(t, nil)
	tok := is.mintNoKid(k, nil)
	for range 5 {
		if c, err := v.Verify(ctx, tok); err != nil || c.Subject != "user_1" {
			t.Fatalf("%+v %v", c, err)
		}
	}
	if *checks != 1 {
		t.Fatalf("five requests with one token made %d signature checks; want 1", *checks)
	}

	// Turned off, every request checks.
	*checks = 0
	off := is.verifier(t, func(c *VerifierConfig) { c.SignatureCacheSize = -1 })
	for range 3 {
		if _, err := off.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if *checks != 3 {
		t.Fatalf("with the cache off: %d checks; want 3", *checks)
	}
}

func TestCachedTokenStillMeetsItsClaims(t *testing.T) {
	k := wachtKey(t)
	is := newTestIssuer(t, k)
	v := is.verifier(t, nil)
	ctx := context.Background()
	tok := is.mintNoKid(k, nil)
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	is.clock.Advance(time.Minute)
	if _, err := v.Verify(ctx, tok); TokenErrorReason(err) != TokenReasonExpired {
		t.Fatalf("a remembered token past its exp: %v", err)
	}
	// Another verifier (another audience) checks its own rules on the same
	// token, whatever the first one remembered.
	is.clock.Advance(-time.Minute)
	strict := is.verifier(t, func(c *VerifierConfig) { c.Audiences = []string{"https://api.example.com"} })
	if _, err := strict.Verify(ctx, tok); TokenErrorReason(err) != TokenReasonAudience {
		t.Fatalf("audience: %v", err)
	}
}

func TestCachedTokenFollowsTheKeySet(t *testing.T) {
	for _, withKid := range []bool{false, true} {
		name := "no kid"
		if withKid {
			name = "kid"
		}
		t.Run(name, func(t *testing.T) {
			old := wachtKey(t)
			is := newTestIssuer(t, old)
			v := is.verifier(t, nil)
			ctx := context.Background()
			claims := is.claims()
			claims["exp"] = is.clock.Now().Add(time.Hour).Unix()
			tok := is.mintNoKid(old, claims)
			if withKid {
				tok = is.mint(old, claims, nil)
			}
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatal(err)
			}
			// The deployment withdraws the key; once the verifier has the new
			// set, the token it remembered is refused like any other.
			is.set(func(is *testIssuer) { is.keys = []*testKey{newECKey(t, "other", "ES256")} })
			is.clock.Advance(DefaultJWKSTTL + time.Second)
			if _, err := v.Verify(ctx, tok); err == nil {
				t.Fatal("a remembered token verified after its key left the key set")
			}
			// The key comes back (a new fetch, so new key objects): the token is
			// checked again and accepted.
			is.set(func(is *testIssuer) { is.keys = []*testKey{old} })
			is.clock.Advance(DefaultJWKSTTL + time.Second)
			checks := countSignatureChecks(t)
			if _, err := v.Verify(ctx, tok); err != nil || *checks != 1 {
				t.Fatalf("after the key came back: %v, %d checks", err, *checks)
			}
		})
	}
}

func TestSignatureCacheHoldsOnlyWhatVerified(t *testing.T) {
	k := wachtKey(t)
	is := newTestIssuer(t, k)
	v := is.verifier(t, func(c *VerifierConfig) { c.SignatureCacheSize = 2 })
	ctx := context.Background()
	genuine := is.mintNoKid(k, nil)
	if _, err := v.Verify(ctx, genuine); err != nil {
		t.Fatal(err)
	}
	// The remembered token's header and payload with the signature of
	// other claims: not the same bytes, so checked, and refused.
	dot := strings.LastIndexByte(genuine, '.')
	claims := is.claims()
	claims["sub"] = "mallory"
	other := is.mintNoKid(k, claims)
	forged := genuine[:dot] + other[strings.LastIndexByte(other, '.'):]
	tampered := genuine[:dot-1] + string(genuine[dot-1]^1) + genuine[dot:]
	for _, bad := range []string{forged, tampered} {
		if _, err := v.Verify(ctx, bad); err == nil {
			t.Fatalf("%q verified", bad)
		}
	}
	// Expired tokens are not remembered, and the cache stays within its
	// bound however many tokens pass.
	for range 10 {
		if _, err := v.Verify(ctx, is.mintNoKid(k, nil)); err != nil {
			t.Fatal(err)
		}
	}
	v.checked.mu.Lock()
	n := len(v.checked.m)
	v.checked.mu.Unlock()
	if n > 2 {
		t.Fatalf("cache holds %d tokens; bound 2", n)
	}
}
