package wacht

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// sleepRecorder replaces Client.sleep: it records each requested delay and
// returns at once, so retry tests neither wait nor depend on timing.
type sleepRecorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) bool {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	s.mu.Unlock()
	return ctx.Err() == nil
}

// scripted answers with the given statuses in turn, then 200 {}.
func scripted(statuses []int, header http.Header) (http.HandlerFunc, func() int) {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			i := n
			n++
			mu.Unlock()
			if i < len(statuses) {
				for k, v := range header {
					w.Header()[k] = v
				}
				writeJSON(w, statuses[i], `{"errors":[{"message":"try later","code":1}]}`)
				return
			}
			writeJSON(w, 200, `{}`)
		}, func() int {
			mu.Lock()
			defer mu.Unlock()
			return n
		}
}

func retryClient(t *testing.T, h http.HandlerFunc, cfg Config) (*Client, *sleepRecorder) {
	t.Helper()
	ts := newTestServer(t, h, serverOptions{offSpecResponses: true})
	c := newTestClient(t, ts, cfg)
	rec := &sleepRecorder{}
	c.sleep = rec.sleep
	c.retry.jitter = func() float64 { return 0 }
	return c, rec
}

func TestRetryHonoursRetryAfterSeconds(t *testing.T) {
	h, count := scripted([]int{429}, http.Header{"Retry-After": {"2"}})
	c, rec := retryClient(t, h, Config{})
	if err := c.Users.Delete(context.Background(), "1001"); err != nil {
		t.Fatal(err)
	}
	if count() != 2 {
		t.Errorf("attempts = %d, want 2", count())
	}
	if want := []time.Duration{2 * time.Second}; !reflect.DeepEqual(rec.delays, want) {
		t.Errorf("delays = %v, want %v", rec.delays, want)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		" 10 ":                          10 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Fri, 02 Jan 2026 03:04:35 GMT": 30 * time.Second,
		"Fri, 02 Jan 2026 03:00:00 GMT": 0, // in the past
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRetryBackoffIsCappedExponentialWithJitter(t *testing.T) {
	h, count := scripted([]int{503, 502, 504}, nil)
	c, rec := retryClient(t, h, Config{})
	if err := c.Users.Delete(context.Background(), "1001"); err != nil {
		t.Fatal(err)
	}
	if count() != 4 {
		t.Errorf("attempts = %d, want 4", count())
	}
	// jitter 0: each wait is half its step; steps double from retryBaseDelay.
	want := []time.Duration{retryBaseDelay / 2, retryBaseDelay, 2 * retryBaseDelay}
	if !reflect.DeepEqual(rec.delays, want) {
		t.Errorf("delays = %v, want %v", rec.delays, want)
	}
	p := retryPolicy{base: retryBaseDelay, cap: retryMaxDelay, jitter: func() float64 { return 0.999 }}
	for attempt := 0; attempt < 20; attempt++ {
		d, ok := p.delay(attempt, 0)
		if !ok || d > retryMaxDelay || d < retryBaseDelay/2 {
			t.Errorf("delay(%d) = %v, %t; want within [%v, %v]", attempt, d, ok, retryBaseDelay/2, retryMaxDelay)
		}
	}
}

func TestRetryAttemptsAreBounded(t *testing.T) {
	h, count := scripted([]int{503, 503, 503, 503, 503, 503}, nil)
	c, rec := retryClient(t, h, Config{MaxRetries: 2})
	err := c.Users.Delete(context.Background(), "1001")
	if !IsServerError(err) {
		t.Fatalf("error = %v, want the last 503", err)
	}
	if count() != 3 || len(rec.delays) != 2 {
		t.Errorf("attempts = %d, waits = %d; want 3 and 2", count(), len(rec.delays))
	}
}

func TestRetryOnConnectionReset(t *testing.T) {
	var n atomic.Int64
	h := func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close() // drop the connection without an answer
			return
		}
		writeJSON(w, 200, `{}`)
	}
	c, rec := retryClient(t, h, Config{})
	if err := c.Users.Delete(context.Background(), "1001"); err != nil {
		t.Fatalf("DELETE after a reset: %v", err)
	}
	if n.Load() != 2 || len(rec.delays) != 1 {
		t.Errorf("attempts = %d, waits = %d; want 2 and 1", n.Load(), len(rec.delays))
	}

	// POST is not idempotent: a dropped connection is reported, not retried.
	n.Store(0)
	_, err := c.Users.RevokeAllSessions(context.Background(), "1001")
	var re *RequestError
	if !errors.As(err, &re) || re.Method != http.MethodPost {
		t.Fatalf("POST after a reset: error = %v, want a *RequestError", err)
	}
	if n.Load() != 1 {
		t.Errorf("POST attempts = %d, want 1", n.Load())
	}
}

func TestPostAndPatchAreNeverRetried(t *testing.T) {
	h, count := scripted([]int{503, 503}, http.Header{"Retry-After": {"1"}})
	c, rec := retryClient(t, h, Config{})
	_, err := c.Users.AddEmail(context.Background(), "1001", AddEmailRequest{Email: "a@example.com"})
	if !IsServerError(err) || count() != 1 {
		t.Errorf("POST: error = %v after %d attempts; want the 503 after 1", err, count())
	}
	err = c.Users.UpdatePassword(context.Background(), "1001", UpdatePasswordRequest{NewPassword: "correct horse"})
	if !IsServerError(err) || count() != 2 {
		t.Errorf("PATCH: error = %v after %d attempts in total; want the 503 after 1 more", err, count())
	}
	if len(rec.delays) != 0 {
		t.Errorf("waited %v before retrying a non-idempotent request", rec.delays)
	}
}

func TestPutIsRetried(t *testing.T) {
	h, count := scripted([]int{429}, nil)
	c, rec := retryClient(t, h, Config{})
	_, err := c.Settings.UpsertSocialConnection(context.Background(), DeploymentSocialConnectionUpsert{Enabled: Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if count() != 2 || len(rec.delays) != 1 {
		t.Errorf("PUT attempts = %d, waits = %d; want 2 and 1", count(), len(rec.delays))
	}
}

func TestRetriesCanBeDisabled(t *testing.T) {
	h, count := scripted([]int{503}, nil)
	c, rec := retryClient(t, h, Config{DisableRetries: true})
	err := c.Users.Delete(context.Background(), "1001")
	if !IsServerError(err) || count() != 1 || len(rec.delays) != 0 {
		t.Errorf("error = %v, attempts = %d, waits = %v; want the 503 after 1 attempt, no wait", err, count(), rec.delays)
	}
}

// TestRetryNeverSleepsPastTheDeadline: when the server asks for a pause
// longer than the time left, the client returns the error at once instead
// of sleeping past the context's deadline.
func TestRetryNeverSleepsPastTheDeadline(t *testing.T) {
	h, count := scripted([]int{429, 429}, http.Header{"Retry-After": {"30"}})
	c, rec := retryClient(t, h, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.Users.Delete(ctx, "1001")
	if !IsRateLimited(err) {
		t.Fatalf("error = %v, want the 429", err)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter != 30*time.Second {
		t.Errorf("RetryAfter = %v, want 30s", apiErr.RetryAfter)
	}
	if count() != 1 || len(rec.delays) != 0 {
		t.Errorf("attempts = %d, waits = %v; want 1 attempt and no wait", count(), rec.delays)
	}

	// Config.Timeout is a deadline too.
	h2, count2 := scripted([]int{503}, http.Header{"Retry-After": {"10"}})
	c2, rec2 := retryClient(t, h2, Config{Timeout: 2 * time.Second})
	if err := c2.Users.Delete(context.Background(), "1001"); !IsServerError(err) {
		t.Fatalf("error = %v, want the 503", err)
	}
	if count2() != 1 || len(rec2.delays) != 0 {
		t.Errorf("attempts = %d, waits = %v; want 1 attempt and no wait", count2(), rec2.delays)
	}

	// A Retry-After beyond maxRetryAfter is not honoured by waiting.
	h3, count3 := scripted([]int{503}, http.Header{"Retry-After": {"3600"}})
	c3, rec3 := retryClient(t, h3, Config{Timeout: -1})
	if err := c3.Users.Delete(context.Background(), "1001"); !IsServerError(err) {
		t.Fatalf("error = %v, want the 503", err)
	}
	if count3() != 1 || len(rec3.delays) != 0 {
		t.Errorf("attempts = %d, waits = %v; want 1 attempt and no wait", count3(), rec3.delays)
	}
}

// The waits between attempts are real waits: the client sleeps for
// Retry-After or the backoff step, and stops sleeping when the context
// ends.
func TestRetryWaitsOnTheClock(t *testing.T) {
	cases := []struct {
		name     string
		statuses []int
		header   http.Header
		cancel   time.Duration // when the caller gives up; 0 means never
		at       []time.Duration
		err      func(error) bool
	}{
		{"Retry-After", []int{429}, http.Header{"Retry-After": {"2"}}, 0,
			[]time.Duration{0, 2 * time.Second}, nil},
		// jitter 0: each wait is half its step; steps double from retryBaseDelay.
		{"backoff", []int{503, 502, 504}, nil, 0,
			[]time.Duration{0, retryBaseDelay / 2, retryBaseDelay/2 + retryBaseDelay, retryBaseDelay/2 + retryBaseDelay + 2*retryBaseDelay}, nil},
		{"canceled while waiting", []int{503}, http.Header{"Retry-After": {"10"}}, time.Second,
			[]time.Duration{0}, IsServerError},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, _ := scripted(c.statuses, c.header)
				start := time.Now()
				var mu sync.Mutex
				var at []time.Duration
				cl := memClient(t, func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					at = append(at, time.Since(start))
					mu.Unlock()
					h(w, r)
				}, Config{})
				ctx := context.Background()
				if c.cancel > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(ctx)
					defer cancel()
					time.AfterFunc(c.cancel, cancel)
				}
				err := cl.Users.Delete(ctx, "1001")
				if (c.err == nil && err != nil) || (c.err != nil && !c.err(err)) {
					t.Fatalf("error = %v", err)
				}
				want := c.at[len(c.at)-1]
				if c.cancel > 0 {
					want = c.cancel
				}
				if took := time.Since(start); took != want {
					t.Errorf("the call returned after %v, want %v", took, want)
				}
				mu.Lock()
				defer mu.Unlock()
				if !reflect.DeepEqual(at, c.at) {
					t.Errorf("attempts at %v, want %v", at, c.at)
				}
			})
		})
	}
}

func TestRetryStopsWhenContextIsCancelled(t *testing.T) {
	h, count := scripted([]int{503, 503, 503}, nil)
	c, _ := retryClient(t, h, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	c.sleep = func(context.Context, time.Duration) bool { cancel(); return false }
	err := c.Users.Delete(ctx, "1001")
	if !IsServerError(err) || count() != 1 {
		t.Errorf("error = %v after %d attempts; want the 503 after 1", err, count())
	}
}
