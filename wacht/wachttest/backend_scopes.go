package wachttest

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// scope is an organization or a workspace as far as members and roles go:
// the platform API manages both the same way, so one implementation serves
// the two sets of operations.
type scope struct {
	id      string
	noun    string // "organization" or "workspace", as messages say it
	org     bool
	members map[string]*member
	roles   map[string]*role
	// orgID is a workspace's organization: joining the workspace needs a
	// membership there.
	orgID string
}

// scopeKind says which path value names a scope and how to look it up.
type scopeKind struct {
	param  string
	lookup func(st *store, id string) (scope, error)
}

var (
	orgKind = scopeKind{"organization_id", (*store).orgScope}
	wsKind  = scopeKind{"workspace_id", (*store).wsScope}
)

func (st *store) orgScope(id string) (scope, error) {
	if _, err := st.org(id); err != nil {
		return scope{}, err
	}
	return scope{id: id, noun: "organization", org: true, members: st.orgMembers, roles: st.orgRoles}, nil
}

func (st *store) wsScope(id string) (scope, error) {
	ws, err := st.workspace(id)
	if err != nil {
		return scope{}, err
	}
	return scope{id: id, noun: "workspace", members: st.wsMembers, roles: st.wsRoles, orgID: ws.OrgID}, nil
}

// within runs fn holding the store lock on the scope the request names.
func (k scopeKind) within(s *Server, r *http.Request, fn func(st *store, sc scope) error) error {
	return within(s, r, k.param, k.lookup, fn)
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

// Member lists are searched and sorted by what the views show (the user's
// name and addresses), so the views are the listed records.
func (v memberDetailsView) createdAt() time.Time { return v.CreatedAt }
func (v memberDetailsView) key() string          { return v.ID }

func (r *role) view() roleView {
	return roleView{ID: r.ID, CreatedAt: r.Created, UpdatedAt: r.Updated, Name: r.Name, Permissions: nonNil(r.Permissions), IsDeploymentLevel: r.DeploymentLevel}
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

func (st *store) memberView(m *member, sc scope) memberDetailsView {
	v := memberDetailsView{ID: m.ID, CreatedAt: m.Created, UpdatedAt: m.Updated, UserID: m.UserID,
		Roles: st.roleViews(sc.roles, m.RoleIDs), PublicMetadata: copyMap(m.PublicMetadata)}
	if sc.org {
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

// scopeRoles returns the roles usable in a scope: deployment-level ones and
// the scope's own, ordered by creation.
func scopeRoles(roles map[string]*role, scope string) []*role {
	return oldestFirst(roles, func(r *role) bool { return r.DeploymentLevel || r.Scope == scope })
}

func roleIn(roles map[string]*role, scope, id string) (*role, error) {
	r, ok := roles[id]
	if !ok || (!r.DeploymentLevel && r.Scope != scope) {
		return nil, notFound("role " + id + " not found")
	}
	return r, nil
}

func (st *store) membership(sc scope, id string) (*member, error) {
	m, ok := sc.members[id]
	if !ok || m.Scope != sc.id {
		return nil, notFound("membership " + id + " not found")
	}
	return m, nil
}

// addMembership adds a user to a scope; joining a workspace needs a
// membership of its organization, which the new one refers to.
func (st *store) addMembership(sc scope, id, userID string, roleIDs []string, now time.Time) (*member, error) {
	if _, err := st.user(userID); err != nil {
		return nil, badRequest("user " + userID + " does not exist")
	}
	m := &member{ID: id, Created: now, Updated: now, Scope: sc.id, UserID: userID, RoleIDs: slices.Clone(roleIDs), PublicMetadata: map[string]any{}}
	if !sc.org {
		for _, om := range st.orgMembers {
			if om.Scope == sc.orgID && om.UserID == userID {
				m.OrgMembershipID = om.ID
			}
		}
		if m.OrgMembershipID == "" {
			return nil, badRequest("user " + userID + " is not a member of organization " + sc.orgID)
		}
	}
	for _, other := range sc.members {
		if other.Scope == sc.id && other.UserID == userID {
			return nil, conflict("user " + userID + " is already a member of " + sc.noun + " " + sc.id)
		}
	}
	for _, rid := range roleIDs {
		if _, err := roleIn(sc.roles, sc.id, rid); err != nil {
			return nil, badRequest("role " + rid + " does not exist in " + sc.noun + " " + sc.id)
		}
	}
	if m.ID == "" {
		m.ID = st.newID()
	}
	sc.members[m.ID] = m
	return m, nil
}

func (s *Server) listMembers(k scopeKind) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		// OrganizationMemberQueryParams / WorkspaceMemberQueryParams
		// (platform/src/api/b2b/mod.rs:70,125): limit i32 defaulting to
		// 20 (platform/src/api/b2b/query_handlers.rs:115).
		return s.listed(r, listParams{defaultLimit: 20, sort: memberSort}, func(st *store, lq listQuery) error {
			sc, err := k.lookup(st, r.PathValue(k.param))
			if err != nil {
				return err
			}
			var views []memberDetailsView
			for _, m := range sc.members {
				if m.Scope == sc.id {
					views = append(views, st.memberView(m, sc))
				}
			}
			return listing[memberDetailsView, memberDetailsView]{
				haystack: memberHaystack,
				order: orderBy(map[string]func(memberDetailsView) sortValue{
					"first_name": func(v memberDetailsView) sortValue { return text(v.FirstName) },
					"last_name":  func(v memberDetailsView) sortValue { return text(v.LastName) },
					"email":      func(v memberDetailsView) sortValue { return textOrNull(v.PrimaryEmailAddress) },
					"username":   func(v memberDetailsView) sortValue { return textOrNull(v.Username) },
				}),
				view: func(v memberDetailsView) memberDetailsView { return v },
			}.serve(w, lq, slices.Values(views))
		})
	}
}

func memberHaystack(v memberDetailsView) string {
	hay := v.FirstName + " " + v.LastName
	if v.Username != nil {
		hay += " " + *v.Username
	}
	if v.PrimaryEmailAddress != nil {
		hay += " " + *v.PrimaryEmailAddress
	}
	return hay
}

type addMemberRequest struct {
	UserID  flexID   `json:"user_id"`
	RoleIDs []flexID `json:"role_ids"`
}

func (s *Server) addMember(k scopeKind) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req addMemberRequest
		if err := bindJSON(r, &req, "user_id", "role_ids"); err != nil {
			return err
		}
		if req.UserID == "" {
			return badRequest("user_id is required")
		}
		return k.within(s, r, func(st *store, sc scope) error {
			m, err := st.addMembership(sc, "", string(req.UserID), flexIDs(req.RoleIDs), time.Now().UTC())
			if err != nil {
				return err
			}
			return ok(w, st.memberView(m, sc))
		})
	}
}

func (s *Server) removeMember(k scopeKind) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return k.within(s, r, func(st *store, sc scope) error {
			m, err := st.membership(sc, r.PathValue("membership_id"))
			if err != nil {
				return err
			}
			delete(sc.members, m.ID)
			if sc.org {
				// Workspace memberships hang off the organization membership.
				maps.DeleteFunc(st.wsMembers, func(_ string, wm *member) bool { return wm.OrgMembershipID == m.ID })
			}
			return ok(w, empty{})
		})
	}
}

type updateMemberRequest struct {
	RoleIDs        *[]flexID      `json:"role_ids"`
	PublicMetadata map[string]any `json:"public_metadata"`
}

func (s *Server) updateMember(k scopeKind) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req updateMemberRequest
		if err := bindJSON(r, &req); err != nil {
			return err
		}
		return k.within(s, r, func(st *store, sc scope) error {
			m, err := st.membership(sc, r.PathValue("membership_id"))
			if err != nil {
				return err
			}
			if req.RoleIDs != nil {
				ids := flexIDs(*req.RoleIDs)
				for _, rid := range ids {
					if _, err := roleIn(sc.roles, sc.id, rid); err != nil {
						return badRequest("role " + rid + " does not exist here")
					}
				}
				m.RoleIDs = ids
			}
			if req.PublicMetadata != nil {
				m.PublicMetadata = req.PublicMetadata
			}
			m.Updated = time.Now().UTC()
			return ok(w, empty{})
		})
	}
}

// memberRole grants (add) or withdraws a role of a membership.
func (s *Server) memberRole(k scopeKind, add bool) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return k.within(s, r, func(st *store, sc scope) error {
			m, err := st.membership(sc, r.PathValue("membership_id"))
			if err != nil {
				return err
			}
			rl, err := roleIn(sc.roles, sc.id, r.PathValue("role_id"))
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
		})
	}
}

func (s *Server) listRoles(k scopeKind) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return k.within(s, r, func(st *store, sc scope) error {
			return ok(w, whole(viewsOf(scopeRoles(sc.roles, sc.id), (*role).view)))
		})
	}
}

type roleRequest struct {
	Name        *string   `json:"name"`
	Permissions *[]string `json:"permissions"`
}

func (s *Server) createRole(k scopeKind) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req roleRequest
		if err := bindJSON(r, &req, "name", "permissions"); err != nil {
			return err
		}
		if req.Name == nil || strings.TrimSpace(*req.Name) == "" || req.Permissions == nil {
			return badRequest("name and permissions are required")
		}
		return k.within(s, r, func(st *store, sc scope) error {
			rl, err := st.addRole(sc.roles, "", sc.id, *req.Name, *req.Permissions, time.Now().UTC())
			if err != nil {
				return err
			}
			return ok(w, rl.view())
		})
	}
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
	rl := &role{ID: id, Created: now, Updated: now, Scope: scope, Name: name, Permissions: nonNil(slices.Clone(perms))}
	roles[id] = rl
	return rl, nil
}

func (s *Server) updateRole(k scopeKind) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req roleRequest
		if err := bindJSON(r, &req); err != nil {
			return err
		}
		return k.within(s, r, func(st *store, sc scope) error {
			rl, err := roleIn(sc.roles, sc.id, r.PathValue("role_id"))
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
				for _, other := range scopeRoles(sc.roles, sc.id) {
					if other.ID != rl.ID && strings.EqualFold(other.Name, *req.Name) {
						return conflict("a role named " + *req.Name + " already exists")
					}
				}
				rl.Name = *req.Name
			}
			if req.Permissions != nil {
				rl.Permissions = nonNil(slices.Clone(*req.Permissions))
			}
			rl.Updated = time.Now().UTC()
			return ok(w, rl.view())
		})
	}
}

func (s *Server) deleteRole(k scopeKind) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return k.within(s, r, func(st *store, sc scope) error {
			rl, err := roleIn(sc.roles, sc.id, r.PathValue("role_id"))
			if err != nil {
				return err
			}
			if rl.DeploymentLevel {
				return badRequest("deployment-level roles cannot be deleted here")
			}
			delete(sc.roles, rl.ID)
			for _, m := range sc.members {
				m.RoleIDs = slices.DeleteFunc(m.RoleIDs, func(id string) bool { return id == rl.ID })
			}
			return ok(w, empty{})
		})
	}
}
