package auth

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLeakedForwardedAuthExpiresAfterMaxAge: the verifying side bounds how
// long a signed x-wacht-auth value is accepted, whatever exp the signing hop
// wrote, so a leaked value cannot be replayed for a whole day.
func TestLeakedForwardedAuthExpiresAfterMaxAge(t *testing.T) {
	secret := []byte("forwarding-secret-forwarding-secret!")
	clock := newFakeClock()
	// A value as a hop with a far too generous TTL (or an older kit that
	// had no cap) would sign it: valid for a day.
	upstream, _ := NewForwardedAuthSigner(secret)
	now := clock.Now().Unix()
	payload, _ := json.Marshal(map[string]any{"userId": "u1", "iat": now, "exp": now + 24*3600})
	seg := b64(payload)
	val := forwardedSignedPrefix + seg + "." + b64(upstream.mac(seg))

	downstream, _ := NewForwardedAuthSigner(secret) // all defaults
	downstream.Now = clock.Now
	if _, err := downstream.Verify(val); err != nil {
		t.Fatalf("fresh value: %v", err)
	}
	clock.Advance(DefaultForwardedAuthMaxAge - time.Second)
	if _, err := downstream.Verify(val); err != nil {
		t.Fatalf("value just under the maximum age: %v", err)
	}
	clock.Advance(time.Second)
	if _, err := downstream.Verify(val); TokenErrorReason(err) != TokenReasonForwardedExpired {
		t.Fatalf("value at the maximum age (exp still 24h away): %v; want forwarded_expired", err)
	}
	clock.Advance(12 * time.Hour)
	if _, err := downstream.Verify(val); TokenErrorReason(err) != TokenReasonForwardedExpired {
		t.Fatalf("replayed 12h later: %v; want forwarded_expired", err)
	}
}

// TestForwardedAuthMaxAgeIsConfigurable: VerifierConfig.ForwardedAuthMaxAge
// sets the bound Authenticate applies, and Sign never issues a value its
// own MaxAge would refuse.
func TestForwardedAuthMaxAgeIsConfigurable(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	is := newTestIssuer(t, k)
	secret := []byte("forwarding-secret-forwarding-secret!")
	v := is.verifier(t, func(c *VerifierConfig) {
		c.ForwardedAuthSecret = secret
		c.ForwardedAuthMaxAge = 30 * time.Second
	})
	s, _ := NewForwardedAuthSigner(secret)
	s.Now = is.clock.Now
	s.TTL = time.Hour
	val, err := s.Sign(&Auth{UserID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set(ForwardedAuthHeader, val)
	if a := v.Authenticate(r); !a.Authenticated() {
		t.Fatalf("fresh: %v", a.Err())
	}
	is.clock.Advance(30 * time.Second)
	if a := v.Authenticate(r); a.Authenticated() || TokenErrorReason(a.Err()) != TokenReasonForwardedExpired {
		t.Fatalf("after ForwardedAuthMaxAge: authenticated=%t err=%v", a.Authenticated(), a.Err())
	}

	// Sign caps its TTL at its MaxAge (default five minutes).
	val, _ = s.Sign(&Auth{UserID: "u1"})
	f := decodeForwardedPayload(t, val)
	if got := time.Duration(f.ExpiresAt-f.IssuedAt) * time.Second; got != DefaultForwardedAuthMaxAge {
		t.Fatalf("signed lifetime %s with TTL 1h; want it capped at %s", got, DefaultForwardedAuthMaxAge)
	}
}

// TestForwardedAuthIssueTimeChecked: a value must say when it was issued,
// not claim a time beyond the clock skew, and expire after it was issued.
func TestForwardedAuthIssueTimeChecked(t *testing.T) {
	secret := []byte("forwarding-secret-forwarding-secret!")
	clock := newFakeClock()
	s, _ := NewForwardedAuthSigner(secret)
	s.Now = clock.Now
	now := clock.Now().Unix()
	sign := func(iat, exp int64) string {
		b, _ := json.Marshal(map[string]any{"userId": "u1", "iat": iat, "exp": exp})
		seg := b64(b)
		return forwardedSignedPrefix + seg + "." + b64(s.mac(seg))
	}
	cases := map[string]string{
		"no iat":                 sign(0, now+60),
		"iat beyond clock skew":  sign(now+int64(DefaultClockSkew/time.Second)+1, now+120),
		"exp before iat":         sign(now, now-1),
		"iat long ago, exp soon": sign(now-3600, now+60),
	}
	want := map[string]TokenReason{
		"no iat": TokenReasonForwardedInvalid, "iat beyond clock skew": TokenReasonForwardedInvalid,
		"exp before iat": TokenReasonForwardedInvalid, "iat long ago, exp soon": TokenReasonForwardedExpired,
	}
	for name, val := range cases {
		if _, err := s.Verify(val); TokenErrorReason(err) != want[name] {
			t.Errorf("%s: %v; want %s", name, err, want[name])
		}
	}
	if _, err := s.Verify(sign(now+int64(DefaultClockSkew/time.Second), now+60)); err != nil {
		t.Errorf("iat within the clock skew: %v", err)
	}
	s.ClockSkew = -1
	if _, err := s.Verify(sign(now+1, now+60)); TokenErrorReason(err) != TokenReasonForwardedInvalid {
		t.Errorf("iat in the future with no clock skew allowed: %v", err)
	}
}

func decodeForwardedPayload(t *testing.T, val string) forwardedAuth {
	t.Helper()
	parts := strings.Split(val, ".")
	if len(parts) != 3 {
		t.Fatalf("signed value has %d parts", len(parts))
	}
	raw, err := b64url.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var f forwardedAuth
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f
}
