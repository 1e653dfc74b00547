package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/sigverify"
)

// A platform verifier (WebCrypto on Workers) decides the signature when it
// handles the check, with the key the JWKS gave; when it leaves the check
// to Go, Go's answer stands. Signatures of the wrong length never reach it.
func TestPlatformSignatureVerifier(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	is := newMemIssuer(t, k)
	// The platform here lies on purpose; a verifier that remembered the
	// tokens it accepted would not ask it again.
	v := is.verifier(t, func(c *VerifierConfig) { c.SignatureCacheSize = -1 })
	genuine := is.mint(k, nil, nil)
	head, _, _ := strings.Cut(genuine[:strings.LastIndexByte(genuine, '.')], ".")
	// The same header and signature over other claims: a forgery of the
	// right length.
	claims := is.claims()
	claims["sub"] = "mallory"
	forged := head + "." + strings.Split(is.mint(k, claims, nil), ".")[1] + genuine[strings.LastIndexByte(genuine, '.'):]

	var calls int
	var sawKey bool
	answer := struct{ valid, handled bool }{}
	sigverify.Set(func(alg string, pub crypto.PublicKey, signed, sig []byte) (bool, bool) {
		calls++
		ec, ok := pub.(*ecdsa.PublicKey)
		sawKey = ok && alg == "ES256" && len(sig) == 64 && ec.Curve.Params().Name == "P-256" && strings.Count(string(signed), ".") == 1
		return answer.valid, answer.handled
	})
	t.Cleanup(func() { sigverify.Set(nil) })

	ctx := context.Background()
	answer.valid, answer.handled = false, true
	if _, err := v.Verify(ctx, genuine); TokenErrorReason(err) != TokenReasonBadSignature {
		t.Fatalf("platform says invalid: %v", err)
	}
	if calls != 1 || !sawKey {
		t.Fatalf("platform called %d times, with the JWKS key and the token's parts: %v", calls, sawKey)
	}
	answer.valid = true
	if c, err := v.Verify(ctx, forged); err != nil || c.Subject != "mallory" {
		t.Fatalf("platform says valid: %+v %v", c, err)
	}
	answer.handled = false
	if _, err := v.Verify(ctx, genuine); err != nil {
		t.Fatalf("left to Go, a genuine token: %v", err)
	}
	if _, err := v.Verify(ctx, forged); TokenErrorReason(err) != TokenReasonBadSignature {
		t.Fatalf("left to Go, a forgery: %v", err)
	}
	before := calls
	dot := strings.LastIndexByte(genuine, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(genuine[dot+1:])
	short := genuine[:dot+1] + base64.RawURLEncoding.EncodeToString(sig[:len(sig)-1])
	if _, err := v.Verify(ctx, short); TokenErrorReason(err) != TokenReasonBadSignature || calls != before {
		t.Fatalf("a short signature reached the platform (%d calls) or passed: %v", calls-before, err)
	}
}
