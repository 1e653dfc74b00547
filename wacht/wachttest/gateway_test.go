package wachttest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// check calls the gateway like the SDK does: POST /v1/authz/check with no
// credentials besides the principal.
func check(t testing.TB, s *Server, principal string, perms ...string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"principal": map[string]any{"type": "api_key", "value": principal},
		"resource":  "/v1/reports", "method": "GET", "client_ip": "198.51.100.4", "user_agent": "test",
		"required_permissions": perms,
	})
	req, _ := http.NewRequest(http.MethodPost, s.GatewayURL+"/v1/authz/check", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	c := &client{t: t, s: s, hc: http.DefaultClient}
	code, _, out := c.send(req)
	return code, out
}

func TestGatewayWithKeysCreatedThroughBackendAPI(t *testing.T) {
	s := newChecked(t, Options{})
	c := newClient(t, s)
	c.mustJSON(http.MethodPost, "/api-auth/rate-limit-schemes", map[string]any{
		"slug": "tight", "name": "Tight", "rules": []map[string]any{{"unit": "minute", "duration": 1, "max_requests": 2, "mode": "per_key"}},
	})
	app := c.mustJSON(http.MethodPost, "/api-auth/apps", map[string]any{
		"app_slug": "reports", "name": "Reports", "key_prefix": "sk_rep", "rate_limit_scheme_slug": "tight", "permissions": []string{"reports:read"},
	})
	if rl := app["rate_limits"].([]any); len(rl) != 1 {
		t.Fatalf("app rate limits %v", app)
	}
	if code, _ := c.json(http.MethodPost, "/api-auth/apps", map[string]any{"app_slug": "reports", "name": "R", "key_prefix": "x"}); code != http.StatusConflict {
		t.Errorf("duplicate app: %d", code)
	}
	created := c.mustJSON(http.MethodPost, "/api-auth/apps/reports/keys", map[string]any{
		"name": "ci", "permissions": []string{"reports:read"}, "metadata": map[string]any{"team": "data"},
	})
	// ApiKeyWithSecret flattens the key (models/src/api_key.rs:389): its
	// fields and the secret share the top level; key_hash is never sent.
	secret := created["secret"].(string)
	key := created
	keyID := key["id"].(string)
	if _, nested := key["key"]; nested || key["key_suffix"] != secret[len(secret)-8:] || key["key_prefix"] != "sk_rep" || key["key_hash"] != nil {
		t.Fatalf("key %v", key)
	}

	code, out := check(t, s, secret, "reports:read")
	if code != http.StatusOK || out["allowed"] != true {
		t.Fatalf("allowed check: %d %v", code, out)
	}
	id := out["identity"].(map[string]any)
	if id["key_id"] != keyID || id["app_slug"] != "reports" || id["key_name"] != "ci" || id["deployment_id"] != DeploymentID {
		t.Errorf("identity %v", id)
	}
	// An API key's metadata is the key's own (handlers.rs:655); the
	// identity rides in lower-case x-wacht-* headers next to the rate-limit
	// ones (handlers.rs:387-449, 569-578).
	if md := out["metadata"].(map[string]any); len(md) != 1 || md["team"] != "data" {
		t.Errorf("metadata %v", md)
	}
	if h := out["headers"].(map[string]any); h["x-ratelimit-60s-limit"] != "2" || h["x-ratelimit-60s-remaining"] != "1" ||
		h["x-wacht-key-id"] != keyID || h["x-wacht-key-name"] != "ci" || h["x-wacht-app-slug"] != "reports" ||
		h["x-wacht-deployment-id"] != DeploymentID || h["x-wacht-permissions"] != "reports:read" || h["x-wacht-metadata"] != "team=data" {
		t.Errorf("headers %v", h)
	}
	if out["reason"] != nil || out["blocked_rule"] != nil || out["retry_after"] != nil {
		t.Errorf("allowed answer carries a denial: %v", out)
	}

	// All required permissions must be held (joined with AND).
	code, out = check(t, s, secret, "reports:read", "reports:write")
	if code != http.StatusOK || out["allowed"] != false || out["reason"] != "permission_denied" || out["blocked_rule"] != "permission_denied" ||
		out["headers"].(map[string]any)["x-wacht-permission-denied"] != "true" {
		t.Errorf("missing permission: %d %v", code, out)
	}
	// A denied check does not consume the budget: one request left.
	if _, out = check(t, s, secret); out["allowed"] != true {
		t.Fatalf("second allowed check: %v", out)
	}
	// Over the limit: still HTTP 200, retry_after in milliseconds (the
	// window's length, window.rs:270), the same number in the reset header.
	code, out = check(t, s, secret)
	if code != http.StatusOK || out["allowed"] != false || out["reason"] != "rate_limited" || out["blocked_rule"] != "2/60s" {
		t.Fatalf("over the limit: %d %v", code, out)
	}
	if out["retry_after"] != float64(60000) {
		t.Errorf("retry_after %v", out["retry_after"])
	}
	h := out["headers"].(map[string]any)
	if h["x-ratelimit-60s-reset"] != "60000" || h["x-ratelimit-60s-remaining"] != "0" || h["Retry-After"] != nil || h["x-wacht-key-id"] != keyID {
		t.Errorf("headers %v", h)
	}
	if rl := out["rate_limits"].([]any); len(rl) != 1 || rl[0].(map[string]any)["remaining"] != float64(0) {
		t.Errorf("rate_limits %v", out["rate_limits"])
	}

	// Revocation through the backend API: the gateway answers 401.
	c.mustJSON(http.MethodPost, "/api-auth/apps/reports/keys/"+keyID+"/revoke", map[string]any{"reason": "leaked"})
	// An unknown key is a plain-text 401 (rate_limit/service.rs:174).
	code, raw := checkRaw(t, s, secret)
	if code != http.StatusUnauthorized || raw != "Invalid API key" {
		t.Fatalf("revoked key: %d %q", code, raw)
	}
	list := c.mustJSON(http.MethodGet, "/api-auth/apps/reports/keys?include_inactive=true", nil)
	k := list["keys"].([]any)[0].(map[string]any)
	if k["is_active"] != false || k["revoked_reason"] != "leaked" || k["revoked_at"] == nil {
		t.Errorf("revoked key listing %v", k)
	}
	if got := c.mustJSON(http.MethodGet, "/api-auth/apps/reports/keys", nil)["keys"].([]any); len(got) != 0 {
		t.Errorf("inactive keys listed by default: %v", got)
	}
	if code, _ := checkRaw(t, s, "sk_rep_not_a_key"); code != http.StatusUnauthorized {
		t.Errorf("unknown key: %d", code)
	}
	if code, _ := c.json(http.MethodPost, "/api-auth/apps/reports/keys/999/revoke", map[string]any{}); code != http.StatusNotFound {
		t.Errorf("revoking an unknown key: %d", code)
	}
}

func TestGatewayRotateAndGoHelpers(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	c := newClient(t, s)
	rotated := c.mustJSON(http.MethodPost, "/api-auth/apps/"+SeedAPIAppSlug+"/keys/"+SeedAPIKeyID+"/rotate", nil)
	if code, _ := checkRaw(t, s, SeedAPIKeySecret); code != http.StatusUnauthorized {
		t.Errorf("old secret after rotation: %d", code)
	}
	if _, out := check(t, s, rotated["secret"].(string), "user:read"); out["allowed"] != true {
		t.Errorf("rotated secret: %v", out)
	}

	// Go helpers: app with a rate limit, key bound to a membership.
	if err := s.CreateAPIAuthApp(APIAuthAppOptions{Slug: "billing", Resources: []string{"/elsewhere"},
		RateLimits: []RateLimit{{Unit: "hour", Duration: 1, MaxRequests: 1}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAPIAuthApp(APIAuthAppOptions{Slug: "billing"}); err == nil {
		t.Error("duplicate app accepted")
	}
	k, err := s.CreateAPIKey(APIKeyOptions{AppSlug: "billing", Permissions: []string{"invoices:read"}, OrganizationMembershipID: SeedOrgMembershipID})
	if err != nil {
		t.Fatal(err)
	}
	_, out := check(t, s, k.Secret, "org:manage")
	if out["allowed"] != true {
		t.Fatalf("role permission via membership: %v", out)
	}
	id := out["identity"].(map[string]any)
	if id["owner_user_id"] != SeedUserID || id["organization_id"] != SeedOrganizationID || id["organization_membership_id"] != SeedOrgMembershipID {
		t.Errorf("identity %v", id)
	}
	if perms := out["permissions"].([]any); !slices.Contains(perms, any("invoices:read")) || !slices.Contains(perms, any("user:read")) {
		t.Errorf("permissions %v", perms)
	}
	if _, out = check(t, s, k.Secret); out["reason"] != "rate_limited" {
		t.Errorf("hourly limit of 1: %v", out)
	}

	// Zero-value options: the "wachttest" app is created on demand.
	k2, err := s.CreateAPIKey(APIKeyOptions{ExpiresAt: time.Now().Add(-time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	// An expired key is a JSON 401 shaped like an answer (handlers.rs:262-280, 340-344).
	if code, out := check(t, s, k2.Secret); code != http.StatusUnauthorized || out["allowed"] != false || out["request_id"] == "" || out["identity"] != nil {
		t.Errorf("expired key: %d %v", code, out)
	}
	k3, _ := s.CreateAPIKey(APIKeyOptions{Permissions: []string{"a"}})
	if err := s.RevokeAPIKey(k3.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if code, _ := checkRaw(t, s, k3.Secret); code != http.StatusUnauthorized {
		t.Errorf("revoked via helper: %d", code)
	}
	if err := s.RevokeAPIKey("nope", ""); err == nil {
		t.Error("revoking an unknown key succeeded")
	}
}

func TestGatewaySeededKeys(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	if _, out := check(t, s, SeedAPIKeySecret, "user:read"); out["allowed"] != true {
		t.Fatalf("seed key: %v", out)
	}
	if _, out := check(t, s, SeedAPIKeySecret, "user:write"); out["reason"] != "permission_denied" {
		t.Errorf("seed key has only user:read: %v", out)
	}
	if code, _ := checkRaw(t, s, SeedRevokedAPIKeySecret); code != http.StatusUnauthorized {
		t.Errorf("seeded revoked key: %d", code)
	}
	for range 3 {
		if _, out := check(t, s, SeedLimitedAPIKeySecret); out["allowed"] != true {
			t.Fatalf("limited key within budget: %v", out)
		}
	}
	if _, out := check(t, s, SeedLimitedAPIKeySecret); out["reason"] != "rate_limited" || out["retry_after"] == nil {
		t.Errorf("limited key over budget: %v", out)
	}
	if got := s.Stats().AuthzChecks; got != 7 {
		t.Errorf("AuthzChecks = %d", got)
	}
	// Malformed requests are refused as axum refuses them: plain text, 422
	// for a body of the wrong shape (unknown fields included: the request
	// structs deny them, handlers.rs:88-112), 400 for broken JSON, 415
	// without a JSON content type; a bad method or resource is a JSON 400.
	for _, c := range []struct {
		body, contentType string
		status            int
	}{
		{`{"principal":{"type":"password","value":"x"},"resource":"/","method":"GET"}`, "application/json", http.StatusUnprocessableEntity},
		{`{"principal":{"type":"api_key","value":"x"},"resource":"/","method":"GET","scope":"all"}`, "application/json", http.StatusUnprocessableEntity},
		{`{"principal":{"type":"api_key","value":"x","kid":"1"},"resource":"/","method":"GET"}`, "application/json", http.StatusUnprocessableEntity},
		{`{"principal":{"type":"api_key","value":"x"},"method":"GET"}`, "application/json", http.StatusUnprocessableEntity},
		{`{"principal":`, "application/json", http.StatusBadRequest},
		{`{"principal":{"type":"api_key","value":"x"},"resource":"/","method":"GET"}`, "text/plain", http.StatusUnsupportedMediaType},
		{`{"principal":{"type":"api_key","value":"x"},"resource":"/","method":"TRACE"}`, "application/json", http.StatusBadRequest},
		{`{"principal":{"type":"api_key","value":"x"},"resource":" ?q=1","method":"GET"}`, "application/json", http.StatusBadRequest},
	} {
		req, _ := http.NewRequest(http.MethodPost, s.GatewayURL+"/v1/authz/check", bytes.NewReader([]byte(c.body)))
		req.Header.Set("Content-Type", c.contentType)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("%s (%s): %d; want %d", c.body, c.contentType, res.StatusCode, c.status)
		}
	}
}

// checkRaw is check for answers that are not JSON.
func checkRaw(t testing.TB, s *Server, principal string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"principal": map[string]any{"type": "api_key", "value": principal}, "resource": "/v1/reports", "method": "GET"})
	res, err := http.Post(s.GatewayURL+"/v1/authz/check", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The seeded limited key: three requests a minute, then a 60 s window in
// milliseconds, and the gateway's default rule on every other key.
func TestGatewayDefaultRuleAndLimitedSeedKey(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	k, err := s.CreateAPIKey(APIKeyOptions{}) // the on-demand app has no rate-limit scheme
	if err != nil {
		t.Fatal(err)
	}
	_, out := check(t, s, k.Secret)
	if h := out["headers"].(map[string]any); h["x-ratelimit-60s-limit"] != "1000" || h["x-ratelimit-60s-remaining"] != "999" {
		t.Errorf("default rule (1000 a minute per app, handlers.rs:187-196): %v", h)
	}
	// The seeded app's scheme: 600 a minute.
	_, out = check(t, s, SeedAPIKeySecret, "user:read")
	if h := out["headers"].(map[string]any); h["x-ratelimit-60s-limit"] != "600" {
		t.Errorf("seed scheme: %v", h)
	}
	for range 3 {
		check(t, s, SeedLimitedAPIKeySecret)
	}
	code, out := check(t, s, SeedLimitedAPIKeySecret)
	if code != http.StatusOK || out["allowed"] != false || out["retry_after"] != float64(60000) || out["blocked_rule"] != "3/60s" {
		t.Fatalf("limited: %d %v", code, out)
	}
	// Both rules report; the scheme's counted the blocked request too, as
	// the gateway's do (a rule with room records it: handlers.rs:560-562).
	rl := out["rate_limits"].([]any)
	if len(rl) != 2 || rl[0].(map[string]any)["rule"] != "600/60s" || rl[0].(map[string]any)["remaining"] != float64(596) ||
		rl[1].(map[string]any)["rule"] != "3/60s" || rl[1].(map[string]any)["remaining"] != float64(0) {
		t.Errorf("rate_limits %v", rl)
	}
}

func TestPermissionExpressions(t *testing.T) {
	held := []string{"a", "b", "c"}
	for expr, want := range map[string]bool{
		"a": true, "d": false, "a,b": true, "a,d": false, "a AND b": true, "a AND d": false,
		"d OR a": true, "d OR e": false, "a AND (d OR c)": true, "(d OR e) AND a": false, "d OR (a AND b)": true, "": true,
	} {
		if got := permissionExprHolds(held, expr); got != want {
			t.Errorf("%q: %v", expr, got)
		}
	}
}
