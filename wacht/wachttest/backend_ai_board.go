package wachttest

import (
	"net/http"
	"strings"
	"time"
)

// taskBoard is models::ProjectTaskBoard (models/src/project_task_board.rs:5):
// one per project, made with the project (agent_threads.rs:740).
type taskBoard struct {
	ID, ProjectID, ActorID, Title string
	Created                       time.Time
}

func (b *taskBoard) view() map[string]any {
	return map[string]any{"id": b.ID, "deployment_id": DeploymentID, "actor_id": b.ActorID, "project_id": b.ProjectID, "title": b.Title,
		"status": "active", "metadata": map[string]any{}, "created_at": b.Created, "updated_at": b.Created, "archived_at": nil}
}

// boardItem is models::ProjectTaskBoardItem (models/src/project_task_board.rs:23):
// the schedule, assignment and pending fields are skipped when unset.
type boardItem struct {
	ID             string     `json:"id"`
	BoardID        string     `json:"board_id"`
	TaskKey        string     `json:"task_key"`
	Title          string     `json:"title"`
	Description    *string    `json:"description"`
	Status         string     `json:"status"`
	AssignedThread string     `json:"assigned_thread_id,omitempty"`
	Metadata       any        `json:"metadata"`
	Completed      *time.Time `json:"completed_at"`
	Archived       *time.Time `json:"archived_at"`
	Created        time.Time  `json:"created_at"`
	Updated        time.Time  `json:"updated_at"`
	StateVersion   string     `json:"state_version"`
	Mounts         []any      `json:"mounts"`
	Deliverables   []any      `json:"deliverables"`
	ProjectID      string     `json:"-"`
}

func (it *boardItem) createdAt() time.Time { return it.Created }
func (it *boardItem) key() string          { return it.ID }

// platform/src/application/agent_threads.rs:1402
func (st *store) board(projectID string) (*taskBoard, error) {
	b, found := st.boards[projectID]
	if !found {
		return nil, notFound("Project task board not found")
	}
	return b, nil
}

// item finds a board item of the project; agent_threads.rs:1526.
func (st *store) item(r *http.Request) (*boardItem, error) {
	it, found := st.boardItems[r.PathValue("item_id")]
	if !found || it.ProjectID != r.PathValue("project_id") {
		return nil, notFound("Project task board item not found")
	}
	return it, nil
}

// actionItem is fetch_item (platform/src/application/board_item_actions.rs:42),
// the lookup of the item actions (cancel, answer, approve, comments):
// its 404 says "board item not found".
func (st *store) actionItem(r *http.Request) (*boardItem, error) {
	it, found := st.boardItems[r.PathValue("item_id")]
	if !found || it.ProjectID != r.PathValue("project_id") {
		return nil, notFound("board item not found")
	}
	return it, nil
}

func (s *Server) getTaskBoard(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		b, err := st.board(r.PathValue("project_id"))
		if err != nil {
			return err
		}
		return ok(w, b.view())
	})
}

func (s *Server) listBoardItems(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		if _, err := st.board(r.PathValue("project_id")); err != nil {
			return err
		}
		all := latestFirst(st.boardItems, func(it *boardItem) bool { return it.ProjectID == r.PathValue("project_id") })
		return ok(w, whole(viewsOf(all, func(it *boardItem) boardItem { return *it })))
	})
}

// createBoardItem is create_project_task_board_item
// (platform/src/application/agent_threads.rs:1416): status pending by
// default, task key TASK-<id>; the item is routed to the project's
// coordinator thread. Only the multipart form insists on a title
// (platform/src/api/agent_threads.rs:585, trimmed); a JSON body needs
// the key, and may leave it empty.
func (s *Server) createBoardItem(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Title       string  `json:"title"`
		Description *string `json:"description"`
		Status      *string `json:"status"`
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		f, err := parseForm(r)
		if err != nil {
			return err
		}
		body.Title, _ = f.str("title")
		body.Title = strings.TrimSpace(body.Title)
		if body.Title == "" {
			return badRequest("'title' is required")
		}
		if v, has := f.str("description"); has {
			body.Description = &v
		}
		if v, has := f.str("status"); has {
			body.Status = &v
		}
	} else if err := bindJSON(r, &body, "title"); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		b, err := st.board(r.PathValue("project_id"))
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		it := &boardItem{ID: st.flakeID(now), BoardID: b.ID, Title: body.Title, Description: body.Description, Status: "pending",
			Metadata: map[string]any{}, Created: now, Updated: now, StateVersion: "1", Mounts: []any{}, Deliverables: []any{}, ProjectID: b.ProjectID}
		it.TaskKey = "TASK-" + it.ID
		assign(&it.Status, body.Status)
		if p, found := st.projects[b.ProjectID]; found {
			it.AssignedThread = p.Coordinator
		}
		st.boardItems[it.ID] = it
		return ok(w, it)
	})
}

func (s *Server) getBoardItem(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		it, err := st.item(r)
		if err != nil {
			return err
		}
		return ok(w, it)
	})
}

// updateBoardItem takes UpdateProjectTaskBoardItemRequest's title,
// description and status (agent_threads.rs:1561).
func (s *Server) updateBoardItem(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Title       *string `json:"title"`
		Description *string `json:"description"`
		Status      *string `json:"status"`
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		f, err := parseForm(r)
		if err != nil {
			return err
		}
		for name, dst := range map[string]**string{"title": &body.Title, "description": &body.Description, "status": &body.Status} {
			if v, has := f.str(name); has {
				*dst = &v
			}
		}
	} else if err := bindJSON(r, &body); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		it, err := st.item(r)
		if err != nil {
			return err
		}
		assign(&it.Title, body.Title)
		if body.Description != nil {
			it.Description = body.Description
		}
		assign(&it.Status, body.Status)
		it.touch()
		return ok(w, it)
	})
}

func (it *boardItem) touch() {
	it.Updated = time.Now().UTC()
	it.StateVersion = incDecimal(it.StateVersion)
}

func incDecimal(s string) string {
	b := []byte(s)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return "1" + string(b)
}

func (s *Server) archiveBoardItem(archived bool) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.locked(func(st *store) error {
			it, err := st.item(r)
			if err != nil {
				return err
			}
			now := time.Now().UTC()
			it.Archived = nil
			if archived {
				it.Archived = &now
			}
			it.touch()
			return ok(w, it)
		})
	}
}

// cancelBoardItem: already cancelled or completed items come back
// unchanged (board_item_actions.rs:42).
func (s *Server) cancelBoardItem(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		it, err := st.actionItem(r)
		if err != nil {
			return err
		}
		if it.Status != "cancelled" && it.Status != "completed" {
			it.Status = "cancelled"
			it.touch()
		}
		return ok(w, it)
	})
}

// answerBoardItem and approveBoardItem answer a question or an approval
// request an agent run left on the item; the canned agent leaves none,
// so both are the server's 400 for an item without one
// (platform/src/application/board_item_actions.rs:112,276). Both find
// the item with fetch_item (board_item_actions.rs:42), whose 404 is
// "board item not found".
func (s *Server) answerBoardItem(w http.ResponseWriter, r *http.Request) error {
	var body map[string]any
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		if _, err := st.actionItem(r); err != nil {
			return err
		}
		return badRequest("no pending question on this task")
	})
}

func (s *Server) approveBoardItem(w http.ResponseWriter, r *http.Request) error {
	var body map[string]any
	if err := bindJSON(r, &body, "request_message_id", "approvals"); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		if _, err := st.actionItem(r); err != nil {
			return err
		}
		return badRequest("no pending approval on this task")
	})
}

// Assignments and workspaces of items are made by agent runs; the
// emulator's items have none.
func (s *Server) listItemAssignments(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		if _, err := st.item(r); err != nil {
			return err
		}
		return ok(w, whole([]map[string]any{}))
	})
}

func (s *Server) itemFilesystem(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		if _, err := st.item(r); err != nil {
			return err
		}
		return ok(w, map[string]any{"exists": false, "files": []any{}})
	})
}

// itemFile is get_project_task_board_item_filesystem_file
// (platform/src/application/agent_threads.rs:1792), a JSON answer: its
// errors go through the application's mapping, so a bad path is the bare
// message and the storage failure for a missing file is 500 "Something
// went wrong" (platform/src/application/error.rs:36).
func (s *Server) itemFile(w http.ResponseWriter, r *http.Request) error {
	if !r.URL.Query().Has("path") {
		return badRequest("path query parameter is required")
	}
	return s.locked(func(st *store) error {
		if _, err := st.item(r); err != nil {
			return err
		}
		if _, err := workspacePath(r.URL.Query().Get("path")); err != nil {
			return err
		}
		return &httpError{http.StatusInternalServerError, "Something went wrong"}
	})
}

// downloadItemFile is download_project_task_board_item_filesystem_file
// (platform/src/api/agent_threads.rs:693): the raw-file handler's error
// mapping, as for thread files.
func (s *Server) downloadItemFile(w http.ResponseWriter, r *http.Request) error {
	if !r.URL.Query().Has("path") {
		return badRequest("path query parameter is required")
	}
	return s.locked(func(st *store) error {
		if _, err := st.item(r); err != nil {
			return err
		}
		if _, err := workspacePath(r.URL.Query().Get("path")); err != nil {
			return displayed(err)
		}
		return missingObject()
	})
}

// boardComment is models::ProjectTaskBoardItemComment
// (models/src/project_task_board.rs:69).
type boardComment struct {
	ID       string     `json:"id"`
	Deploy   string     `json:"deployment_id"`
	ItemID   string     `json:"board_item_id"`
	ActorID  string     `json:"actor_id"`
	Body     string     `json:"body"`
	Metadata any        `json:"metadata"`
	Created  time.Time  `json:"created_at"`
	Updated  time.Time  `json:"updated_at"`
	Archived *time.Time `json:"archived_at"`
	Resolved *time.Time `json:"resolved_at"`
}

func (c *boardComment) createdAt() time.Time { return c.Created }
func (c *boardComment) key() string          { return c.ID }

func (s *Server) listItemComments(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		it, err := st.actionItem(r)
		if err != nil {
			return err
		}
		all := oldestFirst(st.comments, func(c *boardComment) bool { return c.ItemID == it.ID })
		return ok(w, whole(viewsOf(all, func(c *boardComment) boardComment { return *c })))
	})
}

// createItemComment (agent_threads.rs:1052): actor_id query required, a
// comment needs a body or attachments.
func (s *Server) createItemComment(w http.ResponseWriter, r *http.Request) error {
	actorID, err := actorIDQuery(r)
	if err != nil {
		return err
	}
	var body struct {
		Body string `json:"body"`
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		f, err := parseForm(r)
		if err != nil {
			return err
		}
		body.Body, _ = f.str("body")
	} else if err := bindJSON(r, &body, "body"); err != nil {
		return err
	}
	if strings.TrimSpace(body.Body) == "" {
		return badRequest("comment body or attachments required")
	}
	return s.locked(func(st *store) error {
		it, err := st.actionItem(r)
		if err != nil {
			return err
		}
		if _, err := st.actor(actorID); err != nil {
			return err
		}
		now := time.Now().UTC()
		c := &boardComment{ID: st.flakeID(now), Deploy: DeploymentID, ItemID: it.ID, ActorID: actorID, Body: strings.TrimSpace(body.Body),
			Metadata: map[string]any{}, Created: now, Updated: now}
		st.comments[c.ID] = c
		return ok(w, c)
	})
}

// delegateTask is delegate_task
// (platform/src/application/board_item_actions.rs:700): a non-empty
// title, a target thread of the project (a missing one is fetch_one's
// 404 "Resource not found", queries/src/thread_runtime.rs:40) that is an
// execution lane with an agent; the item, keyed DELEGATE-<id> (:754), is
// assigned to that lane.
func (s *Server) delegateTask(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Title       string  `json:"title"`
		Description *string `json:"description"`
		Target      flexID  `json:"target_lane_thread_id"`
	}
	if err := bindJSON(r, &body, "title", "target_lane_thread_id"); err != nil {
		return err
	}
	if strings.TrimSpace(body.Title) == "" {
		return badRequest("delegate_task requires a non-empty title")
	}
	return s.locked(func(st *store) error {
		lane, found := st.threads[string(body.Target)]
		if !found {
			return notFound("Resource not found")
		}
		if lane.ProjectID != r.PathValue("project_id") {
			return badRequest("delegate_task: target lane is not in this project")
		}
		if lane.Purpose != "execution" {
			return badRequest("delegate_task: target thread " + lane.ID + " is not an execution lane (purpose=" + lane.Purpose + ")")
		}
		if lane.AgentID == "" {
			return badRequest("delegate_task: lane thread " + lane.ID + " has no assigned agent")
		}
		b, err := st.board(r.PathValue("project_id"))
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		it := &boardItem{ID: st.flakeID(now), BoardID: b.ID, Title: body.Title, Description: body.Description, Status: "pending",
			AssignedThread: lane.ID, Metadata: map[string]any{}, Created: now, Updated: now, StateVersion: "1", Mounts: []any{},
			Deliverables: []any{}, ProjectID: b.ProjectID}
		it.TaskKey = "DELEGATE-" + it.ID
		st.boardItems[it.ID] = it
		return ok(w, map[string]string{"task_key": it.TaskKey, "board_item_id": it.ID, "target_lane_thread_id": lane.ID, "assigned_agent_id": lane.AgentID})
	})
}
