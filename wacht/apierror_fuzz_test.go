package wacht_test

// A fuzz target of issue 11: the parsing of backend error bodies into
// *APIError.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/wacht"
)

const fuzzAPIKey = "sk_test_fuzz_api_key_never_in_errors_0123456789"

// FuzzAPIErrorBody answers a backend call with a fuzzed status, body and
// Retry-After: an error status always yields an *APIError with that status,
// the call's method and path, a non-negative pause, and no API key; a 2xx
// with a garbage body yields an error or a value, never a panic.
func FuzzAPIErrorBody(f *testing.F) {
	f.Add(404, []byte(`{"errors":[{"message":"user not found","code":"not_found"}]}`), "", "application/json")
	f.Add(429, []byte(`{"message":"slow down","code":429}`), "3", "application/json")
	f.Add(503, []byte(`<html>upstream down</html>`), "Wed, 21 Oct 2015 07:28:00 GMT", "text/html")
	f.Add(400, []byte(`{"errors":"not a list"}`), "-5", "application/json")
	f.Add(500, []byte(`{"errors":[null,1,{"message":{"x":1}}]}`), "99999999999999999999", "application/json")
	f.Add(422, []byte("\xff\xfe"), "1.5", "application/problem+json")
	f.Add(200, []byte(`{"id":`), "", "application/json")
	f.Add(401, []byte(`{"message":"bad key `+fuzzAPIKey+`"}`), "", "application/json")

	var mu sync.Mutex
	var status int
	var body []byte
	var retryAfter, ctype string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("X-Request-Id", "req_fuzz")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	f.Cleanup(srv.Close)
	c, err := wacht.NewClient(wacht.Config{APIKey: fuzzAPIKey, BaseURL: srv.URL, DisableRetries: true, Timeout: 5 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, st int, b []byte, ra, ct string) {
		switch {
		case st >= 200 && st < 300:
			st = 200
		default:
			st = 400 + (st%200+200)%200 // 400..599
		}
		if !validHeaderValue(ra) || !validHeaderValue(ct) {
			ra, ct = "", "application/json"
		}
		mu.Lock()
		status, body, retryAfter, ctype = st, b, ra, ct
		mu.Unlock()
		_, err := c.Users.Get(context.Background(), "1001")
		if st == 200 {
			var ae *wacht.APIError
			if errors.As(err, &ae) {
				t.Fatalf("2xx answered with an *APIError: %v", err)
			}
			return
		}
		var ae *wacht.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("status %d gave %T %v, not an *APIError", st, err, err)
		}
		if ae.StatusCode != st || ae.Method != http.MethodGet || !strings.Contains(ae.Path, "1001") {
			t.Fatalf("APIError %+v for status %d", ae, st)
		}
		if ae.RetryAfter < 0 {
			t.Fatalf("negative Retry-After %v from %q", ae.RetryAfter, ra)
		}
		if ae.RequestID != "req_fuzz" {
			t.Fatalf("request id %q", ae.RequestID)
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", ae), fmt.Sprintf("%#v", ae)} {
			if strings.Contains(s, fuzzAPIKey) && !strings.Contains(string(b), fuzzAPIKey) {
				t.Fatalf("error shows the API key: %s", s)
			}
		}
	})
}

// validHeaderValue reports whether a fuzzed string can be sent as a header.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
