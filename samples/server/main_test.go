package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// The entry point as deployed: configuration from the process environment,
// the three functions on one server, a clean drain when the context ends.
func TestServer(t *testing.T) {
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	t.Setenv(handler.EnvAPIKey, emu.APIKey)
	t.Setenv(handler.EnvBackendAPIURL, emu.BackendURL)
	t.Setenv(handler.EnvPublishableKey, emu.PublishableKey)
	t.Setenv(handler.EnvGatewayURL, emu.GatewayURL)
	t.Setenv(handler.EnvWebhookSecret, emu.WebhookSecret())
	t.Setenv("ADDR", "")
	t.Setenv("PORT", "0")

	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), func(a string) { addrc <- a })
	}()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a
	case err := <-done:
		cancel()
		t.Fatalf("run: %v", err)
	}

	token, err := emu.MintToken(wachttest.TokenOptions{OrganizationID: wachttest.SeedOrganizationID, OrganizationPermissions: []string{"user:read"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path, header, value string
		status                      int
	}{
		{"GET", "/admin/users", "Authorization", "Bearer " + token, 200},
		{"GET", "/admin/users", "", "", 401},
		{"GET", "/machine/users", "x-api-key", wachttest.SeedAPIKeySecret, 200},
		{"POST", "/webhooks/wacht", "", "", 400},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, nil)
		if tc.header != "" {
			req.Header.Set(tc.header, tc.value)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, res.StatusCode, tc.status)
		}
	}
	d, err := emu.DeliverWebhook(context.Background(), base+"/webhooks/wacht", "user.created", map[string]string{"id": "1001"})
	if err != nil || d.StatusCode != 204 {
		t.Errorf("signed webhook: %v %v", d, err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("drain: %v", err)
	}
	if res, err := http.Get(base + "/admin/users"); err == nil {
		res.Body.Close()
		t.Fatal("the server still answers after its context ended")
	}
}

func TestListenAddr(t *testing.T) {
	t.Setenv("ADDR", "")
	t.Setenv("PORT", "")
	if got := listenAddr(); got != "127.0.0.1:8080" {
		t.Errorf("default %q", got)
	}
	t.Setenv("PORT", "9000")
	if got := listenAddr(); got != "127.0.0.1:9000" {
		t.Errorf("PORT %q", got)
	}
	t.Setenv("ADDR", ":8080")
	if got := listenAddr(); got != ":8080" {
		t.Errorf("ADDR %q", got)
	}
}
