package wachttest

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// jwtTemplate is models::DeploymentJwtTemplate
// (models/src/deployment_jwt_template.rs:13). The server writes
// custom_signing_key back with its key material, so the emulator does too.
type jwtTemplate struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	TokenLifetime    int64             `json:"token_lifetime"`
	AllowedClockSkew int64             `json:"allowed_clock_skew"`
	CustomSigningKey *customSigningKey `json:"custom_signing_key"`
	Template         any               `json:"template"`
	DeploymentID     string            `json:"deployment_id"`
	Created          time.Time         `json:"created_at"`
	Updated          time.Time         `json:"updated_at"`
}

type customSigningKey struct {
	Enabled   bool   `json:"enabled"`
	Key       string `json:"key"`
	Algorithm string `json:"algorithm"`
}

func (t *jwtTemplate) createdAt() time.Time { return t.Created }
func (t *jwtTemplate) key() string          { return t.ID }

// The server's message names the deployment too
// (commands/src/deployment/deployment_jwt_templates.rs:147,201).
func (st *store) jwtTemplate(id string) (*jwtTemplate, error) {
	t, ok := st.jwtTemplates[id]
	if !ok {
		return nil, notFound("JWT template " + id + " not found in deployment " + DeploymentID)
	}
	return t, nil
}

// listJWTTemplates is get_deployment_jwt_templates
// (platform/src/api/settings.rs:79): the whole list, unpaginated.
func (s *Server) listJWTTemplates(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		return ok(w, whole(viewsOf(oldestFirst(st.jwtTemplates, nil), func(t *jwtTemplate) jwtTemplate { return *t })))
	})
}

// createJWTTemplate takes NewDeploymentJwtTemplate
// (dto/src/json/deployment_settings.rs:165): name, token_lifetime,
// allowed_clock_skew and template are required, custom_signing_key is
// optional.
func (s *Server) createJWTTemplate(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name             string            `json:"name"`
		TokenLifetime    int64             `json:"token_lifetime"`
		AllowedClockSkew int64             `json:"allowed_clock_skew"`
		CustomSigningKey *customSigningKey `json:"custom_signing_key"`
		Template         any               `json:"template"`
	}
	if err := bindJSON(r, &body, "name", "token_lifetime", "allowed_clock_skew", "template"); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		now := time.Now().UTC()
		t := &jwtTemplate{ID: st.newID(), Name: body.Name, TokenLifetime: body.TokenLifetime, AllowedClockSkew: body.AllowedClockSkew,
			CustomSigningKey: body.CustomSigningKey, Template: body.Template, DeploymentID: DeploymentID, Created: now, Updated: now}
		st.jwtTemplates[t.ID] = t
		return ok(w, t)
	})
}

// updateJWTTemplate takes PartialDeploymentJwtTemplate, every field
// optional (dto/src/json/deployment_settings.rs:174).
func (s *Server) updateJWTTemplate(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name             *string           `json:"name"`
		TokenLifetime    *int64            `json:"token_lifetime"`
		AllowedClockSkew *int64            `json:"allowed_clock_skew"`
		CustomSigningKey *customSigningKey `json:"custom_signing_key"`
		Template         any               `json:"template"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return within(s, r, "id", (*store).jwtTemplate, func(st *store, t *jwtTemplate) error {
		assign(&t.Name, body.Name)
		assign(&t.TokenLifetime, body.TokenLifetime)
		assign(&t.AllowedClockSkew, body.AllowedClockSkew)
		if body.CustomSigningKey != nil {
			t.CustomSigningKey = body.CustomSigningKey
		}
		if body.Template != nil {
			t.Template = body.Template
		}
		t.Updated = time.Now().UTC()
		return ok(w, t)
	})
}

func (s *Server) deleteJWTTemplate(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "id", (*store).jwtTemplate, func(st *store, t *jwtTemplate) error {
		delete(st.jwtTemplates, t.ID)
		return ok(w, empty{})
	})
}

// segment is models::Segment (models/src/segments.rs): deleted segments
// are soft-deleted on the server and never listed, so deleted_at is never
// written here.
type segment struct {
	ID      string
	Name    string
	Type    string // organization, workspace or user
	Created time.Time
	Updated time.Time
	Members map[string]bool // entity ids assigned
}

type segmentView struct {
	ID           string    `json:"id"`
	Created      time.Time `json:"created_at"`
	Updated      time.Time `json:"updated_at"`
	DeploymentID string    `json:"deployment_id"`
	Name         string    `json:"name"`
	Type         string    `json:"type"`
}

func (sg *segment) createdAt() time.Time { return sg.Created }
func (sg *segment) key() string          { return sg.ID }

func (sg *segment) view() segmentView {
	return segmentView{ID: sg.ID, Created: sg.Created, Updated: sg.Updated, DeploymentID: DeploymentID, Name: sg.Name, Type: sg.Type}
}

// The server's message: "Segment not found" (commands/src/segments.rs:142).
func (st *store) segment(id string) (*segment, error) {
	sg, ok := st.segments[id]
	if !ok {
		return nil, notFound("Segment not found")
	}
	return sg, nil
}

// segmentsOf lists the segments entity id of kind typ is in, newest
// first: what user, organization and workspace details show
// (queries/src/b2b.rs:384, queries/src/user/details.rs:151).
func (st *store) segmentsOf(typ, id string) []segmentView {
	in := oldestFirst(st.segments, func(sg *segment) bool { return sg.Type == typ && sg.Members[id] })
	slices.Reverse(in)
	return viewsOf(in, (*segment).view)
}

// listSegments is list_segments (platform/src/api/segments.rs:163,
// queries/src/segments.rs:33): limit defaults to 20 and is clamped to
// 1..100, a negative offset counts as 0; search is a name ILIKE; sort_key
// name, created_at or type, sorted ascending unless sort_order is
// exactly "desc", and any other key (or none) is newest first.
func (s *Server) listSegments(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset := 20, 0
	if err := queryInts(r, true, map[string]*int{"limit": &limit, "offset": &offset}); err != nil {
		return err
	}
	limit, offset = min(max(limit, 1), 100), max(offset, 0)
	return s.locked(func(st *store) error {
		all := oldestFirst(st.segments, func(sg *segment) bool {
			return q.Get("search") == "" || containsFold(sg.Name, q.Get("search"))
		})
		desc := q.Get("sort_order") == "desc"
		var val func(*segment) string
		switch q.Get("sort_key") {
		case "name":
			val = func(sg *segment) string { return sg.Name }
		case "type":
			val = func(sg *segment) string { return sg.Type }
		case "created_at":
		default:
			desc = true
		}
		slices.SortStableFunc(all, func(a, b *segment) int {
			if val != nil {
				if c := strings.Compare(val(a), val(b)); c != 0 {
					return c
				}
			}
			return byCreation(a, b)
		})
		if desc {
			slices.Reverse(all)
		}
		return ok(w, listOf(viewsOf(all, (*segment).view), pageParams{Limit: limit, Offset: offset}))
	})
}

// validSegmentType is validate_segment_type
// (platform/src/application/segments.rs:10).
func validSegmentType(t string) error {
	switch t {
	case "organization", "workspace", "user":
		return nil
	}
	return badRequest("Invalid segment type. Must be 'organization', 'workspace', or 'user'")
}

func (s *Server) createSegment(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	if err := bindJSON(r, &body, "name", "type"); err != nil {
		return err
	}
	if err := validSegmentType(body.Type); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		now := time.Now().UTC()
		sg := &segment{ID: st.newID(), Name: body.Name, Type: body.Type, Created: now, Updated: now, Members: map[string]bool{}}
		st.segments[sg.ID] = sg
		return ok(w, sg.view())
	})
}

func (s *Server) updateSegment(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name *string `json:"name"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return within(s, r, "id", (*store).segment, func(st *store, sg *segment) error {
		assign(&sg.Name, body.Name)
		sg.Updated = time.Now().UTC()
		return ok(w, sg.view())
	})
}

type success struct {
	Success bool `json:"success"`
}

// deleteSegment soft-deletes the segment and drops its assignments
// (commands/src/segments.rs:196).
func (s *Server) deleteSegment(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "id", (*store).segment, func(st *store, sg *segment) error {
		delete(st.segments, sg.ID)
		return ok(w, success{true})
	})
}

// assignSegment and removeSegment take AssignEntityRequest, whose
// entity_id goes through common's i64_as_string: a string of digits only
// (platform/src/api/segments.rs:52). Assigning needs the entity to exist
// with the segment's type, else a 404 naming the type
// (commands/src/segments.rs:362-378); assigning twice is a no-op.
func (s *Server) segmentEntity(r *http.Request) (string, error) {
	var body struct {
		EntityID string `json:"entity_id"`
	}
	if err := bindJSON(r, &body, "entity_id"); err != nil {
		return "", err
	}
	n, err := strconv.ParseInt(body.EntityID, 10, 64)
	if err != nil {
		return "", jsonData("entity_id: invalid digit found in string")
	}
	return strconv.FormatInt(n, 10), nil
}

func (s *Server) assignSegment(w http.ResponseWriter, r *http.Request) error {
	id, err := s.segmentEntity(r)
	if err != nil {
		return err
	}
	return within(s, r, "id", (*store).segment, func(st *store, sg *segment) error {
		var exists bool
		switch sg.Type {
		case "organization":
			_, exists = st.orgs[id]
		case "workspace":
			_, exists = st.workspaces[id]
		case "user":
			_, exists = st.users[id]
		}
		if !exists {
			return notFound(strings.ToUpper(sg.Type[:1]) + sg.Type[1:] + " not found")
		}
		sg.Members[id] = true
		return ok(w, success{true})
	})
}

func (s *Server) removeSegment(w http.ResponseWriter, r *http.Request) error {
	id, err := s.segmentEntity(r)
	if err != nil {
		return err
	}
	return within(s, r, "id", (*store).segment, func(st *store, sg *segment) error {
		delete(sg.Members, id)
		return ok(w, success{true})
	})
}

type analyzedEntity struct {
	ID        string  `json:"id"`
	Name      *string `json:"name"`
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
}

// segmentData is GetSegmentDataQuery (queries/src/segments.rs:93): the
// entities of target_type, narrowed to the members of filters.segment_id
// and by the name (for users also email and phone) filters, as ILIKE
// substrings. The whole list is answered, unpaginated.
func (s *Server) segmentData(w http.ResponseWriter, r *http.Request) error {
	type nameFilter struct {
		Name  *string `json:"name"`
		Email *string `json:"email"`
		Phone *string `json:"phone"`
	}
	var body struct {
		TargetType string `json:"target_type"`
		Filters    *struct {
			User         *nameFilter `json:"user"`
			Organization *nameFilter `json:"organization"`
			Workspace    *nameFilter `json:"workspace"`
			SegmentID    *string     `json:"segment_id"`
		} `json:"filters"`
	}
	if err := bindJSON(r, &body, "target_type"); err != nil {
		return err
	}
	if body.TargetType != "organization" && body.TargetType != "workspace" && body.TargetType != "user" {
		return badRequest("Invalid target type")
	}
	var filter *nameFilter
	var segmentID string
	if f := body.Filters; f != nil {
		filter = map[string]*nameFilter{"user": f.User, "organization": f.Organization, "workspace": f.Workspace}[body.TargetType]
		if f.SegmentID != nil {
			n, err := strconv.ParseInt(*f.SegmentID, 10, 64)
			if err != nil {
				return jsonData("filters.segment_id: invalid digit found in string")
			}
			segmentID = strconv.FormatInt(n, 10)
		}
	}
	matches := func(field *string, values ...string) bool {
		if field == nil || strings.TrimSpace(*field) == "" {
			return true
		}
		return slices.ContainsFunc(values, func(v string) bool { return containsFold(v, strings.TrimSpace(*field)) })
	}
	return s.locked(func(st *store) error {
		var members map[string]bool
		if segmentID != "" {
			members = map[string]bool{}
			if sg, ok := st.segments[segmentID]; ok && sg.Type == body.TargetType {
				members = sg.Members
			}
		}
		in := func(id string) bool { return members == nil || members[id] }
		out := []analyzedEntity{}
		switch body.TargetType {
		case "organization":
			for _, o := range oldestFirst(st.orgs, func(o *org) bool { return in(o.ID) }) {
				if filter == nil || matches(filter.Name, o.Name) {
					out = append(out, analyzedEntity{ID: o.ID, Name: ptr(o.Name)})
				}
			}
		case "workspace":
			for _, ws := range oldestFirst(st.workspaces, func(ws *workspace) bool { return in(ws.ID) }) {
				if filter == nil || matches(filter.Name, ws.Name) {
					out = append(out, analyzedEntity{ID: ws.ID, Name: ptr(ws.Name)})
				}
			}
		case "user":
			for _, u := range oldestFirst(st.users, func(u *user) bool { return in(u.ID) }) {
				var emails, phones []string
				for _, e := range u.Emails {
					emails = append(emails, e.Address)
				}
				for _, p := range u.Phones {
					phones = append(phones, p.Number)
				}
				if filter == nil || matches(filter.Name, u.FirstName+" "+u.LastName, u.Username) &&
					matches(filter.Email, emails...) && matches(filter.Phone, phones...) {
					out = append(out, analyzedEntity{ID: u.ID, FirstName: ptr(u.FirstName), LastName: ptr(u.LastName)})
				}
			}
		}
		return ok(w, whole(out))
	})
}

// dropSegmentMember removes a deleted entity from every segment, as the
// server's foreign keys cascade.
func (st *store) dropSegmentMember(id string) {
	for sg := range maps.Values(st.segments) {
		delete(sg.Members, id)
	}
}

// queryInts reads the named integer query parameters into their
// destinations, leaving absent ones as they are. A value that is not a
// decimal number, or is negative where the server's type is unsigned, is
// the Query extractor's 400.
func queryInts(r *http.Request, negativeOK bool, dsts map[string]*int) error {
	q := r.URL.Query()
	for name, dst := range dsts {
		if !q.Has(name) {
			continue
		}
		n, err := strconv.ParseInt(q.Get(name), 10, 64)
		if err != nil || n < 0 && !negativeOK {
			return queryRejection(name + ": invalid digit found in string")
		}
		*dst = int(n)
	}
	return nil
}
