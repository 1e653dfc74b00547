package wachttest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/internal/contract"
)

func getStatus(t *testing.T, hc *http.Client, url, key string) (int, http.Header, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, res.Header, nil
}

func TestFaultStatuses(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	hc := &http.Client{}
	users := s.BackendURL + "/users"
	s.InjectFault(Fault{Route: "getActiveUserList", Times: 1, Status: http.StatusTooManyRequests, RetryAfter: 3 * time.Second})
	s.InjectFault(Fault{Route: "getActiveUserList", Times: 1, Status: http.StatusInternalServerError})
	s.InjectFault(Fault{Route: "getActiveUserList", Times: 2, Status: http.StatusServiceUnavailable})
	want := []int{429, 500, 503, 503, 200}
	for i, w := range want {
		code, hdr, err := getStatus(t, hc, users, s.APIKey)
		if err != nil || code != w {
			t.Fatalf("request %d: %d %v, want %d", i, code, err, w)
		}
		if w == 429 && hdr.Get("Retry-After") != "3" {
			t.Errorf("Retry-After %q", hdr.Get("Retry-After"))
		}
	}
	// A fault on another route does not touch this one; a plain 429 gets
	// Retry-After: 1; the body is in the spec's error shape.
	s.InjectFault(Fault{Route: "getOrganizationList", Status: 429})
	if code, _, _ := getStatus(t, hc, users, s.APIKey); code != 200 {
		t.Errorf("unrelated route: %d", code)
	}
	code, body := newClient(t, s).get("/organizations")
	if code != 429 {
		t.Fatalf("org list: %d", code)
	}
	errorMessage(t, body, 429)
	if got := s.Stats().FaultsApplied; got != 5 {
		t.Errorf("FaultsApplied = %d", got)
	}
	s.ClearFaults()
	if code, _, _ := getStatus(t, hc, s.BackendURL+"/organizations", s.APIKey); code != 200 {
		t.Errorf("after ClearFaults: %d", code)
	}
}

func TestFaultLatencyAndRemove(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	remove := s.InjectFault(Fault{Route: AnyBackendRoute, Latency: time.Hour})
	// The delay is observable as a client timeout; the server side ends
	// the wait when the client goes away.
	hc := &http.Client{Timeout: 100 * time.Millisecond}
	_, _, err := getStatus(t, hc, s.BackendURL+"/users", s.APIKey)
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("slow route: err %v, want a timeout", err)
	}
	// The frontend is not affected by a backend-only fault.
	if code, _, err := getStatus(t, hc, s.FrontendURL+"/.well-known/jwks.json", ""); err != nil || code != 200 {
		t.Fatalf("JWKS during backend latency: %d %v", code, err)
	}
	remove()
	if code, _, err := getStatus(t, &http.Client{}, s.BackendURL+"/users", s.APIKey); err != nil || code != 200 {
		t.Fatalf("after remove: %d %v", code, err)
	}
	// A small latency followed by normal service.
	s.InjectFault(Fault{Route: "getActiveUserList", Latency: time.Millisecond, Times: 1})
	if code, _, err := getStatus(t, &http.Client{}, s.BackendURL+"/users", s.APIKey); err != nil || code != 200 {
		t.Fatalf("short latency: %d %v", code, err)
	}
}

func TestFaultDroppedConnection(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	remove := s.InjectFault(Fault{Route: "getUserDetails", Drop: true})
	_, _, err := getStatus(t, &http.Client{}, s.BackendURL+"/users/"+SeedUserID+"/details", s.APIKey)
	if err == nil {
		t.Fatal("dropped connection produced a response")
	}
	if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Logf("drop error: %v", err)
	}
	remove()
	if code, _, err := getStatus(t, &http.Client{}, s.BackendURL+"/users/"+SeedUserID+"/details", s.APIKey); err != nil || code != 200 {
		t.Fatalf("after drop removed: %d %v", code, err)
	}
	// Dropping on the gateway and frontend works the same way.
	s.InjectFault(Fault{Route: AnyRoute, Drop: true, Times: 1})
	if _, _, err := getStatus(t, &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}, s.FrontendURL+"/.well-known/jwks.json", ""); err == nil {
		t.Error("AnyRoute drop did not drop the JWKS request")
	}
}

func TestJWKSOutageAndSlowJWKS(t *testing.T) {
	s := newChecked(t, Options{})
	hc := &http.Client{}
	jwks := s.FrontendURL + "/.well-known/jwks.json"
	remove := s.InjectFault(Fault{Route: RouteJWKS, Status: http.StatusServiceUnavailable})
	for range 2 {
		if code, _, err := getStatus(t, hc, jwks, ""); err != nil || code != 503 {
			t.Fatalf("outage: %d %v", code, err)
		}
	}
	remove()
	s.InjectFault(Fault{Route: RouteJWKS, Latency: time.Hour, Times: 1})
	if _, _, err := getStatus(t, &http.Client{Timeout: 100 * time.Millisecond}, jwks, ""); err == nil {
		t.Fatal("slow JWKS answered within the client timeout")
	}
	if code, _, err := getStatus(t, hc, jwks, ""); err != nil || code != 200 {
		t.Fatalf("after slow JWKS: %d %v", code, err)
	}
	if got := s.Stats().JWKSFetches; got != 4 {
		t.Errorf("JWKSFetches = %d, want 4 (faulted fetches count)", got)
	}
}

func TestStatsCountConnectionsAndOperations(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	c := newClient(t, s)
	c.hc = &http.Client{Transport: &http.Transport{}}
	for range 3 {
		c.mustJSON(http.MethodGet, "/users", nil)
	}
	c.mustJSON(http.MethodGet, "/organizations", nil)
	st := s.Stats()
	if st.BackendConnections != 1 {
		t.Errorf("BackendConnections = %d, want 1 (keep-alive)", st.BackendConnections)
	}
	if st.Requests["getActiveUserList"] != 3 || st.Requests["getOrganizationList"] != 1 {
		t.Errorf("Requests = %v", st.Requests)
	}
	if st.FrontendConnections != 0 || st.JWKSFetches != 0 {
		t.Errorf("frontend untouched, got %+v", st)
	}
	// Concurrent clients each open their own connection.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			_, _, _ = getStatus(t, &http.Client{Transport: tr}, s.BackendURL+"/users", s.APIKey)
		}()
	}
	wg.Wait()
	if got := s.Stats().BackendConnections; got != 5 {
		t.Errorf("BackendConnections after 4 more clients = %d", got)
	}
	s.ResetStats()
	if st := s.Stats(); st.BackendConnections != 0 || len(st.Requests) != 0 {
		t.Errorf("after reset: %+v", st)
	}
}

// fakeTB records what New reports to a test.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) { f.Errorf(format, args...) }
func (f *fakeTB) Cleanup(fn func())                 { f.cleanups = append(f.cleanups, fn) }

func TestNewFailsTheTestOnContractViolation(t *testing.T) {
	ft := &fakeTB{}
	var seen []error
	s := New(ft, Options{Validate: contract.Validate, OnViolation: func(err error) { seen = append(seen, err) }})
	defer func() {
		for _, fn := range ft.cleanups {
			fn()
		}
	}()
	if len(ft.cleanups) != 1 {
		t.Fatalf("New registered %d cleanups", len(ft.cleanups))
	}
	// A valid request: no report.
	newClient(t, s).mustJSON(http.MethodGet, "/users?limit=5", nil)
	if len(ft.errs) != 0 {
		t.Fatalf("valid request reported: %v", ft.errs)
	}
	// limit must be an integer: the request breaks the contract.
	code, _, err := getStatus(t, &http.Client{}, s.BackendURL+"/users?limit=many", s.APIKey)
	if err != nil || code != http.StatusBadRequest {
		t.Fatalf("bad limit: %d %v", code, err)
	}
	if len(ft.errs) != 1 || !strings.Contains(ft.errs[0], "contract violation") || len(seen) != 1 {
		t.Fatalf("violation not reported: %v / %v", ft.errs, seen)
	}
	if len(s.Violations()) != 1 || s.Stats().Violations != 1 {
		t.Errorf("Violations() %v", s.Violations())
	}
}

func TestZeroFaultMatchesEverything(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	s.InjectFault(Fault{Status: http.StatusServiceUnavailable, Times: 3})
	for _, u := range []string{s.BackendURL + "/users", s.FrontendURL + "/.well-known/jwks.json", s.GatewayURL + "/v1/authz/check"} {
		if code, _, err := getStatus(t, &http.Client{}, u, s.APIKey); err != nil || code != http.StatusServiceUnavailable {
			t.Errorf("%s: %d %v", u, code, err)
		}
	}
	if code, _, err := getStatus(t, &http.Client{}, s.BackendURL+"/users", s.APIKey); err != nil || code != http.StatusOK {
		t.Errorf("after three uses: %d %v", code, err)
	}
}
