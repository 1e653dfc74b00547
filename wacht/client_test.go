package wacht

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestNewClientRequiresAPIKey(t *testing.T) {
	for _, key := range []string{"", "   "} {
		_, err := NewClient(Config{APIKey: key})
		if !errors.Is(err, ErrMissingAPIKey) {
			t.Fatalf("NewClient(APIKey %q) error = %v, want ErrMissingAPIKey", key, err)
		}
		for _, want := range []string{"WACHT_API_KEY", "Config.APIKey"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
		}
	}
	_, err := NewClient(Config{APIKey: "sk_test_a b"})
	if err == nil || strings.Contains(err.Error(), "sk_test_a b") {
		t.Fatalf("NewClient with white space in the key: error = %v (must fail without echoing the key)", err)
	}
}

func TestNewClientBaseURL(t *testing.T) {
	good := map[string]string{
		"":                              DefaultBaseURL,
		"https://api.wacht.dev/":        "https://api.wacht.dev",
		"http://127.0.0.1:8080":         "http://127.0.0.1:8080",
		" https://proxy.example/wacht/": "https://proxy.example/wacht",
	}
	for in, want := range good {
		c, err := NewClient(Config{APIKey: testAPIKey, BaseURL: in})
		if err != nil {
			t.Errorf("BaseURL %q: %v", in, err)
			continue
		}
		if c.BaseURL() != want {
			t.Errorf("BaseURL %q -> %q, want %q", in, c.BaseURL(), want)
		}
	}
	bad := []string{"api.wacht.dev", "ftp://api.wacht.dev", "https://", "https://api.wacht.dev?x=1",
		"https://api.wacht.dev/#frag", "https://user:pass@api.wacht.dev", "://bad", "/relative"}
	for _, in := range bad {
		_, err := NewClient(Config{APIKey: testAPIKey, BaseURL: in})
		if err == nil {
			t.Errorf("BaseURL %q accepted", in)
			continue
		}
		if !strings.Contains(err.Error(), "WACHT_BACKEND_API_URL") {
			t.Errorf("BaseURL %q: error %q does not name WACHT_BACKEND_API_URL", in, err)
		}
		if strings.Contains(err.Error(), "pass") {
			t.Errorf("BaseURL %q: error %q echoes credentials", in, err)
		}
	}
	if _, err := NewClient(Config{APIKey: testAPIKey, MaxRetries: -1}); err == nil {
		t.Error("negative MaxRetries accepted")
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{envAPIKey: " " + testAPIKey + "\n", envBackendAPIURL: "http://127.0.0.1:9999"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg := ConfigFromEnv(lookup)
	if cfg.APIKey != testAPIKey || cfg.BaseURL != "http://127.0.0.1:9999" {
		t.Fatalf("ConfigFromEnv = %+v (key set: %t)", cfg, cfg.APIKey == testAPIKey)
	}
	c, err := NewClientFromEnv(lookup)
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != "http://127.0.0.1:9999" {
		t.Errorf("BaseURL = %q", c.BaseURL())
	}
	_, err = NewClientFromEnv(func(string) (string, bool) { return "", false })
	if !errors.Is(err, ErrMissingAPIKey) {
		t.Errorf("empty env: error = %v, want ErrMissingAPIKey", err)
	}
	if got := ConfigFromEnv(nil); got.APIKey != "" || got.BaseURL != "" {
		t.Errorf("ConfigFromEnv(nil) = %v", got)
	}
}

func TestRequestHeaders(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testAPIKey {
			t.Errorf("Authorization = %q", got)
		}
		if got := r.Header.Get("User-Agent"); got != UserAgent+" my-func/1.0" {
			t.Errorf("User-Agent = %q, want %q", got, UserAgent+" my-func/1.0")
		}
		if got := r.Header.Get("X-Tenant"); got != "acme" {
			t.Errorf("X-Tenant = %q", got)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("Accept = %q", got)
		}
		writeJSON(w, 200, `{"data":[],"has_more":false,"limit":20,"offset":0}`)
	}, serverOptions{})
	hdr := http.Header{}
	hdr.Set("X-Tenant", "acme")
	hdr.Set("User-Agent", "my-func/1.0")
	hdr.Set("Authorization", "Bearer someone-else")
	c := newTestClient(t, ts, Config{Header: hdr})
	hdr.Set("X-Tenant", "changed-after-construction")
	if _, err := c.Users.List(context.Background(), ListUsersParams{}); err != nil {
		t.Fatal(err)
	}
}

func TestPathSegmentsAreEscaped(t *testing.T) {
	var got seen
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		got.add(r.URL.EscapedPath())
		w.WriteHeader(http.StatusNoContent)
	}, serverOptions{offSpecResponses: true})
	c := newTestClient(t, ts, Config{})
	ctx := context.Background()
	// Slugs are free text; numeric ids (user_id, email_id) are checked by
	// the contract, so a slug carries the characters that need escaping.
	if err := c.APIAuth.DeleteApp(ctx, "a 1?x#y"); err != nil {
		t.Fatal(err)
	}
	if want := "/api-auth/apps/a%201%3Fx%23y"; got.last() != want {
		t.Errorf("path = %q, want %q", got.last(), want)
	}
	before := ts.requests.Load()
	for _, id := range []string{"", ".", ".."} {
		err := c.Users.Delete(ctx, id)
		if !errors.Is(err, ErrInvalidParams) {
			t.Errorf("Delete(%q) error = %v, want ErrInvalidParams", id, err)
		}
	}
	if ts.requests.Load() != before {
		t.Error("an invalid id was sent to the server")
	}
}

func TestBaseURLPathPrefix(t *testing.T) {
	var got seen
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		got.add(r.RequestURI)
		writeJSON(w, 404, `{"errors":[{"message":"not here","code":404}]}`)
	}, serverOptions{prefix: "/backend"})
	c := newTestClient(t, ts, Config{BaseURL: ts.URL + "/backend/"})
	if err := c.Users.Delete(context.Background(), "1001"); !IsNotFound(err) {
		t.Errorf("error = %v, want not found", err)
	}
	if got.last() != "/backend/users/1001" {
		t.Errorf("path = %q, want /backend/users/1001", got.last())
	}
}

// TestConnectionReuse: one Client uses one *http.Client, and 100 sequential
// calls (successes and API errors alike) travel over one TCP connection.
func TestConnectionReuse(t *testing.T) {
	var n atomic.Int64
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%10 == 0 {
			writeJSON(w, 404, `{"errors":[{"message":"user not found","code":404}]}`)
			return
		}
		writeJSON(w, 200, `{"data":[`+userJSON+`],"has_more":false,"limit":20,"offset":0}`)
	}, serverOptions{})
	c := newTestClient(t, ts, Config{})
	ctx := context.Background()
	for i := 0; i < 100; i++ {
		_, err := c.Users.List(ctx, ListUsersParams{})
		if i%10 == 9 {
			if !IsNotFound(err) {
				t.Fatalf("call %d: error = %v, want not found", i, err)
			}
		} else if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := ts.requests.Load(); got != 100 {
		t.Fatalf("server saw %d requests, want 100", got)
	}
	if got := ts.conns.Load(); got != 1 {
		t.Errorf("100 sequential calls opened %d TCP connections, want 1", got)
	}
}

func TestCustomHTTPClientIsUsed(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{}`)
	}, serverOptions{})
	used := 0
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used++
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := newTestClient(t, ts, Config{HTTPClient: hc})
	if err := c.Users.Delete(context.Background(), "1001"); err != nil {
		t.Fatal(err)
	}
	if used != 1 {
		t.Errorf("custom transport used %d times, want 1", used)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTimeoutBoundsTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := memClient(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, Config{Timeout: 50 * time.Millisecond})
		start := time.Now()
		err := c.Users.Delete(context.Background(), "1001")
		if took := time.Since(start); took != 50*time.Millisecond {
			t.Errorf("the call returned after %v, want Config.Timeout (50ms)", took)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error = %v, want context.DeadlineExceeded", err)
		}
		var re *RequestError
		if !errors.As(err, &re) || re.Method != http.MethodDelete || re.Path != "/users/1001" {
			t.Errorf("error = %#v, want a *RequestError for DELETE /users/1001", err)
		}
	})
}

func TestMultipartCreate(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/form-data" {
			t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
			return
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		got := map[string]string{}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(p)
			key := p.FormName()
			if p.FileName() != "" {
				key += ";" + p.FileName() + ";" + p.Header.Get("Content-Type")
			}
			got[key] = string(b)
		}
		want := map[string]string{
			"name":                                  "Acme",
			"public_metadata":                       `{"plan":"pro"}`,
			"organization_image;logo.png;image/png": "PNGDATA",
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("part %s = %q, want %q", k, got[k], v)
			}
		}
		if _, ok := got["description"]; ok {
			t.Error("unset description was sent")
		}
		writeJSON(w, 200, `{"id":"org_1","created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z",`+
			`"name":"Acme","image_url":"","description":"","member_count":0,"public_metadata":{"plan":"pro"},"private_metadata":{}}`)
	}, serverOptions{})
	c := newTestClient(t, ts, Config{})
	org, err := c.Organizations.Create(context.Background(), CreateOrganizationParams{
		Name:              "Acme",
		PublicMetadata:    map[string]any{"plan": "pro"},
		OrganizationImage: &File{Name: "logo.png", ContentType: "image/png", Content: strings.NewReader("PNGDATA")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if org.Name != "Acme" {
		t.Errorf("Name = %q", org.Name)
	}
}

func TestLoggerNeverSeesTheKey(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var calls atomic.Int64
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			writeJSON(w, 503, `{"message":"busy"}`)
			return
		}
		writeJSON(w, 200, `{}`)
	}, serverOptions{offSpecResponses: true})
	c := newTestClient(t, ts, Config{Logger: logger})
	c.sleep = func(context.Context, time.Duration) bool { return true }
	if err := c.Users.Delete(context.Background(), "1001"); err != nil {
		t.Fatal(err)
	}
	logger.Info("config", "cfg", Config{APIKey: testAPIKey}, "client", c)
	out := buf.String()
	if strings.Contains(out, testAPIKey) {
		t.Fatalf("log output contains the API key:\n%s", out)
	}
	for _, want := range []string{`"msg":"wacht: request"`, `"msg":"wacht: retrying request"`, `"path":"/users/1001"`, `"status":503`} {
		if !strings.Contains(out, want) {
			t.Errorf("log output lacks %s:\n%s", want, out)
		}
	}
}

func TestReplayParamsAreValidated(t *testing.T) {
	// Not newTestServer: the published spec types this body as a string
	// (see knownSpecFlaws), so the contract check would reject every
	// correct request.
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body["status"] != "failed" || body["start_date"] != "2026-01-01T00:00:00Z" {
			t.Errorf("body = %v (%v)", body, err)
		}
		writeJSON(w, 200, `{"status":"queued","message":"ok"}`)
	}))
	defer srv.Close()
	c, err := NewClient(Config{APIKey: testAPIKey, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	bad := []ReplayDeliveriesParams{
		{},
		{DeliveryIDs: []string{"d_1"}, StartDate: &start},
		{DeliveryIDs: []string{"d_1"}, Status: "failed"},
	}
	for _, p := range bad {
		if _, err := c.Webhooks.Replay(context.Background(), "app", p); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("Replay(%+v) error = %v, want ErrInvalidParams", p, err)
		}
	}
	if requests.Load() != 0 {
		t.Fatal("invalid replay params reached the server")
	}
	if _, err := c.Webhooks.Replay(context.Background(), "app", ReplayDeliveriesParams{StartDate: &start, Status: "failed"}); err != nil {
		t.Fatal(err)
	}
}
