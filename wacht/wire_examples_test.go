package wacht

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract/corrections"
)

// The four wire facts issue 16 started from, each checked end to end
// against a server that answers what the real one does. Every test here
// failed on the client generated from the uncorrected document.

// fixtureBody returns the server-shaped 200 body the audit wrote for an
// operation (internal/contract/corrections/*.json).
func fixtureBody(t *testing.T, operation string) string {
	t.Helper()
	set, err := corrections.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range set.Fixtures {
		if fx.Operation == operation && fx.Status == http.StatusOK {
			return string(fx.Body)
		}
	}
	t.Fatalf("no fixture for %s", operation)
	return ""
}

// TestListUsersSendsSortValuesTheServerAccepts: GET /users reads sort_key
// and sort_order with FromStr, which accepts only
// created_at|username|email|phone_number and asc|desc
// (dto/src/query/deployment.rs, dto/src/query/sort.rs). The published
// document listed the Rust variant names (CreatedAt, Asc), which the server
// rejects with 400.
func TestListUsersSendsSortValuesTheServerAccepts(t *testing.T) {
	var key, order string
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		key, order = r.URL.Query().Get("sort_key"), r.URL.Query().Get("sort_order")
		writeJSON(w, 200, `{"data":[],"has_more":false,"limit":20,"offset":0}`)
	}, serverOptions{})
	c := newTestClient(t, ts, Config{})
	_, err := c.Users.List(context.Background(), ListUsersParams{SortKey: ActiveUserListSortKeyPhoneNumber, SortOrder: SortOrderDesc})
	if err != nil {
		t.Fatal(err)
	}
	if key != "phone_number" || order != "desc" {
		t.Errorf("sent sort_key=%q sort_order=%q, want phone_number and desc", key, order)
	}
	for _, k := range []ActiveUserListSortKey{ActiveUserListSortKeyCreatedAt, ActiveUserListSortKeyUsername, ActiveUserListSortKeyEmail} {
		if k != "created_at" && k != "username" && k != "email" {
			t.Errorf("sort key constant %q is not a value the server parses", k)
		}
	}
	if SortOrderAsc != "asc" {
		t.Errorf("SortOrderAsc = %q, want asc", SortOrderAsc)
	}
}

// TestHasMoreEnvelopeWithoutTotal: every list is {data, has_more, limit?,
// offset?} (platform/src/application/response.rs:126-137); nothing sends a
// total. A full last page with has_more false is the end: the walk stops
// there instead of asking for an empty page.
func TestHasMoreEnvelopeWithoutTotal(t *testing.T) {
	pages := map[string]string{
		"0": `{"data":[` + userJSON + `,` + userJSON + `],"has_more":true,"limit":2,"offset":0}`,
		"2": `{"data":[` + userJSON + `,` + userJSON + `],"has_more":false,"limit":2,"offset":2}`,
	}
	var asked []string
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		off := r.URL.Query().Get("offset")
		if off == "" {
			off = "0"
		}
		asked = append(asked, off)
		body, ok := pages[off]
		if !ok {
			body = `{"data":[],"has_more":false,"limit":2,"offset":` + off + `}`
		}
		writeJSON(w, 200, body)
	}, serverOptions{})
	c := newTestClient(t, ts, Config{})
	n := 0
	for _, err := range c.Users.All(context.Background(), ListUsersParams{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 4 || len(asked) != 2 {
		t.Errorf("walked %d users in pages at offsets %v, want 4 users in pages [0 2]", n, asked)
	}
	page, err := c.Users.List(context.Background(), ListUsersParams{Limit: 2, Offset: 2})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(page)
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	if _, hasTotal := m["total"]; hasTotal || m["has_more"] != false || m["offset"] != float64(2) {
		t.Errorf("page re-encodes as %s, want has_more false, offset 2 and no total", out)
	}
}

// TestCreateAndRotateKeyReturnFlattenedSecret: ApiKeyWithSecret has
// #[serde(flatten)] key (models/src/api_key.rs:389-392), so the key's fields and
// secret sit at the top level. The old client read a nested "key" object
// and came back with an empty key.
func TestCreateAndRotateKeyReturnFlattenedSecret(t *testing.T) {
	for _, op := range []string{"POST /api-auth/apps/{app_slug}/keys", "POST /api-auth/apps/{app_slug}/keys/{key_id}/rotate"} {
		body := fixtureBody(t, op)
		ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, body) }, serverOptions{})
		c := newTestClient(t, ts, Config{})
		ctx := context.Background()
		var got any
		var err error
		if op == "POST /api-auth/apps/{app_slug}/keys" {
			got, err = c.APIAuth.CreateKey(ctx, "billing-api", CreateAPIKeyRequest{Name: "ci deploy key"})
		} else {
			got, err = c.APIAuth.RotateKey(ctx, "billing-api", "7213001188877058048")
		}
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		// Compare through JSON so the check reads the same on any shape of
		// the Go type: the key's id, name and the secret must all be there.
		out, _ := json.Marshal(got)
		var m map[string]any
		_ = json.Unmarshal(out, &m)
		if m["id"] != "7213001188877058048" || m["name"] != "ci deploy key" || m["app_slug"] != "billing-api" {
			t.Errorf("%s: key fields not populated: %s", op, out)
		}
		if s, _ := m["secret"].(string); len(s) < 20 {
			t.Errorf("%s: secret missing: %s", op, out)
		}
	}
}

// TestIDTypes: ids go out as JSON strings (i64_as_string) with exceptions:
// rate-limit schemes are plain i64 numbers (queries/src/rate_limit_scheme.rs:8).
// Path ids the server parses as i64 must be decimal.
func TestIDTypes(t *testing.T) {
	bodies := map[string]string{
		"/api-auth/rate-limit-schemes":                               fixtureBody(t, "GET /api-auth/rate-limit-schemes"),
		"/api-auth/apps/billing-api/keys/7213001188877058048/rotate": fixtureBody(t, "POST /api-auth/apps/{app_slug}/keys/{key_id}/rotate"),
	}
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, bodies[r.URL.Path]) }, serverOptions{})
	c := newTestClient(t, ts, Config{})
	ctx := context.Background()

	schemes, err := c.APIAuth.ListRateLimitSchemes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(schemes)
	var list struct {
		Schemes []map[string]any `json:"schemes"`
	}
	_ = json.Unmarshal(out, &list)
	if len(list.Schemes) != 1 {
		t.Fatalf("schemes = %s", out)
	}
	if _, isNumber := list.Schemes[0]["id"].(float64); !isNumber {
		t.Errorf("rate-limit scheme id re-encodes as %T, want a number", list.Schemes[0]["id"])
	}

	key, err := c.APIAuth.RotateKey(ctx, "billing-api", "7213001188877058048")
	if err != nil {
		t.Fatal(err)
	}
	out, _ = json.Marshal(key)
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	for _, k := range []string{"id", "deployment_id"} {
		if s, isString := m[k].(string); !isString || s == "" {
			t.Errorf("API key %s re-encodes as %v, want a decimal string", k, m[k])
		}
	}
}
