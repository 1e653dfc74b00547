package reliability_test

// Load suite (issue 11): bounded runs through the local server (kit.Handler
// + samples/functions on a real listener) and through the Functions
// Framework (platforms/gcf), 64 requests in flight, asserting zero errors,
// no goroutine growth and flat memory (HeapInuse after GC at 25% of the run
// against 100%). RELIABILITY_LOAD=1 runs 20,000 requests each (CI); without
// it each run is 2,000 requests.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	"github.com/wacht-platform/serverless-go/internal/testtools"
	"github.com/wacht-platform/serverless-go/platforms/gcf"
	"github.com/wacht-platform/serverless-go/samples/functions"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

const loadConcurrency = 64

func loadRequests() int {
	if os.Getenv("RELIABILITY_LOAD") == "1" {
		return 20000
	}
	return 2000
}

func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// settledGoroutines waits (bounded) for the goroutine count to drop to at
// most limit, returning the last count seen.
func settledGoroutines(limit int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > limit; i++ {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// runLoad sends n requests with loadConcurrency in flight; one(i) sends
// request i and returns an error for anything but the expected answer.
func runLoad(t *testing.T, n int, one func(i int) error) {
	t.Helper()
	// Warm up every path (key set, clients, connection pools filled to the
	// run's concurrency) before the baseline.
	if err := one(0); err != nil {
		t.Fatalf("warm-up: %v", err)
	}
	var wwg sync.WaitGroup
	var wfail atomic.Int64
	for g := range loadConcurrency {
		wwg.Go(func() {
			for j := range 6 {
				if err := one(g*6 + j); err != nil {
					wfail.Add(1)
				}
			}
		})
	}
	wwg.Wait()
	if wfail.Load() != 0 {
		t.Fatalf("%d warm-up requests failed", wfail.Load())
	}
	client.CloseIdleConnections()
	baseG := settledGoroutines(0)
	var next, failed atomic.Int64
	var heap25 uint64
	var once sync.Once
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range loadConcurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if i == n/4 {
					once.Do(func() { heap25 = heapInuse() })
				}
				if err := one(i); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	heap100 := heapInuse()
	client.CloseIdleConnections()
	endG := settledGoroutines(baseG + 8)
	t.Logf("%d requests in %v (%.0f/s), %d errors; goroutines %d -> %d; HeapInuse %d KiB at 25%%, %d KiB at 100%%",
		n, el.Round(time.Millisecond), float64(n)/el.Seconds(), failed.Load(), baseG, endG, heap25>>10, heap100>>10)
	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed; first: %v", failed.Load(), n, firstErr.Load())
	}
	if endG > baseG+8 {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines grew from %d to %d:\n%s", baseG, endG, buf[:runtime.Stack(buf, true)])
	}
	if heap100 > heap25+heap25/2+8<<20 {
		t.Fatalf("HeapInuse grew from %d KiB at 25%% to %d KiB at 100%%", heap25>>10, heap100>>10)
	}
}

// mixed sends request i of the sample mix: a protected user list, a machine
// user list and a signed webhook delivery, in turn.
func mixed(s *stack, base string, tok, key string) func(i int) error {
	body := `{"type":"user.created","data":{"id":"1001"}}`
	return func(i int) error {
		ctx := context.Background()
		var a answer
		var err error
		switch i % 3 {
		case 0:
			a, err = s.tryURL(ctx, "GET", base+functions.PathAdminUsers, bearer(tok), "")
			if err == nil && a.status != http.StatusOK {
				err = fmt.Errorf("admin users: %d %s", a.status, a.body)
			}
		case 1:
			a, err = s.tryURL(ctx, "GET", base+functions.PathMachineUsers, map[string]string{"x-api-key": key}, "")
			if err == nil && a.status != http.StatusOK {
				err = fmt.Errorf("machine users: %d %s", a.status, a.body)
			}
		default:
			now := time.Now()
			id := "msg_" + strconv.Itoa(i)
			sig, serr := wachttest.SignWebhook(s.emu.WebhookSecret(), id, now, []byte(body))
			if serr != nil {
				return serr
			}
			a, err = s.tryURL(ctx, "POST", base+functions.PathWebhook,
				map[string]string{"webhook-id": id, "webhook-timestamp": strconv.FormatInt(now.Unix(), 10), "webhook-signature": sig}, body)
			if err == nil && a.status != http.StatusNoContent {
				err = fmt.Errorf("webhook: %d %s", a.status, a.body)
			}
		}
		return err
	}
}

// loadKey is a machine key whose own rule admits the whole load run: the
// run measures the kit, not the gateway's default limit, which a run of
// thousands of machine requests a minute would reach.
func loadKey(t testing.TB, s *stack) string {
	t.Helper()
	return s.machineKeyWith(t, []wachttest.RateLimit{{Unit: "minute", Duration: 1, MaxRequests: 1 << 30, Mode: "per_key"}})
}

func (s *stack) tryURL(ctx context.Context, method, url string, header map[string]string, body string) (answer, error) {
	c := *s // a copy: load workers call this concurrently
	c.url = ""
	return c.try(ctx, method, url, header, body)
}

func TestLoadLocalServer(t *testing.T) {
	if testing.Short() {
		t.Skip("load run; skipped with -short")
	}
	s := newStack(t, stackOptions{})
	tok := s.token(t, wachttest.TokenOptions{Lifetime: time.Hour})
	runLoad(t, loadRequests(), mixed(s, s.url, tok, loadKey(t, s)))
}

func TestLoadFunctionsFramework(t *testing.T) {
	if testing.Short() {
		t.Skip("load run; skipped with -short")
	}
	s := newStack(t, stackOptions{})
	gcf.HTTP("ReliabilityLoad", s.h)
	t.Setenv("FUNCTION_TARGET", "ReliabilityLoad")
	// The Functions Framework takes a port, not a listener; it serves until
	// the test binary exits.
	port := testtools.ServeOnFreePort(t, func(port int) error {
		return funcframework.StartHostPort("127.0.0.1", strconv.Itoa(port))
	})
	base := "http://" + testtools.Loopback(port)
	tok := s.token(t, wachttest.TokenOptions{Lifetime: time.Hour})
	runLoad(t, loadRequests(), mixed(s, base, tok, loadKey(t, s)))
}
