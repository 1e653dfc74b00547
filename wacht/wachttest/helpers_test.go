package wachttest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract"
)

// newChecked is New with the emulator's traffic checked against Wacht's
// corrected OpenAPI documents: every test of this package holds the
// emulator to the contract, and each violation fails the test.
func newChecked(t testing.TB, opts Options) *Server {
	t.Helper()
	opts.Validate = contract.Validate
	return New(t, opts)
}

// client talks to one emulator's backend API over real HTTP.
type client struct {
	t   testing.TB
	s   *Server
	key string
	hc  *http.Client
}

func newClient(t testing.TB, s *Server) *client {
	return &client{t: t, s: s, key: s.APIKey, hc: &http.Client{}}
}

func (c *client) send(req *http.Request) (int, http.Header, map[string]any) {
	c.t.Helper()
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			c.t.Fatalf("%s %s: body is not a JSON object: %q", req.Method, req.URL.Path, b)
		}
	}
	return res.StatusCode, res.Header, out
}

// json sends a JSON request (body nil means none).
func (c *client) json(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.s.BackendURL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	code, _, out := c.send(req)
	return code, out
}

// form sends a multipart/form-data request.
func (c *client) form(method, path string, fields map[string]string) (int, map[string]any) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			c.t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(method, c.s.BackendURL+path, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	code, _, out := c.send(req)
	return code, out
}

func (c *client) get(path string) (int, map[string]any) {
	c.t.Helper()
	return c.json(http.MethodGet, path, nil)
}

// mustReject checks an answer is a framework rejection as the server's
// client sees it: axum's plain text replaced by normalize_error_responses
// (platform/src/application/router.rs:73) with the JSON error body and the
// fixed message for the status.
func mustReject(t testing.TB, code int, body map[string]any, status int, message string) {
	t.Helper()
	if code != status {
		t.Fatalf("status %d, want %d: %v", code, status, body)
	}
	if got := errorMessage(t, body, status); got != message {
		t.Fatalf("message %q, want %q", got, message)
	}
}

// count is the number of items of a list answer's data.
func count(t testing.TB, body map[string]any) int {
	t.Helper()
	data, ok := body["data"].([]any)
	if !ok {
		t.Fatalf("answer has no data array: %v", body)
	}
	return len(data)
}

// mustOK fails unless code is 200.
func mustOK(t testing.TB, code int, body map[string]any) map[string]any {
	t.Helper()
	if code != http.StatusOK {
		t.Fatalf("status %d, body %v", code, body)
	}
	return body
}

// errorMessage returns the first message of a spec error body, failing if
// the body does not have the spec's shape.
func errorMessage(t testing.TB, body map[string]any, wantCode int) string {
	t.Helper()
	errs, ok := body["errors"].([]any)
	if !ok || len(errs) == 0 {
		t.Fatalf("error body %v lacks errors[]", body)
	}
	first, _ := errs[0].(map[string]any)
	if code, _ := first["code"].(float64); int(code) != wantCode {
		t.Fatalf("errors[0].code = %v, want %d", first["code"], wantCode)
	}
	msg, _ := first["message"].(string)
	if strings.TrimSpace(msg) == "" {
		t.Fatalf("errors[0].message is empty: %v", body)
	}
	return msg
}

func ids(t testing.TB, body map[string]any, field string) []string {
	t.Helper()
	items, ok := body[field].([]any)
	if !ok {
		t.Fatalf("body has no %q array: %v", field, body)
	}
	var out []string
	for _, it := range items {
		m, _ := it.(map[string]any)
		id, _ := m["id"].(string)
		out = append(out, id)
	}
	return out
}

func (c *client) mustJSON(method, path string, body any) map[string]any {
	c.t.Helper()
	code, out := c.json(method, path, body)
	return mustOK(c.t, code, out)
}

func (c *client) mustForm(method, path string, fields map[string]string) map[string]any {
	c.t.Helper()
	code, out := c.form(method, path, fields)
	return mustOK(c.t, code, out)
}
