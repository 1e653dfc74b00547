package interop_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// session is what the frontend API reads from the database before it signs
// a session token: the user and session ids, the active memberships with
// their roles' permissions, and the JWT template's rendered claims.
type session struct {
	userID, sessionID uint64
	orgID             uint64 // 0: no active organization membership
	orgPerms          []string
	workspaceID       uint64 // 0: no active workspace membership
	workspacePerms    []string
	metadata          map[string]any // the rendered template; empty for the default one
}

// Lifetimes of Wacht's default JWT template (frontend-api
// handler/session/handler.go GetToken: TokenLifetime 30, AllowedClockSkew 5).
const (
	tokenLifetime    = 30
	allowedClockSkew = 5
)

// signSessionToken builds and signs a session token with jwx v3 the way
// Wacht's frontend API does in GetToken (frontend-api
// handler/session/handler.go, ~L470-573, and signTokenES256 ~L706-731):
// the same builder calls, the same claim values and types, and jwt.Sign
// with a bare private key parsed from the deployment key pair's PEM, so
// the header is {"alg":"ES256","typ":"JWT"} with no kid.
//
// issuer is what the server writes as "https://" + the deployment's backend
// host, the origin the publishable key encodes (platform
// commands/src/project/support/foundation.rs:161-166). The emulator serves
// plain http on loopback, so here it is the emulator's FrontendURL: the
// same relation between iss and publishable key, another scheme.
func signSessionToken(t testing.TB, privatePEM []byte, issuer string, s session) string {
	t.Helper()
	now := time.Now()
	tok, err := jwt.NewBuilder().
		Issuer(issuer).
		Subject(strconv.FormatUint(s.userID, 10)).
		IssuedAt(now).
		Expiration(now.Add(time.Duration(tokenLifetime+allowedClockSkew) * time.Second)).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	set := func(name string, v any) {
		if err := tok.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	set("sid", strconv.FormatUint(s.sessionID, 10))
	permissions := map[string][]string{}
	if s.orgID != 0 {
		permissions["organization"] = s.orgPerms
		set("organization", strconv.FormatUint(s.orgID, 10))
	}
	if s.workspaceID != 0 {
		permissions["workspace"] = s.workspacePerms
		set("workspace", strconv.FormatUint(s.workspaceID, 10))
	}
	set("permissions", permissions)
	if len(s.metadata) != 0 {
		// The server sets the *map[string]any it unmarshalled the rendered
		// template into.
		metadata := s.metadata
		set("metadata", &metadata)
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), parseDeploymentKey(t, privatePEM)))
	if err != nil {
		t.Fatal(err)
	}
	return string(signed)
}

// parseDeploymentKey reads the key pair's PEM as signTokenES256 does: SEC 1
// first, then PKCS #8 (the platform stores rcgen's PKCS #8 PEM).
func parseDeploymentKey(t testing.TB, privatePEM []byte) *ecdsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode(privatePEM)
	if block == nil {
		t.Fatal("no PEM block")
	}
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err == nil {
		return key
	}
	pk, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ec, ok := pk.(*ecdsa.PrivateKey)
	if !ok {
		t.Fatal("not an ECDSA private key")
	}
	return ec
}

// pkcs8PEM is a private key as the platform stores the deployment key pair
// (rcgen's serialize_pem: PKCS #8, platform
// commands/src/project/support/foundation.rs:131-146).
func pkcs8PEM(t testing.TB, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// otherKeyPEM is a P-256 key Wacht never published.
func otherKeyPEM(t testing.TB) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pkcs8PEM(t, k)
}

// wachtJWKS is the key set GetJwks serves for a key pair (frontend-api
// handler/deployment/handler.go GetJwks): the public key parsed from PEM by
// jwx, kid the key pair's numeric id, use "sig", alg ES256 for P-256, one
// key in a jwx set, encoded as JSON.
func wachtJWKS(t testing.TB, key *ecdsa.PrivateKey, keyPairID string) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := jwk.ParseKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), jwk.WithPEM(true))
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{jwk.KeyIDKey: keyPairID, jwk.KeyUsageKey: "sig", jwk.AlgorithmKey: jwa.ES256()} {
		if err := k.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	set := jwk.NewSet()
	if err := set.AddKey(k); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// segment decodes one base64url segment of a compact JWS.
func segment(t testing.TB, tok string, i int) []byte {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %d segments", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	return b
}
