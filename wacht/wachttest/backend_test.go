package wachttest

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract"
)

func TestWrongAPIKeyIs401(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	for _, key := range []string{"wrong", s.APIKey + "x"} {
		c := newClient(t, s)
		c.key = key
		code, body := c.get("/users")
		if code != http.StatusUnauthorized {
			t.Fatalf("key %q: status %d", key, code)
		}
		if msg := errorMessage(t, body, 401); strings.Contains(msg, s.APIKey) || strings.Contains(msg, key) {
			t.Errorf("401 message echoes a key: %q", msg)
		}
	}
	code, body := newClient(t, s).get("/users")
	mustOK(t, code, body)
}

func TestUsersLifecycle(t *testing.T) {
	s := newChecked(t, Options{})
	c := newClient(t, s)
	code, body := c.form(http.MethodPost, "/users", map[string]string{
		"first_name": "Mary", "last_name": "Jackson", "email_address": "mary@example.com", "username": "mary", "password": "correct horse",
	})
	u := mustOK(t, code, body)
	id, _ := u["id"].(string)
	if id == "" || u["primary_email_address"] != "mary@example.com" || u["username"] != "mary" {
		t.Fatalf("created user %v", u)
	}
	// Conflicts: same email, same username.
	code, body = c.form(http.MethodPost, "/users", map[string]string{"first_name": "M", "last_name": "J", "email_address": "MARY@example.com"})
	if code != http.StatusConflict {
		t.Fatalf("duplicate email: %d", code)
	}
	errorMessage(t, body, 409)
	code, _ = c.form(http.MethodPost, "/users", map[string]string{"first_name": "M", "last_name": "J", "username": "mary"})
	if code != http.StatusConflict {
		t.Fatalf("duplicate username: %d", code)
	}
	// 400: missing required field.
	code, body = c.form(http.MethodPost, "/users", map[string]string{"first_name": "", "last_name": "J"})
	if code != http.StatusBadRequest {
		t.Fatalf("empty first name: %d", code)
	}
	errorMessage(t, body, 400)

	code, body = c.form(http.MethodPatch, "/users/"+id, map[string]string{"last_name": "Jackson-Smith", "public_metadata": `{"team":"nasa"}`, "second_factor_policy": "optional"})
	d := mustOK(t, code, body)
	if d["last_name"] != "Jackson-Smith" || d["second_factor_policy"] != "optional" || d["public_metadata"].(map[string]any)["team"] != "nasa" {
		t.Fatalf("updated %v", d)
	}
	code, _ = c.form(http.MethodPatch, "/users/"+id, map[string]string{"second_factor_policy": "sometimes"})
	if code != http.StatusBadRequest {
		t.Fatalf("bad policy: %d", code)
	}

	// Emails and phones.
	code, body = c.json(http.MethodPost, "/users/"+id+"/emails", map[string]any{"email": "mj@example.com", "verified": true})
	e := mustOK(t, code, body)
	eid := e["id"].(string)
	if e["is_primary"] != false {
		t.Errorf("second email became primary: %v", e)
	}
	code, _ = c.json(http.MethodPost, "/users/"+id+"/emails", map[string]any{"email": "mj@example.com"})
	if code != http.StatusConflict {
		t.Errorf("duplicate email: %d", code)
	}
	c.mustJSON(http.MethodPost, "/users/"+id+"/emails/"+eid+"/make-primary", nil)
	code, body = c.get("/users/" + id + "/details")
	d = mustOK(t, code, body)
	if d["primary_email_address"] != "mj@example.com" || d["primary_email_address_id"] != eid || len(d["email_addresses"].([]any)) != 2 {
		t.Fatalf("details after make-primary: %v", d)
	}
	code, body = c.json(http.MethodPost, "/users/"+id+"/phones", map[string]any{"phone_number": "+15555550100", "country_code": "US"})
	p := mustOK(t, code, body)
	pid := p["id"].(string)
	c.mustJSON(http.MethodPatch, "/users/"+id+"/phones/"+pid, map[string]any{"verified": true})
	c.mustJSON(http.MethodPatch, "/users/"+id+"/emails/"+eid, map[string]any{"verified": false})
	c.mustJSON(http.MethodDelete, "/users/"+id+"/emails/"+eid, nil)
	code, body = c.get("/users/" + id + "/details")
	d = mustOK(t, code, body)
	if d["primary_email_address"] != "mary@example.com" || d["primary_phone_number"] != "+15555550100" {
		t.Fatalf("primary after delete: %v", d)
	}
	c.mustJSON(http.MethodDelete, "/users/"+id+"/phones/"+pid, nil)
	if code, _ := c.json(http.MethodDelete, "/users/"+id+"/phones/"+pid, nil); code != http.StatusNotFound {
		t.Errorf("deleting a deleted phone: %d", code)
	}

	c.mustJSON(http.MethodDelete, "/users/"+id, nil)
	code, body = c.get("/users/" + id + "/details")
	if code != http.StatusNotFound {
		t.Fatalf("deleted user: %d", code)
	}
	errorMessage(t, body, 404)
}

func TestUserListPaginationSearchSort(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	c := newClient(t, s)
	for i := range 12 {
		c.mustForm(http.MethodPost, "/users", map[string]string{
			"first_name": fmt.Sprintf("Page%02d", i), "last_name": "Tester", "email_address": fmt.Sprintf("page%02d@example.net", i),
			"username": fmt.Sprintf("zz%02d", i),
		})
	}
	code, body := c.get("/users")
	first := mustOK(t, code, body)
	// paginate_results (platform/src/api/pagination.rs:5): has_more, the
	// limit and offset used, and no total.
	if _, hasTotal := first["total"]; hasTotal || first["has_more"] != true || first["limit"] != float64(10) || first["offset"] != float64(0) || len(first["data"].([]any)) != 10 {
		t.Fatalf("default page: %v", first)
	}
	// Walk all pages with limit 4: every user exactly once.
	var seen []string
	for off := 0; ; off += 4 {
		code, body := c.get(fmt.Sprintf("/users?limit=4&offset=%d", off))
		page := mustOK(t, code, body)
		got := ids(t, page, "data")
		if len(got) == 0 {
			break
		}
		seen = append(seen, got...)
	}
	if len(seen) != 15 {
		t.Fatalf("walked %d users, want 15", len(seen))
	}
	sorted := slices.Clone(seen)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != 15 {
		t.Fatalf("pages overlap: %v", seen)
	}
	// Default order is newest first: the seeded users come last.
	if seen[14] != SeedUserID {
		t.Errorf("oldest user last: got %v", seen[12:])
	}
	code, body = c.get("/users?search=example.net&limit=100")
	if got := mustOK(t, code, body); count(t, got) != 12 || got["has_more"] != false {
		t.Errorf("search: %v", got)
	}
	code, body = c.get("/users?search=LOVELACE")
	if got := ids(t, mustOK(t, code, body), "data"); !slices.Equal(got, []string{SeedUserID}) {
		t.Errorf("search by last name: %v", got)
	}
	// sort_key and sort_order are parsed with FromStr, snake_case and
	// lower case (dto/src/query/deployment.rs:24, dto/src/query/sort.rs:22).
	code, body = c.get("/users?sort_key=username&sort_order=asc&limit=3")
	page := mustOK(t, code, body)["data"].([]any)
	if page[0].(map[string]any)["username"] != "ada" || page[1].(map[string]any)["username"] != "grace" || page[2].(map[string]any)["username"] != "zz00" {
		t.Errorf("sort by username: %v", page)
	}
	// A user without a username has NULL, which Postgres sorts last
	// ascending and so first descending.
	code, body = c.get("/users?sort_key=username&sort_order=desc&limit=1")
	if got := mustOK(t, code, body)["data"].([]any)[0].(map[string]any); got["id"] != SeedUser3ID || got["username"] != nil {
		t.Errorf("sort by username desc: %v", got)
	}
	code, body = c.get("/users?sort_key=email&sort_order=desc&limit=1")
	if got := mustOK(t, code, body)["data"].([]any)[0].(map[string]any)["primary_email_address"]; got != "page11@example.net" {
		t.Errorf("sort by email desc: %v", got)
	}
	code, body = c.get("/users?offset=-1")
	mustReject(t, code, body, http.StatusBadRequest, "Bad request")
	code, body = c.get("/users?offset=100")
	if got := mustOK(t, code, body); len(got["data"].([]any)) != 0 || got["has_more"] != false || got["offset"] != float64(100) {
		t.Errorf("offset past the end: %v", got)
	}
}

func TestOrganizationsWorkspacesMembersRoles(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	c := newClient(t, s)
	code, body := c.form(http.MethodPost, "/organizations", map[string]string{"name": "Initech", "private_metadata": `{"crm":"42"}`})
	o := mustOK(t, code, body)
	oid := o["id"].(string)
	if o["member_count"] != float64(0) || o["private_metadata"].(map[string]any)["crm"] != "42" {
		t.Fatalf("created org %v", o)
	}
	code, body = c.get("/organizations?search=initech")
	if got := ids(t, mustOK(t, code, body), "data"); !slices.Equal(got, []string{oid}) {
		t.Fatalf("org search %v", got)
	}
	code, body = c.get("/organizations?sort_key=name&sort_order=asc")
	if got := ids(t, mustOK(t, code, body), "data"); !slices.Equal(got, []string{SeedOrganizationID, oid}) {
		t.Fatalf("org sort by name %v", got)
	}
	// Organizations take sort_key as a free string: an unknown one sorts
	// by created_at, newest first (queries/src/b2b.rs:148).
	code, body = c.get("/organizations?sort_key=color")
	if got := ids(t, mustOK(t, code, body), "data"); !slices.Equal(got, []string{oid, SeedOrganizationID}) {
		t.Errorf("unknown sort key: %v", got)
	}

	// Roles: deployment-level roles are listed; custom roles can be added.
	code, body = c.json(http.MethodPost, "/organizations/"+oid+"/roles", map[string]any{"name": "Auditor", "permissions": []string{"audit:read"}})
	rid := mustOK(t, code, body)["id"].(string)
	if code, _ := c.json(http.MethodPost, "/organizations/"+oid+"/roles", map[string]any{"name": "auditor", "permissions": []string{}}); code != http.StatusConflict {
		t.Errorf("duplicate role name: %d", code)
	}
	code, body = c.get("/organizations/" + oid + "/roles")
	if got := ids(t, mustOK(t, code, body), "data"); !slices.Equal(got, []string{DeploymentOrgAdminRoleID, DeploymentOrgMemberRoleID, rid}) {
		t.Errorf("org roles %v", got)
	}
	code, body = c.json(http.MethodPatch, "/organizations/"+oid+"/roles/"+rid, map[string]any{"permissions": []string{"audit:read", "audit:export"}})
	if p := mustOK(t, code, body)["permissions"].([]any); len(p) != 2 {
		t.Errorf("role update %v", p)
	}
	if code, _ := c.json(http.MethodDelete, "/organizations/"+oid+"/roles/"+DeploymentOrgAdminRoleID, nil); code != http.StatusBadRequest {
		t.Errorf("deleting a deployment role: %d", code)
	}

	// Members.
	code, body = c.json(http.MethodPost, "/organizations/"+oid+"/members", map[string]any{"user_id": SeedUser3ID, "role_ids": []string{rid}})
	m := mustOK(t, code, body)
	mid := m["id"].(string)
	if m["first_name"] != "Alan" || m["organization_id"] != oid || len(m["roles"].([]any)) != 1 {
		t.Fatalf("member %v", m)
	}
	if code, _ := c.json(http.MethodPost, "/organizations/"+oid+"/members", map[string]any{"user_id": SeedUser3ID, "role_ids": []string{}}); code != http.StatusConflict {
		t.Errorf("duplicate member: %d", code)
	}
	if code, _ := c.json(http.MethodPost, "/organizations/"+oid+"/members", map[string]any{"user_id": "999999", "role_ids": []string{}}); code != http.StatusBadRequest {
		t.Errorf("unknown user: %d", code)
	}
	c.mustJSON(http.MethodPost, "/organizations/"+oid+"/members/"+mid+"/roles/"+DeploymentOrgMemberRoleID, nil)
	if code, _ := c.json(http.MethodPost, "/organizations/"+oid+"/members/"+mid+"/roles/"+DeploymentOrgMemberRoleID, nil); code != http.StatusConflict {
		t.Errorf("role added twice: %d", code)
	}
	c.mustJSON(http.MethodDelete, "/organizations/"+oid+"/members/"+mid+"/roles/"+rid, nil)
	c.mustJSON(http.MethodPatch, "/organizations/"+oid+"/members/"+mid, map[string]any{"public_metadata": map[string]any{"title": "cryptanalyst"}})
	code, body = c.get("/organizations/" + oid + "/members?search=turing")
	list := mustOK(t, code, body)
	if count(t, list) != 1 || list["has_more"] != false || list["limit"] != float64(20) {
		t.Fatalf("member search %v", list)
	}
	mem := list["data"].([]any)[0].(map[string]any)
	if r := mem["roles"].([]any); len(r) != 1 || r[0].(map[string]any)["id"] != DeploymentOrgMemberRoleID || mem["public_metadata"].(map[string]any)["title"] != "cryptanalyst" {
		t.Errorf("member after role changes %v", mem)
	}
	code, body = c.get("/users/" + SeedUser3ID + "/organization-memberships")
	// A list the server builds from a plain Vec is {data, has_more:
	// false}, without limit or offset (response.rs:139).
	if got := mustOK(t, code, body); count(t, got) != 1 || got["limit"] != nil || got["data"].([]any)[0].(map[string]any)["organization"].(map[string]any)["member_count"] != float64(1) {
		t.Errorf("user org memberships %v", got)
	}

	// Workspaces.
	code, body = c.form(http.MethodPost, "/organizations/"+oid+"/workspaces", map[string]string{"name": "Initech Staging"})
	wid := mustOK(t, code, body)["id"].(string)
	if code, _ := c.json(http.MethodPost, "/workspaces/"+wid+"/members", map[string]any{"user_id": SeedUser2ID, "role_ids": []string{}}); code != http.StatusBadRequest {
		t.Errorf("non-org-member joined a workspace: %d", code)
	}
	code, body = c.json(http.MethodPost, "/workspaces/"+wid+"/roles", map[string]any{"name": "Operator", "permissions": []string{"deploy:write"}})
	wrid := mustOK(t, code, body)["id"].(string)
	code, body = c.json(http.MethodPost, "/workspaces/"+wid+"/members", map[string]any{"user_id": SeedUser3ID, "role_ids": []string{wrid}})
	wmid := mustOK(t, code, body)["id"].(string)
	code, body = c.get("/workspaces/" + wid)
	wd := mustOK(t, code, body)
	if wd["organization_id"] != oid || wd["organization_name"] != "Initech" || wd["member_count"] != float64(1) {
		t.Errorf("workspace details %v", wd)
	}
	code, body = c.get("/users/" + SeedUser3ID + "/workspace-memberships")
	if got := mustOK(t, code, body); count(t, got) != 1 || got["data"].([]any)[0].(map[string]any)["organization_membership_id"] != mid {
		t.Errorf("user workspace memberships %v", got)
	}
	code, body = c.form(http.MethodPatch, "/workspaces/"+wid, map[string]string{"description": "pre-prod"})
	if mustOK(t, code, body)["description"] != "pre-prod" {
		t.Error("workspace update lost")
	}
	code, body = c.get("/workspaces?search=initech")
	if got := mustOK(t, code, body); count(t, got) != 1 || got["data"].([]any)[0].(map[string]any)["organization_name"] != "Initech" {
		t.Errorf("workspace list %v", got)
	}
	c.mustJSON(http.MethodPatch, "/workspaces/"+wid+"/members/"+wmid, map[string]any{"role_ids": []string{DeploymentWorkspaceMemberRoleID}})
	c.mustJSON(http.MethodDelete, "/workspaces/"+wid+"/roles/"+wrid, nil)
	c.mustJSON(http.MethodDelete, "/workspaces/"+wid+"/members/"+wmid, nil)
	code, body = c.get("/workspaces/" + wid + "/members")
	if got := mustOK(t, code, body); count(t, got) != 0 {
		t.Errorf("workspace members after removal %v", got)
	}

	// Invitations to the organization.
	code, body = c.json(http.MethodPost, "/organizations/"+oid+"/invitations", map[string]any{"email": "milton@example.com", "role_id": rid, "workspace_id": wid})
	inv := mustOK(t, code, body)
	if inv["organization_name"] != "Initech" || inv["workspace_id"] != wid || inv["token"] == "" {
		t.Errorf("org invitation %v", inv)
	}
	if code, _ := c.json(http.MethodPost, "/organizations/"+oid+"/invitations", map[string]any{"email": "milton@example.com"}); code != http.StatusConflict {
		t.Errorf("duplicate invitation: %d", code)
	}
	c.mustJSON(http.MethodPost, "/organizations/"+oid+"/invitations/"+inv["id"].(string)+"/discard", nil)
	code, body = c.get("/organizations/" + oid + "/invitations")
	if got := mustOK(t, code, body); count(t, got) != 0 {
		t.Errorf("discarded invitation listed %v", got)
	}
	code, body = c.get("/organizations/" + oid + "/invitations?include_deleted=true")
	if got := mustOK(t, code, body); count(t, got) != 1 {
		t.Errorf("include_deleted %v", got)
	}

	// Details and cascade delete.
	code, body = c.get("/organizations/" + oid)
	od := mustOK(t, code, body)
	if len(od["workspaces"].([]any)) != 1 || len(od["roles"].([]any)) != 3 {
		t.Errorf("org details %v", od)
	}
	c.mustJSON(http.MethodDelete, "/organizations/"+oid, nil)
	for _, p := range []string{"/organizations/" + oid, "/workspaces/" + wid, "/organizations/" + oid + "/members"} {
		if code, _ := c.get(p); code != http.StatusNotFound {
			t.Errorf("%s after delete: %d", p, code)
		}
	}
	if code, _ := c.json(http.MethodDelete, "/organizations/"+oid+"/members/"+mid, nil); code != http.StatusNotFound {
		t.Errorf("membership of a deleted org: %d", code)
	}
}

func TestInvitationsAndWaitlist(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	c := newClient(t, s)
	code, body := c.json(http.MethodPost, "/invitations", map[string]any{"first_name": "Hedy", "last_name": "Lamarr", "email_address": "hedy@example.com", "expiry_days": 3})
	inv := mustOK(t, code, body)
	if inv["email_address"] != "hedy@example.com" || inv["deployment_id"] != DeploymentID {
		t.Fatalf("invitation %v", inv)
	}
	if code, _ := c.json(http.MethodPost, "/invitations", map[string]any{"first_name": "H", "last_name": "L", "email_address": "hedy@example.com"}); code != http.StatusConflict {
		t.Errorf("duplicate invitation: %d", code)
	}
	if code, _ := c.json(http.MethodPost, "/invitations", map[string]any{"first_name": "A", "last_name": "L", "email_address": "ada@example.com"}); code != http.StatusConflict {
		t.Errorf("inviting an existing user: %d", code)
	}
	code, body = c.get("/invitations?sort_key=email&sort_order=asc")
	if got := ids(t, mustOK(t, code, body), "data"); !slices.Equal(got, []string{inv["id"].(string), SeedInvitationID}) {
		t.Errorf("invitations by email %v", got)
	}
	c.mustJSON(http.MethodDelete, "/invitations/"+inv["id"].(string), nil)
	if code, _ := c.json(http.MethodDelete, "/invitations/"+inv["id"].(string), nil); code != http.StatusNotFound {
		t.Errorf("deleting twice: %d", code)
	}

	wid, err := s.AddWaitlistEntry("radia@example.com", "Radia", "Perlman")
	if err != nil {
		t.Fatal(err)
	}
	code, body = c.get("/waitlist?search=radia")
	if got := ids(t, mustOK(t, code, body), "data"); !slices.Equal(got, []string{wid}) {
		t.Errorf("waitlist search %v", got)
	}
	code, body = c.json(http.MethodPost, "/waitlist/"+wid+"/approve", nil)
	if got := mustOK(t, code, body); got["email_address"] != "radia@example.com" || got["first_name"] != "Radia" {
		t.Errorf("approval invitation %v", got)
	}
	code, body = c.get("/waitlist")
	if got := ids(t, mustOK(t, code, body), "data"); !slices.Equal(got, []string{SeedWaitlistEntryID}) {
		t.Errorf("waitlist after approval %v", got)
	}
	if code, _ := c.json(http.MethodPost, "/waitlist/"+wid+"/approve", nil); code != http.StatusNotFound {
		t.Errorf("approving twice: %d", code)
	}
}

// TestEveryOperationImplemented holds the emulator to the whole platform
// API: every operation of the document is in backendOps, and none
// answers the 501 the router falls back to. Each is called once with
// placeholder path values and no body, so most answer a 4xx; the answers
// must still keep to the contract.
func TestEveryOperationImplemented(t *testing.T) {
	var mu sync.Mutex
	var responseViolations []error
	s, err := NewServer(Options{Validate: contract.Validate, OnViolation: func(err error) {
		// Requests here carry no bodies or required query parameters,
		// so request violations are expected.
		var v *contract.Violation
		if errors.As(err, &v) && v.Kind == "request" {
			return
		}
		mu.Lock()
		responseViolations = append(responseViolations, err)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	impl := map[string]bool{}
	for _, id := range s.ImplementedOperations() {
		impl[id] = true
	}
	if len(specOperations) != 265 {
		t.Fatalf("the operation table has %d operations, the platform API 265", len(specOperations))
	}
	c := newClient(t, s)
	for _, op := range specOperations {
		if !impl[op.OperationID] {
			t.Errorf("%s %s (%s) is not implemented", op.Method, op.Path, op.OperationID)
		}
		path := op.Path
		for strings.Contains(path, "{") {
			i, j := strings.Index(path, "{"), strings.Index(path, "}")
			path = path[:i] + "1" + path[j+1:]
		}
		if code, body := c.json(op.Method, path, nil); code == http.StatusNotImplemented {
			t.Errorf("%s %s (%s): 501 %v", op.Method, op.Path, op.OperationID, body)
		}
	}
	if len(impl) != len(specOperations) {
		t.Errorf("%d of %d operations implemented", len(impl), len(specOperations))
	}
	for _, v := range responseViolations {
		t.Error(v)
	}
}

// TestOperationTableMatchesContract guards the generated operation table
// against drift from the embedded document.
func TestOperationTableMatchesContract(t *testing.T) {
	doc, err := contract.Platform()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, op := range doc.Operations() {
		want[op.OperationID] = op.Method + " " + op.Path
	}
	if len(want) != len(specOperations) {
		t.Fatalf("contract has %d operations, table %d", len(want), len(specOperations))
	}
	for _, op := range specOperations {
		if want[op.OperationID] != op.Method+" "+op.Path {
			t.Errorf("%s: table %s %s, contract %s", op.OperationID, op.Method, op.Path, want[op.OperationID])
		}
	}
}

func TestUnknownPathIs404InErrorShape(t *testing.T) {
	var got []error
	s, err := NewServer(Options{Validate: contract.Validate, OnViolation: func(err error) { got = append(got, err) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	code, body := newClient(t, s).get("/no/such/thing")
	if code != http.StatusNotFound {
		t.Fatalf("status %d", code)
	}
	errorMessage(t, body, 404)
	if len(got) == 0 {
		t.Error("a request to a path outside the contract was not reported")
	}
}
