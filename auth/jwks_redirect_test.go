package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// redirector answers the key-set path with a redirect to target and
// counts nothing else: it stands for a frontend host that sends the key-set
// fetch somewhere else.
func redirector(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/jwks.json" {
			http.Redirect(w, r, target, http.StatusFound)
			return
		}
		http.NotFound(w, r)
	}
}

// TestKeySetComesOnlyFromTheFrontendHost: the key set decides which tokens
// verify, so its fetch must not follow a redirect to another host, nor from
// https to plain http; a redirect within the host still works.
func TestKeySetComesOnlyFromTheFrontendHost(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	// The key server listens on 127.0.0.1; "localhost" names the same
	// socket under another host name.
	keys := newTestIssuer(t, k)
	ku, _ := url.Parse(keys.url())
	otherHost := "http://localhost:" + ku.Port() + "/.well-known/jwks.json"
	sameHostHTTP := "http://127.0.0.1:" + ku.Port() + "/.well-known/jwks.json"

	verify := func(t *testing.T, front *httptest.Server) error {
		t.Helper()
		v, err := NewVerifier(VerifierConfig{FrontendAPIURL: front.URL, Now: keys.clock.Now, HTTPClient: front.Client()})
		if err != nil {
			t.Fatal(err)
		}
		claims := keys.claims()
		claims["iss"] = front.URL
		_, err = v.Verify(context.Background(), keys.mint(k, claims, nil))
		return err
	}

	t.Run("to another host", func(t *testing.T) {
		front := httptest.NewServer(redirector(otherHost))
		defer front.Close()
		before := keys.hits.Load()
		err := verify(t, front)
		var te *TokenError
		if !errors.As(err, &te) || te.Reason != TokenReasonJWKSUnavailable || !errors.Is(err, errKeySetRedirect) {
			t.Fatalf("err = %v; want a refused redirect (jwks unavailable)", err)
		}
		if n := keys.hits.Load() - before; n != 0 {
			t.Fatalf("the other host served %d key-set fetches; want 0", n)
		}
		if strings.Contains(err.Error(), "localhost") {
			t.Errorf("error names the redirect target: %v", err)
		}
	})
	t.Run("from https to http", func(t *testing.T) {
		front := httptest.NewTLSServer(redirector(sameHostHTTP))
		defer front.Close()
		before := keys.hits.Load()
		err := verify(t, front)
		if !errors.Is(err, errKeySetRedirect) {
			t.Fatalf("err = %v; want a refused redirect", err)
		}
		if n := keys.hits.Load() - before; n != 0 {
			t.Fatalf("the http server served %d key-set fetches; want 0", n)
		}
	})
	t.Run("within the host", func(t *testing.T) {
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/.well-known/jwks.json" {
				r.URL.Path = "/.well-known/jwks.json"
				keys.serve(w, r)
				return
			}
			redirector("/v2/.well-known/jwks.json")(w, r)
		}))
		defer front.Close()
		if err := verify(t, front); err != nil {
			t.Fatalf("same-host redirect: %v", err)
		}
	})
}
