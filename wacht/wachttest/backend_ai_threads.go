package wachttest

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// agentThread is models::AgentThread (models/src/agent_thread.rs:6). The
// bound agent (thread_agent_assignments) is not part of the wire shape.
type agentThread struct {
	ID                 string     `json:"id"`
	Deployment         string     `json:"deployment_id"`
	ActorID            string     `json:"actor_id"`
	ProjectID          string     `json:"project_id"`
	Title              string     `json:"title"`
	ThreadKind         string     `json:"thread_kind"`
	Visibility         string     `json:"thread_visibility"`
	Purpose            string     `json:"thread_purpose"`
	Responsibility     *string    `json:"responsibility"`
	Reusable           bool       `json:"reusable"`
	AcceptsAssignments bool       `json:"accepts_assignments"`
	CapabilityTags     []string   `json:"capability_tags"`
	Status             string     `json:"status"`
	SystemInstructions *string    `json:"system_instructions"`
	LastActivity       time.Time  `json:"last_activity_at"`
	Completed          *time.Time `json:"completed_at"`
	ExecutionState     any        `json:"execution_state"`
	NextEventSequence  int64      `json:"next_event_sequence"`
	Metadata           any        `json:"metadata"`
	Created            time.Time  `json:"created_at"`
	Updated            time.Time  `json:"updated_at"`
	Archived           *time.Time `json:"archived_at"`
	StateVersion       string     `json:"state_version"`
	AgentID            string     `json:"-"`
}

func (t *agentThread) createdAt() time.Time { return t.Created }
func (t *agentThread) key() string          { return t.ID }

// newThread is CreateAgentThreadCommand (commands/src/agent_thread_model.rs:154):
// status idle, the purpose is also the kind, and only conversations are
// user-facing (line 99).
func (st *store) newThread(p *actorProject, title, purpose string, now time.Time) *agentThread {
	visibility := "internal"
	if purpose == "conversation" {
		visibility = "user_facing"
	}
	t := &agentThread{ID: st.flakeID(now), Deployment: DeploymentID, ActorID: p.ActorID, ProjectID: p.ID, Title: title, ThreadKind: purpose,
		Visibility: visibility, Purpose: purpose, CapabilityTags: []string{}, Status: "idle", LastActivity: now,
		Metadata: map[string]any{}, Created: now, Updated: now, StateVersion: "0"}
	st.threads[t.ID] = t
	return t
}

// platform/src/application/agent_threads.rs:885
func (st *store) thread(id string) (*agentThread, error) {
	t, found := st.threads[id]
	if !found {
		return nil, notFound("Thread not found")
	}
	return t, nil
}

// listAgentThreads is list_agent_threads: unpaginated, unarchived unless
// asked, most recent activity first.
func (s *Server) listAgentThreads(w http.ResponseWriter, r *http.Request) error {
	archived, err := queryBool(r, "include_archived")
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		pid := r.PathValue("project_id")
		all := byRecency(st.threads, func(t *agentThread) bool { return t.ProjectID == pid && (archived || t.Archived == nil) },
			func(t *agentThread) time.Time { return t.LastActivity })
		return ok(w, whole(viewsOf(all, func(t *agentThread) agentThread { return *t })))
	})
}

// createAgentThread is create_agent_thread (agent_threads.rs:783): the
// purpose defaults to conversation and must be one of the four; a
// conversation bound to an agent runs the agent's conversation agent.
func (s *Server) createAgentThread(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Title              string   `json:"title"`
		AgentID            *flexID  `json:"agent_id"`
		SystemInstructions *string  `json:"system_instructions"`
		ThreadPurpose      *string  `json:"thread_purpose"`
		Responsibility     *string  `json:"responsibility"`
		Reusable           *bool    `json:"reusable"`
		AcceptsAssignments *bool    `json:"accepts_assignments"`
		CapabilityTags     []string `json:"capability_tags"`
		Metadata           any      `json:"metadata"`
	}
	if err := bindJSON(r, &body, "title"); err != nil {
		return err
	}
	purpose := "conversation"
	assign(&purpose, body.ThreadPurpose)
	switch purpose {
	case "conversation", "coordinator", "execution", "review":
	default:
		return badRequest("invalid thread_purpose")
	}
	return within(s, r, "project_id", (*store).project, func(st *store, p *actorProject) error {
		var agent *aiAgent
		if body.AgentID != nil {
			a, found := st.aiAgents[string(*body.AgentID)]
			if !found {
				return notFound("Agent not found")
			}
			agent = a
		}
		t := st.newThread(p, body.Title, purpose, time.Now().UTC())
		if body.Responsibility != nil && strings.TrimSpace(*body.Responsibility) != "" {
			t.Responsibility = body.Responsibility
		}
		if body.CapabilityTags != nil {
			t.CapabilityTags = body.CapabilityTags
		}
		t.Reusable = body.Reusable != nil && *body.Reusable
		t.AcceptsAssignments = body.AcceptsAssignments != nil && *body.AcceptsAssignments
		instructions := projectInstructions(p)
		t.SystemInstructions = &instructions
		if body.SystemInstructions != nil {
			t.SystemInstructions = body.SystemInstructions
		}
		if body.Metadata != nil {
			t.Metadata = body.Metadata
		}
		if agent != nil {
			t.AgentID = agent.ID
			if purpose == "conversation" && agent.Conversation != nil {
				t.AgentID = *agent.Conversation
			}
		}
		return ok(w, t)
	})
}

// searchActorThreads is search_actor_project_threads
// (agent_threads.rs:888): the actor's threads by title, most recent
// activity first, paged by a (last_activity_at, id) cursor.
func (s *Server) searchActorThreads(w http.ResponseWriter, r *http.Request) error {
	actorID, err := actorIDQuery(r)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		at := func(t *agentThread) time.Time { return t.LastActivity }
		all := byRecency(st.threads, func(t *agentThread) bool { return t.ActorID == actorID && t.Archived == nil }, at)
		rows, limit, next, err := cursorSearch(r, all, at, func(t *agentThread) string { return t.Title })
		if err != nil {
			return err
		}
		return ok(w, cursorPage[agentThread]{Data: viewsOf(rows, func(t *agentThread) agentThread { return *t }), Limit: limit,
			HasMore: next != "", NextCursor: next})
	})
}

func (s *Server) getAgentThread(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "thread_id", (*store).thread, func(st *store, t *agentThread) error { return ok(w, t) })
}

// updateAgentThread is update_agent_thread (agent_threads.rs:981): the
// title is trimmed; agent_id rebinds the thread.
func (s *Server) updateAgentThread(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Title              *string `json:"title"`
		AgentID            *flexID `json:"agent_id"`
		SystemInstructions *string `json:"system_instructions"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return within(s, r, "thread_id", (*store).thread, func(st *store, t *agentThread) error {
		if body.Title == nil && body.AgentID == nil && body.SystemInstructions == nil {
			return ok(w, t)
		}
		if body.Title != nil {
			t.Title = strings.TrimSpace(*body.Title)
		}
		if body.SystemInstructions != nil {
			t.SystemInstructions = body.SystemInstructions
		}
		if body.AgentID != nil {
			t.AgentID = string(*body.AgentID)
		}
		t.Updated = time.Now().UTC()
		return ok(w, t)
	})
}

// archiveAgentThread is set_agent_thread_archived (agent_threads.rs:1024):
// execution and review threads cannot be archived.
func (s *Server) archiveAgentThread(archived bool) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return within(s, r, "thread_id", (*store).thread, func(st *store, t *agentThread) error {
			if archived && (t.Purpose == "execution" || t.Purpose == "review") {
				return badRequest("Execution and review threads cannot be archived")
			}
			now := time.Now().UTC()
			t.Archived = nil
			if archived {
				t.Archived = &now
			}
			t.Updated = now
			return ok(w, t)
		})
	}
}

// listThreadAssignments: assignments are made by the coordinator agent
// when it routes board items, which the emulator never runs, so a known
// thread has none.
func (s *Server) listThreadAssignments(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "thread_id", (*store).thread, func(st *store, t *agentThread) error {
		return ok(w, whole([]map[string]any{}))
	})
}

// latestTaskGraph answers the flattened Option<ThreadTaskGraph>: {} for a
// thread without a graph (agent_threads.rs:1113). Graphs are built by the
// agent's task_graph_* tools, which the emulator does not run.
func (s *Server) latestTaskGraph(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "thread_id", (*store).thread, func(st *store, t *agentThread) error {
		return ok(w, empty{})
	})
}

// conversation is models::ConversationRecord: thread_id, board_item_id,
// execution_run_id and metadata are skipped when unset; content is the
// internally tagged ConversationContent (models/src/conversation.rs).
type conversation struct {
	ID          string         `json:"id"`
	ThreadID    string         `json:"thread_id,omitempty"`
	Timestamp   time.Time      `json:"timestamp"`
	Content     map[string]any `json:"content"`
	MessageType string         `json:"message_type"`
	Created     time.Time      `json:"created_at"`
	Updated     time.Time      `json:"updated_at"`
}

func (st *store) addMessage(threadID, typ string, content map[string]any) *conversation {
	now := time.Now().UTC()
	content["type"] = typ
	c := &conversation{ID: st.flakeID(now), ThreadID: threadID, Timestamp: now, Content: content, MessageType: typ, Created: now, Updated: now}
	st.messages[threadID] = append(st.messages[threadID], c)
	return c
}

// listThreadMessages is list_thread_messages (agent_threads.rs:1059,
// queries/src/conversation_history.rs:372): limit normalised to 1..100
// (default 50), newest first unless after_id asks for what came after,
// oldest first; {data, has_more} only.
func (s *Server) listThreadMessages(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	nums := map[string]int64{}
	for _, name := range []string{"limit", "before_id", "after_id", "board_item_id"} {
		if q.Has(name) {
			n, err := strconv.ParseInt(q.Get(name), 10, 64)
			if err != nil {
				return queryRejection(name + ": invalid digit found in string")
			}
			nums[name] = n
		}
	}
	limit := int(nums["limit"])
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 100)
	return within(s, r, "thread_id", (*store).thread, func(st *store, t *agentThread) error {
		var rows []*conversation
		all := st.messages[t.ID]
		_, after := nums["after_id"]
		_, byItem := nums["board_item_id"]
		for i := range all {
			c := all[i]
			if !after {
				c = all[len(all)-1-i]
			}
			id, _ := strconv.ParseInt(c.ID, 10, 64)
			if b, has := nums["before_id"]; has && id >= b {
				continue
			}
			if a, has := nums["after_id"]; has && id <= a {
				continue
			}
			if byItem { // the emulator's messages belong to no board item
				continue
			}
			rows = append(rows, c)
		}
		more := len(rows) > limit
		if more {
			rows = rows[:limit]
		}
		return ok(w, map[string]any{"data": viewsOf(rows, func(c *conversation) conversation { return *c }), "has_more": more})
	})
}

// listThreadFilesystem: a thread's root holds uploads/ and workspace/
// (agent_threads.rs:1084); the emulator stores no files in them, so any
// other path is an empty, non-existent directory.
func (s *Server) listThreadFilesystem(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "thread_id", (*store).thread, func(st *store, t *agentThread) error {
		path := strings.Trim(strings.TrimSpace(r.URL.Query().Get("path")), "/")
		if path == "" {
			return ok(w, map[string]any{"exists": true, "files": []map[string]any{
				{"path": "uploads", "name": "uploads", "is_dir": true},
				{"path": "workspace", "name": "workspace", "is_dir": true}}})
		}
		return ok(w, map[string]any{"exists": false, "files": []any{}})
	})
}

// workspacePath is sanitize_relative_path
// (platform/src/application/agent_threads.rs:363): backslashes as
// slashes, empty and "." segments dropped, ".." refused.
func workspacePath(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", badRequest("path query parameter is required")
	}
	var segs []string
	for _, seg := range strings.Split(strings.ReplaceAll(raw, `\`, "/"), "/") {
		switch seg {
		case "", ".":
			continue
		case "..":
			return "", badRequest("invalid file path")
		}
		segs = append(segs, seg)
	}
	if len(segs) == 0 {
		return "", badRequest("invalid file path")
	}
	return strings.Join(segs, "/"), nil
}

// displayed is how the raw-file handlers (thread files, item downloads)
// answer an application error other than not-found and storage errors:
// 400 with the error's Display, which prefixes a BadRequest with "Bad
// request: " (models/src/error.rs:42; platform/src/api/agent_threads.rs:1237).
func displayed(err error) error {
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusBadRequest {
		return badRequest("Bad request: " + he.msg)
	}
	return err
}

// missingObject is the storage read of a file the workspace does not
// hold: GetObject fails with NoSuchKey, the SDK's error displays as
// "service error", and the raw-file handlers answer it as a 500 with
// that message (agent_threads.rs:562 read_workspace_file; the mapping at
// platform/src/api/agent_threads.rs:1240). The emulator's workspaces are
// empty: agent runs are canned and write no files.
func missingObject() error {
	return &httpError{http.StatusInternalServerError, "service error"}
}

// threadFile is get_thread_filesystem_file
// (platform/src/application/agent_threads.rs:1157): the path must lie
// inside workspace/ or uploads/ and not be one of them.
func (s *Server) threadFile(w http.ResponseWriter, r *http.Request) error {
	if !r.URL.Query().Has("path") {
		return badRequest("path query parameter is required")
	}
	return within(s, r, "thread_id", (*store).thread, func(st *store, t *agentThread) error {
		clean, err := workspacePath(r.URL.Query().Get("path"))
		if err != nil {
			return displayed(err)
		}
		switch {
		case clean == "workspace" || clean == "uploads":
			return displayed(badRequest("requested path is a directory"))
		case !strings.HasPrefix(clean, "workspace/") && !strings.HasPrefix(clean, "uploads/"):
			return displayed(badRequest("path must be inside workspace or uploads"))
		}
		return missingObject()
	})
}

// executeThread is execute_agent_async
// (platform/src/application/agent_thread_execution.rs:154). The server
// stores the user's message and queues a run for its agent workers; the
// emulator stores the message and runs the canned agent at once: the
// reply SetAgentReply set for the thread's agent (or the request's
// agent_id) becomes a steer message after it. Without a canned reply the
// run is queued and nothing follows the user's message.
func (s *Server) executeThread(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		AgentID       *string `json:"agent_id"`
		ExecutionType struct {
			NewMessage *struct {
				Message string           `json:"message"`
				Files   []map[string]any `json:"files"`
			} `json:"new_message"`
			ApprovalResponse *struct {
				RequestMessageID string `json:"request_message_id"`
			} `json:"approval_response"`
			Cancel *struct{} `json:"cancel"`
		} `json:"execution_type"`
	}
	if err := bindJSON(r, &body, "execution_type"); err != nil {
		return err
	}
	return within(s, r, "thread_id", (*store).thread, func(st *store, t *agentThread) error {
		et := body.ExecutionType
		n := 0
		for _, set := range []bool{et.NewMessage != nil, et.ApprovalResponse != nil, et.Cancel != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return badRequest("Exactly one execution_type variant must be provided")
		}
		agentID := t.AgentID
		if body.AgentID != nil {
			if _, err := strconv.ParseInt(*body.AgentID, 10, 64); err != nil {
				return badRequest("Invalid agent_id")
			}
			agentID = *body.AgentID
		}
		switch {
		case et.Cancel != nil:
			t.Status = "interrupted"
			return ok(w, map[string]any{"status": "cancelled"})
		case et.ApprovalResponse != nil:
			// Approval requests come from agent runs; the canned
			// agent never asks, so the thread never waits for one.
			return badRequest("Approval responses are only accepted while the thread is waiting for input")
		}
		msg := et.NewMessage
		if strings.TrimSpace(msg.Message) == "" && len(msg.Files) == 0 {
			return badRequest("Message or files required")
		}
		text := msg.Message
		content := map[string]any{}
		if len(msg.Files) > 0 {
			var files []map[string]any
			var names []string
			for _, f := range msg.Files {
				name, _ := f["filename"].(string)
				mime, _ := f["mime_type"].(string)
				names = append(names, name)
				files = append(files, map[string]any{"filename": name, "mime_type": mime, "url": "uploads/" + name})
			}
			content["files"] = files
			if strings.TrimSpace(text) == "" {
				text = "I've uploaded the following files: " + strings.Join(names, ", ")
			}
		}
		content["message"] = text
		user := st.addMessage(t.ID, "user_message", content)
		now := time.Now().UTC()
		t.LastActivity, t.Updated = now, now
		if reply, found := st.agentReplies[agentID]; found {
			st.addMessage(t.ID, "steer", map[string]any{"message": reply, "further_actions_required": false, "reasoning": ""})
		}
		return ok(w, map[string]any{"status": "queued", "conversation_id": user.ID})
	})
}

// answerThreadQuestion is answer_thread_question
// (agent_thread_execution.rs:445): it answers the latest clarification
// request, which only an agent run asks; the canned agent asks none.
func (s *Server) answerThreadQuestion(w http.ResponseWriter, r *http.Request) error {
	var body map[string]any
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return within(s, r, "thread_id", (*store).thread, func(st *store, t *agentThread) error {
		return badRequest("no pending clarification on this thread")
	})
}

// SetAgentReply sets the canned reply of agent agentID: every run of a
// thread bound to that agent (POST /ai/actor-project-threads/{id}/run
// with a new_message) appends reply as a steer message after the user's
// message, as the agent's answer. An empty reply removes it.
func (s *Server) SetAgentReply(agentID, reply string) {
	_ = s.locked(func(st *store) error {
		if reply == "" {
			delete(st.agentReplies, agentID)
		} else {
			st.agentReplies[agentID] = reply
		}
		return nil
	})
}
