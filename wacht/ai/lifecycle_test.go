package ai_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/ai"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// The AI life-cycle tests drive each AI resource through the client
// against the seeded emulator, every request and response checked against
// the corrected contract, and check the server's rules on the way.

type emulator struct {
	*wachttest.Server
	offContract atomic.Int32
}

// outsideContract suspends the contract checks while fn sends a request
// the contract does not allow, to see the server's answer to it.
func (e *emulator) outsideContract(fn func()) {
	e.offContract.Add(1)
	defer e.offContract.Add(-1)
	fn()
}

func lifecycle(t *testing.T) (context.Context, *ai.Client, *emulator) {
	t.Helper()
	e := &emulator{}
	srv, err := wachttest.NewServer(wachttest.Options{Validate: contract.Validate, Seed: true, OnViolation: func(err error) {
		if e.offContract.Load() == 0 {
			t.Errorf("contract violation: %v", err)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	e.Server = srv
	c, err := wacht.NewClient(wacht.Config{APIKey: srv.APIKey, BaseURL: srv.BackendURL})
	if err != nil {
		t.Fatal(err)
	}
	return t.Context(), ai.New(c), e
}

// wantAPIError fails unless err is the server's answer with status and
// message.
func wantAPIError(t *testing.T, what string, err error, status int, message string) {
	t.Helper()
	var ae *wacht.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: %v, want %d %q", what, err, status, message)
	}
	if ae.StatusCode != status || len(ae.Messages) == 0 || ae.Messages[0] != message {
		t.Fatalf("%s: %d %q, want %d %q", what, ae.StatusCode, ae.Messages, status, message)
	}
}

// result carries a call's two results so that one expression can check
// the error: do(c.Agents.Get(ctx, id)).must(t).
type result[T any] struct {
	v   T
	err error
}

func do[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) must(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func TestAgentLifecycle(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	first := do(c.Agents.Create(ctx, ai.CreateAgentRequest{Name: "lc-triage"})).must(t)
	second := do(c.Agents.Create(ctx, ai.CreateAgentRequest{Name: "lc-writer", SubAgents: []string{first.ID}})).must(t)
	if len(first.ID) < 15 || first.DeploymentID != wachttest.DeploymentID {
		t.Fatalf("created %+v: want a Sonyflake id", first)
	}
	page := do(c.Agents.List(ctx, ai.ListAgentsParams{Limit: 1, Search: "lc-"})).must(t)
	if len(page.Data) != 1 || !page.HasMore || page.Data[0].ID != second.ID {
		t.Fatalf("first page %+v", page)
	}
	page = do(c.Agents.List(ctx, ai.ListAgentsParams{Limit: 1, Offset: 1, Search: "lc-"})).must(t)
	if len(page.Data) != 1 || page.HasMore || page.Data[0].ID != first.ID {
		t.Fatalf("second page %+v", page)
	}
	got := do(c.Agents.Get(ctx, second.ID)).must(t)
	if len(got.SubAgents) != 1 || got.SubAgents[0] != first.ID {
		t.Fatalf("get %+v", got)
	}
	desc := "writes replies"
	if u := do(c.Agents.Update(ctx, second.ID, ai.UpdateAgentRequest{Description: &desc})).must(t); u.Description == nil || *u.Description != desc {
		t.Fatalf("update %+v", u)
	}
	wantAPIError(t, "own sub-agent", c.Agents.AttachSubAgent(ctx, first.ID, first.ID), 400, "An agent cannot be attached as its own sub-agent")
	if err := c.Agents.Delete(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if got := do(c.Agents.Get(ctx, second.ID)).must(t); len(got.SubAgents) != 0 {
		t.Fatalf("a deleted agent stays a sub-agent: %+v", got.SubAgents)
	}
	_, err := c.Agents.Get(ctx, first.ID)
	wantAPIError(t, "after delete", err, 404, "Agent not found")
}

func TestToolLifecycle(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	api := func(endpoint string) ai.AiToolConfiguration {
		return ai.AiToolConfiguration{API: &ai.AiToolConfigurationAPI{Endpoint: endpoint}}
	}
	_, err := c.Tools.Create(ctx, ai.CreateToolRequest{Name: "lc-empty", ToolType: "api", Configuration: api("")})
	wantAPIError(t, "empty endpoint", err, 400, "API endpoint is required")
	a := do(c.Tools.Create(ctx, ai.CreateToolRequest{Name: "lc-weather", ToolType: "api", Configuration: api("https://api.example.com/weather")})).must(t)
	b := do(c.Tools.Create(ctx, ai.CreateToolRequest{Name: "lc-stocks", ToolType: "api", Configuration: api("https://api.example.com/stocks")})).must(t)
	page := do(c.Tools.List(ctx, ai.ListToolsParams{Limit: 1, Search: "lc-"})).must(t)
	if len(page.Data) != 1 || !page.HasMore || page.Data[0].ID != b.ID {
		t.Fatalf("first page %+v", page)
	}
	page = do(c.Tools.List(ctx, ai.ListToolsParams{Limit: 1, Offset: 1, Search: "lc-"})).must(t)
	if len(page.Data) != 1 || page.HasMore || page.Data[0].ID != a.ID {
		t.Fatalf("second page %+v", page)
	}
	name := "lc-forecast"
	if u := do(c.Tools.Update(ctx, a.ID, ai.UpdateToolRequest{Name: &name})).must(t); u.Name != name {
		t.Fatalf("update %+v", u)
	}
	if g := do(c.Tools.Get(ctx, a.ID)).must(t); g.Name != name || g.Configuration.API == nil || g.Configuration.API.Endpoint != "https://api.example.com/weather" {
		t.Fatalf("get %+v", g)
	}
	if err := c.Tools.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Tools.Get(ctx, a.ID)
	wantAPIError(t, "after delete", err, 404, "Tool with id "+a.ID+" not found")
}

func TestKnowledgeBaseLifecycle(t *testing.T) {
	ctx, c, e := lifecycle(t)
	_, err := c.KnowledgeBases.Create(ctx, ai.CreateKnowledgeBaseRequest{Name: "a/b"})
	wantAPIError(t, "separator in name", err, 400, "Knowledge base name cannot contain path separators")
	kb := do(c.KnowledgeBases.Create(ctx, ai.CreateKnowledgeBaseRequest{Name: "lc-handbook"})).must(t)
	upload := func(name, text string) *ai.AiKnowledgeBaseDocument {
		return do(c.KnowledgeBases.UploadDocument(ctx, kb.ID, ai.UploadDocumentParams{File: &ai.File{Name: name, ContentType: "text/plain", Content: strings.NewReader(text)}})).must(t)
	}
	refunds := upload("refunds.txt", "Refunds are paid within 14 days.")
	upload("shipping.txt", "Parcels ship on weekdays.")
	if refunds.Title != "refunds" {
		t.Fatalf("title %q, want the file name up to its dot", refunds.Title)
	}
	page := do(c.KnowledgeBases.ListDocuments(ctx, kb.ID, ai.ListDocumentsParams{Limit: 1})).must(t)
	if len(page.Data) != 1 || !page.HasMore {
		t.Fatalf("first page %+v", page)
	}
	page = do(c.KnowledgeBases.ListDocuments(ctx, kb.ID, ai.ListDocumentsParams{Limit: 1, Offset: 1})).must(t)
	if len(page.Data) != 1 || page.HasMore {
		t.Fatalf("second page %+v", page)
	}
	if m := e.SearchKnowledgeBase(kb.ID, "REFUNDS"); len(m) != 1 || m[0].DocumentID != refunds.ID {
		t.Fatalf("search %+v", m)
	}
	name := "lc-manual"
	if u := do(c.KnowledgeBases.Update(ctx, kb.ID, ai.UpdateKnowledgeBaseRequest{Name: &name})).must(t); u.Name != name {
		t.Fatalf("update %+v", u)
	}
	if err := c.KnowledgeBases.DeleteDocument(ctx, kb.ID, refunds.ID); err != nil {
		t.Fatal(err)
	}
	if m := e.SearchKnowledgeBase(kb.ID, "refunds"); len(m) != 0 {
		t.Fatalf("a deleted document is still found: %+v", m)
	}
	if err := c.KnowledgeBases.Delete(ctx, kb.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.KnowledgeBases.Get(ctx, kb.ID)
	wantAPIError(t, "after delete", err, 404, "Resource not found")
}

func TestActorLifecycle(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	a := do(c.Actors.Create(ctx, ai.CreateActorRequest{SubjectType: "user", ExternalKey: "lc-1"})).must(t)
	do(c.Actors.Create(ctx, ai.CreateActorRequest{SubjectType: "user", ExternalKey: "lc-2"})).must(t)
	_, err := c.Actors.Create(ctx, ai.CreateActorRequest{SubjectType: "user", ExternalKey: "lc-1"})
	wantAPIError(t, "duplicate", err, 409, "Resource already exists")
	page := do(c.Actors.List(ctx, ai.ListActorsParams{Limit: 1, Search: "lc-"})).must(t)
	if len(page.Data) != 1 || !page.HasMore {
		t.Fatalf("first page %+v", page)
	}
	page = do(c.Actors.List(ctx, ai.ListActorsParams{Limit: 1, Offset: 1, Search: "lc-"})).must(t)
	if len(page.Data) != 1 || page.HasMore {
		t.Fatalf("second page %+v", page)
	}
	found := do(c.Actors.Lookup(ctx, ai.LookupActorParams{SubjectType: "user", ExternalKey: "lc-1"})).must(t)
	if found.Actor == nil || found.Actor.ID != a.ID {
		t.Fatalf("lookup %+v", found)
	}
	if missing := do(c.Actors.Lookup(ctx, ai.LookupActorParams{SubjectType: "user", ExternalKey: "nobody"})).must(t); missing.Actor != nil {
		t.Fatalf("lookup of nobody %+v", missing)
	}
}

func TestProjectLifecycle(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	actor := do(c.Actors.Create(ctx, ai.CreateActorRequest{SubjectType: "user", ExternalKey: "lc-owner"})).must(t)
	p := do(c.Projects.Create(ctx, ai.ActorParams{ActorID: actor.ID}, ai.CreateActorProjectRequest{Name: "lc-support"})).must(t)
	if p.Status != "active" || p.CoordinatorThreadID == "" || p.ActorID != actor.ID {
		t.Fatalf("created %+v", p)
	}
	do(c.Projects.Create(ctx, ai.ActorParams{ActorID: actor.ID}, ai.CreateActorProjectRequest{Name: "lc-sales"})).must(t)
	search := do(c.Projects.Search(ctx, ai.SearchProjectsParams{ActorID: actor.ID, Limit: 1})).must(t)
	if len(search.Data) != 1 || !search.HasMore || search.NextCursor == "" {
		t.Fatalf("first page %+v", search)
	}
	search = do(c.Projects.Search(ctx, ai.SearchProjectsParams{ActorID: actor.ID, Limit: 1, Cursor: search.NextCursor})).must(t)
	if len(search.Data) != 1 || search.HasMore {
		t.Fatalf("second page %+v", search)
	}
	name := "lc-helpdesk"
	if u := do(c.Projects.Update(ctx, p.ID, ai.UpdateActorProjectRequest{Name: &name})).must(t); u.Name != name {
		t.Fatalf("update %+v", u)
	}
	if a := do(c.Projects.Archive(ctx, p.ID)).must(t); a.ArchivedAt == nil {
		t.Fatalf("archive %+v", a)
	}
	if list := do(c.Projects.List(ctx, ai.ListProjectsParams{ActorID: actor.ID})).must(t); len(list) != 1 {
		t.Fatalf("archived projects are listed: %d", len(list))
	}
	if u := do(c.Projects.Unarchive(ctx, p.ID)).must(t); u.ArchivedAt != nil {
		t.Fatalf("unarchive %+v", u)
	}
	_, err := c.Projects.Get(ctx, "1")
	wantAPIError(t, "unknown project", err, 404, "Project not found")
}

func TestThreadLifecycle(t *testing.T) {
	ctx, c, e := lifecycle(t)
	agent := do(c.Agents.Create(ctx, ai.CreateAgentRequest{Name: "lc-helper"})).must(t)
	e.SetAgentReply(agent.ID, "Happy to help")
	actor := do(c.Actors.Create(ctx, ai.CreateActorRequest{SubjectType: "user", ExternalKey: "lc-chat"})).must(t)
	p := do(c.Projects.Create(ctx, ai.ActorParams{ActorID: actor.ID}, ai.CreateActorProjectRequest{Name: "lc-chat"})).must(t)
	th := do(c.Threads.Create(ctx, p.ID, ai.CreateAgentThreadRequest{Title: "lc-question", AgentID: &agent.ID})).must(t)
	run := do(c.Threads.Run(ctx, th.ID, ai.ExecuteAgentRequest{ExecutionType: ai.ExecuteAgentRequestType{NewMessage: &ai.NewMessageRequest{Message: "Where is my parcel?"}}})).must(t)
	if run.Status != "queued" {
		t.Fatalf("run %+v", run)
	}
	msgs := do(c.Threads.ListMessages(ctx, th.ID, ai.ListMessagesParams{})).must(t)
	if len(msgs.Data) != 2 || msgs.Data[0].Content.Steer == nil || msgs.Data[0].Content.Steer.Message != "Happy to help" ||
		msgs.Data[1].Content.UserMessage == nil || msgs.Data[1].Content.UserMessage.Message != "Where is my parcel?" {
		t.Fatalf("messages %+v", msgs.Data)
	}
	title := "lc-parcel"
	if u := do(c.Threads.Update(ctx, th.ID, ai.UpdateAgentThreadRequest{Title: &title})).must(t); u.Title != title {
		t.Fatalf("update %+v", u)
	}
	if a := do(c.Threads.Archive(ctx, th.ID)).must(t); a.ArchivedAt == nil {
		t.Fatalf("archive %+v", a)
	}
	var err error
	e.outsideContract(func() {
		_, err = c.Threads.Run(ctx, th.ID, ai.ExecuteAgentRequest{ExecutionType: ai.ExecuteAgentRequestType{}})
	})
	wantAPIError(t, "no execution type", err, 400, "Exactly one execution_type variant must be provided")
	_, err = c.Threads.DownloadFile(ctx, th.ID, ai.FileParams{Path: "notes.txt"})
	wantAPIError(t, "file outside the workspace", err, 400, "Bad request: path must be inside workspace or uploads")
	_, err = c.Threads.Get(ctx, "1")
	wantAPIError(t, "unknown thread", err, 404, "Thread not found")
}

func TestTaskBoardLifecycle(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	actor := do(c.Actors.Create(ctx, ai.CreateActorRequest{SubjectType: "user", ExternalKey: "lc-board"})).must(t)
	p := do(c.Projects.Create(ctx, ai.ActorParams{ActorID: actor.ID}, ai.CreateActorProjectRequest{Name: "lc-board"})).must(t)
	board := do(c.TaskBoards.Get(ctx, p.ID)).must(t)
	item := do(c.TaskBoards.CreateItem(ctx, p.ID, ai.CreateProjectTaskBoardItemRequest{Title: "lc-refund"})).must(t)
	if item.BoardID != board.ID || item.Status != "pending" || item.TaskKey != "TASK-"+item.ID {
		t.Fatalf("created %+v", item)
	}
	if items := do(c.TaskBoards.ListItems(ctx, p.ID)).must(t); len(items) != 1 || items[0].ID != item.ID {
		t.Fatalf("items %+v", items)
	}
	status := "in_progress"
	if u := do(c.TaskBoards.UpdateItem(ctx, p.ID, item.ID, ai.UpdateProjectTaskBoardItemRequest{Status: &status})).must(t); u.Status != status {
		t.Fatalf("update %+v", u)
	}
	comment := do(c.TaskBoards.CreateItemComment(ctx, p.ID, item.ID, ai.ActorParams{ActorID: actor.ID}, ai.CreateProjectTaskBoardItemCommentRequest{Body: "  customer called  "})).must(t)
	if comment.Body != "customer called" {
		t.Fatalf("comment body %q, want it trimmed", comment.Body)
	}
	if cs := do(c.TaskBoards.ListItemComments(ctx, p.ID, item.ID)).must(t); len(cs) != 1 || cs[0].ID != comment.ID {
		t.Fatalf("comments %+v", cs)
	}
	if as := do(c.TaskBoards.ListItemAssignments(ctx, p.ID, item.ID)).must(t); len(as) != 0 {
		t.Fatalf("assignments %+v", as)
	}
	_, err := c.TaskBoards.AnswerItem(ctx, p.ID, item.ID, ai.AnswerSubmission{})
	wantAPIError(t, "answer without a question", err, 400, "no pending question on this task")
	_, err = c.TaskBoards.Delegate(ctx, p.ID, ai.DelegateTaskRequest{TargetLaneThreadID: p.CoordinatorThreadID, Title: "lc-sub"})
	wantAPIError(t, "delegate to the coordinator", err, 400, "delegate_task: target thread "+p.CoordinatorThreadID+" is not an execution lane (purpose=coordinator)")
	if cancelled := do(c.TaskBoards.CancelItem(ctx, p.ID, item.ID)).must(t); cancelled.Status != "cancelled" {
		t.Fatalf("cancel %+v", cancelled)
	}
	_, err = c.TaskBoards.GetItem(ctx, p.ID, "1")
	wantAPIError(t, "unknown item", err, 404, "Project task board item not found")
	_, err = c.TaskBoards.CancelItem(ctx, p.ID, "1")
	wantAPIError(t, "cancel unknown item", err, 404, "board item not found")
}

func TestMCPServerLifecycle(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	_, err := c.MCPServers.DiscoverAuth(ctx, ai.DiscoverMCPServerAuthRequest{Endpoint: "http://localhost:9000/mcp"})
	wantAPIError(t, "discover localhost", err, 400, "Localhost URLs are not allowed: localhost")
	if d := do(c.MCPServers.DiscoverAuth(ctx, ai.DiscoverMCPServerAuthRequest{Endpoint: "https://mcp.example.com"})).must(t); d.RequiresAuth {
		t.Fatalf("discover %+v", d)
	}
	a := do(c.MCPServers.Create(ctx, ai.CreateMCPServerRequest{Name: "lc docs", Config: ai.MCPServerConfig{Endpoint: "https://docs.example.com/mcp"}})).must(t)
	b := do(c.MCPServers.Create(ctx, ai.CreateMCPServerRequest{Name: "lc search", Config: ai.MCPServerConfig{Endpoint: "https://search.example.com/mcp"}})).must(t)
	if a.Slug != "lc_docs" {
		t.Fatalf("slug %q", a.Slug)
	}
	all := do(c.MCPServers.List(ctx, ai.ListMCPServersParams{})).must(t)
	page := do(c.MCPServers.List(ctx, ai.ListMCPServersParams{Limit: 1})).must(t)
	if len(page.Data) != 1 || !page.HasMore || page.Data[0].ID != b.ID {
		t.Fatalf("first page %+v", page)
	}
	page = do(c.MCPServers.List(ctx, ai.ListMCPServersParams{Limit: 1, Offset: len(all.Data) - 1})).must(t)
	if page.HasMore {
		t.Fatalf("last page %+v", page)
	}
	name := "lc manuals"
	if u := do(c.MCPServers.Update(ctx, a.ID, ai.UpdateMCPServerRequest{Name: &name})).must(t); u.Name != name {
		t.Fatalf("update %+v", u)
	}
	if err := c.MCPServers.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.MCPServers.Get(ctx, a.ID)
	wantAPIError(t, "after delete", err, 404, "MCP server not found")
}

func TestAISettingsLifecycle(t *testing.T) {
	ctx, c, e := lifecycle(t)
	openai := ai.DeploymentLLMProviderOpenai
	_, err := c.Settings.Update(ctx, ai.UpdateDeploymentAiSettingsRequest{StrongLLMProvider: &openai})
	wantAPIError(t, "provider without a key", err, 400, "strong_llm_provider is set to OpenAI but no OpenAI API key is configured")
	e.outsideContract(func() {
		dim := int64(1000)
		_, err = c.Settings.Update(ctx, ai.UpdateDeploymentAiSettingsRequest{EmbeddingDimension: &dim})
	})
	wantAPIError(t, "dimension", err, 400, "embedding_dimension must be one of: 1536 or 768 (received 1000)")
	key, model := "sk-test", "gpt-4.1"
	s := do(c.Settings.Update(ctx, ai.UpdateDeploymentAiSettingsRequest{StrongLLMProvider: &openai, OpenaiAPIKey: &key, StrongModel: &model})).must(t)
	if !s.OpenaiAPIKeySet || s.StrongLLMProvider != openai || s.StrongModel == nil || *s.StrongModel != model || s.EmbeddingModel != "gemini-embedding-2-preview" {
		t.Fatalf("update %+v", s)
	}
	if g := do(c.Settings.Get(ctx)).must(t); !g.OpenaiAPIKeySet || g.StrongLLMProvider != openai {
		t.Fatalf("get %+v", g)
	}
	p := do(c.Settings.CreateProviderProfile(ctx, ai.CreateDeploymentAiProviderProfileRequest{Provider: openai, Name: "Team", Slug: "lc-team", APIKey: "sk-1"})).must(t)
	do(c.Settings.CreateProviderProfile(ctx, ai.CreateDeploymentAiProviderProfileRequest{Provider: openai, Name: "Ops", Slug: "lc-ops", APIKey: "sk-2"})).must(t)
	_, err = c.Settings.CreateProviderProfile(ctx, ai.CreateDeploymentAiProviderProfileRequest{Provider: openai, Name: "Again", Slug: "lc-team", APIKey: "sk-3"})
	wantAPIError(t, "duplicate slug", err, 409, "Resource already exists")
	page := do(c.Settings.ListProviderProfiles(ctx, ai.ListProviderProfilesParams{Limit: 1})).must(t)
	if len(page.Data) != 1 || !page.HasMore {
		t.Fatalf("first page %+v", page)
	}
	empty := " "
	_, err = c.Settings.UpdateProviderProfile(ctx, p.ID, ai.UpdateDeploymentAiProviderProfileRequest{Name: &empty})
	wantAPIError(t, "blank name", err, 400, "name cannot be empty")
	if err := c.Settings.DeleteProviderProfile(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Settings.GetProviderProfile(ctx, p.ID)
	wantAPIError(t, "after delete", err, 404, "AI provider profile not found")
}

// skillZip is a skill bundle with its files in one top-level folder.
func skillZip(t *testing.T, folder string, files map[string]string) *ai.File {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(folder + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return &ai.File{Name: folder + ".zip", ContentType: "application/zip", Content: &buf}
}

func TestSkillLifecycle(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	agent := do(c.Agents.Create(ctx, ai.CreateAgentRequest{Name: "lc-skilled"})).must(t)
	bundle := map[string]string{"SKILL.md": "---\nname: Invoices\ndescription: Reads invoices\n---\nSteps.", "scripts/parse.py": "print('ok')"}
	tree := do(c.Skills.Import(ctx, agent.ID, ai.ImportSkillsParams{File: skillZip(t, "Invoice Reader", bundle)})).must(t)
	if tree.Scope != "agent" || tree.Path != "/invoice-reader" || len(tree.Entries) != 2 ||
		tree.Entries[0].Name != "SKILL.md" || tree.Entries[1].Name != "scripts" || tree.Entries[1].Kind != "directory" {
		t.Fatalf("import %+v", tree)
	}
	_, err := c.Skills.Import(ctx, agent.ID, ai.ImportSkillsParams{File: skillZip(t, "Invoice Reader", bundle)})
	wantAPIError(t, "import again", err, 400, "skill already exists; set replace=true to overwrite")
	replace := true
	do(c.Skills.Import(ctx, agent.ID, ai.ImportSkillsParams{Replace: &replace, File: skillZip(t, "Invoice Reader", bundle)})).must(t)
	_, err = c.Skills.Import(ctx, agent.ID, ai.ImportSkillsParams{File: &ai.File{Name: "skill.tar", Content: strings.NewReader("x")}})
	wantAPIError(t, "not a zip", err, 400, "skill upload must be a zip archive")
	list := do(c.Skills.List(ctx, agent.ID)).must(t)
	if len(list.Agent) != 1 || list.Agent[0].Name != "Invoices" || list.Agent[0].Description != "Reads invoices" ||
		list.Agent[0].MountPath != "/skills/agent/invoice-reader" || len(list.System) == 0 {
		t.Fatalf("list %+v", list)
	}
	f := do(c.Skills.ReadFile(ctx, agent.ID, ai.SkillFileParams{Scope: "agent", Path: "/invoice-reader/scripts/parse.py"})).must(t)
	if !f.IsText || f.Content != "print('ok')" || f.SizeBytes != 11 {
		t.Fatalf("read %+v", f)
	}
	sys := list.System[0].Slug
	if f := do(c.Skills.ReadFile(ctx, agent.ID, ai.SkillFileParams{Scope: "system", Path: sys + "/SKILL.md"})).must(t); !strings.HasPrefix(f.Content, "---\nname: "+sys) {
		t.Fatalf("system skill %+v", f)
	}
	_, err = c.Skills.ReadFile(ctx, agent.ID, ai.SkillFileParams{Scope: "agent", Path: "/invoice-reader/missing.md"})
	wantAPIError(t, "missing file", err, 404, "File not found")
	if err := c.Skills.Delete(ctx, agent.ID, "invoice-reader"); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, "delete again", c.Skills.Delete(ctx, agent.ID, "invoice-reader"), 404, "skill not found")
	if tree := do(c.Skills.Tree(ctx, agent.ID, ai.SkillTreeParams{Scope: "agent"})).must(t); len(tree.Entries) != 0 {
		t.Fatalf("tree after delete %+v", tree)
	}
	_, err = c.Skills.List(ctx, "1")
	wantAPIError(t, "unknown agent", err, 404, "Agent not found")
}

func TestComposioLifecycle(t *testing.T) {
	ctx, c, e := lifecycle(t)
	e.SetComposioCatalog(
		wachttest.ComposioToolkit{Slug: "github", Name: "GitHub", Categories: []string{"developer tools"},
			AuthModes:      []wachttest.ComposioAuthMode{{Mode: "OAUTH2", ConnectionFields: []wachttest.ComposioAuthField{{Name: "scopes", DisplayName: "Scopes", Type: "string", Description: "OAuth scopes"}}}},
			ManagedSchemes: []string{"OAUTH2"},
			Tools:          []wachttest.ComposioTool{{Slug: "GITHUB_CREATE_ISSUE", Name: "Create issue", InputSchema: map[string]any{"type": "object"}}}},
		wachttest.ComposioToolkit{Slug: "slack", Name: "Slack", Categories: []string{"communication"}},
	)
	cfg := do(c.Composio.Config(ctx)).must(t)
	if cfg.Enabled || !cfg.UsePlatformKey || cfg.APIKeySet || len(cfg.EnabledApps) != 0 {
		t.Fatalf("defaults %+v", cfg)
	}
	page := do(c.Composio.ListToolkits(ctx, ai.ListToolkitsParams{Limit: 1})).must(t)
	if len(page.Toolkits) != 1 || page.Toolkits[0].Slug != "github" || page.Toolkits[0].ToolCount != 1 || page.NextCursor == "" {
		t.Fatalf("first page %+v", page)
	}
	page = do(c.Composio.ListToolkits(ctx, ai.ListToolkitsParams{Limit: 1, Cursor: page.NextCursor})).must(t)
	if len(page.Toolkits) != 1 || page.Toolkits[0].Slug != "slack" || page.NextCursor != "" {
		t.Fatalf("second page %+v", page)
	}
	managed := ai.ComposioEnableAppAuth{Managed: &ai.ComposioEnableAppAuthManaged{}}
	cfg = do(c.Composio.EnableApp(ctx, ai.EnableComposioAppRequest{Slug: "GitHub", Auth: managed})).must(t)
	if len(cfg.EnabledApps) != 1 || cfg.EnabledApps[0].Slug != "github" || cfg.EnabledApps[0].AuthConfigID == "" {
		t.Fatalf("enable %+v", cfg)
	}
	_, err := c.Composio.EnableApp(ctx, ai.EnableComposioAppRequest{Slug: "github", Auth: managed})
	wantAPIError(t, "enable twice", err, 400, "github is already enabled for this deployment")
	if tools := do(c.Composio.ListTools(ctx, ai.ListComposioToolsParams{})).must(t); len(tools.Tools) != 0 {
		t.Fatalf("tools while Composio is off %+v", tools)
	}
	on := true
	do(c.Composio.UpdateConfig(ctx, ai.UpdateComposioConfigRequest{Enabled: &on})).must(t)
	tools := do(c.Composio.ListTools(ctx, ai.ListComposioToolsParams{Toolkits: " GitHub ,slack"})).must(t)
	if len(tools.Tools) != 1 || tools.Tools[0].Name != "v_composio_github_create_issue" {
		t.Fatalf("tools %+v", tools)
	}
	details := do(c.Composio.AuthDetails(ctx, "github")).must(t)
	if len(details.AuthModes) != 1 || details.AuthModes[0].Mode != "OAUTH2" || len(details.AuthModes[0].ConnectedAccountInitiation.Optional) != 1 {
		t.Fatalf("auth details %+v", details)
	}
	if acs := do(c.Composio.ListAuthConfigs(ctx, "github")).must(t); len(acs.AuthConfigs) != 0 {
		t.Fatalf("auth configs on the platform key %+v", acs)
	}
	off, key := false, "ck-test"
	_, err = c.Composio.UpdateConfig(ctx, ai.UpdateComposioConfigRequest{UsePlatformKey: &off})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Composio.ListAuthConfigs(ctx, "github")
	wantAPIError(t, "own key unset", err, 400, "Composio API key is not set. Enter your Composio API key to enable integrations.")
	if cfg := do(c.Composio.UpdateConfig(ctx, ai.UpdateComposioConfigRequest{APIKey: &key})).must(t); !cfg.APIKeySet {
		t.Fatalf("key %+v", cfg)
	}
	if acs := do(c.Composio.ListAuthConfigs(ctx, "github")).must(t); len(acs.AuthConfigs) != 1 || acs.AuthConfigs[0].ID != cfg.EnabledApps[0].AuthConfigID {
		t.Fatalf("auth configs %+v", acs)
	}
	if cfg := do(c.Composio.DisableApp(ctx, "github")).must(t); len(cfg.EnabledApps) != 0 {
		t.Fatalf("disable %+v", cfg)
	}
	_, err = c.Composio.DisableApp(ctx, "github")
	wantAPIError(t, "disable twice", err, 404, "github is not enabled")
}
