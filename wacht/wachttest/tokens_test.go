package wachttest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
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
func verify(t testing.TB, set jose.JSONWebKeySet, tok string) (map[string]any, error) {
	t.Helper()
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.RS256})
	if err != nil {
		return nil, err
	}
	kid := jws.Signatures[0].Header.KeyID
	keys := set.Key(kid)
	if len(keys) != 1 {
		return nil, &url.Error{Op: "select key", URL: kid, Err: jose.ErrUnsupportedKeyType}
	}
	if keys[0].Use != "sig" || keys[0].Algorithm != jws.Signatures[0].Header.Algorithm {
		t.Fatalf("JWK %s: use %q alg %q, token alg %q", kid, keys[0].Use, keys[0].Algorithm, jws.Signatures[0].Header.Algorithm)
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims, nil
}

func TestPublishableKeyEncodesFrontendURL(t *testing.T) {
	s := New(t, Options{})
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
	s := New(t, Options{Algorithms: []Algorithm{ES384, RS256}})
	set := fetchJWKS(t, s)
	if len(set.Keys) != 3 {
		t.Fatalf("JWKS has %d keys, want 3", len(set.Keys))
	}
	for _, alg := range []Algorithm{"", ES256, ES384, RS256} {
		t.Run(string(alg), func(t *testing.T) {
			iat := time.Now().Add(-10 * time.Second).Truncate(time.Second)
			tok, err := s.MintToken(TokenOptions{
				UserID: "u_1", SessionID: "sess_1", OrganizationID: "org_1", WorkspaceID: "ws_1",
				OrganizationPermissions: []string{"user:read"}, WorkspacePermissions: []string{"deploy:write"},
				Claims:   map[string]any{"metadata": map[string]any{"plan": "pro"}, "jti": nil},
				Lifetime: 5 * time.Minute, IssuedAt: iat, Algorithm: alg, Audience: []string{"api"}, AZP: "https://app.example",
			})
			if err != nil {
				t.Fatal(err)
			}
			claims, err := verify(t, set, tok)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			want := map[string]any{"sub": "u_1", "sid": "sess_1", "organization": "org_1", "workspace": "ws_1",
				"iss": s.FrontendURL, "aud": "api", "azp": "https://app.example",
				"iat": float64(iat.Unix()), "nbf": float64(iat.Unix()), "exp": float64(iat.Add(5 * time.Minute).Unix())}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("claim %s = %v, want %v", k, claims[k], v)
				}
			}
			if _, has := claims["jti"]; has {
				t.Error("nil claim did not remove jti")
			}
			if p, _ := claims["organization_permissions"].([]any); len(p) != 1 || p[0] != "user:read" {
				t.Errorf("organization_permissions = %v", claims["organization_permissions"])
			}
			if m, _ := claims["metadata"].(map[string]any); m["plan"] != "pro" {
				t.Errorf("custom claim metadata = %v", claims["metadata"])
			}
		})
	}
	if _, err := s.MintToken(TokenOptions{Algorithm: "HS256"}); err == nil {
		t.Error("HS256 accepted")
	}
}

func TestMintTokenDefaultsAndUnpublishedKey(t *testing.T) {
	s := New(t, Options{})
	set := fetchJWKS(t, s)
	tok, err := s.MintToken(TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	claims, err := verify(t, set, tok)
	if err != nil {
		t.Fatal(err)
	}
	if claims["sub"] != SeedUserID || !strings.HasPrefix(claims["sid"].(string), "sess_") {
		t.Errorf("defaults: sub %v sid %v", claims["sub"], claims["sid"])
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 60 {
		t.Errorf("default lifetime %v s, want 60", exp-iat)
	}
	if _, has := claims["organization"]; has {
		t.Error("organization claim present without OrganizationID")
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
}

func TestRotateKeys(t *testing.T) {
	s := New(t, Options{})
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
	newTok, _ := s.MintToken(TokenOptions{})
	jws, _ := jose.ParseSignedCompact(newTok, []jose.SignatureAlgorithm{jose.ES256})
	if got := jws.Signatures[0].Header.KeyID; got != newKid {
		t.Errorf("new token kid %q, want %q", got, newKid)
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
	s := New(t, Options{Algorithms: []Algorithm{ES384}})
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
