package wachttest

import (
	"maps"
	"net/http"
	"strings"
	"time"
)

type workspaceView orgView

type workspaceListView struct {
	summaryView
	OrganizationName string `json:"organization_name"`
}

type workspaceDetailsView struct {
	workspaceView
	OrganizationID   string        `json:"organization_id"`
	OrganizationName string        `json:"organization_name"`
	Roles            []roleView    `json:"roles"`
	Segments         []segmentView `json:"segments"`
}

func (st *store) workspaceView(ws *workspace) workspaceView {
	return workspaceView(ws.view(ws.ID, ws.Created, ws.Updated, st.countMembers(st.wsMembers, ws.ID)))
}

func (st *store) workspace(id string) (*workspace, error) {
	return find(st.workspaces, "workspace", id)
}

func (st *store) addWorkspace(id, orgID string, p profile, now time.Time) *workspace {
	if id == "" {
		id = st.newID()
	}
	ws := &workspace{ID: id, Created: now, Updated: now, OrgID: orgID, profile: p}
	st.workspaces[id] = ws
	return ws
}

func (st *store) dropWorkspace(id string) {
	delete(st.workspaces, id)
	st.dropSegmentMember(id)
	maps.DeleteFunc(st.wsMembers, func(_ string, m *member) bool { return m.Scope == id })
	maps.DeleteFunc(st.wsRoles, func(_ string, rl *role) bool { return rl.Scope == id })
}

func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request) error {
	// The organizations' query struct and defaults (b2b_query.rs:124).
	return s.listed(r, listParams{defaultLimit: 10, sort: workspaceSort}, func(st *store, lq listQuery) error {
		orgName := func(ws *workspace) string {
			if o, ok := st.orgs[ws.OrgID]; ok {
				return o.Name
			}
			return ""
		}
		return listing[*workspace, workspaceListView]{
			haystack: func(ws *workspace) string { return ws.Name + " " + ws.Description + " " + orgName(ws) },
			order: orderBy(map[string]func(*workspace) sortValue{
				"name":              func(ws *workspace) sortValue { return text(strings.ToLower(ws.Name)) },
				"member_count":      func(ws *workspace) sortValue { return number(st.countMembers(st.wsMembers, ws.ID)) },
				"updated_at":        func(ws *workspace) sortValue { return text(ws.Updated.UTC().Format(time.RFC3339Nano)) },
				"organization_name": func(ws *workspace) sortValue { return text(strings.ToLower(orgName(ws))) },
			}),
			view: func(ws *workspace) workspaceListView {
				return workspaceListView{summaryView: st.workspaceView(ws).summaryView, OrganizationName: orgName(ws)}
			},
		}.serve(w, lq, maps.Values(st.workspaces))
	})
}

func (s *Server) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "workspace_id", (*store).workspace, func(st *store, ws *workspace) error {
		v := workspaceDetailsView{workspaceView: st.workspaceView(ws), OrganizationID: ws.OrgID,
			Roles: viewsOf(scopeRoles(st.wsRoles, ws.ID), (*role).view), Segments: st.segmentsOf("workspace", ws.ID)}
		if o, ok := st.orgs[ws.OrgID]; ok {
			v.OrganizationName = o.Name
		}
		return ok(w, v)
	})
}

func (s *Server) updateWorkspace(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	return within(s, r, "workspace_id", (*store).workspace, func(st *store, ws *workspace) error {
		if err := ws.update(f); err != nil {
			return err
		}
		ws.Updated = time.Now().UTC()
		return ok(w, st.workspaceView(ws))
	})
}

func (s *Server) deleteWorkspace(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "workspace_id", (*store).workspace, func(st *store, ws *workspace) error {
		st.dropWorkspace(ws.ID)
		return ok(w, empty{})
	})
}
