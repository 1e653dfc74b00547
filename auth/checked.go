package auth

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// DefaultSignatureCacheSize is how many tokens a Verifier remembers as
// correctly signed unless VerifierConfig.SignatureCacheSize says otherwise.
const DefaultSignatureCacheSize = 256

// maxCheckedTokenBytes keeps unusually large tokens out of the cache, so
// its memory stays bounded by DefaultSignatureCacheSize small strings.
const maxCheckedTokenBytes = 4096

// checkedTokens remembers tokens whose signature checked out, with the key
// that checked it. A browser sends the same session token with every
// request until it refreshes it, and the signature check is the costly
// part of verifying it (most of all as Wasm). A token is only found again
// by its exact bytes, so nothing that was not signed is ever let through;
// and a hit counts only while the key set that verified it is still the
// one in use (see Verifier.stillPublished), so a rotation or a removed key
// takes effect as it would without the cache. The claims (expiry, issuer,
// audience) are checked again on every request.
type checkedTokens struct {
	mu  sync.Mutex
	max int
	m   map[string]*jwk
}

func newCheckedTokens(size int) *checkedTokens {
	switch {
	case size < 0:
		return nil
	case size == 0:
		size = DefaultSignatureCacheSize
	}
	return &checkedTokens{max: size, m: make(map[string]*jwk)}
}

func (c *checkedTokens) get(token string) *jwk {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	k := c.m[token]
	c.mu.Unlock()
	return k
}

func (c *checkedTokens) put(token string, k *jwk) {
	if c == nil || len(token) > maxCheckedTokenBytes {
		return
	}
	// The token may be a slice of a larger string (the request's headers
	// as a platform read them); keep only its own bytes.
	token = strings.Clone(token)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[token]; !ok && len(c.m) >= c.max {
		for old := range c.m { // one arbitrary entry: map order is random
			delete(c.m, old)
			break
		}
	}
	c.m[token] = k
}

// stillPublished reports whether k, which verified a token with header h,
// is still the key the current key set gives for it. Key sets are parsed
// into new keys, so a refreshed set (a rotation, a removed key) answers
// false and the token is checked again.
func (v *Verifier) stillPublished(ctx context.Context, h *jwsHeader, k *jwk) bool {
	var (
		keys []*jwk
		terr *TokenError
	)
	if h.kid == "" {
		keys, terr = v.jwks.all(ctx, false)
	} else {
		keys, terr = v.jwks.lookup(ctx, h.kid)
	}
	return terr == nil && k.accepts(h.alg) && slices.Contains(keys, k)
}
