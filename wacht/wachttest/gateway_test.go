package wachttest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
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
	s := New(t, Options{})
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
	if md := out["metadata"].(map[string]any); md["principal_type"] != "api_key" || md["team"] != "data" {
		t.Errorf("metadata %v", md)
	}
	if h := out["headers"].(map[string]any); h["X-RateLimit-Limit"] != "2" || h["X-RateLimit-Remaining"] != "1" {
		t.Errorf("rate limit headers %v", h)
	}

	code, out = check(t, s, secret, "reports:write")
	if code != http.StatusOK || out["allowed"] != false || out["reason"] != "permission_denied" {
		t.Errorf("missing permission: %d %v", code, out)
	}
	// A denied check does not consume the budget: one request left.
	if _, out = check(t, s, secret); out["allowed"] != true {
		t.Fatalf("second allowed check: %v", out)
	}
	_, out = check(t, s, secret)
	if out["allowed"] != false || out["reason"] != "rate_limited" || out["blocked_rule"] == "" {
		t.Fatalf("over the limit: %v", out)
	}
	ra, _ := out["retry_after"].(float64)
	if ra < 1 || ra > 60 {
		t.Errorf("retry_after %v", out["retry_after"])
	}
	h := out["headers"].(map[string]any)
	if h["Retry-After"] != strconv.Itoa(int(ra)) || h["X-RateLimit-Remaining"] != "0" {
		t.Errorf("headers to copy %v", h)
	}
	if rl := out["rate_limits"].([]any); len(rl) != 1 || rl[0].(map[string]any)["remaining"] != float64(0) {
		t.Errorf("rate_limits %v", out["rate_limits"])
	}

	// Revocation through the backend API: the gateway answers 401.
	c.mustJSON(http.MethodPost, "/api-auth/apps/reports/keys/"+keyID+"/revoke", map[string]any{"reason": "leaked"})
	code, out = check(t, s, secret)
	if code != http.StatusUnauthorized {
		t.Fatalf("revoked key: %d %v", code, out)
	}
	errorMessage(t, out, 401)
	list := c.mustJSON(http.MethodGet, "/api-auth/apps/reports/keys?include_inactive=true", nil)
	k := list["keys"].([]any)[0].(map[string]any)
	if k["is_active"] != false || k["revoked_reason"] != "leaked" || k["revoked_at"] == nil {
		t.Errorf("revoked key listing %v", k)
	}
	if got := c.mustJSON(http.MethodGet, "/api-auth/apps/reports/keys", nil)["keys"].([]any); len(got) != 0 {
		t.Errorf("inactive keys listed by default: %v", got)
	}
	if code, _ := check(t, s, "sk_rep_not_a_key"); code != http.StatusUnauthorized {
		t.Errorf("unknown key: %d", code)
	}
	if code, _ := c.json(http.MethodPost, "/api-auth/apps/reports/keys/999/revoke", map[string]any{}); code != http.StatusNotFound {
		t.Errorf("revoking an unknown key: %d", code)
	}
}

func TestGatewayRotateAndGoHelpers(t *testing.T) {
	s := New(t, Options{Seed: true})
	c := newClient(t, s)
	rotated := c.mustJSON(http.MethodPost, "/api-auth/apps/"+SeedAPIAppSlug+"/keys/"+SeedAPIKeyID+"/rotate", nil)
	if code, _ := check(t, s, SeedAPIKeySecret); code != http.StatusUnauthorized {
		t.Errorf("old secret after rotation: %d", code)
	}
	if _, out := check(t, s, rotated["secret"].(string), "user:read"); out["allowed"] != true {
		t.Errorf("rotated secret: %v", out)
	}

	// Go helpers: app with a rate limit, key bound to a membership.
	if err := s.CreateAPIAuthApp(APIAuthAppOptions{Slug: "billing", Resources: []string{"/v1/*"},
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
	if code, out := check(t, s, k2.Secret); code != http.StatusUnauthorized {
		t.Errorf("expired key: %d %v", code, out)
	}
	k3, _ := s.CreateAPIKey(APIKeyOptions{Permissions: []string{"a"}})
	if err := s.RevokeAPIKey(k3.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if code, _ := check(t, s, k3.Secret); code != http.StatusUnauthorized {
		t.Errorf("revoked via helper: %d", code)
	}
	if err := s.RevokeAPIKey("nope", ""); err == nil {
		t.Error("revoking an unknown key succeeded")
	}
}

func TestGatewaySeededKeys(t *testing.T) {
	s := New(t, Options{Seed: true})
	if _, out := check(t, s, SeedAPIKeySecret, "user:read"); out["allowed"] != true {
		t.Fatalf("seed key: %v", out)
	}
	if _, out := check(t, s, SeedAPIKeySecret, "user:write"); out["reason"] != "permission_denied" {
		t.Errorf("seed key has only user:read: %v", out)
	}
	if code, _ := check(t, s, SeedRevokedAPIKeySecret); code != http.StatusUnauthorized {
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
	// Malformed requests are 400 in the error shape.
	req, _ := http.NewRequest(http.MethodPost, s.GatewayURL+"/v1/authz/check", bytes.NewReader([]byte(`{"principal":{"type":"password","value":"x"},"resource":"/","method":"GET"}`)))
	code, _, out := (&client{t: t, s: s, hc: http.DefaultClient}).send(req)
	if code != http.StatusBadRequest {
		t.Errorf("bad principal type: %d", code)
	}
	errorMessage(t, out, 400)
}
