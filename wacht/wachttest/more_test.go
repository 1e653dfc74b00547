package wachttest

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

func TestDeploymentDetails(t *testing.T) {
	s := newChecked(t, Options{})
	d := newClient(t, s).mustJSON(http.MethodGet, "/", nil)
	if d["id"] != DeploymentID || d["publishable_key"] != s.PublishableKey || d["mode"] != "staging" || "http://"+d["frontend_host"].(string) != s.FrontendURL {
		t.Errorf("deployment %v", d)
	}
}

func TestAPIAuthAppsAndSchemesCRUD(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	c := newClient(t, s)
	app := c.mustJSON(http.MethodPost, "/api-auth/apps", map[string]any{"app_slug": "crm", "name": "CRM", "key_prefix": "sk_crm", "organization_id": 2001})
	if app["organization_id"] != "2001" || app["is_active"] != true {
		t.Fatalf("app %v", app)
	}
	if code, _ := c.json(http.MethodPost, "/api-auth/apps", map[string]any{"app_slug": "Bad Slug", "name": "x", "key_prefix": "x"}); code != http.StatusBadRequest {
		t.Errorf("bad slug: %d", code)
	}
	if code, _ := c.json(http.MethodPost, "/api-auth/apps", map[string]any{"app_slug": "x", "name": "x", "key_prefix": "x", "rate_limit_scheme_slug": "missing"}); code != http.StatusBadRequest {
		t.Errorf("unknown scheme: %d", code)
	}
	upd := c.mustJSON(http.MethodPatch, "/api-auth/apps/crm", map[string]any{"is_active": false, "rate_limit_scheme_slug": SeedRateLimitSchemeSlug, "resources": []string{"/crm/*"}})
	if upd["is_active"] != false || upd["rate_limit_scheme_slug"] != SeedRateLimitSchemeSlug || len(upd["rate_limits"].([]any)) != 1 {
		t.Errorf("updated app %v", upd)
	}
	if list := c.mustJSON(http.MethodGet, "/api-auth/apps", nil); count(t, list) != 1 || list["has_more"] != false || list["limit"] != float64(50) {
		t.Errorf("inactive app listed by default: %v", list)
	}
	if list := c.mustJSON(http.MethodGet, "/api-auth/apps?include_inactive=true&search=crm", nil); count(t, list) != 1 {
		t.Errorf("search including inactive: %v", list)
	}
	// A scheme in use is AppError::BadRequest (commands/src/rate_limit_scheme.rs:305).
	if code, body := c.json(http.MethodDelete, "/api-auth/rate-limit-schemes/"+SeedRateLimitSchemeSlug, nil); code != http.StatusBadRequest {
		t.Errorf("deleting a scheme in use: %d", code)
	} else {
		errorMessage(t, body, 400)
	}
	sc := c.mustJSON(http.MethodPatch, "/api-auth/rate-limit-schemes/"+SeedRateLimitSchemeSlug, map[string]any{"rules": []map[string]any{{"unit": "second", "duration": 10, "max_requests": 5}}})
	if r := sc["rules"].([]any); len(r) != 1 || r[0].(map[string]any)["unit"] != "second" {
		t.Errorf("scheme update %v", sc)
	}
	if code, _ := c.json(http.MethodPatch, "/api-auth/rate-limit-schemes/"+SeedRateLimitSchemeSlug, map[string]any{"rules": []map[string]any{{"unit": "second", "duration": 0, "max_requests": 5}}}); code != http.StatusBadRequest {
		t.Errorf("zero duration: %d", code)
	}
	if got := c.mustJSON(http.MethodGet, "/api-auth/rate-limit-schemes/"+SeedRateLimitSchemeSlug, nil); got["name"] != "Seed standard" {
		t.Errorf("get scheme %v", got)
	}
	c.mustJSON(http.MethodDelete, "/api-auth/apps/crm", nil)
	c.mustJSON(http.MethodDelete, "/api-auth/apps/"+SeedAPIAppSlug, nil)
	// Deleting a scheme is 204 No Content (rate_limit_handlers.rs:59).
	if code, body := c.json(http.MethodDelete, "/api-auth/rate-limit-schemes/"+SeedRateLimitSchemeSlug, nil); code != http.StatusNoContent || body != nil {
		t.Errorf("delete scheme: %d %v", code, body)
	}
	// The schemes list is {schemes, total} (dto/src/json/api_key.rs:52).
	if list := c.mustJSON(http.MethodGet, "/api-auth/rate-limit-schemes", nil); list["total"] != float64(0) || len(list["schemes"].([]any)) != 0 {
		t.Errorf("schemes after delete %v", list)
	}
	if code, _ := checkRaw(t, s, SeedAPIKeySecret); code != http.StatusUnauthorized {
		t.Errorf("key of a deleted app: %d", code)
	}
	if code, _ := c.get("/api-auth/apps/" + SeedAPIAppSlug + "/keys"); code != http.StatusNotFound {
		t.Errorf("keys of a deleted app: %d", code)
	}
}

// TestConcurrentUse hammers the state from many goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient(t, s)
			for i := range 5 {
				u := c.mustForm(http.MethodPost, "/users", map[string]string{"first_name": "C", "last_name": fmt.Sprint(g, i), "email_address": fmt.Sprintf("c%d-%d@example.org", g, i)})
				c.mustJSON(http.MethodPost, "/organizations/"+SeedOrganizationID+"/members", map[string]any{"user_id": u["id"], "role_ids": []string{SeedOrgViewerRoleID}})
				c.mustJSON(http.MethodGet, "/organizations/"+SeedOrganizationID+"/members?limit=100", nil)
				if _, out := check(t, s, SeedAPIKeySecret, "user:read"); out["allowed"] != true {
					t.Errorf("gateway under load: %v", out)
				}
				if _, err := s.MintToken(TokenOptions{}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got := newClient(t, s).mustJSON(http.MethodGet, "/organizations/"+SeedOrganizationID+"/members?limit=100", nil)
	if count(t, got) != 42 {
		t.Errorf("members after concurrent adds: %d", count(t, got))
	}
}

func TestPasswordsSignInsAndDeploymentRoles(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	c := newClient(t, s)
	c.mustJSON(http.MethodDelete, "/users/"+SeedUser2ID+"/password", nil)
	if code, _ := c.json(http.MethodDelete, "/users/"+SeedUser2ID+"/password", nil); code != http.StatusBadRequest {
		t.Errorf("removing a missing password: %d", code)
	}
	if d := c.mustJSON(http.MethodGet, "/users/"+SeedUser2ID+"/details", nil); d["has_password"] != false {
		t.Errorf("has_password after removal: %v", d["has_password"])
	}
	if code, _ := c.json(http.MethodPatch, "/users/"+SeedUser2ID+"/password", map[string]any{"new_password": "short"}); code != http.StatusBadRequest {
		t.Errorf("short password: %d", code)
	}
	c.mustJSON(http.MethodPatch, "/users/"+SeedUser2ID+"/password", map[string]any{"new_password": "long enough"})

	a := s.NewSession(TokenOptions{UserID: SeedUserID})
	b := s.NewSession(TokenOptions{UserID: SeedUserID})
	s.NewSession(TokenOptions{UserID: SeedUser2ID})
	if got := ids(t, c.mustJSON(http.MethodGet, "/users/"+SeedUserID+"/sessions", nil), "data"); len(got) != 2 {
		t.Fatalf("sign-ins %v", got)
	}
	c.mustJSON(http.MethodPost, "/users/"+SeedUserID+"/sessions/"+a.ID+"/revoke", nil)
	if code, _, _ := sessionExchange(t, s, a.Cookie, ""); code != http.StatusBadRequest {
		t.Errorf("exchange after revoking the sign-in: %d", code)
	}
	if code, _ := c.json(http.MethodPost, "/users/"+SeedUser2ID+"/sessions/"+b.ID+"/revoke", nil); code != http.StatusNotFound {
		t.Errorf("revoking another user's sign-in: %d", code)
	}
	if got := c.mustJSON(http.MethodPost, "/users/"+SeedUserID+"/sessions/revoke-all", nil); got["revoked"] != float64(1) {
		t.Errorf("revoke-all %v", got)
	}
	if got := ids(t, c.mustJSON(http.MethodGet, "/users/"+SeedUserID+"/sessions?include_expired=true", nil), "data"); len(got) != 2 {
		t.Errorf("ended sign-ins with include_expired: %v", got)
	}
	if got := ids(t, c.mustJSON(http.MethodGet, "/settings/b2b/organization-roles", nil), "data"); len(got) != 2 || got[0] != DeploymentOrgAdminRoleID {
		t.Errorf("deployment org roles %v", got)
	}
	if got := ids(t, c.mustJSON(http.MethodGet, "/settings/b2b/workspace-roles", nil), "data"); len(got) != 2 || got[1] != DeploymentWorkspaceMemberRoleID {
		t.Errorf("deployment workspace roles %v", got)
	}
}
