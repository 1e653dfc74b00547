package wachttest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func fetchJWKS(t testing.TB, s *Server) jose.JSONWebKeySet {
	t.Helper()
	res, err := http.Get(s.FrontendURL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("JWKS status %d", res.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	return set
}

// verify checks tok against the JWKS with go-jose and returns its claims.
// Like Wacht's verifiers it picks the key by kid when the header names one,
// else among the keys published for the token's alg.
func verify(t testing.TB, set jose.JSONWebKeySet, tok string) (map[string]any, error) {
	t.Helper()
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.RS256})
	if err != nil {
		return nil, err
	}
	h := jws.Signatures[0].Header
	var keys []jose.JSONWebKey
	if h.KeyID != "" {
		keys = set.Key(h.KeyID)
	} else {
		for _, k := range set.Keys {
			if k.Algorithm == h.Algorithm {
				keys = append(keys, k)
			}
		}
	}
	if len(keys) == 0 {
		return nil, &url.Error{Op: "select key", URL: h.KeyID, Err: jose.ErrUnsupportedKeyType}
	}
	var payload []byte
	for _, k := range keys {
		if k.Use != "sig" || k.Algorithm != h.Algorithm {
			t.Fatalf("JWK %s: use %q alg %q, token alg %q", k.KeyID, k.Use, k.Algorithm, h.Algorithm)
		}
		if payload, err = jws.Verify(k.Key); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims, nil
}

// header returns the decoded protected header of a compact JWS.
func header(t testing.TB, tok string) string {
	t.Helper()
	seg, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPublishableKeyEncodesFrontendURL(t *testing.T) {
	s := newChecked(t, Options{})
	enc, ok := strings.CutPrefix(s.PublishableKey, "pk_test_")
	if !ok {
		t.Fatalf("publishable key %q lacks pk_test_", s.PublishableKey)
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || string(raw) != s.FrontendURL {
		t.Fatalf("publishable key decodes to %q (%v), want %q", raw, err, s.FrontendURL)
	}
	for _, u := range []string{s.FrontendURL, s.BackendURL, s.GatewayURL} {
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Errorf("URL %q is not on loopback", u)
		}
	}
	if s.FrontendURL == s.BackendURL || s.BackendURL == s.GatewayURL {
		t.Errorf("listeners share a port: %s %s %s", s.FrontendURL, s.BackendURL, s.GatewayURL)
	}
}

func TestNewServerRejectsNonLoopback(t *testing.T) {
	if _, err := NewServer(Options{BackendAddr: "0.0.0.0:0"}); err == nil {
		t.Fatal("0.0.0.0 accepted")
	}
}

func TestMintedTokensVerifyWithJOSE(t *testing.T) {
	s := newChecked(t, Options{Algorithms: []Algorithm{ES384, RS256}})
	set := fetchJWKS(t, s)
	if len(set.Keys) != 3 {
		t.Fatalf("JWKS has %d keys, want 3", len(set.Keys))
	}
	for _, alg := range []Algorithm{"", ES256, ES384, RS256} {
		t.Run(string(alg), func(t *testing.T) {
			iat := time.Now().Add(-10 * time.Second).Truncate(time.Second)
			tok, err := s.MintToken(TokenOptions{
				UserID: "1101", SessionID: "1201", OrganizationID: "1301", WorkspaceID: "1401",
				OrganizationPermissions: []string{"user:read"}, WorkspacePermissions: []string{"deploy:write"},
				Metadata: map[string]any{"plan": "pro"},
				Claims:   map[string]any{"custom": "x", "workspace": nil},
				Lifetime: 5 * time.Minute, IssuedAt: iat, Algorithm: alg, Audience: []string{"api"}, AZP: "https://app.example",
			})
			if err != nil {
				t.Fatal(err)
			}
			want := string(alg)
			if want == "" {
				want = "ES256"
			}
			if h := header(t, tok); h != `{"alg":"`+want+`","typ":"JWT"}` {
				t.Errorf("header %s", h)
			}
			claims, err := verify(t, set, tok)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			wantClaims := map[string]any{"sub": "1101", "sid": "1201", "organization": "1301", "custom": "x",
				"iss": s.FrontendURL, "aud": "api", "azp": "https://app.example",
				"iat": float64(iat.Unix()), "exp": float64(iat.Add(5 * time.Minute).Unix())}
			for k, v := range wantClaims {
				if claims[k] != v {
					t.Errorf("claim %s = %v, want %v", k, claims[k], v)
				}
			}
			for _, k := range []string{"workspace", "nbf", "jti", "organization_permissions", "workspace_permissions"} {
				if _, has := claims[k]; has {
					t.Errorf("claim %s present: %v", k, claims[k])
				}
			}
			perms, _ := json.Marshal(claims["permissions"])
			if string(perms) != `{"organization":["user:read"],"workspace":["deploy:write"]}` {
				t.Errorf("permissions = %s", perms)
			}
			if m, _ := claims["metadata"].(map[string]any); m["plan"] != "pro" {
				t.Errorf("metadata = %v", claims["metadata"])
			}
		})
	}
	// The kid variant, only on request: the header names a published key.
	tok, err := s.MintToken(TokenOptions{HeaderKeyID: true, Algorithm: ES384})
	if err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES384})
	if err != nil {
		t.Fatal(err)
	}
	if kid := jws.Signatures[0].Header.KeyID; len(set.Key(kid)) != 1 || set.Key(kid)[0].Algorithm != "ES384" {
		t.Errorf("HeaderKeyID: kid %q not the published ES384 key", kid)
	}
	if _, err := verify(t, set, tok); err != nil {
		t.Error(err)
	}
	if _, err := s.MintToken(TokenOptions{Algorithm: "HS256"}); err == nil {
		t.Error("HS256 accepted")
	}
}

// The defaults are what Wacht's frontend API issues with its default
// template, and the JWKS is what it publishes.
func TestMintTokenDefaultsAndUnpublishedKey(t *testing.T) {
	s := newChecked(t, Options{})
	res, err := http.Get(s.FrontendURL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	err = json.NewDecoder(res.Body).Decode(&doc)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "" {
		t.Errorf("JWKS Cache-Control %q; Wacht sends none", cc)
	}
	if len(doc.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(doc.Keys))
	}
	k := doc.Keys[0]
	kid, _ := k["kid"].(string)
	if _, err := strconv.ParseUint(kid, 10, 64); err != nil {
		t.Errorf("kid %q is not a numeric id", kid)
	}
	if k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" || k["x"] == nil || k["y"] == nil || len(k) != 7 {
		t.Errorf("JWK %v", k)
	}
	if ids := s.KeyIDs(); len(ids) != 1 || ids[0] != kid {
		t.Errorf("KeyIDs %v, JWKS kid %q", ids, kid)
	}

	set := fetchJWKS(t, s)
	tok, err := s.MintToken(TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := header(t, tok); h != `{"alg":"ES256","typ":"JWT"}` {
		t.Errorf("header %s", h)
	}
	claims, err := verify(t, set, tok)
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := claims["sid"].(string)
	if _, err := strconv.ParseUint(sid, 10, 64); claims["sub"] != SeedUserID || err != nil {
		t.Errorf("defaults: sub %v sid %v", claims["sub"], claims["sid"])
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 35 {
		t.Errorf("default lifetime %v s, want 35 (30 s + 5 s skew)", exp-iat)
	}
	if p, ok := claims["permissions"].(map[string]any); !ok || len(p) != 0 {
		t.Errorf("permissions %v, want an empty object", claims["permissions"])
	}
	if len(claims) != 6 {
		t.Errorf("default claims %v; want iss, sub, sid, iat, exp, permissions", claims)
	}
	// A member whose roles grant nothing: the list is null, as Wacht's
	// slices.Collect of an empty set encodes.
	tok, err = s.MintToken(TokenOptions{OrganizationID: SeedOrganizationID})
	if err != nil {
		t.Fatal(err)
	}
	if claims, err = verify(t, set, tok); err != nil {
		t.Fatal(err)
	}
	if perms, _ := json.Marshal(claims["permissions"]); string(perms) != `{"organization":null}` || claims["organization"] != SeedOrganizationID {
		t.Errorf("member without permissions: %s %v", perms, claims["organization"])
	}
	bad, err := s.MintToken(TokenOptions{UnpublishedKey: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify(t, set, bad); err == nil {
		t.Error("token signed with an unpublished key verified")
	}
	if _, err := s.MintToken(TokenOptions{Algorithm: RS256}); err == nil {
		t.Error("RS256 minted without enabling it")
	}
	if sk := s.SigningKey(); sk == nil || !sk.PublicKey.Equal(set.Keys[0].Key) {
		t.Error("SigningKey is not the published key")
	}
}

func TestRotateKeys(t *testing.T) {
	s := newChecked(t, Options{})
	oldKid := s.KeyIDs()[0]
	oldTok, err := s.MintToken(TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	newKid, err := s.RotateKeys(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if newKid == "" || newKid == oldKid {
		t.Fatalf("new kid %q, old %q", newKid, oldKid)
	}
	set := fetchJWKS(t, s)
	if len(set.Key(oldKid)) != 1 || len(set.Key(newKid)) != 1 {
		t.Fatalf("during grace JWKS should hold both keys: %v", s.KeyIDs())
	}
	if _, err := verify(t, set, oldTok); err != nil {
		t.Errorf("old token during grace: %v", err)
	}
	newTok, _ := s.MintToken(TokenOptions{HeaderKeyID: true})
	jws, _ := jose.ParseSignedCompact(newTok, []jose.SignatureAlgorithm{jose.ES256})
	if got := jws.Signatures[0].Header.KeyID; got != newKid {
		t.Errorf("new token kid %q, want %q", got, newKid)
	}
	if !s.SigningKey().PublicKey.Equal(set.Key(newKid)[0].Key) {
		t.Error("SigningKey is not the new key")
	}
	if _, err := s.MintToken(TokenOptions{KeyID: oldKid}); err != nil {
		t.Errorf("signing with a key in its grace period: %v", err)
	}
	// A second rotation with no grace removes the previous current key at
	// once; the first old key keeps its own grace.
	newest, err := s.RotateKeys(0)
	if err != nil {
		t.Fatal(err)
	}
	set = fetchJWKS(t, s)
	if len(set.Key(newKid)) != 0 || len(set.Key(newest)) != 1 || len(set.Key(oldKid)) != 1 {
		t.Fatalf("after RotateKeys(0): %v", s.KeyIDs())
	}
	if _, err := verify(t, set, newTok); err == nil {
		t.Error("token of a removed key still verifies")
	}
	if _, err := s.MintToken(TokenOptions{KeyID: newKid}); err == nil {
		t.Error("signing with a removed kid succeeded")
	}
}

func TestDevMintEndpoint(t *testing.T) {
	s := newChecked(t, Options{Algorithms: []Algorithm{ES384}})
	set := fetchJWKS(t, s)
	post := func(key, body string) (int, http.Header, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, s.FrontendURL+"/_wachttest/tokens", strings.NewReader(body))
		c := &client{t: t, s: s, key: key, hc: http.DefaultClient}
		return c.send(req)
	}
	code, hdr, body := post("", `{}`)
	if code != http.StatusUnauthorized || hdr.Get("X-Wachttest-Dev-Only") != "true" {
		t.Fatalf("without key: %d %v", code, hdr)
	}
	errorMessage(t, body, 401)
	code, _, body = post(s.APIKey, `{"user_id":"u_5","organization_id":"o_5","organization_permissions":["x:y"],"algorithm":"ES384","lifetime_seconds":30}`)
	tok, _ := mustOK(t, code, body)["token"].(string)
	claims, err := verify(t, set, tok)
	if err != nil {
		t.Fatal(err)
	}
	if claims["sub"] != "u_5" || claims["organization"] != "o_5" || claims["exp"].(float64)-claims["iat"].(float64) != 30 {
		t.Errorf("claims %v", claims)
	}
	if code, _, _ := post(s.APIKey, `{"algorithm":"none"}`); code != http.StatusBadRequest {
		t.Errorf("alg none: %d", code)
	}
	// Sessions for non-Go callers.
	req, _ := http.NewRequest(http.MethodPost, s.FrontendURL+"/_wachttest/sessions", strings.NewReader(`{"user_id":"u_6"}`))
	c := &client{t: t, s: s, key: s.APIKey, hc: http.DefaultClient}
	code, _, body = c.send(req)
	cookie, _ := mustOK(t, code, body)["cookie"].(string)
	code, _, body = sessionExchange(t, s, cookie, "")
	data, _ := mustOK(t, code, body)["data"].(map[string]any)
	claims, err = verify(t, set, data["token"].(string))
	if err != nil || claims["sub"] != "u_6" {
		t.Errorf("session from HTTP: %v %v", claims, err)
	}
	if !slices.Contains([]int64{1}, s.Stats().Requests[RouteNewSession]) {
		t.Errorf("requests per route: %v", s.Stats().Requests)
	}
}
