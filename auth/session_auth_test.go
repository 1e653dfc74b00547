package auth_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// cookieVerifier is a verifier with cookie sessions on, against s.
func cookieVerifier(t *testing.T, s *wachttest.Server, mod func(c *auth.VerifierConfig)) *auth.Verifier {
	t.Helper()
	cfg := auth.VerifierConfig{PublishableKey: s.PublishableKey, SessionCookieName: auth.DefaultSessionCookie}
	if mod != nil {
		mod(&cfg)
	}
	v, err := auth.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func cookieRequest(method, target, cookie string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = "198.51.100.23:5000"
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: "__session", Value: cookie})
	}
	return r
}

func TestCookieSessionExchangedOncePerToken(t *testing.T) {
	const life = time.Minute
	s := wachttest.New(t, wachttest.Options{Validate: contract.Validate, SessionTokenLifetime: life})
	clock := &skewClock{}
	v := cookieVerifier(t, s, func(c *auth.VerifierConfig) { c.Now = clock.Now })
	sess := s.NewSession(wachttest.TokenOptions{UserID: "user_c", OrganizationID: "org_c", OrganizationPermissions: []string{"docs:read"}})

	a, upd := v.AuthenticateWithUpdate(cookieRequest("GET", "/", sess.Cookie))
	if !a.Authenticated() || a.UserID != "user_c" || a.SessionID != sess.ID || !a.Has(auth.ProtectOptions{AnyPermission: []string{"docs:read"}}) {
		t.Fatalf("cookie request: %+v %v", a, a.Err())
	}
	if !upd.IsZero() {
		t.Fatalf("nothing to send back, got %v", upd)
	}
	if got := s.SessionForwardedFor(sess.ID); got != "198.51.100.23" {
		t.Fatalf("X-Wacht-Forwarded-For %q", got)
	}
	// Within the token's life: answered from the cache.
	for i := 0; i < 3; i++ {
		if a := v.Authenticate(cookieRequest("GET", "/", sess.Cookie)); !a.Authenticated() || a.UserID != "user_c" {
			t.Fatalf("cached: %v", a.Err())
		}
	}
	if n := s.Stats().SessionExchanges; n != 1 {
		t.Fatalf("%d exchanges within one token's life, want 1", n)
	}
	if st := v.SessionStats(); st.Exchanges != 1 || st.CacheHits != 3 || st.Cached != 1 {
		t.Fatalf("stats %+v", st)
	}
	// Past the frontend API's "expires" (the token's exp is five seconds
	// later): exchanged again.
	clock.Advance(life + 2*time.Second)
	if a := v.Authenticate(cookieRequest("GET", "/", sess.Cookie)); !a.Authenticated() {
		t.Fatalf("after expiry: %v", a.Err())
	}
	if n := s.Stats().SessionExchanges; n != 2 {
		t.Fatalf("%d exchanges after the token expired, want 2", n)
	}
	// Signing out ends it once the cached token has expired; the failure is
	// not cached, so signing in again is seen at once.
	s.RevokeSession(sess.ID)
	clock.Advance(life + 2*time.Second)
	a = v.Authenticate(cookieRequest("GET", "/", sess.Cookie))
	if a.Authenticated() || auth.TokenErrorReason(a.Err()) != auth.TokenReasonSessionSignedOut {
		t.Fatalf("signed out: %v", a.Err())
	}
	var se *auth.SessionExchangeError
	if !errors.As(a.Err(), &se) || !se.SignedOut() || se.StatusCode != 400 {
		t.Fatalf("signed out cause: %v", a.Err())
	}
	a = v.Authenticate(cookieRequest("GET", "/", sess.Cookie))
	if s.Stats().SessionExchanges != 4 || auth.TokenErrorReason(a.Err()) != auth.TokenReasonSessionSignedOut {
		t.Fatalf("a failed exchange was cached: %d exchanges", s.Stats().SessionExchanges)
	}
	// A bearer token wins over the cookie and costs no exchange.
	r := cookieRequest("GET", "/", sess.Cookie)
	r.Header.Set("Authorization", "Bearer "+mint(t, s, wachttest.TokenOptions{UserID: "user_b", Lifetime: time.Hour}))
	if a := v.Authenticate(r); a.UserID != "user_b" || s.Stats().SessionExchanges != 4 {
		t.Fatalf("bearer with cookie: %q after %d exchanges", a.UserID, s.Stats().SessionExchanges)
	}
}

func TestCookieRefusedOnCrossSiteUnsafeRequests(t *testing.T) {
	s := wachttest.New(t, wachttest.Options{Validate: contract.Validate})
	v := cookieVerifier(t, s, func(c *auth.VerifierConfig) {
		c.SessionTrustedOrigins = []string{"https://admin.example.com"}
	})
	sess := s.NewSession(wachttest.TokenOptions{UserID: "user_x"})
	req := func(method string, hdr map[string]string) *http.Request {
		r := cookieRequest(method, "https://app.example.com/transfer", sess.Cookie)
		for k, val := range hdr {
			r.Header.Set(k, val)
		}
		return r
	}
	refused := []struct {
		name   string
		method string
		hdr    map[string]string
	}{
		{"POST cross-site", "POST", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"DELETE same-site", "DELETE", map[string]string{"Sec-Fetch-Site": "same-site"}},
		{"POST foreign Origin, old browser", "POST", map[string]string{"Origin": "https://evil.example"}},
		{"PUT Origin on another port", "PUT", map[string]string{"Origin": "https://app.example.com:8443"}},
		{"PATCH cross-site with a same-looking Origin", "PATCH", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://app.example.com"}},
	}
	for _, c := range refused {
		a := v.Authenticate(req(c.method, c.hdr))
		if a.Authenticated() || auth.TokenErrorReason(a.Err()) != auth.TokenReasonCrossSite {
			t.Errorf("%s: authenticated=%v %v", c.name, a.Authenticated(), a.Err())
		}
	}
	if got := s.Stats().SessionExchanges; got != 0 {
		t.Fatalf("refused requests reached the frontend API %d times", got)
	}
	if st := v.SessionStats(); st.CrossSiteRefused != int64(len(refused)) {
		t.Fatalf("stats %+v", st)
	}
	accepted := []struct {
		name   string
		method string
		hdr    map[string]string
	}{
		{"POST same-origin", "POST", map[string]string{"Sec-Fetch-Site": "same-origin"}},
		{"POST user-initiated", "POST", map[string]string{"Sec-Fetch-Site": "none"}},
		{"POST matching Origin, old browser", "POST", map[string]string{"Origin": "https://app.example.com"}},
		{"POST trusted origin", "POST", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://admin.example.com"}},
		{"POST not from a browser", "POST", nil},
		{"GET cross-site (safe method)", "GET", map[string]string{"Sec-Fetch-Site": "cross-site"}},
	}
	for _, c := range accepted {
		if a := v.Authenticate(req(c.method, c.hdr)); !a.Authenticated() {
			t.Errorf("%s: %v", c.name, a.Err())
		}
	}
	// A bearer token is no ambient credential: cross-site requests carrying
	// one are fine.
	r := req("POST", map[string]string{"Sec-Fetch-Site": "cross-site"})
	r.Header.Set("Authorization", "Bearer "+mint(t, s, wachttest.TokenOptions{UserID: "user_b"}))
	if a := v.Authenticate(r); a.UserID != "user_b" {
		t.Fatalf("cross-site bearer: %v", a.Err())
	}
	if _, err := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey, SessionCookieName: "__session", SessionTrustedOrigins: []string{"admin.example.com/path"}}); err == nil {
		t.Fatal("a trusted origin that is not an origin was accepted")
	}
}

func TestCookieSessionPlatformFaults(t *testing.T) {
	s := wachttest.New(t, wachttest.Options{Validate: contract.Validate})
	sess := s.NewSession(wachttest.TokenOptions{UserID: "user_f"})
	faults := []struct {
		name   string
		fault  wachttest.Fault
		kind   auth.SessionExchangeFailure
		status int
		retry  time.Duration
	}{
		{"frontend down", wachttest.Fault{Drop: true}, auth.SessionUnavailable, 0, 0},
		{"rate limited", wachttest.Fault{Status: 429, RetryAfter: 9 * time.Second}, auth.SessionRateLimited, 429, 9 * time.Second},
		{"500", wachttest.Fault{Status: 500}, auth.SessionUnavailable, 500, 0},
		{"503", wachttest.Fault{Status: 503, RetryAfter: 2 * time.Second}, auth.SessionUnavailable, 503, 2 * time.Second},
		// A frontend API that does not answer in time:
		// TestSessionExchangeTimeout.
	}
	for _, f := range faults {
		// A fresh verifier has nothing cached. The fault lasts until it is
		// cleared: the transport may retry a GET on a dropped connection.
		v := cookieVerifier(t, s, nil)
		f.fault.Route = wachttest.RouteSessionToken
		s.InjectFault(f.fault)
		a, upd := v.AuthenticateWithUpdate(cookieRequest("GET", "/", sess.Cookie))
		if a.Authenticated() || auth.TokenErrorReason(a.Err()) != auth.TokenReasonSessionUnavailable {
			t.Errorf("%s: %v", f.name, a.Err())
			continue
		}
		var se *auth.SessionExchangeError
		if !errors.As(a.Err(), &se) || se.Kind != f.kind || se.StatusCode != f.status || se.RetryAfter != f.retry {
			t.Errorf("%s: cause %#v", f.name, a.Err())
		}
		for _, text := range []string{a.Err().Error(), fmt.Sprintf("%v %+v %#v", a, upd, upd)} {
			if strings.Contains(text, sess.Cookie) {
				t.Errorf("%s: the cookie leaks: %s", f.name, text)
			}
		}
		// Faults are not cached: once the frontend API is back, the next
		// request exchanges and succeeds.
		s.ClearFaults()
		if a := v.Authenticate(cookieRequest("GET", "/", sess.Cookie)); !a.Authenticated() {
			t.Errorf("%s: no recovery: %v", f.name, a.Err())
		}
	}

	// Malformed answers, from a frontend API that is not Wacht's.
	answers := []struct {
		name, body string
	}{
		{"no token", `{"status":200,"data":{}}`},
		{"not JSON", `<html>maintenance</html>`},
		{"token not a JWT", `{"data":{"token":"xyz","expires":1}}`},
		{"token that does not verify", `{"data":{"token":"eyJhbGciOiJFUzI1NiJ9.e30.c2ln","expires":1}}`},
	}
	for _, ans := range answers {
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.RawQuery, sess.Cookie) {
				http.Error(w, "credential in the URL", 500)
				return
			}
			fmt.Fprint(w, ans.body)
		}))
		fv, err := auth.NewVerifier(auth.VerifierConfig{FrontendAPIURL: fake.URL, SessionCookieName: "__session"})
		if err != nil {
			t.Fatal(err)
		}
		a := fv.Authenticate(cookieRequest("GET", "/", sess.Cookie))
		fake.Close()
		reason := auth.TokenErrorReason(a.Err())
		if a.Authenticated() || reason == "" || reason == auth.TokenReasonMissing || reason == auth.TokenReasonSessionSignedOut {
			t.Errorf("%s: %v", ans.name, a.Err())
		}
		if strings.Contains(a.Err().Error(), sess.Cookie) {
			t.Errorf("%s: the cookie leaks: %v", ans.name, a.Err())
		}
		if st := fv.SessionStats(); st.Cached != 0 {
			t.Errorf("%s: a failure was cached", ans.name)
		}
	}
}

func TestCookieSessionUpdates(t *testing.T) {
	t.Run("production Set-Cookie relayed", func(t *testing.T) {
		s := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Production: true})
		v := cookieVerifier(t, s, nil)
		sess := s.NewSession(wachttest.TokenOptions{UserID: "user_p"})
		s.ExpireSession(sess.ID)
		a, upd := v.AuthenticateWithUpdate(cookieRequest("GET", "/", sess.Cookie))
		if !a.Authenticated() || len(upd.SetCookie) != 1 || upd.DevelopmentSession != "" {
			t.Fatalf("refresh: %v %v", a.Err(), upd)
		}
		c, err := http.ParseSetCookie(upd.SetCookie[0])
		if err != nil || c.Name != "__session" || c.Value != s.CurrentSessionJWT(sess.ID) {
			t.Fatalf("relayed %+v %v", c, err)
		}
		if strings.Contains(upd.String(), c.Value) {
			t.Fatal("SessionUpdate prints the session")
		}
		// A failed exchange's Set-Cookie (a new anonymous session) is
		// relayed too, as the JS SDK's middleware does.
		a, upd = v.AuthenticateWithUpdate(cookieRequest("GET", "/", "not-a-session"))
		if a.Authenticated() || auth.TokenErrorReason(a.Err()) != auth.TokenReasonSessionSignedOut || len(upd.SetCookie) != 1 {
			t.Fatalf("invalid cookie: %v %v", a.Err(), upd)
		}
		// Production instances (pk_live_) have no development sessions.
		r := httptest.NewRequest("GET", "/?__dev_session__="+url.QueryEscape(sess.Cookie), nil)
		r.AddCookie(&http.Cookie{Name: auth.DevSessionCookie, Value: sess.Cookie})
		if a := v.Authenticate(r); a.Authenticated() || auth.TokenErrorReason(a.Err()) != auth.TokenReasonMissing {
			t.Fatalf("dev session on a production instance: %v", a.Err())
		}
		// Only __session is relayed, and only when that is the cookie read.
		v2 := cookieVerifier(t, s, func(c *auth.VerifierConfig) { c.SessionCookieName = "app_session" })
		s.ExpireSession(sess.ID)
		r = httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: "app_session", Value: s.CurrentSessionJWT(sess.ID)})
		if a, upd := v2.AuthenticateWithUpdate(r); !a.Authenticated() || !upd.IsZero() {
			t.Fatalf("custom cookie name: %v %v", a.Err(), upd)
		}
	})
	t.Run("development sessions", func(t *testing.T) {
		s := wachttest.New(t, wachttest.Options{Validate: contract.Validate})
		v := cookieVerifier(t, s, nil)
		sess := s.NewSession(wachttest.TokenOptions{UserID: "user_d"})
		// The sign-in handshake: ?__dev_session__= on a GET; the app keeps
		// it in the cookie the browser SDK reads.
		a, upd := v.AuthenticateWithUpdate(httptest.NewRequest("GET", "/?__dev_session__="+url.QueryEscape(sess.DevSession), nil))
		if !a.Authenticated() || upd.DevelopmentSession != sess.DevSession {
			t.Fatalf("handshake: %v %v", a.Err(), upd)
		}
		// Never from a state-changing request's URL.
		if a := v.Authenticate(httptest.NewRequest("POST", "/?__dev_session__="+url.QueryEscape(sess.DevSession), nil)); a.Authenticated() {
			t.Fatal("POST authenticated by a URL credential")
		}
		// The __dev_session__ cookie, URL-encoded by the browser SDK. (A
		// fresh verifier: the other has the token cached.)
		v = cookieVerifier(t, s, nil)
		s.ExpireSession(sess.ID)
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: auth.DevSessionCookie, Value: url.QueryEscape(sess.DevSession)})
		a, upd = v.AuthenticateWithUpdate(r)
		if !a.Authenticated() || upd.DevelopmentSession == "" || upd.DevelopmentSession != s.CurrentSessionJWT(sess.ID) || len(upd.SetCookie) != 0 {
			t.Fatalf("refreshed development session: %v %v", a.Err(), upd)
		}
		// The dev cookie is an ambient credential like __session.
		r = httptest.NewRequest("POST", "/", nil)
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		r.AddCookie(&http.Cookie{Name: auth.DevSessionCookie, Value: upd.DevelopmentSession})
		if a := v.Authenticate(r); auth.TokenErrorReason(a.Err()) != auth.TokenReasonCrossSite {
			t.Fatalf("cross-site dev cookie: %v", a.Err())
		}
	})
}

func TestCookieSessionsOffByDefault(t *testing.T) {
	s := wachttest.New(t, wachttest.Options{Validate: contract.Validate})
	v, err := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey})
	if err != nil {
		t.Fatal(err)
	}
	sess := s.NewSession(wachttest.TokenOptions{})
	a := v.Authenticate(cookieRequest("GET", "/", sess.Cookie))
	var te *auth.TokenError
	if a.Authenticated() || !errors.As(a.Err(), &te) || te.Reason != auth.TokenReasonMissing || !strings.Contains(te.Detail, "SessionCookieName") {
		t.Fatalf("cookie without cookie sessions: %v", a.Err())
	}
	if s.Stats().SessionExchanges != 0 {
		t.Fatal("exchanged without cookie sessions on")
	}
	if _, err := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey, SessionCookieName: "bad name;"}); err == nil {
		t.Fatal("invalid cookie name accepted")
	}
}

func TestCookieSessionCacheIsBounded(t *testing.T) {
	s := wachttest.New(t, wachttest.Options{Validate: contract.Validate})
	v := cookieVerifier(t, s, func(c *auth.VerifierConfig) { c.SessionCacheSize = 2 })
	var sessions []wachttest.Session
	for i := range 3 {
		sessions = append(sessions, s.NewSession(wachttest.TokenOptions{UserID: fmt.Sprint("user_", i)}))
	}
	for _, sess := range sessions {
		if a := v.Authenticate(cookieRequest("GET", "/", sess.Cookie)); !a.Authenticated() {
			t.Fatal(a.Err())
		}
	}
	if st := v.SessionStats(); st.Cached != 2 {
		t.Fatalf("cached %d tokens with a bound of 2", st.Cached)
	}
	// The least recently used one was dropped and is exchanged again.
	v.Authenticate(cookieRequest("GET", "/", sessions[0].Cookie))
	if st := v.SessionStats(); st.Exchanges != 4 {
		t.Fatalf("stats %+v", st)
	}
	v.Authenticate(cookieRequest("GET", "/", sessions[2].Cookie))
	if st := v.SessionStats(); st.Exchanges != 4 || st.CacheHits != 1 {
		t.Fatalf("stats %+v", st)
	}
}
