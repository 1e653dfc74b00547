package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// skewClock is real time plus an adjustable offset, so tests can step past
// TTLs and refresh intervals while the emulator mints real-time tokens.
type skewClock struct{ off atomic.Int64 }

func (c *skewClock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *skewClock) Advance(d time.Duration) { c.off.Add(int64(d)) }

func newEmulator(t *testing.T) *wachttest.Server {
	t.Helper()
	return wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true, Algorithms: []wachttest.Algorithm{wachttest.ES256, wachttest.ES384, wachttest.RS256}})
}

func mint(t *testing.T, s *wachttest.Server, o wachttest.TokenOptions) string {
	t.Helper()
	tok, err := s.MintToken(o)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestEmulatorAuthenticate(t *testing.T) {
	s := newEmulator(t)
	clock := &skewClock{}
	v, err := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey, Now: clock.Now,
		Audiences: nil, SessionCookieName: auth.DefaultSessionCookie})
	if err != nil {
		t.Fatal(err)
	}
	if v.FrontendAPIURL() != s.FrontendURL {
		t.Fatalf("frontend %s vs %s", v.FrontendAPIURL(), s.FrontendURL)
	}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := v.Authenticate(r)
		if err := a.Protect(auth.ProtectOptions{AnyPermission: []string{"docs:write", "docs:admin"}, OrganizationID: "org_e2e"}); err != nil {
			var ae *auth.AuthError
			status := http.StatusForbidden
			if errors.As(err, &ae) && ae.Unauthenticated() {
				status = http.StatusUnauthorized
			}
			w.WriteHeader(status)
			fmt.Fprint(w, auth.TokenErrorReason(a.Err()))
			return
		}
		w.Header().Set(auth.ForwardedAuthHeader, a.ForwardedHeaderValue())
		fmt.Fprint(w, a.UserID, " ", a.SessionID)
	}))
	defer app.Close()
	call := func(tok string) (int, string, http.Header) {
		req, _ := http.NewRequest("GET", app.URL, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := app.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	base := wachttest.TokenOptions{UserID: "user_e2e", SessionID: "sess_e2e", OrganizationID: "org_e2e",
		OrganizationPermissions: []string{"docs:write"}}
	for _, alg := range []wachttest.Algorithm{wachttest.ES256, wachttest.ES384, wachttest.RS256} {
		o := base
		o.Algorithm = alg
		code, body, h := call(mint(t, s, o))
		if code != 200 || body != "user_e2e sess_e2e" {
			t.Fatalf("%s: %d %s", alg, code, body)
		}
		fwd := auth.AuthFromForwardedHeader(h.Get(auth.ForwardedAuthHeader))
		if fwd.UserID != "user_e2e" || fwd.OrganizationID != "org_e2e" || !fwd.Has(auth.ProtectOptions{AnyPermission: []string{"docs:write"}}) {
			t.Fatalf("forwarded: %+v", fwd)
		}
	}
	now := time.Now()
	hostile := []struct {
		name string
		o    func(o *wachttest.TokenOptions)
		code int
		want auth.TokenReason
	}{
		{"expired", func(o *wachttest.TokenOptions) { o.IssuedAt = now.Add(-time.Hour); o.Lifetime = time.Minute }, 401, auth.TokenReasonExpired},
		{"not yet valid", func(o *wachttest.TokenOptions) { o.NotBefore = now.Add(time.Hour) }, 401, auth.TokenReasonNotYetValid},
		{"issued in the future", func(o *wachttest.TokenOptions) { o.IssuedAt = now.Add(time.Hour); o.NotBefore = now }, 401, auth.TokenReasonIssuedInFuture},
		{"wrong issuer", func(o *wachttest.TokenOptions) { o.Issuer = "https://evil.example" }, 401, auth.TokenReasonIssuer},
		{"unpublished key", func(o *wachttest.TokenOptions) { o.UnpublishedKey = true }, 401, ""},
		{"no sub", func(o *wachttest.TokenOptions) { o.Claims = map[string]any{"sub": nil} }, 401, auth.TokenReasonMissingClaim},
		{"no exp", func(o *wachttest.TokenOptions) { o.Claims = map[string]any{"exp": nil} }, 401, auth.TokenReasonMissingClaim},
		{"wrong organization", func(o *wachttest.TokenOptions) { o.OrganizationID = "org_other" }, 403, ""},
		{"missing permission", func(o *wachttest.TokenOptions) { o.OrganizationPermissions = []string{"docs:read"} }, 403, ""},
	}
	for _, h := range hostile {
		o := base
		h.o(&o)
		code, body, _ := call(mint(t, s, o))
		if code != h.code || (h.want != "" && body != string(h.want)) {
			t.Errorf("%s: %d %q; want %d %q", h.name, code, body, h.code, h.want)
		}
		if h.name == "unpublished key" && body != string(auth.TokenReasonUnknownKey) && body != string(auth.TokenReasonBadSignature) {
			t.Errorf("unpublished key: reason %q", body)
		}
	}
	// The session cookie path: the cookie holds a session JWT, exchanged at
	// the frontend API, never a session token itself.
	sess := s.NewSession(base)
	req, _ := http.NewRequest("GET", app.URL, nil)
	req.AddCookie(&http.Cookie{Name: "__session", Value: sess.Cookie})
	res, err := app.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || s.Stats().SessionExchanges != 1 {
		t.Fatalf("cookie: %d after %d exchanges", res.StatusCode, s.Stats().SessionExchanges)
	}
	// A session token in the cookie is not a session JWT: the frontend API
	// starts a new anonymous session for it, and nobody is signed in.
	req, _ = http.NewRequest("GET", app.URL, nil)
	req.AddCookie(&http.Cookie{Name: "__session", Value: mint(t, s, base)})
	res, err = app.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 401 || string(body) != string(auth.TokenReasonSessionSignedOut) {
		t.Fatalf("session token in the cookie: %d %s", res.StatusCode, body)
	}
	if st := s.Stats(); st.JWKSFetches > 2 {
		t.Fatalf("%d JWKS fetches for one warm verifier", st.JWKSFetches)
	}
}

func TestEmulatorJWKSOnceForManyInvocations(t *testing.T) {
	s := newEmulator(t)
	v, err := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey})
	if err != nil {
		t.Fatal(err)
	}
	if s.Stats().JWKSFetches != 0 {
		t.Fatal("NewVerifier fetched")
	}
	tok := mint(t, s, wachttest.TokenOptions{})
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			if !v.Authenticate(r).Authenticated() {
				bad.Add(1)
			}
		}()
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d requests failed", bad.Load())
	}
	if n := s.Stats().JWKSFetches; n != 1 {
		t.Fatalf("1,000 invocations fetched the JWKS %d times", n)
	}
}

func TestEmulatorUnknownKidStormAndRotation(t *testing.T) {
	s := newEmulator(t)
	clock := &skewClock{}
	v, err := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if a := v.AuthFromToken(context.Background(), mint(t, s, wachttest.TokenOptions{})); !a.Authenticated() {
		t.Fatal(a.Err())
	}
	clock.Advance(auth.DefaultJWKSMinRefreshInterval)
	var wg sync.WaitGroup
	for range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := s.MintToken(wachttest.TokenOptions{UnpublishedKey: true})
			if err != nil {
				t.Error(err)
				return
			}
			if a := v.AuthFromToken(context.Background(), tok); a.Authenticated() {
				t.Error("unpublished key authenticated")
			}
		}()
	}
	wg.Wait()
	if n := s.Stats().JWKSFetches; n > 2 {
		t.Fatalf("1,000 unknown kids in one refresh interval caused %d fetches (want at most 1 beyond the first load)", n)
	}
	// Rotation without a restart: the old key leaves at once.
	oldTok := mint(t, s, wachttest.TokenOptions{})
	if _, err := s.RotateKeys(0); err != nil {
		t.Fatal(err)
	}
	newTok := mint(t, s, wachttest.TokenOptions{})
	clock.Advance(auth.DefaultJWKSMinRefreshInterval)
	if a := v.AuthFromToken(context.Background(), newTok); !a.Authenticated() {
		t.Fatalf("rotated key not picked up: %v", a.Err())
	}
	if a := v.AuthFromToken(context.Background(), oldTok); a.Authenticated() {
		t.Fatal("token of a removed key still verifies after the refresh")
	}
}

func TestEmulatorJWKSOutage(t *testing.T) {
	s := newEmulator(t)
	clock := &skewClock{}
	v, err := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	tok := func() string { return mint(t, s, wachttest.TokenOptions{Lifetime: time.Hour}) }
	if a := v.AuthFromToken(context.Background(), tok()); !a.Authenticated() {
		t.Fatal(a.Err())
	}
	remove := s.InjectFault(wachttest.Fault{Route: wachttest.RouteJWKS, Status: 503})
	defer remove()
	clock.Advance(6 * time.Minute) // past the default JWKS TTL: Wacht sends no Cache-Control
	for range 20 {
		if a := v.AuthFromToken(context.Background(), tok()); !a.Authenticated() {
			t.Fatalf("outage with cached keys: %v", a.Err())
		}
	}
	if st := v.Stats(); st.FetchFailures != 1 || st.StaleServed == 0 {
		t.Fatalf("stats %+v", st)
	}
	// A dropped connection is an outage too.
	remove()
	s.InjectFault(wachttest.Fault{Route: wachttest.RouteJWKS, Drop: true})
	clock.Advance(auth.DefaultJWKSMinRefreshInterval)
	if a := v.AuthFromToken(context.Background(), tok()); !a.Authenticated() {
		t.Fatalf("dropped connection with cached keys: %v", a.Err())
	}
}

func TestEmulatorSessionExchange(t *testing.T) {
	s := newEmulator(t)
	v, err := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey})
	if err != nil {
		t.Fatal(err)
	}
	sess := s.NewSession(wachttest.TokenOptions{UserID: "user_x", WorkspaceID: "ws_1", WorkspacePermissions: []string{"w"}})
	// Cookie exchange, as a handler would do it from the browser request.
	br := httptest.NewRequest("GET", "/", nil)
	br.RemoteAddr = "198.51.100.7:4000"
	br.AddCookie(&http.Cookie{Name: "__session", Value: sess.Cookie})
	req, ok := auth.SessionExchangeRequestFromHTTP(br, "")
	if !ok {
		t.Fatal("no credential found")
	}
	res, err := v.ExchangeSession(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	a := v.AuthFromToken(context.Background(), res.Token)
	if !a.Authenticated() || a.UserID != "user_x" || a.SessionID != sess.ID || a.WorkspaceID != "ws_1" {
		t.Fatalf("exchanged token: %+v %v", a, a.Err())
	}
	if res.ExpiresAt.Before(time.Now()) || res.ExpiresAt.After(time.Now().Add(2*time.Minute)) {
		t.Fatalf("expires %v", res.ExpiresAt)
	}
	if got := s.SessionForwardedFor(sess.ID); got != "198.51.100.7" {
		t.Fatalf("forwarded for %q", got)
	}
	if strings.Contains(fmt.Sprint(res), res.Token) {
		t.Fatal("result formatting shows the token")
	}
	// Development session: the same session JWT in ?__dev_session__=,
	// replaced (X-Development-Session) only once it has expired.
	dev, err := v.ExchangeSession(context.Background(), auth.SessionExchangeRequest{SessionToken: sess.DevSession, Development: true, ForwardedFor: "2001:db8::1, 10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if dev.DevelopmentSession != "" {
		t.Fatalf("valid dev session replaced: %q", dev.DevelopmentSession)
	}
	if got := s.SessionForwardedFor(sess.ID); got != "2001:db8::1" {
		t.Fatalf("forwarded for %q", got)
	}
	s.ExpireSession(sess.ID)
	dev, err = v.ExchangeSession(context.Background(), auth.SessionExchangeRequest{SessionToken: sess.DevSession, Development: true})
	if err != nil || dev.DevelopmentSession == "" || dev.DevelopmentSession == sess.DevSession {
		t.Fatalf("expired dev session not refreshed: %v", err)
	}
	dev2, err := v.ExchangeSession(context.Background(), auth.SessionExchangeRequest{SessionToken: dev.DevelopmentSession, Development: true})
	if err != nil || !v.AuthFromToken(context.Background(), dev2.Token).Authenticated() {
		t.Fatalf("refreshed dev session: %v", err)
	}
	// Signed-out and unknown sessions are signed out (400 "No active sign
	// in"); the credential never appears in the error.
	s.RevokeSession(sess.ID)
	_, err = v.ExchangeSession(context.Background(), auth.SessionExchangeRequest{SessionToken: sess.Cookie})
	var se *auth.SessionExchangeError
	if !errors.As(err, &se) || !se.SignedOut() || se.StatusCode != 400 || strings.Contains(err.Error(), sess.Cookie) {
		t.Fatalf("revoked: %v", err)
	}
	_, err = v.ExchangeSession(context.Background(), auth.SessionExchangeRequest{SessionToken: "bad;cookie"})
	if !errors.As(err, &se) || se.StatusCode != 0 || se.Kind != auth.SessionBadCredential {
		t.Fatalf("cookie injection: %v", err)
	}
	// Timeouts bound the call.
	s.InjectFault(wachttest.Fault{Route: wachttest.RouteSessionToken, Latency: 2 * time.Second})
	v2, _ := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey, SessionExchangeTimeout: 50 * time.Millisecond})
	_, err = v2.ExchangeSession(context.Background(), auth.SessionExchangeRequest{SessionToken: sess.DevSession, Development: true})
	if !errors.As(err, &se) || se.Kind != auth.SessionUnavailable || !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), sess.DevSession) {
		t.Fatalf("timeout: %v", err)
	}
}

func TestEmulatorGateway(t *testing.T) {
	s := newEmulator(t)
	g, err := auth.NewGateway(auth.GatewayConfig{URL: s.GatewayURL})
	if err != nil {
		t.Fatal(err)
	}
	key, err := s.CreateAPIKey(wachttest.APIKeyOptions{Permissions: []string{"reports:read"},
		RateLimits: []wachttest.RateLimit{{Unit: "minute", Duration: 1, MaxRequests: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	check := func(perms ...string) (*auth.Decision, error) {
		r := httptest.NewRequest("GET", "/reports/1", nil)
		r.Header.Set("X-Api-Key", key.Secret)
		req, ok := auth.CheckRequestFromHTTP(r, perms...)
		if !ok {
			t.Fatal("no principal")
		}
		return g.Check(context.Background(), req)
	}
	d, err := check("reports:read")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Allowed || d.Identity == nil || d.Identity.KeyID != key.ID || !d.HasPermission("reports:read") || d.PrincipalType != auth.PrincipalAPIKey {
		t.Fatalf("allowed: %+v", d)
	}
	h := http.Header{}
	d.ApplyHeaders(h)
	if h.Get("X-RateLimit-60s-Limit") != "3" || h.Get("X-Wacht-Key-Id") != "" || d.IdentityHeaders.KeyID != key.ID {
		t.Fatalf("rate limit headers %v, identity headers %+v", h, d.IdentityHeaders)
	}
	if d, err := check("reports:delete"); err != nil || d.Allowed || d.Reason != auth.DenyPermissionDenied {
		t.Fatalf("denied: %+v %v", d, err)
	}
	for range 3 {
		if d, err = check(); err != nil || !d.Allowed {
			break
		}
	}
	if err != nil || d.Allowed || d.Reason != auth.DenyRateLimited || d.RetryAfter != time.Minute {
		t.Fatalf("rate limited: %+v %v", d, err)
	}
	if err := s.RevokeAPIKey(key.ID, "test"); err != nil {
		t.Fatal(err)
	}
	d, err = check()
	if err != nil || d.Allowed || d.Reason != auth.DenyInvalidPrincipal {
		t.Fatalf("revoked: %+v %v", d, err)
	}
	s.InjectFault(wachttest.Fault{Route: wachttest.RouteAuthzCheck, Status: 503, Times: 1})
	_, err = check()
	var ge *auth.GatewayError
	if !errors.As(err, &ge) || ge.Kind != auth.GatewayUnavailable || !ge.Temporary() || strings.Contains(err.Error(), key.Secret) {
		t.Fatalf("503: %v", err)
	}
	s.InjectFault(wachttest.Fault{Route: wachttest.RouteAuthzCheck, Drop: true, Times: 1})
	if _, err = check(); !errors.As(err, &ge) || ge.Kind != auth.GatewayUnreachable {
		t.Fatalf("drop: %v", err)
	}
}

func TestEmulatorWebhookDelivery(t *testing.T) {
	s := newEmulator(t)
	wv, err := auth.NewWebhookVerifier(s.WebhookSecret())
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan *auth.WebhookEvent, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := wv.VerifyRequest(r)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		events <- ev
	}))
	defer recv.Close()
	del, err := s.DeliverWebhook(context.Background(), recv.URL, "user.created", map[string]any{"id": "user_9"})
	if err != nil {
		t.Fatal(err)
	}
	if del.StatusCode != 200 {
		t.Fatalf("delivery answered %d: %s", del.StatusCode, del.Body)
	}
	ev := <-events
	var data struct{ ID string }
	if ev.Type != "user.created" || ev.ID != del.ID || ev.DecodeData(&data) != nil || data.ID != "user_9" {
		t.Fatalf("event %+v", ev)
	}
	// Replaying the captured delivery with a tampered body fails.
	if _, err := wv.Verify(del.Header, append(del.Payload[:len(del.Payload)-1:len(del.Payload)-1], ' ', '}')); err == nil {
		t.Fatal("tampered delivery verified")
	}
	if _, err := wv.Verify(del.Header, del.Payload); err != nil {
		t.Fatalf("captured delivery: %v", err)
	}
}
