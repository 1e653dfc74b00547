package wachttest

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// aiTool is models::AiTool (models/src/ai_tool.rs:5). configuration is
// the internally tagged AiToolConfiguration, kept as sent and written
// back as is: the server stores it as JSON and returns it unredacted
// (platform/src/application/ai_tools.rs:230).
type aiTool struct {
	ID, Name         string
	Description      *string
	ToolType         string
	Configuration    map[string]any
	Created, Updated time.Time
}

func (t *aiTool) createdAt() time.Time { return t.Created }
func (t *aiTool) key() string          { return t.ID }

// aiToolView is AiTool and AiToolWithDetails: description and
// approval_action always written. Outside an agent the action is the
// default, allow (queries/src/ai_tool.rs:60).
type aiToolView struct {
	ID             string         `json:"id"`
	Created        time.Time      `json:"created_at"`
	Updated        time.Time      `json:"updated_at"`
	Name           string         `json:"name"`
	Description    *string        `json:"description"`
	ToolType       string         `json:"tool_type"`
	DeploymentID   string         `json:"deployment_id"`
	Configuration  map[string]any `json:"configuration"`
	ApprovalAction string         `json:"approval_action"`
}

func (t *aiTool) view(action string) aiToolView {
	return aiToolView{ID: t.ID, Created: t.Created, Updated: t.Updated, Name: t.Name, Description: t.Description,
		ToolType: t.ToolType, DeploymentID: DeploymentID, Configuration: t.Configuration, ApprovalAction: action}
}

func (st *store) aiTool(id string) (*aiTool, error) {
	t, found := st.aiTools[id]
	if !found {
		// queries/src/ai_tool.rs:310
		return nil, notFound("Tool with id " + id + " not found")
	}
	return t, nil
}

// toolTypes maps tool_type strings as AiToolType::from does: any other
// string is api (models/src/ai_tool.rs:352).
func toolType(s string) string {
	switch s {
	case "api", "platform_event", "code_runner", "internal", "mcp", "virtual":
		return s
	}
	return "api"
}

// validateTool is CreateAiToolCommand::validate (commands/src/ai_tools.rs:36).
func validateTool(name string, cfg map[string]any) error {
	if strings.TrimSpace(name) == "" {
		return badRequest("Tool name is required")
	}
	str := func(k string) string { v, _ := cfg[k].(string); return v }
	switch str("type") {
	case "Api":
		ep := str("endpoint")
		if strings.TrimSpace(ep) == "" {
			return badRequest("API endpoint is required")
		}
		if !strings.HasPrefix(ep, "http://") && !strings.HasPrefix(ep, "https://") {
			return badRequest("API endpoint must be a valid URL (http:// or https://)")
		}
	case "PlatformEvent":
		if strings.TrimSpace(str("event_label")) == "" {
			return badRequest("Event label is required")
		}
	case "CodeRunner":
		if strings.TrimSpace(str("code")) == "" {
			return badRequest("Code runner source is required")
		}
	case "Virtual":
		return badRequest("Virtual tools cannot be created directly — they are discovered at runtime")
	}
	return nil
}

func (s *Server) listAITools(w http.ResponseWriter, r *http.Request) error {
	lq, offsetSent, err := aiPage(r, 50)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		all := latestFirst(st.aiTools, func(t *aiTool) bool { return searchAI(lq.Search, t.Name, t.Description) })
		return ok(w, pageOf(viewsOf(all, func(t *aiTool) aiToolView { return t.view("allow") }), lq, offsetSent))
	})
}

type toolBody struct {
	Name          *string        `json:"name"`
	Description   *string        `json:"description"`
	ToolType      *string        `json:"tool_type"`
	Configuration map[string]any `json:"configuration"`
}

// createAITool takes CreateToolRequest (dto/src/json/deployment.rs:70):
// name, tool_type and configuration required.
func (s *Server) createAITool(w http.ResponseWriter, r *http.Request) error {
	var body toolBody
	if err := bindJSON(r, &body, "name", "tool_type", "configuration"); err != nil {
		return err
	}
	if err := validateTool(*body.Name, body.Configuration); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		now := time.Now().UTC()
		t := &aiTool{ID: st.flakeID(now), Name: *body.Name, Description: body.Description, ToolType: toolType(*body.ToolType),
			Configuration: body.Configuration, Created: now, Updated: now}
		st.aiTools[t.ID] = t
		return ok(w, t.view("allow"))
	})
}

func (s *Server) getAITool(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "tool_id", (*store).aiTool, func(st *store, t *aiTool) error {
		return ok(w, t.view("allow"))
	})
}

// updateAITool is UpdateAiToolCommand (commands/src/ai_tools.rs:223):
// the same checks on what is sent.
func (s *Server) updateAITool(w http.ResponseWriter, r *http.Request) error {
	var body toolBody
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return within(s, r, "tool_id", (*store).aiTool, func(st *store, t *aiTool) error {
		name, cfg := t.Name, t.Configuration
		assign(&name, body.Name)
		if body.Configuration != nil {
			cfg = body.Configuration
		}
		if body.Name != nil || body.Configuration != nil {
			if err := validateTool(name, cfg); err != nil {
				return err
			}
		}
		t.Name, t.Configuration = name, cfg
		if body.Description != nil {
			t.Description = body.Description
		}
		if body.ToolType != nil {
			t.ToolType = toolType(*body.ToolType)
		}
		t.Updated = time.Now().UTC()
		return ok(w, t.view("allow"))
	})
}

// deleteAITool drops the tool and its agent links (ai_agent_tools rows go
// with it, commands/src/ai_tools.rs:366).
func (s *Server) deleteAITool(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "tool_id", (*store).aiTool, func(st *store, t *aiTool) error {
		delete(st.aiTools, t.ID)
		for _, a := range st.aiAgents {
			delete(a.Tools, t.ID)
		}
		return ok(w, empty{})
	})
}

// listAgentTools is get_agent_tools (platform/src/api/ai_tools.rs:60):
// the agent's tools with the link's approval action, newest first
// (queries/src/ai_tool.rs:249), unpaginated. An unknown agent has none.
func (s *Server) listAgentTools(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		var out []aiToolView
		if a, found := st.aiAgents[r.PathValue("agent_id")]; found {
			tools := latestFirst(st.aiTools, func(t *aiTool) bool { _, on := a.Tools[t.ID]; return on })
			out = viewsOf(tools, func(t *aiTool) aiToolView { return t.view(a.Tools[t.ID]) })
		}
		return ok(w, whole(out))
	})
}

// attachTool is AttachToolToAgentCommand (commands/src/ai_agents.rs:580):
// an INSERT ... SELECT that joins the agent and the tool, ON CONFLICT DO
// NOTHING, so unknown ids and a second attach are silent.
func (s *Server) attachTool(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		a, isAgent := st.aiAgents[r.PathValue("agent_id")]
		_, isTool := st.aiTools[r.PathValue("tool_id")]
		if isAgent && isTool {
			if _, linked := a.Tools[r.PathValue("tool_id")]; !linked {
				a.Tools[r.PathValue("tool_id")] = "allow"
			}
		}
		return ok(w, empty{})
	})
}

// setToolApproval is UpdateAgentToolApprovalActionCommand
// (commands/src/ai_agents.rs:629): 404 when no link was updated.
func (s *Server) setToolApproval(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		ApprovalAction string `json:"approval_action"`
	}
	if err := bindJSON(r, &body, "approval_action"); err != nil {
		return err
	}
	switch body.ApprovalAction {
	case "allow", "deny", "review":
	default:
		return jsonData("approval_action: unknown variant `" + body.ApprovalAction + "`")
	}
	return s.locked(func(st *store) error {
		agentID, toolID := r.PathValue("agent_id"), r.PathValue("tool_id")
		a, isAgent := st.aiAgents[agentID]
		if !isAgent {
			return notFound("Tool " + toolID + " is not attached to agent " + agentID)
		}
		if _, linked := a.Tools[toolID]; !linked {
			return notFound("Tool " + toolID + " is not attached to agent " + agentID)
		}
		a.Tools[toolID] = body.ApprovalAction
		return ok(w, empty{})
	})
}

func (s *Server) detachTool(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		if a, found := st.aiAgents[r.PathValue("agent_id")]; found {
			delete(a.Tools, r.PathValue("tool_id"))
		}
		return ok(w, empty{})
	})
}

// internalTools is the catalog GET /ai/internal-tools answers: the
// built-in tools an agent can disable by name (InternalToolType,
// models/src/ai_tool.rs; InternalToolListResponse,
// models/src/composio.rs:62). The emulator lists the names with a short
// description and an open input schema; it runs none of them.
var internalTools = []string{"read_image", "read_file", "write_file", "append_file", "edit_file", "execute_command", "sleep",
	"web_search", "url_content", "search_knowledgebase", "load_memory", "search_tools", "load_tools", "create_project_task",
	"update_project_task", "assign_project_task", "append_task_journal", "list_threads", "create_thread", "update_thread",
	"save_memory", "update_memory", "task_graph_add_node", "task_graph_add_dependency", "task_graph_mark_in_progress",
	"task_graph_complete_node", "task_graph_fail_node", "task_graph_reset", "ask_user", "subscribe_to_task",
	"unsubscribe_from_task", "delegate_task", "get_project_task"}

type internalToolView struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	InputSchema map[string]any `json:"input_schema"`
}

func (s *Server) listInternalTools(w http.ResponseWriter, r *http.Request) error {
	out := make([]internalToolView, 0, len(internalTools))
	for _, name := range internalTools {
		out = append(out, internalToolView{Name: name, Description: "Built-in tool " + strings.ReplaceAll(name, "_", " "),
			InputSchema: map[string]any{"type": "object"}})
	}
	return ok(w, map[string]any{"tools": out})
}

// knowledgeBase is models::AiKnowledgeBase (models/src/ai_knowledge_base.rs).
type knowledgeBase struct {
	ID, Name         string
	Description      *string
	Configuration    any
	Created, Updated time.Time
}

func (kb *knowledgeBase) createdAt() time.Time { return kb.Created }
func (kb *knowledgeBase) key() string          { return kb.ID }

type knowledgeBaseView struct {
	ID            string    `json:"id"`
	Created       time.Time `json:"created_at"`
	Updated       time.Time `json:"updated_at"`
	Name          string    `json:"name"`
	Description   *string   `json:"description"`
	DeploymentID  string    `json:"deployment_id"`
	Configuration any       `json:"configuration"`
}

// knowledgeBaseDetails is AiKnowledgeBaseWithDetails: the counts are over
// the base's documents.
type knowledgeBaseDetails struct {
	knowledgeBaseView
	DocumentsCount int   `json:"documents_count"`
	TotalSize      int64 `json:"total_size"`
}

func (kb *knowledgeBase) view() knowledgeBaseView {
	return knowledgeBaseView{ID: kb.ID, Created: kb.Created, Updated: kb.Updated, Name: kb.Name, Description: kb.Description,
		DeploymentID: DeploymentID, Configuration: kb.Configuration}
}

func (st *store) kbDetails(kb *knowledgeBase) knowledgeBaseDetails {
	d := knowledgeBaseDetails{knowledgeBaseView: kb.view()}
	for _, doc := range st.kbDocuments {
		if doc.KnowledgeBaseID == kb.ID {
			d.DocumentsCount++
			d.TotalSize += int64(len(doc.Content))
		}
	}
	return d
}

// GetAiKnowledgeBaseByIdQuery's fetch_one finds no row: the generic 404
// (queries/src/ai_knowledge_base.rs:146, platform/src/application/error.rs:11).
func (st *store) knowledgeBase(id string) (*knowledgeBase, error) {
	kb, found := st.knowledgeBases[id]
	if !found {
		return nil, notFound("Resource not found")
	}
	return kb, nil
}

// validKBName is validate_knowledge_base_name
// (commands/src/ai_knowledge_base.rs:187).
func validKBName(name string) error {
	n := strings.TrimSpace(name)
	switch {
	case n == "":
		return badRequest("Knowledge base name cannot be empty")
	case n == "." || n == "..":
		return badRequest("Knowledge base name cannot be '.' or '..'")
	case strings.ContainsAny(n, "/\\"):
		return badRequest("Knowledge base name cannot contain path separators")
	case strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return badRequest("Knowledge base name cannot contain control characters")
	}
	return nil
}

// listKnowledgeBases answers KnowledgeBaseResponse, exactly {data,
// has_more} (dto/src/json/ai_knowledge_base.rs:21); limit defaults to 20.
func (s *Server) listKnowledgeBases(w http.ResponseWriter, r *http.Request) error {
	lq, _, err := aiPage(r, 20)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		all := latestFirst(st.knowledgeBases, func(kb *knowledgeBase) bool { return searchAI(lq.Search, kb.Name, kb.Description) })
		res := listOf(viewsOf(all, st.kbDetails), lq.pageParams)
		res.Limit, res.Offset = nil, nil
		return ok(w, res)
	})
}

type kbBody struct {
	Name          *string `json:"name"`
	Description   *string `json:"description"`
	Configuration any     `json:"configuration"`
}

func (s *Server) createKnowledgeBase(w http.ResponseWriter, r *http.Request) error {
	var body kbBody
	if err := bindJSON(r, &body, "name"); err != nil {
		return err
	}
	if err := validKBName(*body.Name); err != nil {
		return err
	}
	if body.Configuration == nil {
		body.Configuration = map[string]any{} // #[serde(default)] on configuration
	}
	return s.locked(func(st *store) error {
		now := time.Now().UTC()
		kb := &knowledgeBase{ID: st.flakeID(now), Name: *body.Name, Description: body.Description, Configuration: body.Configuration, Created: now, Updated: now}
		st.knowledgeBases[kb.ID] = kb
		return ok(w, kb.view())
	})
}

func (s *Server) getKnowledgeBase(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "kb_id", (*store).knowledgeBase, func(st *store, kb *knowledgeBase) error {
		return ok(w, st.kbDetails(kb))
	})
}

// updateKnowledgeBase is update_ai_knowledge_base
// (platform/src/application/ai_knowledge_base.rs:121): null fields stay.
func (s *Server) updateKnowledgeBase(w http.ResponseWriter, r *http.Request) error {
	var body kbBody
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	if body.Name != nil {
		if err := validKBName(*body.Name); err != nil {
			return err
		}
	}
	return within(s, r, "kb_id", (*store).knowledgeBase, func(st *store, kb *knowledgeBase) error {
		assign(&kb.Name, body.Name)
		if body.Description != nil {
			kb.Description = body.Description
		}
		if body.Configuration != nil {
			kb.Configuration = body.Configuration
		}
		kb.Updated = time.Now().UTC()
		return ok(w, kb.view())
	})
}

// deleteKnowledgeBase is DeleteAiKnowledgeBaseCommand
// (commands/src/ai_knowledge_base.rs:229): refused while an agent uses
// the base; otherwise its documents go with it.
func (s *Server) deleteKnowledgeBase(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		id := r.PathValue("kb_id")
		var users []*aiAgent
		for _, a := range st.aiAgents {
			if a.KnowledgeBases[id] {
				users = append(users, a)
			}
		}
		if len(users) > 0 {
			slices.SortFunc(users, byCreation)
			names := viewsOf(users, func(a *aiAgent) string { return a.Name })
			return badRequest("Cannot delete knowledge base. The following agents depend on it: " + strings.Join(names, ", ") +
				". Please remove this knowledge base from these agents first.")
		}
		delete(st.knowledgeBases, id)
		for docID, doc := range st.kbDocuments {
			if doc.KnowledgeBaseID == id {
				delete(st.kbDocuments, docID)
			}
		}
		return ok(w, empty{})
	})
}

// kbDocument is models::AiKnowledgeBaseDocument
// (models/src/ai_knowledge_base.rs:48) with the uploaded bytes, which the
// emulator keeps so that SearchKnowledgeBase can match their text.
type kbDocument struct {
	ID, KnowledgeBaseID string
	Title               string
	Description         *string
	FileName, FileType  string
	Content             []byte
	Created, Updated    time.Time
}

func (d *kbDocument) createdAt() time.Time { return d.Created }
func (d *kbDocument) key() string          { return d.ID }

type kbDocumentView struct {
	ID                 string    `json:"id"`
	Created            time.Time `json:"created_at"`
	Updated            time.Time `json:"updated_at"`
	Title              string    `json:"title"`
	Description        *string   `json:"description"`
	FileName           string    `json:"file_name"`
	FileSize           int       `json:"file_size"`
	FileType           string    `json:"file_type"`
	StorageObjectKey   string    `json:"storage_object_key"`
	KnowledgeBaseID    string    `json:"knowledge_base_id"`
	ProcessingMetadata any       `json:"processing_metadata"`
}

// view: the object key is where UploadKnowledgeBaseDocumentCommand writes
// the file (commands/src/ai_knowledge_base.rs:408); processing_metadata
// is null until the (never run) embedding worker fills it.
func (d *kbDocument) view() kbDocumentView {
	return kbDocumentView{ID: d.ID, Created: d.Created, Updated: d.Updated, Title: d.Title, Description: d.Description,
		FileName: d.FileName, FileSize: len(d.Content), FileType: d.FileType,
		StorageObjectKey: DeploymentID + "/knowledge-bases/" + d.KnowledgeBaseID + "/" + d.FileName, KnowledgeBaseID: d.KnowledgeBaseID}
}

// listKBDocuments is get_knowledge_base_documents
// (platform/src/api/ai_knowledge_base.rs:201): 404 "Knowledge base not
// found" for an unknown base; limit and offset always echoed (defaults
// 20 and 0); newest first (queries/src/ai_knowledge_base.rs:235).
func (s *Server) listKBDocuments(w http.ResponseWriter, r *http.Request) error {
	lq, _, err := aiPage(r, 20)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		if _, found := st.knowledgeBases[r.PathValue("kb_id")]; !found {
			return notFound("Knowledge base not found")
		}
		all := latestFirst(st.kbDocuments, func(d *kbDocument) bool { return d.KnowledgeBaseID == r.PathValue("kb_id") })
		return ok(w, listOf(viewsOf(all, (*kbDocument).view), lq.pageParams))
	})
}

// uploadKBDocument is upload_knowledge_base_document
// (platform/src/api/ai_knowledge_base.rs:151,
// platform/src/application/ai_knowledge_base.rs:160): the file part needs
// a file name ("File is required") and content ("File content is
// empty"); its own Content-Type is the file type (octet-stream when
// none); the title defaults to the file name up to its first dot.
func (s *Server) uploadKBDocument(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(maxBody); err != nil {
		return &rejection{http.StatusBadRequest, "Invalid `boundary` for `multipart/form-data` request"}
	}
	var title, description *string
	if v := r.MultipartForm.Value["title"]; len(v) > 0 {
		title = &v[0]
	}
	if v := r.MultipartForm.Value["description"]; len(v) > 0 {
		description = &v[0]
	}
	files := r.MultipartForm.File["file"]
	if len(files) == 0 || files[0].Filename == "" {
		return badRequest("File is required")
	}
	fh := files[0]
	f, err := fh.Open()
	if err != nil {
		return badRequest("File is required")
	}
	content, err := io.ReadAll(f)
	_ = f.Close()
	if err != nil {
		return badRequest("File is required")
	}
	name := sanitizeFilename(fh.Filename)
	if name == "" {
		return badRequest("Invalid filename")
	}
	fileType := fh.Header.Get("Content-Type")
	if fileType == "" {
		fileType = "application/octet-stream"
	}
	if title == nil {
		t, _, _ := strings.Cut(name, ".")
		title = &t
	}
	if len(content) == 0 {
		return badRequest("File content is empty")
	}
	return s.locked(func(st *store) error {
		if _, found := st.knowledgeBases[r.PathValue("kb_id")]; !found {
			return notFound("Knowledge base not found")
		}
		now := time.Now().UTC()
		d := &kbDocument{ID: st.flakeID(now), KnowledgeBaseID: r.PathValue("kb_id"), Title: *title, Description: description,
			FileName: name, FileType: fileType, Content: content, Created: now, Updated: now}
		st.kbDocuments[d.ID] = d
		return ok(w, d.view())
	})
}

// sanitizeFilename keeps the last path element without control
// characters, as common::sanitize_filename does; "" when nothing is left.
func sanitizeFilename(name string) string {
	name = name[strings.LastIndexAny(name, "/\\")+1:]
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// deleteKBDocument is DeleteKnowledgeBaseDocumentCommand
// (commands/src/ai_knowledge_base.rs:508,518).
func (s *Server) deleteKBDocument(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		if _, found := st.knowledgeBases[r.PathValue("kb_id")]; !found {
			return notFound("Knowledge base not found")
		}
		d, found := st.kbDocuments[r.PathValue("document_id")]
		if !found || d.KnowledgeBaseID != r.PathValue("kb_id") {
			return notFound("Document not found")
		}
		delete(st.kbDocuments, d.ID)
		return ok(w, empty{})
	})
}

// listAgentKBs is get_agent_knowledge_bases
// (platform/src/api/ai_knowledge_base.rs:77): unpaginated, newest first.
func (s *Server) listAgentKBs(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		var out []knowledgeBaseDetails
		if a, found := st.aiAgents[r.PathValue("agent_id")]; found {
			out = viewsOf(latestFirst(st.knowledgeBases, func(kb *knowledgeBase) bool { return a.KnowledgeBases[kb.ID] }), st.kbDetails)
		}
		return ok(w, whole(out))
	})
}

// attachKB and detachKB are the INSERT ... SELECT ON CONFLICT DO NOTHING
// and the DELETE of commands/src/ai_agents.rs:715,755: silent for ids
// that do not exist.
func (s *Server) attachKB(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		a, isAgent := st.aiAgents[r.PathValue("agent_id")]
		if _, isKB := st.knowledgeBases[r.PathValue("kb_id")]; isAgent && isKB {
			a.KnowledgeBases[r.PathValue("kb_id")] = true
		}
		return ok(w, empty{})
	})
}

func (s *Server) detachKB(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		if a, found := st.aiAgents[r.PathValue("agent_id")]; found {
			delete(a.KnowledgeBases, r.PathValue("kb_id"))
		}
		return ok(w, empty{})
	})
}

// KnowledgeBaseMatch is one document SearchKnowledgeBase found.
type KnowledgeBaseMatch struct {
	DocumentID string
	Title      string
	Snippet    string // up to 80 bytes of text either side of the first match
}

// SearchKnowledgeBase stands in for the server's embedding search over a
// knowledge base's documents (the search_knowledgebase tool an agent
// runs): the emulator computes no embeddings, so it returns the
// documents whose text contains query, case-insensitively, oldest first.
// An unknown knowledge base has no matches.
func (s *Server) SearchKnowledgeBase(kbID, query string) []KnowledgeBaseMatch {
	var out []KnowledgeBaseMatch
	_ = s.locked(func(st *store) error {
		for _, d := range oldestFirst(st.kbDocuments, func(d *kbDocument) bool { return d.KnowledgeBaseID == kbID }) {
			text := string(d.Content)
			i := strings.Index(strings.ToLower(text), strings.ToLower(query))
			if query == "" || i < 0 {
				continue
			}
			from, to := max(i-80, 0), min(i+len(query)+80, len(text))
			out = append(out, KnowledgeBaseMatch{DocumentID: d.ID, Title: d.Title, Snippet: text[from:to]})
		}
		return nil
	})
	return out
}
