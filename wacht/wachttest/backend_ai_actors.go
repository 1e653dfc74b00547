package wachttest

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// actor is models::Actor (models/src/actor.rs:6): display_name and
// archived_at always written, metadata {} by default
// (commands/src/agent_thread_model.rs:20).
type actor struct {
	ID          string     `json:"id"`
	Deployment  string     `json:"deployment_id"`
	SubjectType string     `json:"subject_type"`
	ExternalKey string     `json:"external_key"`
	DisplayName *string    `json:"display_name"`
	Metadata    any        `json:"metadata"`
	Created     time.Time  `json:"created_at"`
	Updated     time.Time  `json:"updated_at"`
	Archived    *time.Time `json:"archived_at"`
}

func (a *actor) createdAt() time.Time { return a.Created }
func (a *actor) key() string          { return a.ID }

// platform/src/application/agent_threads.rs:84
func (st *store) actor(id string) (*actor, error) {
	a, found := st.actors[id]
	if !found {
		return nil, notFound("Actor not found")
	}
	return a, nil
}

// actorIDQuery reads the required i64 actor_id query parameter; axum's
// Query rejection when it is missing or not a number
// (normalize_error_responses makes it the JSON 400).
func actorIDQuery(r *http.Request) (string, error) {
	q := r.URL.Query()
	if !q.Has("actor_id") {
		return "", queryRejection("missing field `actor_id`")
	}
	n, err := strconv.ParseInt(q.Get("actor_id"), 10, 64)
	if err != nil {
		return "", queryRejection("actor_id: invalid digit found in string")
	}
	return strconv.FormatInt(n, 10), nil
}

// listActors is list_actors (platform/src/api/actors.rs:26): limit 50 and
// offset 0 by default, both echoed; search over the subject, key and
// display name; archived actors only with include_archived; newest
// first.
func (s *Server) listActors(w http.ResponseWriter, r *http.Request) error {
	lq, _, err := aiPage(r, 50)
	if err != nil {
		return err
	}
	archived, err := queryBool(r, "include_archived")
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		all := latestFirst(st.actors, func(a *actor) bool {
			name := ""
			if a.DisplayName != nil {
				name = *a.DisplayName
			}
			return (archived || a.Archived == nil) && (lq.Search == "" ||
				containsFold(a.ExternalKey+"\n"+a.SubjectType+"\n"+name, lq.Search))
		})
		return ok(w, listOf(viewsOf(all, func(a *actor) actor { return *a }), lq.pageParams))
	})
}

// createActor is create_actor (platform/src/application/actors.rs:26):
// (subject_type, external_key) is unique per deployment, a repeat is the
// unique violation's 409 (platform/src/application/error.rs:14).
func (s *Server) createActor(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		SubjectType string  `json:"subject_type"`
		ExternalKey string  `json:"external_key"`
		DisplayName *string `json:"display_name"`
		Metadata    any     `json:"metadata"`
	}
	if err := bindJSON(r, &body, "subject_type", "external_key"); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		for _, a := range st.actors {
			if a.SubjectType == body.SubjectType && a.ExternalKey == body.ExternalKey {
				return conflict("Resource already exists")
			}
		}
		if body.Metadata == nil {
			body.Metadata = map[string]any{}
		}
		now := time.Now().UTC()
		a := &actor{ID: st.flakeID(now), Deployment: DeploymentID, SubjectType: body.SubjectType, ExternalKey: body.ExternalKey,
			DisplayName: body.DisplayName, Metadata: body.Metadata, Created: now, Updated: now}
		st.actors[a.ID] = a
		return ok(w, a)
	})
}

// lookupActor answers {actor: Actor|null}, 200 either way
// (platform/src/api/actors.rs:89).
func (s *Server) lookupActor(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for _, name := range []string{"subject_type", "external_key"} {
		if !q.Has(name) {
			return queryRejection("missing field `" + name + "`")
		}
	}
	return s.locked(func(st *store) error {
		var found *actor
		for _, a := range st.actors {
			if a.SubjectType == q.Get("subject_type") && a.ExternalKey == q.Get("external_key") {
				found = a
			}
		}
		return ok(w, map[string]any{"actor": found})
	})
}

// actorProject is models::ActorProject (models/src/actor_project.rs:6):
// the coordinator and review thread ids are skipped when unset.
type actorProject struct {
	ID           string     `json:"id"`
	Deployment   string     `json:"deployment_id"`
	ActorID      string     `json:"actor_id"`
	Name         string     `json:"name"`
	Description  *string    `json:"description"`
	Status       string     `json:"status"`
	Coordinator  string     `json:"coordinator_thread_id,omitempty"`
	ReviewThread string     `json:"review_thread_id,omitempty"`
	Metadata     any        `json:"metadata"`
	Created      time.Time  `json:"created_at"`
	Updated      time.Time  `json:"updated_at"`
	Archived     *time.Time `json:"archived_at"`
}

func (p *actorProject) createdAt() time.Time { return p.Created }
func (p *actorProject) key() string          { return p.ID }

// platform/src/application/agent_threads.rs:764
func (st *store) project(id string) (*actorProject, error) {
	p, found := st.projects[id]
	if !found {
		return nil, notFound("Project not found")
	}
	return p, nil
}

// listActorProjects is list_actor_projects: unarchived unless asked,
// unpaginated, most recently updated first.
func (s *Server) listActorProjects(w http.ResponseWriter, r *http.Request) error {
	actorID, err := actorIDQuery(r)
	if err != nil {
		return err
	}
	archived, err := queryBool(r, "include_archived")
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		all := byRecency(st.projects, func(p *actorProject) bool { return p.ActorID == actorID && (archived || p.Archived == nil) },
			func(p *actorProject) time.Time { return p.Updated })
		return ok(w, whole(viewsOf(all, func(p *actorProject) actorProject { return *p })))
	})
}

// byRecency orders records by a time, newest first, then by id
// descending: the (time, id) order the cursor searches page over.
func byRecency[T record](m map[string]T, keep func(T) bool, at func(T) time.Time) []T {
	out := oldestFirst(m, keep)
	slices.SortStableFunc(out, func(a, b T) int {
		if c := at(b).Compare(at(a)); c != 0 {
			return c
		}
		return idCmp(b.key(), a.key())
	})
	return out
}

// createActorProject is create_actor_project
// (platform/src/application/agent_threads.rs:644): the project comes with
// a coordinator and a review thread, both reusable, and its task board;
// with agent_id the coordinator runs that agent and the reviewer its
// reviewer agent (or itself).
func (s *Server) createActorProject(w http.ResponseWriter, r *http.Request) error {
	actorID, err := actorIDQuery(r)
	if err != nil {
		return err
	}
	var body struct {
		Name        string  `json:"name"`
		Description *string `json:"description"`
		Status      *string `json:"status"`
		Metadata    any     `json:"metadata"`
		AgentID     *flexID `json:"agent_id"`
	}
	if err := bindJSON(r, &body, "name"); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		if _, err := st.actor(actorID); err != nil {
			return err
		}
		var agent *aiAgent
		if body.AgentID != nil {
			a, found := st.aiAgents[string(*body.AgentID)]
			if !found {
				return notFound("Agent not found")
			}
			agent = a
		}
		now := time.Now().UTC()
		p := &actorProject{ID: st.flakeID(now), Deployment: DeploymentID, ActorID: actorID, Name: body.Name, Description: body.Description,
			Status: "active", Metadata: body.Metadata, Created: now, Updated: now}
		assign(&p.Status, body.Status)
		st.addProject(p, agent)
		return ok(w, p)
	})
}

// addProject stores p with what create_actor_project makes with it
// (platform/src/application/agent_threads.rs:678-741): its coordinator
// and review threads, bound to agent when there is one (the review
// thread to the agent's reviewer if it names one), and its task board.
func (st *store) addProject(p *actorProject, agent *aiAgent) {
	now := p.Created
	if p.Metadata == nil {
		p.Metadata = map[string]any{}
	}
	st.projects[p.ID] = p
	instructions := projectInstructions(p)
	coord := st.newThread(p, "Coordinator", "coordinator", now)
	coord.Responsibility, coord.Reusable, coord.SystemInstructions = ptr("Project coordinator"), true, &instructions
	review := st.newThread(p, "Review", "review", now)
	review.Responsibility, review.Reusable, review.AcceptsAssignments, review.SystemInstructions = ptr("Project reviewer"), true, true, &instructions
	p.Coordinator, p.ReviewThread = coord.ID, review.ID
	if agent != nil {
		coord.AgentID = agent.ID
		review.AgentID = agent.ID
		if agent.Reviewer != nil {
			review.AgentID = *agent.Reviewer
		}
	}
	b := &taskBoard{ID: st.flakeID(now), ProjectID: p.ID, ActorID: p.ActorID, Title: "Project " + p.ID + " Task Board", Created: now}
	st.boards[p.ID] = b
}

// projectInstructions stands in for templatekit::render_project_instructions,
// whose template the emulator does not carry: the project's name and
// description.
func projectInstructions(p *actorProject) string {
	text := "You are working on the project \"" + p.Name + "\"."
	if p.Description != nil && *p.Description != "" {
		text += "\n\n" + *p.Description
	}
	return text
}

// timeIDCursor is encode_time_id_cursor (agent_threads.rs:166): base64url
// without padding of "<unix nanos>|<id>".
func timeIDCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixNano(), 10) + "|" + id))
}

// parseCursor is decode_time_id_cursor: blank is the first page, anything
// that does not decode is 400 "invalid cursor".
func parseCursor(c string) (time.Time, string, bool, error) {
	if strings.TrimSpace(c) == "" {
		return time.Time{}, "", false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false, badRequest("invalid cursor")
	}
	nanos, id, found := strings.Cut(string(raw), "|")
	n, err1 := strconv.ParseInt(nanos, 10, 64)
	i, err2 := strconv.ParseInt(id, 10, 64)
	if !found || err1 != nil || err2 != nil {
		return time.Time{}, "", false, badRequest("invalid cursor")
	}
	return time.Unix(0, n).UTC(), strconv.FormatInt(i, 10), true, nil
}

// cursorPage is CursorPage (agent_threads.rs:103): next_cursor only when
// there is a next page.
type cursorPage[T any] struct {
	Data       []T    `json:"data"`
	Limit      int    `json:"limit"`
	HasMore    bool   `json:"has_more"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// cursorSearch pages items, already in (time, id) descending order, as
// the search operations do: limit is normalize_limit(limit, 20, 100)
// (agent_threads.rs:206), q a case-insensitive substring of text, the
// cursor the last row of the previous page.
func cursorSearch[T record](r *http.Request, items []T, at func(T) time.Time, text func(T) string) ([]T, int, string, error) {
	q := r.URL.Query()
	limit := 0
	if q.Has("limit") {
		n, err := strconv.ParseInt(q.Get("limit"), 10, 64)
		if err != nil {
			return nil, 0, "", queryRejection("limit: invalid digit found in string")
		}
		limit = int(n)
	}
	switch {
	case limit <= 0:
		limit = 20
	case limit > 100:
		limit = 100
	}
	ct, cid, has, err := parseCursor(q.Get("cursor"))
	if err != nil {
		return nil, 0, "", err
	}
	needle := strings.TrimSpace(q.Get("q"))
	var rows []T
	for _, it := range items {
		if needle != "" && !containsFold(text(it), needle) {
			continue
		}
		if has {
			c := at(it).Compare(ct)
			if c > 0 || c == 0 && idCmp(it.key(), cid) >= 0 {
				continue
			}
		}
		rows = append(rows, it)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = timeIDCursor(at(last), last.key())
	}
	return rows, limit, next, nil
}

// searchActorProjects is search_actor_projects (agent_threads.rs:599):
// the actor's projects by name or description, most recently updated
// first, paged by an (updated_at, id) cursor.
func (s *Server) searchActorProjects(w http.ResponseWriter, r *http.Request) error {
	actorID, err := actorIDQuery(r)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		at := func(p *actorProject) time.Time { return p.Updated }
		all := byRecency(st.projects, func(p *actorProject) bool { return p.ActorID == actorID && p.Archived == nil }, at)
		rows, limit, next, err := cursorSearch(r, all, at, func(p *actorProject) string {
			d := ""
			if p.Description != nil {
				d = *p.Description
			}
			return p.Name + "\n" + d
		})
		if err != nil {
			return err
		}
		return ok(w, cursorPage[actorProject]{Data: viewsOf(rows, func(p *actorProject) actorProject { return *p }), Limit: limit,
			HasMore: next != "", NextCursor: next})
	})
}

func (s *Server) getActorProject(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "project_id", (*store).project, func(st *store, p *actorProject) error { return ok(w, p) })
}

// updateActorProject is update_actor_project (agent_threads.rs:933):
// values are trimmed, a blank name or status is ignored, and nothing to
// change answers the project unchanged.
func (s *Server) updateActorProject(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
		Status      *string `json:"status"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return within(s, r, "project_id", (*store).project, func(st *store, p *actorProject) error {
		changed := false
		if body.Name != nil && strings.TrimSpace(*body.Name) != "" {
			p.Name, changed = strings.TrimSpace(*body.Name), true
		}
		if body.Description != nil {
			p.Description, changed = ptr(strings.TrimSpace(*body.Description)), true
		}
		if body.Status != nil && strings.TrimSpace(*body.Status) != "" {
			p.Status, changed = strings.TrimSpace(*body.Status), true
		}
		if changed {
			p.Updated = time.Now().UTC()
		}
		return ok(w, p)
	})
}

func (s *Server) archiveActorProject(archived bool) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return within(s, r, "project_id", (*store).project, func(st *store, p *actorProject) error {
			now := time.Now().UTC()
			p.Archived = nil
			if archived {
				p.Archived = &now
			}
			p.Updated = now
			return ok(w, p)
		})
	}
}
