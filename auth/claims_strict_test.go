package auth

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// mintPayload signs a payload given as JSON text, so a test can send what
// a map cannot hold: repeated names and names that differ only in case.
func (is *testIssuer) mintPayload(k *testKey, payload string) string {
	is.t.Helper()
	input := jsonSeg(is.t, map[string]any{"alg": k.alg, "kid": k.kid, "typ": "JWT"}) + "." + jsonSeg(is.t, payload)
	return input + "." + b64(k.sign(is.t, k.alg, input))
}

// The claims a token verifies with are the ones spelled exactly as Wacht
// writes them: encoding/json alone would read "SUB" as "sub", and the
// later of two spellings would win.
func TestClaimsAreReadByExactName(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	is := newTestIssuer(t, k)
	v := is.verifier(t, nil)
	now := is.clock.Now().Unix()
	base := fmt.Sprintf(`"iss":%q,"iat":%d,"exp":%d`, is.url(), now-10, now+25)

	tok := is.mintPayload(k, `{`+base+`,"sub":"user_1","SUB":"admin","Sid":"sess_evil","sid":"sess_1","Organization":"org_evil",`+
		`"permissions":{"organization":["org:read"],"Organization":["org:admin"]}}`)
	a := v.AuthFromToken(context.Background(), tok)
	if !a.Authenticated() {
		t.Fatal(a.Err())
	}
	if a.UserID != "user_1" || a.SessionID != "sess_1" || a.OrganizationID != "" {
		t.Fatalf("case variants were read: user %q session %q organization %q", a.UserID, a.SessionID, a.OrganizationID)
	}
	if strings.Join(a.OrganizationPermissions, ",") != "org:read" {
		t.Fatalf("permissions read from a case variant: %v", a.OrganizationPermissions)
	}

	// Only a case variant of a required claim: the claim is missing.
	tok = is.mintPayload(k, `{`+base+`,"Sub":"user_1"}`)
	if err := v.AuthFromToken(context.Background(), tok).Err(); TokenErrorReason(err) != TokenReasonMissingClaim {
		t.Fatalf("a token with only \"Sub\": %v, want missing_claim", err)
	}
}

// A token that names a claim twice in one object is malformed, wherever
// the object is: readers disagree on which value counts.
func TestClaimsRejectRepeatedNames(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	is := newTestIssuer(t, k)
	v := is.verifier(t, nil)
	now := is.clock.Now().Unix()
	base := fmt.Sprintf(`"iss":%q,"iat":%d,"exp":%d`, is.url(), now-10, now+25)

	for name, payload := range map[string]string{
		"sub twice":               `{` + base + `,"sub":"user_1","sub":"admin"}`,
		"exp twice":               `{` + base + `,"sub":"user_1","exp":9999999999}`,
		"inside permissions":      `{` + base + `,"sub":"user_1","permissions":{"organization":["a"],"organization":["admin"]}}`,
		"inside metadata":         `{` + base + `,"sub":"user_1","metadata":{"role":"user","role":"admin"}}`,
		"inside an array element": `{` + base + `,"sub":"user_1","list":[{"a":1,"a":2}]}`,
		"escaped spelling":        `{` + base + `,"sub":"user_1","s\u0075b":"admin"}`,
	} {
		t.Run(name, func(t *testing.T) {
			err := v.AuthFromToken(context.Background(), is.mintPayload(k, payload)).Err()
			if TokenErrorReason(err) != TokenReasonMalformed || !strings.Contains(err.Error(), "twice") {
				t.Fatalf("got %v, want malformed: appears twice", err)
			}
		})
	}

	// Many distinct members (past the small-set fast path) still verify.
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, `,"c%d":%d`, i, i)
	}
	if a := v.AuthFromToken(context.Background(), is.mintPayload(k, `{`+base+`,"sub":"user_1"`+b.String()+`}`)); !a.Authenticated() {
		t.Fatalf("40 distinct claims: %v", a.Err())
	}
	if err := v.AuthFromToken(context.Background(), is.mintPayload(k, `{`+base+`,"sub":"user_1"`+b.String()+`,"c3":0}`)).Err(); TokenErrorReason(err) != TokenReasonMalformed {
		t.Fatalf("a repeat after 40 members: %v", err)
	}
}

// DecodeClaims fills the verified claims from the top level only: nested
// custom claims (a JWT template's metadata, shaped by user data) cannot
// replace the subject or the session the verifier checked.
func TestDecodeClaimsVerifiedClaimsWin(t *testing.T) {
	k := newECKey(t, "k1", "ES256")
	is := newTestIssuer(t, k)
	v := is.verifier(t, nil)
	now := is.clock.Now().Unix()
	payload := fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"sub":"user_1","sid":"sess_1","organization":"org_1","plan":"free",`+
		`"SID":"sess_top_variant",`+
		`"custom_claims":{"sub":"admin","plan":"pro"},`+
		`"metadata":{"Sub":"admin2","organization":"org_evil","exp":1,"region":"eu"},`+
		`"claims":{"SID":"sess_evil","permissions":{"organization":["org:admin"]},"seats":3}}`, is.url(), now-10, now+25)
	a := v.AuthFromToken(context.Background(), is.mintPayload(k, payload))
	if !a.Authenticated() {
		t.Fatal(a.Err())
	}
	var got struct {
		Sub          string `json:"sub"`
		Sid          string `json:"sid"`
		Organization string `json:"organization"`
		Exp          int64  `json:"exp"`
		Permissions  any    `json:"permissions"`
		Plan         string `json:"plan"`
		Region       string `json:"region"`
		Seats        int    `json:"seats"`
	}
	if err := a.DecodeClaims(&got); err != nil {
		t.Fatal(err)
	}
	if got.Sub != "user_1" || got.Sid != "sess_1" || got.Organization != "org_1" || got.Exp != now+25 || got.Permissions != nil {
		t.Fatalf("a nested or case-variant claim replaced a verified one: %+v", got)
	}
	if got.Plan != "pro" || got.Region != "eu" || got.Seats != 3 {
		t.Fatalf("custom claims: %+v", got)
	}
}
