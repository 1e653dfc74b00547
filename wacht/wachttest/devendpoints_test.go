package wachttest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// Callers that are not Go (the wacht-emulator binary's users) choose the
// canned answers over dev-only HTTP endpoints, with the backend API key.
func TestDevEndpointsSetCannedAnswers(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	post := func(path, key string, body any) int {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, s.FrontendURL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	reply := map[string]string{"agent_id": SeedAgentID, "reply": "Set over HTTP."}
	if code := post("/_wachttest/agent-replies", "", reply); code != http.StatusUnauthorized {
		t.Fatalf("without the API key: %d", code)
	}
	if code := post("/_wachttest/agent-replies", s.APIKey, reply); code != http.StatusOK {
		t.Fatalf("agent reply: %d", code)
	}
	s.st.mu.Lock()
	got := s.st.agentReplies[SeedAgentID]
	s.st.mu.Unlock()
	if got != "Set over HTTP." {
		t.Fatalf("the seeded agent's reply is %q", got)
	}
	grant := map[string]any{"oauth_app_slug": SeedOAuthAppSlug, "oauth_client_id": SeedOAuthClientID, "user_id": SeedUser2ID,
		"resource": "https://api.example.com", "scopes": []string{"billing"}}
	if code := post("/_wachttest/oauth-grants", s.APIKey, grant); code != http.StatusOK {
		t.Fatalf("oauth grant: %d", code)
	}
	code, body := newClient(t, s).get("/oauth/apps/" + SeedOAuthAppSlug + "/clients/" + SeedOAuthClientID + "/grants")
	if grants, _ := body["grants"].([]any); code != http.StatusOK || len(grants) != 2 {
		t.Fatalf("grants after the dev endpoint: %d %v", code, body)
	}
}
