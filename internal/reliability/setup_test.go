package reliability_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/testtools"
	"github.com/wacht-platform/serverless-go/samples/functions"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// bridgeSecret is the forwarded-auth (x-wacht-auth) secret of every stack.
const bridgeSecret = "bridge-secret-for-reliability-tests-0123456789"

// stack is the sample functions behind kit.Handler on a real listener,
// configured for the emulator.
type stack struct {
	emu  *wachttest.Server
	kit  *handler.Kit
	logs *testtools.Buffer
	url  string
	env  map[string]string
	h    http.Handler
}

type stackOptions struct {
	// tune adjusts the configuration read from the environment (JWKS
	// timings, retries) through Options.Resolve.
	tune func(*handler.Config)
	// extra routes mounted next to the samples.
	extra func(kit *handler.Kit, mux *http.ServeMux)
	// emu, when set, is shared instead of starting a new emulator.
	emu *wachttest.Server
}

func newStack(t testing.TB, o stackOptions) *stack {
	t.Helper()
	emu := o.emu
	if emu == nil {
		emu = wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	}
	env := map[string]string{
		handler.EnvAPIKey:              emu.APIKey,
		handler.EnvBackendAPIURL:       emu.BackendURL,
		handler.EnvPublishableKey:      emu.PublishableKey,
		handler.EnvGatewayURL:          emu.GatewayURL,
		handler.EnvWebhookSecret:       emu.WebhookSecret(),
		handler.EnvForwardedAuthSecret: bridgeSecret,
	}
	s := &stack{emu: emu, logs: &testtools.Buffer{}, env: env}
	opts := handler.Options{
		Env:    func(k string) (string, bool) { v, ok := s.env[k]; return v, ok },
		Logger: slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if o.tune != nil {
		opts.Resolve = func(_ *http.Request, c handler.Config) (handler.Config, error) {
			o.tune(&c)
			return c, nil
		}
	}
	s.kit = handler.New(opts)
	mux := http.NewServeMux()
	mux.Handle("/", functions.Routes(s.kit))
	if o.extra != nil {
		o.extra(s.kit, mux)
	}
	s.h = s.kit.Handler(mux)
	srv := httptest.NewServer(s.h)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

type answer struct {
	status int
	header http.Header
	body   string
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}

func (s *stack) do(t testing.TB, ctx context.Context, method, path string, header map[string]string, body string) answer {
	t.Helper()
	a, err := s.try(ctx, method, path, header, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return a
}

func (s *stack) try(ctx context.Context, method, path string, header map[string]string, body string) (answer, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, rd)
	if err != nil {
		return answer{}, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{status: res.StatusCode, header: res.Header, body: string(b)}, nil
}

func (s *stack) token(t testing.TB, o wachttest.TokenOptions) string {
	t.Helper()
	if o.OrganizationID == "" && o.OrganizationPermissions == nil {
		o.OrganizationID = wachttest.SeedOrganizationID
		o.OrganizationPermissions = []string{"user:read"}
	}
	tok, err := s.emu.MintToken(o)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// machineKey creates a gateway API key allowed user:read.
func (s *stack) machineKey(t testing.TB) string {
	t.Helper()
	return s.machineKeyWith(t, nil)
}

// machineKeyWith is machineKey with the key's own rate-limit rules. With
// none, the gateway's default rule (1000 a minute per app,
// platform/src/gateway/handlers.rs:187-196) applies, as it would to a real
// key, and a load run above that rate is answered 429 by design.
func (s *stack) machineKeyWith(t testing.TB, rules []wachttest.RateLimit) string {
	t.Helper()
	k, err := s.emu.CreateAPIKey(wachttest.APIKeyOptions{Permissions: []string{"user:read"}, RateLimits: rules})
	if err != nil {
		t.Fatal(err)
	}
	return k.Secret
}

// errorCode decodes the kit's JSON error body.
func errorCode(t testing.TB, a answer) string {
	t.Helper()
	var b handler.ErrorBody
	if err := jsonUnmarshal(a.body, &b); err != nil {
		t.Fatalf("answer %d is not a JSON error: %q", a.status, a.body)
	}
	return b.Error
}
