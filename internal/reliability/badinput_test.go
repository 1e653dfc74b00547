package reliability_test

// Bad input everywhere (issue 11): each bad input gets a clear error (a JSON
// error with a 4xx status, a typed error), and nothing is lost or half-done:
// the function behind a rejected input is never called and no backend call is
// made.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/platforms/lambda"
	"github.com/wacht-platform/serverless-go/samples/functions"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

var badInputs atomic.Int64

func TestBadInputHTTP(t *testing.T) {
	var reached atomic.Int64
	s := newStack(t, stackOptions{extra: func(kit *handler.Kit, mux *http.ServeMux) {
		mux.Handle("POST /hooks", kit.VerifyWebhook(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached.Add(1)
			w.WriteHeader(http.StatusNoContent)
		})))
	}})
	ctx := context.Background()
	signed := func(body string) map[string]string {
		now := time.Now()
		sig, err := wachttest.SignWebhook(s.emu.WebhookSecret(), "msg_bad", now, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"webhook-id": "msg_bad", "webhook-timestamp": fmt.Sprint(now.Unix()), "webhook-signature": sig, "Content-Type": "application/json"}
	}
	big := `{"type":"user.created","data":{"pad":"` + strings.Repeat("x", 2<<20) + `"}}`
	cases := []struct {
		name   string
		method string
		path   string
		header map[string]string
		body   string
		status []int
	}{
		{"oversized webhook body", "POST", "/hooks", signed(big), big, []int{413}},
		{"oversized bearer token", "GET", functions.PathAdminUsers, bearer(strings.Repeat("a", 64<<10)), "", []int{401}},
		{"oversized x-api-key", "GET", functions.PathMachineUsers, map[string]string{"x-api-key": strings.Repeat("k", 64<<10)}, "", []int{401, 400}},
		{"invalid UTF-8 token", "GET", functions.PathAdminUsers, bearer("\xff\xfe.\xff.\xff"), "", []int{401}},
		{"invalid UTF-8 webhook id", "POST", "/hooks", map[string]string{"webhook-id": "\xff", "webhook-timestamp": "1", "webhook-signature": "v1,\xff"}, "{}", []int{400, 401}},
		{"webhook body not JSON", "POST", "/hooks", signed("\xff\xfe not json"), "\xff\xfe not json", []int{400}},
		{"webhook timestamp huge", "POST", "/hooks", map[string]string{"webhook-id": "m", "webhook-timestamp": "99999999999999999999", "webhook-signature": "v1,AAAA"}, "{}", []int{400, 401}},
		{"webhook timestamp negative", "POST", "/hooks", map[string]string{"webhook-id": "m", "webhook-timestamp": "-5", "webhook-signature": "v1,AAAA"}, "{}", []int{400, 401}},
		{"webhook missing headers", "POST", "/hooks", nil, "{}", []int{400, 401}},
		{"forwarded auth garbage", "GET", functions.PathAdminUsers, map[string]string{auth.ForwardedAuthHeader: "v1.\xff.\xff"}, "", []int{401}},
		{"unsigned forwarded auth", "GET", functions.PathAdminUsers, map[string]string{auth.ForwardedAuthHeader: (&auth.Auth{UserID: "1001", OrganizationPermissions: []string{"user:read"}}).ForwardedHeaderValue()}, "", []int{401}},
		{"wrong method", "DELETE", functions.PathAdminUsers, nil, "", []int{405}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			badInputs.Add(1)
			s.emu.ResetStats()
			before := reached.Load()
			a := s.do(t, ctx, c.method, c.path, c.header, c.body)
			ok := false
			for _, st := range c.status {
				ok = ok || a.status == st
			}
			if !ok {
				t.Fatalf("%d %s, want one of %v", a.status, a.body, c.status)
			}
			if a.status != 405 {
				_ = errorCode(t, a)
			}
			if reached.Load() != before {
				t.Fatal("the handler ran for a rejected input")
			}
			if n := s.emu.Stats().Requests[opListUsers]; n != 0 {
				t.Fatalf("%d backend calls for a rejected input", n)
			}
		})
	}
	// A header block over net/http's limit is refused by the server itself.
	badInputs.Add(1)
	a := s.do(t, ctx, "GET", functions.PathAdminUsers, map[string]string{"X-Huge": strings.Repeat("h", 2<<20)}, "")
	if a.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("2 MiB header: %d", a.status)
	}
	if strings.Contains(s.logs.String(), `"level":"ERROR"`) && !strings.Contains(s.logs.String(), "panic") {
		t.Logf("error records: %s", s.logs)
	}
}

func TestBadInputLambdaEvents(t *testing.T) {
	var reached atomic.Int64
	s := newStack(t, stackOptions{extra: func(kit *handler.Kit, mux *http.ServeMux) {
		mux.Handle("POST /hooks", kit.VerifyWebhook(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached.Add(1)
			w.WriteHeader(http.StatusNoContent)
		})))
	}})
	h := lambda.NewHandler(s.h)
	for _, c := range []struct {
		name, payload string
		want          error
	}{
		{"invalid base64 body v1", `{"httpMethod":"POST","path":"/hooks","isBase64Encoded":true,"body":"%%%not base64"}`, lambda.ErrMalformedEvent},
		{"invalid base64 body v2", `{"version":"2.0","rawPath":"/hooks","requestContext":{"http":{"method":"POST"}},"isBase64Encoded":true,"body":"YWJj!"}`, lambda.ErrMalformedEvent},
		{"invalid base64 body ALB", `{"requestContext":{"elb":{"targetGroupArn":"a"}},"httpMethod":"POST","path":"/hooks","isBase64Encoded":true,"body":"===="}`, lambda.ErrMalformedEvent},
		{"no method", `{"path":"/hooks","body":"{}"}`, lambda.ErrUnsupportedEvent},
		{"ALB without method", `{"requestContext":{"elb":{"targetGroupArn":"a"}},"path":"/hooks"}`, lambda.ErrMalformedEvent},
		{"invalid method", `{"httpMethod":"PO ST","path":"/hooks"}`, lambda.ErrMalformedEvent},
		{"not JSON", `{"httpMethod":"POST",`, lambda.ErrMalformedEvent},
		{"invalid UTF-8 JSON", "{\"httpMethod\":\"POST\",\"path\":\"/\xff\"", lambda.ErrMalformedEvent},
		{"S3 event", `{"Records":[{"eventSource":"aws:s3"}]}`, lambda.ErrUnsupportedEvent},
		{"array", `[]`, lambda.ErrUnsupportedEvent},
	} {
		t.Run(c.name, func(t *testing.T) {
			badInputs.Add(1)
			out, err := h.Invoke(context.Background(), []byte(c.payload))
			if !errors.Is(err, c.want) {
				t.Fatalf("Invoke = %s, %v; want %v", out, err, c.want)
			}
			if reached.Load() != 0 {
				t.Fatal("handler ran")
			}
		})
	}
	// Invalid UTF-8 in the path and headers of a valid event: a JSON 404 / 401.
	for _, c := range []struct{ name, payload string }{
		{"invalid UTF-8 path", `{"httpMethod":"GET","path":"/admin/users%FF%FE"}`},
		{"invalid UTF-8 escaped header", `{"httpMethod":"GET","path":"/admin/users","headers":{"Authorization":"Bearer \udcff.x.y"}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			badInputs.Add(1)
			out, err := h.Invoke(context.Background(), []byte(c.payload))
			if err != nil {
				t.Fatal(err)
			}
			var res struct {
				StatusCode int    `json:"statusCode"`
				Body       string `json:"body"`
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 404 && res.StatusCode != 401 {
				t.Fatalf("%d %s", res.StatusCode, res.Body)
			}
		})
	}
}

func TestBadInputPagination(t *testing.T) {
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	c, err := wacht.NewClient(wacht.Config{APIKey: emu.APIKey, BaseURL: emu.BackendURL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, p := range []wacht.ListUsersParams{{Limit: -1}, {Offset: -1}, {Limit: -1 << 62}, {Offset: -1 << 62}, {Limit: wacht.MaxPageSize + 1}, {Limit: 1 << 62}} {
		badInputs.Add(1)
		emu.ResetStats()
		_, err := c.Users.List(ctx, p)
		if !errors.Is(err, wacht.ErrInvalidParams) {
			t.Errorf("List(%+v) = %v, want ErrInvalidParams", p, err)
		}
		if n := emu.Stats().Requests[opListUsers]; n != 0 {
			t.Errorf("List(%+v) sent %d requests", p, n)
		}
	}
	// A huge offset is valid: an empty last page, not an error.
	badInputs.Add(1)
	page, err := c.Users.List(ctx, wacht.ListUsersParams{Offset: 1 << 30}) // within the server's integer offset
	if err != nil {
		t.Fatalf("huge offset: %v", err)
	}
	if len(page.Data) != 0 {
		t.Fatalf("huge offset returned %d users", len(page.Data))
	}
	t.Logf("bad inputs tried across the suite so far: %d", badInputs.Load())
}
