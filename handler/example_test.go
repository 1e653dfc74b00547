package handler_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// A function with one protected route, served by a plain net/http server
// and backed by the offline emulator instead of a Wacht account.
func Example() {
	emu, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	env := map[string]string{
		handler.EnvAPIKey:         emu.APIKey,
		handler.EnvBackendAPIURL:  emu.BackendURL,
		handler.EnvPublishableKey: emu.PublishableKey,
	}

	kit := handler.New(handler.Options{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	mux := http.NewServeMux()
	mux.Handle("GET /admin/users", kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			client, _ := handler.ClientFromContext(r.Context()) // present: Protect let the request through
			page, err := client.Users.List(r.Context(), wacht.ListUsersParams{Limit: 20})
			if err != nil {
				handler.WriteError(w, r, err)
				return
			}
			fmt.Fprintf(w, "%d users", len(page.Data))
		})))
	srv := httptest.NewServer(kit.Handler(mux))
	defer srv.Close()

	res, _ := http.Get(srv.URL + "/admin/users")
	fmt.Println("without a token:", res.StatusCode)
	res.Body.Close()

	token, _ := emu.MintToken(wachttest.TokenOptions{OrganizationPermissions: []string{"user:read"}})
	req, _ := http.NewRequest("GET", srv.URL+"/admin/users", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, _ = http.DefaultClient.Do(req)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println("with user:read:", res.StatusCode, string(body) != "")
	// Output:
	// without a token: 401
	// with user:read: 200 true
}

// A machine route: the gateway checks the x-api-key before the handler runs.
func ExampleKit_RequireMachine() {
	emu, _ := wachttest.NewServer(wachttest.Options{Seed: true})
	defer emu.Close()
	env := map[string]string{
		handler.EnvAPIKey:        emu.APIKey,
		handler.EnvBackendAPIURL: emu.BackendURL,
		handler.EnvGatewayURL:    emu.GatewayURL,
	}
	kit := handler.New(handler.Options{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	h := kit.Handler(kit.RequireMachine("user:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := handler.PrincipalFromContext(r.Context())
		fmt.Fprint(w, "key ", d.Identity.KeyID)
	})))
	req := httptest.NewRequest("GET", "/machine/users", nil)
	req.Header.Set("x-api-key", wachttest.SeedAPIKeySecret)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 200 key 4001
}

// A webhook receiver: only deliveries signed with WACHT_WEBHOOK_SECRET reach
// the handler, and a repeat of one already processed arrives marked
// Duplicate.
func ExampleKit_VerifyWebhook() {
	env := map[string]string{handler.EnvWebhookSecret: wachttest.SeedWebhookSecret}
	kit := handler.New(handler.Options{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	h := kit.Handler(kit.VerifyWebhook(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, _ := handler.WebhookEventFromContext(r.Context())
		if ev.Duplicate {
			w.WriteHeader(http.StatusNoContent) // processed before: acknowledge only
			return
		}
		fmt.Println("received", ev.Type)
		w.WriteHeader(http.StatusNoContent) // a non-2xx answer lets Wacht's retry process it again
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/webhooks/wacht", nil))
	fmt.Println("unsigned:", rec.Code)
	// Output: unsigned: 400
}

// ConfigFromEnv reads the settings a platform hands in.
func ExampleConfigFromEnv() {
	env := map[string]string{"WACHT_API_KEY": "sk_live_example", "WACHT_PUBLISHABLE_KEY": "pk_test_aHR0cHM6Ly9mYXBpLmV4YW1wbGUud2FjaHQuZGV2"}
	cfg := handler.ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	fmt.Println(cfg.Verifier.PublishableKey != "", cfg.Client.APIKey != "")
	// Output: true true
}

// Every value a middleware may or may not have attached is read with an
// XFromContext accessor returning (value, ok): ok is false when the
// middleware did not run. LoggerFromContext is the one exception: a logger
// always exists.
func ExampleAuthFromContext() {
	emu, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	env := map[string]string{handler.EnvPublishableKey: emu.PublishableKey}
	kit := handler.New(handler.Options{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	show := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := handler.AuthFromContext(r.Context())
		_, hasID := handler.RequestIDFromContext(r.Context())
		fmt.Println("authenticate ran:", ok, "signed in:", a.Authenticated(), "request id:", hasID)
	})
	kit.Handler(show).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	kit.Handler(kit.Authenticate(show)).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// Output:
	// authenticate ran: false signed in: false request id: true
	// authenticate ran: true signed in: false request id: true
}
