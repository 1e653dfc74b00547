package wachttest

import (
	"net/http"
	"testing"
)

// The seed gives every resource of the backend API something to show, so
// `make dev` and the examples have data without a setup step.
func TestSeedCoversEveryResource(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	c := newClient(t, s)
	for path, key := range map[string]string{
		"/users":         "data",
		"/invitations":   "data",
		"/waitlist":      "data",
		"/organizations": "data",
		"/workspaces":    "data",
		"/organizations/" + SeedOrganizationID + "/members":     "data",
		"/organizations/" + SeedOrganizationID + "/invitations": "data",
		"/api-auth/apps": "data",
		"/api-auth/apps/" + SeedAPIAppSlug + "/keys":          "keys",
		"/api-auth/rate-limit-schemes":                        "schemes",
		"/webhooks/apps":                                      "data",
		"/webhooks/apps/" + SeedWebhookAppSlug + "/endpoints": "data",
		"/webhooks/event-catalogs":                            "data",
		"/jwt-templates":                                      "data",
		"/segments":                                           "data",
		"/users/" + SeedUserID + "/passkeys":                  "data",
		"/users/" + SeedUserID + "/social-connections":        "data",
		"/oauth/apps":                                         "apps",
		"/oauth/apps/" + SeedOAuthAppSlug + "/clients":        "clients",
		"/oauth/apps/" + SeedOAuthAppSlug + "/clients/" + SeedOAuthClientID + "/grants": "grants",
		"/oauth/apps/" + SeedOAuthAppSlug + "/signing-keys":                             "keys",
	} {
		code, body := c.get(path)
		if code != http.StatusOK {
			t.Errorf("GET %s: %d %v", path, code, body)
			continue
		}
		if items, _ := body[key].([]any); len(items) == 0 {
			t.Errorf("GET %s: the seed has no %s: %v", path, key, body)
		}
	}
}
