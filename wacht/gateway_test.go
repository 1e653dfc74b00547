package wacht

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
	"time"
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

// fakeGateway records the last check and answers with handler.
func fakeGateway(t *testing.T, handler func(w http.ResponseWriter, body map[string]any)) (*httptest.Server, func() http.Header) {
	var mu sync.Mutex
	var last http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	}))
	t.Cleanup(srv.Close)
	return srv, func() http.Header { mu.Lock(); defer mu.Unlock(); return last }
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
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"request_id":"req_1","allowed":true,"identity":{"key_id":"key_1","deployment_id":"dep_1","app_slug":"app","key_name":"ci","owner_user_id":"user_1","organization_id":"org_1"},
			"permissions":["user:read"],"metadata":{"principal_type":"api_key","scopes":["a","b"],"expires_at":"2030-01-02T03:04:05Z","custom":1},
			"rate_limits":[{"rule":"per_key:10/1minute","remaining":9,"limit":10}],"headers":{"X-RateLimit-Limit":"10","X-RateLimit-Remaining":"9"}}`)
		case "denied":
			fmt.Fprint(w, `{"request_id":"req_2","allowed":false,"reason":"permission_denied","blocked_rule":"permission:user:write","permissions":["user:read"],"rate_limits":[],"headers":{}}`)
		case "limited":
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
			fmt.Fprint(w, `{"request_id":"req_3","allowed":false,"reason":"rate_limited","permissions":[],"rate_limits":[],"retry_after":7,"headers":{"Retry-After":"7"}}`)
		case "unknown":
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"errors":[{"message":"invalid API key unknown","code":401}]}`)
		case "broken":
			w.WriteHeader(502)
			fmt.Fprint(w, "upstream exploded")
		case "garbage":
			fmt.Fprint(w, "<html>")
		case "huge":
			fmt.Fprint(w, `{"allowed":true,"pad":"`+strings.Repeat("x", 4096)+`"}`)
		case "slow":
			time.Sleep(300 * time.Millisecond)
			fmt.Fprint(w, `{"allowed":true}`)
		case "bad request":
			w.WriteHeader(400)
			fmt.Fprint(w, `{"message":"resource required"}`)
		}
	})
	g, err := NewGateway(GatewayConfig{URL: srv.URL + "/", MaxResponseBytes: 2048, Timeout: 100 * time.Millisecond})
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
	if !d.Allowed || d.HTTPStatus() != 200 || d.RequestID != "req_1" || d.Identity.KeyID != "key_1" || d.Identity.OrganizationID != "org_1" ||
		!d.HasPermission("user:read") || d.PrincipalType != PrincipalAPIKey || strings.Join(d.Scopes, ",") != "a,b" ||
		d.ExpiresAt.Year() != 2030 || d.RateLimits[0].Remaining != 9 || d.Metadata["custom"] != float64(1) {
		t.Fatalf("decision %+v", d)
	}
	h := http.Header{}
	d.ApplyHeaders(h)
	if h.Get("X-RateLimit-Limit") != "10" {
		t.Fatalf("headers %v", h)
	}

	check := func(value string) (*Decision, error) {
		return g.Check(context.Background(), CheckRequest{Principal: Principal{PrincipalAPIKey, value}, Resource: "/", Method: "GET"})
	}
	if d, err := check("denied"); err != nil || d.Allowed || d.Reason != DenyPermissionDenied || d.HTTPStatus() != 403 || d.BlockedRule != "permission:user:write" {
		t.Fatalf("denied: %+v %v", d, err)
	}
	if d, err := check("limited"); err != nil || d.Allowed || d.Reason != DenyRateLimited || d.RetryAfter != 7*time.Second || d.HTTPStatus() != 429 {
		t.Fatalf("limited: %+v %v", d, err)
	}
	if d, err := check("unknown"); err != nil || d.Allowed || d.Reason != DenyInvalidPrincipal || d.HTTPStatus() != 401 || strings.Contains(d.Message, "unknown") {
		t.Fatalf("unknown: %+v %v", d, err)
	}
	errCases := []struct {
		value string
		kind  GatewayErrorKind
	}{
		{"broken", GatewayUnavailable}, {"garbage", GatewayBadResponse}, {"huge", GatewayBadResponse},
		{"slow", GatewayTimeout}, {"bad request", GatewayRejected},
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

func TestNewGatewayConfig(t *testing.T) {
	t.Setenv(GatewayURLEnv, "")
	g, err := NewGateway(GatewayConfig{})
	if err != nil || g.URL() != DefaultGatewayURL+"/v1/authz/check" {
		t.Fatalf("%v %v", g, err)
	}
	t.Setenv(GatewayURLEnv, "http://127.0.0.1:9/")
	if g, _ := NewGateway(GatewayConfig{}); g.URL() != "http://127.0.0.1:9/v1/authz/check" {
		t.Fatalf("env: %s", g.URL())
	}
	for _, u := range []string{"ftp://x", "https://user:pw@x", "https://x/?a=1", "::"} {
		var ce *ConfigError
		if _, err := NewGateway(GatewayConfig{URL: u}); !errors.As(err, &ce) {
			t.Errorf("%q: %v", u, err)
		}
	}
}
