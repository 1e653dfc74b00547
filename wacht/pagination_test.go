package wacht

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wacht-platform/serverless-go/wacht/internal/core"
)

// userStore serves GET /users from n users the way the platform API does:
// paginate_results (platform/src/api/pagination.rs:5-21) reads one item past
// the page and answers {data, has_more, limit, offset}, never a total. bare
// drops limit and offset, as lists built from a plain vector do
// (PaginatedResponse::from, platform/src/application/response.rs:139-151);
// GET /users itself always carries both, so a bare store is served without
// response validation.
type userStore struct {
	n      int
	bare   bool
	failAt int // offset whose page answers 500; 0 means never

	mu    sync.Mutex
	pages []string // limit/offset of each page served
}

func (s *userStore) handler(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	s.mu.Lock()
	s.pages = append(s.pages, fmt.Sprintf("%d/%d", limit, offset))
	s.mu.Unlock()
	if s.failAt != 0 && offset == s.failAt {
		writeJSON(w, 500, `{"errors":[{"message":"database unavailable","code":500}]}`)
		return
	}
	items := []map[string]any{}
	for i := offset; i < s.n && i < offset+limit+1; i++ {
		items = append(items, map[string]any{
			"id": fmt.Sprintf("u_%d", i), "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z",
			"first_name": fmt.Sprintf("User%d", i), "last_name": "Test", "profile_picture_url": "",
			"username": nil, "primary_email_address": nil, "primary_phone_number": nil,
		})
	}
	hasMore := len(items) > limit
	if hasMore {
		items = items[:limit]
	}
	body := map[string]any{"data": items, "has_more": hasMore}
	if !s.bare {
		body["limit"], body["offset"] = limit, offset
	}
	data, _ := json.Marshal(body)
	writeJSON(w, 200, string(data))
}

func (s *userStore) served() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.pages, " ")
}

func TestListValidatesPageParams(t *testing.T) {
	store := &userStore{n: 3}
	ts := newTestServer(t, store.handler, serverOptions{})
	c := newTestClient(t, ts, Config{})
	ctx := context.Background()
	for _, p := range []ListUsersParams{{Limit: MaxPageSize + 1}, {Limit: -1}, {Offset: -5}} {
		_, err := c.Users.List(ctx, p)
		if !errors.Is(err, ErrInvalidParams) {
			t.Errorf("List(%+v) error = %v, want ErrInvalidParams", p, err)
		}
	}
	if ts.requests.Load() != 0 {
		t.Fatalf("invalid params reached the server")
	}
	if _, err := c.Users.List(ctx, ListUsersParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.List(ctx, ListUsersParams{Limit: MaxPageSize, Offset: 2}); err != nil {
		t.Fatal(err)
	}
	if got, want := store.served(), fmt.Sprintf("%d/0 %d/2", DefaultPageSize, MaxPageSize); got != want {
		t.Errorf("pages served = %q, want %q (the default page size, then the maximum)", got, want)
	}
}

func TestAllIteratesLazilyToTheEnd(t *testing.T) {
	store := &userStore{n: 45}
	ts := newTestServer(t, store.handler, serverOptions{})
	c := newTestClient(t, ts, Config{})
	var ids []string
	for u, err := range c.Users.All(context.Background(), ListUsersParams{Limit: 20}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if len(ids) != 45 || ids[0] != "u_0" || ids[44] != "u_44" {
		t.Fatalf("iterated %d users (%v ... ), want u_0 .. u_44", len(ids), ids[:min(3, len(ids))])
	}
	if got := store.served(); got != "20/0 20/20 20/40" {
		t.Errorf("pages served = %q, want 3 pages", got)
	}

	// Breaking out early fetches no further page.
	store2 := &userStore{n: 45}
	ts2 := newTestServer(t, store2.handler, serverOptions{})
	c2 := newTestClient(t, ts2, Config{})
	n := 0
	for _, err := range c2.Users.All(context.Background(), ListUsersParams{Limit: 10, Offset: 5}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 12 {
			break
		}
	}
	if got := store2.served(); got != "10/5 10/15" {
		t.Errorf("pages served = %q, want only the 2 pages the loop consumed", got)
	}
}

// TestAllStopsOnHasMore walks real-shaped lists ({data, has_more}, no
// total), with and without limit/offset in the answer, and checks that the
// iterator fetches exactly the pages the list has: a full last page with
// has_more false ends the walk without an extra, empty request.
func TestAllStopsOnHasMore(t *testing.T) {
	for _, bare := range []bool{false, true} {
		for _, n := range []int{0, 7, 10, 20, 25} {
			store := &userStore{n: n, bare: bare}
			ts := newTestServer(t, store.handler, serverOptions{offSpecResponses: bare})
			c := newTestClient(t, ts, Config{})
			var ids []string
			for u, err := range c.Users.All(context.Background(), ListUsersParams{Limit: 10}) {
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, u.ID)
			}
			if len(ids) != n || (n > 0 && ids[n-1] != fmt.Sprintf("u_%d", n-1)) {
				t.Errorf("bare=%v n=%d: iterated %d users", bare, n, len(ids))
			}
			want := max(1, (n+9)/10)
			if got := int(ts.requests.Load()); got != want {
				t.Errorf("bare=%v n=%d: %d pages fetched (%s), want %d", bare, n, got, store.served(), want)
			}
		}
	}
}

// TestAllStopsOnAnEmptyPage keeps a server that claims has_more on an empty
// page from making the iterator loop.
func TestAllStopsOnAnEmptyPage(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":[],"has_more":true}`) // a faulty server
	}, serverOptions{offSpecResponses: true})
	c := newTestClient(t, ts, Config{})
	for _, err := range c.Users.All(context.Background(), ListUsersParams{}) {
		t.Fatalf("unexpected element (err %v)", err)
	}
	if ts.requests.Load() != 1 {
		t.Errorf("%d requests, want 1", ts.requests.Load())
	}
}

func TestAllYieldsTheErrorAndStops(t *testing.T) {
	store := &userStore{n: 50, failAt: 20}
	ts := newTestServer(t, store.handler, serverOptions{})
	c := newTestClient(t, ts, Config{})
	var got, errs int
	for _, err := range c.Users.All(context.Background(), ListUsersParams{Limit: 20}) {
		if err != nil {
			errs++
			if !IsServerError(err) {
				t.Errorf("error = %v, want the 500", err)
			}
			continue
		}
		got++
	}
	if got != 20 || errs != 1 {
		t.Errorf("got %d users and %d errors, want 20 and 1", got, errs)
	}

	// Invalid params surface as the iterator's only element.
	for _, err := range c.Users.All(context.Background(), ListUsersParams{Limit: 1000}) {
		if !errors.Is(err, ErrInvalidParams) {
			t.Errorf("error = %v, want ErrInvalidParams", err)
		}
	}
}

func TestMemberIteratorCarriesPathArgument(t *testing.T) {
	var got seen
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		got.add(r.URL.Path)
		writeJSON(w, 200, `{"data":[],"has_more":false,"limit":5,"offset":0}`)
	}, serverOptions{})
	c := newTestClient(t, ts, Config{})
	for _, err := range c.Organizations.AllMembers(context.Background(), "2002", ListOrganizationMembersParams{Limit: 5}) {
		t.Fatalf("unexpected element (err %v)", err)
	}
	if paths := got.all(); len(paths) != 1 || paths[0] != "/organizations/2002/members" {
		t.Errorf("paths = %v", paths)
	}
}

func TestAllAuditLogsFollowsTheCursor(t *testing.T) {
	var cursors seen
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		cur := r.URL.Query().Get("cursor")
		cursors.add(cur)
		entry := func(id string) string {
			return `{"request_id":"` + id + `","deployment_id":"3","app_slug":"billing","key_id":"11","key_name":"ci",` +
				`"blocked_by_rule":null,"user_agent":null,"rate_limits":null,` +
				`"outcome":"allowed","path":"/v1/charges","client_ip":"203.0.113.7","timestamp":"2026-01-02T03:04:05Z"}`
		}
		switch cur {
		case "":
			writeJSON(w, 200, `{"data":[`+entry("r1")+`,`+entry("r2")+`],"limit":2,"has_more":true,"next_cursor":"c2"}`)
		case "c2":
			writeJSON(w, 200, `{"data":[`+entry("r3")+`],"limit":2,"has_more":false,"next_cursor":null}`)
		default:
			writeJSON(w, 400, `{"errors":[{"message":"bad cursor","code":400}]}`)
		}
	}, serverOptions{})
	c := newTestClient(t, ts, Config{})
	var ids []string
	for e, err := range c.APIAuth.AllAuditLogs(context.Background(), "billing", APIAuditLogsParams{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.RequestID)
	}
	if strings.Join(ids, ",") != "r1,r2,r3" || strings.Join(cursors.all(), ",") != ",c2" {
		t.Errorf("ids = %v, cursors = %q", ids, cursors.all())
	}
}

func TestAllAuditLogsStopsOnARepeatedCursor(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":[{"request_id":"r","deployment_id":"3","app_slug":"a","key_id":"12","key_name":"n",`+
			`"blocked_by_rule":null,"user_agent":null,"rate_limits":null,`+
			`"outcome":"allowed","path":"/","client_ip":"203.0.113.7","timestamp":"2026-01-02T03:04:05Z"}],"limit":1,"has_more":true,"next_cursor":"same"}`)
	}, serverOptions{})
	c := newTestClient(t, ts, Config{})
	var errs int
	for _, err := range c.APIAuth.AllAuditLogs(context.Background(), "a", APIAuditLogsParams{Limit: 1}) {
		if err != nil {
			errs++
		}
	}
	if errs != 1 || ts.requests.Load() != 2 {
		t.Errorf("errors = %d after %d pages; want 1 error after 2 pages", errs, ts.requests.Load())
	}
}

// The limits are spelled out here so the documentation shows them; package
// core, which validates limits for package ai too, keeps its own copy.
func TestPageSizesMatchCore(t *testing.T) {
	if DefaultPageSize != core.DefaultPageSize || MaxPageSize != core.MaxPageSize {
		t.Errorf("wacht page sizes %d/%d, core %d/%d", DefaultPageSize, MaxPageSize, core.DefaultPageSize, core.MaxPageSize)
	}
}
