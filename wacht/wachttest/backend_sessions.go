package wachttest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

func (s *Server) updatePassword(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		NewPassword       string `json:"new_password"`
		SkipPasswordCheck bool   `json:"skip_password_check"`
	}
	if err := bindJSON(r, &req, "new_password"); err != nil {
		return err
	}
	if req.NewPassword == "" || (len(req.NewPassword) < 8 && !req.SkipPasswordCheck) {
		return badRequest("new_password must be at least 8 characters")
	}
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		u.HasPassword, u.Updated = true, time.Now().UTC()
		return ok(w, empty{})
	})
}

func (s *Server) removePassword(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		if !u.HasPassword {
			return badRequest("user " + u.ID + " has no password")
		}
		u.HasPassword, u.Updated = false, time.Now().UTC()
		return ok(w, empty{})
	})
}

type signInView struct {
	ID                             string    `json:"id"`
	CreatedAt                      time.Time `json:"created_at"`
	UpdatedAt                      time.Time `json:"updated_at"`
	SessionID                      string    `json:"session_id"`
	UserID                         *string   `json:"user_id"`
	ActiveOrganizationMembershipID *string   `json:"active_organization_membership_id"`
	ActiveWorkspaceMembershipID    *string   `json:"active_workspace_membership_id"`
	ExpiresAt                      time.Time `json:"expires_at"`
	LastActiveAt                   time.Time `json:"last_active_at"`
	IPAddress                      string    `json:"ip_address"`
	Browser                        string    `json:"browser"`
	Device                         string    `json:"device"`
	City                           string    `json:"city"`
	Region                         string    `json:"region"`
	RegionCode                     string    `json:"region_code"`
	Country                        string    `json:"country"`
	CountryCode                    string    `json:"country_code"`
}

// sessionLifetime is how long an emulated browser session lasts.
const sessionLifetime = 7 * 24 * time.Hour

// userSessions returns the sessions (sign-ins) of a user started with
// NewSession, oldest first; the caller holds s.sessions.mu.
func (s *Server) userSessions(userID string, includeEnded bool) []*sessionRecord {
	var out []*sessionRecord
	for _, rec := range s.sessions.byID {
		if rec.userID == userID && (includeEnded || !rec.revoked) {
			out = append(out, rec)
		}
	}
	slices.SortFunc(out, func(a, b *sessionRecord) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return out
}

// withUserSessions runs fn on the user the request names, holding the lock
// of the session store where sign-ins live. The two locks are never held
// together.
func (s *Server) withUserSessions(r *http.Request, fn func(u *user) error) error {
	st := s.st
	st.mu.Lock()
	u, err := st.user(r.PathValue("user_id"))
	st.mu.Unlock()
	if err != nil {
		return err
	}
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	return fn(u)
}

func (s *Server) listSignins(w http.ResponseWriter, r *http.Request) error {
	includeEnded := r.URL.Query().Get("include_expired") == "true"
	return s.withUserSessions(r, func(u *user) error {
		views := []signInView{}
		for _, rec := range s.userSessions(u.ID, includeEnded) {
			ip := rec.forwarded
			if ip == "" {
				ip = "127.0.0.1"
			}
			views = append(views, signInView{ID: rec.id, CreatedAt: rec.created, UpdatedAt: rec.lastUsed, SessionID: rec.id, UserID: ptr(u.ID),
				ExpiresAt: rec.created.Add(sessionLifetime), LastActiveAt: rec.lastUsed, IPAddress: ip, Browser: "wachttest", Device: "emulator"})
		}
		return ok(w, whole(views))
	})
}

func (s *Server) revokeSignin(w http.ResponseWriter, r *http.Request) error {
	return s.withUserSessions(r, func(u *user) error {
		rec, found := s.sessions.byID[r.PathValue("signin_id")]
		if !found || rec.userID != u.ID || rec.revoked {
			return notFound("sign-in " + r.PathValue("signin_id") + " not found")
		}
		rec.revoked = true
		return ok(w, empty{})
	})
}

func (s *Server) revokeAllSignins(w http.ResponseWriter, r *http.Request) error {
	return s.withUserSessions(r, func(u *user) error {
		n := 0
		for _, rec := range s.userSessions(u.ID, false) {
			rec.revoked = true
			n++
		}
		return ok(w, struct {
			Revoked int `json:"revoked"`
		}{n})
	})
}

type deploymentRoleView struct {
	ID           string    `json:"id"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Name         string    `json:"name"`
	Permissions  []string  `json:"permissions"`
	DeploymentID string    `json:"deployment_id"`
}

// DeploymentOrganizationRole (models/src/deployment_custom_roles.rs:21)
// always writes organization_id, null for the deployment-level roles this
// list holds (queries/src/b2b.rs:65); DeploymentWorkspaceRole (line 5)
// writes organization_id and workspace_id the same way.
type deploymentOrgRoleView struct {
	deploymentRoleView
	OrganizationID *string `json:"organization_id"`
}

type deploymentWsRoleView struct {
	deploymentRoleView
	OrganizationID *string `json:"organization_id"`
	WorkspaceID    *string `json:"workspace_id"`
}

func deploymentRoles[V any](s *Server, w http.ResponseWriter, roles map[string]*role, view func(deploymentRoleView) V) error {
	return s.locked(func(st *store) error {
		deployment := oldestFirst(roles, func(rl *role) bool { return rl.DeploymentLevel })
		return ok(w, whole(viewsOf(deployment, func(rl *role) V {
			return view(deploymentRoleView{ID: rl.ID, CreatedAt: rl.Created, UpdatedAt: rl.Updated, Name: rl.Name,
				Permissions: nonNil(slices.Clone(rl.Permissions)), DeploymentID: DeploymentID})
		})))
	})
}

func (s *Server) deploymentOrgRoles(w http.ResponseWriter, r *http.Request) error {
	return deploymentRoles(s, w, s.st.orgRoles, func(v deploymentRoleView) deploymentOrgRoleView {
		return deploymentOrgRoleView{deploymentRoleView: v}
	})
}

func (s *Server) deploymentWsRoles(w http.ResponseWriter, r *http.Request) error {
	return deploymentRoles(s, w, s.st.wsRoles, func(v deploymentRoleView) deploymentWsRoleView {
		return deploymentWsRoleView{deploymentRoleView: v}
	})
}
