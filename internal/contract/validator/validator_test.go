package validator

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract"
)

func TestDocumentsLoad(t *testing.T) {
	p, err := Platform()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.Operations()); n != 265 {
		t.Fatalf("platform operations = %d, want 265", n)
	}
	f, err := Frontend()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Operations()) == 0 {
		t.Fatal("frontend document has no operations")
	}
	for _, fx := range Fixes() {
		t.Log("fix:", fx)
	}
}

func TestRequestValidation(t *testing.T) {
	p, err := Platform()
	if err != nil {
		t.Fatal(err)
	}
	good := httptest.NewRequest("GET", "https://api.wacht.dev/users?limit=20&offset=0", nil)
	good.Header.Set("Authorization", "Bearer k")
	if err := p.ValidateRequest(good); err != nil {
		t.Fatalf("valid list request rejected: %v", err)
	}
	bad := httptest.NewRequest("GET", "https://api.wacht.dev/users?limit=twenty", nil)
	bad.Header.Set("Authorization", "Bearer k")
	err = p.ValidateRequest(bad)
	var v *contract.Violation
	if !errors.As(err, &v) || v.Kind != "request" {
		t.Fatalf("non-integer limit accepted: %v", err)
	}
	// users' sort_key and sort_order are parsed with FromStr on the server
	// (dto/src/query/deployment.rs, dto/src/query/sort.rs): snake_case and
	// lower case only; the published document's CamelCase values are a 400.
	for q, ok := range map[string]bool{
		"sort_key=username&sort_order=desc":     true,
		"sort_key=phone_number&sort_order=asc":  true,
		"sort_key=Username&sort_order=Desc":     false,
		"sort_key=created_at&sort_order=Ascend": false,
	} {
		req := httptest.NewRequest("GET", "https://api.wacht.dev/users?"+q, nil)
		req.Header.Set("Authorization", "Bearer k")
		if err := p.ValidateRequest(req); (err == nil) != ok {
			t.Errorf("GET /users?%s: accepted %v, want %v (%v)", q, err == nil, ok, err)
		}
	}
	unknown := httptest.NewRequest("GET", "https://api.wacht.dev/no-such-path", nil)
	unknown.Header.Set("Authorization", "Bearer k")
	if err := p.ValidateRequest(unknown); err == nil {
		t.Fatal("unknown path accepted")
	}
	body := httptest.NewRequest("PATCH", "https://api.wacht.dev/users/1/password", strings.NewReader(`{"new_password": 5}`))
	body.Header.Set("Authorization", "Bearer k")
	body.Header.Set("Content-Type", "application/json")
	if err := p.ValidateRequest(body); err == nil {
		t.Fatal("wrong body type accepted")
	}
}

func TestMiddlewareAndTransport(t *testing.T) {
	p, err := Platform()
	if err != nil {
		t.Fatal(err)
	}
	var serverSide, clientSide []error
	srv := httptest.NewServer(p.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("search") == "broken" {
			_, _ = w.Write([]byte(`{"data":"not a list","total":"x"}`))
			return
		}
		if r.URL.Query().Get("search") == "nulls" {
			_, _ = w.Write([]byte(`{"data":[{"id":"1","created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z","first_name":"Ada","last_name":"L","profile_picture_url":"","username":null,"primary_email_address":null,"primary_phone_number":null}],"has_more":false,"offset":0,"limit":20}`))
			return
		}
		if r.URL.Query().Get("search") == "busy" {
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"errors":[{"message":"slow down","code":429}]}`))
			return
		}
		if r.URL.Query().Get("search") == "total" {
			// The published document's envelope: no server sends it.
			_, _ = w.Write([]byte(`{"data":[],"total":0,"offset":0,"limit":20}`))
			return
		}
		_, _ = w.Write([]byte(`{"data":[],"has_more":false,"offset":0,"limit":20}`))
	}), func(err error) { serverSide = append(serverSide, err) }))
	defer srv.Close()
	c := &http.Client{Transport: p.Transport(nil, func(err error) { clientSide = append(clientSide, err) })}

	get := func(q string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/users?"+q, nil)
		req.Header.Set("Authorization", "Bearer k")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
	}
	get("limit=20")
	get("search=nulls")
	get("search=busy")
	if len(serverSide)+len(clientSide) != 0 {
		t.Fatalf("valid exchanges flagged: server %v client %v", serverSide, clientSide)
	}
	get("search=broken")
	if len(serverSide) != 1 || len(clientSide) != 1 {
		t.Fatalf("broken response: server saw %d violations, client %d; want 1 each", len(serverSide), len(clientSide))
	}
	// The corrected contract, not the published one: a list with a total
	// and no has_more is what the document promised and the server never
	// sends (platform/src/application/response.rs).
	get("search=total")
	if len(serverSide) != 2 || len(clientSide) != 2 {
		t.Fatalf("total envelope: server saw %d violations, client %d; want 2 each", len(serverSide), len(clientSide))
	}
}

func TestRouteMatching(t *testing.T) {
	p, err := Load(contract.PlatformAPI)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/":                                      "/",
		"/users":                                 "/users",
		"/users/1001/details":                    "/users/{user_id}/details",
		"/users/a%2Fb/details":                   "/users/{user_id}/details",
		"/webhooks/apps/x/deliveries/replay":     "/webhooks/apps/{app_slug}/deliveries/replay",
		"/webhooks/apps/x/deliveries/d_1":        "/webhooks/apps/{app_slug}/deliveries/{delivery_id}",
		"/webhooks/apps/x/deliveries/replay/t_1": "/webhooks/apps/{app_slug}/deliveries/replay/{task_id}",
		"/organizations/1/members/2/roles/3":     "/organizations/{organization_id}/members/{membership_id}/roles/{role_id}",
	} {
		got, ok := p.match(path)
		if !ok || got != want {
			t.Errorf("match(%q) = %q, %v; want %q", path, got, ok, want)
		}
	}
	for _, path := range []string{"/nope", "/users//details", "/users/1/details/extra"} {
		if got, ok := p.match(path); ok {
			t.Errorf("match(%q) = %q, want no match", path, got)
		}
	}
}
