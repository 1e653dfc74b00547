package wachttest

import (
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// summaryView starts every view of an organization or a workspace.
type summaryView struct {
	ID          string    `json:"id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Name        string    `json:"name"`
	ImageURL    string    `json:"image_url"`
	Description string    `json:"description"`
	MemberCount int       `json:"member_count"`
}

type orgView struct {
	summaryView
	PublicMetadata  map[string]any `json:"public_metadata"`
	PrivateMetadata map[string]any `json:"private_metadata"`
}

// view shows a profile as the spec shows organizations and workspaces
// alike.
func (p profile) view(id string, created, updated time.Time, members int) orgView {
	return orgView{summaryView: summaryView{ID: id, CreatedAt: created, UpdatedAt: updated, Name: p.Name, ImageURL: p.ImageURL,
		Description: p.Description, MemberCount: members}, PublicMetadata: copyMap(p.PublicMetadata), PrivateMetadata: copyMap(p.PrivateMetadata)}
}

type orgDetailsView struct {
	orgView
	Roles      []roleView      `json:"roles"`
	Workspaces []workspaceView `json:"workspaces"`
	Segments   []segmentView   `json:"segments"`
}

func (st *store) orgView(o *org) orgView {
	return o.view(o.ID, o.Created, o.Updated, st.countMembers(st.orgMembers, o.ID))
}

func (st *store) org(id string) (*org, error) { return find(st.orgs, "organization", id) }

// entityOrder sorts organizations and workspaces by name, member count or
// updated_at (DeploymentOrganizationListQuery, queries/src/b2b.rs:148);
// any other key is created_at.
func entityOrder[T record](name func(T) string, count func(T) int, updated func(T) time.Time) func([]T, listQuery) error {
	return orderBy(map[string]func(T) sortValue{
		"name":         func(v T) sortValue { return text(strings.ToLower(name(v))) },
		"member_count": func(v T) sortValue { return number(count(v)) },
		"updated_at":   func(v T) sortValue { return text(updated(v).UTC().Format(time.RFC3339Nano)) },
	})
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request) error {
	// OrganizationListQueryParams (dto/src/query/deployment.rs:129): limit
	// i32 defaulting to 10 (platform/src/application/b2b_query.rs:103).
	return s.listed(r, listParams{defaultLimit: 10, sort: orgSort}, func(st *store, lq listQuery) error {
		return listing[*org, orgView]{
			haystack: func(o *org) string { return o.Name + " " + o.Description },
			order: entityOrder(func(o *org) string { return o.Name },
				func(o *org) int { return st.countMembers(st.orgMembers, o.ID) }, func(o *org) time.Time { return o.Updated }),
			view: st.orgView,
		}.serve(w, lq, maps.Values(st.orgs))
	})
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request) error {
	p, err := newProfile(r)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		return ok(w, st.orgView(st.addOrg("", p, time.Now().UTC())))
	})
}

// newProfile reads the form creating an organization or a workspace.
func newProfile(r *http.Request) (profile, error) {
	f, err := parseForm(r)
	if err != nil {
		return profile{}, err
	}
	var p profile
	p.Name, _ = f.str("name")
	if strings.TrimSpace(p.Name) == "" {
		return profile{}, badRequest("name is required")
	}
	p.Description, _ = f.str("description")
	if p.PublicMetadata, _, err = f.object("public_metadata"); err != nil {
		return profile{}, err
	}
	if p.PrivateMetadata, _, err = f.object("private_metadata"); err != nil {
		return profile{}, err
	}
	if p.PublicMetadata == nil {
		p.PublicMetadata = map[string]any{}
	}
	if p.PrivateMetadata == nil {
		p.PrivateMetadata = map[string]any{}
	}
	return p, nil
}

func (st *store) addOrg(id string, p profile, now time.Time) *org {
	if id == "" {
		id = st.newID()
	}
	o := &org{ID: id, Created: now, Updated: now, profile: p}
	st.orgs[id] = o
	return o
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "organization_id", (*store).org, func(st *store, o *org) error {
		return ok(w, orgDetailsView{orgView: st.orgView(o),
			Roles:      viewsOf(scopeRoles(st.orgRoles, o.ID), (*role).view),
			Workspaces: viewsOf(oldestFirst(st.workspaces, func(ws *workspace) bool { return ws.OrgID == o.ID }), st.workspaceView),
			Segments:   st.segmentsOf("organization", o.ID)})
	})
}

// update applies the form updating an organization or a workspace; on an
// error p is left as it was.
func (p *profile) update(f *form) error {
	next := *p
	if v, ok := f.str("name"); ok {
		if strings.TrimSpace(v) == "" {
			return badRequest("name must not be empty")
		}
		next.Name = v
	}
	if v, ok := f.str("description"); ok {
		next.Description = v
	}
	if m, ok, err := f.object("public_metadata"); err != nil {
		return err
	} else if ok {
		next.PublicMetadata = m
	}
	if m, ok, err := f.object("private_metadata"); err != nil {
		return err
	} else if ok {
		next.PrivateMetadata = m
	}
	if b, ok, err := f.boolean("remove_image"); err != nil {
		return err
	} else if ok && b {
		next.ImageURL = ""
	}
	*p = next
	return nil
}

func (s *Server) updateOrg(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	return within(s, r, "organization_id", (*store).org, func(st *store, o *org) error {
		if err := o.update(f); err != nil {
			return err
		}
		o.Updated = time.Now().UTC()
		return ok(w, st.orgView(o))
	})
}

func (s *Server) deleteOrg(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "organization_id", (*store).org, func(st *store, o *org) error {
		for id, ws := range st.workspaces {
			if ws.OrgID == o.ID {
				st.dropWorkspace(id)
			}
		}
		maps.DeleteFunc(st.orgMembers, func(_ string, m *member) bool { return m.Scope == o.ID })
		maps.DeleteFunc(st.orgRoles, func(_ string, rl *role) bool { return rl.Scope == o.ID })
		maps.DeleteFunc(st.orgInvites, func(_ string, inv *orgInvitation) bool { return inv.OrgID == o.ID })
		delete(st.orgs, o.ID)
		st.dropSegmentMember(o.ID)
		return ok(w, empty{})
	})
}

func (s *Server) createWorkspace(w http.ResponseWriter, r *http.Request) error {
	p, err := newProfile(r)
	if err != nil {
		return err
	}
	return within(s, r, "organization_id", (*store).org, func(st *store, o *org) error {
		return ok(w, st.workspaceView(st.addWorkspace("", o.ID, p, time.Now().UTC())))
	})
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
	return within(s, r, "organization_id", (*store).org, func(st *store, o *org) error {
		invs := oldestFirst(st.orgInvites, func(inv *orgInvitation) bool {
			return inv.OrgID == o.ID && (!inv.Discarded || includeDeleted) && (wsFilter == "" || inv.WorkspaceID == wsFilter)
		})
		now := time.Now()
		return ok(w, whole(viewsOf(invs, func(inv *orgInvitation) orgInvitationView { return st.orgInvitationView(inv, now) })))
	})
}

func (s *Server) createOrgInvitation(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Email           string  `json:"email"`
		RoleID          *flexID `json:"role_id"`
		WorkspaceID     *flexID `json:"workspace_id"`
		WorkspaceRoleID *flexID `json:"workspace_role_id"`
		ExpiryDays      *int    `json:"expiry_days"`
	}
	// CreateOrganizationInvitationRequest (dto/src/json/b2b.rs:61): email
	// required, the ids as numbers or strings.
	if err := bindJSON(r, &req, "email"); err != nil {
		return err
	}
	roleID, workspaceID, workspaceRoleID := (*string)(req.RoleID), (*string)(req.WorkspaceID), (*string)(req.WorkspaceRoleID)
	if !strings.Contains(req.Email, "@") {
		return badRequest("email must be an email address")
	}
	return within(s, r, "organization_id", (*store).org, func(st *store, o *org) error {
		now := time.Now().UTC()
		for _, inv := range st.orgInvites {
			if inv.OrgID == o.ID && !inv.Discarded && strings.EqualFold(inv.Email, req.Email) && now.Before(inv.Expiry) {
				return conflict("a pending invitation for " + req.Email + " already exists")
			}
		}
		inv := &orgInvitation{ID: st.newID(), Created: now, Updated: now, OrgID: o.ID, Email: req.Email, Token: "inv_" + randomHex(16)}
		if given(roleID) {
			if _, err := roleIn(st.orgRoles, o.ID, *roleID); err != nil {
				return badRequest("role " + *roleID + " does not exist in this organization")
			}
			inv.RoleID = *roleID
		}
		if given(workspaceID) {
			ws, ok := st.workspaces[*workspaceID]
			if !ok || ws.OrgID != o.ID {
				return badRequest("workspace " + *workspaceID + " does not belong to this organization")
			}
			inv.WorkspaceID = ws.ID
			if given(workspaceRoleID) {
				if _, err := roleIn(st.wsRoles, ws.ID, *workspaceRoleID); err != nil {
					return badRequest("workspace role " + *workspaceRoleID + " does not exist")
				}
				inv.WorkspaceRoleID = *workspaceRoleID
			}
		}
		days, err := expiryDays(req.ExpiryDays)
		if err != nil {
			return err
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
	})
}

// given reports whether an optional id was sent and is not empty.
func given(id *string) bool { return id != nil && *id != "" }

// expiryDays reads an invitation's optional expiry_days; the platform
// defaults to a week.
func expiryDays(days *int) (int, error) {
	if days == nil {
		return 7, nil
	}
	if *days <= 0 {
		return 0, badRequest("expiry_days must be positive")
	}
	return *days, nil
}

func (s *Server) discardOrgInvitation(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "organization_id", (*store).org, func(st *store, o *org) error {
		id := r.PathValue("invitation_id")
		inv, found := st.orgInvites[id]
		if !found || inv.OrgID != o.ID || inv.Discarded {
			return notFound("invitation " + id + " not found")
		}
		inv.Discarded, inv.Updated = true, time.Now().UTC()
		return ok(w, empty{})
	})
}
