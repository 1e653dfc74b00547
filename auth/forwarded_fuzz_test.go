package auth_test

// Fuzz targets of issue 11 that the auth and client tests lack: the
// x-wacht-auth bridge (plain and signed, and through Verifier.Authenticate)
// and the parsing of backend error bodies into *APIError.

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/wacht-platform/serverless-go/auth"
)

const fuzzBridgeSecret = "bridge-secret-0123456789abcdefghijklmnopqrstuvwxyz"

func sameAuth(a, b *auth.Auth) bool {
	return a.UserID == b.UserID && a.SessionID == b.SessionID && a.OrganizationID == b.OrganizationID &&
		a.WorkspaceID == b.WorkspaceID && slices.Equal(a.OrganizationPermissions, b.OrganizationPermissions) &&
		slices.Equal(a.WorkspacePermissions, b.WorkspacePermissions)
}

// FuzzForwardedAuth: a plain value that parses round-trips through
// ForwardedHeaderValue; a signed value verifies only if this signer made it
// (so only the seeded identities ever come out); Verifier.Authenticate
// authenticates from x-wacht-auth exactly when the signer accepts the value,
// never from an unsigned one.
func FuzzForwardedAuth(f *testing.F) {
	signer, err := auth.NewForwardedAuthSigner([]byte(fuzzBridgeSecret))
	if err != nil {
		f.Fatal(err)
	}
	signed := []*auth.Auth{
		{UserID: "1001", SessionID: "sess_1", OrganizationID: "2001", OrganizationPermissions: []string{"user:read"}},
		{UserID: "1002", WorkspaceID: "3001", WorkspacePermissions: []string{"a", "b,c"}},
	}
	for _, a := range signed {
		f.Add(a.ForwardedHeaderValue())
		v, err := signer.Sign(a)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(v)
		f.Add(v[:len(v)-2])
		f.Add(strings.Replace(v, "v1.", "v2.", 1))
	}
	f.Add("")
	f.Add("v1..")
	f.Add("v1.e30.")
	f.Add(`{"user_id":"x"}`)
	f.Add("user_id=1001")
	v, err := auth.NewVerifier(auth.VerifierConfig{FrontendAPIURL: "http://127.0.0.1:1", ForwardedAuthSecret: []byte(fuzzBridgeSecret)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, value string) {
		plain := auth.AuthFromForwardedHeader(value)
		if plain.Authenticated() {
			again := auth.AuthFromForwardedHeader(plain.ForwardedHeaderValue())
			if !sameAuth(plain, again) {
				t.Fatalf("plain value %q: %+v, then %+v", value, plain, again)
			}
			if plain.Claims != nil {
				t.Fatal("forwarded Auth carries claims")
			}
		} else if plain.Err() == nil && value != "" {
			t.Fatalf("anonymous Auth for %q without a reason", value)
		}

		got, serr := signer.Verify(value)
		if serr != nil {
			if got.Authenticated() {
				t.Fatalf("rejected value %q (%v) yields user %q", value, serr, got.UserID)
			}
			if strings.Contains(serr.Error(), fuzzBridgeSecret) {
				t.Fatal("error carries the secret")
			}
		} else if got.Authenticated() && !slices.ContainsFunc(signed, func(a *auth.Auth) bool { return sameAuth(a, got) }) {
			t.Fatalf("forged value %q verified as %+v", value, got)
		}

		if !validHeaderValue(value) {
			return
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set(auth.ForwardedAuthHeader, value)
		a := v.Authenticate(r)
		switch {
		case a.Authenticated() && (serr != nil || !sameAuth(a, got)):
			t.Fatalf("Authenticate accepted %q as %+v; signer says %v", value, a, serr)
		case !a.Authenticated() && serr == nil && got.Authenticated():
			t.Fatalf("Authenticate refused a value the signer accepts: %q (%v)", value, a.Err())
		}
	})
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
