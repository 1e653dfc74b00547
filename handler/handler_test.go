package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// fixture is one emulator plus a kit reading its settings from a map, the
// way a platform hands in its environment.
type fixture struct {
	emu  *wachttest.Server
	env  map[string]string
	mu   sync.Mutex
	kit  *handler.Kit
	logs *bytes.Buffer
	srv  *httptest.Server
}

func newFixture(t *testing.T, opts handler.Options) *fixture {
	t.Helper()
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	f := &fixture{emu: emu, logs: &bytes.Buffer{}}
	f.env = map[string]string{
		handler.EnvAPIKey:         emu.APIKey,
		handler.EnvBackendAPIURL:  emu.BackendURL,
		handler.EnvPublishableKey: emu.PublishableKey,
		handler.EnvGatewayURL:     emu.GatewayURL,
		handler.EnvWebhookSecret:  emu.WebhookSecret(),
	}
	opts.Env = f.lookup
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(lockedWriter{f}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	f.kit = handler.New(opts)
	return f
}

type lockedWriter struct{ f *fixture }

func (l lockedWriter) Write(p []byte) (int, error) {
	l.f.mu.Lock()
	defer l.f.mu.Unlock()
	return l.f.logs.Write(p)
}

func (f *fixture) lookup(name string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.env[name]
	return v, ok
}

func (f *fixture) setEnv(name, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.env[name] = value
}

func (f *fixture) logText() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logs.String()
}

// routes is the sample function set: an admin route behind session auth and
// a permission, a machine route behind the gateway, a webhook receiver and a
// route that panics.
func (f *fixture) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /admin/users", f.kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})(http.HandlerFunc(listUsers)))
	mux.Handle("GET /machine/users", f.kit.RequireMachine("user:read")(http.HandlerFunc(listUsers)))
	mux.Handle("POST /webhooks/wacht", f.kit.VerifyWebhook(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, ok := handler.WebhookEventFromContext(r.Context())
		body, _ := io.ReadAll(r.Body)
		if !ok || !bytes.Equal(body, ev.Payload) {
			http.Error(w, "event missing or body not restored", http.StatusInternalServerError)
			return
		}
		w.Header().Set("X-Event-Type", ev.Type)
		w.WriteHeader(http.StatusNoContent)
	})))
	mux.Handle("GET /whoami", f.kit.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _ := handler.AuthFromContext(r.Context())
		_, hasClient := handler.ClientFromContext(r.Context())
		handler.WriteJSON(w, http.StatusOK, map[string]any{"authenticated": a.Authenticated(), "user": a.UserID, "has_client": hasClient})
	})))
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom " + f.emu.APIKey) })
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			handler.WriteError(w, r, err)
			return
		}
		_, _ = w.Write(b)
	})
	return f.kit.Handler(mux)
}

func listUsers(w http.ResponseWriter, r *http.Request) {
	c, _ := handler.ClientFromContext(r.Context())
	page, err := c.Users.List(r.Context(), wacht.ListUsersParams{Limit: 20})
	if err != nil {
		handler.WriteError(w, r, err)
		return
	}
	ids := make([]string, 0, len(page.Data))
	for _, u := range page.Data {
		ids = append(ids, u.ID)
	}
	handler.WriteJSON(w, http.StatusOK, map[string]any{"users": ids})
}

func (f *fixture) serve(t *testing.T) string {
	t.Helper()
	f.srv = httptest.NewServer(f.routes())
	t.Cleanup(f.srv.Close)
	return f.srv.URL
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func do(t *testing.T, method, url string, header map[string]string, body io.Reader) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

func (f *fixture) token(t *testing.T, perms ...string) string {
	t.Helper()
	tok, err := f.emu.MintToken(wachttest.TokenOptions{UserID: wachttest.SeedUserID, OrganizationID: wachttest.SeedOrganizationID, OrganizationPermissions: perms})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestProtectedRoute(t *testing.T) {
	f := newFixture(t, handler.Options{})
	base := f.serve(t)

	a := do(t, "GET", base+"/admin/users", nil, nil)
	if a.status != 401 || a.body["error"] != "unauthenticated" || a.body["request_id"] == "" || a.header.Get("X-Request-Id") != a.body["request_id"] {
		t.Fatalf("no token: %d %s", a.status, a.raw)
	}
	a = do(t, "GET", base+"/admin/users", map[string]string{"Authorization": "Bearer not.a.jwt"}, nil)
	if a.status != 401 || a.body["error"] != "unauthenticated" {
		t.Fatalf("garbage token: %d %s", a.status, a.raw)
	}
	a = do(t, "GET", base+"/admin/users", map[string]string{"Authorization": "Bearer " + f.token(t, "org:read")}, nil)
	if a.status != 403 || a.body["error"] != "forbidden" {
		t.Fatalf("without permission: %d %s", a.status, a.raw)
	}
	a = do(t, "GET", base+"/admin/users", map[string]string{"Authorization": "Bearer " + f.token(t, "user:read")}, nil)
	if a.status != 200 {
		t.Fatalf("with permission: %d %s", a.status, a.raw)
	}
	users, _ := a.body["users"].([]any)
	if len(users) == 0 || users[0] != wachttest.SeedUserID && !strings.Contains(a.raw, wachttest.SeedUserID) {
		t.Fatalf("seeded users missing: %s", a.raw)
	}
	// Cookies do not authenticate unless browser sessions are turned on
	// (session_test.go), and a session token is never a cookie's value.
	a = do(t, "GET", base+"/admin/users", map[string]string{"Cookie": "__session=" + f.token(t, "user:read")}, nil)
	if a.status != 401 || f.emu.Stats().SessionExchanges != 0 {
		t.Fatalf("cookie with browser sessions off: %d %s", a.status, a.raw)
	}
}

// A route asking for AllPermissions turns away a user holding one of them
// and admits one holding every one; the 403 names what is missing.
func TestProtectAllPermissionsRequiresEveryOne(t *testing.T) {
	f := newFixture(t, handler.Options{})
	mux := http.NewServeMux()
	mux.Handle("GET /admin/users", f.kit.Protect(handler.Require{AllPermissions: []string{"user:read", "user:write"}})(http.HandlerFunc(listUsers)))
	srv := httptest.NewServer(f.kit.Handler(mux))
	t.Cleanup(srv.Close)

	a := do(t, "GET", srv.URL+"/admin/users", map[string]string{"Authorization": "Bearer " + f.token(t, "user:read")}, nil)
	if a.status != 403 || a.body["error"] != "forbidden" {
		t.Fatalf("holding one of two: %d %s", a.status, a.raw)
	}
	if msg, _ := a.body["message"].(string); !strings.Contains(msg, "requires all of the permissions") || !strings.Contains(msg, `missing "user:write"`) {
		t.Errorf("forbidden message does not say which rule failed: %q", msg)
	}
	a = do(t, "GET", srv.URL+"/admin/users", map[string]string{"Authorization": "Bearer " + f.token(t, "user:read", "user:write")}, nil)
	if a.status != 200 {
		t.Fatalf("holding both: %d %s", a.status, a.raw)
	}
}

func TestAuthenticateOnlyAttachesNoClient(t *testing.T) {
	f := newFixture(t, handler.Options{})
	base := f.serve(t)
	a := do(t, "GET", base+"/whoami", map[string]string{"Authorization": "Bearer " + f.token(t)}, nil)
	if a.status != 200 || a.body["authenticated"] != true || a.body["user"] != wachttest.SeedUserID || a.body["has_client"] != false {
		t.Fatalf("whoami: %d %s", a.status, a.raw)
	}
	a = do(t, "GET", base+"/whoami", nil, nil)
	if a.status != 200 || a.body["authenticated"] != false {
		t.Fatalf("anonymous whoami: %d %s", a.status, a.raw)
	}
}

func TestSignInRedirectForBrowsers(t *testing.T) {
	f := newFixture(t, handler.Options{})
	f.setEnv(handler.EnvSignInURL, "https://accounts.example.com/sign-in")
	base := f.serve(t)
	// The test server's origin is not the sign-in page's: it has to be
	// trusted for the redirect to name it.
	f.setEnv(handler.EnvSessionTrustedOrigins, base)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", base+"/admin/users?page=2", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || loc != "https://accounts.example.com/sign-in?redirect_url="+url.QueryEscape(base+"/admin/users?page=2") {
		t.Fatalf("browser redirect: %d %q", res.StatusCode, loc)
	}
	// An API client still gets JSON.
	a := do(t, "GET", base+"/admin/users", map[string]string{"Accept": "application/json"}, nil)
	if a.status != 401 {
		t.Fatalf("api client: %d", a.status)
	}
}

// The promise: the sign-in redirect never sends a user to a host the
// request chose. redirect_url is absolute only for the sign-in page's own
// origin or a trusted one, relative for a relative sign-in URL, and the
// 303 is never cached.
func TestSignInRedirectIsValidatedAndNotCached(t *testing.T) {
	f := newFixture(t, handler.Options{})
	f.setEnv(handler.EnvSessionTrustedOrigins, "https://App.Example.com")
	h := f.routes()
	navigate := func(host string) (*httptest.ResponseRecorder, url.Values) {
		t.Helper()
		req := httptest.NewRequest("GET", "/admin/users?page=2", nil)
		req.Host = host
		req.Header.Set("Accept", "text/html")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("host %s: %d %s", host, rec.Code, rec.Body)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("host %s: Cache-Control %q, want no-store", host, cc)
		}
		loc, err := url.Parse(rec.Header().Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		return rec, loc.Query()
	}

	f.setEnv(handler.EnvSignInURL, "https://accounts.example.com/sign-in")
	for _, host := range []string{"evil.example", "evil.example:443", "accounts.example.com.evil.example", "app.example.com@evil.example"} {
		rec, q := navigate(host)
		if _, ok := q["redirect_url"]; ok || !strings.HasPrefix(rec.Header().Get("Location"), "https://accounts.example.com/sign-in") {
			t.Errorf("host %s: Location %q names the request's host", host, rec.Header().Get("Location"))
		}
	}
	if !strings.Contains(f.logText(), "sign-in redirect without redirect_url") {
		t.Error("dropping redirect_url is not logged")
	}
	for host, want := range map[string]string{
		"app.example.com":      "https://app.example.com/admin/users?page=2",      // trusted, compared case-insensitively
		"APP.example.com:443":  "https://app.example.com/admin/users?page=2",      // default port
		"accounts.example.com": "https://accounts.example.com/admin/users?page=2", // the sign-in page's own origin
	} {
		if _, q := navigate(host); q.Get("redirect_url") != want {
			t.Errorf("host %s: redirect_url %q, want %q", host, q.Get("redirect_url"), want)
		}
	}

	f.setEnv(handler.EnvSignInURL, "/sign-in")
	rec, q := navigate("evil.example")
	if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, "/sign-in?") || q.Get("redirect_url") != "/admin/users?page=2" {
		t.Errorf("relative sign-in URL: Location %q", loc)
	}
}

func TestMachineRoute(t *testing.T) {
	f := newFixture(t, handler.Options{})
	base := f.serve(t)
	for _, tc := range []struct {
		name   string
		header map[string]string
		status int
		code   string
	}{
		{"valid key", map[string]string{"x-api-key": wachttest.SeedAPIKeySecret}, 200, ""},
		{"no key", nil, 401, "unauthenticated"},
		{"wrong key", map[string]string{"x-api-key": "sk_seed_nope"}, 401, "unauthenticated"},
		{"revoked key", map[string]string{"x-api-key": wachttest.SeedRevokedAPIKeySecret}, 401, "unauthenticated"},
	} {
		a := do(t, "GET", base+"/machine/users", tc.header, nil)
		if a.status != tc.status || (tc.code != "" && a.body["error"] != tc.code) {
			t.Errorf("%s: %d %s", tc.name, a.status, a.raw)
		}
	}

	// A key without the permission is forbidden, with the gateway's request id.
	key, err := f.emu.CreateAPIKey(wachttest.APIKeyOptions{Permissions: []string{"org:read"}})
	if err != nil {
		t.Fatal(err)
	}
	a := do(t, "GET", base+"/machine/users", map[string]string{"x-api-key": key.Secret}, nil)
	if a.status != 403 || a.body["error"] != "forbidden" || a.body["request_id"] == "" {
		t.Fatalf("missing permission: %d %s", a.status, a.raw)
	}

	// The limited key allows three requests a minute, then 429 + Retry-After,
	// with the gateway's rate-limit headers copied.
	var last answer
	for i := 0; i < 4; i++ {
		last = do(t, "GET", base+"/machine/users", map[string]string{"x-api-key": wachttest.SeedLimitedAPIKeySecret}, nil)
		if i < 3 && last.status != 200 {
			t.Fatalf("limited key request %d: %d %s", i, last.status, last.raw)
		}
	}
	if last.status != 429 || last.body["error"] != "rate_limited" || last.header.Get("Retry-After") == "" {
		t.Fatalf("rate limited: %d %v %s", last.status, last.header, last.raw)
	}
	copied := false
	for k := range last.header {
		if strings.HasPrefix(strings.ToLower(k), "x-ratelimit") || strings.HasPrefix(strings.ToLower(k), "ratelimit") {
			copied = true
		}
	}
	if !copied {
		t.Fatalf("gateway headers not copied: %v", last.header)
	}
}

func TestMachineRouteFailsClosedWhenGatewayIsDown(t *testing.T) {
	f := newFixture(t, handler.Options{})
	f.setEnv(handler.EnvGatewayURL, "http://127.0.0.1:1")
	base := f.serve(t)
	a := do(t, "GET", base+"/machine/users", map[string]string{"x-api-key": wachttest.SeedAPIKeySecret}, nil)
	if a.status != 503 || a.body["error"] != "unavailable" {
		t.Fatalf("gateway down: %d %s", a.status, a.raw)
	}
}

func TestWebhookReceiver(t *testing.T) {
	f := newFixture(t, handler.Options{})
	base := f.serve(t)
	d, err := f.emu.DeliverWebhook(context.Background(), base+"/webhooks/wacht", "user.created", map[string]any{"id": "1001"})
	if err != nil {
		t.Fatal(err)
	}
	if d.StatusCode != http.StatusNoContent {
		t.Fatalf("good delivery: %+v", d)
	}

	body := `{"type":"user.created","data":{"id":"1001"}}`
	ts := time.Now()
	sig, err := wachttest.SignWebhook(f.emu.WebhookSecret(), "msg_1", ts, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	headers := map[string]string{"webhook-id": "msg_1", "webhook-timestamp": fmt.Sprint(ts.Unix()), "webhook-signature": sig, "Content-Type": "application/json"}
	a := do(t, "POST", base+"/webhooks/wacht", headers, strings.NewReader(body))
	if a.status != 204 || a.header.Get("X-Event-Type") != "user.created" {
		t.Fatalf("signed delivery: %d %s", a.status, a.raw)
	}
	a = do(t, "POST", base+"/webhooks/wacht", headers, strings.NewReader(strings.Replace(body, "1001", "1002", 1)))
	if a.status != 401 || a.body["error"] != "invalid_webhook" {
		t.Fatalf("tampered delivery: %d %s", a.status, a.raw)
	}
	delete(headers, "webhook-signature")
	a = do(t, "POST", base+"/webhooks/wacht", headers, strings.NewReader(body))
	if a.status != 400 {
		t.Fatalf("unsigned delivery: %d %s", a.status, a.raw)
	}
}

func TestWarmReuse(t *testing.T) {
	f := newFixture(t, handler.Options{})
	base := f.serve(t)
	tok := f.token(t, "user:read")
	f.emu.ResetStats()
	for i := 0; i < 1000; i++ {
		a := do(t, "GET", base+"/admin/users", map[string]string{"Authorization": "Bearer " + tok}, nil)
		if a.status != 200 {
			t.Fatalf("invocation %d: %d %s", i, a.status, a.raw)
		}
	}
	st := f.kit.Stats()
	if st.ClientBuilds != 1 || st.VerifierBuilds != 1 || st.Instances != 1 {
		t.Fatalf("1000 invocations built %+v, want one client, one verifier, one instance", st)
	}
	es := f.emu.Stats()
	if es.JWKSFetches != 1 || es.BackendConnections != 1 {
		t.Fatalf("1000 invocations: %d JWKS fetches, %d backend connections; want 1 and 1", es.JWKSFetches, es.BackendConnections)
	}

	// A changed API key (a rotated secret) builds a second client.
	second := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true, APIKey: "sk_test_rotated_key_000000000000000000"})
	f.setEnv(handler.EnvAPIKey, second.APIKey)
	f.setEnv(handler.EnvBackendAPIURL, second.BackendURL)
	a := do(t, "GET", base+"/admin/users", map[string]string{"Authorization": "Bearer " + tok}, nil)
	if a.status != 200 {
		t.Fatalf("after key change: %d %s", a.status, a.raw)
	}
	if st := f.kit.Stats(); st.ClientBuilds != 2 {
		t.Fatalf("changed key: %+v, want a second client", st)
	}
}

func TestMultiTenantResolve(t *testing.T) {
	other := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	f := newFixture(t, handler.Options{Resolve: func(r *http.Request, base handler.Config) (handler.Config, error) {
		if r.Host == "tenant-b.example" {
			base.Client.APIKey = other.APIKey
			base.Client.BaseURL = other.BackendURL
			base.Verifier.PublishableKey = other.PublishableKey
		}
		return base, nil
	}})
	base := f.serve(t)
	tokB, err := other.MintToken(wachttest.TokenOptions{OrganizationPermissions: []string{"user:read"}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", base+"/admin/users", nil)
	req.Host = "tenant-b.example"
	req.Header.Set("Authorization", "Bearer "+tokB)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("tenant b with its own token: %d", res.StatusCode)
	}
	// Tenant A does not accept tenant B's token.
	a := do(t, "GET", base+"/admin/users", map[string]string{"Authorization": "Bearer " + tokB}, nil)
	if a.status != 401 {
		t.Fatalf("tenant a with tenant b's token: %d %s", a.status, a.raw)
	}
	if st := f.kit.Stats(); st.Instances != 2 {
		t.Fatalf("instances = %d, want 2", st.Instances)
	}
}

func TestPanicBodyLimitAndMisconfiguration(t *testing.T) {
	f := newFixture(t, handler.Options{MaxBodyBytes: 16})
	base := f.serve(t)
	a := do(t, "GET", base+"/panic", nil, nil)
	if a.status != 500 || a.body["error"] != "internal_error" || a.body["request_id"] == "" {
		t.Fatalf("panic: %d %s", a.status, a.raw)
	}
	if !strings.Contains(f.logText(), `"msg":"panic"`) || !strings.Contains(f.logText(), a.body["request_id"].(string)) {
		t.Fatalf("panic not logged with its request id: %s", f.logText())
	}
	a = do(t, "POST", base+"/echo", nil, strings.NewReader(strings.Repeat("x", 17)))
	if a.status != 413 || a.body["error"] != "body_too_large" {
		t.Fatalf("oversized body: %d %s", a.status, a.raw)
	}
	a = do(t, "POST", base+"/echo", nil, strings.NewReader("small"))
	if a.status != 200 || a.raw != "small" {
		t.Fatalf("small body: %d %s", a.status, a.raw)
	}

	f.setEnv(handler.EnvPublishableKey, "")
	a = do(t, "GET", base+"/admin/users", map[string]string{"Authorization": "Bearer " + f.token(t, "user:read")}, nil)
	// The setting's name is for the owner, in the log; the caller gets a
	// generic message and the request id.
	if a.status != 500 || a.body["error"] != "misconfigured" || strings.Contains(a.raw, "WACHT_PUBLISHABLE_KEY") || a.body["request_id"] == "" {
		t.Fatalf("missing publishable key: %d %s", a.status, a.raw)
	}
	if !strings.Contains(f.logText(), "WACHT_PUBLISHABLE_KEY: not set") {
		t.Fatalf("the missing setting is not named in the log: %s", f.logText())
	}
	f.setEnv(handler.EnvPublishableKey, "pk_test_!!!")
	a = do(t, "GET", base+"/admin/users", map[string]string{"Authorization": "Bearer " + f.token(t, "user:read")}, nil)
	if a.status != 500 || a.body["error"] != "misconfigured" {
		t.Fatalf("malformed publishable key: %d %s", a.status, a.raw)
	}
}

func TestPlatformRequestIDIsUsed(t *testing.T) {
	f := newFixture(t, handler.Options{})
	h := f.routes()
	req := httptest.NewRequest("GET", "/admin/users", nil)
	req = req.WithContext(handler.WithRequestID(req.Context(), "lambda-req-42"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("X-Request-Id") != "lambda-req-42" || !strings.Contains(rec.Body.String(), `"request_id":"lambda-req-42"`) {
		t.Fatalf("request id: %v %s", rec.Header(), rec.Body)
	}
}

func TestBackendErrorsMapToActionableStatuses(t *testing.T) {
	// Retries are the client's business (tested there); here one answer
	// per call keeps the mapping plain.
	f := newFixture(t, handler.Options{Resolve: func(_ *http.Request, c handler.Config) (handler.Config, error) {
		c.Client.DisableRetries = true
		return c, nil
	}})
	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}", f.kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := handler.ClientFromContext(r.Context())
		u, err := c.Users.Get(r.Context(), r.PathValue("id"))
		if err != nil {
			handler.WriteError(w, r, err)
			return
		}
		handler.WriteJSON(w, 200, u)
	})))
	srv := httptest.NewServer(f.kit.Handler(mux))
	defer srv.Close()
	auth := map[string]string{"Authorization": "Bearer " + f.token(t, "user:read")}

	if a := do(t, "GET", srv.URL+"/users/999999", auth, nil); a.status != 404 || a.body["error"] != "not_found" {
		t.Fatalf("unknown user: %d %s", a.status, a.raw)
	}
	remove := f.emu.InjectFault(wachttest.Fault{Route: "getUserDetails", Status: 429, RetryAfter: 3 * time.Second})
	a := do(t, "GET", srv.URL+"/users/"+wachttest.SeedUserID, auth, nil)
	remove()
	if a.status != 429 || a.header.Get("Retry-After") == "" {
		t.Fatalf("backend 429: %d %v %s", a.status, a.header, a.raw)
	}
	// The backend rejecting our key is our problem, not the caller's: 502,
	// and the key never shows.
	f.setEnv(handler.EnvAPIKey, "sk_wrong_key_that_must_not_leak")
	a = do(t, "GET", srv.URL+"/users/"+wachttest.SeedUserID, auth, nil)
	if a.status != 502 || a.body["error"] != "upstream_error" {
		t.Fatalf("bad api key: %d %s", a.status, a.raw)
	}
	for _, secret := range []string{"sk_wrong_key_that_must_not_leak", f.emu.APIKey, auth["Authorization"][len("Bearer "):]} {
		if strings.Contains(a.raw, secret) || strings.Contains(f.logText(), secret) {
			t.Fatalf("secret leaked into the answer or the log")
		}
	}
}

func TestRoutersServeMuxAndChi(t *testing.T) {
	f := newFixture(t, handler.Options{})
	r := chi.NewRouter()
	r.Use(f.kit.Handler)
	r.With(f.kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})).Get("/admin/users", listUsers)
	r.With(f.kit.RequireMachine("user:read")).Get("/machine/users", listUsers)
	srv := httptest.NewServer(r)
	defer srv.Close()
	if a := do(t, "GET", srv.URL+"/admin/users", nil, nil); a.status != 401 {
		t.Fatalf("chi no token: %d", a.status)
	}
	if a := do(t, "GET", srv.URL+"/admin/users", map[string]string{"Authorization": "Bearer " + f.token(t, "user:read")}, nil); a.status != 200 {
		t.Fatalf("chi with token: %d %s", a.status, a.raw)
	}
	if a := do(t, "GET", srv.URL+"/machine/users", map[string]string{"x-api-key": wachttest.SeedAPIKeySecret}, nil); a.status != 200 {
		t.Fatalf("chi machine: %d %s", a.status, a.raw)
	}
	// ServeMux method patterns: the wrong method is the mux's 405, before any auth.
	base := f.serve(t)
	if a := do(t, "DELETE", base+"/admin/users", nil, nil); a.status != 405 {
		t.Fatalf("mux method pattern: %d", a.status)
	}
}

// The gateway's answer reaches the handler whole, and the caller sees only
// the status, the kit's message and the rate-limit headers: never the key's
// id, name, permissions or metadata from the x-wacht-* headers.
func TestMachineRouteGatewayHeaders(t *testing.T) {
	f := newFixture(t, handler.Options{})
	key, err := f.emu.CreateAPIKey(wachttest.APIKeyOptions{Name: "billing sync", Permissions: []string{"user:read", "user:write"},
		Metadata: map[string]any{"tenant": "acme"}, RateLimits: []wachttest.RateLimit{{Unit: "minute", Duration: 1, MaxRequests: 2, Mode: "per_key"}}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /machine/whoami", f.kit.RequireMachine("user:read", "user:write")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := handler.PrincipalFromContext(r.Context())
		ih := d.IdentityHeaders
		handler.WriteJSON(w, http.StatusOK, map[string]any{"key_id": ih.KeyID, "key_name": ih.KeyName, "app": ih.AppSlug,
			"permissions": ih.Permissions, "tenant": ih.Metadata["tenant"], "metadata": d.Metadata["tenant"], "raw_key_id": d.Headers["x-wacht-key-id"]})
	})))
	mux.Handle("GET /machine/admin", f.kit.RequireMachine("user:read", "admin")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})))
	srv := httptest.NewServer(f.kit.Handler(mux))
	t.Cleanup(srv.Close)

	noIdentity := func(name string, a answer) {
		t.Helper()
		for k := range a.header {
			if strings.HasPrefix(strings.ToLower(k), "x-wacht-") {
				t.Errorf("%s: %s: %v reached the caller", name, k, a.header[k])
			}
		}
		for _, secretish := range []string{key.ID, "billing sync", "acme", "user:write"} {
			if name != "allowed" && strings.Contains(a.raw, secretish) {
				t.Errorf("%s: body %s names %q", name, a.raw, secretish)
			}
		}
	}
	hdr := map[string]string{"x-api-key": key.Secret}

	a := do(t, "GET", srv.URL+"/machine/whoami", hdr, nil)
	if a.status != 200 || a.body["key_id"] != key.ID || a.body["key_name"] != "billing sync" || a.body["app"] != key.AppSlug ||
		fmt.Sprint(a.body["permissions"]) != "[user:read user:write]" || a.body["tenant"] != "acme" || a.body["metadata"] != "acme" || a.body["raw_key_id"] != key.ID {
		t.Fatalf("allowed: %d %s", a.status, a.raw)
	}
	if a.header.Get("X-Ratelimit-60s-Limit") != "2" || a.header.Get("X-Ratelimit-60s-Remaining") != "1" {
		t.Errorf("allowed: rate-limit headers %v", a.header)
	}
	noIdentity("allowed", a)

	// Both permissions are required: a key without "admin" is refused.
	a = do(t, "GET", srv.URL+"/machine/admin", hdr, nil)
	if a.status != 403 || a.body["error"] != "forbidden" {
		t.Fatalf("missing one of two permissions: %d %s", a.status, a.raw)
	}
	noIdentity("denied", a)

	// Over the limit: the gateway says retry_after 60000 (milliseconds) and
	// x-ratelimit-60s-reset 60000; the caller gets 60 seconds in both.
	a = do(t, "GET", srv.URL+"/machine/whoami", hdr, nil)
	if a.status != 200 {
		t.Fatalf("second request: %d %s", a.status, a.raw)
	}
	a = do(t, "GET", srv.URL+"/machine/whoami", hdr, nil)
	if a.status != 429 || a.body["error"] != "rate_limited" || a.header.Get("Retry-After") != "60" ||
		a.header.Get("X-Ratelimit-60s-Reset") != "60" || a.header.Get("X-Ratelimit-60s-Remaining") != "0" {
		t.Fatalf("rate limited: %d %v %s", a.status, a.header, a.raw)
	}
	noIdentity("rate limited", a)

	a = do(t, "GET", srv.URL+"/machine/whoami", map[string]string{"x-api-key": "sk_live_unknown"}, nil)
	if a.status != 401 {
		t.Fatalf("unknown key: %d %s", a.status, a.raw)
	}
	noIdentity("unknown key", a)

	func() {
		defer func() {
			if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "white space") {
				t.Errorf("RequireMachine(\"a OR b\") did not panic with a reason: %v", p)
			}
		}()
		f.kit.RequireMachine("user:read OR admin")
	}()
}

// webhookRecorder is a receiver that records what the handler saw and
// answers with the status next() gives it.
type webhookRecorder struct {
	mu     sync.Mutex
	seen   []string // webhook-id, with " duplicate" appended for duplicates
	status func(ev *auth.WebhookEvent) int
}

func (rec *webhookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ev, _ := handler.WebhookEventFromContext(r.Context())
	rec.mu.Lock()
	entry := ev.ID
	if ev.Duplicate {
		entry += " duplicate"
	}
	rec.seen = append(rec.seen, entry)
	status := http.StatusNoContent
	if rec.status != nil && !ev.Duplicate {
		status = rec.status(ev)
	}
	rec.mu.Unlock()
	w.WriteHeader(status)
}

func (rec *webhookRecorder) log() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.seen...)
}

// Wacht resends a delivery's creation time on every retry, for up to 7
// days: a retry three days after the event verifies under the defaults.
func TestWebhookRetriedDaysLaterVerifies(t *testing.T) {
	f := newFixture(t, handler.Options{})
	var fail atomic.Bool
	fail.Store(true)
	rec := &webhookRecorder{status: func(*auth.WebhookEvent) int {
		if fail.Load() {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	}}
	srv := httptest.NewServer(f.kit.Handler(f.kit.VerifyWebhook(rec)))
	t.Cleanup(srv.Close)
	ctx := context.Background()

	created := time.Now().Add(-72 * time.Hour)
	d, err := f.emu.DeliverWebhookWith(ctx, srv.URL, "user.created", map[string]any{"id": "1001"}, wachttest.WebhookOptions{CreatedAt: created})
	if err != nil {
		t.Fatal(err)
	}
	if d.StatusCode != http.StatusServiceUnavailable || !d.Retryable() {
		t.Fatalf("first attempt: %d retryable=%v %s", d.StatusCode, d.Retryable(), d.Body)
	}
	// The handler failed, so the delivery was not marked: the retry, with
	// the same id and the three-day-old timestamp, is processed afresh.
	fail.Store(false)
	r2, err := f.emu.RetryWebhook(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if r2.ID != d.ID || r2.Attempt != 2 || r2.Header.Get("webhook-timestamp") != strconv.FormatInt(created.Unix(), 10) ||
		r2.Header.Get("webhook-timestamp") != d.Header.Get("webhook-timestamp") {
		t.Fatalf("retry headers %v (first %v)", r2.Header, d.Header)
	}
	if r2.StatusCode != http.StatusNoContent {
		t.Fatalf("retry three days later: %d %s", r2.StatusCode, r2.Body)
	}
	if got := rec.log(); fmt.Sprint(got) != fmt.Sprint([]string{d.ID, d.ID}) {
		t.Fatalf("handler saw %v", got)
	}
	if _, err := f.emu.RetryWebhook(ctx, r2); err == nil {
		t.Error("Wacht retried a delivery answered 204")
	}

	// Past the retry span (8 days with margin) the timestamp is refused.
	old, err := f.emu.DeliverWebhookWith(ctx, srv.URL, "user.created", nil, wachttest.WebhookOptions{CreatedAt: time.Now().Add(-9 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if old.StatusCode != http.StatusUnauthorized {
		t.Fatalf("nine-day-old delivery: %d %s", old.StatusCode, old.Body)
	}
}

// The same webhook-id delivered twice reaches the handler the second time
// marked as a duplicate, so it can answer 2xx without acting again.
func TestWebhookDuplicateIsReported(t *testing.T) {
	f := newFixture(t, handler.Options{})
	rec := &webhookRecorder{}
	srv := httptest.NewServer(f.kit.Handler(f.kit.VerifyWebhook(rec)))
	t.Cleanup(srv.Close)
	d, err := f.emu.DeliverWebhook(context.Background(), srv.URL, "user.created", map[string]any{"id": "1001"})
	if err != nil || d.StatusCode != http.StatusNoContent {
		t.Fatalf("first delivery: %v %+v", err, d)
	}
	// Wacht sends it again when the first answer was lost: same headers,
	// same body.
	headers := map[string]string{}
	for k := range d.Header {
		headers[k] = d.Header.Get(k)
	}
	a := do(t, "POST", srv.URL, headers, bytes.NewReader(d.Payload))
	if a.status != http.StatusNoContent {
		t.Fatalf("repeat: %d %s", a.status, a.raw)
	}
	if got := rec.log(); fmt.Sprint(got) != fmt.Sprint([]string{d.ID, d.ID + " duplicate"}) {
		t.Fatalf("handler saw %v", got)
	}
	if !strings.Contains(f.logText(), `"msg":"webhook duplicate"`) {
		t.Errorf("duplicate not logged: %s", f.logText())
	}
}

// A repeat that arrives while the first attempt is still being processed
// is answered 503 (Wacht retries it later) without reaching the handler;
// a handler that panics leaves the delivery to be processed by a retry.
func TestWebhookInProgressAndPanic(t *testing.T) {
	f := newFixture(t, handler.Options{})
	entered, release := make(chan struct{}), make(chan struct{})
	var calls sync.WaitGroup
	rec := &webhookRecorder{}
	var mu sync.Mutex
	panicNext := false
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		p := panicNext
		mu.Unlock()
		if p {
			panic("processing failed")
		}
		if r.Header.Get("X-Block") != "" {
			close(entered)
			<-release
		}
		rec.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(f.kit.Handler(f.kit.VerifyWebhook(h)))
	t.Cleanup(srv.Close)

	body := []byte(`{"type":"user.created","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":"1"}}`)
	sign := func(id string) map[string]string {
		ts := time.Now()
		sig, err := wachttest.SignWebhook(f.emu.WebhookSecret(), id, ts, body)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"webhook-id": id, "webhook-timestamp": strconv.FormatInt(ts.Unix(), 10), "webhook-signature": sig, "Content-Type": "application/json"}
	}
	first := sign("msg_slow")
	first["X-Block"] = "1"
	calls.Add(1)
	firstStatus := 0
	go func() {
		defer calls.Done()
		req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader(body))
		for k, v := range first {
			req.Header.Set(k, v)
		}
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			firstStatus = res.StatusCode
		}
	}()
	<-entered
	a := do(t, "POST", srv.URL, sign("msg_slow"), bytes.NewReader(body))
	if a.status != http.StatusServiceUnavailable || a.body["error"] != "unavailable" {
		t.Fatalf("repeat while in progress: %d %s", a.status, a.raw)
	}
	close(release)
	calls.Wait()
	if firstStatus != http.StatusNoContent {
		t.Fatalf("first attempt: %d", firstStatus)
	}
	if got := rec.log(); fmt.Sprint(got) != "[msg_slow]" {
		t.Fatalf("handler saw %v", got)
	}

	mu.Lock()
	panicNext = true
	mu.Unlock()
	if a := do(t, "POST", srv.URL, sign("msg_panic"), bytes.NewReader(body)); a.status != http.StatusInternalServerError {
		t.Fatalf("panicking handler: %d %s", a.status, a.raw)
	}
	mu.Lock()
	panicNext = false
	mu.Unlock()
	if a := do(t, "POST", srv.URL, sign("msg_panic"), bytes.NewReader(body)); a.status != http.StatusNoContent {
		t.Fatalf("retry after a panic: %d %s", a.status, a.raw)
	}
	if got := rec.log(); fmt.Sprint(got) != "[msg_slow msg_panic]" {
		t.Fatalf("handler saw %v", got)
	}
}

// failingStore is a WebhookIdempotency that cannot be reached.
type failingStore struct{}

func (failingStore) Claim(context.Context, string, time.Time) (auth.WebhookClaim, error) {
	return 0, fmt.Errorf("dynamodb: connection refused")
}
func (failingStore) Settle(context.Context, string, bool, time.Time) error { return nil }

// An unreachable store fails closed: the delivery is not processed and
// Wacht is told to retry.
func TestWebhookStoreFailureIsRetryable(t *testing.T) {
	f := newFixture(t, handler.Options{WebhookIdempotency: failingStore{}})
	rec := &webhookRecorder{}
	srv := httptest.NewServer(f.kit.Handler(f.kit.VerifyWebhook(rec)))
	t.Cleanup(srv.Close)
	d, err := f.emu.DeliverWebhook(context.Background(), srv.URL, "user.created", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.StatusCode != http.StatusServiceUnavailable || !d.Retryable() || len(rec.log()) != 0 {
		t.Fatalf("store down: %d %s, handler saw %v", d.StatusCode, d.Body, rec.log())
	}
	if strings.Contains(string(d.Body), "dynamodb") || !strings.Contains(f.logText(), "connection refused") {
		t.Errorf("store error: body %s; the cause belongs in the log only", d.Body)
	}
}

// A request with no credential at all is answered 401 without a log line
// (routine traffic); a rejected credential is logged once, with its reason
// and the request id, and never the token.
func TestMissingCredentialsAreNotLogged(t *testing.T) {
	f := newFixture(t, handler.Options{})
	base := f.serve(t)
	if a := do(t, "GET", base+"/admin/users", nil, nil); a.status != http.StatusUnauthorized {
		t.Fatalf("no token: %d", a.status)
	}
	if logs := f.logText(); strings.Contains(logs, "request failed") {
		t.Fatalf("a request without credentials was logged:\n%s", logs)
	}
	const bogus = "eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJlLXRoYXQtaXMtbm90LXZhbGlk"
	a := do(t, "GET", base+"/admin/users", map[string]string{"Authorization": "Bearer " + bogus}, nil)
	if a.status != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", a.status)
	}
	logs := f.logText()
	if strings.Count(logs, `"msg":"request failed"`) != 1 || !strings.Contains(logs, `"status":401`) ||
		!strings.Contains(logs, a.header.Get("X-Request-Id")) || strings.Contains(logs, "c2lnbmF0dXJl") {
		t.Fatalf("a rejected token should be logged once, with its request id and without the token:\n%s", logs)
	}
}
