package wachttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract"
)

// The tests in this file pin the wire facts of the issue 16 audit
// (internal/contract/corrections/AUDIT.md), each checked against the
// server's source; every one of them failed on the emulator before it
// followed the audit.

// newLenient starts a seeded emulator for tests that send requests
// outside the contract on purpose: request violations are expected, but
// every response must still keep to the (corrected) contract.
func newLenient(t *testing.T) *Server {
	t.Helper()
	var mu sync.Mutex
	var bad []error
	s, err := NewServer(Options{Seed: true, Validate: contract.Validate, OnViolation: func(err error) {
		var v *contract.Violation
		if errors.As(err, &v) && v.Kind == "request" {
			return
		}
		mu.Lock()
		bad = append(bad, err)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		for _, err := range bad {
			t.Error(err)
		}
	})
	return s
}

// GET /users parses sort_key and sort_order with FromStr
// (dto/src/query/deployment.rs:24, dto/src/query/sort.rs:22): only the
// snake_case keys and lower-case orders; anything else is a 400.
func TestUserSortValuesAreTheServersFromStr(t *testing.T) {
	s := newLenient(t)
	c := newClient(t, s)
	for _, q := range []string{"sort_key=created_at", "sort_key=username&sort_order=asc", "sort_key=email&sort_order=desc", "sort_key=phone_number"} {
		code, body := c.get("/users?" + q)
		mustOK(t, code, body)
	}
	for _, q := range []string{"sort_key=Username", "sort_key=CreatedAt", "sort_order=Asc", "sort_order=DESC", "sort_key=first_name"} {
		code, body := c.get("/users?" + q)
		mustReject(t, code, body, http.StatusBadRequest, "Bad request")
	}
	// Invitations and the waitlist take created_at|email the same way.
	code, body := c.get("/invitations?sort_key=email&sort_order=asc")
	mustOK(t, code, body)
	code, body = c.get("/waitlist?sort_key=Email")
	mustReject(t, code, body, http.StatusBadRequest, "Bad request")
}

// Every paginated list is {data, has_more, limit?, offset?} with no total
// (platform/src/application/response.rs:121); lists built from a plain
// Vec have neither limit nor offset (response.rs:139).
func TestListsHaveHasMoreAndNoTotal(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	c := newClient(t, s)
	first := c.mustJSON(http.MethodGet, "/users?limit=2", nil)
	last := c.mustJSON(http.MethodGet, "/users?limit=2&offset=2", nil)
	for name, page := range map[string]map[string]any{"first": first, "last": last} {
		if _, ok := page["total"]; ok {
			t.Errorf("%s page has a total: %v", name, page)
		}
		if page["limit"] != float64(2) {
			t.Errorf("%s page limit %v", name, page["limit"])
		}
	}
	if first["has_more"] != true || first["offset"] != float64(0) || count(t, first) != 2 {
		t.Errorf("first page %v", first)
	}
	if last["has_more"] != false || last["offset"] != float64(2) || count(t, last) != 1 {
		t.Errorf("last page %v", last)
	}
	roles := c.mustJSON(http.MethodGet, "/organizations/"+SeedOrganizationID+"/roles", nil)
	for _, k := range []string{"total", "limit", "offset"} {
		if _, ok := roles[k]; ok {
			t.Errorf("unpaginated list has %q: %v", k, roles)
		}
	}
	if roles["has_more"] != false || count(t, roles) == 0 {
		t.Errorf("roles %v", roles)
	}
}

// Creating and rotating an API key answer ApiKeyWithSecret, whose key is
// #[serde(flatten)] (models/src/api_key.rs:389): the key's fields and
// secret at the top level; key_hash is skip_serializing.
func TestAPIKeyWithSecretIsFlat(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	c := newClient(t, s)
	created := c.mustJSON(http.MethodPost, "/api-auth/apps/"+SeedAPIAppSlug+"/keys", map[string]any{"name": "flat"})
	rotated := c.mustJSON(http.MethodPost, "/api-auth/apps/"+SeedAPIAppSlug+"/keys/"+created["id"].(string)+"/rotate", nil)
	for name, k := range map[string]map[string]any{"created": created, "rotated": rotated} {
		secret, _ := k["secret"].(string)
		id, _ := k["id"].(string)
		if _, nested := k["key"]; nested || id == "" || k["name"] != "flat" || k["app_slug"] != SeedAPIAppSlug {
			t.Errorf("%s key is not flat: %v", name, k)
		}
		if _, leaked := k["key_hash"]; leaked {
			t.Errorf("%s key sends key_hash", name)
		}
		// secret = key_prefix + "_" + base64url(32 bytes), suffix its
		// last 8 characters (commands/src/api_key/key_commands/create.rs:96,104).
		if len(secret) != len("sk_seed_")+43 || secret[:8] != "sk_seed_" || k["key_suffix"] != secret[len(secret)-8:] {
			t.Errorf("%s secret %q, suffix %v", name, secret, k["key_suffix"])
		}
	}
	// Rotation revoked the first key; the new secret is the one that works.
	if code, _ := check(t, s, rotated["secret"].(string)); code != http.StatusOK {
		t.Errorf("rotated secret refused by the gateway: %d", code)
	}
	if created["id"] == rotated["id"] {
		t.Error("rotation kept the key id")
	}
}

// Ids are JSON strings (i64_as_string) except the rate-limit scheme's,
// which RateLimitSchemeData writes as bare numbers
// (queries/src/rate_limit_scheme.rs:8): snowflakes above 2^53 that only an
// int64 decode keeps. Optional ids the server skips when None are absent,
// not null (models/src/api_key.rs:244).
func TestIDTypesAreTheServers(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	c := newClient(t, s)
	raw := c.rawJSON(http.MethodPost, "/api-auth/rate-limit-schemes", map[string]any{
		"slug": "ids", "name": "Ids", "rules": []map[string]any{{"unit": "second", "duration": 1, "max_requests": 5}},
	})
	var exact struct {
		ID           int64 `json:"id"`
		DeploymentID int64 `json:"deployment_id"`
	}
	if err := json.Unmarshal(raw, &exact); err != nil {
		t.Fatalf("scheme id is not a JSON integer: %v (%s)", err, raw)
	}
	if exact.ID <= 1<<53 || exact.DeploymentID != mustInt(t, DeploymentID) {
		t.Errorf("scheme ids %d, %d", exact.ID, exact.DeploymentID)
	}
	got := c.mustJSON(http.MethodGet, "/api-auth/rate-limit-schemes/ids", nil)
	if _, isNumber := got["id"].(float64); !isNumber {
		t.Errorf("scheme id is not a number: %v", got["id"])
	}

	app := c.mustJSON(http.MethodPost, "/api-auth/apps", map[string]any{"app_slug": "ids", "name": "Ids", "key_prefix": "sk_ids", "organization_id": 2001})
	if app["organization_id"] != "2001" || app["deployment_id"] != DeploymentID {
		t.Errorf("app ids %v", app)
	}
	for _, k := range []string{"user_id", "workspace_id", "rate_limit_scheme_slug"} {
		if _, ok := app[k]; ok {
			t.Errorf("unset %s is sent: %v", k, app)
		}
	}
	if v, ok := app["deleted_at"]; !ok || v != nil {
		t.Errorf("deleted_at should be present and null: %v", app)
	}
	u := c.mustJSON(http.MethodGet, "/users/"+SeedUserID+"/details", nil)
	if _, isString := u["id"].(string); !isString {
		t.Errorf("user id is not a string: %v", u["id"])
	}
}

// A body the handler's serde struct cannot take is refused before the
// handler runs, and normalize_error_responses
// (platform/src/application/router.rs:73) turns axum's plain text into the
// JSON error body.
func TestMalformedBodiesAreTheServersRejections(t *testing.T) {
	s := newLenient(t)
	c := newClient(t, s)
	code, body := c.json(http.MethodPost, "/api-auth/apps", map[string]any{"app_slug": "x", "name": "x"})
	mustReject(t, code, body, http.StatusUnprocessableEntity, "Invalid request payload")
	code, body = c.json(http.MethodPost, "/api-auth/apps", map[string]any{"app_slug": "x", "name": "x", "key_prefix": 7})
	mustReject(t, code, body, http.StatusUnprocessableEntity, "Invalid request payload")
	req, _ := http.NewRequest(http.MethodPost, s.BackendURL+"/api-auth/apps", bytes.NewReader([]byte(`{"app_slug":`)))
	req.Header.Set("Content-Type", "application/json")
	code, _, body = c.send(req)
	mustReject(t, code, body, http.StatusBadRequest, "Bad request")
	req, _ = http.NewRequest(http.MethodPost, s.BackendURL+"/api-auth/apps", bytes.NewReader([]byte(`{}`)))
	code, _, body = c.send(req)
	mustReject(t, code, body, http.StatusUnsupportedMediaType, "Request failed")
	// Revoking needs a JSON body, even an empty object (key_handlers.rs:42).
	code, body = c.json(http.MethodPost, "/api-auth/apps/"+SeedAPIAppSlug+"/keys/4001/revoke", nil)
	mustReject(t, code, body, http.StatusUnsupportedMediaType, "Request failed")
	code, body = c.json(http.MethodPost, "/api-auth/apps/"+SeedAPIAppSlug+"/keys/4001/revoke", map[string]any{})
	mustOK(t, code, body)
	if len(body) != 0 {
		t.Errorf("revoke answered %v, want {}", body)
	}
	// A path id that is not an i64 is a 400, not a 404.
	code, body = c.get("/users/ada/details")
	mustReject(t, code, body, http.StatusBadRequest, "Bad request")
}

func (c *client) rawJSON(method, path string, body any) []byte {
	c.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(method, c.s.BackendURL+path, bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.key)
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(res.Body); err != nil {
		c.t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		c.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, buf.Bytes())
	}
	return buf.Bytes()
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
