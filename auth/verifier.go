package auth

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/wacht-platform/serverless-go/internal/redact"

	"github.com/wacht-platform/serverless-go/internal/sigverify"
	"github.com/wacht-platform/serverless-go/wacht"
)

// DefaultAlgorithms is the signature allow-list used when
// VerifierConfig.Algorithms is empty. HMAC algorithms are never in the
// default list: they need a secret the caller supplies.
var DefaultAlgorithms = []string{"ES256", "ES384", "ES512", "RS256", "RS384", "RS512"}

// Other verifier defaults.
const (
	DefaultClockSkew       = 5 * time.Second
	DefaultMaxTokenBytes   = 16 << 10
	DefaultSessionCookie   = "__session"
	maxHeaderSegmentBytes  = 2048
	maxHeaderParameters    = 24
	minHMACSecretBytes     = 32
	defaultExchangeTimeout = 10 * time.Second
)

var supportedAlgorithms = []string{"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "HS256", "HS384", "HS512"}

// VerifierConfig configures a Verifier. The zero value of every field except
// the key source works: set PublishableKey (or FrontendAPIURL).
type VerifierConfig struct {
	// PublishableKey (pk_test_... or pk_live_...) names the deployment; the
	// frontend API URL, JWKS location and default issuer derive from it.
	PublishableKey string
	// FrontendAPIURL may be given instead of PublishableKey (for example to
	// point at a local emulator). When both are set they must agree.
	FrontendAPIURL string
	// RequiredIssuer replaces the frontend API URL as the exact iss value
	// tokens must carry.
	RequiredIssuer string
	// Audiences, when non-empty, require the token's aud to contain one of
	// them. When empty, aud is not checked.
	Audiences []string
	// AuthorizedParties, when non-empty, require an azp claim equal to one of
	// them (for example your app's origin).
	AuthorizedParties []string
	// Algorithms is the signature allow-list. Empty means DefaultAlgorithms.
	// HS256/HS384/HS512 may be listed only together with HMACSecret. "none"
	// is never accepted.
	Algorithms []string
	// HMACSecret verifies HS256/384/512 tokens from JWT templates signed with
	// a custom key. At least 32 bytes. Never logged.
	HMACSecret []byte
	// ClockSkew is the leeway for exp, nbf and iat. Zero means
	// DefaultClockSkew; negative means none.
	ClockSkew time.Duration
	// HTTPClient fetches the JWKS and exchanges sessions. Nil means a client
	// with no global timeout (each call is bounded by its own timeout).
	HTTPClient *http.Client

	// JWKSTTL is how long a key set is cached when the response has no
	// Cache-Control max-age (default 5m). JWKSMinTTL and JWKSMaxTTL bound
	// whatever the server says (defaults 30s and 1h).
	JWKSTTL, JWKSMinTTL, JWKSMaxTTL time.Duration
	// JWKSMinRefreshInterval is the least time between two fetches caused by
	// an unknown kid, a token without kid that no cached key verifies, or a
	// failed fetch (default 10s). Requests that hit the limit are answered
	// at once from the cache; they never wait for it.
	JWKSMinRefreshInterval time.Duration
	// JWKSStaleWindow is how long past its TTL a key set keeps verifying
	// while refreshes fail (default 15m).
	JWKSStaleWindow time.Duration
	// JWKSFetchTimeout bounds one fetch (default 5s). The request context
	// bounds only how long that request waits: the fetch goes on for the
	// requests that need it after the one that started it has gone.
	JWKSFetchTimeout time.Duration
	// JWKSMaxBytes caps the key set body (default 256 KiB).
	JWKSMaxBytes int64

	// MaxTokenBytes caps the token length checked before any parsing
	// (default 16 KiB).
	MaxTokenBytes int

	// SessionCookieName turns on browser sessions: when set (normally
	// DefaultSessionCookie, "__session"), Authenticate takes a request with
	// no Authorization header but with this cookie, exchanges the cookie at
	// the frontend API for a session token (the cookie is a long-lived
	// session JWT, not a session token), verifies that token and caches it
	// for its lifetime. Unsafe cross-origin requests never authenticate by
	// cookie. On development instances (pk_test_ keys) the development
	// session (?__dev_session__= on GET and HEAD, or the __dev_session__
	// cookie) is exchanged the same way. Empty, the default, means cookies
	// are ignored, as in the JS SDK's authenticateRequest. See
	// AuthenticateWithUpdate.
	SessionCookieName string
	// SessionCacheSize bounds how many exchanged session tokens are cached
	// (least recently used dropped first). Zero means
	// DefaultSessionCacheSize.
	SessionCacheSize int
	// SignatureCacheSize bounds how many tokens whose signature checked
	// out are remembered, so that the same token on a later request skips
	// the signature check; its claims (expiry, issuer, audience) are still
	// checked every time, and a token only counts while the key that
	// verified it is still in the key set. Zero means
	// DefaultSignatureCacheSize; negative turns the cache off.
	SignatureCacheSize int
	// SessionTrustedOrigins are origins ("https://app.example.com") whose
	// cross-origin unsafe requests may still authenticate by cookie, for
	// a browser app served from another origin than the function.
	SessionTrustedOrigins []string

	// ForwardedAuthSecret, when set, makes Authenticate accept a signed
	// x-wacht-auth header (see ForwardedAuthSigner) from an upstream hop when
	// the request has no token. Unsigned x-wacht-auth headers are never
	// accepted by Authenticate. At least 32 bytes.
	ForwardedAuthSecret []byte
	// ForwardedAuthMaxAge is the longest a signed x-wacht-auth value is
	// accepted after it was issued, whatever its exp says (default
	// DefaultForwardedAuthMaxAge, five minutes).
	ForwardedAuthMaxAge time.Duration

	// SessionExchangeTimeout bounds one exchange of a session cookie at the
	// frontend API (default 10s).
	SessionExchangeTimeout time.Duration

	// KeySets, when set, shares this Verifier's key-set cache and refresh
	// limiter with the other Verifiers built with the same KeySets for the
	// same issuer, so they outlive this Verifier. Nil means a cache of its
	// own.
	KeySets *KeySets

	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier verifies Wacht session tokens. It owns a lazily filled key cache
// for its issuer and is safe for concurrent use; build one per deployment
// and reuse it across invocations of a warm instance.
type Verifier struct {
	frontend    string
	issuer      string
	audiences   []string
	azp         []string
	algs        map[string]bool
	hmacSecret  []byte
	skew        time.Duration
	maxToken    int
	sess        *sessionAuth
	fwd         *ForwardedAuthSigner
	client      *http.Client
	exchangeTTL time.Duration
	// exchangeClient is client refusing redirects: it carries a session
	// cookie (see exchangeClient).
	exchangeClient *http.Client
	now            func() time.Time
	jwks           *jwksCache
	checked        *checkedTokens
}

// NewVerifier checks cfg and builds a Verifier. It does no network I/O: the
// key set is fetched on the first verification that needs it.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	v := &Verifier{now: cfg.Now, client: cfg.HTTPClient}
	if v.now == nil {
		v.now = time.Now
	}
	if v.client == nil {
		v.client = &http.Client{}
	}
	switch {
	case cfg.PublishableKey != "":
		u, err := FrontendAPIURL(cfg.PublishableKey)
		if err != nil {
			return nil, &wacht.ConfigError{Field: "PublishableKey", Problem: "cannot derive the frontend API URL", Err: err}
		}
		v.frontend = u
		if cfg.FrontendAPIURL != "" && strings.TrimRight(cfg.FrontendAPIURL, "/") != u {
			return nil, &wacht.ConfigError{Field: "FrontendAPIURL", Problem: "does not match the publishable key (" + u + ")"}
		}
	case cfg.FrontendAPIURL != "":
		u, err := normalizeOrigin(cfg.FrontendAPIURL)
		if err != nil {
			return nil, &wacht.ConfigError{Field: "FrontendAPIURL", Problem: err.Error()}
		}
		v.frontend = u
	default:
		return nil, &wacht.ConfigError{Field: "PublishableKey", Problem: "missing; set the publishable key (env WACHT_PUBLISHABLE_KEY) or FrontendAPIURL"}
	}
	v.issuer = v.frontend
	if cfg.RequiredIssuer != "" {
		v.issuer = cfg.RequiredIssuer
	}
	v.audiences = slices.Clone(cfg.Audiences)
	v.azp = slices.Clone(cfg.AuthorizedParties)

	algs := cfg.Algorithms
	if len(algs) == 0 {
		algs = DefaultAlgorithms
	}
	v.algs = make(map[string]bool, len(algs))
	for _, a := range algs {
		if !slices.Contains(supportedAlgorithms, a) {
			return nil, &wacht.ConfigError{Field: "Algorithms", Problem: fmt.Sprintf("unsupported algorithm %q", truncate(a, 16))}
		}
		if strings.HasPrefix(a, "HS") && len(cfg.HMACSecret) == 0 {
			return nil, &wacht.ConfigError{Field: "Algorithms", Problem: a + " needs HMACSecret"}
		}
		v.algs[a] = true
	}
	if len(cfg.HMACSecret) > 0 {
		if len(cfg.HMACSecret) < minHMACSecretBytes {
			return nil, &wacht.ConfigError{Field: "HMACSecret", Problem: fmt.Sprintf("shorter than %d bytes", minHMACSecretBytes)}
		}
		if !v.algs["HS256"] && !v.algs["HS384"] && !v.algs["HS512"] {
			return nil, &wacht.ConfigError{Field: "HMACSecret", Problem: "set but no HS256/HS384/HS512 in Algorithms"}
		}
		v.hmacSecret = bytes.Clone(cfg.HMACSecret)
	}
	switch {
	case cfg.ClockSkew == 0:
		v.skew = DefaultClockSkew
	case cfg.ClockSkew > 0:
		v.skew = cfg.ClockSkew
	}
	v.maxToken = cfg.MaxTokenBytes
	if v.maxToken <= 0 {
		v.maxToken = DefaultMaxTokenBytes
	}
	sess, err := newSessionAuth(cfg, strings.HasPrefix(cfg.PublishableKey, "pk_test_"))
	if err != nil {
		return nil, err
	}
	v.sess = sess
	if len(cfg.ForwardedAuthSecret) > 0 {
		s, err := NewForwardedAuthSigner(cfg.ForwardedAuthSecret)
		if err != nil {
			return nil, err
		}
		s.Now = v.now
		s.MaxAge = cfg.ForwardedAuthMaxAge
		s.ClockSkew = cfg.ClockSkew
		v.fwd = s
	}
	v.exchangeTTL = cfg.SessionExchangeTimeout
	if v.exchangeTTL <= 0 {
		v.exchangeTTL = defaultExchangeTimeout
	}
	v.exchangeClient = exchangeClient(v.client)
	v.checked = newCheckedTokens(cfg.SignatureCacheSize)

	s := jwksSettings{
		url:             v.frontend + "/.well-known/jwks.json",
		client:          v.client,
		now:             v.now,
		ttl:             orDefault(cfg.JWKSTTL, DefaultJWKSTTL),
		minTTL:          orDefault(cfg.JWKSMinTTL, DefaultJWKSMinTTL),
		maxTTL:          orDefault(cfg.JWKSMaxTTL, DefaultJWKSMaxTTL),
		refreshInterval: orDefault(cfg.JWKSMinRefreshInterval, DefaultJWKSMinRefreshInterval),
		staleWindow:     orDefault(cfg.JWKSStaleWindow, DefaultJWKSStaleWindow),
		fetchTimeout:    orDefault(cfg.JWKSFetchTimeout, DefaultJWKSFetchTimeout),
		maxBytes:        cfg.JWKSMaxBytes,
	}
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultJWKSMaxBytes
	}
	if s.minTTL > s.maxTTL {
		return nil, &wacht.ConfigError{Field: "JWKSMinTTL", Problem: "greater than JWKSMaxTTL"}
	}
	// An expired set must always be refreshable, so the refresh limiter can
	// never be longer than the shortest TTL.
	s.refreshInterval = min(s.refreshInterval, s.minTTL)
	if cfg.KeySets != nil {
		v.jwks = cfg.KeySets.cache(s, cfg.HTTPClient, cfg.Now)
	} else {
		v.jwks = newJWKSCache(s)
	}
	return v, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// FrontendAPIURL returns the frontend API URL the verifier was built for.
func (v *Verifier) FrontendAPIURL() string {
	if v == nil {
		return ""
	}
	return v.frontend
}

// Stats returns counters of the verifier's key cache.
func (v *Verifier) Stats() JWKSStats {
	if v == nil || v.jwks == nil {
		return JWKSStats{}
	}
	return v.jwks.stats()
}

// jwsHeader holds the protected header members this verifier reads.
type jwsHeader struct {
	alg, kid   string
	untrusted  string // first of jku/x5u/jwk/x5c/x5t present
	crit       bool
	b64, cty   bool
	hasAlg     bool
	typNotJWT  bool
	paramCount int
}

var b64url = base64.RawURLEncoding.Strict()

// Verify checks a session token and returns its claims. Any failure is a
// *TokenError whose Reason says why.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if v == nil || v.jwks == nil {
		return nil, tokenErr(TokenReasonMisconfigured, "use NewVerifier")
	}
	c, terr := v.verify(ctx, token)
	if terr != nil {
		return nil, terr
	}
	return c, nil
}

func (v *Verifier) verify(ctx context.Context, token string) (*Claims, *TokenError) {
	if token == "" {
		return nil, tokenErr(TokenReasonMissing, "")
	}
	if len(token) > v.maxToken {
		return nil, tokenErr(TokenReasonTooLarge, fmt.Sprintf("token is %d bytes, limit %d", len(token), v.maxToken))
	}
	d1 := strings.IndexByte(token, '.')
	if d1 < 0 {
		return nil, tokenErr(TokenReasonMalformed, "not a JWT (no '.')")
	}
	d2 := strings.IndexByte(token[d1+1:], '.')
	if d2 < 0 {
		return nil, tokenErr(TokenReasonMalformed, "not a JWT (two segments)")
	}
	d2 += d1 + 1
	if strings.IndexByte(token[d2+1:], '.') >= 0 {
		return nil, tokenErr(TokenReasonMalformed, "not a compact JWS (more than three segments)")
	}
	if d1 > maxHeaderSegmentBytes {
		return nil, tokenErr(TokenReasonTooLarge, "header segment too large")
	}
	hbuf := make([]byte, b64url.DecodedLen(d1))
	hn, err := b64url.Decode(hbuf, []byte(token[:d1]))
	if err != nil {
		return nil, tokenErr(TokenReasonMalformed, "header is not base64url")
	}
	h, terr := parseJWSHeader(hbuf[:hn])
	if terr != nil {
		return nil, terr
	}
	if !h.hasAlg || h.alg == "" {
		return nil, tokenErr(TokenReasonAlgorithm, "header has no alg")
	}
	if !v.algs[h.alg] {
		return nil, tokenErr(TokenReasonAlgorithm, fmt.Sprintf("alg %q is not allowed", truncate(h.alg, 16)))
	}
	if h.untrusted != "" {
		return nil, tokenErr(TokenReasonUntrustedHeader, fmt.Sprintf("header parameter %q is not accepted", h.untrusted))
	}
	if h.crit {
		return nil, tokenErr(TokenReasonCritical, "crit names extensions this verifier does not implement")
	}
	if h.b64 || h.cty {
		return nil, tokenErr(TokenReasonUnsupportedHeader, "b64 and cty (nested tokens) are not supported")
	}
	if h.typNotJWT {
		return nil, tokenErr(TokenReasonUnsupportedHeader, "typ is not JWT")
	}

	sigSeg := token[d2+1:]
	if len(sigSeg) == 0 {
		return nil, tokenErr(TokenReasonBadSignature, "empty signature")
	}
	if len(sigSeg) > 1024 {
		return nil, tokenErr(TokenReasonBadSignature, "signature too long")
	}
	var sbuf [768]byte
	sn, err := b64url.Decode(sbuf[:], []byte(sigSeg))
	if err != nil {
		return nil, tokenErr(TokenReasonMalformed, "signature is not base64url")
	}
	sig := sbuf[:sn]
	signed := token[:d2]

	// by is the key that verified the signature here, to be remembered
	// for the next request with this token: none when checkedTokens knew
	// it already, and none for HMAC, which is cheap.
	var by *jwk
	known := v.checked.get(token)
	switch {
	case strings.HasPrefix(h.alg, "HS"):
		if terr := v.verifyHMAC(h.alg, signed, sig); terr != nil {
			return nil, terr
		}
	case known != nil && v.stillPublished(ctx, &h, known):
	case h.kid == "":
		k, terr := v.verifyWithoutKid(ctx, h.alg, signed, sig)
		if terr != nil {
			return nil, terr
		}
		by = k
	default:
		keys, terr := v.jwks.lookup(ctx, h.kid)
		if terr != nil {
			return nil, terr
		}
		var key *jwk
		for _, k := range keys {
			if k.accepts(h.alg) {
				if key != nil {
					return nil, tokenErr(TokenReasonUnknownKey, "several keys share this kid")
				}
				key = k
			}
		}
		if key == nil {
			return nil, tokenErr(TokenReasonKeyMismatch, fmt.Sprintf("the key with this kid cannot verify %s", h.alg))
		}
		if terr := verifyAsymmetric(h.alg, key, signed, sig); terr != nil {
			return nil, terr
		}
		by = key
	}

	payloadSeg := token[d1+1 : d2]
	payload := make([]byte, b64url.DecodedLen(len(payloadSeg)))
	pn, err := b64url.Decode(payload, []byte(payloadSeg))
	if err != nil {
		return nil, tokenErr(TokenReasonMalformed, "payload is not base64url")
	}
	payload = payload[:pn]
	c, terr := v.checkClaims(payload)
	if terr == nil && by != nil {
		v.checked.put(token, by)
	}
	return c, terr
}

// maxKidlessCandidates bounds the keys tried for one token without a kid.
// Wacht's frontend API signs session tokens with the deployment's one key
// pair and no kid (frontend-api handler/session/handler.go signTokenES256:
// jwt.Sign with a bare key, ~L726) and publishes exactly that key
// (handler/deployment/handler.go:71-76 adds one key to the set), so one
// candidate is the normal case and two would cover a rotation's overlap,
// should Wacht ever publish an old key beside a new one. Every candidate costs
// one signature check, and a forged kid-less token makes the verifier try
// them all: four caps that work per token (and per forced refresh) while a
// key set that publishes more keys for one algorithm is reported as
// ambiguous rather than searched.
const maxKidlessCandidates = 4

// verifyWithoutKid verifies a token whose header names no key, as Wacht's
// session tokens are issued: it tries the published keys that can verify
// alg (kty, crv and, when the JWK pins one, alg must agree). When none of
// the cached keys verifies, the key set is fetched again, under the same
// refresh limiter as an unknown kid, and the keys it did not already try
// are tried.
func (v *Verifier) verifyWithoutKid(ctx context.Context, alg, signed string, sig []byte) (*jwk, *TokenError) {
	var tried [2 * maxKidlessCandidates]*jwk // at most maxKidlessCandidates per pass
	ntried := 0
	var last *TokenError
	for pass := range 2 {
		keys, terr := v.jwks.all(ctx, pass == 1)
		if terr != nil {
			if last != nil {
				return nil, last // the cached keys' verdict says more than a refresh failure
			}
			return nil, terr
		}
		var cand [maxKidlessCandidates]*jwk
		n := 0
		for _, k := range keys {
			if !k.accepts(alg) {
				continue
			}
			if n == len(cand) {
				return nil, tokenErr(TokenReasonMissingKeyID, fmt.Sprintf("the token has no kid and the key set publishes more than %d keys for %s", maxKidlessCandidates, alg))
			}
			cand[n] = k
			n++
		}
		for _, k := range cand[:n] {
			if slices.ContainsFunc(tried[:ntried], k.samePublicKey) {
				continue // already tried before the refresh
			}
			terr := verifyAsymmetric(alg, k, signed, sig)
			if terr == nil {
				return k, nil
			}
			last = terr
			tried[ntried] = k
			ntried++
		}
	}
	if last != nil {
		return nil, last
	}
	return nil, tokenErr(TokenReasonUnknownKey, fmt.Sprintf("the token has no kid and no published key can verify %s", alg))
}

func (v *Verifier) verifyHMAC(alg, signed string, sig []byte) *TokenError {
	var h func() hash.Hash
	switch alg {
	case "HS256":
		h = sha256.New
	case "HS384":
		h = sha512.New384
	case "HS512":
		h = sha512.New
	default:
		return tokenErr(TokenReasonAlgorithm, "unsupported HMAC algorithm")
	}
	if len(v.hmacSecret) == 0 {
		return tokenErr(TokenReasonAlgorithm, "HMAC tokens need a configured secret")
	}
	m := hmac.New(h, v.hmacSecret)
	_, _ = io.WriteString(m, signed)
	want := m.Sum(nil)
	if len(sig) != len(want) {
		return tokenErr(TokenReasonBadSignature, "wrong signature length")
	}
	if !hmac.Equal(sig, want) {
		return tokenErr(TokenReasonBadSignature, "")
	}
	return nil
}

func verifyAsymmetric(alg string, k *jwk, signed string, sig []byte) *TokenError {
	if k.ec != nil {
		if size := (k.ec.Curve.Params().BitSize + 7) / 8; len(sig) != 2*size {
			return tokenErr(TokenReasonBadSignature, fmt.Sprintf("wrong signature length %d for %s", len(sig), alg))
		}
	} else if len(sig) != k.rsa.Size() {
		return tokenErr(TokenReasonBadSignature, fmt.Sprintf("wrong signature length %d for %s", len(sig), alg))
	}
	// A platform with faster cryptography than Go's own (WebCrypto on
	// Workers, where Go runs as Wasm) checks the signature first.
	if platform := sigverify.Get(); platform != nil {
		var pub crypto.PublicKey = k.rsa
		if k.ec != nil {
			pub = k.ec
		}
		if valid, handled := platform(alg, pub, []byte(signed), sig); handled {
			if !valid {
				return tokenErr(TokenReasonBadSignature, "")
			}
			return nil
		}
	}
	var ch crypto.Hash
	switch alg {
	case "ES256", "RS256":
		ch = crypto.SHA256
	case "ES384", "RS384":
		ch = crypto.SHA384
	case "ES512", "RS512":
		ch = crypto.SHA512
	}
	var digest []byte
	switch ch {
	case crypto.SHA256:
		d := sha256.Sum256([]byte(signed))
		digest = d[:]
	case crypto.SHA384:
		d := sha512.Sum384([]byte(signed))
		digest = d[:]
	default:
		d := sha512.Sum512([]byte(signed))
		digest = d[:]
	}
	if k.ec != nil {
		size := len(sig) / 2
		if !ecdsa.VerifyASN1(k.ec, digest, rawToASN1(sig[:size], sig[size:])) {
			return tokenErr(TokenReasonBadSignature, "")
		}
		return nil
	}
	if err := rsa.VerifyPKCS1v15(k.rsa, ch, digest, sig); err != nil {
		return tokenErr(TokenReasonBadSignature, "")
	}
	return nil
}

// rawToASN1 turns the fixed-width r||s halves of a JWS ECDSA signature into
// the DER SEQUENCE crypto/ecdsa verifies.
func rawToASN1(r, s []byte) []byte {
	ri, si := asn1Int(r), asn1Int(s)
	body := len(ri) + len(si)
	out := make([]byte, 0, body+4)
	out = append(out, 0x30)
	if body < 128 {
		out = append(out, byte(body))
	} else {
		out = append(out, 0x81, byte(body))
	}
	out = append(out, ri...)
	return append(out, si...)
}

// asn1Int encodes an unsigned big-endian integer as a DER INTEGER.
func asn1Int(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	pad := len(b) > 0 && b[0]&0x80 != 0
	n := len(b)
	if pad {
		n++
	}
	out := make([]byte, 0, n+2)
	out = append(out, 0x02, byte(n))
	if pad {
		out = append(out, 0)
	}
	return append(out, b...)
}

// parseJWSHeader reads a protected header strictly: a single JSON object,
// no duplicate members, string alg/kid/typ, no trailing data. The syntax is
// checked by json.Valid; the walk over the members allocates nothing for
// the usual plain-ASCII header.
func parseJWSHeader(b []byte) (jwsHeader, *TokenError) {
	var h jwsHeader
	malformed := func(detail string) (jwsHeader, *TokenError) {
		return jwsHeader{}, tokenErr(TokenReasonMalformed, detail)
	}
	if !json.Valid(b) {
		return malformed("header is not valid JSON")
	}
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return malformed("header is not a JSON object")
	}
	i++
	var seen [maxHeaderParameters]string
	for {
		i = skipWS(b, i)
		if b[i] == '}' {
			break
		}
		if b[i] == ',' {
			i = skipWS(b, i+1)
		}
		// A member: "name" : value
		ke := skipValue(b, i)
		name, ok := jsonString(b[i:ke])
		if !ok {
			return malformed("header member name is not a string")
		}
		if h.paramCount == maxHeaderParameters {
			return malformed("too many header parameters")
		}
		for _, s := range seen[:h.paramCount] {
			if s == name {
				return malformed(fmt.Sprintf("duplicate header parameter %q", truncate(name, 16)))
			}
		}
		seen[h.paramCount] = name
		h.paramCount++
		i = skipWS(b, ke)
		i = skipWS(b, i+1) // the ':'
		ve := skipValue(b, i)
		val := b[i:ve]
		i = ve
		switch name {
		case "alg", "kid", "typ":
			str, ok := jsonString(val)
			if !ok {
				return malformed(fmt.Sprintf("header parameter %q is not a string", name))
			}
			switch name {
			case "alg":
				h.alg, h.hasAlg = str, true
			case "kid":
				h.kid = str
			case "typ":
				h.typNotJWT = !strings.EqualFold(str, "JWT") && !strings.EqualFold(str, "application/jwt")
			}
		case "jku", "x5u", "jwk", "x5c", "x5t", "x5t#S256":
			if h.untrusted == "" {
				h.untrusted = name
			}
		case "crit":
			h.crit = true
		case "b64":
			h.b64 = true
		case "cty":
			h.cty = true
		}
	}
	return h, nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value starting at b[i]. b is known
// to be valid JSON.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return len(b)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = skipValue(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	default: // number, true, false, null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
			j++
		}
		return j
	}
}

// jsonString decodes a JSON string token; ok is false for any other value.
func jsonString(tok []byte) (string, bool) {
	if len(tok) < 2 || tok[0] != '"' {
		return "", false
	}
	inner := tok[1 : len(tok)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return "", false
	}
	return s, true
}

// memberName decodes a member name token for comparison only: an
// unescaped name is a view of tok's bytes, not a copy, so it must not be
// kept past the walk over a payload nobody modifies meanwhile (a token
// payload has a dozen names, each of which was an allocation).
func memberName(tok []byte) (string, bool) {
	if len(tok) < 2 || tok[0] != '"' {
		return "", false
	}
	inner := tok[1 : len(tok)-1]
	if len(inner) > 0 && bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return unsafe.String(&inner[0], len(inner)), true
	}
	return jsonString(tok)
}

// checkClaims decodes the payload once and applies the time, issuer,
// audience and azp rules.
func (v *Verifier) checkClaims(payload []byte) (*Claims, *TokenError) {
	if len(payload) == 0 || payload[0] != '{' {
		return nil, tokenErr(TokenReasonMalformed, "payload is not a JSON object")
	}
	if !json.Valid(payload) {
		return nil, tokenErr(TokenReasonMalformed, "payload is not valid JSON")
	}
	var w wireClaims
	if err := decodeWireClaims(payload, &w); err != nil {
		var dup *duplicateClaimError
		if errors.As(err, &dup) {
			return nil, tokenErr(TokenReasonMalformed, dup.Error())
		}
		return nil, tokenErr(TokenReasonMalformed, "payload claims have the wrong JSON types")
	}
	now := v.now()
	if w.Exp == nil {
		return nil, tokenErr(TokenReasonMissingClaim, "exp is required")
	}
	if !now.Before(w.Exp.t.Add(v.skew)) {
		return nil, tokenErr(TokenReasonExpired, "")
	}
	if w.Nbf != nil && now.Add(v.skew).Before(w.Nbf.t) {
		return nil, tokenErr(TokenReasonNotYetValid, "")
	}
	if w.Iat != nil && now.Add(v.skew).Before(w.Iat.t) {
		return nil, tokenErr(TokenReasonIssuedInFuture, "")
	}
	if !sameIssuer(v.issuer, w.Iss) {
		return nil, tokenErr(TokenReasonIssuer, fmt.Sprintf("want %q", v.issuer))
	}
	aud, ok := parseAudience(w.Aud)
	if !ok {
		return nil, tokenErr(TokenReasonMalformed, "aud is neither a string nor a list of strings")
	}
	if len(v.audiences) > 0 && !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(v.audiences, a) }) {
		return nil, tokenErr(TokenReasonAudience, "")
	}
	if len(v.azp) > 0 && (w.Azp == "" || !slices.Contains(v.azp, w.Azp)) {
		return nil, tokenErr(TokenReasonAuthorizedParty, "")
	}
	if w.Sub == "" {
		return nil, tokenErr(TokenReasonMissingClaim, "sub is required")
	}
	c := &Claims{
		Subject:         string(w.Sub),
		Issuer:          w.Iss,
		Audience:        aud,
		AuthorizedParty: w.Azp,
		ID:              w.Jti,
		ExpiresAt:       w.Exp.t,
		SessionID:       string(cmp.Or(w.Sid, w.SessionID, w.Sess)),
		OrganizationID:  string(w.Org),
		WorkspaceID:     string(w.Workspace),
		raw:             payload,
	}
	if w.Nbf != nil {
		c.NotBefore = w.Nbf.t
	}
	if w.Iat != nil {
		c.IssuedAt = w.Iat.t
	}
	// Wacht nests the permissions (GetToken, tok.Set("permissions", ...),
	// ~L526); the top-level lists of older issuers are the fallback.
	if w.Perms != nil {
		c.OrganizationPermissions, c.WorkspacePermissions = w.Perms.Organization, w.Perms.Workspace
	}
	if c.OrganizationPermissions == nil {
		c.OrganizationPermissions = w.OrgPerms
	}
	if c.WorkspacePermissions == nil {
		c.WorkspacePermissions = w.WsPerms
	}
	// A JWT template's claims (GetToken sets "metadata" only when the
	// rendered template is a non-empty object, ~L560). Anything but an
	// object is left alone rather than rejected, as before.
	if len(w.Metadata) > 0 && w.Metadata[0] == '{' {
		if err := json.Unmarshal(w.Metadata, &c.Metadata); err != nil {
			return nil, tokenErr(TokenReasonMalformed, "metadata claim is not a JSON object")
		}
		c.metadata = w.Metadata
	}
	return c, nil
}

// AuthFromToken verifies token and returns the request's Auth. It never
// fails: a bad or missing token yields an anonymous Auth whose Err says why.
func (v *Verifier) AuthFromToken(ctx context.Context, token string) *Auth {
	if v == nil || v.jwks == nil {
		return anonymous(tokenErr(TokenReasonMisconfigured, "use NewVerifier"))
	}
	c, terr := v.verify(ctx, token)
	if terr != nil {
		return anonymous(terr)
	}
	return authFromClaims(c)
}

func authFromClaims(c *Claims) *Auth {
	return &Auth{
		UserID:                  c.Subject,
		SessionID:               c.SessionID,
		OrganizationID:          c.OrganizationID,
		WorkspaceID:             c.WorkspaceID,
		OrganizationPermissions: c.OrganizationPermissions,
		WorkspacePermissions:    c.WorkspacePermissions,
		Claims:                  c,
	}
}

// Authenticate returns the Auth of r: from "Authorization: Bearer
// <token>", else, when SessionCookieName is set, from the browser's session
// cookie exchanged at the frontend API, else, with ForwardedAuthSecret set,
// from a signed x-wacht-auth header (an unsigned one never counts). It never
// fails: see (*Auth).Err for why a request is anonymous. Authenticate drops
// the cookie update an exchange may ask for; AuthenticateWithUpdate, which
// documents the cookie path, returns it.
func (v *Verifier) Authenticate(r *http.Request) *Auth {
	a, _ := v.AuthenticateWithUpdate(r)
	return a
}

// BearerToken returns the token of an "Authorization: Bearer <token>" header
// (scheme case-insensitive) and whether one was present.
func BearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	t := strings.TrimSpace(h[7:])
	return t, t != ""
}

func normalizeOrigin(raw string) (string, error) {
	key := "pk_test_" + base64.StdEncoding.EncodeToString([]byte(strings.TrimRight(raw, "/")))
	u, err := FrontendAPIURL(key)
	if err != nil {
		var pe *PublishableKeyError
		if errors.As(err, &pe) {
			return "", errors.New(strings.Replace(pe.Problem, "the encoded URL", "the URL", 1))
		}
		return "", err
	}
	return u, nil
}

// String describes the verifier without secrets.
func (v *Verifier) String() string {
	if v == nil {
		return "auth.Verifier(nil)"
	}
	return "auth.Verifier{frontend: " + v.frontend + ", issuer: " + v.issuer + "}"
}

// GoString describes the verifier without secrets.
func (v *Verifier) GoString() string { return v.String() }

// String describes the configuration with secrets redacted.
func (c VerifierConfig) String() string {
	red := func(b []byte) string { return redact.State(string(b)) }
	return fmt.Sprintf("auth.VerifierConfig{PublishableKey: %q, FrontendAPIURL: %q, RequiredIssuer: %q, Algorithms: %v, HMACSecret: %s, ForwardedAuthSecret: %s}",
		c.PublishableKey, c.FrontendAPIURL, c.RequiredIssuer, c.Algorithms, red(c.HMACSecret), red(c.ForwardedAuthSecret))
}

// GoString describes the configuration with secrets redacted.
func (c VerifierConfig) GoString() string { return c.String() }
