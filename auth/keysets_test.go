package auth

import (
	"context"
	"testing"
	"time"
)

func TestKeySetsShareOneCachePerIssuer(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	is := newTestIssuer(t, k)
	var shared KeySets
	now := is.clock.Now // one clock: a method value made per verifier would be a new clock each time
	build := func(mod func(*VerifierConfig)) *Verifier {
		return is.verifier(t, func(c *VerifierConfig) {
			c.KeySets, c.Now = &shared, now
			if mod != nil {
				mod(c)
			}
		})
	}
	tok := is.mint(k, nil, nil)
	for i := range 3 {
		if _, err := build(nil).Verify(context.Background(), tok); err != nil {
			t.Fatalf("verifier %d: %v", i, err)
		}
	}
	if n := is.hits.Load(); n != 1 {
		t.Fatalf("three verifiers of one issuer made %d key-set fetches, want 1", n)
	}
	// Settings that change how the cache behaves get a cache of their own.
	if _, err := build(func(c *VerifierConfig) { c.JWKSTTL = time.Minute }).Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if n := is.hits.Load(); n != 2 || shared.Len() != 2 {
		t.Fatalf("another TTL: %d fetches, %d caches; want 2 and 2", n, shared.Len())
	}
	// Another clock is another cache: time decides expiry.
	if _, err := build(func(c *VerifierConfig) { c.Now = newFakeClock().Now }).Verify(context.Background(), tok); err != nil || shared.Len() != 3 || is.hits.Load() != 3 {
		t.Fatalf("another clock: %v, %d caches, %d fetches; want 3 and 3", err, shared.Len(), is.hits.Load())
	}
	// Without KeySets each verifier has its own cache, as before.
	if _, err := is.verifier(t, nil).Verify(context.Background(), tok); err != nil || is.hits.Load() != 4 {
		t.Fatalf("an unshared verifier: %v, %d fetches", err, is.hits.Load())
	}
}

func TestKeySetsAreBounded(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	shared := KeySets{MaxIssuers: 2}
	var first *Verifier
	var firstIssuer *testIssuer
	for i := range 5 {
		is := newTestIssuer(t, k)
		v := is.verifier(t, func(c *VerifierConfig) { c.KeySets = &shared })
		if _, err := v.Verify(context.Background(), is.mint(k, nil, nil)); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first, firstIssuer = v, is
		}
	}
	if n := shared.Len(); n != 2 {
		t.Fatalf("%d caches kept, want MaxIssuers (2)", n)
	}
	// A verifier whose cache was dropped from the set keeps using it.
	if _, err := first.Verify(context.Background(), firstIssuer.mint(k, nil, nil)); err != nil || firstIssuer.hits.Load() != 1 {
		t.Fatalf("evicted cache: %v, %d fetches", err, firstIssuer.hits.Load())
	}
}
