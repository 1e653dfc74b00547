package handler_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/wacht"
)

const (
	testAPIKey        = "sk_test_c2VjcmV0LWFwaS1rZXktdmFsdWU"
	testWebhookSecret = "whsec_dGhpcyBpcyB0aGUgd2ViaG9vayBzZWNyZXQ="
)

// offlineKit is a kit with secrets configured and its log captured; it
// needs no emulator because nothing here reaches Wacht.
func offlineKit(opts handler.Options) (*handler.Kit, *bytes.Buffer) {
	env := map[string]string{
		handler.EnvAPIKey:         testAPIKey,
		handler.EnvWebhookSecret:  testWebhookSecret,
		handler.EnvPublishableKey: "pk_test_" + "ZXhhbXBsZS53YWNodC5kZXYk",
	}
	logs := &bytes.Buffer{}
	opts.Env = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	opts.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return handler.New(opts), logs
}

func TestResolveErrorsNeverReachTheCaller(t *testing.T) {
	const password = "hunter2-db-password"
	kit, logs := offlineKit(handler.Options{Resolve: func(*http.Request, handler.Config) (handler.Config, error) {
		return handler.Config{}, fmt.Errorf("load tenant: dial postgres://app:%s@db.internal:5432/tenants: connection refused (key %s)", password, testAPIKey)
	}})
	h := kit.Handler(kit.Protect(handler.Require{})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("the handler ran although the configuration failed")
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	var body handler.ErrorBody
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != 500 || body.Error != handler.CodeMisconfigured || body.RequestID == "" {
		t.Fatalf("answer %d %s", rec.Code, rec.Body)
	}
	for _, leak := range []string{password, "postgres", "tenant", testAPIKey, "resolve"} {
		if strings.Contains(rec.Body.String(), leak) {
			t.Errorf("the answer carries %q: %s", leak, rec.Body)
		}
	}
	if !strings.Contains(logs.String(), "db.internal") || !strings.Contains(logs.String(), body.RequestID) {
		t.Errorf("the detail is not in the log under the request id: %s", logs)
	}
	for _, leak := range []string{password, testAPIKey} {
		if strings.Contains(logs.String(), leak) {
			t.Errorf("the log carries %q: %s", leak, logs)
		}
	}
}

func TestPanicValuesAreRedactedFromLogs(t *testing.T) {
	const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
	const cookie = "sess_Y29va2llLXNlc3Npb24tdmFsdWU"
	secrets := []string{testAPIKey, testWebhookSecret, strings.TrimPrefix(testWebhookSecret, "whsec_"), token, token[strings.LastIndexByte(token, '.')+1:], cookie}
	for _, secret := range secrets {
		// The secret alone, at the start, in the middle, at the end,
		// glued to other text, twice, and inside an error value.
		for i, value := range []any{
			secret, secret + " at the start", "in the " + secret + " middle", "at the end " + secret,
			"glued" + secret + "glued", secret + secret, fmt.Errorf("wrapped: %w", errors.New("cause "+secret)),
		} {
			kit, logs := offlineKit(handler.Options{})
			h := kit.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(value) }))
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Cookie", "theme=dark; __session="+cookie)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 500 || strings.Contains(rec.Body.String(), secret) {
				t.Fatalf("answer %d %s", rec.Code, rec.Body)
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("panic value %d with %.12s... logged it: %s", i, secret, logs)
			}
			if !strings.Contains(logs.String(), `"msg":"panic"`) || !strings.Contains(logs.String(), "[redacted]") {
				t.Errorf("panic value %d not logged with the secret marked: %s", i, logs)
			}
		}
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestWriteErrorAnswersTheStatusTheCauseCallsFor(t *testing.T) {
	reqErr := func(err error) error { return &wacht.RequestError{Method: "GET", Path: "/users", Err: err} }
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"connection refused", reqErr(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), 503, handler.CodeUnavailable},
		{"dns failure", reqErr(&net.DNSError{Err: "no such host", Name: "api.wacht.invalid", IsNotFound: true}), 503, handler.CodeUnavailable},
		{"connection closed before the answer", reqErr(io.ErrUnexpectedEOF), 503, handler.CodeUnavailable},
		{"transport timeout", reqErr(timeoutError{}), 504, handler.CodeGatewayTimeout},
		{"deadline", reqErr(context.DeadlineExceeded), 504, handler.CodeGatewayTimeout},
		{"undecodable answer", reqErr(fmt.Errorf("decode response: %w", &json.SyntaxError{})), 502, handler.CodeUpstream},
		{"expired token", &auth.TokenError{Reason: auth.TokenReasonExpired}, 401, handler.CodeUnauthenticated},
		{"keys unavailable", &auth.TokenError{Reason: auth.TokenReasonJWKSUnavailable, Err: errors.New("dial tcp: refused")}, 503, handler.CodeUnavailable},
		{"invalid params", fmt.Errorf("wacht: Limit 500 is above MaxPageSize (100): %w", wacht.ErrInvalidParams), 400, handler.CodeBadRequest},
		{"handler's own error", &handler.HTTPError{Status: 422, Code: "invalid_sku", Message: "unknown SKU", Err: errors.New("sql: no rows in table skus")}, 422, "invalid_sku"},
		{"handler's own status only", &handler.HTTPError{Status: http.StatusNotFound, Message: "no such order"}, 404, "not_found"},
		{"handler's out-of-range status", &handler.HTTPError{Status: 200, Message: "oops"}, 500, handler.CodeInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			handler.WriteError(rec, httptest.NewRequest("GET", "/", nil), tc.err)
			var body handler.ErrorBody
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			if rec.Code != tc.status || body.Error != tc.code {
				t.Fatalf("answer %d %s; want %d %s", rec.Code, rec.Body, tc.status, tc.code)
			}
			if strings.Contains(rec.Body.String(), "sql:") || strings.Contains(rec.Body.String(), "dial") {
				t.Errorf("the answer carries the cause: %s", rec.Body)
			}
		})
	}

	rec := httptest.NewRecorder()
	handler.WriteError(rec, httptest.NewRequest("GET", "/", nil), &handler.HTTPError{Status: 503, Message: "maintenance", RetryAfter: 1500 * time.Millisecond})
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "2" {
		t.Errorf("Retry-After of a handler's error: %d %v", rec.Code, rec.Header())
	}
}

func TestUnreachableBackendIs503(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now: connection refused
	c, err := wacht.NewClient(wacht.Config{APIKey: testAPIKey, BaseURL: "http://" + addr, DisableRetries: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.Get(context.Background(), "1")
	rec := httptest.NewRecorder()
	handler.WriteError(rec, httptest.NewRequest("GET", "/", nil), err)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), handler.CodeUnavailable) {
		t.Fatalf("unreachable backend (%v): %d %s", err, rec.Code, rec.Body)
	}
}

func TestPanicAfterFirstByteAbortsTheConnection(t *testing.T) {
	kit, logs := offlineKit(handler.Options{})
	srv := httptest.NewServer(kit.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "partial ")
		w.(http.Flusher).Flush()
		panic("died half way through " + testAPIKey)
	})))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err == nil {
		body, rerr := io.ReadAll(res.Body)
		res.Body.Close()
		if rerr == nil {
			t.Fatalf("the client read a complete answer: %d %q", res.StatusCode, body)
		}
	}
	srv.Close() // wait for the handler to finish logging
	if !strings.Contains(logs.String(), `"answer_started":true`) || strings.Contains(logs.String(), testAPIKey) {
		t.Errorf("the late panic is not logged, or logged with the key: %s", logs)
	}
}

// writerOnly is a platform writer that cannot flush or hijack.
type writerOnly struct{ http.ResponseWriter }

func TestStreamingHandlersSeeTheWritersInterfaces(t *testing.T) {
	kit, _ := offlineKit(handler.Options{})
	probe := func(w http.ResponseWriter) (flusher, hijacker bool) {
		_, flusher = w.(http.Flusher)
		_, hijacker = w.(http.Hijacker)
		return
	}
	var flusher, hijacker bool
	h := kit.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		flusher, hijacker = probe(w)
		if f, ok := w.(http.Flusher); ok {
			_, _ = io.WriteString(w, "chunk")
			f.Flush()
		}
	}))

	rec := httptest.NewRecorder() // flushes, cannot hijack
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if !flusher || hijacker || !rec.Flushed {
		t.Errorf("recorder: Flusher %v (flushed %v), Hijacker %v; want Flusher only", flusher, rec.Flushed, hijacker)
	}
	h.ServeHTTP(writerOnly{httptest.NewRecorder()}, httptest.NewRequest("GET", "/", nil))
	if flusher || hijacker {
		t.Errorf("plain writer: Flusher %v, Hijacker %v; want neither", flusher, hijacker)
	}

	// A real HTTP/1.1 server has both; hijacking works through the kit.
	srv := httptest.NewServer(kit.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			http.Error(w, "no hijacker", 500)
			return
		}
		conn, rw, err := hj.Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		_ = rw.Flush()
	})))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if string(body) != "hijacked" {
		t.Errorf("hijacked answer: %d %q", res.StatusCode, body)
	}
}

// A handler answers with its own status and code through WriteError; the
// cause in Err reaches only the log.
func ExampleHTTPError() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.WriteError(w, r, &handler.HTTPError{
			Status:  http.StatusUnprocessableEntity,
			Code:    "invalid_sku",
			Message: "unknown SKU",
			Err:     errors.New("sql: no rows in result set"),
		})
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/orders", nil))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output: 422 {"error":"invalid_sku","message":"unknown SKU"}
}
