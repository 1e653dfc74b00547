package gcf_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/testtools"
	"github.com/wacht-platform/serverless-go/platforms/gcf"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// clearPlatformEnv unsets what a Cloud Functions host would set, for the
// duration of the test.
func clearPlatformEnv(t *testing.T) {
	for _, k := range []string{gcf.EnvCloudRunTimeout, gcf.EnvFunctionTimeout, gcf.EnvProject, gcf.EnvProjectGCloud, gcf.EnvProjectGCP} {
		t.Setenv(k, "")
	}
}

func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// logLines decodes the JSON records in buf.
func logLines(t *testing.T, buf *testtools.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestHTTPFuncContext(t *testing.T) {
	clearPlatformEnv(t)
	buf := &testtools.Buffer{}
	kit := handler.New(handler.Options{Logger: slog.New(gcf.NewLogHandler(buf, nil))})
	var (
		gotID       string
		gotDeadline time.Time
		hasDeadline bool
	)
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotID, _ = handler.RequestIDFromContext(r.Context())
		gotDeadline, hasDeadline = r.Context().Deadline()
		handler.LoggerFromContext(r.Context()).InfoContext(r.Context(), "hello")
	})

	call := func(h func(http.ResponseWriter, *http.Request), header map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h(rec, req)
		return rec
	}

	t.Run("execution id, trace without project, no deadline", func(t *testing.T) {
		rec := call(gcf.HTTPFunc(kit.Handler(inner)), map[string]string{
			gcf.HeaderExecutionID: "e1x", "Traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
		})
		if gotID != "e1x" || rec.Header().Get("X-Request-Id") != "e1x" || hasDeadline {
			t.Fatalf("request id %q, header %q, deadline %v", gotID, rec.Header().Get("X-Request-Id"), hasDeadline)
		}
		lines := logLines(t, buf)
		last := lines[len(lines)-1]
		if last["message"] != "hello" || last["request_id"] != "e1x" || last[gcf.LogFieldTrace] != "4bf92f3577b34da6a3ce929d0e0e4736" ||
			last[gcf.LogFieldTraceSampled] != false {
			t.Fatalf("log line %v", last)
		}
	})

	t.Run("project from the option, deadline from the option", func(t *testing.T) {
		t.Setenv(gcf.EnvProject, "from-env")
		start := time.Now()
		call(gcf.HTTPFunc(kit.Handler(inner), gcf.WithProjectID("from-option"), gcf.WithTimeout(5*time.Second)),
			map[string]string{"X-Cloud-Trace-Context": "105445aa7843bc8bf206b12000100000/2;o=1"})
		if !hasDeadline || gotDeadline.After(start.Add(5*time.Second+time.Minute)) {
			t.Fatalf("deadline %v (set %v)", gotDeadline, hasDeadline)
		}
		lines := logLines(t, buf)
		last := lines[len(lines)-1]
		if last[gcf.LogFieldTrace] != "projects/from-option/traces/105445aa7843bc8bf206b12000100000" || last[gcf.LogFieldSpanID] != "0000000000000002" {
			t.Fatalf("log line %v", last)
		}
		if _, ok := last[gcf.LogFieldLabels]; ok {
			t.Fatalf("execution_id label without an execution id: %v", last)
		}
	})

	for _, tc := range []struct {
		name, env, value string
		want             bool
	}{
		{"CLOUD_RUN_TIMEOUT_SECONDS", gcf.EnvCloudRunTimeout, "30", true},
		{"FUNCTION_TIMEOUT_SEC", gcf.EnvFunctionTimeout, "540", true},
		{"unparsable timeout", gcf.EnvCloudRunTimeout, "30s", false},
		{"zero timeout", gcf.EnvCloudRunTimeout, "0", false},
	} {
		t.Run("deadline from "+tc.name, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			call(gcf.HTTPFunc(kit.Handler(inner)), nil)
			if hasDeadline != tc.want {
				t.Fatalf("%s=%s: deadline set %v, want %v", tc.env, tc.value, hasDeadline, tc.want)
			}
		})
	}

	t.Run("an earlier deadline is kept", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		ctx, cancel := context.WithTimeout(req.Context(), time.Second)
		defer cancel()
		want, _ := ctx.Deadline()
		gcf.HTTPFunc(kit.Handler(inner), gcf.WithTimeout(time.Hour))(httptest.NewRecorder(), req.WithContext(ctx))
		if !gotDeadline.Equal(want) {
			t.Fatalf("deadline %v, want the caller's %v", gotDeadline, want)
		}
	})

	t.Run("spoofed ids and traces are ignored", func(t *testing.T) {
		before := len(logLines(t, buf))
		rec := call(gcf.HTTPFunc(kit.Handler(inner)), map[string]string{
			gcf.HeaderExecutionID: `"}{"severity":"ERROR`, "Traceparent": "00-zz-00f067aa0ba902b7-01",
		})
		if gotID == "" || strings.Contains(gotID, "severity") || rec.Header().Get("X-Request-Id") != gotID {
			t.Fatalf("request id %q", gotID)
		}
		lines := logLines(t, buf)
		if len(lines) != before+1 {
			t.Fatalf("%d new log lines", len(lines)-before)
		}
		if _, ok := lines[len(lines)-1][gcf.LogFieldTrace]; ok {
			t.Fatalf("trace from a malformed header: %v", lines[len(lines)-1])
		}
	})
}

func TestHTTPFuncNilHandler(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("HTTPFunc(nil) did not panic")
		}
	}()
	gcf.HTTPFunc(nil)
}

func pubsubEvent(t *testing.T, id string, data []byte) cloudevents.Event {
	t.Helper()
	e := cloudevents.NewEvent()
	e.SetID(id)
	e.SetSource("//pubsub.googleapis.com/projects/p/topics/t")
	e.SetType(gcf.TypePubSubPublished)
	if err := e.SetData(cloudevents.ApplicationJSON, json.RawMessage(data)); err != nil {
		t.Fatal(err)
	}
	return e
}

func statusOf(err error) int {
	var res *cehttp.Result
	if errors.As(err, &res) {
		return res.StatusCode
	}
	return 0
}

func TestEventHandlers(t *testing.T) {
	clearPlatformEnv(t)
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	buf := &testtools.Buffer{}
	kit := handler.New(handler.Options{
		Env:    mapEnv(map[string]string{handler.EnvAPIKey: emu.APIKey, handler.EnvBackendAPIURL: emu.BackendURL}),
		Logger: slog.New(gcf.NewLogHandler(buf, nil)),
	})
	good := pubsubEvent(t, "m-1", []byte(`{"message":{"messageId":"m-1","data":"eyJ4IjoxfQ=="}}`))
	bad := pubsubEvent(t, "m-2", []byte(`{"message":{"messageId":"m-2","data":"***"}}`))

	t.Run("malformed Pub/Sub event: 400, no client, no call", func(t *testing.T) {
		var calls atomic.Int32
		h := gcf.PubSubHandler(kit, func(context.Context, *gcf.MessagePublishedData, *wacht.Client) error {
			calls.Add(1)
			return nil
		})
		err := h(t.Context(), bad)
		var de *gcf.DecodeError
		if statusOf(err) != http.StatusBadRequest || !errors.As(err, &de) || de.Field != "message.data" {
			t.Fatalf("error %v (status %d)", err, statusOf(err))
		}
		if calls.Load() != 0 || kit.Stats().ClientBuilds != 0 {
			t.Fatalf("calls %d, client builds %d", calls.Load(), kit.Stats().ClientBuilds)
		}
	})

	t.Run("events and requests share the warm client", func(t *testing.T) {
		var clients []*wacht.Client
		h := gcf.PubSubHandler(kit, func(ctx context.Context, m *gcf.MessagePublishedData, c *wacht.Client) error {
			var v struct{ X int }
			if err := m.Message.DecodeJSON(&v); err != nil || v.X != 1 {
				return fmt.Errorf("body %+v: %w", v, err)
			}
			id, _ := handler.RequestIDFromContext(ctx)
			if e, ok := gcf.EventFromContext(ctx); !ok || e.ID() != "m-1" || id != "m-1" {
				return fmt.Errorf("event %v, request id %q", e.ID(), id)
			}
			clients = append(clients, c)
			return nil
		})
		for range 2 {
			if err := h(t.Context(), good); err != nil {
				t.Fatal(err)
			}
		}
		c, err := kit.UnprotectedClient(httptest.NewRequest(http.MethodGet, "/", nil))
		if err != nil {
			t.Fatal(err)
		}
		if len(clients) != 2 || clients[0] != clients[1] || clients[0] != c || kit.Stats().ClientBuilds != 1 {
			t.Fatalf("clients %p, %p, %p; builds %d", clients[0], clients[1], c, kit.Stats().ClientBuilds)
		}
	})

	t.Run("the function's errors", func(t *testing.T) {
		plain := errors.New("backend busy")
		for _, tc := range []struct {
			name   string
			fn     gcf.EventFunc
			status int
			check  func(error) bool
		}{
			{"plain error is passed on", func(context.Context, cloudevents.Event, *wacht.Client) error { return plain }, 0,
				func(err error) bool { return errors.Is(err, plain) }},
			{"decode error becomes 400", func(context.Context, cloudevents.Event, *wacht.Client) error {
				return fmt.Errorf("reading: %w", &gcf.DecodeError{Field: "x", Err: gcf.ErrMissingField})
			}, http.StatusBadRequest, func(err error) bool {
				return strings.Contains(err.Error(), "malformed event m-1 ("+gcf.TypePubSubPublished+"): x: required field is missing")
			}},
			{"protocol result keeps its status", func(context.Context, cloudevents.Event, *wacht.Client) error {
				return cehttp.NewResult(http.StatusConflict, "duplicate")
			}, http.StatusConflict, func(error) bool { return true }},
			{"panic becomes an error", func(context.Context, cloudevents.Event, *wacht.Client) error { panic("boom") }, 0,
				func(err error) bool { return err != nil && strings.Contains(err.Error(), "boom") }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := gcf.CloudEventHandler(kit, tc.fn)(t.Context(), good)
				if err == nil || statusOf(err) != tc.status || !tc.check(err) {
					t.Fatalf("error %v, status %d", err, statusOf(err))
				}
			})
		}
		if !strings.Contains(buf.String(), `"message":"panic"`) {
			t.Fatalf("panic not logged:\n%s", buf.String())
		}
	})

	t.Run("log record carries event and trace", func(t *testing.T) {
		e := good.Clone()
		e.SetExtension("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
		err := gcf.CloudEventHandler(kit, func(ctx context.Context, _ cloudevents.Event, _ *wacht.Client) error {
			if _, ok := ctx.Deadline(); !ok {
				return errors.New("no deadline")
			}
			handler.LoggerFromContext(ctx).InfoContext(ctx, "processing")
			return nil
		}, gcf.WithProjectID("p1"), gcf.WithTimeout(time.Minute))(t.Context(), e)
		if err != nil {
			t.Fatal(err)
		}
		lines := logLines(t, buf)
		last := lines[len(lines)-1]
		if last["message"] != "processing" || last["request_id"] != "m-1" || last["event_type"] != gcf.TypePubSubPublished ||
			last[gcf.LogFieldTrace] != "projects/p1/traces/0af7651916cd43dd8448eb211c80319c" {
			t.Fatalf("log line %v", last)
		}
	})

	t.Run("an event id unfit for logs is replaced", func(t *testing.T) {
		e := good.Clone()
		e.SetID("id with spaces")
		var got string
		err := gcf.CloudEventHandler(kit, func(ctx context.Context, _ cloudevents.Event, _ *wacht.Client) error {
			got, _ = handler.RequestIDFromContext(ctx)
			return nil
		})(t.Context(), e)
		if err != nil || got == "" || got == "id with spaces" {
			t.Fatalf("request id %q, error %v", got, err)
		}
	})

	t.Run("missing configuration fails before the call", func(t *testing.T) {
		empty := handler.New(handler.Options{Env: mapEnv(nil), Logger: slog.New(slog.DiscardHandler)})
		called := false
		err := gcf.CloudEventHandler(empty, func(context.Context, cloudevents.Event, *wacht.Client) error {
			called = true
			return nil
		})(t.Context(), good)
		var ce *wacht.ConfigError
		if !errors.As(err, &ce) || called {
			t.Fatalf("error %v, called %v", err, called)
		}
	})

	t.Run("nil kit reads the process environment", func(t *testing.T) {
		t.Setenv(handler.EnvAPIKey, emu.APIKey)
		t.Setenv(handler.EnvBackendAPIURL, emu.BackendURL)
		var name string
		err := gcf.CloudEventHandler(nil, func(ctx context.Context, _ cloudevents.Event, c *wacht.Client) error {
			u, err := c.Users.Get(ctx, wachttest.SeedUserID)
			if err == nil {
				name = u.FirstName
			}
			return err
		})(t.Context(), good)
		if err != nil || name != "Ada" {
			t.Fatalf("user %q, error %v", name, err)
		}
	})

	t.Run("storage handler", func(t *testing.T) {
		e := cloudevents.NewEvent()
		e.SetID("o-1")
		e.SetSource("//storage.googleapis.com/projects/_/buckets/b")
		e.SetType(gcf.TypeStorageDeleted)
		_ = e.SetData(cloudevents.ApplicationJSON, json.RawMessage(`{"bucket":"b","name":"n","size":"3","timeDeleted":"2026-11-26T00:00:00Z"}`))
		var got *gcf.StorageObjectData
		var typ string
		err := gcf.StorageHandler(kit, func(ctx context.Context, o *gcf.StorageObjectData, _ *wacht.Client) error {
			got = o
			ev, _ := gcf.EventFromContext(ctx)
			typ = ev.Type()
			return nil
		})(t.Context(), e)
		if err != nil || got == nil || got.Size != 3 || got.TimeDeleted.IsZero() || typ != gcf.TypeStorageDeleted {
			t.Fatalf("object %+v, type %q, error %v", got, typ, err)
		}
		_ = e.SetData(cloudevents.ApplicationJSON, json.RawMessage(`{"bucket":"b"}`))
		err = gcf.StorageHandler(kit, func(context.Context, *gcf.StorageObjectData, *wacht.Client) error {
			t.Fatal("called for a malformed event")
			return nil
		})(t.Context(), e)
		if statusOf(err) != http.StatusBadRequest || !errors.Is(err, gcf.ErrMissingField) {
			t.Fatalf("error %v", err)
		}
	})
}

func TestNilFunctionsPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"CloudEventHandler": func() { gcf.CloudEventHandler(nil, nil) },
		"PubSubHandler":     func() { gcf.PubSubHandler(nil, nil) },
		"StorageHandler":    func() { gcf.StorageHandler(nil, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s(nil) did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestNewLogHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(gcf.NewLogHandler(&buf, &slog.HandlerOptions{
		Level:     slog.LevelDebug - 4,
		AddSource: true,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == "secret" {
				return slog.String("secret", "[redacted]")
			}
			return a
		},
	}))
	log.Log(t.Context(), slog.LevelDebug-4, "trace-level")
	log.Debug("d")
	log.Info("i", "secret", "hunter2")
	log.Log(t.Context(), slog.LevelInfo+2, "notice-ish")
	log.Warn("w")
	log.Error("e")
	log.Log(t.Context(), slog.LevelError+4, "critical-ish")
	want := []string{"DEBUG", "DEBUG", "INFO", "INFO", "WARNING", "ERROR", "ERROR"}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if m["severity"] != want[i] || m["message"] == nil || m["time"] == nil || m["level"] != nil || m["msg"] != nil {
			t.Errorf("line %d: %v", i, m)
		}
		if loc, _ := m["logging.googleapis.com/sourceLocation"].(map[string]any); loc["file"] == nil || loc["line"] == nil {
			t.Errorf("line %d without sourceLocation: %v", i, m)
		}
	}
	if strings.Contains(buf.String(), "hunter2") {
		t.Fatal("the caller's ReplaceAttr was not applied")
	}
}
