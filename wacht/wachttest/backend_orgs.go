package wachttest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type orgView struct {
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

type orgDetailsView struct {
	orgView
	Roles      []roleView      `json:"roles"`
	Workspaces []workspaceView `json:"workspaces"`
	Segments   []any           `json:"segments"`
}

type roleView struct {
	ID                string    `json:"id"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	Name              string    `json:"name"`
	Permissions       []string  `json:"permissions"`
	IsDeploymentLevel bool      `json:"is_deployment_level"`
}

type memberDetailsView struct {
	ID                  string         `json:"id"`
	CreatedAt           time.Time      `json:"created_at"`
	UpdatedAt           time.Time      `json:"updated_at"`
	OrganizationID      string         `json:"organization_id,omitempty"`
	WorkspaceID         string         `json:"workspace_id,omitempty"`
	UserID              string         `json:"user_id"`
	Roles               []roleView     `json:"roles"`
	PublicMetadata      map[string]any `json:"public_metadata"`
	FirstName           string         `json:"first_name"`
	LastName            string         `json:"last_name"`
	Username            *string        `json:"username"`
	PrimaryEmailAddress *string        `json:"primary_email_address"`
	PrimaryPhoneNumber  *string        `json:"primary_phone_number"`
	UserCreatedAt       time.Time      `json:"user_created_at"`
}

func (r *role) view() roleView {
	perms := r.Permissions
	if perms == nil {
		perms = []string{}
	}
	return roleView{ID: r.ID, CreatedAt: r.Created, UpdatedAt: r.Updated, Name: r.Name, Permissions: perms, IsDeploymentLevel: r.DeploymentLevel}
}

func (st *store) roleViews(roles map[string]*role, ids []string) []roleView {
	out := []roleView{}
	for _, id := range ids {
		if r, ok := roles[id]; ok {
			out = append(out, r.view())
		}
	}
	return out
}

func (st *store) countMembers(members map[string]*member, scope string) int {
	n := 0
	for _, m := range members {
		if m.Scope == scope {
			n++
		}
	}
	return n
}

func (st *store) orgView(o *org) orgView {
	return orgView{ID: o.ID, CreatedAt: o.Created, UpdatedAt: o.Updated, Name: o.Name, ImageURL: o.ImageURL, Description: o.Description,
		MemberCount: st.countMembers(st.orgMembers, o.ID), PublicMetadata: copyMap(o.PublicMetadata), PrivateMetadata: copyMap(o.PrivateMetadata)}
}

func (st *store) memberView(m *member, roles map[string]*role, orgScoped bool) memberDetailsView {
	v := memberDetailsView{ID: m.ID, CreatedAt: m.Created, UpdatedAt: m.Updated, UserID: m.UserID,
		Roles: st.roleViews(roles, m.RoleIDs), PublicMetadata: copyMap(m.PublicMetadata)}
	if orgScoped {
		v.OrganizationID = m.Scope
	} else {
		v.WorkspaceID = m.Scope
	}
	if u, ok := st.users[m.UserID]; ok {
		uv := u.view()
		v.FirstName, v.LastName, v.Username = uv.FirstName, uv.LastName, uv.Username
		v.PrimaryEmailAddress, v.PrimaryPhoneNumber, v.UserCreatedAt = uv.PrimaryEmailAddress, uv.PrimaryPhoneNumber, u.Created
	}
	return v
}

func (st *store) org(id string) (*org, error) {
	o, ok := st.orgs[id]
	if !ok {
		return nil, notFound("organization " + id + " not found")
	}
	return o, nil
}

// scopeRoles returns the roles usable in a scope: deployment-level ones and
// the scope's own, ordered by creation.
func scopeRoles(roles map[string]*role, scope string) []*role {
	var out []*role
	for _, r := range roles {
		if r.DeploymentLevel || r.Scope == scope {
			out = append(out, r)
		}
	}
	sortByCreated(out, func(r *role) time.Time { return r.Created }, func(r *role) string { return r.ID })
	return out
}

func roleIn(roles map[string]*role, scope, id string) (*role, error) {
	r, ok := roles[id]
	if !ok || (!r.DeploymentLevel && r.Scope != scope) {
		return nil, notFound("role " + id + " not found")
	}
	return r, nil
}

// sortEntities sorts with a named key ("name", "created_at",
// "member_count"; also CamelCase) and order; default is newest first.
func sortEntities[T any](items []T, lq listQuery, name func(T) string, created func(T) time.Time, count func(T) int, id func(T) string) error {
	var cmpFn func(a, b T) int
	switch strings.ToLower(strings.ReplaceAll(lq.SortKey, "_", "")) {
	case "", "createdat":
		cmpFn = func(a, b T) int { return created(a).Compare(created(b)) }
	case "name":
		cmpFn = func(a, b T) int { return strings.Compare(strings.ToLower(name(a)), strings.ToLower(name(b))) }
	case "membercount":
		cmpFn = func(a, b T) int { return count(a) - count(b) }
	default:
		return badRequest("sort_key must be one of name, created_at, member_count")
	}
	slices.SortFunc(items, func(a, b T) int {
		if c := cmpFn(a, b); c != 0 {
			return c
		}
		return idCmp(id(a), id(b))
	})
	if lq.SortOrder == "desc" || (lq.SortOrder == "" && (lq.SortKey == "" || strings.EqualFold(strings.ReplaceAll(lq.SortKey, "_", ""), "createdat"))) {
		slices.Reverse(items)
	}
	return nil
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request) error {
	lq, err := parseList(r)
	if err != nil {
		return err
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	var all []*org
	for _, o := range st.orgs {
		if lq.Search == "" || containsFold(o.Name+" "+o.Description, lq.Search) {
			all = append(all, o)
		}
	}
	if err := sortEntities(all, lq, func(o *org) string { return o.Name }, func(o *org) time.Time { return o.Created },
		func(o *org) int { return st.countMembers(st.orgMembers, o.ID) }, func(o *org) string { return o.ID }); err != nil {
		return err
	}
	views := make([]orgView, 0, len(all))
	for _, o := range all {
		views = append(views, st.orgView(o))
	}
	return ok(w, listOf(views, lq.pageParams))
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	name, _ := f.str("name")
	if strings.TrimSpace(name) == "" {
		return badRequest("name is required")
	}
	desc, _ := f.str("description")
	pub, _, err := f.object("public_metadata")
	if err != nil {
		return err
	}
	priv, _, err := f.object("private_metadata")
	if err != nil {
		return err
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	o := st.addOrg("", name, desc, pub, priv, time.Now().UTC())
	return ok(w, st.orgView(o))
}

func (st *store) addOrg(id, name, desc string, pub, priv map[string]any, now time.Time) *org {
	if id == "" {
		id = st.newID()
	}
	if pub == nil {
		pub = map[string]any{}
	}
	if priv == nil {
		priv = map[string]any{}
	}
	o := &org{ID: id, Created: now, Updated: now, Name: name, Description: desc, PublicMetadata: pub, PrivateMetadata: priv}
	st.orgs[id] = o
	return o
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.org(r.PathValue("organization_id"))
	if err != nil {
		return err
	}
	v := orgDetailsView{orgView: st.orgView(o), Roles: []roleView{}, Workspaces: []workspaceView{}, Segments: []any{}}
	for _, rl := range scopeRoles(st.orgRoles, o.ID) {
		v.Roles = append(v.Roles, rl.view())
	}
	var wss []*workspace
	for _, ws := range st.workspaces {
		if ws.OrgID == o.ID {
			wss = append(wss, ws)
		}
	}
	sortByCreated(wss, func(w *workspace) time.Time { return w.Created }, func(w *workspace) string { return w.ID })
	for _, ws := range wss {
		v.Workspaces = append(v.Workspaces, st.workspaceView(ws))
	}
	return ok(w, v)
}

// applyEntityForm applies the shared name/description/metadata/image form
// fields of organizations and workspaces.
func applyEntityForm(f *form, name, desc, image *string, pub, priv *map[string]any, removeField string) error {
	if v, ok := f.str("name"); ok {
		if strings.TrimSpace(v) == "" {
			return badRequest("name must not be empty")
		}
		*name = v
	}
	if v, ok := f.str("description"); ok {
		*desc = v
	}
	if m, ok, err := f.object("public_metadata"); err != nil {
		return err
	} else if ok {
		*pub = m
	}
	if m, ok, err := f.object("private_metadata"); err != nil {
		return err
	} else if ok {
		*priv = m
	}
	if b, ok, err := f.boolean(removeField); err != nil {
		return err
	} else if ok && b {
		*image = ""
	}
	return nil
}

func (s *Server) updateOrg(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.org(r.PathValue("organization_id"))
	if err != nil {
		return err
	}
	next := *o
	if err := applyEntityForm(f, &next.Name, &next.Description, &next.ImageURL, &next.PublicMetadata, &next.PrivateMetadata, "remove_image"); err != nil {
		return err
	}
	next.Updated = time.Now().UTC()
	*o = next
	return ok(w, st.orgView(o))
}

func (s *Server) deleteOrg(w http.ResponseWriter, r *http.Request) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.org(r.PathValue("organization_id"))
	if err != nil {
		return err
	}
	for id, ws := range st.workspaces {
		if ws.OrgID == o.ID {
			st.dropWorkspace(id)
		}
	}
	for id, m := range st.orgMembers {
		if m.Scope == o.ID {
			delete(st.orgMembers, id)
		}
	}
	for id, rl := range st.orgRoles {
		if rl.Scope == o.ID {
			delete(st.orgRoles, id)
		}
	}
	for id, inv := range st.orgInvites {
		if inv.OrgID == o.ID {
			delete(st.orgInvites, id)
		}
	}
	delete(st.orgs, o.ID)
	return ok(w, empty{})
}

func (s *Server) createWorkspace(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	name, _ := f.str("name")
	if strings.TrimSpace(name) == "" {
		return badRequest("name is required")
	}
	desc, _ := f.str("description")
	pub, _, err := f.object("public_metadata")
	if err != nil {
		return err
	}
	priv, _, err := f.object("private_metadata")
	if err != nil {
		return err
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.org(r.PathValue("organization_id"))
	if err != nil {
		return err
	}
	ws := st.addWorkspace("", o.ID, name, desc, pub, priv, time.Now().UTC())
	return ok(w, st.workspaceView(ws))
}

func (s *Server) listOrgMembers(w http.ResponseWriter, r *http.Request) error {
	return s.listMembers(w, r, "organization_id", true)
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request, param string, orgScoped bool) error {
	lq, err := parseList(r)
	if err != nil {
		return err
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	scope := r.PathValue(param)
	members, roles := st.orgMembers, st.orgRoles
	if orgScoped {
		if _, err := st.org(scope); err != nil {
			return err
		}
	} else {
		if _, err := st.workspace(scope); err != nil {
			return err
		}
		members, roles = st.wsMembers, st.wsRoles
	}
	var all []memberDetailsView
	for _, m := range members {
		if m.Scope != scope {
			continue
		}
		v := st.memberView(m, roles, orgScoped)
		if lq.Search != "" {
			hay := v.FirstName + " " + v.LastName
			if v.Username != nil {
				hay += " " + *v.Username
			}
			if v.PrimaryEmailAddress != nil {
				hay += " " + *v.PrimaryEmailAddress
			}
			if !containsFold(hay, lq.Search) {
				continue
			}
		}
		all = append(all, v)
	}
	if err := sortEntities(all, lq, func(v memberDetailsView) string { return v.FirstName + " " + v.LastName },
		func(v memberDetailsView) time.Time { return v.CreatedAt }, func(memberDetailsView) int { return 0 },
		func(v memberDetailsView) string { return v.ID }); err != nil {
		return err
	}
	if all == nil {
		all = []memberDetailsView{}
	}
	return ok(w, listOf(all, lq.pageParams))
}

type addMemberRequest struct {
	UserID  string   `json:"user_id"`
	RoleIDs []string `json:"role_ids"`
}

func (s *Server) addOrgMember(w http.ResponseWriter, r *http.Request) error {
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
	o, err := st.org(r.PathValue("organization_id"))
	if err != nil {
		return err
	}
	m, err := st.addOrgMembership("", o.ID, req.UserID, req.RoleIDs, time.Now().UTC())
	if err != nil {
		return err
	}
	return ok(w, st.memberView(m, st.orgRoles, true))
}

func (st *store) addOrgMembership(id, orgID, userID string, roleIDs []string, now time.Time) (*member, error) {
	if _, err := st.user(userID); err != nil {
		return nil, badRequest("user " + userID + " does not exist")
	}
	for _, m := range st.orgMembers {
		if m.Scope == orgID && m.UserID == userID {
			return nil, conflict("user " + userID + " is already a member of organization " + orgID)
		}
	}
	for _, rid := range roleIDs {
		if _, err := roleIn(st.orgRoles, orgID, rid); err != nil {
			return nil, badRequest("role " + rid + " does not exist in organization " + orgID)
		}
	}
	if id == "" {
		id = st.newID()
	}
	m := &member{ID: id, Created: now, Updated: now, Scope: orgID, UserID: userID, RoleIDs: slices.Clone(roleIDs), PublicMetadata: map[string]any{}}
	st.orgMembers[id] = m
	return m, nil
}

func (st *store) membership(members map[string]*member, scope, id string) (*member, error) {
	m, ok := members[id]
	if !ok || m.Scope != scope {
		return nil, notFound("membership " + id + " not found")
	}
	return m, nil
}

func (s *Server) removeOrgMember(w http.ResponseWriter, r *http.Request) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, err := st.org(r.PathValue("organization_id")); err != nil {
		return err
	}
	m, err := st.membership(st.orgMembers, r.PathValue("organization_id"), r.PathValue("membership_id"))
	if err != nil {
		return err
	}
	delete(st.orgMembers, m.ID)
	for id, wm := range st.wsMembers {
		if wm.OrgMembershipID == m.ID {
			delete(st.wsMembers, id)
		}
	}
	return ok(w, empty{})
}

type updateMemberRequest struct {
	RoleIDs        *[]string      `json:"role_ids"`
	PublicMetadata map[string]any `json:"public_metadata"`
}

func (s *Server) updateOrgMember(w http.ResponseWriter, r *http.Request) error {
	return s.updateMember(w, r, "organization_id", true)
}

func (s *Server) updateMember(w http.ResponseWriter, r *http.Request, param string, orgScoped bool) error {
	var req updateMemberRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	scope := r.PathValue(param)
	members, roles := st.orgMembers, st.orgRoles
	if orgScoped {
		if _, err := st.org(scope); err != nil {
			return err
		}
	} else {
		if _, err := st.workspace(scope); err != nil {
			return err
		}
		members, roles = st.wsMembers, st.wsRoles
	}
	m, err := st.membership(members, scope, r.PathValue("membership_id"))
	if err != nil {
		return err
	}
	if req.RoleIDs != nil {
		for _, rid := range *req.RoleIDs {
			if _, err := roleIn(roles, scope, rid); err != nil {
				return badRequest("role " + rid + " does not exist here")
			}
		}
		m.RoleIDs = slices.Clone(*req.RoleIDs)
	}
	if req.PublicMetadata != nil {
		m.PublicMetadata = req.PublicMetadata
	}
	m.Updated = time.Now().UTC()
	return ok(w, empty{})
}

func (s *Server) addOrgMemberRole(w http.ResponseWriter, r *http.Request) error {
	return s.memberRole(w, r, "organization_id", true, true)
}

func (s *Server) removeOrgMemberRole(w http.ResponseWriter, r *http.Request) error {
	return s.memberRole(w, r, "organization_id", true, false)
}

func (s *Server) memberRole(w http.ResponseWriter, r *http.Request, param string, orgScoped, add bool) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	scope := r.PathValue(param)
	members, roles := st.orgMembers, st.orgRoles
	if orgScoped {
		if _, err := st.org(scope); err != nil {
			return err
		}
	} else {
		if _, err := st.workspace(scope); err != nil {
			return err
		}
		members, roles = st.wsMembers, st.wsRoles
	}
	m, err := st.membership(members, scope, r.PathValue("membership_id"))
	if err != nil {
		return err
	}
	rl, err := roleIn(roles, scope, r.PathValue("role_id"))
	if err != nil {
		return err
	}
	has := slices.Contains(m.RoleIDs, rl.ID)
	switch {
	case add && has:
		return conflict("membership already has role " + rl.ID)
	case add:
		m.RoleIDs = append(m.RoleIDs, rl.ID)
	case !has:
		return notFound("membership does not have role " + rl.ID)
	default:
		m.RoleIDs = slices.DeleteFunc(m.RoleIDs, func(id string) bool { return id == rl.ID })
	}
	m.Updated = time.Now().UTC()
	return ok(w, empty{})
}

func (s *Server) listOrgRoles(w http.ResponseWriter, r *http.Request) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.org(r.PathValue("organization_id"))
	if err != nil {
		return err
	}
	views := []roleView{}
	for _, rl := range scopeRoles(st.orgRoles, o.ID) {
		views = append(views, rl.view())
	}
	return ok(w, whole(views))
}

type roleRequest struct {
	Name        *string   `json:"name"`
	Permissions *[]string `json:"permissions"`
}

func (s *Server) createOrgRole(w http.ResponseWriter, r *http.Request) error {
	return s.createRole(w, r, "organization_id", true)
}

func (s *Server) createRole(w http.ResponseWriter, r *http.Request, param string, orgScoped bool) error {
	var req roleRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Name == nil || strings.TrimSpace(*req.Name) == "" || req.Permissions == nil {
		return badRequest("name and permissions are required")
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	scope := r.PathValue(param)
	roles := st.orgRoles
	if orgScoped {
		if _, err := st.org(scope); err != nil {
			return err
		}
	} else {
		if _, err := st.workspace(scope); err != nil {
			return err
		}
		roles = st.wsRoles
	}
	rl, err := st.addRole(roles, "", scope, *req.Name, *req.Permissions, time.Now().UTC())
	if err != nil {
		return err
	}
	return ok(w, rl.view())
}

func (st *store) addRole(roles map[string]*role, id, scope, name string, perms []string, now time.Time) (*role, error) {
	for _, rl := range scopeRoles(roles, scope) {
		if strings.EqualFold(rl.Name, name) {
			return nil, conflict("a role named " + name + " already exists")
		}
	}
	if id == "" {
		id = st.newID()
	}
	rl := &role{ID: id, Created: now, Updated: now, Scope: scope, Name: name, Permissions: slices.Clone(perms)}
	if rl.Permissions == nil {
		rl.Permissions = []string{}
	}
	roles[id] = rl
	return rl, nil
}

func (s *Server) updateOrgRole(w http.ResponseWriter, r *http.Request) error {
	return s.updateRole(w, r, "organization_id", true)
}

func (s *Server) updateRole(w http.ResponseWriter, r *http.Request, param string, orgScoped bool) error {
	var req roleRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	scope := r.PathValue(param)
	roles := st.orgRoles
	if orgScoped {
		if _, err := st.org(scope); err != nil {
			return err
		}
	} else {
		if _, err := st.workspace(scope); err != nil {
			return err
		}
		roles = st.wsRoles
	}
	rl, err := roleIn(roles, scope, r.PathValue("role_id"))
	if err != nil {
		return err
	}
	if rl.DeploymentLevel {
		return badRequest("deployment-level roles cannot be changed here")
	}
	if req.Name != nil {
		if strings.TrimSpace(*req.Name) == "" {
			return badRequest("name must not be empty")
		}
		for _, other := range scopeRoles(roles, scope) {
			if other.ID != rl.ID && strings.EqualFold(other.Name, *req.Name) {
				return conflict("a role named " + *req.Name + " already exists")
			}
		}
		rl.Name = *req.Name
	}
	if req.Permissions != nil {
		rl.Permissions = slices.Clone(*req.Permissions)
		if rl.Permissions == nil {
			rl.Permissions = []string{}
		}
	}
	rl.Updated = time.Now().UTC()
	return ok(w, rl.view())
}

func (s *Server) deleteOrgRole(w http.ResponseWriter, r *http.Request) error {
	return s.deleteRole(w, r, "organization_id", true)
}

func (s *Server) deleteRole(w http.ResponseWriter, r *http.Request, param string, orgScoped bool) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	scope := r.PathValue(param)
	roles, members := st.orgRoles, st.orgMembers
	if orgScoped {
		if _, err := st.org(scope); err != nil {
			return err
		}
	} else {
		if _, err := st.workspace(scope); err != nil {
			return err
		}
		roles, members = st.wsRoles, st.wsMembers
	}
	rl, err := roleIn(roles, scope, r.PathValue("role_id"))
	if err != nil {
		return err
	}
	if rl.DeploymentLevel {
		return badRequest("deployment-level roles cannot be deleted here")
	}
	delete(roles, rl.ID)
	for _, m := range members {
		m.RoleIDs = slices.DeleteFunc(m.RoleIDs, func(id string) bool { return id == rl.ID })
	}
	return ok(w, empty{})
}

type orgInvitationView struct {
	ID                       string     `json:"id"`
	CreatedAt                time.Time  `json:"created_at"`
	UpdatedAt                time.Time  `json:"updated_at"`
	OrganizationID           string     `json:"organization_id"`
	Email                    string     `json:"email"`
	InitialOrganizationRole  *string    `json:"initial_organization_role_id"`
	InitialOrgRoleName       *string    `json:"initial_organization_role_name"`
	InviterID                *string    `json:"inviter_id"`
	WorkspaceID              *string    `json:"workspace_id"`
	WorkspaceName            *string    `json:"workspace_name"`
	InitialWorkspaceRoleID   *string    `json:"initial_workspace_role_id"`
	InitialWorkspaceRoleName *string    `json:"initial_workspace_role_name"`
	Expired                  bool       `json:"expired"`
	Expiry                   *time.Time `json:"expiry"`
	Token                    string     `json:"token"`
}

func (st *store) orgInvitationView(inv *orgInvitation, now time.Time) orgInvitationView {
	v := orgInvitationView{ID: inv.ID, CreatedAt: inv.Created, UpdatedAt: inv.Updated, OrganizationID: inv.OrgID, Email: inv.Email,
		InviterID: strOrNil(inv.InviterID), Expired: !now.Before(inv.Expiry), Expiry: ptr(inv.Expiry), Token: inv.Token}
	if rl, ok := st.orgRoles[inv.RoleID]; ok {
		v.InitialOrganizationRole, v.InitialOrgRoleName = ptr(rl.ID), ptr(rl.Name)
	}
	if ws, ok := st.workspaces[inv.WorkspaceID]; ok {
		v.WorkspaceID, v.WorkspaceName = ptr(ws.ID), ptr(ws.Name)
	}
	if rl, ok := st.wsRoles[inv.WorkspaceRoleID]; ok {
		v.InitialWorkspaceRoleID, v.InitialWorkspaceRoleName = ptr(rl.ID), ptr(rl.Name)
	}
	return v
}

func (s *Server) listOrgInvitations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	includeDeleted := false
	if v := q.Get("include_deleted"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badRequest("include_deleted must be a boolean")
		}
		includeDeleted = b
	}
	wsFilter := q.Get("workspace_id")
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.org(r.PathValue("organization_id"))
	if err != nil {
		return err
	}
	var invs []*orgInvitation
	for _, inv := range st.orgInvites {
		if inv.OrgID != o.ID || (inv.Discarded && !includeDeleted) || (wsFilter != "" && inv.WorkspaceID != wsFilter) {
			continue
		}
		invs = append(invs, inv)
	}
	sortByCreated(invs, func(i *orgInvitation) time.Time { return i.Created }, func(i *orgInvitation) string { return i.ID })
	now := time.Now()
	views := []orgInvitationView{}
	for _, inv := range invs {
		views = append(views, st.orgInvitationView(inv, now))
	}
	return ok(w, whole(views))
}

func (s *Server) createOrgInvitation(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Email           string  `json:"email"`
		RoleID          *string `json:"role_id"`
		WorkspaceID     *string `json:"workspace_id"`
		WorkspaceRoleID *string `json:"workspace_role_id"`
		ExpiryDays      *int    `json:"expiry_days"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if !strings.Contains(req.Email, "@") {
		return badRequest("email must be an email address")
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.org(r.PathValue("organization_id"))
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, inv := range st.orgInvites {
		if inv.OrgID == o.ID && !inv.Discarded && strings.EqualFold(inv.Email, req.Email) && now.Before(inv.Expiry) {
			return conflict("a pending invitation for " + req.Email + " already exists")
		}
	}
	inv := &orgInvitation{ID: st.newID(), Created: now, Updated: now, OrgID: o.ID, Email: req.Email, Token: "inv_" + randomHex(16)}
	if req.RoleID != nil && *req.RoleID != "" {
		if _, err := roleIn(st.orgRoles, o.ID, *req.RoleID); err != nil {
			return badRequest("role " + *req.RoleID + " does not exist in this organization")
		}
		inv.RoleID = *req.RoleID
	}
	if req.WorkspaceID != nil && *req.WorkspaceID != "" {
		ws, ok := st.workspaces[*req.WorkspaceID]
		if !ok || ws.OrgID != o.ID {
			return badRequest("workspace " + *req.WorkspaceID + " does not belong to this organization")
		}
		inv.WorkspaceID = ws.ID
		if req.WorkspaceRoleID != nil && *req.WorkspaceRoleID != "" {
			if _, err := roleIn(st.wsRoles, ws.ID, *req.WorkspaceRoleID); err != nil {
				return badRequest("workspace role " + *req.WorkspaceRoleID + " does not exist")
			}
			inv.WorkspaceRoleID = *req.WorkspaceRoleID
		}
	}
	days := 7
	if req.ExpiryDays != nil {
		if *req.ExpiryDays <= 0 {
			return badRequest("expiry_days must be positive")
		}
		days = *req.ExpiryDays
	}
	inv.Expiry = now.Add(time.Duration(days) * 24 * time.Hour)
	st.orgInvites[inv.ID] = inv
	return ok(w, struct {
		ID               string  `json:"id"`
		Token            string  `json:"token"`
		Email            string  `json:"email"`
		OrganizationID   string  `json:"organization_id"`
		OrganizationName string  `json:"organization_name"`
		WorkspaceID      *string `json:"workspace_id"`
	}{inv.ID, inv.Token, inv.Email, o.ID, o.Name, strOrNil(inv.WorkspaceID)})
}

func (s *Server) discardOrgInvitation(w http.ResponseWriter, r *http.Request) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.org(r.PathValue("organization_id"))
	if err != nil {
		return err
	}
	inv, ok2 := st.orgInvites[r.PathValue("invitation_id")]
	if !ok2 || inv.OrgID != o.ID || inv.Discarded {
		return notFound("invitation " + r.PathValue("invitation_id") + " not found")
	}
	inv.Discarded = true
	inv.Updated = time.Now().UTC()
	return ok(w, empty{})
}
