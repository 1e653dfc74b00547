package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary tokens to a warm verifier: it must never panic,
// never authenticate anything but the one genuine token, and never put the
// token's signature into its error.
func FuzzVerify(f *testing.F) {
	k := newECKey(f, "k1", "ES256")
	is := newTestIssuer(f, k)
	v := is.verifier(f, nil)
	good := is.mint(k, nil, nil)
	// Wacht's own tokens carry no kid.
	goodNoKid := is.mint(k, nil, map[string]any{"kid": nil})
	f.Add(good)
	f.Add(goodNoKid)
	f.Add(is.mint(k, nil, map[string]any{"crit": []string{"x"}}))
	f.Add(is.mint(k, nil, map[string]any{"kid": "other"}))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Add(strings.Repeat(".", 10))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, tok string) {
		a := v.AuthFromToken(ctx, tok)
		if a.Authenticated() {
			if tok != good && tok != goodNoKid {
				// Only re-encodings that decode to the same bytes could
				// pass, and strict base64 rules those out.
				t.Fatalf("authenticated a token other than the genuine ones: %q", tok)
			}
			return
		}
		if i := strings.LastIndexByte(tok, '.'); i >= 0 && len(tok)-i > 16 && strings.Contains(a.Err().Error(), tok[i+1:]) {
			t.Fatal("error contains the signature segment")
		}
	})
}

// FuzzFrontendAPIURL: never panics; any accepted key yields a clean origin.
func FuzzFrontendAPIURL(f *testing.F) {
	f.Add("pk_test_aHR0cHM6Ly9mYXBpLmV4YW1wbGUud2FjaHQuZGV2")
	f.Add("pk_live_aHR0cDovLzEyNy4wLjAuMTo4MDgw")
	f.Add("pk_test_")
	f.Fuzz(func(t *testing.T, key string) {
		u, err := FrontendAPIURL(key)
		if err != nil {
			return
		}
		if strings.HasSuffix(u, "/") || strings.ContainsAny(u, " ?#@\r\n") || !(strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) {
			t.Fatalf("accepted %q -> %q", key, u)
		}
	})
}

// FuzzWebhookVerify: never panics, and only the genuine signature verifies.
func FuzzWebhookVerify(f *testing.F) {
	w, err := NewWebhookVerifier(standardWebhooksVector.secret)
	if err != nil {
		f.Fatal(err)
	}
	sent := time.Unix(standardWebhooksVector.timestamp, 0)
	w.Now = func() time.Time { return sent }
	f.Add(standardWebhooksVector.msgID, "1614265330", standardWebhooksVector.signature, []byte(standardWebhooksVector.payload))
	f.Add("id", "x", "v1,,, v2", []byte("{}"))
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(WebhookIDHeader, id)
		h.Set(WebhookTimestampHeader, ts)
		h.Set(WebhookSignatureHeader, sig)
		if _, err := w.Verify(h, body); err == nil {
			if h.Get(WebhookSignatureHeader) == "" || !strings.Contains(sig, w.SignWebhook(h.Get(WebhookIDHeader), sent, body)[3:]) {
				t.Fatalf("verified without the genuine signature")
			}
		}
	})
}

// parseJWSHeaderReference is a straightforward json.Decoder implementation
// of the header rules, used to cross-check the allocation-free parser.
func parseJWSHeaderReference(b []byte) (jwsHeader, bool) {
	var h jwsHeader
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return h, false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return h, false
		}
		name, _ := tok.(string)
		if seen[name] || len(seen) == maxHeaderParameters {
			return h, false
		}
		seen[name] = true
		h.paramCount++
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return h, false
		}
		switch name {
		case "alg", "kid", "typ":
			var s string
			if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
				return h, false
			}
			switch name {
			case "alg":
				h.alg, h.hasAlg = s, true
			case "kid":
				h.kid = s
			case "typ":
				h.typNotJWT = !strings.EqualFold(s, "JWT") && !strings.EqualFold(s, "application/jwt")
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
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return h, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return h, false
	}
	return h, true
}

func FuzzParseJWSHeader(f *testing.F) {
	for _, s := range []string{
		`{"alg":"ES256","kid":"k1","typ":"JWT"}`, `{}`, ` { "alg" : "none" } `, `{"alg":"a","alg":"b"}`,
		`{"\u0061lg":"ES256"}`, `{"crit":["x"],"x":{"a":[1,"}"]}}`, `{"alg":1}`, `{"alg":"ES256"}{}`, `[1]`,
		`{"kid":"a\"b","jwk":{"kty":"EC"},"b64":false,"cty":"JWT","x5c":["a"]}`, `{"alg":"\xff"}`, `{"a":null,"b":true,"c":-1.5e3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, terr := parseJWSHeader(b)
		want, ok := parseJWSHeaderReference(b)
		if ok != (terr == nil) {
			t.Fatalf("%q: fast ok=%v (%v), reference ok=%v", b, terr == nil, terr, ok)
		}
		if ok && got != want {
			t.Fatalf("%q: fast %+v, reference %+v", b, got, want)
		}
	})
}

// The claims decoder reads string lists by hand; on any valid JSON it must
// agree with encoding/json decoding into a []string.
func FuzzStringsClaim(f *testing.F) {
	for _, s := range []string{
		`[]`, ` [ ] `, `["a","b"]`, `[ "a" , null , "c" ]`, `["\u00e9\"x"]`, `["\xff"]`, `[1]`, `["a",["b"]]`,
		`[{"a":"b"}]`, `[true]`, `null`, `"a"`, `{"a":1}`, `["a",]`, `["",""]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return // the decoder runs on payloads json.Valid accepted
		}
		b = bytes.TrimSpace(b)
		got, err := stringsClaim(b)
		var want []string
		werr := json.Unmarshal(b, &want)
		if string(b) == "null" {
			if got != nil || err != nil {
				t.Fatalf("null: %q %v", got, err)
			}
			return
		}
		if werr != nil || b[0] != '[' {
			if err == nil {
				t.Fatalf("%q: decoded %q; encoding/json: %v", b, got, werr)
			}
			return
		}
		if err != nil || !slices.Equal(got, want) || got == nil {
			t.Fatalf("%q: %q %v; encoding/json %q", b, got, err, want)
		}
	})
}
