package handler

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// A result this kit produced under one tenant's configuration is not
// reused under another's: the issuer (or key) that accepted the token may
// not be one the other tenant trusts. Reaching that state takes a context
// built by hand, which is why this test is internal.
func TestAuthenticateDoesNotTrustAnotherConfigurationsResult(t *testing.T) {
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	env := map[string]string{EnvAPIKey: emu.APIKey, EnvBackendAPIURL: emu.BackendURL, EnvPublishableKey: emu.PublishableKey}
	k := New(Options{
		Logger: slog.New(slog.DiscardHandler),
		Env:    func(name string) (string, bool) { v, ok := env[name]; return v, ok },
		Resolve: func(r *http.Request, base Config) (Config, error) {
			if r.Header.Get("X-Tenant") == "b" {
				base.Verifier.RequiredIssuer = "https://tenant-b.example"
			}
			return base, nil
		},
	})
	tok, err := emu.MintToken(wachttest.TokenOptions{UserID: wachttest.SeedUserID})
	if err != nil {
		t.Fatal(err)
	}

	var afterA context.Context
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	k.Authenticate(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { afterA = r.Context() })).ServeHTTP(httptest.NewRecorder(), req)
	if a, _ := AuthFromContext(afterA); !a.Authenticated() {
		t.Fatalf("tenant a did not accept the token: %v", a.Err())
	}

	reqB := httptest.NewRequest("GET", "/", nil)
	reqB.Header.Set("X-Tenant", "b")
	inB, err := k.instanceFor(reqB)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := k.instanceFor(req)
	if inB.key == a.key {
		t.Fatal("the two tenants share a configuration: the test observes nothing")
	}
	var got *auth.Auth
	req = req.WithContext(context.WithValue(afterA, instanceKey{}, inB))
	k.Authenticate(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got, _ = AuthFromContext(r.Context()) })).ServeHTTP(httptest.NewRecorder(), req)
	if got.Authenticated() {
		t.Fatal("tenant b reused tenant a's result")
	}
	if reason := auth.TokenErrorReason(got.Err()); reason != auth.TokenReasonIssuer {
		t.Errorf("tenant b's verdict: %v, want reason %s", got.Err(), auth.TokenReasonIssuer)
	}
}
