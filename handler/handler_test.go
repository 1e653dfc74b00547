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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/wacht-platform/serverless-go/handler"
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
	emu := wachttest.New(t, wachttest.Options{Seed: true})
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
	mux.Handle("GET /admin/users", f.kit.Protect(handler.Require{Permissions: []string{"user:read"}})(http.HandlerFunc(listUsers)))
	mux.Handle("GET /machine/users", f.kit.RequireMachine("user:read")(http.HandlerFunc(listUsers)))
	mux.Handle("POST /webhooks/wacht", f.kit.VerifyWebhook(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev := handler.WebhookEventFrom(r.Context())
		body, _ := io.ReadAll(r.Body)
		if ev == nil || !bytes.Equal(body, ev.Payload) {
			http.Error(w, "event missing or body not restored", http.StatusInternalServerError)
			return
		}
		w.Header().Set("X-Event-Type", ev.Type)
		w.WriteHeader(http.StatusNoContent)
	})))
	mux.Handle("GET /whoami", f.kit.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := handler.AuthFrom(r.Context())
		handler.WriteJSON(w, http.StatusOK, map[string]any{"authenticated": a.Authenticated(), "user": a.UserID, "has_client": handler.ClientFrom(r.Context()) != nil})
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
	c := handler.ClientFrom(r.Context())
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
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", base+"/admin/users?page=2", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "https://accounts.example.com/sign-in?redirect_url=") || !strings.Contains(loc, "%2Fadmin%2Fusers%3Fpage%3D2") {
		t.Fatalf("browser redirect: %d %q", res.StatusCode, loc)
	}
	// An API client still gets JSON.
	a := do(t, "GET", base+"/admin/users", map[string]string{"Accept": "application/json"}, nil)
	if a.status != 401 {
		t.Fatalf("api client: %d", a.status)
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
	second := wachttest.New(t, wachttest.Options{Seed: true, APIKey: "sk_test_rotated_key_000000000000000000"})
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
	other := wachttest.New(t, wachttest.Options{Seed: true})
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
	if !strings.Contains(f.logText(), "WACHT_PUBLISHABLE_KEY is not set") {
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
	mux.Handle("GET /users/{id}", f.kit.Protect(handler.Require{Permissions: []string{"user:read"}})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := handler.ClientFrom(r.Context()).Users.Get(r.Context(), r.PathValue("id"))
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
	r.With(f.kit.Protect(handler.Require{Permissions: []string{"user:read"}})).Get("/admin/users", listUsers)
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
