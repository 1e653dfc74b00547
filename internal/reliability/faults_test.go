package reliability_test

// Fault suite (issue 11): each fault is scripted with the emulator and driven
// through the real stack (kit.Handler + samples/functions over HTTP, or
// platforms/lambda's Handler), and each test asserts the exact outcome.
//
// Policy observed and pinned here: when the key set cannot be fetched at all
// (JWKS down at cold start, or slower than the request's deadline), protected
// routes answer 401 {"error":"unauthenticated"}: they fail closed, the
// backend is never called, and the log records the reason jwks_unavailable.
// Machine routes whose gateway cannot be reached answer 503
// {"error":"unavailable"}.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/lambda"
	"github.com/wacht-platform/serverless-go/samples/functions"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

const opListUsers = "getActiveUserList"

func TestFaultJWKSDownAtColdStart(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.emu.InjectFault(wachttest.Fault{Route: wachttest.RouteJWKS, Status: http.StatusServiceUnavailable})
	tok := s.token(t, wachttest.TokenOptions{})
	for range 3 {
		a := s.do(t, context.Background(), "GET", functions.PathAdminUsers, bearer(tok), "")
		if a.status != http.StatusUnauthorized || errorCode(t, a) != handler.CodeUnauthenticated {
			t.Fatalf("JWKS down: %d %s, want 401 unauthenticated", a.status, a.body)
		}
	}
	st := s.emu.Stats()
	if st.Requests[opListUsers] != 0 {
		t.Fatalf("backend called %d times with no verified user", st.Requests[opListUsers])
	}
	// Failed fetches are rate limited too: three requests, one fetch.
	if st.JWKSFetches != 1 {
		t.Errorf("JWKS fetches %d, want 1 within the refresh interval", st.JWKSFetches)
	}
	if !strings.Contains(s.logs.String(), "jwks_unavailable") {
		t.Errorf("log does not give the reason jwks_unavailable:\n%s", s.logs)
	}
	// Once the key set is back (and the refresh interval has passed), the
	// same token works.
	s.emu.ClearFaults()
}

func TestFaultJWKSDownWhileWarm(t *testing.T) {
	s := newStack(t, stackOptions{tune: func(c *handler.Config) {
		c.Verifier.JWKSTTL = 50 * time.Millisecond
		c.Verifier.JWKSMinTTL = time.Millisecond
		c.Verifier.JWKSMaxTTL = 50 * time.Millisecond
		c.Verifier.JWKSMinRefreshInterval = 10 * time.Millisecond
		c.Verifier.JWKSStaleWindow = time.Hour
	}})
	ctx := context.Background()
	if a := s.do(t, ctx, "GET", functions.PathAdminUsers, bearer(s.token(t, wachttest.TokenOptions{})), ""); a.status != http.StatusOK {
		t.Fatalf("warm-up: %d %s", a.status, a.body)
	}
	s.emu.InjectFault(wachttest.Fault{Route: wachttest.RouteJWKS, Status: http.StatusServiceUnavailable})
	time.Sleep(120 * time.Millisecond) // the key set's TTL passes
	for i := range 5 {
		a := s.do(t, ctx, "GET", functions.PathAdminUsers, bearer(s.token(t, wachttest.TokenOptions{})), "")
		if a.status != http.StatusOK {
			t.Fatalf("request %d with JWKS down while warm: %d %s", i, a.status, a.body)
		}
		time.Sleep(15 * time.Millisecond)
	}
	r := httptest.NewRequest("GET", "/", nil)
	v, err := s.kit.Verifier(r)
	if err != nil {
		t.Fatal(err)
	}
	js := v.Stats()
	if js.StaleServed == 0 || js.FetchFailures == 0 {
		t.Fatalf("stats %+v: want stale keys served after failed refreshes", js)
	}
}

func TestFaultJWKSDownPastStaleWindow(t *testing.T) {
	s := newStack(t, stackOptions{tune: func(c *handler.Config) {
		c.Verifier.JWKSTTL = 20 * time.Millisecond
		c.Verifier.JWKSMinTTL = time.Millisecond
		c.Verifier.JWKSMaxTTL = 20 * time.Millisecond
		c.Verifier.JWKSMinRefreshInterval = 5 * time.Millisecond
		c.Verifier.JWKSStaleWindow = 30 * time.Millisecond
	}})
	ctx := context.Background()
	if a := s.do(t, ctx, "GET", functions.PathAdminUsers, bearer(s.token(t, wachttest.TokenOptions{})), ""); a.status != http.StatusOK {
		t.Fatalf("warm-up: %d %s", a.status, a.body)
	}
	s.emu.InjectFault(wachttest.Fault{Route: wachttest.RouteJWKS, Status: http.StatusServiceUnavailable})
	time.Sleep(150 * time.Millisecond) // TTL and stale window both pass
	a := s.do(t, ctx, "GET", functions.PathAdminUsers, bearer(s.token(t, wachttest.TokenOptions{})), "")
	if a.status != http.StatusUnauthorized {
		t.Fatalf("past the stale window: %d %s, want 401", a.status, a.body)
	}
}

func TestFaultSlowJWKSBoundedByDeadline(t *testing.T) {
	s := newStack(t, stackOptions{})
	const latency = 10 * time.Second
	s.emu.InjectFault(wachttest.Fault{Route: wachttest.RouteJWKS, Latency: latency})
	tok := s.token(t, wachttest.TokenOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req := httptest.NewRequest("GET", functions.PathAdminUsers, nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	start := time.Now()
	s.h.ServeHTTP(rec, req)
	if el := time.Since(start); el >= latency {
		t.Fatalf("request waited %v for the slow key set (deadline 300ms)", el)
	}
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("slow JWKS past the deadline: %d %s, want 401", rec.Code, rec.Body)
	}
	if n := s.emu.Stats().Requests[opListUsers]; n != 0 {
		t.Fatalf("backend called %d times", n)
	}
}

func TestFaultKeyRotationUnderTraffic(t *testing.T) {
	s := newStack(t, stackOptions{tune: func(c *handler.Config) {
		c.Verifier.JWKSMinRefreshInterval = 50 * time.Millisecond
	}})
	ctx := context.Background()
	oldTok := s.token(t, wachttest.TokenOptions{Lifetime: time.Hour})
	var failures atomic.Int64
	var served atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var newTok atomic.Value
	newTok.Store(oldTok)
	for range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				tok := oldTok
				if i%2 == 1 {
					tok = newTok.Load().(string)
				}
				a, err := s.try(ctx, "GET", functions.PathAdminUsers, bearer(tok), "")
				if err != nil || a.status != http.StatusOK {
					failures.Add(1)
					t.Errorf("during rotation: %v %d %s", err, a.status, a.body)
					return
				}
				served.Add(1)
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := s.emu.RotateKeys(time.Hour); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond) // let the refresh interval pass since the cold fetch
	newTok.Store(s.token(t, wachttest.TokenOptions{Lifetime: time.Hour}))
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d failures across a key rotation (%d served)", failures.Load(), served.Load())
	}
	if f := s.emu.Stats().JWKSFetches; f < 2 || f > 3 {
		t.Errorf("JWKS fetches %d, want the cold fetch plus one for the new kid", f)
	}
	t.Logf("served %d requests across a key rotation", served.Load())
}

func TestFaultUnknownKidStorm(t *testing.T) {
	s := newStack(t, stackOptions{})
	ctx := context.Background()
	good := s.token(t, wachttest.TokenOptions{})
	if a := s.do(t, ctx, "GET", functions.PathAdminUsers, bearer(good), ""); a.status != http.StatusOK {
		t.Fatalf("warm-up: %d %s", a.status, a.body)
	}
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for g := range 32 {
		wg.Go(func() {
			for range 16 {
				tok, err := s.emu.MintToken(wachttest.TokenOptions{UnpublishedKey: true, OrganizationID: wachttest.SeedOrganizationID, OrganizationPermissions: []string{"user:read"}, Claims: map[string]any{"g": g}})
				if err != nil {
					t.Error(err)
					return
				}
				a, err := s.try(ctx, "GET", functions.PathAdminUsers, bearer(tok), "")
				if err != nil || a.status != http.StatusUnauthorized {
					wrong.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if wrong.Load() != 0 {
		t.Fatalf("%d unknown-kid requests were not answered 401", wrong.Load())
	}
	// 512 unknown kids within one refresh interval (10s default): at most one
	// extra fetch beyond the cold one.
	if f := s.emu.Stats().JWKSFetches; f > 2 {
		t.Fatalf("unknown-kid storm caused %d JWKS fetches, want at most 2", f)
	}
	if n := s.emu.Stats().Requests[opListUsers]; n != 1 {
		t.Fatalf("backend list calls %d, want only the warm-up", n)
	}
	// Genuine tokens still work after the storm.
	if a := s.do(t, ctx, "GET", functions.PathAdminUsers, bearer(good), ""); a.status != http.StatusOK {
		t.Fatalf("after the storm: %d %s", a.status, a.body)
	}
}

func TestFaultBackend429RetryAfter(t *testing.T) {
	s := newStack(t, stackOptions{})
	ctx := context.Background()
	tok := s.token(t, wachttest.TokenOptions{})
	// One 429: the client waits Retry-After and retries the GET.
	s.emu.InjectFault(wachttest.Fault{Route: opListUsers, Times: 1, Status: http.StatusTooManyRequests, RetryAfter: time.Second})
	if a := s.do(t, ctx, "GET", functions.PathAdminUsers, bearer(tok), ""); a.status != http.StatusOK {
		t.Fatalf("after one 429: %d %s, want 200 after a retry", a.status, a.body)
	}
	if n := s.emu.Stats().Requests[opListUsers]; n != 2 {
		t.Fatalf("list calls %d, want 2 (429 then the retry)", n)
	}
	// Persistent 429: the function answers 429 rate_limited with the
	// backend's Retry-After, after a bounded number of attempts.
	s.emu.ResetStats()
	s.emu.InjectFault(wachttest.Fault{Route: opListUsers, Status: http.StatusTooManyRequests, RetryAfter: time.Second})
	a := s.do(t, ctx, "GET", functions.PathAdminUsers, bearer(tok), "")
	if a.status != http.StatusTooManyRequests || errorCode(t, a) != "rate_limited" || a.header.Get("Retry-After") != "1" {
		t.Fatalf("persistent 429: %d %v %s", a.status, a.header, a.body)
	}
	if n := s.emu.Stats().Requests[opListUsers]; n < 2 || n > 4 {
		t.Fatalf("list calls %d under persistent 429, want a bounded retry (2..4)", n)
	}
}

func TestFaultBackend503Burst(t *testing.T) {
	s := newStack(t, stackOptions{})
	tok := s.token(t, wachttest.TokenOptions{})
	s.emu.InjectFault(wachttest.Fault{Route: opListUsers, Times: 2, Status: http.StatusServiceUnavailable})
	if a := s.do(t, context.Background(), "GET", functions.PathAdminUsers, bearer(tok), ""); a.status != http.StatusOK {
		t.Fatalf("after a 503 burst of 2: %d %s", a.status, a.body)
	}
	if n := s.emu.Stats().Requests[opListUsers]; n != 3 {
		t.Fatalf("list calls %d, want 3", n)
	}
	// A burst longer than the retries: the function answers a 5xx JSON error.
	s.emu.ResetStats()
	s.emu.InjectFault(wachttest.Fault{Route: opListUsers, Status: http.StatusServiceUnavailable})
	a := s.do(t, context.Background(), "GET", functions.PathAdminUsers, bearer(tok), "")
	if a.status != http.StatusBadGateway && a.status != http.StatusServiceUnavailable {
		t.Fatalf("persistent 503: %d %s, want 502 or 503", a.status, a.body)
	}
	_ = errorCode(t, a)
}

func TestFaultConnectionReset(t *testing.T) {
	s := newStack(t, stackOptions{})
	tok := s.token(t, wachttest.TokenOptions{})
	s.emu.InjectFault(wachttest.Fault{Route: opListUsers, Times: 1, Drop: true})
	if a := s.do(t, context.Background(), "GET", functions.PathAdminUsers, bearer(tok), ""); a.status != http.StatusOK {
		t.Fatalf("after a dropped connection: %d %s", a.status, a.body)
	}
	if n := s.emu.Stats().Requests[opListUsers]; n != 2 {
		t.Fatalf("list calls %d, want 2 (dropped, then retried)", n)
	}
}

func TestFaultLambdaDeadlineNearlySpent(t *testing.T) {
	s := newStack(t, stackOptions{})
	tok := s.token(t, wachttest.TokenOptions{})
	// Warm the key set so only the backend call remains.
	if a := s.do(t, context.Background(), "GET", functions.PathAdminUsers, bearer(tok), ""); a.status != http.StatusOK {
		t.Fatalf("warm-up: %d %s", a.status, a.body)
	}
	s.emu.ResetStats()
	s.emu.InjectFault(wachttest.Fault{Route: opListUsers, Status: http.StatusServiceUnavailable, RetryAfter: 2 * time.Second})
	h := lambda.NewHandler(s.h)
	ev := map[string]any{"httpMethod": "GET", "path": functions.PathAdminUsers,
		"headers":        map[string]string{"Authorization": "Bearer " + tok},
		"requestContext": map[string]any{"requestId": "deadline-1"}}
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el >= 2*time.Second {
		t.Fatalf("invoke took %v: a retry waited past the deadline", el)
	}
	var res struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode < 500 {
		t.Fatalf("status %d %s, want a 5xx", res.StatusCode, res.Body)
	}
	if n := s.emu.Stats().Requests[opListUsers]; n != 1 {
		t.Fatalf("backend calls %d: a retry was started although Retry-After outlives the deadline", n)
	}
	if !strings.Contains(res.Body, "deadline-1") {
		t.Errorf("error body %s does not carry the Lambda request id", res.Body)
	}
}

func TestFaultGatewayDown(t *testing.T) {
	s := newStack(t, stackOptions{})
	key := s.machineKey(t)
	for _, f := range []wachttest.Fault{
		{Route: wachttest.AnyGatewayRoute, Drop: true},
		{Route: wachttest.AnyGatewayRoute, Status: http.StatusServiceUnavailable},
		{Route: wachttest.AnyGatewayRoute, Status: http.StatusInternalServerError},
	} {
		s.emu.ClearFaults()
		s.emu.ResetStats()
		s.emu.InjectFault(f)
		a := s.do(t, context.Background(), "GET", functions.PathMachineUsers, map[string]string{"x-api-key": key}, "")
		if a.status != http.StatusServiceUnavailable || errorCode(t, a) != "unavailable" {
			t.Fatalf("gateway fault %+v: %d %s, want 503 unavailable", f, a.status, a.body)
		}
		if n := s.emu.Stats().Requests[opListUsers]; n != 0 {
			t.Fatalf("backend called %d times with the gateway down", n)
		}
	}
	// Gateway gone entirely (nothing listening).
	s.env[handler.EnvGatewayURL] = "http://127.0.0.1:1"
	a := s.do(t, context.Background(), "GET", functions.PathMachineUsers, map[string]string{"x-api-key": key}, "")
	if a.status != http.StatusServiceUnavailable {
		t.Fatalf("no gateway: %d %s", a.status, a.body)
	}
	_ = errors.New
}
