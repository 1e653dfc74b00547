package auth

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// storeClock is a settable clock for the store's expiry.
type storeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *storeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *storeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestMemoryWebhookIdempotencyProtocol(t *testing.T) {
	ctx := context.Background()
	clock := &storeClock{t: time.Unix(1_800_000_000, 0)}
	m := &MemoryWebhookIdempotency{Now: clock.Now}
	claim := func(id string) WebhookClaim {
		t.Helper()
		c, err := m.Claim(ctx, id, clock.Now().Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	keep := clock.Now().Add(DefaultWebhookMaxAge)

	// Processed: every later attempt is a duplicate until keep.
	if c := claim("msg_1"); c != WebhookClaimed {
		t.Fatalf("first claim: %v", c)
	}
	if c := claim("msg_1"); c != WebhookInProgress {
		t.Fatalf("concurrent attempt: %v", c)
	}
	if err := m.Settle(ctx, "msg_1", true, keep); err != nil {
		t.Fatal(err)
	}
	clock.Advance(72 * time.Hour)
	if c := claim("msg_1"); c != WebhookProcessed {
		t.Fatalf("retry three days later: %v", c)
	}

	// Failed: the claim is forgotten, so the next retry processes it.
	if c := claim("msg_2"); c != WebhookClaimed {
		t.Fatal(c)
	}
	if err := m.Settle(ctx, "msg_2", false, keep); err != nil {
		t.Fatal(err)
	}
	if c := claim("msg_2"); c != WebhookClaimed {
		t.Fatalf("retry after a failure: %v", c)
	}

	// Never settled (the process died): the claim lapses at its lease.
	clock.Advance(time.Minute)
	if c := claim("msg_2"); c != WebhookClaimed {
		t.Fatalf("retry after the lease: %v", c)
	}

	// A processed id is forgotten once its timestamp leaves the window.
	clock.Advance(6 * 24 * time.Hour)
	if c := claim("msg_1"); c != WebhookClaimed {
		t.Fatalf("after keep: %v", c)
	}

	// A failure never erases a processed mark; settling an unknown id is fine.
	_ = m.Settle(ctx, "msg_1", true, clock.Now().Add(time.Hour))
	_ = m.Settle(ctx, "msg_1", false, time.Time{})
	if c := claim("msg_1"); c != WebhookProcessed {
		t.Fatalf("processed mark lost to a failure report: %v", c)
	}
	if err := m.Settle(ctx, "msg_never_claimed", false, keep); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Claim(ctx, "", keep); err == nil {
		t.Error("empty id accepted")
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := m.Claim(canceled, "msg_3", keep); err == nil {
		t.Error("claim under a canceled context")
	}
	for c, want := range map[WebhookClaim]string{WebhookClaimed: "claimed", WebhookInProgress: "in_progress", WebhookProcessed: "processed", 9: "WebhookClaim(9)"} {
		if c.String() != want {
			t.Errorf("%d: %s", c, c)
		}
	}
}

func TestMemoryWebhookIdempotencyIsBounded(t *testing.T) {
	ctx := context.Background()
	clock := &storeClock{t: time.Unix(1_800_000_000, 0)}
	m := &MemoryWebhookIdempotency{MaxEntries: 100, Now: clock.Now}
	keep := clock.Now().Add(time.Hour)
	for i := range 1000 {
		id := "msg_" + strconv.Itoa(i)
		if c, _ := m.Claim(ctx, id, keep); c != WebhookClaimed {
			t.Fatalf("%s: %v", id, c)
		}
		_ = m.Settle(ctx, id, true, keep)
	}
	if m.Len() != 100 {
		t.Fatalf("held %d ids; want 100", m.Len())
	}
	// The newest are remembered, the oldest forgotten first.
	if c, _ := m.Claim(ctx, "msg_999", keep); c != WebhookProcessed {
		t.Errorf("newest: %v", c)
	}
	if c, _ := m.Claim(ctx, "msg_0", keep); c != WebhookClaimed {
		t.Errorf("oldest: %v", c)
	}
	// Expired entries make room before live ones are dropped.
	clock.Advance(2 * time.Hour)
	for i := range 50 {
		_, _ = m.Claim(ctx, "new_"+strconv.Itoa(i), clock.Now().Add(time.Hour))
	}
	if m.Len() > 100 {
		t.Fatalf("held %d ids", m.Len())
	}
	for i := range 50 {
		if c, _ := m.Claim(ctx, "new_"+strconv.Itoa(i), clock.Now().Add(time.Hour)); c != WebhookInProgress {
			t.Fatalf("live claim new_%d dropped while expired ids were held: %v", i, c)
		}
	}
	// A huge id costs no more than a short one.
	long := strings.Repeat("x", 1<<16)
	if c, _ := m.Claim(ctx, long, clock.Now().Add(time.Hour)); c != WebhookClaimed {
		t.Fatal(c)
	}
	if c, _ := m.Claim(ctx, long, clock.Now().Add(time.Hour)); c != WebhookInProgress {
		t.Fatal(c)
	}
	for k := range m.entries {
		if len(k) > memoryKeyLimit+len("sha256:")+32 {
			t.Fatalf("key of %d bytes kept", len(k))
		}
	}
}

// Of many attempts racing for one new delivery, exactly one gets it.
func TestMemoryWebhookIdempotencyConcurrentClaims(t *testing.T) {
	var m MemoryWebhookIdempotency
	lease := time.Now().Add(time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[WebhookClaim]int{}
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := m.Claim(context.Background(), "msg_race", lease)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			counts[c]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[WebhookClaimed] != 1 || counts[WebhookInProgress] != 63 {
		t.Fatalf("claims %v", counts)
	}
}
