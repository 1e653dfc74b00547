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
		"/ai/agents":          "data",
		"/ai/tools":           "data",
		"/ai/knowledge-bases": "data",
		"/ai/knowledge-bases/" + SeedKnowledgeBaseID + "/documents": "data",
		"/ai/actors": "data",
		"/ai/actor-projects?actor_id=" + SeedActorID:           "data",
		"/ai/actor-projects/" + SeedProjectID + "/threads":     "data",
		"/ai/actor-projects/" + SeedProjectID + "/board/items": "data",
		"/ai/mcp-servers": "data",
		"/ai/agents/" + SeedAgentID + "/skills/list": "agent",
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
	if code, body := c.get("/ai/settings"); code != http.StatusOK || body["gemini_api_key_set"] != true {
		t.Errorf("seeded AI settings: %d %v", code, body)
	}
}

// TestSeedAgentAnswersWithItsReply runs the seeded conversation thread:
// the seeded agent answers with SeedAgentReply.
func TestSeedAgentAnswersWithItsReply(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	c := newClient(t, s)
	code, body := c.json(http.MethodPost, "/ai/actor-project-threads/"+SeedThreadID+"/run",
		map[string]any{"execution_type": map[string]any{"new_message": map[string]any{"message": "hello"}}})
	if code != http.StatusOK {
		t.Fatalf("run: %d %v", code, body)
	}
	code, body = c.get("/ai/actor-project-threads/" + SeedThreadID + "/messages")
	data, _ := body["data"].([]any)
	if code != http.StatusOK || len(data) != 2 {
		t.Fatalf("messages: %d %v", code, body)
	}
	if content := data[0].(map[string]any)["content"].(map[string]any); content["message"] != SeedAgentReply {
		t.Errorf("reply %v", content)
	}
	if m := s.SearchKnowledgeBase(SeedKnowledgeBaseID, "refunds are paid"); len(m) != 1 || m[0].DocumentID != SeedKBDocumentID {
		t.Errorf("seeded knowledge base search %+v", m)
	}
}
