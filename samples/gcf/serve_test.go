package gcfsample

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// TestServeRegisteredFunctions serves this package's init registrations
// with the real Functions Framework server (no FUNCTION_TARGET: every
// function at /<EntryPoint>) and calls each entry point once.
func TestServeRegisteredFunctions(t *testing.T) {
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	t.Setenv("FUNCTION_TARGET", "")
	t.Setenv(handler.EnvAPIKey, emu.APIKey)
	t.Setenv(handler.EnvBackendAPIURL, emu.BackendURL)
	t.Setenv(handler.EnvPublishableKey, emu.PublishableKey)
	t.Setenv(handler.EnvGatewayURL, emu.GatewayURL)
	t.Setenv(handler.EnvWebhookSecret, wachttest.SeedWebhookSecret)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	go func() { _ = funcframework.StartHostPort("127.0.0.1", fmt.Sprint(port)) }() // serves until the test binary exits
	base := fmt.Sprintf("http://127.0.0.1:%d/", port)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the Functions Framework did not start")
		}
	}

	do := func(method, path string, header map[string]string, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	token, err := emu.MintToken(wachttest.TokenOptions{OrganizationID: wachttest.SeedOrganizationID, OrganizationPermissions: []string{"user:read"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path string
		header             map[string]string
		body               string
		status             int
	}{
		{"AdminUsers without a token", http.MethodGet, "AdminUsers", nil, "", http.StatusUnauthorized},
		{"AdminUsers with user:read", http.MethodGet, "AdminUsers", map[string]string{"Authorization": "Bearer " + token}, "", http.StatusOK},
		{"MachineUsers with the seed key", http.MethodGet, "MachineUsers", map[string]string{"x-api-key": wachttest.SeedAPIKeySecret}, "", http.StatusOK},
		{"WebhookReceiver unsigned", http.MethodPost, "WebhookReceiver", nil, `{}`, http.StatusBadRequest},
		{"UserUpdates", http.MethodPost, "UserUpdates", map[string]string{
			"Content-Type": "application/json", "ce-specversion": "1.0", "ce-id": "1",
			"ce-type": "google.cloud.pubsub.topic.v1.messagePublished", "ce-source": "//pubsub.googleapis.com/projects/p/topics/user-updates",
		}, `{"message":{"messageId":"1","attributes":{"user_id":"1002"},"data":"eyJmaXJzdF9uYW1lIjoiQW1hemluZyJ9"}}`, http.StatusOK},
		{"UserUpdates without user_id", http.MethodPost, "UserUpdates", map[string]string{
			"Content-Type": "application/json", "ce-specversion": "1.0", "ce-id": "2",
			"ce-type": "google.cloud.pubsub.topic.v1.messagePublished", "ce-source": "//pubsub.googleapis.com/projects/p/topics/user-updates",
		}, `{"message":{"messageId":"2","data":"e30="}}`, http.StatusBadRequest},
	} {
		if status, body := do(tc.method, tc.path, tc.header, tc.body); status != tc.status {
			t.Errorf("%s: status %d, want %d; body %s", tc.name, status, tc.status, body)
		}
	}
}
