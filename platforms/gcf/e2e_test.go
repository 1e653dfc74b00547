package gcf_test

// End-to-end tests: the test binary re-executes itself as a function
// process (serveChild) that registers functions through this package and
// serves them with the real Functions Framework server,
// funcframework.StartHostPort("127.0.0.1", port), selected by
// FUNCTION_TARGET exactly as a deployed function is. The Wacht side is the
// offline emulator, whose URLs and keys reach the child only through its
// process environment. A child process per target keeps the framework's
// global registry and FUNCTION_TARGET semantics intact, like one function
// instance each.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/testtools"
	"github.com/wacht-platform/serverless-go/platforms/gcf"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

const (
	envChild = "GCF_E2E_CHILD" // "1" makes the test binary serve functions
	envCalls = "GCF_E2E_CALLS" // file the child's functions append a record to per call

	targetHTTP    = "E2EAdminUsers"
	targetPubSub  = "E2EUserUpdates"
	targetStorage = "E2EObjects"
	targetEvent   = "E2EEvent"
	targetPartial = "E2EPartialPanic"

	testProject = "wacht-e2e"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		os.Exit(serveChild())
	}
	os.Exit(m.Run())
}

// callRecord is what a child function writes for each call it receives.
type callRecord struct {
	Function    string            `json:"function"`
	RequestID   string            `json:"request_id"`
	EventID     string            `json:"event_id"`
	EventType   string            `json:"event_type"`
	HasDeadline bool              `json:"has_deadline"`
	HasClient   bool              `json:"has_client"`
	MessageID   string            `json:"message_id,omitempty"`
	Data        string            `json:"data,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	Bucket      string            `json:"bucket,omitempty"`
	Name        string            `json:"name,omitempty"`
	Size        int64             `json:"size,omitempty"`
	UserName    string            `json:"user_name,omitempty"`
}

var recordMu sync.Mutex

func record(ctx context.Context, r callRecord) error {
	e, _ := gcf.EventFromContext(ctx)
	r.RequestID, _ = handler.RequestIDFromContext(ctx)
	r.EventID, r.EventType = e.ID(), e.Type()
	_, r.HasDeadline = ctx.Deadline()
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	recordMu.Lock()
	defer recordMu.Unlock()
	f, err := os.OpenFile(os.Getenv(envCalls), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(append(b, '\n'))
	return err
}

// userUpdate is the JSON body of the Pub/Sub messages the E2EUserUpdates
// function receives.
type userUpdate struct {
	FirstName string `json:"first_name"`
}

func serveChild() int {
	kit := handler.New(handler.Options{Logger: slog.New(gcf.NewLogHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))})

	// The HTTP function: session-protected, lists users with the client
	// Protect hands over, logs one line (for the trace assertions).
	list := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client, _ := handler.ClientFromContext(r.Context())
		page, err := client.Users.List(r.Context(), wacht.ListUsersParams{Limit: 20})
		if err != nil {
			handler.WriteError(w, r, err)
			return
		}
		_, deadline := r.Context().Deadline()
		handler.LoggerFromContext(r.Context()).InfoContext(r.Context(), "listed users", "count", len(page.Data))
		handler.WriteJSON(w, http.StatusOK, map[string]any{"users": len(page.Data), "has_deadline": deadline})
	})
	gcf.HTTP(targetHTTP, kit.Handler(kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})(list)))

	// A Pub/Sub job that updates a user: attributes name the user, the body
	// carries the change.
	gcf.PubSub(targetPubSub, kit, func(ctx context.Context, m *gcf.MessagePublishedData, c *wacht.Client) error {
		var upd userUpdate
		if err := m.Message.DecodeJSON(&upd); err != nil {
			return err
		}
		u, err := c.Users.Update(ctx, m.Message.Attributes["user_id"], wacht.UpdateUserParams{FirstName: &upd.FirstName})
		if err != nil {
			return err
		}
		handler.LoggerFromContext(ctx).InfoContext(ctx, "user updated", "user_id", u.ID)
		return record(ctx, callRecord{Function: targetPubSub, HasClient: c != nil, MessageID: m.Message.ID,
			Data: string(m.Message.Data), Attributes: m.Message.Attributes, UserName: u.FirstName})
	})

	gcf.Storage(targetStorage, kit, func(ctx context.Context, o *gcf.StorageObjectData, c *wacht.Client) error {
		return record(ctx, callRecord{Function: targetStorage, HasClient: c != nil, Bucket: o.Bucket, Name: o.Name, Size: o.Size})
	})

	gcf.CloudEvent(targetEvent, kit, func(ctx context.Context, e cloudevents.Event, c *wacht.Client) error {
		var body struct {
			UserID string `json:"user_id"`
		}
		if err := e.DataAs(&body); err != nil || body.UserID == "" {
			return &gcf.DecodeError{Field: "user_id", Err: gcf.ErrMissingField}
		}
		u, err := c.Users.Get(ctx, body.UserID)
		if err != nil {
			return err
		}
		return record(ctx, callRecord{Function: targetEvent, HasClient: c != nil, UserName: u.FirstName})
	})

	// An HTTP function that starts its answer, flushes it and then panics.
	gcf.HTTP(targetPartial, kit.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "partial ")
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic("died half way through the answer")
	})))

	if err := funcframework.StartHostPort("127.0.0.1", os.Getenv("PORT")); err != nil {
		fmt.Fprintln(os.Stderr, "funcframework:", err)
		return 1
	}
	return 0
}

// fn is one running function process.
type fn struct {
	url    string
	calls  string
	stderr *testtools.Buffer
}

// startFunction runs the test binary as the function process serving
// target, configured from env like a deployed function. The Functions
// Framework listens on the $PORT it is given, so the function is started
// again on another port when another process took that one first.
func startFunction(t *testing.T, target string, env map[string]string) *fn {
	t.Helper()
	calls := filepath.Join(t.TempDir(), "calls.jsonl")
	var p *testtools.Process
	ports := testtools.StartOnFreePorts(t, 1, func(ports []int) error {
		cmd := exec.Command(os.Args[0])
		cmd.Env = childEnv(map[string]string{
			envChild:          "1",
			envCalls:          calls,
			"FUNCTION_TARGET": target,
			"PORT":            strconv.Itoa(ports[0]),
		}, env)
		p = testtools.StartGroup(t, cmd, "function "+target)
		return p.Await(60*time.Second, func() bool { return p.Listening(ports[0]) })
	})
	return &fn{url: "http://" + testtools.Loopback(ports[0]) + "/", calls: calls, stderr: &p.Output}
}

// childEnv is the parent's environment without anything the platform or a
// previous run might have set, plus base and extra.
func childEnv(base, extra map[string]string) []string {
	drop := map[string]bool{"FUNCTION_TARGET": true, "PORT": true, "K_SERVICE": true,
		gcf.EnvCloudRunTimeout: true, gcf.EnvFunctionTimeout: true, gcf.EnvProject: true,
		gcf.EnvProjectGCloud: true, gcf.EnvProjectGCP: true}
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if drop[k] || strings.HasPrefix(k, "WACHT_") || strings.HasPrefix(k, "NEXT_PUBLIC_WACHT_") {
			continue
		}
		out = append(out, kv)
	}
	for _, m := range []map[string]string{base, extra} {
		for k, v := range m {
			out = append(out, k+"="+v)
		}
	}
	return out
}

func emulatorEnv(emu *wachttest.Server) map[string]string {
	return map[string]string{
		handler.EnvAPIKey:         emu.APIKey,
		handler.EnvBackendAPIURL:  emu.BackendURL,
		handler.EnvPublishableKey: emu.PublishableKey,
		gcf.EnvProject:            testProject,
		gcf.EnvCloudRunTimeout:    "120",
	}
}

func (f *fn) records(t *testing.T) []callRecord {
	t.Helper()
	b, err := os.ReadFile(f.calls)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []callRecord
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var r callRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("call record %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// logRecords returns the child's JSON log lines.
func (f *fn) logRecords() []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(f.stderr.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

type answer struct {
	status int
	header http.Header
	body   string
}

func send(t *testing.T, req *http.Request) answer {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{res.StatusCode, res.Header, string(b)}
}

func TestE2EHTTPFunction(t *testing.T) {
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	f := startFunction(t, targetHTTP, emulatorEnv(emu))

	get := func(token, execID string, h map[string]string) answer {
		req, _ := http.NewRequest(http.MethodGet, f.url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if execID != "" {
			req.Header.Set(gcf.HeaderExecutionID, execID)
		}
		for k, v := range h {
			req.Header.Set(k, v)
		}
		return send(t, req)
	}

	t.Run("no token is 401", func(t *testing.T) {
		a := get("", "exec-401", nil)
		if a.status != http.StatusUnauthorized {
			t.Fatalf("status %d, body %s", a.status, a.body)
		}
		var body handler.ErrorBody
		if err := json.Unmarshal([]byte(a.body), &body); err != nil || body.Error != handler.CodeUnauthenticated || body.RequestID != "exec-401" {
			t.Fatalf("body %s (%v)", a.body, err)
		}
		if got := a.header.Get("X-Request-Id"); got != "exec-401" {
			t.Fatalf("X-Request-Id %q, want the execution id", got)
		}
	})

	t.Run("missing permission is 403", func(t *testing.T) {
		token, err := emu.MintToken(wachttest.TokenOptions{OrganizationID: wachttest.SeedOrganizationID, OrganizationPermissions: []string{"billing:manage"}})
		if err != nil {
			t.Fatal(err)
		}
		a := get(token, "exec-403", nil)
		if a.status != http.StatusForbidden || !strings.Contains(a.body, `"forbidden"`) {
			t.Fatalf("status %d, body %s", a.status, a.body)
		}
	})

	t.Run("user:read is 200 with trace and deadline", func(t *testing.T) {
		token, err := emu.MintToken(wachttest.TokenOptions{OrganizationID: wachttest.SeedOrganizationID, OrganizationPermissions: []string{"user:read"}})
		if err != nil {
			t.Fatal(err)
		}
		const trace, span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
		a := get(token, "exec-200", map[string]string{"traceparent": "00-" + trace + "-" + span + "-01"})
		if a.status != http.StatusOK {
			t.Fatalf("status %d, body %s", a.status, a.body)
		}
		var body struct {
			Users       int  `json:"users"`
			HasDeadline bool `json:"has_deadline"`
		}
		if err := json.Unmarshal([]byte(a.body), &body); err != nil || body.Users == 0 || !body.HasDeadline {
			t.Fatalf("body %s (%v)", a.body, err)
		}
		if got := a.header.Get("X-Request-Id"); got != "exec-200" {
			t.Fatalf("X-Request-Id %q", got)
		}
		line := findLog(t, f, "listed users", "exec-200")
		if line[gcf.LogFieldTrace] != "projects/"+testProject+"/traces/"+trace || line[gcf.LogFieldSpanID] != span ||
			line[gcf.LogFieldTraceSampled] != true || line["severity"] != "INFO" {
			t.Fatalf("log line without the trace fields: %v", line)
		}
		if labels, _ := line[gcf.LogFieldLabels].(map[string]any); labels["execution_id"] != "exec-200" {
			t.Fatalf("log line without the execution_id label: %v", line)
		}
	})

	t.Run("X-Cloud-Trace-Context when there is no traceparent", func(t *testing.T) {
		token, _ := emu.MintToken(wachttest.TokenOptions{OrganizationID: wachttest.SeedOrganizationID, OrganizationPermissions: []string{"user:read"}})
		a := get(token, "exec-xctc", map[string]string{"X-Cloud-Trace-Context": "105445aa7843bc8bf206b12000100000/1;o=0"})
		if a.status != http.StatusOK {
			t.Fatalf("status %d, body %s", a.status, a.body)
		}
		line := findLog(t, f, "listed users", "exec-xctc")
		if line[gcf.LogFieldTrace] != "projects/"+testProject+"/traces/105445aa7843bc8bf206b12000100000" ||
			line[gcf.LogFieldSpanID] != "0000000000000001" || line[gcf.LogFieldTraceSampled] != false {
			t.Fatalf("log line: %v", line)
		}
	})

	t.Run("a malformed execution id is not used", func(t *testing.T) {
		a := get("", "<script>", nil)
		if a.status != http.StatusUnauthorized {
			t.Fatalf("status %d", a.status)
		}
		if got := a.header.Get("X-Request-Id"); got == "" || got == "<script>" {
			t.Fatalf("X-Request-Id %q", got)
		}
	})
}

// findLog returns the child's log record with msg and request id.
// The child writes the record while or after its answer is on the wire,
// and the line reaches the test through a pipe, so it may arrive after the
// response: wait for it briefly.
func findLog(t *testing.T, f *fn, msg, requestID string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		for _, m := range f.logRecords() {
			if m["message"] == msg && m["request_id"] == requestID {
				return m
			}
		}
		if time.Now().After(deadline) {
			break
		}
	}
	t.Fatalf("no %q log record for request %s in:\n%s", msg, requestID, f.stderr.String())
	return nil
}

// pubsubPayload is the data of a messagePublished event carrying a user
// update for userID.
func pubsubPayload(t *testing.T, messageID, userID, firstName string) []byte {
	t.Helper()
	body, _ := json.Marshal(userUpdate{FirstName: firstName})
	b, err := json.Marshal(gcf.MessagePublishedData{
		Message: gcf.PubSubMessage{
			ID: messageID, Data: body, Attributes: map[string]string{"user_id": userID},
			PublishTime: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC),
		},
		Subscription: "projects/" + testProject + "/subscriptions/user-updates",
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func structured(t *testing.T, url string, envelope map[string]any) *http.Request {
	t.Helper()
	b, err := json.Marshal(envelope)
	if err != nil {
		t.Fatal(err)
	}
	return rawStructured(url, string(b))
}

func rawStructured(url, body string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/cloudevents+json")
	return req
}

func binary(url string, attrs map[string]string, data []byte) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range attrs {
		req.Header.Set("ce-"+k, v)
	}
	return req
}

func legacy(url, body string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

func firstName(t *testing.T, emu *wachttest.Server, userID string) string {
	t.Helper()
	c, err := wacht.NewClient(wacht.Config{APIKey: emu.APIKey, BaseURL: emu.BackendURL})
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.Users.Get(t.Context(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return u.FirstName
}

func backendRequests(emu *wachttest.Server) int64 {
	var n int64
	for _, v := range emu.Stats().Requests {
		n += v
	}
	return n
}

func TestE2EPubSubFunction(t *testing.T) {
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	f := startFunction(t, targetPubSub, emulatorEnv(emu))
	const source = "//pubsub.googleapis.com/projects/" + testProject + "/topics/user-updates"

	t.Run("structured mode", func(t *testing.T) {
		a := send(t, structured(t, f.url, map[string]any{
			"specversion": "1.0", "id": "msg-structured", "source": source, "type": gcf.TypePubSubPublished,
			"datacontenttype": "application/json", "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
			"data": json.RawMessage(pubsubPayload(t, "msg-structured", wachttest.SeedUserID, "Augusta")),
		}))
		if a.status != http.StatusOK {
			t.Fatalf("status %d, body %q", a.status, a.body)
		}
		rec := lastRecord(t, f)
		if rec.EventID != "msg-structured" || rec.RequestID != "msg-structured" || rec.MessageID != "msg-structured" ||
			rec.Data != `{"first_name":"Augusta"}` || rec.Attributes["user_id"] != wachttest.SeedUserID ||
			!rec.HasClient || !rec.HasDeadline || rec.UserName != "Augusta" {
			t.Fatalf("record %+v", rec)
		}
		if got := firstName(t, emu, wachttest.SeedUserID); got != "Augusta" {
			t.Fatalf("user's first name %q after the event", got)
		}
		line := findLog(t, f, "user updated", "msg-structured")
		if line["event_type"] != gcf.TypePubSubPublished || line["event_source"] != source ||
			line[gcf.LogFieldTrace] != "projects/"+testProject+"/traces/0af7651916cd43dd8448eb211c80319c" ||
			line[gcf.LogFieldSpanID] != "b7ad6b7169203331" {
			t.Fatalf("log line %v", line)
		}
	})

	t.Run("binary mode", func(t *testing.T) {
		a := send(t, binary(f.url, map[string]string{
			"specversion": "1.0", "id": "msg-binary", "source": source, "type": gcf.TypePubSubPublished,
		}, pubsubPayload(t, "msg-binary", wachttest.SeedUser2ID, "Amazing")))
		if a.status != http.StatusOK {
			t.Fatalf("status %d, body %q", a.status, a.body)
		}
		rec := lastRecord(t, f)
		if rec.EventID != "msg-binary" || rec.MessageID != "msg-binary" || rec.UserName != "Amazing" {
			t.Fatalf("record %+v", rec)
		}
		if got := firstName(t, emu, wachttest.SeedUser2ID); got != "Amazing" {
			t.Fatalf("user's first name %q after the event", got)
		}
	})

	t.Run("legacy background shape", func(t *testing.T) {
		body := fmt.Sprintf(`{"context":{"eventId":"legacy-1","timestamp":"2026-11-26T12:00:00.000Z",`+
			`"eventType":"google.pubsub.topic.publish","resource":{"service":"pubsub.googleapis.com",`+
			`"name":"projects/%s/topics/user-updates","type":"type.googleapis.com/google.pubsub.v1.PubsubMessage"}},`+
			`"data":{"@type":"type.googleapis.com/google.pubsub.v1.PubsubMessage","attributes":{"user_id":%q},"data":%q}}`,
			testProject, wachttest.SeedUser3ID, "eyJmaXJzdF9uYW1lIjoiQmxldGNobGV5In0=") // {"first_name":"Bletchley"}
		a := send(t, legacy(f.url, body))
		if a.status != http.StatusOK {
			t.Fatalf("status %d, body %q", a.status, a.body)
		}
		rec := lastRecord(t, f)
		if rec.EventID != "legacy-1" || rec.EventType != gcf.TypePubSubPublished || rec.MessageID != "legacy-1" ||
			rec.Data != `{"first_name":"Bletchley"}` || rec.UserName != "Bletchley" {
			t.Fatalf("record %+v", rec)
		}
	})

	// Malformed events: each is answered 400 with a message naming what is
	// wrong, and neither the function nor the backend is reached.
	malformed := []struct {
		name string
		req  func() *http.Request
		want []string // substrings of the answer's body
	}{
		{"bad base64 in message.data", func() *http.Request {
			return structured(t, f.url, map[string]any{"specversion": "1.0", "id": "bad-b64", "source": source, "type": gcf.TypePubSubPublished,
				"datacontenttype": "application/json", "data": map[string]any{"message": map[string]any{"messageId": "1", "data": "%%%not base64"}}})
		}, []string{"bad-b64", "message.data", "base64"}},
		{"no message", func() *http.Request {
			return binary(f.url, map[string]string{"specversion": "1.0", "id": "no-msg", "source": source, "type": gcf.TypePubSubPublished},
				[]byte(`{"subscription":"projects/p/subscriptions/s"}`))
		}, []string{"no-msg", "message", "required field is missing"}},
		{"data that is not JSON", func() *http.Request {
			return binary(f.url, map[string]string{"specversion": "1.0", "id": "not-json", "source": source, "type": gcf.TypePubSubPublished},
				[]byte(`{"message":`))
		}, []string{"not-json", "data"}},
		{"message body the function cannot read", func() *http.Request {
			return binary(f.url, map[string]string{"specversion": "1.0", "id": "bad-body", "source": source, "type": gcf.TypePubSubPublished},
				[]byte(`{"message":{"messageId":"7","data":"bm90IGpzb24="}}`)) // "not json"
		}, []string{"bad-body", "message.data"}},
		{"storage event sent to a Pub/Sub function", func() *http.Request {
			return binary(f.url, map[string]string{"specversion": "1.0", "id": "wrong-type", "source": "//storage.googleapis.com/projects/_/buckets/b", "type": gcf.TypeStorageFinalized},
				[]byte(`{"bucket":"b","name":"o"}`))
		}, []string{"wrong-type", "unexpected event type"}},
		{"envelope without a type", func() *http.Request {
			return rawStructured(f.url, `{"specversion":"1.0","id":"no-type","source":"//x"}`)
		}, []string{"type"}},
		{"legacy body that is not an event", func() *http.Request {
			return legacy(f.url, `{"hello":"world"}`)
		}, []string{"background event"}},
	}
	for _, tc := range malformed {
		t.Run(tc.name, func(t *testing.T) {
			before, backend := len(f.records(t)), backendRequests(emu)
			a := send(t, tc.req())
			if a.status != http.StatusBadRequest {
				t.Fatalf("status %d, body %q; want 400", a.status, a.body)
			}
			for _, s := range tc.want {
				if !strings.Contains(a.body, s) {
					t.Errorf("body %q does not mention %q", a.body, s)
				}
			}
			if after := len(f.records(t)); after != before {
				t.Errorf("the function ran for a malformed event (%d calls, was %d)", after, before)
			}
			if n := backendRequests(emu); n != backend {
				t.Errorf("the backend got %d requests for a malformed event", n-backend)
			}
		})
	}

	// The CloudEvents SDK answers a structured body that is not JSON with
	// 500 and no text; the function must still not run.
	t.Run("structured body that is not JSON", func(t *testing.T) {
		before := len(f.records(t))
		a := send(t, rawStructured(f.url, `{"specversion":`))
		if a.status < 400 {
			t.Fatalf("status %d for an unreadable envelope", a.status)
		}
		if after := len(f.records(t)); after != before {
			t.Fatalf("the function ran for an unreadable envelope")
		}
	})
}

func lastRecord(t *testing.T, f *fn) callRecord {
	t.Helper()
	recs := f.records(t)
	if len(recs) == 0 {
		t.Fatal("the function recorded no call")
	}
	return recs[len(recs)-1]
}

func TestE2EStorageFunction(t *testing.T) {
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	f := startFunction(t, targetStorage, emulatorEnv(emu))
	const source = "//storage.googleapis.com/projects/_/buckets/uploads"

	t.Run("binary mode", func(t *testing.T) {
		a := send(t, binary(f.url, map[string]string{"specversion": "1.0", "id": "obj-1", "source": source,
			"type": gcf.TypeStorageFinalized, "subject": "objects/avatars/ada.png"},
			[]byte(`{"bucket":"uploads","name":"avatars/ada.png","generation":"1700000000000001","size":"2048","contentType":"image/png","timeCreated":"2026-11-26T12:00:00.123Z"}`)))
		if a.status != http.StatusOK {
			t.Fatalf("status %d, body %q", a.status, a.body)
		}
		rec := lastRecord(t, f)
		if rec.EventID != "obj-1" || rec.EventType != gcf.TypeStorageFinalized || rec.Bucket != "uploads" ||
			rec.Name != "avatars/ada.png" || rec.Size != 2048 || !rec.HasClient {
			t.Fatalf("record %+v", rec)
		}
	})

	t.Run("legacy background shape", func(t *testing.T) {
		a := send(t, legacy(f.url, `{"context":{"eventId":"obj-legacy","timestamp":"2026-11-26T12:00:00.000Z",`+
			`"eventType":"google.storage.object.finalize","resource":{"service":"storage.googleapis.com",`+
			`"name":"projects/_/buckets/uploads/objects/report.csv","type":"storage#object"}},`+
			`"data":{"kind":"storage#object","bucket":"uploads","name":"report.csv","size":"17","generation":"2"}}`))
		if a.status != http.StatusOK {
			t.Fatalf("status %d, body %q", a.status, a.body)
		}
		rec := lastRecord(t, f)
		if rec.EventID != "obj-legacy" || rec.EventType != gcf.TypeStorageFinalized || rec.Name != "report.csv" || rec.Size != 17 {
			t.Fatalf("record %+v", rec)
		}
	})

	t.Run("size that is not a number is 400", func(t *testing.T) {
		before := len(f.records(t))
		a := send(t, binary(f.url, map[string]string{"specversion": "1.0", "id": "obj-bad", "source": source, "type": gcf.TypeStorageFinalized},
			[]byte(`{"bucket":"uploads","name":"x","size":"big"}`)))
		if a.status != http.StatusBadRequest || !strings.Contains(a.body, "obj-bad") || !strings.Contains(a.body, "size") {
			t.Fatalf("status %d, body %q", a.status, a.body)
		}
		if len(f.records(t)) != before {
			t.Fatal("the function ran for a malformed event")
		}
	})
}

func TestE2ECloudEventFunction(t *testing.T) {
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	f := startFunction(t, targetEvent, emulatorEnv(emu))

	a := send(t, binary(f.url, map[string]string{"specversion": "1.0", "id": "job-1", "source": "//scheduler", "type": "com.example.user.audit"},
		[]byte(`{"user_id":"`+wachttest.SeedUserID+`"}`)))
	if a.status != http.StatusOK {
		t.Fatalf("status %d, body %q", a.status, a.body)
	}
	rec := lastRecord(t, f)
	if rec.RequestID != "job-1" || rec.UserName != "Ada" || !rec.HasClient || !rec.HasDeadline {
		t.Fatalf("record %+v", rec)
	}

	// A *DecodeError returned by the function becomes the 400 answer, with
	// the event's id and type filled in.
	a = send(t, binary(f.url, map[string]string{"specversion": "1.0", "id": "job-2", "source": "//scheduler", "type": "com.example.user.audit"},
		[]byte(`{}`)))
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, "job-2 (com.example.user.audit): user_id: required field is missing") {
		t.Fatalf("status %d, body %q", a.status, a.body)
	}
}

// A panic after the answer started must reach the caller as a failed
// request, not as a complete 200 with a truncated body: the Functions
// Framework would otherwise recover the panic and append its own 500 text
// to the body already sent.
func TestE2EPanicAfterFirstByteFailsTheRequest(t *testing.T) {
	f := startFunction(t, targetPartial, nil)
	res, err := http.Get(f.url)
	if err != nil {
		// The connection dropped before the status line could be read:
		// also a failed request.
		return
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil {
		t.Fatalf("the caller read a complete answer: %d %q", res.StatusCode, body)
	}
	if !strings.HasPrefix(string(body), "partial ") {
		t.Errorf("body before the abort: %q", body)
	}
}
