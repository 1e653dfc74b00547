package handler_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// envOf is a kit's Env reading from a fixed map.
func envOf(m map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) { v, ok := m[name]; return v, ok }
}

// The promise: a kit trusts only an Auth it verified itself. A token the
// outer kit accepted is checked again by an inner kit with another
// publishable key, and rejected there.
func TestAuthenticateDoesNotTrustAnotherKitsResult(t *testing.T) {
	f := newFixture(t, handler.Options{})
	other := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	inner := handler.New(handler.Options{Env: envOf(map[string]string{
		handler.EnvAPIKey:         other.APIKey,
		handler.EnvBackendAPIURL:  other.BackendURL,
		handler.EnvPublishableKey: other.PublishableKey,
	})})

	var outerAuth, innerAuth *auth.Auth
	seen := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		innerAuth, _ = handler.AuthFromContext(r.Context())
		w.WriteHeader(http.StatusNoContent)
	})
	h := f.kit.Handler(f.kit.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		outerAuth, _ = handler.AuthFromContext(r.Context())
		inner.Authenticate(seen).ServeHTTP(w, r)
	})))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+f.token(t, "user:read"))
	h.ServeHTTP(httptest.NewRecorder(), req)
	if !outerAuth.Authenticated() {
		t.Fatalf("outer kit did not accept its own token: %v", outerAuth.Err())
	}
	if innerAuth.Authenticated() {
		t.Fatalf("inner kit reused the outer kit's result: %v", innerAuth)
	}

	// The same through Protect: the inner kit answers 401.
	protected := f.kit.Handler(f.kit.Authenticate(inner.Protect(handler.Require{})(seen)))
	rec := httptest.NewRecorder()
	req = httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+f.token(t, "user:read"))
	protected.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("inner Protect with the outer kit's token: %d %s", rec.Code, rec.Body)
	}
}

// Nesting one kit's Authenticate (or Protect inside Authenticate) verifies
// the token once: the verifier's clock is read as often as for a single
// Authenticate.
func TestAuthenticateNestedInTheSameKitVerifiesOnce(t *testing.T) {
	var reads atomic.Int64
	clock := func() time.Time { reads.Add(1); return time.Now() }
	f := newFixture(t, handler.Options{Resolve: func(_ *http.Request, base handler.Config) (handler.Config, error) {
		base.Verifier.Now = clock
		return base, nil
	}})
	tok := f.token(t, "user:read")
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, _ := handler.AuthFromContext(r.Context()); !a.Authenticated() {
			t.Error("not authenticated")
		}
	})
	run := func(h http.Handler) int64 {
		t.Helper()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		before := reads.Load()
		f.kit.Handler(h).ServeHTTP(httptest.NewRecorder(), req)
		return reads.Load() - before
	}
	run(f.kit.Authenticate(ok)) // warm: fetch the key set
	once := run(f.kit.Authenticate(ok))
	if once == 0 {
		t.Fatal("the verifier's clock was not read: the test observes nothing")
	}
	if n := run(f.kit.Authenticate(f.kit.Authenticate(ok))); n != once {
		t.Errorf("nested Authenticate read the clock %d times, a single one %d: verified twice", n, once)
	}
	if n := run(f.kit.Authenticate(f.kit.Protect(handler.Require{})(ok))); n != once {
		t.Errorf("Protect inside Authenticate read the clock %d times, a single one %d: verified twice", n, once)
	}
}
