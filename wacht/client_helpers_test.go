package wacht

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract"
)

const testAPIKey = "sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

// testServer is a local server whose every request is validated against the
// platform spec. Responses are validated too unless the test sends
// deliberately off-spec bodies (old error formats, plain text).
type testServer struct {
	*httptest.Server
	conns    atomic.Int64 // TCP connections accepted
	requests atomic.Int64
}

type serverOptions struct {
	// offSpecResponses skips response validation (requests are still
	// validated).
	offSpecResponses bool
	// prefix is a path prefix in front of the API (a proxy mount point);
	// it is stripped before validation.
	prefix string
}

func newTestServer(t testing.TB, h http.HandlerFunc, opts serverOptions) *testServer {
	t.Helper()
	doc, err := contract.Platform()
	if err != nil {
		t.Fatalf("load platform contract: %v", err)
	}
	var mu sync.Mutex
	var violations []error
	report := func(err error) {
		mu.Lock()
		violations = append(violations, err)
		mu.Unlock()
	}
	ts := &testServer{}
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.requests.Add(1)
		h(w, r)
	})
	var handler http.Handler
	if opts.offSpecResponses {
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := doc.ValidateRequest(r); err != nil {
				report(err)
			}
			counted(w, r)
		})
	} else {
		handler = doc.Middleware(counted, report)
	}
	if opts.prefix != "" {
		handler = http.StripPrefix(opts.prefix, handler)
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			ts.conns.Add(1)
		}
	}
	srv.Start()
	ts.Server = srv
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, v := range violations {
			t.Errorf("contract violation: %v", v)
		}
	})
	return ts
}

// newTestClient builds a client for ts; cfg's APIKey and BaseURL are filled
// in when empty.
func newTestClient(t testing.TB, ts *testServer, cfg Config) *Client {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = testAPIKey
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = ts.URL
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(body))
}

const userJSON = `{"id":"u_1","created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z",` +
	`"first_name":"Ada","last_name":"Lovelace","username":"ada","profile_picture_url":"https://img.example/ada.png",` +
	`"primary_email_address":"ada@example.com","primary_phone_number":null}`

// seen records strings from handler goroutines for the test goroutine.
type seen struct {
	mu   sync.Mutex
	vals []string
}

func (s *seen) add(v string) {
	s.mu.Lock()
	s.vals = append(s.vals, v)
	s.mu.Unlock()
}

func (s *seen) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.vals...)
}

func (s *seen) last() string {
	all := s.all()
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1]
}

// memClient is a client whose requests h answers in memory, in a goroutine
// of the caller's testing/synctest bubble, where the real waits between
// attempts take exact, fake time. Retries have no jitter.
func memClient(t testing.TB, h http.HandlerFunc, cfg Config) *Client {
	t.Helper()
	cfg.APIKey = testAPIKey
	cfg.BaseURL = "https://api.test"
	cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			h(rec, r)
		}()
		select {
		case <-done:
		case <-r.Context().Done():
		}
		if err := r.Context().Err(); err != nil {
			return nil, err
		}
		res := rec.Result()
		res.Request = r
		return res, nil
	})}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	c.retry.jitter = func() float64 { return 0 }
	return c
}
