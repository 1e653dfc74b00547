package wachttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Algorithm is a JWS signing algorithm the emulator can sign session tokens
// with.
type Algorithm string

// The algorithms the emulator signs with. ES256 is Wacht's default.
const (
	ES256 Algorithm = "ES256"
	ES384 Algorithm = "ES384"
	RS256 Algorithm = "RS256"
)

type signingKey struct {
	kid      string
	alg      Algorithm
	priv     crypto.Signer
	retireAt time.Time // zero while current; after rotation, removed from the JWKS at retireAt
}

type keyring struct {
	mu      sync.Mutex
	algs    []Algorithm
	keys    []*signingKey
	outside map[Algorithm]*signingKey // never published: for "unknown key" tests
	n       int
}

func newKeyring(algs []Algorithm) (*keyring, error) {
	kr := &keyring{algs: []Algorithm{ES256}, outside: map[Algorithm]*signingKey{}}
	for _, a := range algs {
		if !slices.Contains(kr.algs, a) {
			kr.algs = append(kr.algs, a)
		}
	}
	for _, a := range kr.algs {
		k, err := kr.generate(a)
		if err != nil {
			return nil, err
		}
		kr.keys = append(kr.keys, k)
	}
	return kr, nil
}

func (kr *keyring) generate(alg Algorithm) (*signingKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ES384:
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return nil, fmt.Errorf("wachttest: unsupported signing algorithm %q (want ES256, ES384 or RS256)", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("wachttest: generate %s key: %w", alg, err)
	}
	kr.n++
	// Wacht's JWKS names its key by the key pair's numeric id
	// (frontend-api handler/deployment/handler.go:46 at 047f3417:
	// strconv.FormatUint(deployment.KepPair.ID, 10)).
	return &signingKey{kid: numericID(), alg: alg, priv: priv}, nil
}

// numericID returns a fresh random id in the form Wacht's ids take on the
// wire: the decimal digits of a positive 63-bit integer.
func numericID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return strconv.FormatUint(binary.BigEndian.Uint64(b[:])>>1|1<<61, 10)
}

// published returns the keys in the JWKS now, dropping retired keys whose
// grace period has ended.
func (kr *keyring) published(now time.Time) []*signingKey {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	kept := kr.keys[:0]
	for _, k := range kr.keys {
		if k.retireAt.IsZero() || now.Before(k.retireAt) {
			kept = append(kept, k)
		}
	}
	kr.keys = kept
	return append([]*signingKey(nil), kr.keys...)
}

// jwks is the key set document. Wacht's has one member, the deployment's
// EC P-256 key with kid, use "sig" and alg "ES256" (frontend-api
// handler/deployment/handler.go:35-77 at 047f3417); keys of Options.Algorithms and
// keys in a rotation's grace period are added after it.
func (kr *keyring) jwks(now time.Time) ([]byte, error) {
	var set jose.JSONWebKeySet
	for _, k := range kr.published(now) {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"})
	}
	if set.Keys == nil {
		set.Keys = []jose.JSONWebKey{}
	}
	return json.Marshal(set)
}

// pick returns the key to sign with: the one named kid if set (it must
// still be published), else the current key for alg.
func (kr *keyring) pick(alg Algorithm, kid string, unpublished bool, now time.Time) (*signingKey, error) {
	if unpublished {
		kr.mu.Lock()
		defer kr.mu.Unlock()
		if k := kr.outside[alg]; k != nil {
			return k, nil
		}
		k, err := kr.generate(alg)
		if err != nil {
			return nil, err
		}
		kr.outside[alg] = k
		return k, nil
	}
	for _, k := range kr.published(now) {
		if kid != "" {
			if k.kid == kid {
				return k, nil
			}
			continue
		}
		if k.alg == alg && k.retireAt.IsZero() {
			return k, nil
		}
	}
	if kid != "" {
		return nil, fmt.Errorf("wachttest: no published key with kid %q", kid)
	}
	return nil, fmt.Errorf("wachttest: no %s key: add it to Options.Algorithms", alg)
}

func (kr *keyring) rotate(grace time.Duration, now time.Time) (string, error) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	var fresh []*signingKey
	newES256 := ""
	for _, k := range kr.keys {
		if !k.retireAt.IsZero() {
			continue
		}
		nk, err := kr.generate(k.alg)
		if err != nil {
			return "", err
		}
		k.retireAt = now.Add(grace)
		if grace <= 0 {
			k.retireAt = now
		}
		fresh = append(fresh, nk)
		if nk.alg == ES256 {
			newES256 = nk.kid
		}
	}
	kr.keys = append(fresh, kr.keys...)
	return newES256, nil
}

// SigningKey returns the private key of the current ES256 key, the one
// that signs session tokens by default, for tests that sign tokens with a
// JWT library of their own (as Wacht's frontend API signs them with
// lestrrat-go/jwx) and check them against the emulator's JWKS. After
// RotateKeys it is the new key.
func (s *Server) SigningKey() *ecdsa.PrivateKey {
	k, err := s.keys.pick(ES256, "", false, time.Now())
	if err != nil {
		return nil // unreachable: the ES256 key always exists
	}
	return k.priv.(*ecdsa.PrivateKey)
}

// KeyIDs returns the key ids the JWKS publishes now, current keys first.
func (s *Server) KeyIDs() []string {
	var ids []string
	for _, k := range s.keys.published(time.Now()) {
		ids = append(ids, k.kid)
	}
	return ids
}

// RotateKeys replaces every current signing key with a new one (a new kid)
// and returns the new ES256 kid. The old keys stay in the JWKS for grace,
// so tokens they signed keep verifying, and are removed after it; grace <= 0
// removes them at once. New tokens are signed with the new keys.
func (s *Server) RotateKeys(grace time.Duration) (string, error) {
	return s.keys.rotate(grace, time.Now())
}

// Lifetimes of the default JWT template: tokens live 30 seconds, and exp
// allows 5 more for clock skew (frontend-api handler/session/handler.go
// GetToken: TokenLifetime 30, AllowedClockSkew 5, exp = iat + both).
const (
	DefaultTokenLifetime  = 30 * time.Second
	DefaultTokenClockSkew = 5 * time.Second
)

// TokenOptions describes a session token to mint. The zero value mints the
// token Wacht's frontend API issues for SeedUserID with the default
// template: ES256, no kid in the header, iss, sub, sid, iat, exp (iat +
// 35 s) and an empty "permissions" object. Fields marked "not sent by
// Wacht" exist to test a verifier's other checks.
type TokenOptions struct {
	UserID         string // "sub"; empty means SeedUserID
	SessionID      string // "sid"; empty means a fresh numeric id
	OrganizationID string // "organization"; omitted when empty
	WorkspaceID    string // "workspace"; omitted when empty

	// OrganizationPermissions and WorkspacePermissions are the active
	// memberships' permissions, sent nested as "permissions":
	// {"organization": [...], "workspace": [...]}. A list is sent when it
	// is non-nil or its OrganizationID (WorkspaceID) is set: a member
	// whose roles grant nothing gets null, as Wacht sends it.
	OrganizationPermissions []string
	WorkspacePermissions    []string

	// Metadata is the "metadata" claim: the claims a JWT template adds.
	// Omitted when empty, as Wacht omits it.
	Metadata map[string]any

	// Claims are merged over the standard claims last: any claim can be
	// added or replaced, and a nil value removes it (e.g. "sub": nil).
	// Older issuers' shapes (top-level "organization_permissions",
	// "session_id", numeric ids) can be written here.
	Claims map[string]any

	Lifetime  time.Duration // exp = IssuedAt + Lifetime; zero means DefaultTokenLifetime + DefaultTokenClockSkew
	IssuedAt  time.Time     // "iat"; zero means now
	NotBefore time.Time     // "nbf"; omitted when zero (not sent by Wacht)

	Algorithm Algorithm // zero means ES256; another key must be enabled in Options.Algorithms
	Issuer    string    // "iss"; empty means FrontendURL
	Audience  []string  // "aud"; omitted when empty (not sent by Wacht)
	AZP       string    // "azp"; omitted when empty (not sent by Wacht)

	// HeaderKeyID puts the signing key's kid into the JWS header. Wacht
	// never does: its tokens' header is exactly {"alg":"ES256","typ":"JWT"}
	// (jwx's jwt.Sign with a bare key, frontend-api
	// handler/session/handler.go signTokenES256).
	HeaderKeyID bool
	// KeyID signs with this published key (for example a rotated-out key
	// still in its grace period) instead of the current one.
	KeyID string
	// UnpublishedKey signs with a key of the algorithm that the JWKS never
	// publishes, so verification must fail.
	UnpublishedKey bool
}

// MintToken signs a session token with the emulator's key, exactly as the
// frontend API would issue it.
func (s *Server) MintToken(o TokenOptions) (string, error) {
	tok, _, err := s.mint(o)
	return tok, err
}

func (s *Server) mint(o TokenOptions) (string, time.Time, error) {
	now := time.Now()
	alg := o.Algorithm
	if alg == "" {
		alg = ES256
	}
	key, err := s.keys.pick(alg, o.KeyID, o.UnpublishedKey, now)
	if err != nil {
		return "", time.Time{}, err
	}
	iat := o.IssuedAt
	if iat.IsZero() {
		iat = now.Truncate(time.Second)
	}
	life := o.Lifetime
	if life == 0 {
		life = DefaultTokenLifetime + DefaultTokenClockSkew
	}
	exp := iat.Add(life)
	// The claims of frontend-api handler/session/handler.go GetToken
	// (~L470-562): iss "https://" + host (here the emulator's origin), sub
	// and sid as decimal strings, iat, exp, organization and workspace only
	// for an active membership, "permissions" always (an empty object for
	// none), "metadata" only when the template renders claims.
	perms := map[string]any{}
	if o.OrganizationPermissions != nil || o.OrganizationID != "" {
		perms["organization"] = o.OrganizationPermissions
	}
	if o.WorkspacePermissions != nil || o.WorkspaceID != "" {
		perms["workspace"] = o.WorkspacePermissions
	}
	claims := map[string]any{
		"iss":         s.FrontendURL,
		"sub":         SeedUserID,
		"sid":         numericID(),
		"iat":         iat.Unix(),
		"exp":         exp.Unix(),
		"permissions": perms,
	}
	if o.Issuer != "" {
		claims["iss"] = o.Issuer
	}
	if o.UserID != "" {
		claims["sub"] = o.UserID
	}
	if o.SessionID != "" {
		claims["sid"] = o.SessionID
	}
	if o.OrganizationID != "" {
		claims["organization"] = o.OrganizationID
	}
	if o.WorkspaceID != "" {
		claims["workspace"] = o.WorkspaceID
	}
	if len(o.Metadata) > 0 {
		claims["metadata"] = o.Metadata
	}
	if !o.NotBefore.IsZero() {
		claims["nbf"] = o.NotBefore.Unix()
	}
	if len(o.Audience) == 1 {
		claims["aud"] = o.Audience[0]
	} else if len(o.Audience) > 1 {
		claims["aud"] = o.Audience
	}
	if o.AZP != "" {
		claims["azp"] = o.AZP
	}
	for k, v := range o.Claims {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("wachttest: encode claims: %w", err)
	}
	// A bare key gives the header {"alg":...,"typ":"JWT"}, as jwx does for
	// Wacht; a JSONWebKey with KeyID adds "kid".
	var signingKey any = key.priv
	if o.HeaderKeyID {
		signingKey = jose.JSONWebKey{Key: key.priv, KeyID: key.kid, Algorithm: string(key.alg)}
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.alg), Key: signingKey},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("wachttest: signer: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("wachttest: sign: %w", err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("wachttest: serialize: %w", err)
	}
	return tok, exp, nil
}
