package reliability_test

// Secrets suite (issue 11): every error path is driven through the real
// stack with debug logging captured, and neither any answer (status line,
// headers, body) nor any log line may contain the backend API key, the
// webhook secret, the forwarded-auth secret, a machine key or a bearer
// token. Configs, clients and verifiers are printed with %v, %+v, %#v and %s.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/samples/functions"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

func TestSecretsNeverLeak(t *testing.T) {
	s := newStack(t, stackOptions{extra: func(kit *handler.Kit, mux *http.ServeMux) {
		mux.Handle("GET /panic", kit.Protect(handler.Require{})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("boom in a protected handler")
		})))
	}})
	ctx := context.Background()
	machine := s.machineKey(t)
	good := s.token(t, wachttest.TokenOptions{})
	expired := s.token(t, wachttest.TokenOptions{IssuedAt: time.Now().Add(-time.Hour), Lifetime: time.Minute})
	noPerm := s.token(t, wachttest.TokenOptions{OrganizationID: wachttest.SeedOrganizationID, OrganizationPermissions: []string{}})
	forged := good[:len(good)-6] + "AAAAAA"
	unknownKid := s.token(t, wachttest.TokenOptions{UnpublishedKey: true})
	signer, err := auth.NewForwardedAuthSigner([]byte(bridgeSecret))
	if err != nil {
		t.Fatal(err)
	}
	fwd, err := signer.Sign(&auth.Auth{UserID: wachttest.SeedUserID})
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"API key":        s.emu.APIKey,
		"webhook secret": s.emu.WebhookSecret(),
		"bridge secret":  bridgeSecret,
		"machine key":    machine,
		"good token":     good,
		"expired token":  expired,
		"no-perm token":  noPerm,
		"forged token":   forged,
		"unknown kid":    unknownKid,
	}
	// The signature part of each token is the secret part; headers and
	// claims are public.
	for _, name := range []string{"good token", "expired token", "no-perm token", "forged token", "unknown kid"} {
		tok := secrets[name]
		secrets[name+" signature"] = tok[strings.LastIndexByte(tok, '.')+1:]
	}

	var answers []answer
	add := func(a answer) { answers = append(answers, a) }
	get := func(path string, h map[string]string) { add(s.do(t, ctx, "GET", path, h, "")) }

	// Auth failures.
	for _, tok := range []string{expired, noPerm, forged, unknownKid, "garbage." + good, good + good} {
		get(functions.PathAdminUsers, bearer(tok))
	}
	get(functions.PathAdminUsers, map[string]string{"Cookie": "__session=" + forged})
	get(functions.PathAdminUsers, map[string]string{auth.ForwardedAuthHeader: fwd + "x"})
	get(functions.PathAdminUsers, map[string]string{auth.ForwardedAuthHeader: strings.Replace(fwd, "v1.", "", 1)})
	// Panic in a protected handler, with a valid token.
	get("/panic", bearer(good))
	// Backend errors: 500, 503, 429, dropped connection.
	for _, f := range []wachttest.Fault{
		{Route: opListUsers, Status: 500}, {Route: opListUsers, Status: 503},
		{Route: opListUsers, Status: 429, RetryAfter: time.Second}, {Route: opListUsers, Drop: true},
	} {
		s.emu.ClearFaults()
		s.emu.InjectFault(f)
		get(functions.PathAdminUsers, bearer(good))
		get(functions.PathMachineUsers, map[string]string{"x-api-key": machine})
	}
	s.emu.ClearFaults()
	// Gateway failures: unknown key, gateway down.
	get(functions.PathMachineUsers, map[string]string{"x-api-key": machine + "x"})
	get(functions.PathMachineUsers, map[string]string{"Authorization": "Bearer " + machine})
	s.emu.InjectFault(wachttest.Fault{Route: wachttest.AnyGatewayRoute, Drop: true})
	get(functions.PathMachineUsers, map[string]string{"x-api-key": machine})
	s.emu.ClearFaults()
	// Webhook failures: wrong signature, stale timestamp, missing headers.
	body := `{"type":"user.created","data":{"id":"1001"}}`
	now := time.Now()
	sig, err := wachttest.SignWebhook(s.emu.WebhookSecret(), "msg_1", now, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	// Stale means older than Wacht's retry span (8 days with margin,
	// auth.DefaultWebhookMaxAge): an hour-old timestamp is a normal retry.
	stale := now.Add(-9 * 24 * time.Hour)
	staleSig, err := wachttest.SignWebhook(s.emu.WebhookSecret(), "msg_2", stale, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []map[string]string{
		{"webhook-id": "msg_1", "webhook-timestamp": fmt.Sprint(now.Unix()), "webhook-signature": sig + "x"},
		{"webhook-id": "msg_1", "webhook-timestamp": fmt.Sprint(now.Unix()), "webhook-signature": "v1," + secrets["good token signature"]},
		{"webhook-id": "msg_2", "webhook-timestamp": fmt.Sprint(stale.Unix()), "webhook-signature": staleSig},
		{"webhook-id": "msg_1"},
	} {
		add(s.do(t, ctx, "POST", functions.PathWebhook, h, body))
	}
	// Bad API key: every backend call is refused with 401.
	s.env[handler.EnvAPIKey] = "sk_test_wrong_key_abcdefghijklmnopqrstuvwxyz"
	secrets["wrong API key"] = s.env[handler.EnvAPIKey]
	get(functions.PathAdminUsers, bearer(good))
	get(functions.PathMachineUsers, map[string]string{"x-api-key": machine})
	// Webhook secret misconfigured (not whsec_), API key missing.
	s.env[handler.EnvWebhookSecret] = "not-a-webhook-secret-" + s.emu.WebhookSecret()
	add(s.do(t, ctx, "POST", functions.PathWebhook, map[string]string{"webhook-id": "msg_1", "webhook-timestamp": fmt.Sprint(now.Unix()), "webhook-signature": sig}, body))
	delete(s.env, handler.EnvAPIKey)
	get(functions.PathAdminUsers, bearer(good))

	errorsSeen := 0
	for i, a := range answers {
		if a.status >= 400 {
			errorsSeen++
		}
		dump := fmt.Sprintf("%d %v %s", a.status, a.header, a.body)
		for name, secret := range secrets {
			if strings.Contains(dump, secret) {
				t.Errorf("answer %d (%d) contains the %s: %s", i, a.status, name, dump)
			}
		}
	}
	if errorsSeen < len(answers)-1 {
		t.Errorf("only %d of %d answers were errors", errorsSeen, len(answers))
	}
	logs := s.logs.String()
	if !strings.Contains(logs, "boom in a protected handler") {
		t.Errorf("the panic was not logged")
	}
	for name, secret := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain the %s", name)
		}
	}
	t.Logf("%d error answers and %d bytes of logs searched for %d secrets", errorsSeen, len(logs), len(secrets))
}

func TestSecretsNotPrinted(t *testing.T) {
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	env := map[string]string{
		handler.EnvAPIKey: emu.APIKey, handler.EnvBackendAPIURL: emu.BackendURL,
		handler.EnvPublishableKey: emu.PublishableKey, handler.EnvGatewayURL: emu.GatewayURL,
		handler.EnvWebhookSecret: emu.WebhookSecret(), handler.EnvForwardedAuthSecret: bridgeSecret,
	}
	cfg := handler.ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	cfg.Verifier.HMACSecret = []byte("hmac-secret-0123456789abcdefghijklmnopqrstuvwxyz")
	cfg.Verifier.Algorithms = []string{"ES256", "HS256"}
	cfg.Client.Header = http.Header{"X-Extra": {"x"}}
	c, err := wacht.NewClient(cfg.Client)
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(cfg.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	wv, err := auth.NewWebhookVerifier(cfg.WebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewForwardedAuthSigner([]byte(bridgeSecret))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := auth.NewGateway(cfg.Gateway)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{
		"wacht.Config": cfg.Client, "*wacht.Config": &cfg.Client,
		"VerifierConfig": cfg.Verifier, "*VerifierConfig": &cfg.Verifier, "GatewayConfig": cfg.Gateway,
		"*Client": c, "*Verifier": v, "*WebhookVerifier": wv, "*ForwardedAuthSigner": signer, "*Gateway": gw,
	}
	secrets := map[string]string{"API key": emu.APIKey, "webhook secret": emu.WebhookSecret(),
		"webhook secret body": strings.TrimPrefix(emu.WebhookSecret(), "whsec_"), "bridge secret": bridgeSecret,
		"HMAC secret": string(cfg.Verifier.HMACSecret)}
	checkPrinted(t, values, secrets)
}

// TestSecretsHandlerConfigNotPrinted: handler.Config holds the webhook
// secret as a plain string field, so fmt must not show it either.
func TestSecretsHandlerConfigNotPrinted(t *testing.T) {
	const whsec = "whsec_cmVsaWFiaWxpdHktd2ViaG9vay1zZWNyZXQtMDEyMw=="
	env := map[string]string{handler.EnvAPIKey: "sk_test_reliability_api_key_0123456789", handler.EnvWebhookSecret: whsec,
		handler.EnvForwardedAuthSecret: bridgeSecret, handler.EnvPublishableKey: "pk_test_aHR0cDovLzEyNy4wLjAuMTox"}
	cfg := handler.ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	checkPrinted(t, map[string]any{"handler.Config": cfg, "*handler.Config": &cfg},
		map[string]string{"API key": env[handler.EnvAPIKey], "webhook secret": strings.TrimPrefix(whsec, "whsec_"), "bridge secret": bridgeSecret})
}

func checkPrinted(t *testing.T, values map[string]any, secrets map[string]string) {
	t.Helper()
	for name, val := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(verb, val)
			for sname, secret := range secrets {
				if strings.Contains(out, secret) {
					t.Errorf("fmt %s of %s shows the %s: %s", verb, name, sname, out)
				}
			}
		}
	}
}

// TestSecretsNeverLeakFromPanicsOrResolve: panic values and Options.Resolve
// errors are text the kit does not control. Each known secret is placed at
// varied offsets of such a value (alone, after short and long prefixes,
// before a suffix, twice, inside a wrapped error); neither the answer nor
// the log may show it, and the log must still record the event.
func TestSecretsNeverLeakFromPanicsOrResolve(t *testing.T) {
	var values []any
	s := newStack(t, stackOptions{extra: func(kit *handler.Kit, mux *http.ServeMux) {
		mux.HandleFunc("GET /panic/{i}", func(w http.ResponseWriter, r *http.Request) {
			var i int
			_, _ = fmt.Sscan(r.PathValue("i"), &i)
			panic(values[i])
		})
	}})
	ctx := context.Background()
	good := s.token(t, wachttest.TokenOptions{})
	machine := s.machineKey(t)
	const dbPassword = "db-password-0123456789"
	secrets := map[string]string{
		"API key":             s.emu.APIKey,
		"webhook secret":      s.emu.WebhookSecret(),
		"webhook secret body": strings.TrimPrefix(s.emu.WebhookSecret(), "whsec_"),
		"bridge secret":       bridgeSecret,
		"machine key":         machine,
		"bearer token":        good,
		"token signature":     good[strings.LastIndexByte(good, '.')+1:],
		"database password":   dbPassword,
	}
	placed := func(secret string) []any {
		long := strings.Repeat("x", 100)
		return []any{
			secret, "a" + secret, "prefix " + secret, long + secret + long, secret + " suffix",
			secret + secret, fmt.Errorf("outer: %w", fmt.Errorf("inner %s end", secret)),
			"postgres://app:" + secret + "@db.internal/tenants",
		}
	}
	placements := map[string][]any{}
	for name, secret := range secrets {
		if secret == dbPassword {
			// A value the kit cannot know; only its position in a URL's
			// userinfo marks it.
			placements[name] = []any{"dial postgres://app:" + dbPassword + "@db.internal/tenants", "a=postgres://u:" + dbPassword + "@h"}
		} else {
			placements[name] = placed(secret)
		}
		values = append(values, placements[name]...)
	}
	header := map[string]string{"Authorization": "Bearer " + good, "x-api-key": machine, "Cookie": "__session=" + good}
	var answers []answer
	for i := range values {
		answers = append(answers, s.do(t, ctx, "GET", fmt.Sprintf("/panic/%d", i), header, ""))
	}

	// A Resolve function whose error quotes each secret.
	for _, vs := range placements {
		for _, v := range vs {
			kit := handler.New(handler.Options{
				Env:    func(k string) (string, bool) { val, ok := s.env[k]; return val, ok },
				Logger: slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
				Resolve: func(*http.Request, handler.Config) (handler.Config, error) {
					return handler.Config{}, fmt.Errorf("tenant lookup failed: %v", v)
				},
			})
			h := kit.Handler(functions.Routes(kit))
			for _, path := range []string{functions.PathAdminUsers, functions.PathMachineUsers} {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("GET", path, nil)
				for k, hv := range header {
					req.Header.Set(k, hv)
				}
				h.ServeHTTP(rec, req)
				answers = append(answers, answer{status: rec.Code, header: rec.Header(), body: rec.Body.String()})
			}
		}
	}

	for i, a := range answers {
		if a.status != http.StatusInternalServerError {
			t.Errorf("answer %d: status %d, want 500: %s", i, a.status, a.body)
		}
		dump := fmt.Sprintf("%d %v %s", a.status, a.header, a.body)
		for name, secret := range secrets {
			if strings.Contains(dump, secret) {
				t.Errorf("answer %d contains the %s: %s", i, name, dump)
			}
		}
		if strings.Contains(a.body, "tenant lookup") {
			t.Errorf("answer %d carries the Resolve error: %s", i, a.body)
		}
	}
	logs := s.logs.String()
	if got := strings.Count(logs, `"msg":"panic"`); got != len(values) {
		t.Errorf("%d panics logged, want %d", got, len(values))
	}
	if !strings.Contains(logs, "tenant lookup failed") {
		t.Errorf("the Resolve errors were not logged")
	}
	for name, secret := range secrets {
		if i := strings.Index(logs, secret); i >= 0 {
			t.Errorf("logs contain the %s: ...%s...", name, logs[max(0, i-300):min(len(logs), i+100)])
		}
	}
	t.Logf("%d answers and %d bytes of logs searched for %d secrets", len(answers), len(logs), len(secrets))
}
