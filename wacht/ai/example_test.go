package ai_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"

	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/ai"
)

// checkBackend wraps the examples' backend; TestExamplesFollowContract
// puts the contract validator in front of it.
var checkBackend = func(h http.Handler) http.Handler { return h }

const stamp = "2026-01-02T03:04:05Z"

// backend is a tiny stand-in for the AI group of Wacht's backend API, with
// three agents, so the examples run offline. Its answers follow the
// platform contract.
func backend() *httptest.Server {
	agents := []string{"Support triage", "Release notes", "Billing helper"}
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /ai/agents", func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		// Like the platform API: one item past the page decides has_more.
		data := []map[string]any{}
		for i := offset; i < len(agents) && i < offset+limit+1; i++ {
			data = append(data, map[string]any{
				"id": "agent_" + strconv.Itoa(i+1), "name": agents[i], "description": nil,
				"created_at": stamp, "updated_at": stamp, "deployment_id": "7",
				"sub_agents": nil, "hooks": map[string]any{}, "limits": map[string]any{},
				"require_approval_mcp": false, "require_approval_virtual": true,
				"tool_approval_rules": []any{}, "disabled_internal_tools": []any{},
				"tools_count": i + 2, "knowledge_bases_count": 1,
				"reviewer_agent_id": nil, "conversation_agent_id": nil,
			})
		}
		more := len(data) > limit
		if more {
			data = data[:limit]
		}
		reply(w, map[string]any{"data": data, "has_more": more, "limit": limit, "offset": offset})
	})
	mux.HandleFunc("POST /ai/knowledge-bases", func(w http.ResponseWriter, r *http.Request) {
		var req ai.CreateKnowledgeBaseRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		reply(w, map[string]any{
			"id": "kb_1", "name": req.Name, "description": req.Description,
			"created_at": stamp, "updated_at": stamp, "deployment_id": "7", "configuration": map[string]any{},
		})
	})
	mux.HandleFunc("POST /ai/knowledge-bases/{kb_id}/documents", func(w http.ResponseWriter, r *http.Request) {
		file, header, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		n, _ := io.Copy(io.Discard, file)
		kb := r.PathValue("kb_id")
		reply(w, map[string]any{
			"id": "doc_1", "title": r.FormValue("title"), "description": nil,
			"file_name": header.Filename, "file_size": n, "file_type": header.Header.Get("Content-Type"),
			"storage_object_key": kb + "/" + header.Filename, "knowledge_base_id": kb,
			"processing_metadata": nil, "created_at": stamp, "updated_at": stamp,
		})
	})
	mux.HandleFunc("POST /ai/actor-project-threads/{thread_id}/run", func(w http.ResponseWriter, r *http.Request) {
		var req ai.ExecuteAgentRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.ExecutionType.NewMessage == nil {
			http.Error(w, "want a new_message", http.StatusBadRequest)
			return
		}
		reply(w, map[string]any{"status": "queued", "conversation_id": "901"})
	})
	mux.HandleFunc("GET /ai/actor-project-threads/{thread_id}/messages", func(w http.ResponseWriter, r *http.Request) {
		thread := r.PathValue("thread_id")
		record := func(id string, content map[string]any) map[string]any {
			return map[string]any{
				"id": id, "thread_id": thread, "timestamp": stamp, "created_at": stamp, "updated_at": stamp,
				"message_type": content["type"], "content": content,
			}
		}
		reply(w, map[string]any{"has_more": false, "data": []any{
			record("901", map[string]any{"type": "user_message", "message": "Summarise ticket 4411"}),
			record("902", map[string]any{
				"type": "steer", "message": "The customer cannot reset their password.",
				"further_actions_required": false, "reasoning": "read the ticket",
			}),
		}})
	})
	return httptest.NewServer(checkBackend(mux))
}

// newClient returns a client of the AI API that calls url.
func newClient(url string) *ai.Client {
	c, err := wacht.NewClient(wacht.Config{APIKey: "sk_test_example", BaseURL: url})
	if err != nil {
		log.Fatal(err)
	}
	return ai.New(c)
}

func ExampleAgentsService_All() {
	srv := backend()
	defer srv.Close()
	a := newClient(srv.URL)

	// All fetches pages of two as the loop goes on; break stops fetching.
	for agent, err := range a.Agents.All(context.Background(), ai.ListAgentsParams{Limit: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s %q: %d tools\n", agent.ID, agent.Name, agent.ToolsCount)
	}
	// Output:
	// agent_1 "Support triage": 2 tools
	// agent_2 "Release notes": 3 tools
	// agent_3 "Billing helper": 4 tools
}

func ExampleKnowledgeBasesService_UploadDocument() {
	srv := backend()
	defer srv.Close()
	a := newClient(srv.URL)
	ctx := context.Background()

	kb, err := a.KnowledgeBases.Create(ctx, ai.CreateKnowledgeBaseRequest{
		Name:        "Handbook",
		Description: wacht.Ptr("What support agents may answer"),
	})
	if err != nil {
		log.Fatal(err)
	}
	// The form is built in memory (a file may have up to 10 MiB) so that a
	// retry can send it again; an *os.File works as Content too.
	doc, err := a.KnowledgeBases.UploadDocument(ctx, kb.ID, ai.UploadDocumentParams{
		Title: wacht.Ptr("Refunds"),
		File: &ai.File{
			Name:        "refunds.md",
			ContentType: "text/markdown",
			Content:     strings.NewReader("# Refunds\nWithin 30 days, no questions asked.\n"),
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(kb.Name, *kb.Description)
	fmt.Println(doc.Title, doc.FileName, doc.FileType, doc.FileSize, doc.StorageObjectKey)
	// Output:
	// Handbook What support agents may answer
	// Refunds refunds.md text/markdown 46 kb_1/refunds.md
}

func ExampleThreadsService_Run() {
	srv := backend()
	defer srv.Close()
	a := newClient(srv.URL)
	ctx := context.Background()

	// Exactly one of NewMessage, ApprovalResponse and Cancel is set.
	run, err := a.Threads.Run(ctx, "4242", ai.ExecuteAgentRequest{
		AgentID: wacht.Ptr("agent_1"),
		ExecutionType: ai.ExecuteAgentRequestType{
			NewMessage: &ai.NewMessageRequest{Message: "Summarise ticket 4411"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(run.Status, run.ConversationID)

	// The run goes on on the server; its progress shows up as messages.
	msgs, err := a.Threads.ListMessages(ctx, "4242", ai.ListMessagesParams{Limit: 20})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range msgs.Data {
		switch c := m.Content; {
		case c.UserMessage != nil:
			fmt.Println("user:", c.UserMessage.Message)
		case c.Steer != nil:
			fmt.Println("agent:", c.Steer.Message)
		default:
			fmt.Println(c.Type())
		}
	}
	// Output:
	// queued 901
	// user: Summarise ticket 4411
	// agent: The customer cannot reset their password.
}
