package auth

import (
	"container/list"
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"sync"
	"time"
)

// WebhookClaim is what a WebhookIdempotency store says about a delivery
// when an attempt of it arrives.
type WebhookClaim int

// Answers of WebhookIdempotency.Claim.
const (
	// WebhookClaimed: the id is neither processed nor held by another
	// attempt. The caller now holds it until the lease it asked for, and
	// must Settle it.
	WebhookClaimed WebhookClaim = iota + 1
	// WebhookInProgress: another attempt holds an unexpired claim. Do not
	// process it and do not answer 2xx: answer 5xx, 408 or 429, the statuses
	// Wacht retries (worker/src/tasks/webhook.rs:410-411, 499-504).
	WebhookInProgress
	// WebhookProcessed: the id was processed successfully before. Answer
	// 2xx without processing it again.
	WebhookProcessed
)

func (c WebhookClaim) String() string {
	switch c {
	case WebhookClaimed:
		return "claimed"
	case WebhookInProgress:
		return "in_progress"
	case WebhookProcessed:
		return "processed"
	}
	return "WebhookClaim(" + strconv.Itoa(int(c)) + ")"
}

// WebhookIdempotency remembers webhook deliveries by webhook-id, so that a
// delivery is processed once although Wacht may send it several times: it
// retries whenever an answer is lost or slow (the attempt timed out, the
// connection broke), with the same webhook-id, and a delivery captured in
// transit verifies for the whole MaxAge window. Ids are unique per
// delivery to one endpoint ("msg_<delivery id>",
// commands/src/webhook_trigger.rs:107-109); a delivery replayed on
// purpose from Wacht's dashboard or API gets a new id and is processed
// again (webhook_trigger.rs:309-311).
//
// The protocol is claim on receipt, mark on success:
//
//   - Claim before processing. Claim must be atomic: of two attempts
//     racing for a new id exactly one gets WebhookClaimed, and holds the id
//     until lease. A held id answers WebhookInProgress; a processed one
//     WebhookProcessed. A claim whose lease has passed (its process died
//     before settling) is gone, and the next attempt claims the id afresh.
//   - Settle after processing. processed true marks the id processed and
//     keeps it until keep (WebhookVerifier.ReplayWindowEnd: after that the
//     timestamp no longer verifies, so nothing can repeat it); false
//     forgets the claim, so Wacht's next retry processes the delivery
//     again.
//
// Marking only on success is what lets a failed attempt be retried:
// marking on receipt would answer every retry of a delivery whose
// processing failed with "already done", and the event would be lost. The
// claim on receipt is what keeps two concurrent attempts from both
// processing it.
//
// MemoryWebhookIdempotency keeps ids in one process's memory. It is exact
// for a single long-running server, but each serverless instance has its
// own memory, so it only catches repeats that reach the same warm
// instance. For a guarantee across instances, implement the interface
// over a store with an atomic conditional write. Claim is a conditional
// create of {state: "in_progress", until: lease} that also succeeds over
// an entry whose until has passed; when it fails, read the entry to tell
// in_progress from processed. Settle(true) sets {state: "processed",
// until: keep}; Settle(false) deletes the entry if it is still
// in_progress. Let the store expire entries at until.
//
//   - AWS Lambda, DynamoDB: PutItem with ConditionExpression
//     "attribute_not_exists(id) OR #until < :now" (ConditionalCheckFailed
//     means taken; GetItem with ConsistentRead to learn which state);
//     UpdateItem for processed, DeleteItem with "#state = :in_progress"
//     for failure; a TTL attribute on until.
//   - Google Cloud Functions, Firestore: DocumentRef.Create fails with
//     AlreadyExists when the id is taken; take over a lapsed claim and
//     settle inside RunTransaction (read, compare until, write); a TTL
//     policy on until.
//   - Netlify, Netlify Blobs: a site-wide store read with strong
//     consistency; claim with a write that succeeds only if the key is new
//     (onlyIfNew), take over a lapsed claim with a write that succeeds only
//     if the ETag is unchanged (onlyIfMatch). Blobs do not expire, so
//     delete old keys on a schedule.
//   - Cloudflare Workers: KV cannot do this (no conditional write, and
//     writes take up to a minute to be seen elsewhere); use D1
//     (INSERT ... ON CONFLICT(id) DO UPDATE ... WHERE until < :now, then
//     look at the changes count) or a Durable Object addressed by the
//     webhook-id, whose storage calls are serialized.
//   - A server: Redis SET id in_progress NX PXAT <lease> (a nil reply
//     means taken; GET tells which state), SET id processed XX PXAT
//     <keep>, and a compare-and-delete script for failure; or SQL with a
//     primary key on id: INSERT ... ON CONFLICT (id) DO UPDATE SET
//     state = 'in_progress', until = :lease WHERE t.until < now() and
//     check the affected row count.
//
// Implementations must be safe for concurrent use, and must not treat an
// unknown id passed to Settle as an error.
type WebhookIdempotency interface {
	Claim(ctx context.Context, id string, lease time.Time) (WebhookClaim, error)
	Settle(ctx context.Context, id string, processed bool, keep time.Time) error
}

// DefaultWebhookIdempotencyEntries is how many ids a zero
// MemoryWebhookIdempotency remembers.
const DefaultWebhookIdempotencyEntries = 10000

// memoryKeyLimit is the longest id kept verbatim; longer ids are kept as
// their SHA-256, so memory stays bounded by MaxEntries whatever the sender
// puts in webhook-id.
const memoryKeyLimit = 64

// MemoryWebhookIdempotency is a WebhookIdempotency in this process's
// memory, bounded in size and age: it holds at most MaxEntries ids, drops
// each when its claim's lease or its keep time passes, and when full
// forgets the oldest claim first (its replay protection then rests on the
// timestamp alone). It is safe for concurrent use; the zero value holds
// up to DefaultWebhookIdempotencyEntries ids. See WebhookIdempotency for
// what a per-process store does and does not catch.
type MemoryWebhookIdempotency struct {
	// MaxEntries bounds the number of ids held (default
	// DefaultWebhookIdempotencyEntries).
	MaxEntries int
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	entries map[string]*list.Element
	order   list.List // of *memoryEntry, oldest claim first
}

type memoryEntry struct {
	key       string
	processed bool
	until     time.Time
}

var errEmptyWebhookID = errors.New("wacht: empty webhook-id")

func (m *MemoryWebhookIdempotency) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func memoryKey(id string) string {
	if len(id) <= memoryKeyLimit {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "sha256:" + string(sum[:])
}

// Claim implements WebhookIdempotency.
func (m *MemoryWebhookIdempotency) Claim(ctx context.Context, id string, lease time.Time) (WebhookClaim, error) {
	if id == "" {
		return 0, errEmptyWebhookID
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	key, now := memoryKey(id), m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = map[string]*list.Element{}
	}
	if el, ok := m.entries[key]; ok {
		e := el.Value.(*memoryEntry)
		if now.Before(e.until) {
			if e.processed {
				return WebhookProcessed, nil
			}
			return WebhookInProgress, nil
		}
		m.remove(el)
	}
	m.insert(&memoryEntry{key: key, until: lease}, now)
	return WebhookClaimed, nil
}

// Settle implements WebhookIdempotency.
func (m *MemoryWebhookIdempotency) Settle(ctx context.Context, id string, processed bool, keep time.Time) error {
	if id == "" {
		return errEmptyWebhookID
	}
	key, now := memoryKey(id), m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.entries[key]
	if !processed {
		if ok && !el.Value.(*memoryEntry).processed {
			m.remove(el)
		}
		return nil
	}
	if !now.Before(keep) {
		if ok {
			m.remove(el)
		}
		return nil
	}
	if ok {
		e := el.Value.(*memoryEntry)
		e.processed, e.until = true, keep
		return nil
	}
	// The claim was forgotten (evicted or lapsed) while the delivery was
	// processed: remember the outcome anyway.
	if m.entries == nil {
		m.entries = map[string]*list.Element{}
	}
	m.insert(&memoryEntry{key: key, processed: true, until: keep}, now)
	return nil
}

// Len reports how many ids are held, expired ones included until they are
// next swept.
func (m *MemoryWebhookIdempotency) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

func (m *MemoryWebhookIdempotency) insert(e *memoryEntry, now time.Time) {
	limit := m.MaxEntries
	if limit <= 0 {
		limit = DefaultWebhookIdempotencyEntries
	}
	if len(m.entries) >= limit {
		// Drop expired entries among the oldest few (the list is in claim
		// order, so that is where they gather), then, if still full, the
		// oldest claim. The sweep is bounded so that an insert into a full
		// store stays O(1); expired entries elsewhere go when next looked up.
		el := m.order.Front()
		for i := 0; i < 16 && el != nil && len(m.entries) >= limit; i++ {
			next := el.Next()
			if !now.Before(el.Value.(*memoryEntry).until) {
				m.remove(el)
			}
			el = next
		}
		for len(m.entries) >= limit {
			m.remove(m.order.Front())
		}
	}
	m.entries[e.key] = m.order.PushBack(e)
}

func (m *MemoryWebhookIdempotency) remove(el *list.Element) {
	delete(m.entries, el.Value.(*memoryEntry).key)
	m.order.Remove(el)
}
