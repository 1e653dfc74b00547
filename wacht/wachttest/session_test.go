package wachttest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func sessionExchange(t *testing.T, s *Server, cookie, dev string) (int, http.Header, map[string]any) {
	t.Helper()
	return sessionExchangeQuery(t, s, cookie, dev, "")
}

func sessionExchangeQuery(t *testing.T, s *Server, cookie, dev, template string) (int, http.Header, map[string]any) {
	t.Helper()
	q := url.Values{}
	if dev != "" {
		q.Set("__dev_session__", dev)
	}
	if template != "" {
		q.Set("template", template)
	}
	u := s.FrontendURL + "/session/token"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "__session", Value: cookie})
	}
	req.Header.Set("X-Wacht-Forwarded-For", "203.0.113.7")
	c := &client{t: t, s: s, hc: http.DefaultClient}
	return c.send(req)
}

// jwtParts decodes the header and claims of a compact JWT without
// verifying it.
func jwtParts(t *testing.T, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWT: %d parts", len(parts))
	}
	for i, out := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

// frontendEnvelope checks the frontend API's answer shape and returns it.
func frontendEnvelope(t *testing.T, code int, body map[string]any, wantStatus int, wantMessage, sessionID string) map[string]any {
	t.Helper()
	if code != wantStatus || body["status"] != float64(wantStatus) || body["message"] != wantMessage {
		t.Fatalf("status %d, body %v; want %d %q", code, body, wantStatus, wantMessage)
	}
	if _, ok := body["errors"]; !ok || body["errors"] != nil {
		t.Fatalf("errors member: %v", body)
	}
	sess, _ := body["session"].(map[string]any)
	if sess == nil || (sessionID != "" && sess["id"] != sessionID) {
		t.Fatalf("session member %v, want id %q", body["session"], sessionID)
	}
	return body
}

func TestSessionCookieIsASessionJWT(t *testing.T) {
	s := newChecked(t, Options{})
	sess := s.NewSession(TokenOptions{UserID: "u_1"})
	if sess.Cookie != sess.DevSession {
		t.Fatal("the cookie and the development session are the same session JWT at the frontend API")
	}
	header, claims := jwtParts(t, sess.Cookie)
	if header["alg"] != "ES256" || header["typ"] != "JWT" {
		t.Errorf("header %v", header)
	}
	if claims["sess"] != sess.ID || claims["iss"] != s.FrontendURL {
		t.Errorf("claims %v", claims)
	}
	if rt, ok := claims["rotating_token"].(string); !ok || rt == "" {
		t.Errorf("rotating_token %v: a decimal string at the frontend API", claims["rotating_token"])
	}
	for _, absent := range []string{"sub", "sid", "jti"} {
		if _, ok := claims[absent]; ok {
			t.Errorf("a session JWT has no %q: %v", absent, claims)
		}
	}
	if life := claims["exp"].(float64) - claims["iat"].(float64); life != 6*3600 {
		t.Errorf("session JWT lifetime %v s, want six hours", life)
	}
	if _, err := verify(t, fetchJWKS(t, s), sess.Cookie); err != nil {
		t.Errorf("session JWT does not verify with the deployment's key: %v", err)
	}
}

func TestSessionTokenExchange(t *testing.T) {
	s := newChecked(t, Options{SessionTokenLifetime: 2 * time.Minute})
	set := fetchJWKS(t, s)
	sess := s.NewSession(TokenOptions{UserID: "u_9", OrganizationID: "org_9", OrganizationPermissions: []string{"a"}})

	code, hdr, body := sessionExchange(t, s, sess.Cookie, "")
	data, _ := frontendEnvelope(t, code, body, 200, "", sess.ID)["data"].(map[string]any)
	tok, _ := data["token"].(string)
	claims, err := verify(t, set, tok)
	if err != nil {
		t.Fatal(err)
	}
	if claims["sub"] != "u_9" || claims["sid"] != sess.ID || claims["organization"] != "org_9" {
		t.Errorf("exchanged claims %v", claims)
	}
	// exp carries the template's clock skew; "expires" does not.
	if life := claims["exp"].(float64) - claims["iat"].(float64); life != 125 {
		t.Errorf("exp - iat = %v, want SessionTokenLifetime + 5 s", life)
	}
	if exp, _ := data["expires"].(float64); int64(exp) != (int64(claims["exp"].(float64))-5)*1000 {
		t.Errorf("expires %v ms, exp %v s", data["expires"], claims["exp"])
	}
	if hdr.Get("X-Development-Session") != "" || hdr.Get("Set-Cookie") != "" {
		t.Errorf("a valid session JWT was replaced: %v", hdr)
	}
	if got := s.SessionForwardedFor(sess.ID); got != "203.0.113.7" {
		t.Errorf("forwarded-for %q", got)
	}

	// The development flow carries the same JWT in the query string and
	// does not rotate it while it is valid.
	code, hdr, body = sessionExchange(t, s, "", sess.DevSession)
	frontendEnvelope(t, code, body, 200, "", sess.ID)
	if hdr.Get("X-Development-Session") != "" {
		t.Fatal("a valid development session was rotated")
	}
	// Once the session JWT has expired, the exchange refreshes it and
	// hands the new one back; the old one still works, without another
	// refresh.
	s.ExpireSession(sess.ID)
	code, hdr, body = sessionExchange(t, s, "", sess.DevSession)
	frontendEnvelope(t, code, body, 200, "", sess.ID)
	next := hdr.Get("X-Development-Session")
	if next == "" || next == sess.DevSession || s.CurrentSessionJWT(sess.ID) != next {
		t.Fatalf("expired session JWT not refreshed: %q", next)
	}
	if _, c := jwtParts(t, next); c["sess"] != sess.ID {
		t.Fatalf("refreshed JWT for another session: %v", c)
	}
	for _, cred := range []string{sess.DevSession, next} {
		code, hdr, body = sessionExchange(t, s, "", cred)
		frontendEnvelope(t, code, body, 200, "", sess.ID)
		if hdr.Get("X-Development-Session") != "" {
			t.Fatal("refreshed again")
		}
	}

	// A template the deployment does not have.
	code, _, body = sessionExchangeQuery(t, s, sess.Cookie, "", "custom")
	frontendEnvelope(t, code, body, 404, "Template not found", sess.ID)
	code, _, body = sessionExchangeQuery(t, s, sess.Cookie, "", "default")
	frontendEnvelope(t, code, body, 200, "", sess.ID)

	// Signed out: the session remains, with no active sign-in.
	s.RevokeSession(sess.ID)
	code, hdr, body = sessionExchange(t, s, sess.Cookie, "")
	frontendEnvelope(t, code, body, 400, "No active sign in", sess.ID)
	if hdr.Get("X-Development-Session") != "" {
		t.Error("signed-out session replaced")
	}
	if got := s.Stats().SessionExchanges; got != 8 {
		t.Errorf("SessionExchanges = %d, want 8", got)
	}
}

func TestSessionTokenWithoutAUsableSession(t *testing.T) {
	s := newChecked(t, Options{})
	// No session, or one that does not verify: a new anonymous session,
	// sent back, and nobody signed in to it.
	for _, cred := range []string{"", "garbage", s.NewSession(TokenOptions{}).Cookie + "x"} {
		code, hdr, body := sessionExchange(t, s, cred, "")
		frontendEnvelope(t, code, body, 400, "No active sign in", "")
		anon := hdr.Get("X-Development-Session")
		if anon == "" {
			t.Fatalf("%q: no new session JWT", cred)
		}
		if _, c := jwtParts(t, anon); c["sess"] == "" || c["sub"] != nil {
			t.Fatalf("anonymous session JWT %v", c)
		}
		// The anonymous session is known from then on.
		code, hdr, body = sessionExchange(t, s, anon, "")
		frontendEnvelope(t, code, body, 400, "No active sign in", "")
		if hdr.Get("X-Development-Session") != "" {
			t.Fatal("anonymous session replaced again")
		}
	}
}

func TestSessionTokenProduction(t *testing.T) {
	s := newChecked(t, Options{Production: true})
	if !strings.HasPrefix(s.PublishableKey, "pk_live_") {
		t.Fatalf("publishable key %q", s.PublishableKey)
	}
	sess := s.NewSession(TokenOptions{UserID: "u_2"})
	s.ExpireSession(sess.ID)
	code, hdr, body := sessionExchange(t, s, sess.Cookie, "")
	frontendEnvelope(t, code, body, 200, "", sess.ID)
	sc := hdr.Values("Set-Cookie")
	if len(sc) != 1 || hdr.Get("X-Development-Session") != "" {
		t.Fatalf("refresh on a production instance: %v", hdr)
	}
	c, err := http.ParseSetCookie(sc[0])
	if err != nil || c.Name != "__session" || c.Value != s.CurrentSessionJWT(sess.ID) || c.Value == sess.Cookie || !c.HttpOnly || !c.Secure || c.Expires.IsZero() {
		t.Fatalf("Set-Cookie %q: %+v %v", sc[0], c, err)
	}
	// Production instances do not read ?__dev_session__.
	code, hdr, body = sessionExchange(t, s, "", c.Value)
	frontendEnvelope(t, code, body, 400, "No active sign in", "")
	if len(hdr.Values("Set-Cookie")) != 1 {
		t.Fatalf("new anonymous session not set: %v", hdr)
	}
}
