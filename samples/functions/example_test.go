package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/samples/functions"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// envOf serves the emulator's settings the way a platform's environment would.
func envOf(emu *wachttest.Server) func(string) (string, bool) {
	env := map[string]string{
		handler.EnvAPIKey:         emu.APIKey,
		handler.EnvBackendAPIURL:  emu.BackendURL,
		handler.EnvPublishableKey: emu.PublishableKey,
		handler.EnvGatewayURL:     emu.GatewayURL,
		handler.EnvWebhookSecret:  emu.WebhookSecret(),
	}
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// All three functions on one plain net/http server, against the offline
// emulator instead of a Wacht account.
func ExampleRoutes() {
	emu, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		panic(err)
	}
	defer emu.Close()

	kit := handler.New(handler.Options{Env: envOf(emu)})
	srv := httptest.NewServer(kit.Handler(functions.Routes(kit)))
	defer srv.Close()

	get := func(path, header, value string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if header != "" {
			req.Header.Set(header, value)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	token, _ := emu.MintToken(wachttest.TokenOptions{
		UserID:                  wachttest.SeedUserID,
		OrganizationID:          wachttest.SeedOrganizationID,
		OrganizationPermissions: []string{functions.PermissionUserRead},
	})
	fmt.Println("admin, no token:", get(functions.PathAdminUsers, "", ""))
	fmt.Println("admin, user:read token:", get(functions.PathAdminUsers, "Authorization", "Bearer "+token))
	fmt.Println("machine, seeded API key:", get(functions.PathMachineUsers, "x-api-key", wachttest.SeedAPIKeySecret))

	d, err := emu.DeliverWebhook(context.Background(), srv.URL+functions.PathWebhook, "user.created", map[string]string{"id": "1001"})
	if err != nil {
		panic(err)
	}
	fmt.Println("signed webhook:", d.StatusCode)
	// Output:
	// admin, no token: 401
	// admin, user:read token: 200
	// machine, seeded API key: 200
	// signed webhook: 204
}

// AdminUsers alone, as one deployed function: a session token with
// user:read gets the first page of users.
func ExampleAdminUsers() {
	emu, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	kit := handler.New(handler.Options{Env: envOf(emu)})
	fn := kit.Handler(functions.AdminUsers(kit))

	token, _ := emu.MintToken(wachttest.TokenOptions{
		OrganizationID:          wachttest.SeedOrganizationID,
		OrganizationPermissions: []string{functions.PermissionUserRead},
		Lifetime:                time.Minute,
	})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	fn.ServeHTTP(rec, req)

	var page functions.UsersResponse
	_ = json.Unmarshal(rec.Body.Bytes(), &page)
	names := make([]string, 0, len(page.Users))
	for _, u := range page.Users {
		names = append(names, u.FirstName+" "+u.LastName)
	}
	slices.Sort(names)
	fmt.Println(rec.Code, names)
	// Output: 200 [Ada Lovelace Alan Turing Grace Hopper]
}

// MachineUsers alone: the gateway decides on the x-api-key before the
// backend is called; a key without user:read is refused.
func ExampleMachineUsers() {
	emu, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	kit := handler.New(handler.Options{Env: envOf(emu)})
	fn := kit.Handler(functions.MachineUsers(kit))

	other, _ := emu.CreateAPIKey(wachttest.APIKeyOptions{Permissions: []string{"org:read"}})
	for _, key := range []string{wachttest.SeedAPIKeySecret, other.Secret} {
		req := httptest.NewRequest(http.MethodGet, "/machine/users", nil)
		req.Header.Set("x-api-key", key)
		rec := httptest.NewRecorder()
		fn.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	// Output:
	// 200
	// 403
}

// WebhookReceiver alone: only signed deliveries get the 204.
func ExampleWebhookReceiver() {
	emu, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	kit := handler.New(handler.Options{Env: envOf(emu)})
	srv := httptest.NewServer(kit.Handler(functions.WebhookReceiver(kit)))
	defer srv.Close()

	d, _ := emu.DeliverWebhook(context.Background(), srv.URL, "user.created", map[string]string{"id": "1001"})
	fmt.Println("signed:", d.StatusCode)

	res, _ := http.Post(srv.URL, "application/json", nil)
	res.Body.Close()
	fmt.Println("unsigned:", res.StatusCode)
	// Output:
	// signed: 204
	// unsigned: 400
}
