package wachttest

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

type userView struct {
	ID                  string    `json:"id"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
	FirstName           string    `json:"first_name"`
	LastName            string    `json:"last_name"`
	Username            *string   `json:"username"`
	ProfilePictureURL   string    `json:"profile_picture_url"`
	PrimaryEmailAddress *string   `json:"primary_email_address"`
	PrimaryPhoneNumber  *string   `json:"primary_phone_number"`
}

type emailView struct {
	ID                   string    `json:"id"`
	CreatedAt            time.Time `json:"created_at"`
	UpdatedAt            time.Time `json:"updated_at"`
	DeploymentID         string    `json:"deployment_id"`
	UserID               string    `json:"user_id"`
	Email                string    `json:"email"`
	IsPrimary            bool      `json:"is_primary"`
	Verified             bool      `json:"verified"`
	VerifiedAt           time.Time `json:"verified_at"`
	VerificationStrategy string    `json:"verification_strategy"`
}

type phoneView struct {
	ID          string    `json:"id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	UserID      string    `json:"user_id"`
	PhoneNumber string    `json:"phone_number"`
	CountryCode string    `json:"country_code"`
	Verified    bool      `json:"verified"`
	VerifiedAt  time.Time `json:"verified_at"`
}

type userDetailsView struct {
	ID                             string             `json:"id"`
	CreatedAt                      time.Time          `json:"created_at"`
	UpdatedAt                      time.Time          `json:"updated_at"`
	FirstName                      string             `json:"first_name"`
	LastName                       string             `json:"last_name"`
	Username                       *string            `json:"username"`
	ProfilePictureURL              string             `json:"profile_picture_url"`
	SchemaVersion                  string             `json:"schema_version"`
	Disabled                       bool               `json:"disabled"`
	SecondFactorPolicy             string             `json:"second_factor_policy"`
	Availability                   string             `json:"availability"`
	LastPasswordResetAt            *time.Time         `json:"last_password_reset_at"`
	ActiveOrganizationMembershipID *string            `json:"active_organization_membership_id"`
	ActiveWorkspaceMembershipID    *string            `json:"active_workspace_membership_id"`
	DeploymentID                   string             `json:"deployment_id"`
	PublicMetadata                 map[string]any     `json:"public_metadata"`
	PrivateMetadata                map[string]any     `json:"private_metadata"`
	PrimaryEmailAddressID          *string            `json:"primary_email_address_id"`
	PrimaryEmailAddress            *string            `json:"primary_email_address"`
	PrimaryPhoneNumberID           *string            `json:"primary_phone_number_id"`
	PrimaryPhoneNumber             *string            `json:"primary_phone_number"`
	EmailAddresses                 []emailView        `json:"email_addresses"`
	PhoneNumbers                   []phoneView        `json:"phone_numbers"`
	SocialConnections              []socialConnection `json:"social_connections"`
	Segments                       []segmentView      `json:"segments"`
	HasPassword                    bool               `json:"has_password"`
	HasBackupCodes                 bool               `json:"has_backup_codes"`
}

func (u *user) view() userView {
	v := userView{ID: u.ID, CreatedAt: u.Created, UpdatedAt: u.Updated, FirstName: u.FirstName, LastName: u.LastName,
		Username: strOrNil(u.Username), ProfilePictureURL: u.PictureURL}
	if e := u.primaryEmail(); e != nil {
		v.PrimaryEmailAddress = &e.Address
	}
	if p := u.primaryPhone(); p != nil {
		v.PrimaryPhoneNumber = &p.Number
	}
	return v
}

func (e *email) view() emailView {
	return emailView{ID: e.ID, CreatedAt: e.Created, UpdatedAt: e.Updated, DeploymentID: DeploymentID, UserID: e.UserID,
		Email: e.Address, IsPrimary: e.Primary, Verified: e.Verified, VerifiedAt: e.VerifiedAt, VerificationStrategy: "otp"}
}

func (p *phone) view() phoneView {
	return phoneView{ID: p.ID, CreatedAt: p.Created, UpdatedAt: p.Updated, UserID: p.UserID, PhoneNumber: p.Number,
		CountryCode: p.CountryCode, Verified: p.Verified, VerifiedAt: p.VerifiedAt}
}

func (st *store) userDetails(u *user) userDetailsView {
	v := userDetailsView{ID: u.ID, CreatedAt: u.Created, UpdatedAt: u.Updated, FirstName: u.FirstName, LastName: u.LastName,
		Username: strOrNil(u.Username), ProfilePictureURL: u.PictureURL, SchemaVersion: "v2", Disabled: u.Disabled,
		SecondFactorPolicy: u.SecondFactorPolicy, Availability: "available", DeploymentID: DeploymentID,
		PublicMetadata: copyMap(u.PublicMetadata), PrivateMetadata: copyMap(u.PrivateMetadata),
		EmailAddresses: []emailView{}, PhoneNumbers: []phoneView{}, SocialConnections: newestFirst(u.Social), Segments: st.segmentsOf("user", u.ID),
		HasPassword: u.HasPassword, HasBackupCodes: len(u.BackupCodes) > 0}
	for _, e := range u.Emails {
		v.EmailAddresses = append(v.EmailAddresses, e.view())
		if e.Primary {
			v.PrimaryEmailAddressID, v.PrimaryEmailAddress = ptr(e.ID), ptr(e.Address)
		}
	}
	for _, p := range u.Phones {
		v.PhoneNumbers = append(v.PhoneNumbers, p.view())
		if p.Primary {
			v.PrimaryPhoneNumberID, v.PrimaryPhoneNumber = ptr(p.ID), ptr(p.Number)
		}
	}
	return v
}

func (st *store) user(id string) (*user, error) { return find(st.users, "user", id) }

func (st *store) emailTaken(addr string) bool {
	for _, u := range st.users {
		for _, e := range u.Emails {
			if strings.EqualFold(e.Address, addr) {
				return true
			}
		}
	}
	return false
}

func (st *store) usernameTaken(name, except string) bool {
	for _, u := range st.users {
		if u.ID != except && u.Username != "" && strings.EqualFold(u.Username, name) {
			return true
		}
	}
	return false
}

// addUser creates a user; the caller holds the lock.
func (st *store) addUser(id, first, last, username, emailAddr, phoneNumber, countryCode string, now time.Time) (*user, error) {
	if strings.TrimSpace(first) == "" || strings.TrimSpace(last) == "" {
		return nil, badRequest("first_name and last_name are required")
	}
	if emailAddr != "" && st.emailTaken(emailAddr) {
		return nil, conflict("email address " + emailAddr + " is already in use")
	}
	if username != "" && st.usernameTaken(username, "") {
		return nil, conflict("username " + username + " is already in use")
	}
	if id == "" {
		id = st.newID()
	}
	u := &user{ID: id, Created: now, Updated: now, FirstName: first, LastName: last, Username: username,
		SecondFactorPolicy: "none", PublicMetadata: map[string]any{}, PrivateMetadata: map[string]any{}}
	if emailAddr != "" {
		e := &email{contactBase: st.newContact(id, true, now), Address: emailAddr}
		e.Primary = true
		u.Emails = append(u.Emails, e)
	}
	if phoneNumber != "" {
		p := &phone{contactBase: st.newContact(id, true, now), Number: phoneNumber, CountryCode: countryCode}
		p.Primary = true
		u.Phones = append(u.Phones, p)
	}
	st.users[id] = u
	return u, nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	// ActiveUserListQueryParams (dto/src/query/deployment.rs:83): limit
	// usize defaulting to 10 (platform/src/application/user_core.rs:90).
	return s.listed(r, listParams{defaultLimit: 10, sort: userSort}, func(st *store, lq listQuery) error {
		return listing[*user, userView]{
			haystack: func(u *user) string {
				hay := u.FirstName + " " + u.LastName + " " + u.Username
				for _, e := range u.Emails {
					hay += " " + e.Address
				}
				for _, p := range u.Phones {
					hay += " " + p.Number
				}
				return hay
			},
			order: userOrder,
			view:  (*user).view,
		}.serve(w, lq, maps.Values(st.users))
	})
}

// userOrder sorts as DeploymentActiveUserListQuery does
// (queries/src/user/active_users.rs:87): by u.username, the primary
// email's address or the primary phone's number (NULL when the user has
// none), else created_at.
var userOrder = orderBy(map[string]func(*user) sortValue{
	"username": func(u *user) sortValue { return textOrNull(strOrNil(u.Username)) },
	"email": func(u *user) sortValue {
		if e := u.primaryEmail(); e != nil {
			return text(e.Address)
		}
		return sortValue{null: true}
	},
	"phone_number": func(u *user) sortValue {
		if p := u.primaryPhone(); p != nil {
			return text(p.Number)
		}
		return sortValue{null: true}
	},
})

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	first, _ := f.str("first_name")
	last, _ := f.str("last_name")
	username, _ := f.str("username")
	emailAddr, _ := f.str("email_address")
	phoneNumber, _ := f.str("phone_number")
	password, hasPassword := f.str("password")
	if hasPassword && len(password) < 8 {
		if skip, _, _ := f.boolean("skip_password_check"); !skip {
			return badRequest("password must be at least 8 characters")
		}
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	u, err := st.addUser("", first, last, username, emailAddr, phoneNumber, "", time.Now().UTC())
	if err != nil {
		return err
	}
	u.HasPassword = hasPassword && password != ""
	return ok(w, u.view())
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		return ok(w, st.userDetails(u))
	})
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		next, err := st.updatedUser(u, f)
		if err != nil {
			return err
		}
		next.Updated = time.Now().UTC()
		*u = next
		return ok(w, st.userDetails(u))
	})
}

// updatedUser returns u as the update form leaves it, or the error that
// rejects the whole update.
func (st *store) updatedUser(u *user, f *form) (user, error) {
	next := *u
	if v, ok := f.str("first_name"); ok {
		next.FirstName = v
	}
	if v, ok := f.str("last_name"); ok {
		next.LastName = v
	}
	if v, ok := f.str("username"); ok {
		if v != "" && st.usernameTaken(v, u.ID) {
			return next, conflict("username " + v + " is already in use")
		}
		next.Username = v
	}
	if m, ok, err := f.object("public_metadata"); err != nil {
		return next, err
	} else if ok {
		next.PublicMetadata = m
	}
	if m, ok, err := f.object("private_metadata"); err != nil {
		return next, err
	} else if ok {
		next.PrivateMetadata = m
	}
	if b, ok, err := f.boolean("disabled"); err != nil {
		return next, err
	} else if ok {
		next.Disabled = b
	}
	if v, ok := f.str("second_factor_policy"); ok {
		switch v {
		case "none", "optional", "enforced":
			next.SecondFactorPolicy = v
		default:
			return next, badRequest("second_factor_policy must be none, optional or enforced")
		}
	}
	if b, ok, err := f.boolean("remove_profile_image"); err != nil {
		return next, err
	} else if ok && b {
		next.PictureURL = ""
	}
	return next, nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		delete(st.users, u.ID)
		st.dropSegmentMember(u.ID)
		ofUser := func(_ string, m *member) bool { return m.UserID == u.ID }
		maps.DeleteFunc(st.orgMembers, ofUser)
		maps.DeleteFunc(st.wsMembers, ofUser)
		return ok(w, empty{})
	})
}

// contact is a user's email address or phone number: a user has at most
// one primary of each kind, and they are managed alike.
type contact interface {
	comparable
	base() *contactBase
}

func (st *store) newContact(userID string, verified bool, now time.Time) contactBase {
	return contactBase{ID: st.newID(), Created: now, Updated: now, UserID: userID, Verified: verified, VerifiedAt: now}
}

// contactKind ties the operations on one kind of contact to its fields.
type contactKind[C contact] struct {
	param string // path value holding the contact's id
	what  string // as messages say it
	of    func(u *user) *[]C
}

var (
	emails = contactKind[*email]{"email_id", "email address", func(u *user) *[]*email { return &u.Emails }}
	phones = contactKind[*phone]{"phone_id", "phone number", func(u *user) *[]*phone { return &u.Phones }}
)

// within runs fn holding the store lock on the user and the contact the
// request names.
func (k contactKind[C]) within(s *Server, r *http.Request, fn func(st *store, u *user, c C) error) error {
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		id := r.PathValue(k.param)
		for _, c := range *k.of(u) {
			if c.base().ID == id {
				return fn(st, u, c)
			}
		}
		return notFound(k.what + " " + id + " not found for user " + u.ID)
	})
}

func primaryOf[C contact](cs []C) (C, bool) {
	for _, c := range cs {
		if c.base().Primary {
			return c, true
		}
	}
	var none C
	return none, false
}

// makePrimary makes the contact id the primary one, and only it.
func makePrimary[C contact](cs []C, id string) {
	for _, c := range cs {
		c.base().Primary = c.base().ID == id
	}
}

// addContact appends c, making it primary when asked or when the user has
// no primary contact of its kind yet.
func addContact[C contact](u *user, k contactKind[C], c C, primary *bool, now time.Time) {
	list := k.of(u)
	*list = append(*list, c)
	if _, has := primaryOf(*list); (primary != nil && *primary) || !has {
		makePrimary(*list, c.base().ID)
	}
	u.Updated = now
}

// updateContact applies the fields updating an email address and a phone
// number have in common, once the kind's own fields are applied.
func updateContact[C contact](u *user, k contactKind[C], c C, verified, primary *bool, now time.Time) {
	b := c.base()
	if verified != nil {
		b.Verified = *verified
		if b.Verified {
			b.VerifiedAt = now
		}
	}
	if primary != nil && *primary {
		makePrimary(*k.of(u), b.ID)
	}
	b.Updated, u.Updated = now, now
}

func deleteContact[C contact](s *Server, k contactKind[C]) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return k.within(s, r, func(st *store, u *user, c C) error {
			list := k.of(u)
			*list = slices.DeleteFunc(*list, func(x C) bool { return x == c })
			if c.base().Primary && len(*list) > 0 {
				(*list)[0].base().Primary = true
			}
			u.Updated = time.Now().UTC()
			return ok(w, empty{})
		})
	}
}

func makeContactPrimary[C contact](s *Server, k contactKind[C]) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return k.within(s, r, func(st *store, u *user, c C) error {
			makePrimary(*k.of(u), c.base().ID)
			u.Updated = time.Now().UTC()
			return ok(w, empty{})
		})
	}
}

func (s *Server) addEmail(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Email     string `json:"email"`
		Verified  *bool  `json:"verified"`
		IsPrimary *bool  `json:"is_primary"`
	}
	if err := bindJSON(r, &req, "email"); err != nil {
		return err
	}
	if !strings.Contains(req.Email, "@") {
		return badRequest("email must be an email address")
	}
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		if st.emailTaken(req.Email) {
			return conflict("email address " + req.Email + " is already in use")
		}
		now := time.Now().UTC()
		e := &email{contactBase: st.newContact(u.ID, deref(req.Verified), now), Address: req.Email}
		addContact(u, emails, e, req.IsPrimary, now)
		return ok(w, e.view())
	})
}

func (s *Server) updateEmail(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Email     *string `json:"email"`
		Verified  *bool   `json:"verified"`
		IsPrimary *bool   `json:"is_primary"`
	}
	if err := bindJSON(r, &req); err != nil {
		return err
	}
	return emails.within(s, r, func(st *store, u *user, e *email) error {
		now := time.Now().UTC()
		if req.Email != nil && !strings.EqualFold(*req.Email, e.Address) {
			if !strings.Contains(*req.Email, "@") {
				return badRequest("email must be an email address")
			}
			if st.emailTaken(*req.Email) {
				return conflict("email address " + *req.Email + " is already in use")
			}
			e.Address = *req.Email
		}
		updateContact(u, emails, e, req.Verified, req.IsPrimary, now)
		return ok(w, e.view())
	})
}

func (s *Server) addPhone(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		PhoneNumber string `json:"phone_number"`
		CountryCode string `json:"country_code"`
		Verified    *bool  `json:"verified"`
		IsPrimary   *bool  `json:"is_primary"`
	}
	if err := bindJSON(r, &req, "phone_number", "country_code"); err != nil {
		return err
	}
	if req.PhoneNumber == "" || req.CountryCode == "" {
		return badRequest("phone_number and country_code are required")
	}
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		for _, p := range u.Phones {
			if p.Number == req.PhoneNumber {
				return conflict("phone number already added to this user")
			}
		}
		now := time.Now().UTC()
		p := &phone{contactBase: st.newContact(u.ID, deref(req.Verified), now), Number: req.PhoneNumber, CountryCode: req.CountryCode}
		addContact(u, phones, p, req.IsPrimary, now)
		return ok(w, p.view())
	})
}

func (s *Server) updatePhone(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		PhoneNumber *string `json:"phone_number"`
		CountryCode *string `json:"country_code"`
		Verified    *bool   `json:"verified"`
		IsPrimary   *bool   `json:"is_primary"`
	}
	if err := bindJSON(r, &req); err != nil {
		return err
	}
	return phones.within(s, r, func(st *store, u *user, p *phone) error {
		now := time.Now().UTC()
		assign(&p.Number, req.PhoneNumber)
		assign(&p.CountryCode, req.CountryCode)
		updateContact(u, phones, p, req.Verified, req.IsPrimary, now)
		return ok(w, p.view())
	})
}

type userOrgMembershipView struct {
	ID             string         `json:"id"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	OrganizationID string         `json:"organization_id"`
	UserID         string         `json:"user_id"`
	PublicMetadata map[string]any `json:"public_metadata"`
	Roles          []roleView     `json:"roles"`
	Organization   orgView        `json:"organization"`
}

type userWsMembershipView struct {
	ID                       string         `json:"id"`
	CreatedAt                time.Time      `json:"created_at"`
	UpdatedAt                time.Time      `json:"updated_at"`
	WorkspaceID              string         `json:"workspace_id"`
	OrganizationID           string         `json:"organization_id"`
	OrganizationMembershipID string         `json:"organization_membership_id"`
	UserID                   string         `json:"user_id"`
	PublicMetadata           map[string]any `json:"public_metadata"`
	Roles                    []roleView     `json:"roles"`
	Workspace                workspaceView  `json:"workspace"`
}

func (s *Server) userOrgMemberships(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		ms := oldestFirst(st.orgMembers, func(m *member) bool { return m.UserID == u.ID })
		return ok(w, whole(viewsOf(ms, func(m *member) userOrgMembershipView {
			return userOrgMembershipView{ID: m.ID, CreatedAt: m.Created, UpdatedAt: m.Updated, OrganizationID: m.Scope,
				UserID: m.UserID, PublicMetadata: copyMap(m.PublicMetadata), Roles: st.roleViews(st.orgRoles, m.RoleIDs), Organization: st.orgView(st.orgs[m.Scope])}
		})))
	})
}

func (s *Server) userWorkspaceMemberships(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		ms := oldestFirst(st.wsMembers, func(m *member) bool { return m.UserID == u.ID })
		return ok(w, whole(viewsOf(ms, func(m *member) userWsMembershipView {
			ws := st.workspaces[m.Scope]
			return userWsMembershipView{ID: m.ID, CreatedAt: m.Created, UpdatedAt: m.Updated, WorkspaceID: ws.ID,
				OrganizationID: ws.OrgID, OrganizationMembershipID: m.OrgMembershipID, UserID: m.UserID,
				PublicMetadata: copyMap(m.PublicMetadata), Roles: st.roleViews(st.wsRoles, m.RoleIDs), Workspace: st.workspaceView(ws)}
		})))
	})
}
