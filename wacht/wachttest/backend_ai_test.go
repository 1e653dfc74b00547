package wachttest

import (
	"net/http"
	"testing"
)

func TestAIAgentLifecycle(t *testing.T) {
	s := newChecked(t, Options{})
	c := newClient(t, s)
	var ids []string
	for _, name := range []string{"triage", "writer", "reviewer"} {
		code, body := c.json(http.MethodPost, "/ai/agents", map[string]any{"name": name})
		if code != 200 || body["sub_agents"] != nil {
			t.Fatalf("create: %d %v", code, body)
		}
		ids = append(ids, body["id"].(string))
	}
	code, body := c.get("/ai/agents?limit=2")
	if code != 200 || body["has_more"] != true || len(body["data"].([]any)) != 2 || body["offset"] != nil {
		t.Fatalf("list: %d %v", code, body)
	}
	if code, body = c.json(http.MethodPatch, "/ai/agents/"+ids[0], map[string]any{"description": "sorts tickets"}); code != 200 || body["description"] != "sorts tickets" {
		t.Fatalf("update: %d %v", code, body)
	}
	if code, body = c.json(http.MethodPost, "/ai/agents/"+ids[0]+"/sub-agents/"+ids[0], nil); code != 400 {
		t.Fatalf("self sub-agent: %d %v", code, body)
	}
	c.json(http.MethodPost, "/ai/agents/"+ids[0]+"/sub-agents/"+ids[2], nil)
	if code, body = c.json(http.MethodPut, "/ai/agents/"+ids[0]+"/role-agent", map[string]any{"role": "reviewer", "agent_id": ids[2]}); code != 200 || body["reviewer_agent_id"] != ids[2] {
		t.Fatalf("role agent: %d %v", code, body)
	}
	if code, body = c.json(http.MethodPut, "/ai/agents/"+ids[0]+"/role-agent", map[string]any{"role": "reviewer", "agent_id": ids[1]}); code != 400 {
		t.Fatalf("role agent not a sub-agent: %d %v", code, body)
	}
	if code, _ = c.json(http.MethodDelete, "/ai/agents/"+ids[2], nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	if code, body = c.get("/ai/agents/" + ids[0]); body["reviewer_agent_id"] != nil || body["sub_agents"] != nil {
		t.Fatalf("cascade: %d %v", code, body)
	}
	if code, body = c.get("/ai/agents/" + ids[2]); code != 404 || errorMessage(t, body, 404) != "Agent not found" {
		t.Fatalf("after delete: %d %v", code, body)
	}
}

func TestAIThreadRunUsesCannedReply(t *testing.T) {
	s := newChecked(t, Options{})
	c := newClient(t, s)
	_, agent := c.json(http.MethodPost, "/ai/agents", map[string]any{"name": "helper"})
	agentID := agent["id"].(string)
	s.SetAgentReply(agentID, "Hello from the canned agent")
	_, actor := c.json(http.MethodPost, "/ai/actors", map[string]any{"subject_type": "user", "external_key": "u1"})
	if code, body := c.json(http.MethodPost, "/ai/actors", map[string]any{"subject_type": "user", "external_key": "u1"}); code != 409 {
		t.Fatalf("duplicate actor: %d %v", code, body)
	}
	code, project := c.json(http.MethodPost, "/ai/actor-projects?actor_id="+actor["id"].(string), map[string]any{"name": "Support"})
	if code != 200 || project["coordinator_thread_id"] == nil {
		t.Fatalf("project: %d %v", code, project)
	}
	code, thread := c.json(http.MethodPost, "/ai/actor-projects/"+project["id"].(string)+"/threads", map[string]any{"title": "chat", "agent_id": agentID})
	if code != 200 || thread["thread_visibility"] != "user_facing" {
		t.Fatalf("thread: %d %v", code, thread)
	}
	tid := thread["id"].(string)
	code, run := c.json(http.MethodPost, "/ai/actor-project-threads/"+tid+"/run", map[string]any{"execution_type": map[string]any{"new_message": map[string]any{"message": "hi"}}})
	if code != 200 || run["status"] != "queued" {
		t.Fatalf("run: %d %v", code, run)
	}
	code, msgs := c.get("/ai/actor-project-threads/" + tid + "/messages")
	data, _ := msgs["data"].([]any)
	if code != 200 || len(data) != 2 {
		t.Fatalf("messages: %d %v", code, msgs)
	}
	reply := data[0].(map[string]any)["content"].(map[string]any)
	if reply["type"] != "steer" || reply["message"] != "Hello from the canned agent" {
		t.Fatalf("reply: %v", reply)
	}
}
