package handler_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// A Kit declared as a variable (or embedded in a struct) works as
// New(Options{}) does: the process environment, slog.Default, 1 MiB bodies.
func TestZeroKitWorksLikeNew(t *testing.T) {
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	t.Setenv(handler.EnvAPIKey, emu.APIKey)
	t.Setenv(handler.EnvBackendAPIURL, emu.BackendURL)
	t.Setenv(handler.EnvPublishableKey, emu.PublishableKey)
	var server struct {
		kit handler.Kit
	}
	mux := http.NewServeMux()
	mux.Handle("GET /admin/users", server.kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})(http.HandlerFunc(listUsers)))
	srv := httptest.NewServer(server.kit.Handler(mux))
	defer srv.Close()

	tok, err := emu.MintToken(wachttest.TokenOptions{UserID: wachttest.SeedUserID, OrganizationID: wachttest.SeedOrganizationID, OrganizationPermissions: []string{"user:read"}})
	if err != nil {
		t.Fatal(err)
	}
	if a := do(t, "GET", srv.URL+"/admin/users", map[string]string{"Authorization": "Bearer " + tok}, nil); a.status != 200 {
		t.Fatalf("with a token: %d %s", a.status, a.raw)
	}
	if a := do(t, "GET", srv.URL+"/admin/users", nil, nil); a.status != 401 || a.body["request_id"] == "" {
		t.Fatalf("without a token: %d %s", a.status, a.raw)
	}
	if st := server.kit.Stats(); st.VerifierBuilds != 1 || st.ClientBuilds != 1 {
		t.Fatalf("stats %+v", st)
	}
}
