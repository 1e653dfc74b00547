package agentrun_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/samples/agentrun"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/ai"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// The function, behind the kit, against the emulator: a signed-in user's
// message starts a run of the agent, whose (canned) answer lands in the
// thread the function names; a second run reuses the user's actor and
// project.
func TestAgentRunFromAProtectedRoute(t *testing.T) {
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	env := map[string]string{
		"WACHT_API_KEY": emu.APIKey, "WACHT_BACKEND_API_URL": emu.BackendURL, "WACHT_PUBLISHABLE_KEY": emu.PublishableKey,
	}
	kit := handler.New(handler.Options{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	srv := httptest.NewServer(kit.Handler(agentrun.Routes(kit)))
	defer srv.Close()

	client, err := wacht.NewClient(wacht.Config{APIKey: emu.APIKey, BaseURL: emu.BackendURL})
	if err != nil {
		t.Fatal(err)
	}
	agents := ai.New(client)
	ctx := context.Background()
	agent, err := agents.Agents.Create(ctx, ai.CreateAgentRequest{Name: "Support"})
	if err != nil {
		t.Fatal(err)
	}
	emu.SetAgentReply(agent.ID, "Your invoice is on its way.")
	token, err := emu.MintToken(wachttest.TokenOptions{UserID: wachttest.SeedUser2ID, Lifetime: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}

	post := func(token, body string) (int, agentrun.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/agents/"+agent.ID+"/runs", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var raw json.RawMessage
		_ = json.NewDecoder(res.Body).Decode(&raw)
		var out agentrun.Response
		_ = json.Unmarshal(raw, &out)
		return res.StatusCode, out, string(raw)
	}

	code, first, raw := post(token, `{"message": "Where is my invoice?"}`)
	if code != http.StatusAccepted || first.ThreadID == "" || first.Status == "" {
		t.Fatalf("run: %d %s", code, raw)
	}
	msgs, err := agents.Threads.ListMessages(ctx, first.ThreadID, ai.ListMessagesParams{})
	if err != nil {
		t.Fatal(err)
	}
	var asked, answered bool
	for _, m := range msgs.Data {
		if u := m.Content.UserMessage; u != nil && u.Message == "Where is my invoice?" {
			asked = true
		}
		if s := m.Content.Steer; s != nil && s.Message == "Your invoice is on its way." {
			answered = true
		}
	}
	if !asked || !answered {
		t.Fatalf("thread %s: user message %v, agent answer %v: %+v", first.ThreadID, asked, answered, msgs.Data)
	}
	thread, err := agents.Threads.Get(ctx, first.ThreadID)
	if err != nil || thread.Title != "Where is my invoice?" || thread.ProjectID != first.ProjectID {
		t.Fatalf("thread %+v %v", thread, err)
	}

	code, second, raw := post(token, `{"message": "And the receipt?"}`)
	if code != http.StatusAccepted || second.ActorID != first.ActorID || second.ProjectID != first.ProjectID || second.ThreadID == first.ThreadID {
		t.Fatalf("second run: %d %s (first %+v)", code, raw, first)
	}

	if code, _, raw := post("", `{"message": "hi"}`); code != http.StatusUnauthorized {
		t.Errorf("no session: %d %s", code, raw)
	}
	for _, body := range []string{`{"message": "  "}`, `not json`, `{"message": "hi", "extra": 1}`, `{"message": "` + strings.Repeat("x", agentrun.MaxMessage+1) + `"}`} {
		if code, _, raw := post(token, body); code != http.StatusBadRequest || !strings.Contains(raw, `"bad_request"`) {
			t.Errorf("body %.40q: %d %s", body, code, raw)
		}
	}
}
