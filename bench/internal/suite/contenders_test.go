package suite

import (
	"bytes"
	"strings"
	"testing"
)

// TestAdapterContendersAnswerAlike checks that the comparison is fair: for
// every scenario, every contender answers the same status, content type and
// body, the one the workload defines.
func TestAdapterContendersAnswerAlike(t *testing.T) {
	ctx := InvokeContext()
	for _, s := range Scenarios() {
		want := ExpectedAnswer(s)
		hs := AdapterHandlers(s.Version)
		if len(hs) != len(AdapterContenderNames) {
			t.Fatalf("%s: %d contenders, want %d", s.Name, len(hs), len(AdapterContenderNames))
		}
		for _, name := range AdapterContenderNames {
			out, err := hs[name].Invoke(ctx, s.Payload)
			if err != nil {
				t.Errorf("%s/%s: %v", s.Name, name, err)
				continue
			}
			got, err := DecodeAnswer(out)
			if err != nil {
				t.Errorf("%s/%s: %v", s.Name, name, err)
				continue
			}
			if got.Status != want.Status || got.ContentType != want.ContentType || !bytes.Equal(got.Body, want.Body) {
				t.Errorf("%s/%s: answered %d %q %.80q, want %d %q %.80q", s.Name, name,
					got.Status, got.ContentType, got.Body, want.Status, want.ContentType, want.Body)
			}
		}
	}
}

func TestScenarioShapes(t *testing.T) {
	ss := Scenarios()
	if len(ss) != 6 {
		t.Fatalf("%d scenarios", len(ss))
	}
	for _, s := range ss {
		switch s.Workload {
		case "get":
			// A dozen headers and three query parameters.
			if n := strings.Count(string(s.Payload), `"x-forwarded-proto"`) + strings.Count(string(s.Payload), `"X-Forwarded-Proto"`); n == 0 {
				t.Errorf("%s: headers missing", s.Name)
			}
			if !strings.Contains(string(s.Payload), `"cursor":`) {
				t.Errorf("%s: query missing", s.Name)
			}
		case "post-4k":
			if len(jsonBody) != 4096 || !strings.Contains(string(s.Payload), `"POST"`) {
				t.Errorf("%s: body %d bytes", s.Name, len(jsonBody))
			}
		}
	}
	if len(getHeaders) != 12 || len(getQuery) != 3 || len(blob) != 64<<10 {
		t.Errorf("workload sizes: %d headers, %d params, %d bytes", len(getHeaders), len(getQuery), len(blob))
	}
}

// TestAuthContendersAgree checks that every authentication contender
// accepts the token and extracts the same identity, and that each rejects
// the token with a flipped signature bit (so none of them skips
// verification).
func TestAuthContendersAgree(t *testing.T) {
	f, err := NewAuthFixture()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := f.AuthFloor()
	if err != nil || want.UserID == "" || len(want.OrganizationPermissions) != 3 {
		t.Fatalf("floor: %+v %v", want, err)
	}
	ops := f.AuthOps()
	if len(ops) != len(AuthContenderNames) {
		t.Fatalf("%d contenders", len(ops))
	}
	for _, name := range AuthContenderNames {
		got, err := ops[name]()
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %+v, %v; want %+v", name, got, err, want)
		}
	}
	good := f.Token
	sig := []byte(good[strings.LastIndexByte(good, '.')+1:])
	sig[10] ^= 'A' ^ 'B'
	if sig[10] == good[strings.LastIndexByte(good, '.')+1+10] {
		t.Fatal("tamper did nothing")
	}
	f.Token = good[:strings.LastIndexByte(good, '.')+1] + string(sig)
	f.Request.Header.Set("Authorization", "Bearer "+f.Token)
	for _, name := range AuthContenderNames {
		if _, err := ops[name](); err == nil {
			t.Errorf("%s accepted a tampered token", name)
		}
	}
	if n := f.JWKSFetches(); n != 1 {
		t.Errorf("%d JWKS fetches, want 1 (the kit's warm cache)", n)
	}
}
