package wachttest

import (
	"net/http"
	"slices"
	"time"
)

type workspaceView struct {
	ID              string         `json:"id"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
	Name            string         `json:"name"`
	ImageURL        string         `json:"image_url"`
	Description     string         `json:"description"`
	MemberCount     int            `json:"member_count"`
	PublicMetadata  map[string]any `json:"public_metadata"`
	PrivateMetadata map[string]any `json:"private_metadata"`
}

type workspaceListView struct {
	ID               string    `json:"id"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	Name             string    `json:"name"`
	ImageURL         string    `json:"image_url"`
	Description      string    `json:"description"`
	MemberCount      int       `json:"member_count"`
	OrganizationName string    `json:"organization_name"`
}

type workspaceDetailsView struct {
	workspaceView
	OrganizationID   string     `json:"organization_id"`
	OrganizationName string     `json:"organization_name"`
	Roles            []roleView `json:"roles"`
	Segments         []any      `json:"segments"`
}

func (st *store) workspaceView(ws *workspace) workspaceView {
	return workspaceView{ID: ws.ID, CreatedAt: ws.Created, UpdatedAt: ws.Updated, Name: ws.Name, ImageURL: ws.ImageURL,
		Description: ws.Description, MemberCount: st.countMembers(st.wsMembers, ws.ID),
		PublicMetadata: copyMap(ws.PublicMetadata), PrivateMetadata: copyMap(ws.PrivateMetadata)}
}

func (st *store) workspace(id string) (*workspace, error) {
	ws, ok := st.workspaces[id]
	if !ok {
		return nil, notFound("workspace " + id + " not found")
	}
	return ws, nil
}

func (st *store) addWorkspace(id, orgID, name, desc string, pub, priv map[string]any, now time.Time) *workspace {
	if id == "" {
		id = st.newID()
	}
	if pub == nil {
		pub = map[string]any{}
	}
	if priv == nil {
		priv = map[string]any{}
	}
	ws := &workspace{ID: id, Created: now, Updated: now, OrgID: orgID, Name: name, Description: desc, PublicMetadata: pub, PrivateMetadata: priv}
	st.workspaces[id] = ws
	return ws
}

func (st *store) dropWorkspace(id string) {
	delete(st.workspaces, id)
	for mid, m := range st.wsMembers {
		if m.Scope == id {
			delete(st.wsMembers, mid)
		}
	}
	for rid, rl := range st.wsRoles {
		if rl.Scope == id {
			delete(st.wsRoles, rid)
		}
	}
}

func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request) error {
	lq, err := parseList(r)
	if err != nil {
		return err
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	var all []*workspace
	for _, ws := range st.workspaces {
		orgName := ""
		if o, ok := st.orgs[ws.OrgID]; ok {
			orgName = o.Name
		}
		if lq.Search == "" || containsFold(ws.Name+" "+ws.Description+" "+orgName, lq.Search) {
			all = append(all, ws)
		}
	}
	if err := sortEntities(all, lq, func(w *workspace) string { return w.Name }, func(w *workspace) time.Time { return w.Created },
		func(w *workspace) int { return st.countMembers(st.wsMembers, w.ID) }, func(w *workspace) string { return w.ID }); err != nil {
		return err
	}
	views := make([]workspaceListView, 0, len(all))
	for _, ws := range all {
		v := workspaceListView{ID: ws.ID, CreatedAt: ws.Created, UpdatedAt: ws.Updated, Name: ws.Name, ImageURL: ws.ImageURL,
			Description: ws.Description, MemberCount: st.countMembers(st.wsMembers, ws.ID)}
		if o, ok := st.orgs[ws.OrgID]; ok {
			v.OrganizationName = o.Name
		}
		views = append(views, v)
	}
	return ok(w, listOf(views, lq.pageParams))
}

func (s *Server) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	ws, err := st.workspace(r.PathValue("workspace_id"))
	if err != nil {
		return err
	}
	v := workspaceDetailsView{workspaceView: st.workspaceView(ws), OrganizationID: ws.OrgID, Roles: []roleView{}, Segments: []any{}}
	if o, ok := st.orgs[ws.OrgID]; ok {
		v.OrganizationName = o.Name
	}
	for _, rl := range scopeRoles(st.wsRoles, ws.ID) {
		v.Roles = append(v.Roles, rl.view())
	}
	return ok(w, v)
}

func (s *Server) updateWorkspace(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	ws, err := st.workspace(r.PathValue("workspace_id"))
	if err != nil {
		return err
	}
	next := *ws
	if err := applyEntityForm(f, &next.Name, &next.Description, &next.ImageURL, &next.PublicMetadata, &next.PrivateMetadata, "remove_image"); err != nil {
		return err
	}
	next.Updated = time.Now().UTC()
	*ws = next
	return ok(w, st.workspaceView(ws))
}

func (s *Server) deleteWorkspace(w http.ResponseWriter, r *http.Request) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	ws, err := st.workspace(r.PathValue("workspace_id"))
	if err != nil {
		return err
	}
	st.dropWorkspace(ws.ID)
	return ok(w, empty{})
}

func (s *Server) listWsRoles(w http.ResponseWriter, r *http.Request) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	ws, err := st.workspace(r.PathValue("workspace_id"))
	if err != nil {
		return err
	}
	views := []roleView{}
	for _, rl := range scopeRoles(st.wsRoles, ws.ID) {
		views = append(views, rl.view())
	}
	return ok(w, whole(views))
}

func (s *Server) createWsRole(w http.ResponseWriter, r *http.Request) error {
	return s.createRole(w, r, "workspace_id", false)
}

func (s *Server) updateWsRole(w http.ResponseWriter, r *http.Request) error {
	return s.updateRole(w, r, "workspace_id", false)
}

func (s *Server) deleteWsRole(w http.ResponseWriter, r *http.Request) error {
	return s.deleteRole(w, r, "workspace_id", false)
}

func (s *Server) listWsMembers(w http.ResponseWriter, r *http.Request) error {
	return s.listMembers(w, r, "workspace_id", false)
}

func (s *Server) addWsMember(w http.ResponseWriter, r *http.Request) error {
	var req addMemberRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.UserID == "" {
		return badRequest("user_id is required")
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	ws, err := st.workspace(r.PathValue("workspace_id"))
	if err != nil {
		return err
	}
	m, err := st.addWsMembership("", ws, req.UserID, req.RoleIDs, time.Now().UTC())
	if err != nil {
		return err
	}
	return ok(w, st.memberView(m, st.wsRoles, false))
}

// addWsMembership adds a user to a workspace; the user must already be a
// member of the workspace's organization.
func (st *store) addWsMembership(id string, ws *workspace, userID string, roleIDs []string, now time.Time) (*member, error) {
	if _, err := st.user(userID); err != nil {
		return nil, badRequest("user " + userID + " does not exist")
	}
	var orgMember *member
	for _, m := range st.orgMembers {
		if m.Scope == ws.OrgID && m.UserID == userID {
			orgMember = m
		}
	}
	if orgMember == nil {
		return nil, badRequest("user " + userID + " is not a member of organization " + ws.OrgID)
	}
	for _, m := range st.wsMembers {
		if m.Scope == ws.ID && m.UserID == userID {
			return nil, conflict("user " + userID + " is already a member of workspace " + ws.ID)
		}
	}
	for _, rid := range roleIDs {
		if _, err := roleIn(st.wsRoles, ws.ID, rid); err != nil {
			return nil, badRequest("role " + rid + " does not exist in workspace " + ws.ID)
		}
	}
	if id == "" {
		id = st.newID()
	}
	m := &member{ID: id, Created: now, Updated: now, Scope: ws.ID, UserID: userID, OrgMembershipID: orgMember.ID,
		RoleIDs: slices.Clone(roleIDs), PublicMetadata: map[string]any{}}
	st.wsMembers[id] = m
	return m, nil
}

func (s *Server) removeWsMember(w http.ResponseWriter, r *http.Request) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, err := st.workspace(r.PathValue("workspace_id")); err != nil {
		return err
	}
	m, err := st.membership(st.wsMembers, r.PathValue("workspace_id"), r.PathValue("membership_id"))
	if err != nil {
		return err
	}
	delete(st.wsMembers, m.ID)
	return ok(w, empty{})
}

func (s *Server) updateWsMember(w http.ResponseWriter, r *http.Request) error {
	return s.updateMember(w, r, "workspace_id", false)
}

func (s *Server) addWsMemberRole(w http.ResponseWriter, r *http.Request) error {
	return s.memberRole(w, r, "workspace_id", false, true)
}

func (s *Server) removeWsMemberRole(w http.ResponseWriter, r *http.Request) error {
	return s.memberRole(w, r, "workspace_id", false, false)
}
