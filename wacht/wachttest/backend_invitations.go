package wachttest

import (
	"maps"
	"net/http"
	"strings"
	"time"
)

type invitationView struct {
	ID           string    `json:"id"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	DeploymentID string    `json:"deployment_id"`
	FirstName    string    `json:"first_name"`
	LastName     string    `json:"last_name"`
	EmailAddress string    `json:"email_address"`
	Token        string    `json:"token"`
	Expiry       time.Time `json:"expiry"`
}

type waitlistView struct {
	ID           string    `json:"id"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	DeploymentID string    `json:"deployment_id"`
	EmailAddress string    `json:"email_address"`
	FirstName    *string   `json:"first_name"`
	LastName     *string   `json:"last_name"`
}

func (i *invitation) view() invitationView {
	return invitationView{ID: i.ID, CreatedAt: i.Created, UpdatedAt: i.Updated, DeploymentID: DeploymentID, FirstName: i.FirstName,
		LastName: i.LastName, EmailAddress: i.Email, Token: i.Token, Expiry: i.Expiry}
}

func (e *waitlistEntry) view() waitlistView {
	return waitlistView{ID: e.ID, CreatedAt: e.Created, UpdatedAt: e.Updated, DeploymentID: DeploymentID, EmailAddress: e.Email,
		FirstName: strOrNil(e.FirstName), LastName: strOrNil(e.LastName)}
}

// emailOrder applies the InvitationsWaitlistSortKey: email or created_at
// (queries/src/user/invitations.rs:84), newest first by default.
func emailOrder[T record](emailOf func(T) string) func([]T, listQuery) error {
	return orderBy(map[string]func(T) sortValue{"email": func(v T) sortValue { return text(emailOf(v)) }})
}

// invitationList is InvitationsWaitlistQueryParams
// (dto/src/query/deployment.rs:111): limit usize, default 10
// (platform/src/application/user_invitation.rs).
var invitationList = listParams{defaultLimit: 10, sort: invitationSort}

func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request) error {
	return s.listed(r, invitationList, func(st *store, lq listQuery) error {
		return listing[*invitation, invitationView]{
			haystack: func(i *invitation) string { return i.FirstName + " " + i.LastName + " " + i.Email },
			order:    emailOrder(func(i *invitation) string { return i.Email }),
			view:     (*invitation).view,
		}.serve(w, lq, maps.Values(st.invitations))
	})
}

func (s *Server) inviteUser(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		FirstName    string `json:"first_name"`
		LastName     string `json:"last_name"`
		EmailAddress string `json:"email_address"`
		ExpiryDays   *int   `json:"expiry_days"`
	}
	if err := bindJSON(r, &req, "first_name", "last_name", "email_address"); err != nil {
		return err
	}
	if req.FirstName == "" || req.LastName == "" || !strings.Contains(req.EmailAddress, "@") {
		return badRequest("first_name, last_name and a valid email_address are required")
	}
	days, err := expiryDays(req.ExpiryDays)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		inv, err := st.addInvitation("", req.FirstName, req.LastName, req.EmailAddress, days, time.Now().UTC())
		if err != nil {
			return err
		}
		return ok(w, inv.view())
	})
}

func (st *store) addInvitation(id, first, last, emailAddr string, days int, now time.Time) (*invitation, error) {
	for _, inv := range st.invitations {
		if strings.EqualFold(inv.Email, emailAddr) {
			return nil, conflict(emailAddr + " has already been invited")
		}
	}
	if st.emailTaken(emailAddr) {
		return nil, conflict(emailAddr + " already belongs to a user")
	}
	if id == "" {
		id = st.newID()
	}
	inv := &invitation{ID: id, Created: now, Updated: now, FirstName: first, LastName: last, Email: emailAddr,
		Token: "dinv_" + randomHex(16), Expiry: now.Add(time.Duration(days) * 24 * time.Hour)}
	st.invitations[id] = inv
	return inv, nil
}

func (s *Server) deleteInvitation(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		id := r.PathValue("invitation_id")
		if _, err := find(st.invitations, "invitation", id); err != nil {
			return err
		}
		delete(st.invitations, id)
		return ok(w, empty{})
	})
}

func (s *Server) listWaitlist(w http.ResponseWriter, r *http.Request) error {
	return s.listed(r, invitationList, func(st *store, lq listQuery) error {
		return listing[*waitlistEntry, waitlistView]{
			haystack: func(e *waitlistEntry) string { return e.FirstName + " " + e.LastName + " " + e.Email },
			order:    emailOrder(func(e *waitlistEntry) string { return e.Email }),
			view:     (*waitlistEntry).view,
		}.serve(w, lq, maps.Values(st.waitlist))
	})
}

func (s *Server) approveWaitlist(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		id := r.PathValue("waitlist_user_id")
		e, err := find(st.waitlist, "waitlist entry", id)
		if err != nil {
			return err
		}
		first, last := e.FirstName, e.LastName
		if first == "" {
			first, _, _ = strings.Cut(e.Email, "@")
		}
		inv, err := st.addInvitation("", first, last, e.Email, 7, time.Now().UTC())
		if err != nil {
			return err
		}
		delete(st.waitlist, id)
		return ok(w, inv.view())
	})
}

// AddWaitlistEntry puts an address on the waitlist (the platform API has no
// operation for it: people join from the sign-up page) and returns its id.
func (s *Server) AddWaitlistEntry(emailAddr, firstName, lastName string) (string, error) {
	if !strings.Contains(emailAddr, "@") {
		return "", badRequest("wachttest: waitlist entry needs an email address")
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, e := range st.waitlist {
		if strings.EqualFold(e.Email, emailAddr) {
			return "", conflict("wachttest: " + emailAddr + " is already on the waitlist")
		}
	}
	now := time.Now().UTC()
	e := &waitlistEntry{ID: st.newID(), Created: now, Updated: now, Email: emailAddr, FirstName: firstName, LastName: lastName}
	st.waitlist[e.ID] = e
	return e.ID, nil
}
