package handler_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// browserFixture is a fixture with browser sessions on and a
// state-changing route next to the read-only one.
func browserFixture(t *testing.T, extra map[string]string) (*fixture, string) {
	t.Helper()
	f := newFixture(t, handler.Options{})
	f.setEnv(handler.EnvSessionCookie, "__session")
	for k, v := range extra {
		f.setEnv(k, v)
	}
	// Protected routes that do not call the backend: these tests are about
	// who the caller is.
	protect := f.kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})
	mux := http.NewServeMux()
	mux.Handle("/", f.routes())
	mux.Handle("GET /admin/me", f.kit.Handler(protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _ := handler.AuthFromContext(r.Context())
		handler.WriteJSON(w, http.StatusOK, map[string]string{"user": a.UserID})
	}))))
	mux.Handle("POST /admin/notes", f.kit.Handler(protect(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) }))))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f, f.srv.URL
}

func (f *fixture) browserSession(perms ...string) wachttest.Session {
	return f.emu.NewSession(wachttest.TokenOptions{UserID: wachttest.SeedUserID, OrganizationID: wachttest.SeedOrganizationID, OrganizationPermissions: perms})
}

func TestBrowserSessionCookie(t *testing.T) {
	f, base := browserFixture(t, nil)
	sess := f.browserSession("user:read")
	cookie := map[string]string{"Cookie": "__session=" + sess.Cookie}

	for i := range 3 {
		a := do(t, "GET", base+"/admin/me", cookie, nil)
		if a.status != 200 || a.body["user"] != wachttest.SeedUserID {
			t.Fatalf("request %d with only the session cookie: %d %s", i, a.status, a.raw)
		}
		if a.header.Get("Set-Cookie") != "" {
			t.Fatalf("nothing to set, got %q", a.header.Values("Set-Cookie"))
		}
	}
	if n := f.emu.Stats().SessionExchanges; n != 1 {
		t.Fatalf("%d exchanges for three requests within one token's life, want 1", n)
	}
	// Concurrent first requests of another session share one exchange.
	other := f.browserSession("user:read")
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", base+"/admin/me", nil)
			req.Header.Set("Cookie", "__session="+other.Cookie)
			if res, err := http.DefaultClient.Do(req); err == nil {
				codes[i] = res.StatusCode
				res.Body.Close()
			}
		})
	}
	wg.Wait()
	for _, c := range codes {
		if c != 200 {
			t.Fatalf("concurrent: %v", codes)
		}
	}
	if n := f.emu.Stats().SessionExchanges; n != 2 {
		t.Fatalf("%d exchanges after a second session's concurrent requests, want 2", n)
	}

	// Without the permission: 403, as with a bearer token.
	weak := f.browserSession("org:read")
	if a := do(t, "GET", base+"/admin/me", map[string]string{"Cookie": "__session=" + weak.Cookie}, nil); a.status != 403 || a.body["error"] != "forbidden" {
		t.Fatalf("without permission: %d %s", a.status, a.raw)
	}
	// Signed out: 401, or the sign-in page for a browser navigation.
	f.emu.RevokeSession(weak.ID)
	f.setEnv(handler.EnvSignInURL, "https://accounts.example.com/sign-in")
	fresh := f.browserSession("user:read")
	f.emu.RevokeSession(fresh.ID)
	if a := do(t, "GET", base+"/admin/me", map[string]string{"Cookie": "__session=" + fresh.Cookie}, nil); a.status != 401 || a.body["error"] != "unauthenticated" {
		t.Fatalf("signed out: %d %s", a.status, a.raw)
	}
	code, loc := noRedirect(t, base+"/admin/me", map[string]string{"Cookie": "__session=" + fresh.Cookie, "Accept": "text/html"})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "https://accounts.example.com/sign-in") {
		t.Fatalf("signed-out navigation: %d %q", code, loc)
	}
	if logs := f.logText(); strings.Contains(logs, sess.Cookie) || strings.Contains(logs, other.Cookie) || strings.Contains(logs, fresh.Cookie) {
		t.Fatal("a session cookie reached the log")
	}
}

// noRedirect GETs target without following redirects and returns the
// status and Location.
func noRedirect(t *testing.T, target string, header map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

func TestBrowserSessionRefusedCrossSite(t *testing.T) {
	f, base := browserFixture(t, map[string]string{handler.EnvSessionTrustedOrigins: "https://admin.example.com"})
	sess := f.browserSession("user:read")
	host := strings.TrimPrefix(base, "http://")
	post := func(hdr map[string]string) answer {
		h := map[string]string{"Cookie": "__session=" + sess.Cookie}
		for k, v := range hdr {
			h[k] = v
		}
		return do(t, "POST", base+"/admin/notes", h, nil)
	}
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "same-site", "Origin": "https://other.example.com"},
		{"Origin": "https://evil.example"}, // a browser without Sec-Fetch-Site
	} {
		a := post(hdr)
		if a.status != 403 || a.body["error"] != "forbidden" || !strings.Contains(a.raw, "cross-origin") {
			t.Fatalf("%v: %d %s", hdr, a.status, a.raw)
		}
	}
	if n := f.emu.Stats().SessionExchanges; n != 0 {
		t.Fatalf("refused requests made %d exchanges", n)
	}
	if !strings.Contains(f.logText(), "session cookie refused on a cross-origin request") {
		t.Fatal("refusals not logged")
	}
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "same-origin", "Origin": "http://" + host},
		{"Origin": "http://" + host},
		{"Sec-Fetch-Site": "same-site", "Origin": "https://admin.example.com"}, // WACHT_SESSION_TRUSTED_ORIGINS
	} {
		if a := post(hdr); a.status != 201 {
			t.Fatalf("%v: %d %s", hdr, a.status, a.raw)
		}
	}
	// A cross-site POST with a bearer token is not a CSRF risk.
	a := do(t, "POST", base+"/admin/notes", map[string]string{"Sec-Fetch-Site": "cross-site", "Authorization": "Bearer " + f.token(t, "user:read")}, nil)
	if a.status != 201 {
		t.Fatalf("cross-site bearer: %d %s", a.status, a.raw)
	}
}

func TestBrowserSessionExchangeFaults(t *testing.T) {
	f, base := browserFixture(t, map[string]string{handler.EnvSignInURL: "https://accounts.example.com/sign-in"})
	faults := []struct {
		name  string
		fault wachttest.Fault
		retry string
	}{
		{"frontend down", wachttest.Fault{Drop: true}, ""},
		{"rate limited", wachttest.Fault{Status: 429, RetryAfter: 4 * time.Second}, "4"},
		{"500", wachttest.Fault{Status: 500}, ""},
		{"503", wachttest.Fault{Status: 503, RetryAfter: 30 * time.Second}, "30"},
	}
	for _, c := range faults {
		sess := f.browserSession("user:read")
		c.fault.Route = wachttest.RouteSessionToken
		f.emu.InjectFault(c.fault)
		a := do(t, "GET", base+"/admin/me", map[string]string{"Cookie": "__session=" + sess.Cookie}, nil)
		if a.status != 503 || a.body["error"] != "unavailable" || a.header.Get("Retry-After") != c.retry {
			t.Errorf("%s: %d %q %s", c.name, a.status, a.header.Get("Retry-After"), a.raw)
		}
		// A browser navigation is not sent to sign in: the user may well be
		// signed in.
		if code, _ := noRedirect(t, base+"/admin/me", map[string]string{"Cookie": "__session=" + sess.Cookie, "Accept": "text/html"}); code != 503 {
			t.Errorf("%s: navigation answered %d", c.name, code)
		}
		f.emu.ClearFaults()
		if a := do(t, "GET", base+"/admin/me", map[string]string{"Cookie": "__session=" + sess.Cookie}, nil); a.status != 200 {
			t.Errorf("%s: after recovery %d %s", c.name, a.status, a.raw)
		}
		if strings.Contains(a.raw, sess.Cookie) || strings.Contains(f.logText(), sess.Cookie) {
			t.Errorf("%s: the cookie leaked", c.name)
		}
	}
	logs := f.logText()
	for _, want := range []string{"session exchange failed", "session_exchange_failed", `"failure":"rate_limited"`, `"frontend_status":503`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

func TestBrowserSessionRelaysCookies(t *testing.T) {
	t.Run("production", func(t *testing.T) {
		emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true, Production: true})
		env := map[string]string{handler.EnvAPIKey: emu.APIKey, handler.EnvBackendAPIURL: emu.BackendURL,
			handler.EnvPublishableKey: emu.PublishableKey, handler.EnvSessionCookie: "__session"}
		kit := handler.New(handler.Options{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
		srv := httptest.NewServer(kit.Handler(kit.Protect(handler.Require{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))))
		defer srv.Close()
		sess := emu.NewSession(wachttest.TokenOptions{UserID: wachttest.SeedUserID})
		emu.ExpireSession(sess.ID)
		a := do(t, "GET", srv.URL, map[string]string{"Cookie": "__session=" + sess.Cookie}, nil)
		sc := a.header.Values("Set-Cookie")
		if a.status != 200 || len(sc) != 1 {
			t.Fatalf("refresh: %d %q", a.status, sc)
		}
		if c, err := http.ParseSetCookie(sc[0]); err != nil || c.Name != "__session" || c.Value != emu.CurrentSessionJWT(sess.ID) || !c.HttpOnly {
			t.Fatalf("relayed %q: %v", sc[0], err)
		}
		// A cookie the frontend API does not know: it starts a new
		// anonymous session, relayed with the 401.
		a = do(t, "GET", srv.URL, map[string]string{"Cookie": "__session=stale"}, nil)
		if a.status != 401 || len(a.header.Values("Set-Cookie")) != 1 {
			t.Fatalf("unknown cookie: %d %q", a.status, a.header.Values("Set-Cookie"))
		}
	})
	t.Run("development", func(t *testing.T) {
		f, base := browserFixture(t, nil)
		sess := f.browserSession("user:read")
		a := do(t, "GET", base+"/admin/me?__dev_session__="+url.QueryEscape(sess.DevSession), nil, nil)
		if a.status != 200 {
			t.Fatalf("dev handshake: %d %s", a.status, a.raw)
		}
		cookies := map[string]*http.Cookie{}
		for _, l := range a.header.Values("Set-Cookie") {
			c, err := http.ParseSetCookie(l)
			if err != nil {
				t.Fatal(err)
			}
			cookies[c.Name] = c
		}
		dc := cookies[auth.DevSessionCookie]
		if dc == nil || dc.Value != url.QueryEscape(sess.DevSession) || dc.Path != "/" || !dc.Secure || dc.HttpOnly || dc.SameSite != http.SameSiteLaxMode || cookies[auth.DevSessionUpdatedAtCookie] == nil {
			t.Fatalf("dev session cookies %v", a.header.Values("Set-Cookie"))
		}
		// The stored development session then authenticates on its own.
		if a := do(t, "GET", base+"/admin/me", map[string]string{"Cookie": auth.DevSessionCookie + "=" + dc.Value}, nil); a.status != 200 {
			t.Fatalf("dev cookie: %d %s", a.status, a.raw)
		}
	})
}
