package auth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// wachtHeader is the protected header of every session token Wacht's
// frontend API issues: jwx's jwt.Sign with a bare private key writes alg
// and typ and nothing else (frontend-api handler/session/handler.go,
// signTokenES256, ~L706-731).
const wachtHeader = `{"alg":"ES256","typ":"JWT"}`

// wachtKey is a key as the frontend API's JWKS publishes it: EC P-256, alg
// ES256, use sig, kid the key pair's numeric id (frontend-api
// handler/deployment/handler.go GetJwks).
func wachtKey(t testing.TB) *testKey {
	return newECKey(t, "7309288427364745216", "ES256")
}

// mintNoKid signs claims with k under a header without kid, exactly
// {"alg":...,"typ":"JWT"}.
func (is *testIssuer) mintNoKid(k *testKey, claims map[string]any) string {
	return is.mint(k, claims, map[string]any{"kid": nil})
}

func TestVerifyTokenAsWachtIssuesIt(t *testing.T) {
	k := wachtKey(t)
	is := newTestIssuer(t, k)
	v := is.verifier(t, nil)
	c := is.claims()
	c["metadata"] = map[string]any{"plan": "pro", "seats": 5, "email": "ada@example.com"}
	tok := is.mintNoKid(k, c)
	if h := string(mustDecode(strings.Split(tok, ".")[0])); h != wachtHeader {
		t.Fatalf("header %s, want %s", h, wachtHeader)
	}
	a := v.AuthFromToken(context.Background(), tok)
	if !a.Authenticated() {
		t.Fatalf("a token shaped and signed as Wacht issues it was rejected: %v", a.Err())
	}
	if a.UserID != "user_1" || a.SessionID != "sess_1" || a.OrganizationID != "org_1" || a.WorkspaceID != "ws_1" {
		t.Fatalf("ids: %+v", a)
	}
	if !slices.Equal(a.OrganizationPermissions, []string{"org:read"}) || !slices.Equal(a.WorkspacePermissions, []string{"ws:write"}) {
		t.Fatalf("nested permissions: %v %v", a.OrganizationPermissions, a.WorkspacePermissions)
	}
	if !a.Has(ProtectOptions{AnyPermission: []string{"ws:write"}, OrganizationID: "org_1", WorkspaceID: "ws_1"}) {
		t.Fatal("Has rejected the token's own organization, workspace and permission")
	}
	if a.Claims.Metadata["plan"] != "pro" || a.Claims.Metadata["seats"] != float64(5) {
		t.Fatalf("metadata map: %v", a.Claims.Metadata)
	}
	var meta struct {
		Plan  string `json:"plan"`
		Seats int    `json:"seats"`
		Email string `json:"email"`
	}
	if err := a.DecodeMetadata(&meta); err != nil || meta.Plan != "pro" || meta.Seats != 5 || meta.Email != "ada@example.com" {
		t.Fatalf("DecodeMetadata: %+v %v", meta, err)
	}
	if got := v.Stats(); got.Fetches != 1 || got.Keys != 1 {
		t.Fatalf("stats %+v", got)
	}

	// The default template adds no metadata; no organization is active.
	plain := is.claims()
	delete(plain, "organization")
	delete(plain, "workspace")
	plain["permissions"] = map[string]any{}
	a = v.AuthFromToken(context.Background(), is.mintNoKid(k, plain))
	if !a.Authenticated() || a.OrganizationID != "" || a.OrganizationPermissions != nil || a.Claims.Metadata != nil {
		t.Fatalf("token without memberships: %+v %v", a, a.Err())
	}
	before := struct{ Plan string }{"kept"}
	if err := a.DecodeMetadata(&before); err != nil || before.Plan != "kept" {
		t.Fatalf("DecodeMetadata without metadata: %+v %v", before, err)
	}
	// A member whose roles grant nothing: jwx encodes the nil slice
	// slices.Collect returns as null.
	nullPerms := is.claims()
	nullPerms["permissions"] = map[string]any{"organization": nil}
	a = v.AuthFromToken(context.Background(), is.mintNoKid(k, nullPerms))
	if !a.Authenticated() || a.OrganizationPermissions != nil || a.Has(ProtectOptions{AnyPermission: []string{"org:read"}}) {
		t.Fatalf("null permissions: %+v %v", a, a.Err())
	}
	// Metadata that is not an object is ignored, as it was before the
	// claim had a field.
	odd := is.claims()
	odd["metadata"] = "text"
	if a := v.AuthFromToken(context.Background(), is.mintNoKid(k, odd)); !a.Authenticated() || a.Claims.Metadata != nil {
		t.Fatalf("string metadata: %v", a.Err())
	}
	var anon *Auth
	if err := anon.DecodeMetadata(&meta); !errors.Is(err, ErrNoClaims) {
		t.Fatalf("DecodeMetadata on nil Auth: %v", err)
	}
}

// Tokens from older issuers: ids as numbers, session_id, top-level
// permission lists.
func TestVerifyOlderIssuerClaims(t *testing.T) {
	k := wachtKey(t)
	is := newTestIssuer(t, k)
	v := is.verifier(t, nil)
	c := is.claims()
	delete(c, "sid")
	delete(c, "permissions")
	c["session_id"] = 42
	c["organization"] = 9007199254740993 // beyond float64 precision
	c["workspace"] = 77
	c["organization_permissions"] = []string{"org:read"}
	c["workspace_permissions"] = []string{"ws:write"}
	a := v.AuthFromToken(context.Background(), is.mintNoKid(k, c))
	if !a.Authenticated() || a.SessionID != "42" || a.OrganizationID != "9007199254740993" || a.WorkspaceID != "77" {
		t.Fatalf("older ids: %+v %v", a, a.Err())
	}
	if !a.Has(ProtectOptions{AnyPermission: []string{"org:read"}}) || !a.Has(ProtectOptions{AnyPermission: []string{"ws:write"}}) {
		t.Fatalf("older permissions: %v %v", a.OrganizationPermissions, a.WorkspacePermissions)
	}
	// sid wins over session_id; the nested permissions over the top-level ones.
	c["sid"] = "43"
	c["permissions"] = map[string]any{"organization": []string{"nested"}}
	a = v.AuthFromToken(context.Background(), is.mintNoKid(k, c))
	if a.SessionID != "43" || !slices.Equal(a.OrganizationPermissions, []string{"nested"}) || !slices.Equal(a.WorkspacePermissions, []string{"ws:write"}) {
		t.Fatalf("precedence: %+v", a)
	}
}

func TestVerifyWithoutKidChoosesByKeyType(t *testing.T) {
	keys := []*testKey{
		newRSAKey(t, "1", "RS256", 2048), newECKey(t, "2", "ES384"), newECKey(t, "3", "ES256"),
		newRSAKey(t, "4", "RS512", 2048),
	}
	noKid := newECKey(t, "", "ES512")
	delete(noKid.jwk, "kid") // RFC 7517 makes kid optional
	is := newTestIssuer(t, append(keys, noKid)...)
	v := is.verifier(t, nil)
	for _, k := range append(keys, noKid) {
		if a := v.AuthFromToken(context.Background(), is.mintNoKid(k, nil)); !a.Authenticated() {
			t.Fatalf("%s without kid: %v", k.alg, a.Err())
		}
	}
	// The RSA keys are pinned to RS256 and RS512: neither is tried for an
	// RS384 token, though the key material is the one that signed it.
	tok := is.mint(keys[3], nil, map[string]any{"kid": nil, "alg": "RS384"})
	if a := v.AuthFromToken(context.Background(), tok); TokenErrorReason(a.Err()) != TokenReasonUnknownKey {
		t.Fatalf("RS384 over keys pinned to other algorithms: %v", a.Err())
	}
	// A key without kid never answers a token that names a kid.
	if a := v.AuthFromToken(context.Background(), is.mint(noKid, nil, map[string]any{"kid": "x"})); TokenErrorReason(a.Err()) != TokenReasonUnknownKey {
		t.Fatalf("kid x against a kid-less key: %v", a.Err())
	}
	// Tokens with a kid still go by it.
	if a := v.AuthFromToken(context.Background(), is.mint(keys[2], nil, nil)); !a.Authenticated() {
		t.Fatal(a.Err())
	}
	if a := v.AuthFromToken(context.Background(), is.mint(keys[2], nil, map[string]any{"kid": "2"})); TokenErrorReason(a.Err()) != TokenReasonKeyMismatch {
		t.Fatalf("ES256 token naming the ES384 key: %v", a.Err())
	}
}

func TestVerifyWithoutKidIsBounded(t *testing.T) {
	var keys []*testKey
	for i := range maxKidlessCandidates + 1 {
		keys = append(keys, newECKey(t, "k"+string(rune('a'+i)), "ES256"))
	}
	is := newTestIssuer(t, keys[:maxKidlessCandidates]...)
	v := is.verifier(t, nil)
	// Up to the bound every published key is tried: the last one signs.
	if a := v.AuthFromToken(context.Background(), is.mintNoKid(keys[maxKidlessCandidates-1], nil)); !a.Authenticated() {
		t.Fatalf("signed by candidate %d of %d: %v", maxKidlessCandidates, maxKidlessCandidates, a.Err())
	}
	// One more key for the algorithm and the set is ambiguous: no key is
	// tried, even the one that signed, and the reason says why.
	is.set(func(is *testIssuer) { is.keys = keys })
	v2 := is.verifier(t, nil)
	a := v2.AuthFromToken(context.Background(), is.mintNoKid(keys[0], nil))
	if TokenErrorReason(a.Err()) != TokenReasonMissingKeyID || !strings.Contains(a.Err().Error(), "more than 4 keys for ES256") {
		t.Fatalf("ambiguous set: %v", a.Err())
	}
	// Keys of other algorithms do not count.
	mixed := []*testKey{keys[0]}
	for i := range maxKidlessCandidates + 1 {
		mixed = append(mixed, newECKey(t, "p"+string(rune('a'+i)), "ES384"))
	}
	is.set(func(is *testIssuer) { is.keys = mixed })
	v3 := is.verifier(t, nil)
	if a := v3.AuthFromToken(context.Background(), is.mintNoKid(keys[0], nil)); !a.Authenticated() {
		t.Fatal(a.Err())
	}
}

func TestVerifyWithoutKidRefreshesUnderTheLimiter(t *testing.T) {
	old := wachtKey(t)
	is := newTestIssuer(t, old)
	v := is.verifier(t, func(c *VerifierConfig) { c.JWKSMinRefreshInterval = 10 * time.Second })
	if a := v.AuthFromToken(context.Background(), is.mintNoKid(old, nil)); !a.Authenticated() {
		t.Fatal(a.Err())
	}
	// The deployment's key changes. Inside the refresh interval the cached
	// set is all there is: the new key's token fails, without a fetch.
	nk := newECKey(t, "7309288427364745217", "ES256")
	is.set(func(is *testIssuer) { is.keys = []*testKey{nk} })
	newTok := is.mintNoKid(nk, nil)
	a := v.AuthFromToken(context.Background(), newTok)
	if TokenErrorReason(a.Err()) != TokenReasonBadSignature {
		t.Fatalf("inside the interval: %v", a.Err())
	}
	if s := v.Stats(); s.Fetches != 1 || s.RefreshesLimited != 1 {
		t.Fatalf("stats inside the interval %+v", s)
	}
	// Past it, the failed verification refreshes the set once and the
	// token verifies; the old key's tokens stop verifying.
	is.clock.Advance(11 * time.Second)
	if a := v.AuthFromToken(context.Background(), newTok); !a.Authenticated() {
		t.Fatalf("after the refresh: %v", a.Err())
	}
	if a := v.AuthFromToken(context.Background(), is.mintNoKid(old, nil)); TokenErrorReason(a.Err()) != TokenReasonBadSignature {
		t.Fatalf("withdrawn key: %v", a.Err())
	}
	if got := is.hits.Load(); got != 2 {
		t.Fatalf("fetches %d; want 2", got)
	}
}

// Forged kid-less tokens cost at most the bounded signature checks each and
// one key-set fetch per refresh interval, however many arrive.
func TestVerifyWithoutKidForgeryStorm(t *testing.T) {
	k := wachtKey(t)
	forger := newECKey(t, "", "ES256")
	is := newTestIssuer(t, k)
	v := is.verifier(t, func(c *VerifierConfig) { c.JWKSMinRefreshInterval = 10 * time.Second })
	good := is.mintNoKid(k, nil)
	if a := v.AuthFromToken(context.Background(), good); !a.Authenticated() {
		t.Fatal(a.Err())
	}
	is.clock.Advance(11 * time.Second) // the limiter allows one refresh now
	var wg sync.WaitGroup
	var mu sync.Mutex
	reasons := map[TokenReason]int{}
	for range 500 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := v.AuthFromToken(context.Background(), is.mintNoKid(forger, nil))
			mu.Lock()
			reasons[TokenErrorReason(a.Err())]++
			mu.Unlock()
			if b := v.AuthFromToken(context.Background(), good); !b.Authenticated() {
				t.Error(b.Err())
			}
		}()
	}
	wg.Wait()
	if reasons[TokenReasonBadSignature] != 500 {
		t.Fatalf("reasons %v", reasons)
	}
	if got := is.hits.Load(); got != 2 {
		t.Fatalf("500 forged kid-less tokens made %d fetches in one interval; want 1 (plus the first load)", got)
	}
}

func TestSameIssuer(t *testing.T) {
	same := [][2]string{
		{"https://fapi.example.wacht.dev", "https://fapi.example.wacht.dev"},
		{"https://fapi.example.wacht.dev", "https://FAPI.Example.Wacht.Dev"},
		{"https://fapi.example.wacht.dev", "HTTPS://fapi.example.wacht.dev"},
		{"https://fapi.example.wacht.dev", "https://fapi.example.wacht.dev:443"},
		{"http://127.0.0.1:8080", "HTTP://127.0.0.1:8080"},
		{"http://localhost", "http://localhost:80"},
		{"https://idp.example/tenant", "https://IDP.example/tenant"},
		{"not a url", "not a url"},
	}
	for _, p := range same {
		if !sameIssuer(p[0], p[1]) {
			t.Errorf("%q should name %q", p[1], p[0])
		}
	}
	differ := [][2]string{
		{"https://fapi.example.wacht.dev", "https://fapi.example.wacht.dev/"},
		{"https://fapi.example.wacht.dev", "http://fapi.example.wacht.dev"},
		{"https://fapi.example.wacht.dev", "https://fapi.example.wacht.dev:8443"},
		{"https://fapi.example.wacht.dev", "https://fapi.example.wacht.dev.evil.example"},
		{"https://fapi.example.wacht.dev", "https://evil@fapi.example.wacht.dev"},
		{"https://fapi.example.wacht.dev", "https://fapi.example.wacht.dev?x"},
		{"https://fapi.example.wacht.dev", "https://fapi.example.wacht.dev#x"},
		{"https://fapi.example.wacht.dev", "fapi.example.wacht.dev"},
		{"https://fapi.example.wacht.dev", ""},
		{"https://kelvin.example", "https://\u212aelvin.example"}, // Kelvin sign folds to k in Unicode
		{"https://idp.example/tenant", "https://idp.example/Tenant"},
		{"not a url", "NOT A URL"},
	}
	for _, p := range differ {
		if sameIssuer(p[0], p[1]) {
			t.Errorf("%q must not name %q", p[1], p[0])
		}
	}
}

// The issuer check compares URLs: a token whose iss differs from the
// publishable key's URL only in case is accepted end to end.
func TestVerifyIssuerComparedAsURL(t *testing.T) {
	k := wachtKey(t)
	is := newTestIssuer(t, k)
	v := is.verifier(t, nil)
	c := is.claims()
	c["iss"] = strings.Replace(is.url(), "http://", "HTTP://", 1)
	if a := v.AuthFromToken(context.Background(), is.mintNoKid(k, c)); !a.Authenticated() {
		t.Fatalf("upper-case scheme: %v", a.Err())
	}
	c["iss"] = is.url() + "/"
	if a := v.AuthFromToken(context.Background(), is.mintNoKid(k, c)); TokenErrorReason(a.Err()) != TokenReasonIssuer {
		t.Fatalf("trailing slash: %v", a.Err())
	}
}
