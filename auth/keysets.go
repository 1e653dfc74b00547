package auth

import (
	"container/list"
	"net/http"
	"sync"
	"time"
	"unsafe"
)

// DefaultKeySetsMaxIssuers is how many key sets a zero KeySets keeps.
const DefaultKeySetsMaxIssuers = 64

// KeySets shares key-set caches, and their refresh limiters, among the
// Verifiers built with it: every Verifier for the same key-set URL, with
// the same key-set settings, HTTP client and clock, uses one cache. Clocks
// and clients count by identity: create them once, not per Verifier. A
// function that builds Verifiers per configuration (a multi-tenant handler,
// or one that drops idle Verifiers) keeps the keys it has fetched and the
// limits on fetching them when a Verifier is thrown away and built again.
//
// It keeps at most MaxIssuers caches, dropping the least recently used;
// Verifiers already holding a dropped cache keep using it. The zero value
// is ready to use and safe for concurrent use.
type KeySets struct {
	// MaxIssuers bounds how many caches are kept. Zero means
	// DefaultKeySetsMaxIssuers.
	MaxIssuers int

	mu    sync.Mutex
	byKey map[keySetKey]*list.Element
	lru   list.List // of *keySetEntry, most recent first
}

// keySetKey is everything that shapes a jwksCache: two Verifiers share a
// cache only when it would behave the same for both.
type keySetKey struct {
	url                                                             string
	client                                                          *http.Client
	now                                                             uintptr
	ttl, minTTL, maxTTL, refreshInterval, staleWindow, fetchTimeout time.Duration
	maxBytes                                                        int64
}

type keySetEntry struct {
	key   keySetKey
	cache *jwksCache
}

// cache returns the shared cache for s, creating it on first use. client is
// the HTTP client the Verifier was configured with (nil for the default),
// before keySetClient copies it.
func (ks *KeySets) cache(s jwksSettings, client *http.Client, now func() time.Time) *jwksCache {
	key := keySetKey{
		url: s.url, client: client,
		ttl: s.ttl, minTTL: s.minTTL, maxTTL: s.maxTTL,
		refreshInterval: s.refreshInterval, staleWindow: s.staleWindow, fetchTimeout: s.fetchTimeout,
		maxBytes: s.maxBytes,
	}
	if now != nil {
		// Funcs are not comparable, and reflect gives only the code
		// pointer, which every closure of one constructor shares (two fake
		// clocks' Now methods). A func value points to its closure record;
		// that address tells clocks apart, and it stays unique while the
		// entry's cache holds the func.
		key.now = uintptr(*(*unsafe.Pointer)(unsafe.Pointer(&now)))
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if e, ok := ks.byKey[key]; ok {
		ks.lru.MoveToFront(e)
		return e.Value.(*keySetEntry).cache
	}
	if ks.byKey == nil {
		ks.byKey = make(map[keySetKey]*list.Element)
	}
	c := newJWKSCache(s)
	ks.byKey[key] = ks.lru.PushFront(&keySetEntry{key: key, cache: c})
	limit := ks.MaxIssuers
	if limit <= 0 {
		limit = DefaultKeySetsMaxIssuers
	}
	for ks.lru.Len() > limit {
		oldest := ks.lru.Back()
		ks.lru.Remove(oldest)
		delete(ks.byKey, oldest.Value.(*keySetEntry).key)
	}
	return c
}

// Len reports how many key-set caches are kept.
func (ks *KeySets) Len() int {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.lru.Len()
}
