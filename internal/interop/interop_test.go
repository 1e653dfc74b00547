package interop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/testtools"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// fixture is an emulator whose deployment key signs tokens through jwx,
// and the sessions the samples are asked with.
type fixture struct {
	emu                      *wachttest.Server
	keyPEM, otherPEM         []byte
	memberSession, outsiderS session
}

// tokens are three session tokens signed now: Wacht's live 35 seconds, so
// a test signs them right before it uses them.
type tokens struct {
	member   string // user:read in the active organization
	outsider string // a member of the organization whose roles grant nothing
	forged   string // the member's token, signed by a key Wacht never published
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	f := &fixture{emu: emu, keyPEM: pkcs8PEM(t, emu.SigningKey()), otherPEM: otherKeyPEM(t)}
	user := mustUint(t, wachttest.SeedUserID)
	org := mustUint(t, wachttest.SeedOrganizationID)
	ws := mustUint(t, wachttest.SeedWorkspaceID)
	// The seeded user as Owner of the seeded organization (user:read among
	// its permissions) and Deployer of its workspace.
	f.memberSession = session{userID: user, sessionID: 7301, orgID: org,
		orgPerms:    []string{"user:read", "user:write", "org:manage", "billing:manage"},
		workspaceID: ws, workspacePerms: []string{"deploy:write", "workspace:read"}}
	// A member whose roles grant nothing: jwx writes the nil list as null.
	f.outsiderS = session{userID: mustUint(t, wachttest.SeedUser3ID), sessionID: 7302, orgID: org}
	return f
}

func (f *fixture) sign(t testing.TB) tokens {
	t.Helper()
	iss := f.emu.FrontendURL
	return tokens{
		member:   signSessionToken(t, f.keyPEM, iss, f.memberSession),
		outsider: signSessionToken(t, f.keyPEM, iss, f.outsiderS),
		forged:   signSessionToken(t, f.otherPEM, iss, f.memberSession),
	}
}

func mustUint(t testing.TB, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The emulator publishes what GetJwks publishes for its key, and mints
// what GetToken mints: checked against jwx doing what the server does.
func TestEmulatorMatchesTheFrontendAPI(t *testing.T) {
	f := newFixture(t)
	res, err := http.Get(f.emu.FrontendURL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	served, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "" {
		t.Errorf("JWKS Cache-Control %q; GetJwks sends none", cc)
	}
	ids := f.emu.KeyIDs()
	if len(ids) != 1 {
		t.Fatalf("key ids %v", ids)
	}
	var got, want any
	if err := json.Unmarshal(served, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(wachtJWKS(t, f.emu.SigningKey(), ids[0]), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("emulator JWKS\n%s\nGetJwks would serve\n%s", served, wachtJWKS(t, f.emu.SigningKey(), ids[0]))
	}

	// The header of every token GetToken signs with the deployment key.
	if h := string(segment(t, f.sign(t).member, 0)); h != `{"alg":"ES256","typ":"JWT"}` {
		t.Fatalf("jwx header %s", h)
	}
	s := f.memberSession
	s.metadata = map[string]any{"plan": "pro", "seats": float64(5)}
	fromJWX := signSessionToken(t, f.keyPEM, f.emu.FrontendURL, s)
	fromEmu, err := f.emu.MintToken(wachttest.TokenOptions{
		UserID: wachttest.SeedUserID, SessionID: "7301",
		OrganizationID: wachttest.SeedOrganizationID, OrganizationPermissions: s.orgPerms,
		WorkspaceID: wachttest.SeedWorkspaceID, WorkspacePermissions: s.workspacePerms,
		Metadata: s.metadata,
	})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := segment(t, fromEmu, 0), segment(t, fromJWX, 0); !bytes.Equal(a, b) {
		t.Errorf("headers differ: emulator %s, jwx %s", a, b)
	}
	var ce, cj map[string]any
	if err := json.Unmarshal(segment(t, fromEmu, 1), &ce); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(segment(t, fromJWX, 1), &cj); err != nil {
		t.Fatal(err)
	}
	for _, c := range []map[string]any{ce, cj} {
		if life := c["exp"].(float64) - c["iat"].(float64); life != tokenLifetime+allowedClockSkew {
			t.Errorf("exp - iat = %v s", life)
		}
		delete(c, "iat")
		delete(c, "exp")
	}
	if !reflect.DeepEqual(ce, cj) {
		t.Errorf("claims differ:\nemulator %v\njwx      %v", ce, cj)
	}
	if names := slices.Sorted(maps.Keys(cj)); !slices.Equal(names, []string{"iss", "metadata", "organization", "permissions", "sid", "sub", "workspace"}) {
		t.Errorf("claim names %v", names)
	}
}

// The verifier accepts what jwx signs as GetToken does, reads its claims,
// and rejects the same token signed by any other key.
func TestVerifierAcceptsTokensAsWachtSignsThem(t *testing.T) {
	f := newFixture(t)
	v, err := auth.NewVerifier(auth.VerifierConfig{PublishableKey: f.emu.PublishableKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := f.memberSession
	s.metadata = map[string]any{"plan": "pro", "seats": 5}
	a := v.AuthFromToken(ctx, signSessionToken(t, f.keyPEM, f.emu.FrontendURL, s))
	if err := a.Protect(auth.ProtectOptions{AnyPermission: []string{"user:read"}, OrganizationID: wachttest.SeedOrganizationID, WorkspaceID: wachttest.SeedWorkspaceID}); err != nil {
		t.Fatalf("Protect: %v", err)
	}
	if a.UserID != wachttest.SeedUserID || a.SessionID != "7301" || !a.Has(auth.ProtectOptions{AnyPermission: []string{"deploy:write"}}) {
		t.Fatalf("auth %+v", a)
	}
	var meta struct {
		Plan  string `json:"plan"`
		Seats int    `json:"seats"`
	}
	if err := a.DecodeMetadata(&meta); err != nil || meta.Plan != "pro" || meta.Seats != 5 {
		t.Fatalf("metadata %+v %v", meta, err)
	}
	tk := f.sign(t)
	if a := v.AuthFromToken(ctx, tk.outsider); !a.Authenticated() || a.Has(auth.ProtectOptions{AnyPermission: []string{"user:read"}}) {
		t.Fatalf("outsider: %+v %v", a, a.Err())
	}
	a = v.AuthFromToken(ctx, tk.forged)
	if a.Authenticated() || auth.TokenErrorReason(a.Err()) != auth.TokenReasonBadSignature {
		t.Fatalf("a kid-less token signed by another key: %v", a.Err())
	}
	if n := v.Stats().Fetches; n != 1 {
		t.Errorf("JWKS fetches %d", n)
	}

	// A JWT template with an HMAC key (signTokenHS256: jwt.Sign with the
	// secret's bytes) verifies with that secret configured.
	secret := []byte("the-template-signing-secret-of-32-bytes+")
	tok, err := jwt.NewBuilder().Issuer(f.emu.FrontendURL).Subject(wachttest.SeedUserID).
		IssuedAt(time.Now()).Expiration(time.Now().Add(35 * time.Second)).Build()
	if err != nil {
		t.Fatal(err)
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.HS256(), secret))
	if err != nil {
		t.Fatal(err)
	}
	if h := string(segment(t, string(signed), 0)); h != `{"alg":"HS256","typ":"JWT"}` {
		t.Fatalf("HS256 header %s", h)
	}
	hv, err := auth.NewVerifier(auth.VerifierConfig{PublishableKey: f.emu.PublishableKey, Algorithms: []string{"ES256", "HS256"}, HMACSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if a := hv.AuthFromToken(ctx, string(signed)); !a.Authenticated() {
		t.Fatalf("HS256 template token: %v", a.Err())
	}
	if a := v.AuthFromToken(ctx, string(signed)); a.Authenticated() || auth.TokenErrorReason(a.Err()) != auth.TokenReasonAlgorithm {
		t.Fatalf("HS256 without a configured secret: %v", a.Err())
	}
}

// A token signed exactly as the frontend API signs it passes Protect on
// every platform's sample, each built and run as it is deployed; the same
// token without user:read is forbidden and one signed by another key is
// unauthenticated.
func TestSamplesAcceptTokensAsWachtSignsThem(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every platform's sample")
	}
	f := newFixture(t)
	root := testtools.RepoRoot(t)
	env := map[string]string{
		"WACHT_API_KEY":                     f.emu.APIKey,
		"WACHT_BACKEND_API_URL":             f.emu.BackendURL,
		"WACHT_PUBLISHABLE_KEY":             f.emu.PublishableKey,
		"NEXT_PUBLIC_WACHT_PUBLISHABLE_KEY": "",
		"WACHT_GATEWAY_URL":                 f.emu.GatewayURL,
		"WACHT_WEBHOOK_SECRET":              f.emu.WebhookSecret(),
	}
	type call func(t *testing.T, token string) (int, string)
	// Binaries outlive the subtest that built them: the two workers runs
	// share one.
	binDir := t.TempDir()
	built := map[string]string{}
	build := func(t *testing.T, dir, pkg string, extra []string) string {
		if bin, ok := built[dir+" "+pkg]; ok {
			return bin
		}
		bin := buildIn(t, dir, pkg, extra, filepath.Join(binDir, strconv.Itoa(len(built))))
		built[dir+" "+pkg] = bin
		return bin
	}
	samples := []struct {
		name  string
		start func(t *testing.T) call
	}{
		{"server", func(t *testing.T) call {
			bin := build(t, root, "./samples/server", nil)
			base := serve(t, bin, env, map[string]string{"ADDR": ""})
			return httpCall(base + "/admin/users")
		}},
		{"workers", func(t *testing.T) call {
			// Outside a Worker, workers.Serve serves on 127.0.0.1:$PORT with
			// the Workers transport's key-set handling.
			bin := build(t, root, "./samples/workers/admin-users", nil)
			return httpCall(serve(t, bin, env, nil) + "/admin/users")
		}},
		{"workers with WACHT_JWKS", func(t *testing.T) call {
			// The key set pinned in a binding, as GetJwks serves it.
			bin := build(t, root, "./samples/workers/admin-users", nil)
			ids := f.emu.KeyIDs()
			pinned := string(wachtJWKS(t, f.emu.SigningKey(), ids[0]))
			return httpCall(serve(t, bin, env, map[string]string{"WACHT_JWKS": pinned}) + "/admin/users")
		}},
		{"gcf", func(t *testing.T) call {
			bin := build(t, filepath.Join(root, "samples", "gcf"), "./cmd/local", nil)
			return httpCall(serve(t, bin, env, map[string]string{"FUNCTION_TARGET": "AdminUsers"}) + "/")
		}},
		{"lambda", func(t *testing.T) call {
			testtools.RIE(t) // skips before building when the emulator is missing (fails under CI)
			bin := build(t, root, "./samples/lambda/admin-users", lambdaBuild)
			return rieCall(t, bin, "admin-users", env, func(token string) any {
				return map[string]any{
					"version": "2.0", "rawPath": "/admin/users", "rawQueryString": "",
					"headers": map[string]string{"host": "api.example.com", "authorization": "Bearer " + token},
					"requestContext": map[string]any{"stage": "$default", "requestId": "interop", "domainName": "api.example.com",
						"http": map[string]any{"method": "GET", "path": "/admin/users", "sourceIp": "192.0.2.1", "protocol": "HTTP/1.1"}},
				}
			})
		}},
		{"netlify", func(t *testing.T) call {
			testtools.RIE(t)
			bin := build(t, filepath.Join(root, "samples", "netlify", "functions", "admin-users"), ".", lambdaBuild)
			return rieCall(t, bin, "admin-users", env, func(token string) any {
				path := "/.netlify/functions/admin-users"
				h := map[string]string{"host": "site.netlify.app", "authorization": "Bearer " + token}
				mh := map[string][]string{}
				for k, v := range h {
					mh[k] = []string{v}
				}
				return map[string]any{
					"path": path, "httpMethod": "GET", "headers": h, "multiValueHeaders": mh,
					"rawUrl": "https://site.netlify.app" + path, "rawQuery": "",
					"requestContext": map[string]any{"httpMethod": "GET", "requestTimeEpoch": 0},
				}
			})
		}},
	}
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			do := s.start(t)
			tk := f.sign(t)
			code, body := do(t, tk.member)
			if code != http.StatusOK {
				t.Fatalf("member: %d %s", code, body)
			}
			var users struct {
				Users []struct {
					ID string `json:"id"`
				} `json:"users"`
			}
			if err := json.Unmarshal([]byte(body), &users); err != nil || len(users.Users) == 0 {
				t.Fatalf("member: users %s (%v)", body, err)
			}
			if code, body := do(t, tk.outsider); code != http.StatusForbidden || !strings.Contains(body, `"forbidden"`) {
				t.Errorf("member without user:read: %d %s", code, body)
			}
			if code, body := do(t, tk.forged); code != http.StatusUnauthorized || !strings.Contains(body, `"unauthenticated"`) {
				t.Errorf("kid-less token signed by another key: %d %s", code, body)
			}
		})
	}
}

// lambdaBuild builds a Lambda bootstrap as make build-lambda does, for the
// host's architecture so the Runtime Interface Emulator can run it.
var lambdaBuild = []string{"GOOS=linux", "GOARCH=" + runtime.GOARCH, "CGO_ENABLED=0", "-tags=lambda.norpc"}

// buildIn compiles pkg in the module at dir into outDir/bootstrap. extra
// holds environment assignments and, starting with "-", build flags.
func buildIn(t *testing.T, dir, pkg string, extra []string, outDir string) string {
	t.Helper()
	out := filepath.Join(outDir, "bootstrap")
	args := []string{"build", "-trimpath", "-o", out}
	var envs []string
	for _, e := range extra {
		if strings.HasPrefix(e, "-") {
			args = append(args, e)
		} else {
			envs = append(envs, e)
		}
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envs...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s in %s: %v\n%s", pkg, dir, err, b)
	}
	return out
}

// childEnv is the test's environment without any Wacht or platform
// setting of its own, plus env and extra.
func childEnv(env, extra map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "WACHT_") || strings.HasPrefix(k, "NEXT_PUBLIC_WACHT_") || k == "PORT" || k == "ADDR" || k == "FUNCTION_TARGET" {
			continue
		}
		out = append(out, kv)
	}
	for _, m := range []map[string]string{env, extra} {
		for k, v := range m {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// serve runs an HTTP-serving sample on a free loopback port and returns its
// base URL once it listens there. The samples listen on the $PORT they are
// given, so a port another process takes first makes them exit, and they
// are started again on another (testtools.StartOnFreePorts).
func serve(t *testing.T, bin string, env, extra map[string]string) string {
	t.Helper()
	ports := testtools.StartOnFreePorts(t, 1, func(ports []int) error {
		cmd := exec.Command(bin)
		cmd.Env = append(childEnv(env, extra), "PORT="+strconv.Itoa(ports[0]))
		p := testtools.StartGroup(t, cmd, filepath.Base(bin))
		return p.Await(60*time.Second, func() bool { return p.Listening(ports[0]) })
	})
	return "http://" + testtools.Loopback(ports[0])
}

func httpCall(url string) func(t *testing.T, token string) (int, string) {
	return func(t *testing.T, token string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, string(b)
	}
}

// rieCall runs a Lambda bootstrap under the Runtime Interface Emulator and
// invokes it with the event ev builds for a token.
func rieCall(t *testing.T, bootstrap, function string, env map[string]string, ev func(token string) any) func(t *testing.T, token string) (int, string) {
	t.Helper()
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	invoke, _ := testtools.StartRIE(t, bootstrap, function, kv...)
	return func(t *testing.T, token string) (int, string) {
		t.Helper()
		payload, err := json.Marshal(ev(token))
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.Post(invoke, "application/json", bytes.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			StatusCode      int    `json:"statusCode"`
			Body            string `json:"body"`
			IsBase64Encoded bool   `json:"isBase64Encoded"`
		}
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		if out.IsBase64Encoded {
			t.Fatalf("binary answer to a JSON request")
		}
		return out.StatusCode, out.Body
	}
}
