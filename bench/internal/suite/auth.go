package suite

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	clerk "github.com/clerk/clerk-sdk-go/v2"
	clerkjwt "github.com/clerk/clerk-sdk-go/v2/jwt"
	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	gjwt "github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	jwxjwt "github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/wacht-platform/serverless-go/auth"
)

// Authentication contender names.
const (
	AuthKit       = "kit"
	AuthFloor     = "floor"
	AuthGoJose    = "go-jose-v4"
	AuthGolangJWT = "golang-jwt-v5"
	AuthJWX       = "jwx-v3"
	AuthClerk     = "clerk-sdk-go-v2"
)

// AuthContenderNames lists the authentication contenders in report order.
var AuthContenderNames = []string{AuthKit, AuthFloor, AuthGoJose, AuthGolangJWT, AuthJWX, AuthClerk}

const benchKeyID = "bench-es256"

// Identity is what every authentication contender extracts from the token:
// the fields a handler acts on.
type Identity struct {
	UserID, SessionID, OrganizationID string
	OrganizationPermissions           []string
}

// Equal reports whether two identities carry the same values.
func (a Identity) Equal(b Identity) bool {
	return a.UserID == b.UserID && a.SessionID == b.SessionID && a.OrganizationID == b.OrganizationID &&
		slices.Equal(a.OrganizationPermissions, b.OrganizationPermissions)
}

// AuthFixture is one ES256 key, one session token signed with it, a JWKS
// server on 127.0.0.1 publishing the key, and the kit's verifier warmed on it.
type AuthFixture struct {
	Key      *ecdsa.PrivateKey
	Token    string
	Issuer   string
	Verifier *auth.Verifier
	// Request carries the token as "Authorization: Bearer".
	Request *http.Request

	srv     *httptest.Server
	fetches atomic.Int64

	// Per-library key material, prepared once as a user of each library
	// would keep it.
	golangJWT    *gjwt.Parser
	golangJWTKey gjwt.Keyfunc
	jwxKey       jwk.Key
	clerkKey     *clerk.JSONWebKey
}

// JWKSFetches counts the key set requests the fixture's server answered.
func (f *AuthFixture) JWKSFetches() int64 { return f.fetches.Load() }

// Close stops the JWKS server.
func (f *AuthFixture) Close() { f.srv.Close() }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// NewAuthFixture builds the fixture and makes one verification, so the
// kit's key cache is warm.
func NewAuthFixture() (*AuthFixture, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	f := &AuthFixture{Key: key}
	pub, err := key.PublicKey.Bytes() // uncompressed point: 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	jwks, err := json.Marshal(map[string]any{"keys": []any{map[string]string{
		"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": benchKeyID,
		"x": b64(pub[1:33]), "y": b64(pub[33:]),
	}}})
	if err != nil {
		return nil, err
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		f.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(jwks)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.srv.Listener = l
	f.srv.Start()
	f.Issuer = f.srv.URL

	now := time.Now().Unix()
	hdr, _ := json.Marshal(map[string]string{"alg": "ES256", "kid": benchKeyID, "typ": "JWT"})
	claims, _ := json.Marshal(map[string]any{
		"iss": f.Issuer, "sub": "user_2NNEqL2nrIRdJ194ndJqAHwEfxC", "sid": "sess_2NNEqL2nrIRdJ194ndJqAHwEfxC",
		"iat": now - 10, "nbf": now - 10, "exp": now + 6*3600,
		"jti":          "f6a3c1b0-8a1e-4c46-9d0e-0c0a6c8c9a11",
		"organization": "org_2NNEqL2nrIRdJ194ndJqAHwEfxC", "workspace": "ws_2NNEqL2nrIRdJ194ndJqAHwEfxC",
		"organization_permissions": []string{"user:read", "user:write", "org:manage"},
		"workspace_permissions":    []string{"project:read"},
	})
	input := b64(hdr) + "." + b64(claims)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		return nil, err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	f.Token = input + "." + b64(sig)

	f.golangJWT = gjwt.NewParser(gjwt.WithValidMethods([]string{"ES256"}), gjwt.WithIssuer(f.Issuer), gjwt.WithLeeway(5*time.Second))
	f.golangJWTKey = func(*gjwt.Token) (any, error) { return &key.PublicKey, nil }
	if f.jwxKey, err = jwk.Import(&key.PublicKey); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.jwxKey.Set(jwk.KeyIDKey, benchKeyID); err != nil {
		f.Close()
		return nil, err
	}
	f.clerkKey = &clerk.JSONWebKey{Key: &key.PublicKey, KeyID: benchKeyID, Algorithm: "ES256", Use: "sig"}

	// The signature cache is off: the libraries beside it check the
	// signature on every call, and so must the kit here, although in a
	// handler the same token on a later request skips that check.
	f.Verifier, err = auth.NewVerifier(auth.VerifierConfig{FrontendAPIURL: f.Issuer, HTTPClient: f.srv.Client(), SignatureCacheSize: -1})
	if err != nil {
		f.Close()
		return nil, err
	}
	f.Request = httptest.NewRequest(http.MethodGet, "/admin/users", nil)
	f.Request.Header.Set("Authorization", "Bearer "+f.Token)
	if _, err := f.AuthKit(); err != nil {
		f.Close()
		return nil, fmt.Errorf("warming the kit's verifier: %w", err)
	}
	return f, nil
}

// AuthKit is the kit's warm path: Verifier.Authenticate on the request, as
// handler.Kit runs it (Bearer extraction, header checks, cached key lookup,
// ECDSA verification, claims decoding and the claim rules).
func (f *AuthFixture) AuthKit() (Identity, error) {
	a := f.Verifier.Authenticate(f.Request)
	if !a.Authenticated() {
		return Identity{}, a.Err()
	}
	return Identity{a.UserID, a.SessionID, a.OrganizationID, a.OrganizationPermissions}, nil
}

// floorClaims is the claim set the floor decodes into.
type floorClaims struct {
	Iss                     string   `json:"iss"`
	Sub                     string   `json:"sub"`
	Sid                     string   `json:"sid"`
	Exp                     int64    `json:"exp"`
	Nbf                     int64    `json:"nbf"`
	Iat                     int64    `json:"iat"`
	Organization            string   `json:"organization"`
	Workspace               string   `json:"workspace"`
	OrganizationPermissions []string `json:"organization_permissions"`
	WorkspacePermissions    []string `json:"workspace_permissions"`
}

var errFloor = errors.New("floor: token rejected")

// AuthFloor is the floor: bare crypto/ecdsa verification of the token with
// the key in hand, plus decoding its claims with encoding/json; no header
// parsing, key lookup or claim rules.
func (f *AuthFixture) AuthFloor() (Identity, error) {
	tok := f.Token
	d1 := strings.IndexByte(tok, '.')
	d2 := strings.LastIndexByte(tok, '.')
	if d1 < 0 || d2 <= d1 {
		return Identity{}, errFloor
	}
	sig, err := base64.RawURLEncoding.DecodeString(tok[d2+1:])
	if err != nil || len(sig) != 64 {
		return Identity{}, errFloor
	}
	h := sha256.Sum256([]byte(tok[:d2]))
	if !ecdsa.Verify(&f.Key.PublicKey, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return Identity{}, errFloor
	}
	payload, err := base64.RawURLEncoding.DecodeString(tok[d1+1 : d2])
	if err != nil {
		return Identity{}, err
	}
	var c floorClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return Identity{}, err
	}
	return Identity{c.Sub, c.Sid, c.Organization, c.OrganizationPermissions}, nil
}

// wachtClaims are the session claims beyond the registered ones, for the
// libraries that decode registered and private claims separately.
type wachtClaims struct {
	Sid                     string   `json:"sid"`
	Organization            string   `json:"organization"`
	Workspace               string   `json:"workspace"`
	OrganizationPermissions []string `json:"organization_permissions"`
	WorkspacePermissions    []string `json:"workspace_permissions"`
}

var joseAlgs = []jose.SignatureAlgorithm{jose.ES256}

// AuthGoJose is go-jose v4: ParseSigned with ES256 allowed, Claims with the
// key, Validate against the issuer and the clock.
func (f *AuthFixture) AuthGoJose() (Identity, error) {
	t, err := josejwt.ParseSigned(f.Token, joseAlgs)
	if err != nil {
		return Identity{}, err
	}
	var std josejwt.Claims
	var c wachtClaims
	if err := t.Claims(&f.Key.PublicKey, &std, &c); err != nil {
		return Identity{}, err
	}
	if err := std.ValidateWithLeeway(josejwt.Expected{Issuer: f.Issuer, Time: time.Now()}, 5*time.Second); err != nil {
		return Identity{}, err
	}
	return Identity{std.Subject, c.Sid, c.Organization, c.OrganizationPermissions}, nil
}

type golangJWTClaims struct {
	gjwt.RegisteredClaims
	wachtClaims
}

// AuthGolangJWT is golang-jwt v5: ParseWithClaims with the key, ES256 only,
// the issuer required; exp/nbf/iat are validated by default.
func (f *AuthFixture) AuthGolangJWT() (Identity, error) {
	var c golangJWTClaims
	_, err := f.golangJWT.ParseWithClaims(f.Token, &c, f.golangJWTKey)
	if err != nil {
		return Identity{}, err
	}
	return Identity{c.Subject, c.Sid, c.Organization, c.OrganizationPermissions}, nil
}

// AuthJWX is lestrrat-go/jwx v3: jwt.Parse with the key (verification and
// validation, issuer included), then the private claims read with Get.
func (f *AuthFixture) AuthJWX() (Identity, error) {
	t, err := jwxjwt.Parse([]byte(f.Token), jwxjwt.WithKey(jwa.ES256(), f.jwxKey), jwxjwt.WithIssuer(f.Issuer))
	if err != nil {
		return Identity{}, err
	}
	var id Identity
	id.UserID, _ = t.Subject()
	if err := t.Get("sid", &id.SessionID); err != nil {
		return Identity{}, err
	}
	if err := t.Get("organization", &id.OrganizationID); err != nil {
		return Identity{}, err
	}
	var perms []any
	if err := t.Get("organization_permissions", &perms); err != nil {
		return Identity{}, err
	}
	for _, p := range perms {
		s, _ := p.(string)
		id.OrganizationPermissions = append(id.OrganizationPermissions, s)
	}
	return id, nil
}

// AuthClerk is clerk-sdk-go v2's jwt.Verify given the key directly (JWK
// param, so no key set is fetched), the issuer checked through ProxyURL,
// and the Wacht claims read through a custom claims constructor.
func (f *AuthFixture) AuthClerk() (Identity, error) {
	c, err := clerkjwt.Verify(context.Background(), &clerkjwt.VerifyParams{
		Token:                   f.Token,
		JWK:                     f.clerkKey,
		ProxyURL:                &f.Issuer,
		Leeway:                  5 * time.Second,
		CustomClaimsConstructor: func(context.Context) any { return &wachtClaims{} },
	})
	if err != nil {
		return Identity{}, err
	}
	wc, _ := c.Custom.(*wachtClaims)
	if wc == nil {
		return Identity{}, errors.New("clerk: no custom claims")
	}
	return Identity{c.Subject, c.SessionID, wc.Organization, wc.OrganizationPermissions}, nil
}

// AuthOps returns every contender keyed by name.
func (f *AuthFixture) AuthOps() map[string]func() (Identity, error) {
	return map[string]func() (Identity, error){
		AuthKit:       f.AuthKit,
		AuthFloor:     f.AuthFloor,
		AuthGoJose:    f.AuthGoJose,
		AuthGolangJWT: f.AuthGolangJWT,
		AuthJWX:       f.AuthJWX,
		AuthClerk:     f.AuthClerk,
	}
}
