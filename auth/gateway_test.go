package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wacht-platform/serverless-go/wacht"
)

func TestPrincipalFromRequest(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	is := newTestIssuer(t, k)
	session := is.mint(k, nil, nil)
	accessJWT := is.mint(k, nil, map[string]any{"typ": "at+jwt"})
	cases := []struct {
		name   string
		header map[string]string
		want   Principal
		ok     bool
	}{
		{"api key header", map[string]string{"X-Api-Key": "sk_live_abc"}, Principal{PrincipalAPIKey, "sk_live_abc"}, true},
		{"api key wins over bearer", map[string]string{"x-api-key": "sk_1", "Authorization": "Bearer opaque"}, Principal{PrincipalAPIKey, "sk_1"}, true},
		{"opaque bearer", map[string]string{"Authorization": "Bearer oat_123"}, Principal{PrincipalOAuthAccessToken, "oat_123"}, true},
		{"session JWT is not a machine token", map[string]string{"Authorization": "Bearer " + session}, Principal{}, false},
		{"at+jwt access token", map[string]string{"Authorization": "Bearer " + accessJWT}, Principal{PrincipalOAuthAccessToken, accessJWT}, true},
		{"three dots but not a JWT", map[string]string{"Authorization": "Bearer a.b.c"}, Principal{PrincipalOAuthAccessToken, "a.b.c"}, true},
		{"nothing", nil, Principal{}, false},
		{"basic auth", map[string]string{"Authorization": "Basic abc"}, Principal{}, false},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/x", nil)
		for k, v := range c.header {
			r.Header.Set(k, v)
		}
		got, ok := PrincipalFromRequest(r)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: got %v %v", c.name, got.Type, ok)
		}
	}
	p := Principal{PrincipalAPIKey, "sk_live_supersecret"}
	cr := CheckRequest{Principal: p, Resource: "/"}
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p), fmt.Sprintf("%v", cr), fmt.Sprintf("%+v", cr)} {
		if strings.Contains(s, "supersecret") {
			t.Errorf("formatting leaks the credential: %s", s)
		}
	}
}

// fakeGateway serves gatewayHandler on a loopback listener.
func fakeGateway(t *testing.T, handler func(w http.ResponseWriter, body map[string]any)) (*httptest.Server, func() http.Header) {
	h, last := gatewayHandler(handler)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, last
}

// memGateway is a Gateway for cfg that reaches gatewayHandler through
// memTransport: tests in a testing/synctest bubble use it, because a
// goroutine waiting on a socket never lets the bubble's clock move.
func memGateway(t *testing.T, cfg GatewayConfig, handler func(w http.ResponseWriter, body map[string]any)) *Gateway {
	t.Helper()
	h, _ := gatewayHandler(handler)
	cfg.URL = "https://gateway.test"
	cfg.HTTPClient = &http.Client{Transport: memTransport{h}}
	g, err := NewGateway(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// gatewayHandler serves the check route with handler and records the last
// check's headers.
func gatewayHandler(handler func(w http.ResponseWriter, body map[string]any)) (http.Handler, func() http.Header) {
	var mu sync.Mutex
	var last http.Header
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/v1/authz/check" {
			http.Error(w, "wrong route", 404)
			return
		}
		mu.Lock()
		last = r.Header.Clone()
		mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			http.Error(w, "bad json", 400)
			return
		}
		handler(w, body)
	})
	return h, func() http.Header { mu.Lock(); defer mu.Unlock(); return last }
}

func TestGatewayCheck(t *testing.T) {
	const secret = "sk_live_do-not-leak-me"
	gotc := make(chan map[string]any, 1)
	srv, last := fakeGateway(t, func(w http.ResponseWriter, body map[string]any) {
		p := body["principal"].(map[string]any)
		switch p["value"] {
		case secret:
			select {
			case gotc <- body:
			default:
			}
			// The shape of handlers.rs:634-660 (platform 14c45dc78f5a): an API
			// key's metadata is its own, header names are lower-case.
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"request_id":"req_1","allowed":true,"reason":null,"blocked_rule":null,"identity":{"key_id":"key_1","deployment_id":"dep_1","app_slug":"app","key_name":"ci","owner_user_id":"user_1","organization_id":"org_1","workspace_id":null,"organization_membership_id":null,"workspace_membership_id":null},
			"permissions":["user:read"],"metadata":{"team":"data","custom":1,"scopes":["not","oauth"]},
			"rate_limits":[{"rule":"10/60s","remaining":9,"limit":10}],"retry_after":null,
			"headers":{"x-ratelimit-60s-limit":"10","x-ratelimit-60s-remaining":"9","x-wacht-key-id":"key_1","x-wacht-key-name":"ci","x-wacht-metadata":"team=data"}}`)
		case "denied":
			fmt.Fprint(w, `{"request_id":"req_2","allowed":false,"reason":"permission_denied","blocked_rule":"permission_denied","permissions":["user:read"],"rate_limits":[],"retry_after":null,"headers":{"x-wacht-permission-denied":"true"}}`)
		case "limited":
			// Rate limits are HTTP 200 too; retry_after is in milliseconds.
			fmt.Fprint(w, `{"request_id":"req_3","allowed":false,"reason":"rate_limited","blocked_rule":"10/7s","permissions":[],"rate_limits":[],"retry_after":7000,"headers":{"x-ratelimit-7s-reset":"7000"}}`)
		case "limited by status":
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
			fmt.Fprint(w, `rate limited`)
		case "unknown":
			// An unknown key is a plain-text 401 (rate_limit/service.rs:174).
			w.WriteHeader(401)
			fmt.Fprint(w, "Invalid API key unknown")
		case "expired":
			// An expired key is a JSON 401 (handlers.rs:262-280, 340-344).
			w.WriteHeader(401)
			fmt.Fprint(w, `{"request_id":"req_4","allowed":false,"reason":null,"blocked_rule":null,"identity":null,"permissions":[],"metadata":null,"rate_limits":[],"retry_after":null,"headers":{}}`)
		case "broken":
			w.WriteHeader(502)
			fmt.Fprint(w, "upstream exploded")
		case "garbage":
			fmt.Fprint(w, "<html>")
		case "huge":
			fmt.Fprint(w, `{"allowed":true,"pad":"`+strings.Repeat("x", 4096)+`"}`)
		case "bad request":
			w.WriteHeader(400)
			fmt.Fprint(w, `{"message":"resource required"}`)
		}
	})
	g, err := NewGateway(GatewayConfig{URL: srv.URL + "/", MaxResponseBytes: 2048})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("DELETE", "/v1/users/42", nil)
	r.Header.Set("x-api-key", secret)
	r.Header.Set("User-Agent", "curl/8")
	r.RemoteAddr = "203.0.113.9:5555"
	r.Header.Set("X-Forwarded-For", "6.6.6.6")
	req, ok := CheckRequestFromHTTP(r, "user:read")
	if !ok {
		t.Fatal("no principal")
	}
	d, err := g.Check(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"principal": map[string]any{"type": "api_key", "value": secret}, "resource": "/v1/users/42", "method": "DELETE",
		"client_ip": "203.0.113.9", "user_agent": "curl/8", "required_permissions": []any{"user:read"},
	}
	if got := <-gotc; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("request body %v\nwant %v", got, want)
	}
	if lh := last(); lh.Get("Authorization") != "" || lh.Get("Content-Type") != "application/json" || !strings.HasPrefix(lh.Get("User-Agent"), "wacht-serverless-go/") {
		t.Fatalf("request headers %v", lh)
	}
	// An API key's metadata belongs to whoever created the key, so its
	// "scopes" are not read as OAuth scopes.
	if !d.Allowed || d.RequestID != "req_1" || d.Identity.KeyID != "key_1" || d.Identity.OrganizationID != "org_1" ||
		!d.HasPermission("user:read") || d.PrincipalType != PrincipalAPIKey || d.Scopes != nil || !d.ExpiresAt.IsZero() ||
		d.RateLimits[0].Remaining != 9 || d.Metadata["custom"] != float64(1) {
		t.Fatalf("decision %+v", d)
	}
	if ih := d.IdentityHeaders; ih.KeyID != "key_1" || ih.KeyName != "ci" || ih.Metadata["team"] != "data" || ih.PermissionDenied {
		t.Fatalf("identity headers %+v", ih)
	}
	h := http.Header{}
	d.ApplyHeaders(h)
	if h.Get("X-RateLimit-60s-Limit") != "10" || h.Get("X-RateLimit-60s-Remaining") != "9" || len(h) != 2 {
		t.Fatalf("headers %v", h)
	}

	check := func(value string) (*Decision, error) {
		return g.Check(context.Background(), CheckRequest{Principal: Principal{PrincipalAPIKey, value}, Resource: "/", Method: "GET"})
	}
	if d, err := check("denied"); err != nil || d.Allowed || d.Reason != DenyPermissionDenied ||
		d.BlockedRule != "permission_denied" || !d.IdentityHeaders.PermissionDenied {
		t.Fatalf("denied: %+v %v", d, err)
	}
	if d, err := check("limited"); err != nil || d.Allowed || d.Reason != DenyRateLimited || d.RetryAfter != 7*time.Second {
		t.Fatalf("limited: %+v %v", d, err)
	}
	if d, err := check("limited by status"); err != nil || d.Reason != DenyRateLimited || d.RetryAfter != 7*time.Second {
		t.Fatalf("limited by status: %+v %v", d, err)
	}
	if d, err := check("unknown"); err != nil || d.Allowed || d.Reason != DenyInvalidPrincipal ||
		d.Message != "Invalid API key [redacted]" || d.PrincipalType != PrincipalAPIKey {
		t.Fatalf("unknown: %+v %v", d, err)
	}
	if d, err := check("expired"); err != nil || d.Reason != DenyInvalidPrincipal || d.RequestID != "req_4" {
		t.Fatalf("expired: %+v %v", d, err)
	}
	errCases := []struct {
		value string
		kind  GatewayErrorKind
	}{
		{"broken", GatewayUnavailable}, {"garbage", GatewayBadResponse}, {"huge", GatewayBadResponse},
		{"bad request", GatewayRejected},
	}
	for _, c := range errCases {
		_, err := check(c.value)
		var ge *GatewayError
		if !errors.As(err, &ge) || ge.Kind != c.kind {
			t.Errorf("%s: %v; want %s", c.value, err, c.kind)
		}
	}
	if _, err := g.Check(context.Background(), CheckRequest{Principal: Principal{"password", "x"}, Resource: "/", Method: "GET"}); err == nil {
		t.Fatal("bad principal type accepted")
	}
	srv.Close()
	_, err = g.Check(context.Background(), req)
	var ge *GatewayError
	if !errors.As(err, &ge) || ge.Kind != GatewayUnreachable || !ge.Temporary() || strings.Contains(err.Error(), secret) {
		t.Fatalf("closed server: %v", err)
	}
}

// A check is bounded by GatewayConfig.Timeout (DefaultGatewayTimeout when
// zero) and by the caller's context, whichever ends first; a gateway that
// has not answered by then is a temporary GatewayTimeout.
func TestGatewayTimeout(t *testing.T) {
	cases := []struct {
		name     string
		timeout  time.Duration // GatewayConfig.Timeout
		deadline time.Duration // the caller's; 0 means none
		answer   time.Duration // when the gateway answers
		want     time.Duration // when Check returns
		ok       bool
	}{
		{"answer after the timeout", 100 * time.Millisecond, 0, 300 * time.Millisecond, 100 * time.Millisecond, false},
		{"answer just inside the timeout", 100 * time.Millisecond, 0, 99 * time.Millisecond, 99 * time.Millisecond, true},
		{"caller's deadline first", 100 * time.Millisecond, 30 * time.Millisecond, 300 * time.Millisecond, 30 * time.Millisecond, false},
		{"timeout before the caller's deadline", 100 * time.Millisecond, time.Second, 300 * time.Millisecond, 100 * time.Millisecond, false},
		{"default timeout", 0, 0, time.Hour, DefaultGatewayTimeout, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// The handler ignores its context, as a stuck gateway does:
				// only the client can end the wait. It is let go when the
				// test ends, because a bubble cannot end with it asleep.
				stop := make(chan struct{})
				defer close(stop)
				g := memGateway(t, GatewayConfig{Timeout: c.timeout}, func(w http.ResponseWriter, body map[string]any) {
					select {
					case <-time.After(c.answer):
						fmt.Fprint(w, `{"allowed":true}`)
					case <-stop:
					}
				})
				ctx := context.Background()
				if c.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, c.deadline)
					defer cancel()
				}
				start := time.Now()
				d, err := g.Check(ctx, CheckRequest{Principal: Principal{PrincipalAPIKey, "slow"}, Resource: "/", Method: "GET"})
				if took := time.Since(start); took != c.want {
					t.Errorf("Check returned after %v, want %v", took, c.want)
				}
				if c.ok {
					if err != nil || !d.Allowed {
						t.Fatalf("%+v %v", d, err)
					}
					return
				}
				var ge *GatewayError
				if !errors.As(err, &ge) || ge.Kind != GatewayTimeout || !ge.Temporary() || !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("%v; want a %s", err, GatewayTimeout)
				}
			})
		})
	}
}

func TestNewGatewayConfig(t *testing.T) {
	// The process environment is not configuration NewGateway reads.
	t.Setenv("WACHT_GATEWAY_URL", "http://127.0.0.1:9/")
	g, err := NewGateway(GatewayConfig{})
	if err != nil || g.URL() != DefaultGatewayURL+"/v1/authz/check" {
		t.Fatalf("%v %v", g, err)
	}
	if g, _ := NewGateway(GatewayConfig{URL: "http://127.0.0.1:9/"}); g.URL() != "http://127.0.0.1:9/v1/authz/check" {
		t.Fatalf("explicit URL: %s", g.URL())
	}
	for _, u := range []string{"ftp://x", "https://user:pw@x", "https://x/?a=1", "::"} {
		var ce *wacht.ConfigError
		if _, err := NewGateway(GatewayConfig{URL: u}); !errors.As(err, &ce) {
			t.Errorf("%q: %v", u, err)
		}
	}
}

// A rate-limited answer as the gateway sends it (HTTP 200, retry_after and
// the blocked window's reset header in milliseconds, identity headers in
// the same map): the caller gets whole seconds and no x-wacht-* header.
func TestGatewayRateLimitInMillisecondsAndHeaderFilter(t *testing.T) {
	srv, _ := fakeGateway(t, func(w http.ResponseWriter, body map[string]any) {
		fmt.Fprint(w, `{"request_id":"req_9","allowed":false,"reason":"rate_limited","blocked_rule":"100/60s","identity":{"key_id":"42","deployment_id":"7","app_slug":"crm","key_name":"billing sync"},
		"permissions":["user:read"],"metadata":{"owner":"ops@example.com"},"rate_limits":[{"rule":"100/60s","remaining":0,"limit":100},{"rule":"5/500ms","remaining":4,"limit":5}],
		"retry_after":60000,
		"headers":{"x-ratelimit-60s-limit":"100","x-ratelimit-60s-remaining":"0","x-ratelimit-60s-reset":"60000","x-ratelimit-500ms-limit":"5","x-ratelimit-500ms-remaining":"4",
		"x-wacht-key-id":"42","x-wacht-deployment-id":"7","x-wacht-app-slug":"crm","x-wacht-key-name":"billing sync","x-wacht-permissions":"user:read,user:write",
		"x-wacht-metadata":"owner=ops@example.com,tier=gold","x-wacht-organization-id":"9001","X-Wacht-Workspace-ID":"77"}}`)
	})
	g, err := NewGateway(GatewayConfig{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	d, err := g.Check(context.Background(), CheckRequest{Principal: Principal{PrincipalAPIKey, "sk_live_x"}, Resource: "/v1/users", Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed || d.Reason != DenyRateLimited || d.RetryAfter != time.Minute {
		t.Fatalf("decision %+v (retry after %s)", d, d.RetryAfter)
	}
	h := http.Header{}
	d.ApplyHeaders(h)
	want := http.Header{
		"Retry-After":                 {"60"},
		"X-Ratelimit-60s-Limit":       {"100"},
		"X-Ratelimit-60s-Remaining":   {"0"},
		"X-Ratelimit-60s-Reset":       {"60"},
		"X-Ratelimit-500ms-Limit":     {"5"},
		"X-Ratelimit-500ms-Remaining": {"4"},
	}
	if fmt.Sprint(h) != fmt.Sprint(want) {
		t.Fatalf("applied headers\n got %v\nwant %v", h, want)
	}
	// Everything the gateway said about the key is on the decision.
	ih := d.IdentityHeaders
	if ih.KeyID != "42" || ih.DeploymentID != "7" || ih.AppSlug != "crm" || ih.KeyName != "billing sync" || ih.OrganizationID != "9001" ||
		ih.WorkspaceID != "77" || strings.Join(ih.Permissions, "|") != "user:read|user:write" ||
		ih.Metadata["owner"] != "ops@example.com" || ih.Metadata["tier"] != "gold" {
		t.Fatalf("identity headers %+v", ih)
	}
	if d.Headers["x-wacht-workspace-id"] != "77" || d.Metadata["owner"] != "ops@example.com" {
		t.Fatalf("raw headers %v metadata %v", d.Headers, d.Metadata)
	}
}

// An OAuth access token's answer: scopes and expiry come from its
// metadata, the issuer and client id only from the identity headers.
func TestGatewayOAuthDecision(t *testing.T) {
	srv, _ := fakeGateway(t, func(w http.ResponseWriter, body map[string]any) {
		fmt.Fprint(w, `{"request_id":"req_5","allowed":true,"reason":null,"blocked_rule":null,
		"identity":{"key_id":"314","deployment_id":"7","app_slug":"crm","key_name":"client_abc","owner_user_id":"11"},
		"permissions":["org:read"],"metadata":{"principal_type":"oauth_access_token","scopes":["read","write"],"oauth_resource":"urn:wacht:organization:5","granted_resource":"urn:wacht:organization:5","expires_at":"2030-01-02T03:04:05.123456Z"},
		"rate_limits":[{"rule":"1000/60s","remaining":999,"limit":1000}],"retry_after":null,
		"headers":{"x-ratelimit-60s-limit":"1000","x-ratelimit-60s-remaining":"999","x-wacht-principal-type":"oauth_access_token","x-wacht-deployment-id":"7","x-wacht-app-slug":"crm",
		"x-wacht-oauth-client-id":"client_abc","x-wacht-oauth-issuer":"https://auth.example.com","x-wacht-granted-resource":"urn:wacht:organization:5",
		"x-wacht-oauth-audience":"urn:wacht:organization:5","x-wacht-oauth-resource":"urn:wacht:organization:5","x-wacht-scopes":"read,write","x-wacht-permissions":"org:read"}}`)
	})
	g, _ := NewGateway(GatewayConfig{URL: srv.URL})
	d, err := g.Check(context.Background(), CheckRequest{Principal: Principal{PrincipalOAuthAccessToken, "oat_x"}, Resource: "/", Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	ih := d.IdentityHeaders
	if !d.Allowed || d.PrincipalType != PrincipalOAuthAccessToken || strings.Join(d.Scopes, ",") != "read,write" || d.ExpiresAt.Year() != 2030 ||
		ih.PrincipalType != PrincipalOAuthAccessToken || ih.OAuthClientID != "client_abc" || ih.OAuthIssuer != "https://auth.example.com" ||
		ih.GrantedResource != "urn:wacht:organization:5" || ih.OAuthAudience != "urn:wacht:organization:5" || ih.OAuthResource != "urn:wacht:organization:5" ||
		strings.Join(ih.Scopes, ",") != "read,write" {
		t.Fatalf("decision %+v\nidentity headers %+v", d, ih)
	}
	h := http.Header{}
	d.ApplyHeaders(h)
	for k := range h {
		if !strings.HasPrefix(strings.ToLower(k), "x-ratelimit-") {
			t.Errorf("header %s reached the response", k)
		}
	}
}

// Required permissions all have to be held; names the gateway would read
// as an expression are refused before anything is sent.
func TestGatewayRequiredPermissions(t *testing.T) {
	var mu sync.Mutex
	var sent [][]any
	srv, _ := fakeGateway(t, func(w http.ResponseWriter, body map[string]any) {
		mu.Lock()
		perms, _ := body["required_permissions"].([]any)
		sent = append(sent, perms)
		mu.Unlock()
		fmt.Fprint(w, `{"request_id":"r","allowed":true,"permissions":[],"rate_limits":[],"headers":{}}`)
	})
	g, _ := NewGateway(GatewayConfig{URL: srv.URL})
	check := func(perms ...string) error {
		_, err := g.Check(context.Background(), CheckRequest{Principal: Principal{PrincipalAPIKey, "sk_x"}, Resource: "/", Method: "GET", RequiredPermissions: perms})
		return err
	}
	if err := check("user:read", "user:write"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]string{{"user:read OR admin"}, {"a,b"}, {"(a)"}, {" a"}, {""}, {"ok", "tab\there"}} {
		err := check(bad...)
		var ge *GatewayError
		if !errors.As(err, &ge) || ge.Kind != GatewayInvalidRequest {
			t.Errorf("%q: %v", bad, err)
		}
		if ValidateRequiredPermissions(bad) == nil {
			t.Errorf("ValidateRequiredPermissions(%q) accepted", bad)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sent) != 1 || fmt.Sprint(sent[0]) != "[user:read user:write]" {
		t.Fatalf("sent %v", sent)
	}
}
