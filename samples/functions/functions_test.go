package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/testtools"
	"github.com/wacht-platform/serverless-go/samples/functions"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

type fixture struct {
	emu  *wachttest.Server
	logs *testtools.Buffer
	url  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	logs := &testtools.Buffer{}
	kit := handler.New(handler.Options{
		Env:    envOf(emu),
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
	})
	srv := httptest.NewServer(kit.Handler(functions.Routes(kit)))
	t.Cleanup(srv.Close)
	return &fixture{emu: emu, logs: logs, url: srv.URL}
}

type answer struct {
	status int
	header http.Header
	raw    []byte
}

func (f *fixture) do(t *testing.T, method, path string, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: res.StatusCode, header: res.Header, raw: raw}
}

func (a answer) errorCode(t *testing.T) string {
	t.Helper()
	var body handler.ErrorBody
	if err := json.Unmarshal(a.raw, &body); err != nil {
		t.Fatalf("answer %d is not a JSON error: %q", a.status, a.raw)
	}
	// The kit's request id, or the gateway's for a gateway decision.
	if body.RequestID == "" || a.header.Get("X-Request-Id") == "" {
		t.Errorf("request id %q, header %q", body.RequestID, a.header.Get("X-Request-Id"))
	}
	return body.Error
}

func (a answer) userIDs(t *testing.T) []string {
	t.Helper()
	var page functions.UsersResponse
	if err := json.Unmarshal(a.raw, &page); err != nil {
		t.Fatalf("answer %d is not a users page: %q", a.status, a.raw)
	}
	ids := make([]string, 0, len(page.Users))
	for _, u := range page.Users {
		ids = append(ids, u.ID)
	}
	return ids
}

func (f *fixture) token(t *testing.T, perms ...string) string {
	t.Helper()
	tok, err := f.emu.MintToken(wachttest.TokenOptions{
		UserID:                  wachttest.SeedUserID,
		OrganizationID:          wachttest.SeedOrganizationID,
		OrganizationPermissions: perms,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func listCalls(emu *wachttest.Server) int64 { return emu.Stats().Requests["getActiveUserList"] }

func hasSeededUsers(ids []string) bool {
	want := map[string]bool{wachttest.SeedUserID: true, wachttest.SeedUser2ID: true, wachttest.SeedUser3ID: true}
	n := 0
	for _, id := range ids {
		if want[id] {
			n++
		}
	}
	return n == len(want)
}

func TestAdminUsers(t *testing.T) {
	f := newFixture(t)

	for _, tc := range []struct {
		name   string
		header map[string]string
		status int
		code   string
	}{
		{"no token", nil, 401, handler.CodeUnauthenticated},
		{"garbage token", map[string]string{"Authorization": "Bearer not-a-token"}, 401, handler.CodeUnauthenticated},
		{"token without user:read", map[string]string{"Authorization": "Bearer " + f.token(t, "org:read")}, 403, handler.CodeForbidden},
		{"API key instead of a session", map[string]string{"x-api-key": wachttest.SeedAPIKeySecret}, 401, handler.CodeUnauthenticated},
	} {
		a := f.do(t, http.MethodGet, functions.PathAdminUsers, tc.header)
		if a.status != tc.status || a.errorCode(t) != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, a.status, a.raw, tc.status, tc.code)
		}
	}
	if n := listCalls(f.emu); n != 0 {
		t.Fatalf("the backend was called %d times before any request was allowed", n)
	}

	a := f.do(t, http.MethodGet, functions.PathAdminUsers, map[string]string{"Authorization": "Bearer " + f.token(t, "user:read")})
	if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") || !hasSeededUsers(a.userIDs(t)) {
		t.Fatalf("with user:read: %d %s", a.status, a.raw)
	}
	if listCalls(f.emu) != 1 {
		t.Fatalf("list calls %d, want 1", listCalls(f.emu))
	}
	// The __session cookie holds a session JWT, never a session token, and
	// only counts with WACHT_SESSION_COOKIE set (handler/session_test.go).
	a = f.do(t, http.MethodGet, functions.PathAdminUsers, map[string]string{"Cookie": "__session=" + f.token(t, "user:read")})
	if a.status != 401 || a.errorCode(t) != "unauthenticated" {
		t.Fatalf("session token in a cookie: %d %s", a.status, a.raw)
	}
}

func TestAdminUsersPageIsBounded(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, "user:read")
	// Fill the deployment past one page through the backend API the
	// function itself uses.
	kit := handler.New(handler.Options{Env: envOf(f.emu)})
	client, err := kit.UnprotectedClient(httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	for i := range functions.PageSize + 5 {
		_, err := client.Users.Create(context.Background(), createUser(i))
		if err != nil {
			t.Fatalf("create user %d: %v", i, err)
		}
	}
	a := f.do(t, http.MethodGet, functions.PathAdminUsers, map[string]string{"Authorization": "Bearer " + tok})
	var page functions.UsersResponse
	if err := json.Unmarshal(a.raw, &page); err != nil || a.status != 200 {
		t.Fatalf("%d %s", a.status, a.raw)
	}
	if len(page.Users) != functions.PageSize || !page.HasMore {
		t.Fatalf("got %d users, has_more %v; want %d and true", len(page.Users), page.HasMore, functions.PageSize)
	}
}

func TestMachineUsers(t *testing.T) {
	f := newFixture(t)
	other, err := f.emu.CreateAPIKey(wachttest.APIKeyOptions{Permissions: []string{"org:read"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		header map[string]string
		status int
		code   string
	}{
		{"no key", nil, 401, handler.CodeUnauthenticated},
		{"revoked key", map[string]string{"x-api-key": wachttest.SeedRevokedAPIKeySecret}, 401, handler.CodeUnauthenticated},
		{"key without user:read", map[string]string{"x-api-key": other.Secret}, 403, handler.CodeForbidden},
	} {
		a := f.do(t, http.MethodGet, functions.PathMachineUsers, tc.header)
		if a.status != tc.status || a.errorCode(t) != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, a.status, a.raw, tc.status, tc.code)
		}
	}
	if n := listCalls(f.emu); n != 0 {
		t.Fatalf("the backend was called %d times before any request was allowed", n)
	}
	a := f.do(t, http.MethodGet, functions.PathMachineUsers, map[string]string{"x-api-key": wachttest.SeedAPIKeySecret})
	if a.status != 200 || !hasSeededUsers(a.userIDs(t)) {
		t.Fatalf("seeded key: %d %s", a.status, a.raw)
	}
}

func TestWebhookReceiver(t *testing.T) {
	f := newFixture(t)
	d, err := f.emu.DeliverWebhook(context.Background(), f.url+functions.PathWebhook, "user.created", map[string]string{"id": wachttest.SeedUserID})
	if err != nil {
		t.Fatal(err)
	}
	if d.StatusCode != http.StatusNoContent || len(d.Body) != 0 {
		t.Fatalf("signed delivery: %d %q", d.StatusCode, d.Body)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, `"event_type":"user.created"`) || !strings.Contains(logs, `"webhook_id":"`+d.ID+`"`) {
		t.Fatalf("the event was not logged with its type and id:\n%s", logs)
	}
	if strings.Contains(logs, f.emu.WebhookSecret()) {
		t.Fatal("the webhook secret reached the log")
	}

	a := f.do(t, http.MethodPost, functions.PathWebhook, nil)
	if a.status != 400 || a.errorCode(t) != handler.CodeInvalidWebhook {
		t.Fatalf("unsigned: %d %s", a.status, a.raw)
	}
	// A delivery signed with another secret is refused.
	ts := d.Timestamp
	sig, err := wachttest.SignWebhook("whsec_"+"b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==", d.ID, ts, d.Payload)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, f.url+functions.PathWebhook, bytes.NewReader(d.Payload))
	for k, v := range d.Header {
		req.Header[k] = v
	}
	req.Header.Set("webhook-signature", sig)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("wrong secret: %d", res.StatusCode)
	}
}

func TestMethodsAndPaths(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{http.MethodPost, functions.PathAdminUsers, 405, functions.CodeMethodNotAllowed, "GET, HEAD"},
		{http.MethodDelete, functions.PathMachineUsers, 405, functions.CodeMethodNotAllowed, "GET, HEAD"},
		{http.MethodGet, functions.PathWebhook, 405, functions.CodeMethodNotAllowed, "POST"},
		{http.MethodGet, "/nothing/here", 404, handler.CodeNotFound, ""},
	} {
		a := f.do(t, tc.method, tc.path, nil)
		if a.status != tc.status || a.errorCode(t) != tc.code || a.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d %s (Allow %q)", tc.method, tc.path, a.status, a.raw, a.header.Get("Allow"))
		}
	}
	// HEAD is GET without a body: it is still checked.
	if a := f.do(t, http.MethodHead, functions.PathAdminUsers, nil); a.status != 401 {
		t.Errorf("HEAD without a token: %d", a.status)
	}
}

func createUser(i int) wacht.CreateUserParams {
	email := fmt.Sprintf("user%d@example.com", i)
	return wacht.CreateUserParams{FirstName: "Test", LastName: fmt.Sprintf("User %d", i), EmailAddress: &email}
}
