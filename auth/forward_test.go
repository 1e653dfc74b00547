package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestForwardedHeaderRoundTrip(t *testing.T) {
	a := &Auth{UserID: "u1", SessionID: "s1", OrganizationID: "o1",
		OrganizationPermissions: []string{"p1"}, WorkspacePermissions: nil}
	v := a.ForwardedHeaderValue()
	var m map[string]any
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		t.Fatal(err)
	}
	want := `map[organizationId:o1 organizationPermissions:[p1] sessionId:s1 userId:u1 workspaceId:<nil> workspacePermissions:[]]`
	if fmt.Sprint(m) != want {
		t.Fatalf("got %v", m)
	}
	b := AuthFromForwardedHeader(v)
	if !b.Authenticated() || b.UserID != "u1" || b.WorkspaceID != "" || !b.Has(ProtectOptions{AnyPermission: []string{"p1"}}) || b.Claims != nil {
		t.Fatalf("rebuilt %+v", b)
	}
	var nilAuth *Auth
	if got := nilAuth.ForwardedHeaderValue(); !strings.Contains(got, `"userId":null`) {
		t.Fatalf("anonymous forwards %s", got)
	}
	for _, bad := range []string{"", "null", "[]", "{", `{"userId":5}`, `{"userId":null}`, strings.Repeat(" ", 10) + "x", `"str"`} {
		if a := AuthFromForwardedHeader(bad); a.Authenticated() || a.Err() == nil {
			t.Errorf("%q authenticated", bad)
		}
	}
	if a := AuthFromForwardedHeader(`{"userId":"x","pad":"` + strings.Repeat("a", maxForwardedBytes) + `"}`); TokenErrorReason(a.Err()) != TokenReasonTooLarge {
		t.Errorf("oversized: %v", a.Err())
	}
}

func TestSignedForwardedAuth(t *testing.T) {
	secret := []byte("forwarding-secret-forwarding-secret!")
	clock := newFakeClock()
	s, err := NewForwardedAuthSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	s.Now = clock.Now
	a := &Auth{UserID: "u1", WorkspaceID: "w1", WorkspacePermissions: []string{"x"}}
	val, err := s.Sign(a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(val)
	if err != nil || got.UserID != "u1" || got.WorkspaceID != "w1" || !got.Has(ProtectOptions{AnyPermission: []string{"x"}}) {
		t.Fatalf("%+v %v", got, err)
	}
	other, _ := NewForwardedAuthSigner([]byte("another-secret-another-secret-another"))
	parts := strings.Split(val, ".")
	forgedPayload, _ := json.Marshal(map[string]any{"userId": "admin", "exp": clock.Now().Add(time.Hour).Unix()})
	cases := map[string]string{
		"unsigned JSON":    a.ForwardedHeaderValue(),
		"other secret":     func() string { v, _ := other.Sign(a); return v }(),
		"swapped payload":  parts[0] + "." + b64(forgedPayload) + "." + parts[2],
		"tampered mac":     parts[0] + "." + parts[1] + "." + b64([]byte("nope")),
		"extra segment":    val + ".x",
		"no mac":           parts[0] + "." + parts[1],
		"version 2":        "v2." + parts[1] + "." + parts[2],
		"empty":            "",
		"mac not base64":   parts[0] + "." + parts[1] + ".***",
		"payload mutation": parts[0] + "." + parts[1] + "A." + parts[2],
	}
	for name, v := range cases {
		if _, err := s.Verify(v); TokenErrorReason(err) != TokenReasonForwardedInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	clock.Advance(DefaultForwardedAuthTTL)
	if _, err := s.Verify(val); TokenErrorReason(err) != TokenReasonForwardedExpired {
		t.Fatalf("expired: %v", err)
	}
	if _, err := s.Sign(&Auth{}); err == nil {
		t.Fatal("signed an anonymous auth")
	}
	if _, err := NewForwardedAuthSigner([]byte("short")); err == nil {
		t.Fatal("short secret accepted")
	}
	for _, f := range []string{fmt.Sprintf("%v", s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s)} {
		if strings.Contains(f, "forwarding-secret") {
			t.Fatalf("signer formatting leaks the secret: %s", f)
		}
	}
	var zero ForwardedAuthSigner
	if _, err := zero.Verify(val); err == nil {
		t.Fatal("zero signer verified")
	}
}

func TestAuthenticateSignedForwardedHeader(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	is := newTestIssuer(t, k)
	secret := []byte("forwarding-secret-forwarding-secret!")
	v := is.verifier(t, func(c *VerifierConfig) { c.ForwardedAuthSecret = secret })
	s, _ := NewForwardedAuthSigner(secret)
	s.Now = is.clock.Now
	upstream := v.AuthFromToken(context.Background(), is.mint(k, nil, nil))
	val, err := s.Sign(upstream)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set(ForwardedAuthHeader, val)
	if a := v.Authenticate(r); !a.Authenticated() || a.UserID != "user_1" || a.OrganizationID != "org_1" {
		t.Fatalf("signed forwarded: %+v %v", a, a.Err())
	}
	r.Header.Set(ForwardedAuthHeader, upstream.ForwardedHeaderValue())
	if a := v.Authenticate(r); a.Authenticated() || TokenErrorReason(a.Err()) != TokenReasonForwardedInvalid {
		t.Fatalf("unsigned forwarded accepted: %v", a.Err())
	}
	// A Bearer token takes precedence over the forwarded header, and a bad
	// one is not rescued by it.
	r.Header.Set(ForwardedAuthHeader, val)
	r.Header.Set("Authorization", "Bearer garbage")
	if a := v.Authenticate(r); a.Authenticated() || !errors.Is(a.Err(), &TokenError{Reason: TokenReasonMalformed}) {
		t.Fatalf("bearer precedence: %v", a.Err())
	}
}
