package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/lambda"
	"github.com/wacht-platform/serverless-go/samples/functions"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// AdminUsersEvent is an HTTP API (payload 2.0) GET /admin/users event,
// with the session token as "Authorization: Bearer" when token is set.
func AdminUsersEvent(token string) []byte {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: functions.PathAdminUsers,
		Headers: map[string]string{"host": "api.example.com", "accept": "application/json", "user-agent": "bench"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "$default", AccountID: "123456789012", Stage: "$default", RequestID: "bench-cold",
			APIID: "1234567890", DomainName: "api.example.com", TimeEpoch: 1700000000000,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: http.MethodGet, Path: functions.PathAdminUsers, Protocol: "HTTP/1.1", SourceIP: "203.0.113.7", UserAgent: "bench",
			},
		},
	}
	if token != "" {
		ev.Headers["authorization"] = "Bearer " + token
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return b
}

// CheckStatus returns a check that the function answered status.
func CheckStatus(status int) func([]byte) error {
	return func(out []byte) error {
		var r struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		if err := json.Unmarshal(out, &r); err != nil {
			return fmt.Errorf("answer %.200q: %w", out, err)
		}
		if r.StatusCode != status {
			return fmt.Errorf("status %d, want %d: %.200s", r.StatusCode, status, r.Body)
		}
		return nil
	}
}

// AdminUsersEnv is the function environment pointing admin-users at the
// emulator.
func AdminUsersEnv(s *wachttest.Server) []string {
	return []string{
		handler.EnvAPIKey + "=" + s.APIKey,
		handler.EnvBackendAPIURL + "=" + s.BackendURL,
		handler.EnvPublishableKey + "=" + s.PublishableKey,
	}
}

// ColdStartRun is one cold start under the emulator.
type ColdStartRun struct {
	// FirstResponse is from sending the first invocation (the emulator
	// starts the bootstrap process on it) to receiving the answer.
	FirstResponse time.Duration
	// Total adds the emulator's own start-up: from starting the emulator
	// process to the first answer.
	Total time.Duration
	// Init is the emulator's INIT REPORT: from starting the bootstrap to its
	// first request for work.
	Init time.Duration
	// CPU is the CPU time the bootstrap process spent up to its first
	// answer (all threads).
	CPU time.Duration
}

// ColdStart starts a fresh emulator for bootstrap, invokes it once, checks
// the answer and measures.
func ColdStart(rie, bootstrap string, env []string, payload []byte, check func([]byte) error) (ColdStartRun, error) {
	e, err := StartEmulator(rie, bootstrap, env...)
	if err != nil {
		return ColdStartRun{}, err
	}
	defer e.Close()
	t0 := time.Now()
	out, err := e.Invoke(payload)
	t1 := time.Now()
	if err != nil {
		return ColdStartRun{}, fmt.Errorf("%w\n%s", err, e.Logs())
	}
	if err := check(out); err != nil {
		return ColdStartRun{}, fmt.Errorf("%w\n%s", err, e.Logs())
	}
	run := ColdStartRun{FirstResponse: t1.Sub(t0), Total: t1.Sub(e.Started)}
	pid, err := e.BootstrapPID()
	if err != nil {
		return ColdStartRun{}, err
	}
	if run.CPU, err = ProcessCPU(pid); err != nil {
		return ColdStartRun{}, err
	}
	// The INIT REPORT line is written before the invocation's answer.
	if run.Init, err = ParseInitDuration(e.Logs()); err != nil {
		return ColdStartRun{}, err
	}
	return run, nil
}

// WarmCounts is what one warm instance built and opened over many
// invocations.
type WarmCounts struct {
	Invocations        int   `json:"invocations"`
	ClientBuilds       int64 `json:"client_builds"`
	VerifierBuilds     int64 `json:"verifier_builds"`
	JWKSFetches        int64 `json:"jwks_fetches"`
	BackendConnections int64 `json:"backend_connections"`
	// FrontendConnections are connections to the frontend API (JWKS).
	FrontendConnections int64 `json:"frontend_connections"`
	BackendRequests     int64 `json:"backend_requests"`
	// PeakRSSBytes is the bootstrap's VmHWM after the invocations (only
	// when run under the emulator).
	PeakRSSBytes int64 `json:"peak_rss_bytes,omitempty"`
}

func backendRequests(st wachttest.Stats) int64 {
	var n int64
	for route, c := range st.Requests {
		if route != wachttest.RouteJWKS && route != "" {
			n += c
		}
	}
	return n
}

// WarmInProcess runs the admin-users function as its bootstrap wires it
// (handler.Kit around functions.AdminUsers, through platforms/lambda) in
// this process, invokes it n times with token and counts what it built
// (handler.Kit.Stats) and what reached the emulator (wachttest.Stats).
func WarmInProcess(s *wachttest.Server, token string, n int) (WarmCounts, error) {
	env := map[string]string{}
	for _, kv := range AdminUsersEnv(s) {
		for i := range kv {
			if kv[i] == '=' {
				env[kv[:i]] = kv[i+1:]
				break
			}
		}
	}
	kit := handler.New(handler.Options{
		Env:    func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Logger: slog.New(slog.DiscardHandler),
	})
	h := lambda.NewHandler(kit.Handler(functions.AdminUsers(kit)))
	s.ResetStats()
	payload := AdminUsersEvent(token)
	check := CheckStatus(http.StatusOK)
	ctx := InvokeContext()
	for i := range n {
		out, err := h.Invoke(ctx, payload)
		if err != nil {
			return WarmCounts{}, fmt.Errorf("invocation %d: %w", i, err)
		}
		if err := check(out); err != nil {
			return WarmCounts{}, fmt.Errorf("invocation %d: %w", i, err)
		}
	}
	st, ks := s.Stats(), kit.Stats()
	return WarmCounts{Invocations: n, ClientBuilds: ks.ClientBuilds, VerifierBuilds: ks.VerifierBuilds,
		JWKSFetches: st.JWKSFetches, BackendConnections: st.BackendConnections,
		FrontendConnections: st.FrontendConnections, BackendRequests: backendRequests(st)}, nil
}

// WarmUnderEmulator starts bootstrap under the emulator, invokes it n times
// (checking each answer) and reads the bootstrap's peak RSS. When s is set,
// its counters are reset first and reported.
func WarmUnderEmulator(rie, bootstrap string, env []string, payload []byte, check func([]byte) error, n int, s *wachttest.Server) (WarmCounts, error) {
	if s != nil {
		s.ResetStats()
	}
	e, err := StartEmulator(rie, bootstrap, env...)
	if err != nil {
		return WarmCounts{}, err
	}
	defer e.Close()
	for i := range n {
		out, err := e.Invoke(payload)
		if err == nil {
			err = check(out)
		}
		if err != nil {
			return WarmCounts{}, fmt.Errorf("invocation %d: %w\n%s", i, err, e.Logs())
		}
	}
	pid, err := e.BootstrapPID()
	if err != nil {
		return WarmCounts{}, err
	}
	rss, err := PeakRSS(pid)
	if err != nil {
		return WarmCounts{}, err
	}
	w := WarmCounts{Invocations: n, PeakRSSBytes: rss}
	if s != nil {
		st := s.Stats()
		w.JWKSFetches, w.BackendConnections, w.FrontendConnections = st.JWKSFetches, st.BackendConnections, st.FrontendConnections
		w.BackendRequests = backendRequests(st)
	}
	return w, nil
}

// CreateUsers adds n users to the emulator through its backend API (the
// kit's client, createUser), a few at a time.
func CreateUsers(ctx context.Context, s *wachttest.Server, n int) error {
	c, err := wacht.NewClient(wacht.Config{APIKey: s.APIKey, BaseURL: s.BackendURL})
	if err != nil {
		return err
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				email := fmt.Sprintf("bench.user.%05d@example.com", i)
				if _, err := c.Users.Create(ctx, wacht.CreateUserParams{FirstName: "Bench", LastName: fmt.Sprintf("User%05d", i), EmailAddress: &email}); err != nil {
					errs <- fmt.Errorf("creating user %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// PaginationResult is the memory profile of iterating users with
// client.Users.All.
type PaginationResult struct {
	Users int `json:"users"`
	// PageSize is the Limit of each page request.
	PageSize      int     `json:"page_size"`
	AllocsPerUser float64 `json:"allocs_per_user"`
	BytesPerUser  float64 `json:"bytes_per_user"`
	// PeakHeapInuseBytes is the highest HeapInuse sampled after each user,
	// minus HeapInuse before the iteration started.
	PeakHeapInuseBytes int64 `json:"peak_heap_inuse_bytes"`
	// PeakHeapAllocBytes is the same for HeapAlloc (live plus not yet
	// collected objects).
	PeakHeapAllocBytes int64 `json:"peak_heap_alloc_bytes"`
	// PeakLiveHeapBytes, in the live mode only, is the highest HeapAlloc
	// right after a forced collection at each page boundary, minus the same
	// before iterating: the memory the iteration retains.
	PeakLiveHeapBytes int64   `json:"peak_live_heap_bytes,omitempty"`
	Live              bool    `json:"live_mode"`
	Seconds           float64 `json:"seconds"`
}

// Paginate iterates the first n users of the deployment at backendURL with
// client.Users.All, sampling the heap after every user. With live set it
// also forces a collection at every page boundary and records the heap that
// survives it. It is meant to run alone in its process (the benchrun
// pagination child), so the heap is the iteration's.
func Paginate(ctx context.Context, backendURL, apiKey string, n, pageSize int, live bool) (PaginationResult, error) {
	c, err := wacht.NewClient(wacht.Config{APIKey: apiKey, BaseURL: backendURL})
	if err != nil {
		return PaginationResult{}, err
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	baseInuse, baseAlloc := ms.HeapInuse, ms.HeapAlloc
	mallocs0, bytes0 := ms.Mallocs, ms.TotalAlloc
	var peakInuse, peakAlloc, peakLive uint64
	start := time.Now()
	count := 0
	for u, err := range c.Users.All(ctx, wacht.ListUsersParams{Limit: pageSize}) {
		if err != nil {
			return PaginationResult{}, fmt.Errorf("after %d users: %w", count, err)
		}
		if u.ID == "" {
			return PaginationResult{}, fmt.Errorf("user %d has no id", count)
		}
		count++
		runtime.ReadMemStats(&ms)
		peakInuse = max(peakInuse, ms.HeapInuse)
		peakAlloc = max(peakAlloc, ms.HeapAlloc)
		if live && count%pageSize == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peakLive = max(peakLive, ms.HeapAlloc)
		}
		if count == n {
			break
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&ms)
	if count < n {
		return PaginationResult{}, fmt.Errorf("the deployment has %d users, want %d", count, n)
	}
	res := PaginationResult{
		Users: count, PageSize: pageSize,
		AllocsPerUser:      float64(ms.Mallocs-mallocs0) / float64(count),
		BytesPerUser:       float64(ms.TotalAlloc-bytes0) / float64(count),
		PeakHeapInuseBytes: int64(peakInuse) - int64(baseInuse),
		PeakHeapAllocBytes: int64(peakAlloc) - int64(baseAlloc),
		Live:               live,
		Seconds:            elapsed.Seconds(),
	}
	if live {
		res.PeakLiveHeapBytes = int64(peakLive) - int64(baseAlloc)
	}
	return res, nil
}
