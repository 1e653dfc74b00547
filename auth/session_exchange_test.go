package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The session exchange's waits, timed in testing/synctest bubbles against
// an in-memory frontend API. The wire format and the emulator's answers
// are covered in session_test.go and session_auth_test.go.

const memSessionCookie = "cookie_1"

// memFrontend is an in-memory frontend API: is serves the key set, and
// exchange answers /session/token.
type memFrontend struct {
	is        *testIssuer
	key       *testKey
	exchanges atomic.Int64
}

func newMemFrontend(t *testing.T) *memFrontend {
	k := newECKey(t, "k1", "ES256")
	return &memFrontend{is: newMemIssuer(t, k), key: k}
}

// verifier returns a verifier with cookie sessions on whose exchanges are
// counted and answered by exchange.
func (f *memFrontend) verifier(t *testing.T, exchange http.HandlerFunc, mod func(*VerifierConfig)) *Verifier {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/session/token", func(w http.ResponseWriter, r *http.Request) {
		f.exchanges.Add(1)
		exchange(w, r)
	})
	mux.HandleFunc("/", f.is.serve)
	return f.is.verifier(t, func(c *VerifierConfig) {
		c.SessionCookieName = DefaultSessionCookie
		c.HTTPClient = &http.Client{Transport: memTransport{mux}}
		if mod != nil {
			mod(c)
		}
	})
}

// answer writes a successful exchange: a session token for user_1.
func (f *memFrontend) answer(w http.ResponseWriter) {
	tok := f.is.mint(f.key, nil, nil)
	expires := f.is.clock.Now().Add(20 * time.Second).UnixMilli()
	fmt.Fprintf(w, `{"status":200,"data":{"token":%q,"expires":%d}}`, tok, expires)
}

func cookieRequest(ctx context.Context) *http.Request {
	r := httptest.NewRequestWithContext(ctx, "GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: DefaultSessionCookie, Value: memSessionCookie})
	return r
}

// Concurrent first requests with one cookie share one exchange: all of
// them are waiting on it before it answers.
func TestSessionExchangeShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newMemFrontend(t)
		gate := make(chan struct{})
		v := f.verifier(t, func(w http.ResponseWriter, r *http.Request) {
			<-gate
			f.answer(w)
		}, nil)
		const n = 24
		users := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { users[i] = v.Authenticate(cookieRequest(context.Background())).UserID })
		}
		synctest.Wait()
		close(gate)
		wg.Wait()
		for i, u := range users {
			if u != "user_1" {
				t.Fatalf("request %d: user %q", i, u)
			}
		}
		if got := f.exchanges.Load(); got != 1 {
			t.Fatalf("%d concurrent requests made %d exchanges, want 1", n, got)
		}
		if st := v.SessionStats(); st.Exchanges != 1 || st.Shared != n-1 || st.CacheHits != 0 || st.Cached != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
}

// A request stops waiting for an exchange when its own context ends; the
// exchange goes on without it and its result is cached for the next
// request.
func TestSessionExchangeOutlivesTheRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newMemFrontend(t)
		v := f.verifier(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(time.Second):
				f.answer(w)
			case <-r.Context().Done():
			}
		}, nil)
		start := time.Now()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		a := v.Authenticate(cookieRequest(ctx))
		if a.Authenticated() || TokenErrorReason(a.Err()) != TokenReasonContextDone || !errors.Is(a.Err(), context.Canceled) {
			t.Fatalf("canceled request: %v", a.Err())
		}
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("a canceled request waited %v", waited)
		}
		ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		a = v.Authenticate(cookieRequest(ctx))
		if a.Authenticated() || TokenErrorReason(a.Err()) != TokenReasonContextDone || !errors.Is(a.Err(), context.DeadlineExceeded) {
			t.Fatalf("request past its deadline: %v", a.Err())
		}
		if waited := time.Since(start); waited != 50*time.Millisecond {
			t.Fatalf("the request waited %v for the exchange, not its own 50ms deadline", waited)
		}
		if a := v.Authenticate(cookieRequest(context.Background())); a.UserID != "user_1" {
			t.Fatalf("patient request: %v", a.Err())
		}
		if waited := time.Since(start); waited != time.Second {
			t.Fatalf("the patient request was answered at %v, not when the first exchange ended (1s)", waited)
		}
		if a := v.Authenticate(cookieRequest(context.Background())); a.UserID != "user_1" {
			t.Fatalf("cached: %v", a.Err())
		}
		if got := f.exchanges.Load(); got != 1 {
			t.Fatalf("%d exchanges, want the one the first request started", got)
		}
		if st := v.SessionStats(); st.Exchanges != 1 || st.Shared != 2 || st.CacheHits != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
}

// A frontend API that does not answer within SessionExchangeTimeout is
// unavailable after exactly that long, and the failure is not cached.
func TestSessionExchangeTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newMemFrontend(t)
		// The first exchange ignores its context, as a stuck frontend API
		// does; it is let go when the test ends, because a bubble cannot
		// end with it asleep.
		var stuck atomic.Bool
		stuck.Store(true)
		stop := make(chan struct{})
		defer close(stop)
		v := f.verifier(t, func(w http.ResponseWriter, r *http.Request) {
			if stuck.Load() {
				select {
				case <-time.After(2 * time.Second):
				case <-stop:
					return
				}
			}
			f.answer(w)
		}, func(c *VerifierConfig) { c.SessionExchangeTimeout = 200 * time.Millisecond })
		start := time.Now()
		a, upd := v.AuthenticateWithUpdate(cookieRequest(context.Background()))
		if waited := time.Since(start); waited != 200*time.Millisecond {
			t.Fatalf("the exchange was given up after %v, want 200ms", waited)
		}
		if a.Authenticated() || TokenErrorReason(a.Err()) != TokenReasonSessionUnavailable || !errors.Is(a.Err(), context.DeadlineExceeded) {
			t.Fatalf("%v", a.Err())
		}
		var se *SessionExchangeError
		if !errors.As(a.Err(), &se) || se.Kind != SessionUnavailable || se.StatusCode != 0 || se.RetryAfter != 0 {
			t.Fatalf("cause %#v", a.Err())
		}
		if !upd.IsZero() {
			t.Fatalf("update %+v", upd)
		}
		for _, text := range []string{a.Err().Error(), fmt.Sprintf("%v %+v %#v", a, upd, upd)} {
			if strings.Contains(text, memSessionCookie) {
				t.Fatalf("the cookie leaks: %s", text)
			}
		}
		stuck.Store(false)
		if a := v.Authenticate(cookieRequest(context.Background())); a.UserID != "user_1" {
			t.Fatalf("no recovery: %v", a.Err())
		}
		if got := f.exchanges.Load(); got != 2 {
			t.Fatalf("%d exchanges, want 2: the timeout was cached", got)
		}
	})
}
