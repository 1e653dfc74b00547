package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/wacht-platform/serverless-go/internal/testtools"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// start runs the emulator on free ports and returns its exported env.
func start(t *testing.T, args ...string) (map[string]string, *testtools.Buffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr testtools.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-frontend-port", "0", "-backend-port", "0", "-gateway-port", "0"}, args...), &stdout, &stderr)
	}()
	deadline := time.After(8 * time.Minute) // building the contract validators is slow under -race on a loaded machine
	for !strings.Contains(stdout.String(), "export WACHT_SESSION_TOKEN=") {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("run returned early: %v\nstderr: %s", err, stderr.String())
		case <-deadline:
			cancel()
			t.Fatalf("no output; stdout %q stderr %q", stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	env := map[string]string{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("run did not return after cancel")
			return nil
		}
	}
	return env, &stderr, stop
}

func TestRunPrintsAndServes(t *testing.T) {
	env, stderr, stop := start(t)
	for _, k := range []string{"WACHT_PUBLISHABLE_KEY", "WACHT_API_KEY", "WACHT_BACKEND_API_URL", "WACHT_GATEWAY_URL", "WACHT_GATEWAY_API_KEY", "WACHT_WEBHOOK_SECRET", "WACHT_SESSION_TOKEN"} {
		if env[k] == "" {
			t.Errorf("no export line for %s", k)
		}
	}
	if env["WACHT_WEBHOOK_SECRET"] != wachttest.SeedWebhookSecret {
		t.Errorf("webhook secret %q", env["WACHT_WEBHOOK_SECRET"])
	}
	if env["WACHT_API_KEY"] != DefaultAPIKey || !strings.HasPrefix(env["WACHT_PUBLISHABLE_KEY"], "pk_test_") {
		t.Errorf("keys %q %q", env["WACHT_API_KEY"], env["WACHT_PUBLISHABLE_KEY"])
	}

	// The backend answers with the printed key.
	req, _ := http.NewRequest(http.MethodGet, env["WACHT_BACKEND_API_URL"]+"/users", nil)
	req.Header.Set("Authorization", "Bearer "+env["WACHT_API_KEY"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	// Lists carry has_more and no total (platform/src/application/response.rs).
	var page struct {
		Data    []json.RawMessage `json:"data"`
		HasMore bool              `json:"has_more"`
	}
	_ = json.NewDecoder(res.Body).Decode(&page)
	res.Body.Close()
	if res.StatusCode != 200 || len(page.Data) != 3 || page.HasMore {
		t.Errorf("GET /users: %d, %d users, has_more %v; want the 3 seeded users on one page", res.StatusCode, len(page.Data), page.HasMore)
	}

	// The printed token verifies against the JWKS of the frontend URL the
	// publishable key names.
	frontend := frontendFromKey(t, env)
	res, err = http.Get(frontend + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	_ = json.NewDecoder(res.Body).Decode(&set)
	res.Body.Close()
	// As Wacht's: one ES256 key, and a token whose header names none.
	if len(set.Keys) != 1 || set.Keys[0].Algorithm != "ES256" {
		t.Fatalf("JWKS %v, want one ES256 key", set.Keys)
	}
	jws, err := jose.ParseSignedCompact(env["WACHT_SESSION_TOKEN"], []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if kid := jws.Signatures[0].Header.KeyID; kid != "" {
		t.Errorf("token header names kid %q", kid)
	}
	payload, err := jws.Verify(set.Keys[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	_ = json.Unmarshal(payload, &claims)
	if claims["sub"] != "1001" || claims["organization"] != "2001" || claims["iss"] != frontend {
		t.Errorf("token claims %v", claims)
	}

	// The gateway key is accepted.
	body := `{"principal":{"type":"api_key","value":"` + env["WACHT_GATEWAY_API_KEY"] + `"},"resource":"/x","method":"GET","required_permissions":["user:read"]}`
	res, err = http.Post(env["WACHT_GATEWAY_URL"]+"/v1/authz/check", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Allowed bool `json:"allowed"`
	}
	_ = json.NewDecoder(res.Body).Decode(&d)
	res.Body.Close()
	if !d.Allowed {
		t.Error("printed gateway key not allowed")
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(stderr.String(), "op=getActiveUserList status=200") {
		t.Errorf("request log missing: %s", stderr.String())
	}
	if strings.Contains(stderr.String(), "CONTRACT VIOLATION") {
		t.Errorf("violations logged: %s", stderr.String())
	}
}

// frontendFromKey recovers the frontend URL from the publishable key, as a
// client would.
func frontendFromKey(t *testing.T, env map[string]string) string {
	t.Helper()
	enc := strings.TrimPrefix(env["WACHT_PUBLISHABLE_KEY"], "pk_test_")
	raw, err := base64Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestRunWithoutSeed(t *testing.T) {
	env, _, stop := start(t, "-seed=false", "-quiet", "-api-key", "k_custom", "-algorithms", "ES256")
	if env["WACHT_API_KEY"] != "k_custom" || env["WACHT_GATEWAY_API_KEY"] == "" {
		t.Errorf("env %v", env)
	}
	req, _ := http.NewRequest(http.MethodGet, env["WACHT_BACKEND_API_URL"]+"/users", nil)
	req.Header.Set("Authorization", "Bearer k_custom")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Total int `json:"total"`
	}
	_ = json.NewDecoder(res.Body).Decode(&page)
	res.Body.Close()
	if page.Total != 0 {
		t.Errorf("unseeded emulator has %d users", page.Total)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-host", "0.0.0.0"},
		{"-backend-port", "70000"},
		{"-token-lifetime", "-1s"},
		{"-algorithms", "HS256"},
		{"-no-such-flag"},
		{"extra"},
	} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func base64Decode(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	return string(b), err
}

// The help names the flags and says what the emulator fakes and how a
// caller chooses the answer.
func TestHelpListsWhatIsDeterministic(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &out, &errOut); err != nil {
		t.Fatalf("-h: %v", err)
	}
	help := errOut.String()
	for _, want := range []string{"-validate", "What is deterministic", "SMTP", "AddOAuthGrant", "webhook replays"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
}
