package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/wacht"
)

func TestFrontendAPIURL(t *testing.T) {
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	good := []struct{ key, want string }{
		{"pk_test_" + enc("https://fapi.example.wacht.dev"), "https://fapi.example.wacht.dev"},
		{"pk_live_" + enc("https://fapi.example.wacht.dev/"), "https://fapi.example.wacht.dev"},
		{"pk_live_" + enc("https://FAPI.Example.wacht.dev/some/path?q=1"), "https://fapi.example.wacht.dev"},
		{"  pk_test_" + enc("http://127.0.0.1:8080") + "\n", "http://127.0.0.1:8080"},
		{"pk_test_" + strings.TrimRight(enc("https://a.b"), "="), "https://a.b"},
	}
	for _, g := range good {
		got, err := FrontendAPIURL(g.key)
		if err != nil || got != g.want {
			t.Errorf("FrontendAPIURL(%q) = %q, %v; want %q", g.key, got, err, g.want)
		}
	}
	bad := []struct{ key, problem string }{
		{"", "empty"},
		{"pk_test_", "nothing after"},
		{"pk_prod_" + enc("https://a.b"), "prefix"},
		{"sk_test_abcdef", "secret key"},
		{"pk_test_!!!notbase64", "base64"},
		{"pk_test_" + enc("fapi.example.com"), "URL"},
		{"pk_test_" + enc("ftp://a.b"), "scheme"},
		{"pk_test_" + enc("https://"), "no host"},
		{"pk_test_" + enc("https://user:pw@a.b"), "user info"},
		{"pk_test_" + enc("https://a.b\n"), "control"},
		{"pk_test_" + enc("https://a b"), "control or space"},
		{"pk_test_" + enc("https://a.b$"), ""},
	}
	for _, b := range bad {
		got, err := FrontendAPIURL(b.key)
		var pe *PublishableKeyError
		if !errors.As(err, &pe) {
			t.Errorf("FrontendAPIURL(%q) = %q, %v; want *PublishableKeyError", b.key, got, err)
			continue
		}
		if !strings.Contains(err.Error(), b.problem) {
			t.Errorf("FrontendAPIURL(%q) error %q does not mention %q", b.key, err, b.problem)
		}
		if strings.Contains(b.key, "sk_test_") && strings.Contains(err.Error(), "abcdef") {
			t.Errorf("error echoes a secret key: %v", err)
		}
	}
}

func TestNewVerifierConfig(t *testing.T) {
	enc := base64.StdEncoding.EncodeToString([]byte("https://fapi.example.wacht.dev"))
	v, err := NewVerifier(VerifierConfig{PublishableKey: "pk_test_" + enc})
	if err != nil {
		t.Fatal(err)
	}
	if v.FrontendAPIURL() != "https://fapi.example.wacht.dev" {
		t.Fatalf("frontend %q", v.FrontendAPIURL())
	}
	if s := v.Stats(); s.Fetches != 0 {
		t.Fatalf("NewVerifier fetched: %+v", s)
	}
	secret := []byte("0123456789abcdef0123456789abcdef-secret")
	cases := []struct {
		name  string
		cfg   VerifierConfig
		field string
	}{
		{"no key", VerifierConfig{}, "PublishableKey"},
		{"bad key", VerifierConfig{PublishableKey: "pk_nope"}, "PublishableKey"},
		{"mismatch", VerifierConfig{PublishableKey: "pk_test_" + enc, FrontendAPIURL: "https://other.example"}, "FrontendAPIURL"},
		{"bad url", VerifierConfig{FrontendAPIURL: "not a url"}, "FrontendAPIURL"},
		{"none alg", VerifierConfig{PublishableKey: "pk_test_" + enc, Algorithms: []string{"none"}}, "Algorithms"},
		{"hs without secret", VerifierConfig{PublishableKey: "pk_test_" + enc, Algorithms: []string{"HS256"}}, "Algorithms"},
		{"short secret", VerifierConfig{PublishableKey: "pk_test_" + enc, Algorithms: []string{"HS256"}, HMACSecret: []byte("short")}, "HMACSecret"},
		{"secret without hs", VerifierConfig{PublishableKey: "pk_test_" + enc, HMACSecret: secret}, "HMACSecret"},
		{"short forward secret", VerifierConfig{PublishableKey: "pk_test_" + enc, ForwardedAuthSecret: []byte("x")}, "ForwardedAuthSecret"},
		{"ttl bounds", VerifierConfig{PublishableKey: "pk_test_" + enc, JWKSMinTTL: time.Hour, JWKSMaxTTL: time.Minute}, "JWKSMinTTL"},
	}
	for _, c := range cases {
		_, err := NewVerifier(c.cfg)
		var ce *wacht.ConfigError
		if !errors.As(err, &ce) || ce.Field != c.field {
			t.Errorf("%s: err = %v; want wacht.ConfigError on %s", c.name, err, c.field)
			continue
		}
		if strings.Contains(err.Error(), string(secret)) {
			t.Errorf("%s: error leaks the secret", c.name)
		}
	}
	cfg := VerifierConfig{PublishableKey: "pk_test_" + enc, Algorithms: []string{"HS256"}, HMACSecret: secret, ForwardedAuthSecret: secret}
	for _, s := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
		if strings.Contains(s, "0123456789abcdef") || strings.Contains(s, "48, 49") {
			t.Errorf("config formatting leaks the secret: %s", s)
		}
	}
	hv, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%v", hv), fmt.Sprintf("%+v", hv), fmt.Sprintf("%#v", hv)} {
		if strings.Contains(s, "0123456789abcdef") {
			t.Errorf("verifier formatting leaks the secret: %s", s)
		}
	}
}

func TestVerifyValidTokens(t *testing.T) {
	keys := []*testKey{
		newECKey(t, "e256", "ES256"), newECKey(t, "e384", "ES384"), newECKey(t, "e512", "ES512"),
		newRSAKey(t, "r256", "RS256", 2048), newRSAKey(t, "r384", "RS384", 2048), newRSAKey(t, "r512", "RS512", 2048),
	}
	is := newTestIssuer(t, keys...)
	v := is.verifier(t, nil)
	for _, k := range keys {
		tok := is.mint(k, nil, nil)
		c, err := v.Verify(context.Background(), tok)
		if err != nil {
			t.Fatalf("%s: %v", k.alg, err)
		}
		if c.Subject != "user_1" || c.SessionID != "sess_1" || c.OrganizationID != "org_1" || c.WorkspaceID != "ws_1" {
			t.Fatalf("%s: claims %+v", k.alg, c)
		}
	}
	if got := v.Stats().Fetches; got != 1 {
		t.Fatalf("fetches = %d; want 1", got)
	}
	// A JWK without alg still verifies, matched by kty and crv.
	delete(keys[0].jwk, "alg")
	v2 := is.verifier(t, nil)
	if _, err := v2.Verify(context.Background(), is.mint(keys[0], nil, nil)); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyHMACWithConfiguredSecret(t *testing.T) {
	is := newTestIssuer(t, newECKey(t, "k1", "ES256"))
	secret := []byte("a-very-long-hmac-secret-of-at-least-32-bytes")
	v := is.verifier(t, func(c *VerifierConfig) {
		c.Algorithms = []string{"ES256", "HS256"}
		c.HMACSecret = secret
	})
	hk := &testKey{kid: "", alg: "HS256"}
	_ = hk
	for _, withKid := range []bool{false, true} {
		h := map[string]any{"alg": "HS256", "typ": "JWT"}
		if withKid {
			h["kid"] = "whatever"
		}
		input := jsonSeg(t, h) + "." + jsonSeg(t, is.claims())
		tok := input + "." + b64(hmacSign("HS256", secret, input))
		a := v.AuthFromToken(context.Background(), tok)
		if !a.Authenticated() {
			t.Fatalf("HS256 with configured secret: %v", a.Err())
		}
	}
	if is.hits.Load() != 0 {
		t.Fatalf("HMAC verification fetched the JWKS")
	}
}

func TestClaimShapes(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	is := newTestIssuer(t, k)
	v := is.verifier(t, nil)
	c := is.claims()
	delete(c, "sid")
	delete(c, "organization_permissions")
	delete(c, "workspace_permissions")
	c["sub"] = 12345
	c["sess"] = 777
	c["organization"] = 9007199254740993 // beyond float64 precision
	c["workspace"] = nil
	c["permissions"] = map[string]any{"organization": []string{"a", "b"}, "workspace": []string{"c"}}
	c["custom_claims"] = map[string]any{"plan": "pro", "seats": 5}
	c["metadata"] = map[string]any{"region": "eu"}
	c["claims"] = map[string]any{"plan": "enterprise"}
	c["top"] = "level"
	c["aud"] = "app"
	a := v.AuthFromToken(context.Background(), is.mint(k, c, nil))
	if !a.Authenticated() {
		t.Fatal(a.Err())
	}
	if a.UserID != "12345" || a.SessionID != "777" || a.OrganizationID != "9007199254740993" || a.WorkspaceID != "" {
		t.Fatalf("ids: %+v", a)
	}
	if strings.Join(a.OrganizationPermissions, ",") != "a,b" || strings.Join(a.WorkspacePermissions, ",") != "c" {
		t.Fatalf("permissions: %v %v", a.OrganizationPermissions, a.WorkspacePermissions)
	}
	var custom struct {
		Plan   string `json:"plan"`
		Seats  int    `json:"seats"`
		Region string `json:"region"`
		Top    string `json:"top"`
	}
	if err := a.DecodeClaims(&custom); err != nil {
		t.Fatal(err)
	}
	if custom.Plan != "enterprise" || custom.Seats != 5 || custom.Region != "eu" || custom.Top != "level" {
		t.Fatalf("custom claims: %+v", custom)
	}
	if a.Claims.Audience[0] != "app" || len(a.Claims.Raw()) == 0 {
		t.Fatalf("claims: %+v", a.Claims)
	}
	// session_id is the third spelling.
	c2 := is.claims()
	delete(c2, "sid")
	c2["session_id"] = "sess_x"
	if a := v.AuthFromToken(context.Background(), is.mint(k, c2, nil)); a.SessionID != "sess_x" {
		t.Fatalf("session_id: %q %v", a.SessionID, a.Err())
	}
	// Fractional NumericDate and skew: exp 3s ago is still inside the default 5s leeway.
	c3 := is.claims()
	c3["exp"] = float64(is.clock.Now().Unix()) - 3.5
	if a := v.AuthFromToken(context.Background(), is.mint(k, c3, nil)); !a.Authenticated() {
		t.Fatalf("exp within skew: %v", a.Err())
	}
	// A typ of "jwt" in any case is fine, and no typ at all is fine.
	if a := v.AuthFromToken(context.Background(), is.mint(k, nil, map[string]any{"typ": nil})); !a.Authenticated() {
		t.Fatal(a.Err())
	}
}

// hostile builds one token that must not authenticate.
type hostile struct {
	name  string
	token func() string
	v     *Verifier // nil means the default verifier
	want  TokenReason
}

func TestHostileTokens(t *testing.T) {
	k1 := newECKey(t, "k1", "ES256")
	k384 := newECKey(t, "k384", "ES384")
	kr := newRSAKey(t, "r1", "RS256", 2048)
	small := newRSAKey(t, "small", "RS256", 1024)
	priv := newECKey(t, "priv", "ES256")
	privBytes, err := priv.ec.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	priv.jwk["d"] = b64(privBytes)
	enc := newECKey(t, "enc", "ES256")
	enc.jwk["use"] = "enc"
	wrongAlg := newECKey(t, "wrongalg", "ES256")
	wrongAlg.jwk["alg"] = "RS256"
	ops := newECKey(t, "ops", "ES256")
	ops.jwk["key_ops"] = []string{"encrypt"}
	off := newECKey(t, "off", "ES256")
	yb, _ := base64.RawURLEncoding.DecodeString(off.jwk["y"].(string))
	yb[len(yb)-1] ^= 1
	off.jwk["y"] = b64(yb)
	dupA, dupB := newECKey(t, "dup", "ES256"), newECKey(t, "dup", "ES256")
	attacker := newECKey(t, "k1", "ES256") // same kid, different key, unpublished
	attacker.hide = true
	otherRSAKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherRSA := &testKey{alg: "RS256", rsa: otherRSAKey, hide: true} // never published
	is := newTestIssuer(t, k1, k384, kr, small, priv, enc, wrongAlg, ops, off, dupA, dupB, attacker)
	is.set(func(is *testIssuer) {
		is.extra = append(is.extra, map[string]any{"kty": "oct", "kid": "oct", "k": b64([]byte("0123456789abcdef0123456789abcdef"))})
	})
	v := is.verifier(t, nil)
	hmacSecret := []byte("the-configured-hmac-secret-32-bytes!!")
	vHS := is.verifier(t, func(c *VerifierConfig) { c.Algorithms = []string{"ES256", "HS256"}; c.HMACSecret = hmacSecret })
	vOnlyES256 := is.verifier(t, func(c *VerifierConfig) { c.Algorithms = []string{"ES256"} })
	vAud := is.verifier(t, func(c *VerifierConfig) { c.Audiences = []string{"my-api"} })
	vAzp := is.verifier(t, func(c *VerifierConfig) { c.AuthorizedParties = []string{"https://app.example"} })

	good := is.mint(k1, nil, nil)
	parts := strings.Split(good, ".")
	now := is.clock.Now().Unix()
	with := func(mod func(c map[string]any)) map[string]any {
		c := is.claims()
		mod(c)
		return c
	}
	raw := func(header, payload string, sign func(input string) []byte) string {
		input := b64([]byte(header)) + "." + b64([]byte(payload))
		if sign == nil {
			return input + "."
		}
		return input + "." + b64(sign(input))
	}
	payloadJSON := string(mustDecode(parts[1]))
	signK1 := func(in string) []byte { return k1.sign(t, "ES256", in) }
	// The public key, as an attacker would feed it to an HMAC.
	pubBytes := elliptic.Marshal(elliptic.P256(), k1.ec.X, k1.ec.Y) //nolint:staticcheck // test only
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	sigBytes := mustDecode(parts[2])
	attackerSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the verifier fetched an attacker URL: %s", r.URL)
	}))
	defer attackerSrv.Close()

	cases := []hostile{
		{"empty", func() string { return "" }, nil, TokenReasonMissing},
		{"no dots", func() string { return "abcdef" }, nil, TokenReasonMalformed},
		{"two segments", func() string { return parts[0] + "." + parts[1] }, nil, TokenReasonMalformed},
		{"four segments", func() string { return good + ".AAAA" }, nil, TokenReasonMalformed},
		{"five segments (JWE shape)", func() string { return parts[0] + ".a.b.c." + parts[2] }, nil, TokenReasonMalformed},
		{"alg none unsigned", func() string { return raw(`{"alg":"none","typ":"JWT"}`, payloadJSON, nil) }, nil, TokenReasonAlgorithm},
		{"alg None", func() string { return raw(`{"alg":"None","kid":"k1"}`, payloadJSON, signK1) }, nil, TokenReasonAlgorithm},
		{"alg NONE with signature", func() string { return raw(`{"alg":"NONE","kid":"k1"}`, payloadJSON, signK1) }, nil, TokenReasonAlgorithm},
		{"alg missing", func() string { return raw(`{"kid":"k1"}`, payloadJSON, signK1) }, nil, TokenReasonAlgorithm},
		{"alg empty", func() string { return raw(`{"alg":"","kid":"k1"}`, payloadJSON, signK1) }, nil, TokenReasonAlgorithm},
		{"HS256 keyed with the public key", func() string {
			return raw(`{"alg":"HS256","kid":"k1"}`, payloadJSON, func(in string) []byte { return hmacSign("HS256", pubBytes, in) })
		}, nil, TokenReasonAlgorithm},
		{"HS256 keyed with the public key, HMAC allowed", func() string {
			return raw(`{"alg":"HS256","kid":"k1"}`, payloadJSON, func(in string) []byte { return hmacSign("HS256", pubBytes, in) })
		}, vHS, TokenReasonBadSignature},
		{"HS256 keyed with the JWKS oct key, HMAC allowed", func() string {
			return raw(`{"alg":"HS256","kid":"oct"}`, payloadJSON, func(in string) []byte {
				return hmacSign("HS256", []byte("0123456789abcdef0123456789abcdef"), in)
			})
		}, vHS, TokenReasonBadSignature},
		{"HS384 not in the list", func() string {
			return raw(`{"alg":"HS384"}`, payloadJSON, func(in string) []byte { return hmacSign("HS384", hmacSecret, in) })
		}, vHS, TokenReasonAlgorithm},
		{"PS256", func() string { return raw(`{"alg":"PS256","kid":"r1"}`, payloadJSON, signK1) }, nil, TokenReasonAlgorithm},
		{"EdDSA", func() string { return raw(`{"alg":"EdDSA","kid":"k1"}`, payloadJSON, signK1) }, nil, TokenReasonAlgorithm},
		{"ES256K", func() string { return raw(`{"alg":"ES256K","kid":"k1"}`, payloadJSON, signK1) }, nil, TokenReasonAlgorithm},
		{"lower-case es256", func() string { return raw(`{"alg":"es256","kid":"k1"}`, payloadJSON, signK1) }, nil, TokenReasonAlgorithm},
		{"RS256 outside a configured ES256-only list", func() string { return is.mint(kr, nil, nil) }, vOnlyES256, TokenReasonAlgorithm},
		{"ES384 outside a configured ES256-only list", func() string { return is.mint(k384, nil, nil) }, vOnlyES256, TokenReasonAlgorithm},
		{"alg is a number", func() string { return raw(`{"alg":256,"kid":"k1"}`, payloadJSON, signK1) }, nil, TokenReasonMalformed},
		// Wacht's tokens carry no kid, so a kid-less token is tried against
		// the published keys of its algorithm: one signed by any other key
		// fails on its signature.
		{"no kid, signed by an unpublished key", func() string { return is.mint(attacker, nil, map[string]any{"kid": nil}) }, nil, TokenReasonBadSignature},
		{"empty kid, signed by an unpublished key", func() string { return is.mint(attacker, nil, map[string]any{"kid": ""}) }, nil, TokenReasonBadSignature},
		{"no kid, RS256 signed by an unpublished RSA key", func() string {
			return raw(`{"alg":"RS256","typ":"JWT"}`, payloadJSON, func(in string) []byte { return otherRSA.sign(t, "RS256", in) })
		}, nil, TokenReasonBadSignature},
		{"no kid, ES384 header over a P-256 signature", func() string {
			return raw(`{"alg":"ES384","typ":"JWT"}`, payloadJSON, signK1)
		}, nil, TokenReasonBadSignature},
		{"no kid, ES512 with no P-521 key published", func() string {
			return raw(`{"alg":"ES512","typ":"JWT"}`, payloadJSON, signK1)
		}, nil, TokenReasonUnknownKey},
		{"no kid, HS256 keyed with the public key", func() string {
			return raw(`{"alg":"HS256","typ":"JWT"}`, payloadJSON, func(in string) []byte { return hmacSign("HS256", pubBytes, in) })
		}, nil, TokenReasonAlgorithm},
		{"no kid, HS256 keyed with the public key, HMAC allowed", func() string {
			return raw(`{"alg":"HS256","typ":"JWT"}`, payloadJSON, func(in string) []byte { return hmacSign("HS256", pubBytes, in) })
		}, vHS, TokenReasonBadSignature},
		{"no kid, alg none with a real signature", func() string { return raw(`{"alg":"none","typ":"JWT"}`, payloadJSON, signK1) }, nil, TokenReasonAlgorithm},
		{"no kid, tampered payload", func() string {
			tok := strings.Split(is.mint(k1, nil, map[string]any{"kid": nil}), ".")
			return tok[0] + "." + b64([]byte(strings.Replace(string(mustDecode(tok[1])), "user_1", "admin1", 1))) + "." + tok[2]
		}, nil, TokenReasonBadSignature},
		{"no kid, expired", func() string {
			return is.mint(k1, with(func(c map[string]any) { c["exp"] = now - 6 }), map[string]any{"kid": nil})
		}, nil, TokenReasonExpired},
		{"no kid, wrong issuer", func() string {
			return is.mint(k1, with(func(c map[string]any) { c["iss"] = "https://evil.example" }), map[string]any{"kid": nil})
		}, nil, TokenReasonIssuer},
		{"no kid, embedded jwk", func() string {
			return is.mint(attacker, nil, map[string]any{"kid": nil, "jwk": attacker.jwk})
		}, nil, TokenReasonUntrustedHeader},
		{"kid unknown", func() string { return is.mint(k1, nil, map[string]any{"kid": "nope"}) }, nil, TokenReasonUnknownKey},
		{"kid is a number", func() string { return raw(`{"alg":"ES256","kid":1}`, payloadJSON, signK1) }, nil, TokenReasonMalformed},
		{"duplicate kid member", func() string { return raw(`{"alg":"ES256","kid":"nope","kid":"k1"}`, payloadJSON, signK1) }, nil, TokenReasonMalformed},
		{"duplicate alg member", func() string { return raw(`{"alg":"none","alg":"ES256","kid":"k1"}`, payloadJSON, signK1) }, nil, TokenReasonMalformed},
		{"kid shared by two keys in the JWKS", func() string { return is.mint(dupA, nil, nil) }, nil, TokenReasonUnknownKey},
		{"ES256 token naming the RSA key", func() string { return is.mint(k1, nil, map[string]any{"kid": "r1"}) }, nil, TokenReasonKeyMismatch},
		{"ES256 token naming the P-384 key", func() string { return is.mint(k1, nil, map[string]any{"kid": "k384"}) }, nil, TokenReasonKeyMismatch},
		{"RS256 token naming the EC key", func() string {
			return raw(`{"alg":"RS256","kid":"k1"}`, payloadJSON, func(in string) []byte { return kr.sign(t, "RS256", in) })
		}, nil, TokenReasonKeyMismatch},
		{"signed by an unpublished key with a real kid", func() string { return is.mint(attacker, nil, nil) }, nil, TokenReasonBadSignature},
		{"off-curve JWKS key", func() string { return is.mint(off, nil, nil) }, nil, TokenReasonUnknownKey},
		{"RSA 1024-bit JWKS key", func() string { return is.mint(small, nil, nil) }, nil, TokenReasonUnknownKey},
		{"JWKS key with private material", func() string { return is.mint(priv, nil, nil) }, nil, TokenReasonUnknownKey},
		{"JWKS key with use=enc", func() string { return is.mint(enc, nil, nil) }, nil, TokenReasonUnknownKey},
		{"JWKS EC key claiming alg RS256", func() string { return is.mint(wrongAlg, nil, nil) }, nil, TokenReasonUnknownKey},
		{"JWKS key without verify in key_ops", func() string { return is.mint(ops, nil, nil) }, nil, TokenReasonUnknownKey},
		{"expired", func() string { return is.mint(k1, with(func(c map[string]any) { c["exp"] = now - 6 }), nil) }, nil, TokenReasonExpired},
		{"expired long ago", func() string { return is.mint(k1, with(func(c map[string]any) { c["exp"] = 1 }), nil) }, nil, TokenReasonExpired},
		{"exp missing", func() string { return is.mint(k1, with(func(c map[string]any) { delete(c, "exp") }), nil) }, nil, TokenReasonMissingClaim},
		{"exp is a string", func() string { return is.mint(k1, with(func(c map[string]any) { c["exp"] = "9999999999" }), nil) }, nil, TokenReasonMalformed},
		{"exp past year 9999", func() string { return is.mint(k1, with(func(c map[string]any) { c["exp"] = 1e300 }), nil) }, nil, TokenReasonMalformed},
		{"nbf in the future", func() string { return is.mint(k1, with(func(c map[string]any) { c["nbf"] = now + 60 }), nil) }, nil, TokenReasonNotYetValid},
		{"iat in the future", func() string { return is.mint(k1, with(func(c map[string]any) { c["iat"] = now + 60 }), nil) }, nil, TokenReasonIssuedInFuture},
		{"wrong issuer", func() string {
			return is.mint(k1, with(func(c map[string]any) { c["iss"] = "https://evil.example" }), nil)
		}, nil, TokenReasonIssuer},
		{"issuer with trailing slash", func() string { return is.mint(k1, with(func(c map[string]any) { c["iss"] = is.url() + "/" }), nil) }, nil, TokenReasonIssuer},
		{"issuer missing", func() string { return is.mint(k1, with(func(c map[string]any) { delete(c, "iss") }), nil) }, nil, TokenReasonIssuer},
		{"wrong audience", func() string { return is.mint(k1, with(func(c map[string]any) { c["aud"] = []string{"other"} }), nil) }, vAud, TokenReasonAudience},
		{"audience missing", func() string { return is.mint(k1, nil, nil) }, vAud, TokenReasonAudience},
		{"audience of the wrong type", func() string { return is.mint(k1, with(func(c map[string]any) { c["aud"] = 5 }), nil) }, vAud, TokenReasonMalformed},
		{"wrong azp", func() string {
			return is.mint(k1, with(func(c map[string]any) { c["azp"] = "https://evil.example" }), nil)
		}, vAzp, TokenReasonAuthorizedParty},
		{"azp missing", func() string { return is.mint(k1, nil, nil) }, vAzp, TokenReasonAuthorizedParty},
		{"sub missing", func() string { return is.mint(k1, with(func(c map[string]any) { delete(c, "sub") }), nil) }, nil, TokenReasonMissingClaim},
		{"sub is an object", func() string { return is.mint(k1, with(func(c map[string]any) { c["sub"] = map[string]any{} }), nil) }, nil, TokenReasonMalformed},
		{"sub is a fraction", func() string { return is.mint(k1, with(func(c map[string]any) { c["sub"] = 1.5 }), nil) }, nil, TokenReasonMalformed},
		{"tampered payload", func() string {
			return parts[0] + "." + b64([]byte(strings.Replace(payloadJSON, "user_1", "admin1", 1))) + "." + parts[2]
		}, nil, TokenReasonBadSignature},
		{"tampered header", func() string {
			return b64([]byte(`{"alg":"ES256","kid":"k1","x":1}`)) + "." + parts[1] + "." + parts[2]
		}, nil, TokenReasonBadSignature},
		{"tampered signature", func() string { return parts[0] + "." + parts[1] + "." + flip(parts[2], 10) }, nil, TokenReasonBadSignature},
		{"signature too short", func() string { return parts[0] + "." + parts[1] + "." + b64(sigBytes[:63]) }, nil, TokenReasonBadSignature},
		{"signature too long", func() string { return parts[0] + "." + parts[1] + "." + b64(append(sigBytes[:64:64], 0)) }, nil, TokenReasonBadSignature},
		{"signature DER-encoded", func() string {
			return parts[0] + "." + parts[1] + "." + b64(rawToASN1(sigBytes[:32], sigBytes[32:]))
		}, nil, TokenReasonBadSignature},
		{"signature r and s swapped", func() string {
			return parts[0] + "." + parts[1] + "." + b64(append(append([]byte{}, sigBytes[32:]...), sigBytes[:32]...))
		}, nil, TokenReasonBadSignature},
		{"signature all zeros", func() string { return parts[0] + "." + parts[1] + "." + b64(make([]byte, 64)) }, nil, TokenReasonBadSignature},
		{"signature r = n (out of range)", func() string {
			n := elliptic.P256().Params().N
			return parts[0] + "." + parts[1] + "." + b64(append(pad(n.Bytes(), 32), sigBytes[32:]...))
		}, nil, TokenReasonBadSignature},
		{"signature empty", func() string { return parts[0] + "." + parts[1] + "." }, nil, TokenReasonBadSignature},
		{"RS256 signature of the wrong length", func() string {
			tok := strings.Split(is.mint(kr, nil, nil), ".")
			return tok[0] + "." + tok[1] + "." + b64(mustDecode(tok[2])[1:])
		}, nil, TokenReasonBadSignature},
		{"oversized token", func() string { return parts[0] + "." + strings.Repeat("A", DefaultMaxTokenBytes) + "." + parts[2] }, nil, TokenReasonTooLarge},
		{"oversized header", func() string {
			return raw(`{"alg":"ES256","kid":"k1","pad":"`+strings.Repeat("x", 2000)+`"}`, payloadJSON, signK1)
		}, nil, TokenReasonTooLarge},
		{"header not base64url", func() string { return "!!!." + parts[1] + "." + parts[2] }, nil, TokenReasonMalformed},
		{"header with base64 padding", func() string { return parts[0] + "=." + parts[1] + "." + parts[2] }, nil, TokenReasonMalformed},
		{"signature in std base64 alphabet", func() string {
			return parts[0] + "." + parts[1] + "." + strings.TrimRight(base64.StdEncoding.EncodeToString(append([]byte{0xfb, 0xff}, sigBytes[2:]...)), "=")
		}, nil, TokenReasonMalformed},
		{"payload not base64url (but signed)", func() string {
			in := parts[0] + ".*not*base64*"
			return in + "." + b64(signK1(in))
		}, nil, TokenReasonMalformed},
		{"header not JSON", func() string { return raw(`alg=ES256`, payloadJSON, signK1) }, nil, TokenReasonMalformed},
		{"header is a JSON array", func() string { return raw(`["ES256"]`, payloadJSON, signK1) }, nil, TokenReasonMalformed},
		{"trailing data after the header", func() string { return raw(`{"alg":"ES256","kid":"k1"}{}`, payloadJSON, signK1) }, nil, TokenReasonMalformed},
		{"payload is a JSON array (signed)", func() string { return raw(`{"alg":"ES256","kid":"k1"}`, `[1,2]`, signK1) }, nil, TokenReasonMalformed},
		{"payload is not JSON (signed)", func() string { return raw(`{"alg":"ES256","kid":"k1"}`, `{"sub":`, signK1) }, nil, TokenReasonMalformed},
		{"crit names exp", func() string { return is.mint(k1, nil, map[string]any{"crit": []string{"exp"}}) }, nil, TokenReasonCritical},
		{"crit with an unknown extension", func() string {
			return is.mint(k1, nil, map[string]any{"crit": []string{"urn:x"}, "urn:x": true})
		}, nil, TokenReasonCritical},
		{"jku to an attacker JWKS", func() string {
			return is.mint(attacker, nil, map[string]any{"jku": attackerSrv.URL + "/jwks.json", "kid": "attacker"})
		}, nil, TokenReasonUntrustedHeader},
		{"x5u", func() string { return is.mint(k1, nil, map[string]any{"x5u": attackerSrv.URL + "/cert.pem"}) }, nil, TokenReasonUntrustedHeader},
		{"embedded jwk", func() string { return is.mint(attacker, nil, map[string]any{"jwk": attacker.jwk}) }, nil, TokenReasonUntrustedHeader},
		{"x5c", func() string { return is.mint(k1, nil, map[string]any{"x5c": []string{"MIIB"}}) }, nil, TokenReasonUntrustedHeader},
		{"b64 false", func() string { return is.mint(k1, nil, map[string]any{"b64": false}) }, nil, TokenReasonUnsupportedHeader},
		{"nested token (cty JWT)", func() string { return is.mint(k1, nil, map[string]any{"cty": "JWT"}) }, nil, TokenReasonUnsupportedHeader},
		{"typ of another token kind", func() string { return is.mint(k1, nil, map[string]any{"typ": "dpop+jwt"}) }, nil, TokenReasonUnsupportedHeader},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d hostile cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vv := c.v
			if vv == nil {
				vv = v
			}
			tok := c.token()
			a := vv.AuthFromToken(context.Background(), tok)
			if a.Authenticated() {
				t.Fatalf("authenticated as %q", a.UserID)
			}
			if got := TokenErrorReason(a.Err()); got != c.want {
				t.Fatalf("reason %q (%v); want %q", got, a.Err(), c.want)
			}
			if err := a.Protect(ProtectOptions{}); err == nil {
				t.Fatal("Protect passed")
			}
			if i := strings.LastIndexByte(tok, '.'); i > 0 && len(tok)-i > 8 && strings.Contains(a.Err().Error(), tok[i+1:]) {
				t.Fatal("error message contains the token signature")
			}
			if _, err := vv.Verify(context.Background(), tok); TokenErrorReason(err) != c.want {
				t.Fatalf("Verify reason %v; want %q", err, c.want)
			}
		})
	}
	// The valid token really does verify with each verifier, so the table is
	// testing the mutations and not a broken setup.
	if a := v.AuthFromToken(context.Background(), good); !a.Authenticated() {
		t.Fatal(a.Err())
	}
	if a := vHS.AuthFromToken(context.Background(), good); !a.Authenticated() {
		t.Fatal(a.Err())
	}
}

func mustDecode(s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestAuthenticateRequest(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	is := newTestIssuer(t, k)
	v := is.verifier(t, nil)
	tok := is.mint(k, nil, nil)

	// Real HTTP round trip: a handler authenticates the request it receives.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := v.Authenticate(r)
		if err := a.Protect(ProtectOptions{AnyPermission: []string{"ws:write"}}); err != nil {
			var ae *AuthError
			status := http.StatusForbidden
			if errors.As(err, &ae) && ae.Unauthenticated() {
				status = http.StatusUnauthorized
			}
			w.WriteHeader(status)
			fmt.Fprint(w, TokenErrorReason(a.Err()))
			return
		}
		fmt.Fprint(w, a.UserID)
	}))
	defer srv.Close()
	do := func(mod func(r *http.Request), q string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+"/?"+q, nil)
		mod(req)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var sb strings.Builder
		_, _ = fmt.Fscan(res.Body, &sb)
		b := make([]byte, 256)
		n, _ := res.Body.Read(b)
		return res.StatusCode, sb.String() + string(b[:n])
	}
	for _, scheme := range []string{"Bearer ", "bearer ", "BEARER  "} {
		if code, body := do(func(r *http.Request) { r.Header.Set("Authorization", scheme+tok) }, ""); code != 200 || body != "user_1" {
			t.Fatalf("%q: %d %s", scheme, code, body)
		}
	}
	if code, body := do(func(r *http.Request) {}, ""); code != 401 || body != "missing_token" {
		t.Fatalf("no token: %d %s", code, body)
	}
	if code, body := do(func(r *http.Request) { r.Header.Set("Authorization", "Basic "+tok) }, ""); code != 401 || body != "missing_token" {
		t.Fatalf("basic: %d %s", code, body)
	}
	// Cookies are ignored unless configured (session_auth_test.go covers
	// the cookie path, which exchanges the cookie at the frontend API).
	ck := func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "__session", Value: tok}) }
	if code, body := do(ck, ""); code != 401 || body != "missing_token" {
		t.Fatalf("cookie without config: %d %s", code, body)
	}
	// An inbound unsigned x-wacht-auth header is never trusted.
	forged := (&Auth{UserID: "admin", WorkspacePermissions: []string{"ws:write"}}).ForwardedHeaderValue()
	if code, body := do(func(r *http.Request) { r.Header.Set(ForwardedAuthHeader, forged) }, ""); code != 401 || body != "missing_token" {
		t.Fatalf("forged forwarded header: %d %s", code, body)
	}
	// Forbidden path.
	c := is.claims()
	c["permissions"] = map[string]any{"workspace": []string{"ws:read"}}
	tok2 := is.mint(k, c, nil)
	if code, _ := do(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok2) }, ""); code != 403 {
		t.Fatalf("forbidden: %d", code)
	}
	// A nil verifier or nil request never panics.
	var nv *Verifier
	if a := nv.Authenticate(httptest.NewRequest("GET", "/", nil)); a.Authenticated() || TokenErrorReason(a.Err()) != TokenReasonMisconfigured {
		t.Fatalf("nil verifier: %v", a.Err())
	}
	if a := v.Authenticate(nil); a.Authenticated() {
		t.Fatal("nil request authenticated")
	}
}

func TestProtectAndHas(t *testing.T) {
	a := &Auth{UserID: "u", OrganizationID: "o", WorkspaceID: "w",
		OrganizationPermissions: []string{"org:read"}, WorkspacePermissions: []string{"ws:write"}}
	yes := []ProtectOptions{
		{},
		{AnyPermission: []string{"org:read"}},
		{AnyPermission: []string{"nope", "ws:write"}},
		{OrganizationID: "o", WorkspaceID: "w", AnyPermission: []string{"org:read"}},
		{AllPermissions: []string{"org:read", "ws:write"}},
		{AnyPermission: []string{"nope", "org:read"}, AllPermissions: []string{"ws:write"}},
	}
	for _, o := range yes {
		if !a.Has(o) || a.Protect(o) != nil {
			t.Errorf("%+v: want allowed, got %v", o, a.Protect(o))
		}
	}
	no := []ProtectOptions{
		{AnyPermission: []string{"admin"}},
		{OrganizationID: "other"},
		{WorkspaceID: "other"},
		{AnyPermission: []string{""}},
		// A blank entry (an unset variable) fails closed.
		{AllPermissions: []string{"org:read", ""}},
		{AllPermissions: []string{""}},
		{AllPermissions: []string{"org:read", "admin"}},
		{AnyPermission: []string{"admin"}, AllPermissions: []string{"org:read"}},
		{AnyPermission: []string{"org:read"}, AllPermissions: []string{"admin"}},
	}
	for _, o := range no {
		err := a.Protect(o)
		var ae *AuthError
		if a.Has(o) || !errors.As(err, &ae) || ae.Code != AuthCodeForbidden {
			t.Errorf("%+v: want forbidden, got %v", o, err)
		}
	}
	for _, anon := range []*Auth{nil, {}, anonymous(tokenErr(TokenReasonExpired, ""))} {
		err := anon.Protect(ProtectOptions{RedirectURL: "https://app/sign-in"})
		var ae *AuthError
		if !errors.As(err, &ae) || ae.Code != AuthCodeUnauthenticated || !ae.Unauthenticated() || ae.RedirectURL != "https://app/sign-in" {
			t.Errorf("anonymous: %v", err)
		}
		if anon.Has(ProtectOptions{}) || anon.Authenticated() {
			t.Error("anonymous has")
		}
		var te *TokenError
		if !errors.As(err, &te) {
			t.Errorf("unauthenticated error does not carry the token reason: %v", err)
		}
		if err := anon.DecodeClaims(&struct{}{}); !errors.Is(err, ErrNoClaims) {
			t.Errorf("DecodeClaims on anonymous: %v", err)
		}
	}
	if !errors.Is(anonymous(tokenErr(TokenReasonExpired, "x")).Err(), &TokenError{Reason: TokenReasonExpired}) {
		t.Error("errors.Is on TokenError reason")
	}
}

// The promise: AllPermissions admits only a user holding every listed
// permission (each from either set), AnyPermission one holding any, and the
// 403 says which rule failed and what is missing.
func TestProtectAllPermissionsRequiresEveryOne(t *testing.T) {
	a := &Auth{UserID: "u", OrganizationPermissions: []string{"docs:read"}, WorkspacePermissions: []string{"deploy"}}
	all := ProtectOptions{AllPermissions: []string{"docs:read", "docs:write"}}
	err := a.Protect(all)
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Code != AuthCodeForbidden {
		t.Fatalf("holding one of two: want forbidden, got %v", err)
	}
	if want := `requires all of the permissions "docs:read", "docs:write", missing "docs:write"`; ae.Message != want {
		t.Errorf("all-of message = %q, want %q", ae.Message, want)
	}
	if !a.Has(ProtectOptions{AllPermissions: []string{"docs:read", "deploy"}}) {
		t.Error("all-of across the organization and workspace sets refused")
	}
	both := &Auth{UserID: "u", OrganizationPermissions: []string{"docs:read", "docs:write"}}
	if err := both.Protect(all); err != nil {
		t.Errorf("holding both: %v", err)
	}

	err = a.Protect(ProtectOptions{AnyPermission: []string{"x", "y"}})
	if !errors.As(err, &ae) || ae.Message != `requires one of the permissions "x", "y"` {
		t.Errorf("any-of message: %v", err)
	}
}

// ecPointOffCurve is used to build a JWK whose point is not on P-256.
func TestOffCurvePointRejectedByParser(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	y := new(big.Int).Add(k.Y, big.NewInt(1))
	j := fmt.Sprintf(`{"kty":"EC","kid":"x","crv":"P-256","x":%q,"y":%q}`, b64(pad(k.X.Bytes(), 32)), b64(pad(y.Bytes(), 32)))
	if parseOneJWK([]byte(j)) != nil {
		t.Fatal("off-curve key accepted")
	}
	j = fmt.Sprintf(`{"kty":"EC","kid":"x","crv":"P-256","x":%q,"y":%q}`, b64(pad(k.X.Bytes(), 32)), b64(pad(k.Y.Bytes(), 32)))
	if parseOneJWK([]byte(j)) == nil {
		t.Fatal("valid key rejected")
	}
}
