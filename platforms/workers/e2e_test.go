//go:build unix

package workers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/testtools"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// devServer is a running wrangler dev.
type devServer struct {
	base string
	proc *testtools.Process
	// first is how long the first request that was answered took: the
	// isolate's start, the Go instance's included.
	first time.Duration
}

func (s *devServer) output() string { return s.proc.Output.String() }

// startWorker runs `wrangler dev --local` in dir (a built Worker: its
// wrangler.jsonc and build/) with vars as the Worker's bindings (a
// .dev.vars file), with HOME and TMPDIR inside tree and metrics and
// Cloudflare's request.cf fetch off, so it makes no outside connection, and
// waits until the Worker answers.
func startWorker(t *testing.T, cli, tree, dir string, vars map[string]string) *devServer {
	t.Helper()
	var dv strings.Builder
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		// Single quotes keep the value raw (JSON has none of its own).
		fmt.Fprintf(&dv, "%s='%s'\n", k, vars[k])
	}
	if err := os.WriteFile(filepath.Join(dir, ".dev.vars"), []byte(dv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(tree, "home")
	tmp := filepath.Join(tree, "tmp")
	for _, d := range []string{home, tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Port 0 for both: wrangler binds free ports itself and says which
	// one serves the Worker.
	cmd := exec.Command(cli, "dev", "--local", "--ip", "127.0.0.1", "--port", "0", "--inspector-port", "0",
		"--show-interactive-dev-session=false", "--persist-to", filepath.Join(dir, ".wrangler", "state"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"HOME="+home, "TMPDIR="+tmp,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"WRANGLER_SEND_METRICS=false",
		"CLOUDFLARE_CF_FETCH_ENABLED=false",
		"CI=", // wrangler changes behaviour (and asks nothing) either way; keep it plain
	)
	// The dev server and the processes it starts form one group.
	srv := &devServer{proc: testtools.StartGroup(t, cmd, "wrangler dev ("+filepath.Base(dir)+")")}
	err := srv.proc.Await(2*time.Minute, func() bool {
		if srv.base == "" {
			m := wranglerReady.FindStringSubmatch(srv.output())
			if m == nil {
				return false
			}
			srv.base = m[1]
		}
		start := time.Now()
		res, err := http.Get(srv.base + "/")
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		srv.first = time.Since(start)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// wranglerReady is the line wrangler dev prints once the Worker's port is
// bound.
var wranglerReady = regexp.MustCompile(`Ready on (http://127\.0\.0\.1:[0-9]+)`)

type reply struct {
	status int
	header http.Header
	body   []byte
	took   time.Duration
}

func call(t *testing.T, url string, header http.Header) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{res.StatusCode, res.Header, b, time.Since(start)}
}

// TestWranglerEndToEnd builds the Workers samples and the probe Worker of
// testdata/probe (GOOS=js GOARCH=wasm with the package's entry, worker.mjs,
// as make build-workers does) and runs them under the real wrangler dev
// (workerd, locally) with the Wacht emulator on 127.0.0.1 as Wacht: the
// Worker reaches it through the fetch API.
func TestWranglerEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Wasm and starts wrangler dev")
	}
	repo := testtools.RepoRoot(t)
	cli := testtools.Wrangler(t)
	tree := t.TempDir()
	build := exec.Command(filepath.Join(repo, "scripts", "build-workers.sh"), tree, "admin-users", "machine-users", "platforms/workers/testdata/probe")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build-workers: %v\n%s", err, out)
	} else {
		t.Logf("%s", bytes.TrimSpace(out))
	}

	wt := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	vars := map[string]string{
		"WACHT_API_KEY":         wt.APIKey,
		"WACHT_BACKEND_API_URL": wt.BackendURL,
		"WACHT_PUBLISHABLE_KEY": wt.PublishableKey,
		"WACHT_GATEWAY_URL":     wt.GatewayURL,
	}
	// A second copy of admin-users with the key set pinned in WACHT_JWKS.
	jwks := call(t, wt.FrontendURL+"/.well-known/jwks.json", nil)
	if jwks.status != http.StatusOK {
		t.Fatalf("emulator JWKS: %d", jwks.status)
	}
	pinnedDir := filepath.Join(tree, "admin-users-pinned")
	if err := os.CopyFS(pinnedDir, os.DirFS(filepath.Join(tree, "admin-users"))); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(pinnedDir, "wrangler.jsonc")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The key set is pinned as a JSON object var in wrangler.jsonc (Env
	// hands it over as its JSON text), beside a binding that is not a
	// value (a KV namespace), which Env leaves out.
	b = bytes.Replace(b, []byte(`"wacht-admin-users"`), []byte(`"wacht-admin-users-pinned"`), 1)
	b = bytes.Replace(b, []byte(`"vars": {`), []byte(`"kv_namespaces": [{"binding": "WACHT_E2E_KV", "id": "e2e"}],
  "vars": {
    "WACHT_JWKS": `+string(bytes.TrimSpace(jwks.body))+`,`), 1)
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	pinnedVars := vars
	admin := startWorker(t, cli, tree, filepath.Join(tree, "admin-users"), vars)
	machine := startWorker(t, cli, tree, filepath.Join(tree, "machine-users"), vars)
	pinned := startWorker(t, cli, tree, pinnedDir, pinnedVars)
	probeVars := map[string]string{"WACHT_WORKER_SETTLE_MS": "5000"}
	for k, v := range vars {
		probeVars[k] = v
	}
	probe := startWorker(t, cli, tree, filepath.Join(tree, "probe"), probeVars)

	bearer := func(perms ...string) http.Header {
		tok, err := wt.MintToken(wachttest.TokenOptions{OrganizationPermissions: perms})
		if err != nil {
			t.Fatal(err)
		}
		return http.Header{"Authorization": {"Bearer " + tok}}
	}
	type errBody struct {
		Error     string `json:"error"`
		RequestID string `json:"request_id"`
	}
	wantError := func(t *testing.T, r reply, status int, code string) {
		t.Helper()
		var e errBody
		if r.status != status || json.Unmarshal(r.body, &e) != nil || e.Error != code {
			t.Fatalf("status %d body %s, want %d %q", r.status, r.body, status, code)
		}
		if e.RequestID == "" || e.RequestID != r.header.Get("X-Request-Id") {
			t.Errorf("request_id %q, X-Request-Id %q", e.RequestID, r.header.Get("X-Request-Id"))
		}
	}
	wantUsers := func(t *testing.T, r reply) {
		t.Helper()
		var body struct {
			Users []struct {
				ID string `json:"id"`
			} `json:"users"`
		}
		if r.status != http.StatusOK || json.Unmarshal(r.body, &body) != nil || len(body.Users) == 0 {
			t.Fatalf("status %d body %s", r.status, r.body)
		}
	}

	t.Run("401 without a session", func(t *testing.T) {
		wantError(t, call(t, admin.base+"/admin/users", nil), http.StatusUnauthorized, "unauthenticated")
	})
	t.Run("401 with a forged token", func(t *testing.T) {
		h := bearer("user:read")
		tok := h.Get("Authorization")
		h.Set("Authorization", tok[:len(tok)-4]+"AAAA")
		wantError(t, call(t, admin.base+"/admin/users", h), http.StatusUnauthorized, "unauthenticated")
	})
	t.Run("403 without user:read", func(t *testing.T) {
		wantError(t, call(t, admin.base+"/admin/users", bearer("org:read")), http.StatusForbidden, "forbidden")
	})
	t.Run("200 with user:read", func(t *testing.T) {
		r := call(t, admin.base+"/admin/users", bearer("user:read"))
		wantUsers(t, r)
		t.Logf("first request with a token (key set fetched and put in the cache): %.1f ms", ms(r.took))
	})
	t.Run("key set from the Workers cache", func(t *testing.T) {
		// The verifier keeps the key set in memory; a fresh instance (a new
		// isolate) finds it in caches.default.
		wt.ResetStats()
		h := bearer("user:read")
		for range 5 {
			wantUsers(t, call(t, admin.base+"/admin/users", h))
		}
		if n := wt.Stats().JWKSFetches; n != 0 {
			t.Errorf("%d JWKS fetches for 5 requests after the first; want 0 (served from the Cache API)", n)
		}
	})
	t.Run("key set pinned in WACHT_JWKS", func(t *testing.T) {
		wt.ResetStats()
		wantError(t, call(t, pinned.base+"/admin/users", bearer("org:read")), http.StatusForbidden, "forbidden")
		wantUsers(t, call(t, pinned.base+"/admin/users", bearer("user:read")))
		if n := wt.Stats().JWKSFetches; n != 0 {
			t.Errorf("%d JWKS fetches with WACHT_JWKS set; want 0", n)
		}
	})
	t.Run("machine caller", func(t *testing.T) {
		key, err := wt.CreateAPIKey(wachttest.APIKeyOptions{Permissions: []string{"user:read"}})
		if err != nil {
			t.Fatal(err)
		}
		wantUsers(t, call(t, machine.base+"/machine/users", http.Header{"X-Api-Key": {key.Secret}}))
		other, err := wt.CreateAPIKey(wachttest.APIKeyOptions{Permissions: []string{"org:read"}})
		if err != nil {
			t.Fatal(err)
		}
		if r := call(t, machine.base+"/machine/users", http.Header{"X-Api-Key": {other.Secret}}); r.status != http.StatusForbidden {
			t.Fatalf("key without user:read: status %d body %s", r.status, r.body)
		}
		if r := call(t, machine.base+"/machine/users", http.Header{"X-Api-Key": {"wk_unknown"}}); r.status != http.StatusUnauthorized {
			t.Fatalf("unknown key: status %d body %s", r.status, r.body)
		}
		if r := call(t, machine.base+"/machine/users", nil); r.status != http.StatusUnauthorized {
			t.Fatalf("no key: status %d body %s", r.status, r.body)
		}
	})
	t.Run("shared instance", func(t *testing.T) { testSharedInstance(t, wt, probe) })
	t.Run("latency", func(t *testing.T) {
		// Not an assertion: the per-request cost under wrangler dev on
		// this machine, for the report (make bench-workers compares).
		key, err := wt.CreateAPIKey(wachttest.APIKeyOptions{Permissions: []string{"user:read"}})
		if err != nil {
			t.Fatal(err)
		}
		tok := bearer("user:read")
		cases := []struct {
			name, url string
			header    http.Header
		}{
			{"no token (401)", admin.base + "/admin/users", nil},
			{"token, key set from the Cache API (200)", admin.base + "/admin/users", tok},
			{"token, key set pinned in WACHT_JWKS (200)", pinned.base + "/admin/users", tok},
			{"token without the permission (403, no backend call)", pinned.base + "/admin/users", bearer("org:read")},
			{"API key through the gateway (200)", machine.base + "/machine/users", http.Header{"X-Api-Key": {key.Secret}}},
		}
		const n = 15
		for _, c := range cases {
			var took []time.Duration
			for range n {
				took = append(took, call(t, c.url, c.header).took)
			}
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			t.Logf("%-52s median %6.1f ms  min %6.1f ms  max %6.1f ms", c.name,
				ms(took[n/2]), ms(took[0]), ms(took[n-1]))
		}
	})
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// probeState is the probe Worker's /probe/instance answer.
type probeState struct {
	Instance       string `json:"instance"`
	Requests       int64  `json:"requests"`
	VerifierBuilds int64  `json:"verifier_builds"`
	JWKSRequests   int64  `json:"jwks_requests"`
	WebCrypto      int64  `json:"webcrypto_checks"`
}

func probeInstance(t *testing.T, base string) probeState {
	t.Helper()
	r := call(t, base+"/probe/instance", nil)
	var s probeState
	if r.status != http.StatusOK || json.Unmarshal(r.body, &s) != nil || s.Instance == "" {
		t.Fatalf("/probe/instance: status %d body %s", r.status, r.body)
	}
	return s
}

// testSharedInstance checks what the entry (worker.mjs) promises: one Go
// instance serves every request of the isolate, concurrent ones included,
// with the kit's clients and the verifier's key set kept warm, and a
// crashed or wedged instance is replaced.
func testSharedInstance(t *testing.T, wt *wachttest.Server, probe *devServer) {
	token := func(t *testing.T, user string) http.Header {
		t.Helper()
		tok, err := wt.MintToken(wachttest.TokenOptions{UserID: user})
		if err != nil {
			t.Fatal(err)
		}
		return http.Header{"Authorization": {"Bearer " + tok}}
	}
	whoami := func(t *testing.T, r reply, user string) {
		t.Helper()
		var body struct {
			UserID string `json:"user_id"`
		}
		if r.status != http.StatusOK || json.Unmarshal(r.body, &body) != nil || body.UserID != user {
			t.Fatalf("status %d body %s, want 200 for user %s", r.status, r.body, user)
		}
	}

	t.Run("one Go instance serves many requests", func(t *testing.T) {
		first := probeInstance(t, probe.base)
		for i := int64(1); i <= 20; i++ {
			s := probeInstance(t, probe.base)
			if s.Instance != first.Instance || s.Requests != first.Requests+i {
				t.Fatalf("request %d: instance %s with %d requests; want %s with %d", i, s.Instance, s.Requests, first.Instance, first.Requests+i)
			}
		}
	})
	t.Run("one key-set fetch for many token requests", func(t *testing.T) {
		before := probeInstance(t, probe.base)
		wt.ResetStats()
		for i := range 20 {
			user := fmt.Sprintf("user_probe_%d", i)
			whoami(t, call(t, probe.base+"/probe/whoami", token(t, user)), user)
		}
		after := probeInstance(t, probe.base)
		if after.Instance != before.Instance {
			t.Fatalf("instance changed from %s to %s", before.Instance, after.Instance)
		}
		if n := wt.Stats().JWKSFetches; n != 1 {
			t.Errorf("the emulator served %d key-set fetches for 20 token requests; want 1", n)
		}
		if n := after.JWKSRequests - before.JWKSRequests; n != 1 {
			t.Errorf("the verifier asked for the key set %d times in 20 token requests; want 1 (then from memory)", n)
		}
		if after.VerifierBuilds != 1 {
			t.Errorf("%d verifiers built; want 1", after.VerifierBuilds)
		}
		// The signatures were checked by the runtime's WebCrypto, not by
		// Go's cryptography compiled to Wasm.
		if n := after.WebCrypto - before.WebCrypto; n != 20 {
			t.Errorf("WebCrypto checked %d of 20 token signatures; want 20", n)
		}
		// A token the instance has verified skips the signature check on
		// its next requests (its claims are still checked).
		again := token(t, "user_probe_again")
		for range 5 {
			whoami(t, call(t, probe.base+"/probe/whoami", again), "user_probe_again")
		}
		if n := probeInstance(t, probe.base).WebCrypto - after.WebCrypto; n != 1 {
			t.Errorf("five requests with one token made %d signature checks; want 1", n)
		}
	})
	t.Run("concurrent requests", func(t *testing.T) {
		// Each request waits in the Go instance until all n are waiting
		// there together, then answers with its own token's user.
		const n = 16
		before := probeInstance(t, probe.base)
		type result struct {
			user string
			r    reply
		}
		results := make(chan result, n)
		for i := range n {
			user := fmt.Sprintf("user_together_%d", i)
			h := token(t, user)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, probe.base+fmt.Sprintf("/probe/together?n=%d", n), nil)
				req.Header = h
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					results <- result{user, reply{status: -1, body: []byte(err.Error())}}
					return
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				results <- result{user, reply{status: res.StatusCode, header: res.Header, body: b}}
			}()
		}
		for range n {
			got := <-results
			whoami(t, got.r, got.user)
		}
		after := probeInstance(t, probe.base)
		if after.Instance != before.Instance || after.Requests != before.Requests+n+1 {
			t.Errorf("instance %s with %d requests after %d concurrent ones; want %s with %d", after.Instance, after.Requests, n, before.Instance, before.Requests+n+1)
		}
	})
	t.Run("fresh instance after a panic", func(t *testing.T) {
		before := probeInstance(t, probe.base)
		r := call(t, probe.base+"/probe/crash", nil)
		var e struct {
			Error string `json:"error"`
		}
		if r.status != http.StatusInternalServerError || json.Unmarshal(r.body, &e) != nil || e.Error != "internal_error" {
			t.Fatalf("crash: status %d body %s, want 500 internal_error", r.status, r.body)
		}
		after := probeInstance(t, probe.base)
		if after.Instance == before.Instance || after.Requests != 1 {
			t.Fatalf("after the crash: instance %s with %d requests; want a fresh one (was %s)", after.Instance, after.Requests, before.Instance)
		}
		user := "user_after_crash"
		whoami(t, call(t, probe.base+"/probe/whoami", token(t, user)), user)
		if !strings.Contains(probe.output(), "probe: forced crash") {
			t.Errorf("the panic is not in the Worker's log")
		}
	})
	t.Run("fresh instance after a wedged request", func(t *testing.T) {
		// WACHT_WORKER_SETTLE_MS is 5000 for the probe.
		before := probeInstance(t, probe.base)
		r := call(t, probe.base+"/probe/hang", nil)
		var e struct {
			Error     string `json:"error"`
			RequestID string `json:"request_id"`
		}
		if r.status != http.StatusGatewayTimeout || json.Unmarshal(r.body, &e) != nil || e.Error != "upstream_timeout" {
			t.Fatalf("hang: status %d body %s, want 504 upstream_timeout", r.status, r.body)
		}
		if id := r.header.Get("X-Request-Id"); id != e.RequestID {
			t.Errorf("request_id %q, X-Request-Id %q", e.RequestID, id)
		}
		after := probeInstance(t, probe.base)
		if after.Instance == before.Instance || after.Requests != 1 {
			t.Fatalf("after the wedged request: instance %s with %d requests; want a fresh one (was %s)", after.Instance, after.Requests, before.Instance)
		}
	})
	t.Run("no I/O across request contexts", func(t *testing.T) {
		// workerd reports I/O or promises that cross from one request's
		// context to another's; the entry must cause neither.
		for _, msg := range []string{"Cannot perform I/O on behalf of a different request", "from a different request context"} {
			if strings.Contains(probe.output(), msg) {
				t.Errorf("the Worker's log reports %q:\n%s", msg, probe.output())
			}
		}
	})
}
