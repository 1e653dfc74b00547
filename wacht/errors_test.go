package wacht

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestAPIErrorParsing(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantCode    string
		wantMsgs    []string
	}{
		{"errors array", 404, "application/json", `{"errors":[{"message":"user not found","code":404},{"message":"second","code":7}]}`, "404", []string{"user not found", "second"}},
		{"symbolic code", 409, "application/json", `{"errors":[{"message":"email taken","code":"conflict"}]}`, "conflict", []string{"email taken"}},
		{"errors as strings", 422, "application/json", `{"errors":["first name is required"]}`, "", []string{"first name is required"}},
		{"message", 400, "application/json", `{"message":"invalid limit"}`, "", []string{"invalid limit"}},
		{"message and code", 403, "application/json", `{"message":"forbidden","code":"forbidden"}`, "forbidden", []string{"forbidden"}},
		{"error field", 500, "application/json", `{"error":"internal"}`, "", []string{"internal"}},
		{"plain text", 502, "text/plain", "upstream   connect error\n", "", []string{"upstream connect error"}},
		{"empty", 503, "", "", "", nil},
		{"broken json", 500, "application/json", `{"errors":[`, "", []string{`{"errors":[`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-Id", "req_123")
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}, serverOptions{offSpecResponses: true})
			c := newTestClient(t, ts, Config{DisableRetries: true})
			_, err := c.Users.Get(context.Background(), "1001")
			var apiErr *APIError
			if !errors.As(fmt.Errorf("wrapped: %w", err), &apiErr) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Code != tt.wantCode || !reflect.DeepEqual(apiErr.Messages, tt.wantMsgs) {
				t.Errorf("got status %d code %q messages %q; want %d %q %q", apiErr.StatusCode, apiErr.Code, apiErr.Messages, tt.status, tt.wantCode, tt.wantMsgs)
			}
			if apiErr.RequestID != "req_123" || apiErr.Method != "GET" || apiErr.Path != "/users/1001/details" {
				t.Errorf("request id %q method %q path %q", apiErr.RequestID, apiErr.Method, apiErr.Path)
			}
			msg := err.Error()
			for _, want := range []string{"GET /users/1001/details", fmt.Sprint(tt.status), "req_123"} {
				if !strings.Contains(msg, want) {
					t.Errorf("Error() = %q lacks %q", msg, want)
				}
			}
		})
	}
}

func TestAPIErrorBodyIsBounded(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(500)
		w.Write([]byte(strings.Repeat("x", 1<<20)))
	}, serverOptions{offSpecResponses: true})
	c := newTestClient(t, ts, Config{DisableRetries: true})
	err := c.Users.Delete(context.Background(), "1001")
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v", err)
	}
	if len(apiErr.Messages) != 1 || len(apiErr.Messages[0]) > 600 {
		t.Errorf("message length %d; want one short excerpt", len(strings.Join(apiErr.Messages, "")))
	}
}

func TestErrorClassifiers(t *testing.T) {
	type check func(error) bool
	all := map[string]check{
		"NotFound": IsNotFound, "Unauthorized": IsUnauthorized, "Forbidden": IsForbidden, "Conflict": IsConflict,
		"RateLimited": IsRateLimited, "Validation": IsValidation, "ServerError": IsServerError,
	}
	want := map[int]string{
		400: "Validation", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
		422: "Validation", 429: "RateLimited", 500: "ServerError", 502: "ServerError", 503: "ServerError", 418: "",
	}
	for status, name := range want {
		err := fmt.Errorf("context: %w", &APIError{StatusCode: status})
		for n, f := range all {
			if got := f(err); got != (n == name) {
				t.Errorf("Is%s(status %d) = %t", n, status, got)
			}
		}
	}
	for n, f := range all {
		if f(nil) || f(errors.New("other")) {
			t.Errorf("Is%s is true for a non-API error", n)
		}
	}
}

// TestPlainTextRejections: axum's Json and Query extractors reject a
// malformed request with a text/plain body (400, 415, 422). The server's
// normalize_error_responses layer (platform/src/application/router.rs:73-92)
// rewrites those into {"errors":[...]}, but a proxy in front of it, or a
// route outside that layer, still answers in text; the client keeps the
// status, a bounded one-line message, and never the API key.
func TestPlainTextRejections(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   string
		want   string
	}{
		{400, "Failed to deserialize query string: sort_key: unknown variant", "Failed to deserialize query string: sort_key: unknown variant"},
		{415, "Expected request with `Content-Type: application/json`", "Expected request with `Content-Type: application/json`"},
		{422, "Failed to deserialize the JSON body into the target type: missing field `name`\nkey " + testAPIKey + strings.Repeat(" padding", 200),
			"Failed to deserialize the JSON body into the target type: missing field `name` key [redacted]"},
	} {
		ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(tt.status)
			w.Write([]byte(tt.body))
		}, serverOptions{offSpecResponses: true})
		c := newTestClient(t, ts, Config{DisableRetries: true})
		err := c.Users.Delete(context.Background(), "1001")
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status {
			t.Fatalf("%d: error = %v, want an *APIError with that status", tt.status, err)
		}
		if len(apiErr.Messages) != 1 || !strings.HasPrefix(apiErr.Messages[0], tt.want) || len(apiErr.Messages[0]) > 520 {
			t.Errorf("%d: messages = %q, want one bounded message starting %q", tt.status, apiErr.Messages, tt.want)
		}
		if strings.Contains(err.Error(), testAPIKey) || strings.Contains(fmt.Sprint(apiErr.Messages), testAPIKey) {
			t.Errorf("%d: the API key leaked into the error", tt.status)
		}
	}
}
