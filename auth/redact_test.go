package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// leaksPart reports whether s holds any 8-byte run of secret: a cut that
// falls inside the secret would leave such a run behind.
func leaksPart(s, secret string) bool {
	for i := 0; i+8 <= len(secret); i++ {
		if strings.Contains(s, secret[i:i+8]) {
			return true
		}
	}
	return false
}

// Secrets echoed by another server are removed before its message is cut,
// so no offset of the secret around the cut leaves part of it behind.
func TestUpstreamMessagesRedactBeforeCutting(t *testing.T) {
	const secret = "sk_live_0123456789abcdefghijklmnopqrstuv"
	for off := 0; off <= maxUpstreamMessage+len(secret)+10; off++ {
		msg := strings.Repeat("é", off/2) + strings.Repeat("x", off%2) + secret + " and more text after it"
		got := upstreamMessage(msg, secret)
		if leaksPart(got, secret) {
			t.Fatalf("offset %d: %q keeps part of the secret", off, got)
		}
		if len(got) > maxUpstreamMessage+len("...") {
			t.Fatalf("offset %d: %d bytes, more than the cap", off, len(got))
		}
		if !strings.HasPrefix(redactSecret(msg, secret), strings.TrimSuffix(got, "...")) {
			t.Fatalf("offset %d: %q is not a prefix of the message", off, got)
		}
	}
	if got := upstreamMessage("line\none\x7f", ""); got != "line one " {
		t.Fatalf("control characters: %q", got)
	}
}

// The gateway's error messages can echo the key; every path that keeps them
// (a Decision's Message and a GatewayError) holds none of it, wherever the
// key sits relative to the cut.
func TestGatewayMessagesRedactBeforeCutting(t *testing.T) {
	const secret = "sk_live_gatewaysecret_0123456789abcdefgh"
	for _, status := range []int{401, 403, 429, 500} {
		for off := maxUpstreamMessage - len(secret) - 2; off <= maxUpstreamMessage+2; off++ {
			srv, _ := fakeGateway(t, func(w http.ResponseWriter, body map[string]any) {
				msg, _ := json.Marshal(strings.Repeat("m", off) + secret)
				w.WriteHeader(status)
				fmt.Fprintf(w, `{"message":%s}`, msg)
			})
			g, err := NewGateway(GatewayConfig{URL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			d, err := g.Check(context.Background(), CheckRequest{Principal: Principal{PrincipalAPIKey, secret}, Resource: "/", Method: "GET"})
			text := fmt.Sprintf("%v %+v", err, d)
			if d != nil {
				text += d.Message
			}
			if leaksPart(text, secret) {
				t.Fatalf("status %d, offset %d: %s", status, off, text)
			}
			srv.Close()
		}
	}
}

// The frontend API's error messages can echo the session cookie; the
// exchange error holds none of it, wherever it sits relative to the cut.
func TestSessionExchangeMessagesRedactBeforeCutting(t *testing.T) {
	const cred = "sess_cookie_value_0123456789abcdefghijkl"
	var at atomic.Int64 // where the credential starts in the message
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off := int(at.Load())
		msg, _ := json.Marshal(strings.Repeat("m", off) + cred)
		// Signed out (400) and failing (503) keep the message alike.
		w.WriteHeader(400 + 103*(off%2))
		fmt.Fprintf(w, `{"message":%s}`, msg)
	}))
	defer srv.Close()
	v, err := NewVerifier(VerifierConfig{FrontendAPIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for off := maxUpstreamMessage - len(cred) - 2; off <= maxUpstreamMessage+2; off++ {
		at.Store(int64(off))
		_, err := v.ExchangeSession(context.Background(), SessionExchangeRequest{SessionToken: cred})
		if err == nil {
			t.Fatal("exchange succeeded")
		}
		if text := fmt.Sprintf("%v %+v", err, err); leaksPart(text, cred) {
			t.Fatalf("offset %d: %s", off, text)
		}
	}
}

// The session exchange carries the user's session cookie, so it follows no
// redirect: not to another host, not to http, not even on the same host.
func TestSessionExchangeFollowsNoRedirect(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		fmt.Fprint(w, `{"data":{"token":"a.b.c"}}`)
	}))
	defer other.Close()
	var to atomic.Pointer[string]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			elsewhere.Add(1)
			fmt.Fprint(w, `{"data":{"token":"a.b.c"}}`)
			return
		}
		http.Redirect(w, r, *to.Load(), http.StatusFound)
	}))
	defer srv.Close()
	v, err := NewVerifier(VerifierConfig{FrontendAPIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{other.URL + "/session/token", srv.URL + "/moved"} {
		to.Store(&target)
		_, err := v.ExchangeSession(context.Background(), SessionExchangeRequest{SessionToken: "cookie_value"})
		var se *SessionExchangeError
		if !errors.As(err, &se) || se.Kind != SessionUnavailable || !errors.Is(err, errExchangeRedirect) {
			t.Fatalf("redirect to %s: %v", target, err)
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Fatalf("the exchange followed %d redirects", n)
	}
}
