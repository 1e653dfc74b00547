package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestExchangeSessionWire(t *testing.T) {
	type seen struct {
		cookie, query, fwd, ua, tpl string
	}
	got := make(chan seen, 10)
	var answer func(w http.ResponseWriter)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/session/token" || r.Method != "GET" {
			http.NotFound(w, r)
			return
		}
		got <- seen{r.Header.Get("Cookie"), r.URL.Query().Get(DevSessionQueryParam), r.Header.Get(ForwardedForHeader), r.Header.Get("User-Agent"), r.URL.Query().Get("template")}
		answer(w)
	}))
	defer srv.Close()
	// The app may read its own cookie name; the frontend API only ever
	// reads __session, so that is what is sent.
	v, err := NewVerifier(VerifierConfig{FrontendAPIURL: srv.URL, SessionCookieName: "__custom"})
	if err != nil {
		t.Fatal(err)
	}
	answer = func(w http.ResponseWriter) {
		w.Header().Set(DevSessionResponseHeader, "dev_next")
		w.Header().Add("Set-Cookie", "a=b")
		fmt.Fprint(w, `{"status":200,"message":"","data":{"token":"tok.en.x","expires":1764158400000},"session":{"id":"1"},"errors":null}`)
	}
	res, err := v.ExchangeSession(context.Background(), SessionExchangeRequest{SessionToken: "cookieval", ForwardedFor: " 10.1.2.3 , 10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	s := <-got
	if s.cookie != "__session=cookieval" || s.query != "" || s.fwd != "10.1.2.3" || !strings.HasPrefix(s.ua, "wacht-serverless-go/") {
		t.Fatalf("request %+v", s)
	}
	if res.Token != "tok.en.x" || !res.ExpiresAt.Equal(time.UnixMilli(1764158400000)) || res.DevelopmentSession != "dev_next" || res.SetCookie[0] != "a=b" {
		t.Fatalf("result %+v", *res)
	}
	if _, err := v.ExchangeSession(context.Background(), SessionExchangeRequest{SessionToken: "dvb_1+/=", Development: true, ForwardedFor: "not-an-ip"}); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s.cookie != "" || s.query != "dvb_1+/=" || s.fwd != "" || s.tpl != "" {
		t.Fatalf("dev request %+v", s)
	}
	if _, err := v.ExchangeSession(context.Background(), SessionExchangeRequest{SessionToken: "c", Template: "my tpl&x=1"}); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s.tpl != "my tpl&x=1" || s.cookie != "__session=c" {
		t.Fatalf("template request %+v", s)
	}

	bad := []struct {
		name   string
		answer func(w http.ResponseWriter)
		kind   SessionExchangeFailure
		status int
		msg    string
	}{
		{"no active sign in", func(w http.ResponseWriter) {
			w.Header().Add("Set-Cookie", "__session=new; HttpOnly")
			w.WriteHeader(400)
			fmt.Fprint(w, `{"status":400,"message":"No active sign in","data":null,"session":null,"errors":null}`)
		}, SessionSignedOut, 400, "No active sign in"},
		{"401 echoing the credential", func(w http.ResponseWriter) {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"errors":[{"message":"session expired cookieval"}]}`)
		}, SessionSignedOut, 401, "session expired [redacted]"},
		{"session gone", func(w http.ResponseWriter) { w.WriteHeader(404); fmt.Fprint(w, `{"message":"Session not found"}`) }, SessionSignedOut, 404, "Session not found"},
		{"rate limited", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
			fmt.Fprint(w, `{"status":429,"message":"Too many token exchange requests. Please try again later.","errors":[{"code":"TOO_MANY_REQUESTS","message":"x"}]}`)
		}, SessionRateLimited, 429, "Too many token exchange requests"},
		{"500 text", func(w http.ResponseWriter) { w.WriteHeader(500); fmt.Fprint(w, "boom") }, SessionUnavailable, 500, "boom"},
		{"502 html", func(w http.ResponseWriter) { w.WriteHeader(502); fmt.Fprint(w, "<html>bad gateway</html>") }, SessionUnavailable, 502, "bad gateway"},
		{"no token", func(w http.ResponseWriter) { fmt.Fprint(w, `{"data":{}}`) }, SessionBadAnswer, 200, "no data.token"},
		{"null data", func(w http.ResponseWriter) { fmt.Fprint(w, `{"data":null}`) }, SessionBadAnswer, 200, "no data.token"},
		{"token not a JWT", func(w http.ResponseWriter) { fmt.Fprint(w, `{"data":{"token":"abc"}}`) }, SessionBadAnswer, 200, "not a compact JWT"},
		{"not json", func(w http.ResponseWriter) { fmt.Fprint(w, `<html>`) }, SessionBadAnswer, 200, "no data.token"},
		{"huge", func(w http.ResponseWriter) { fmt.Fprint(w, strings.Repeat("x", maxSessionExchangeBody+10)) }, SessionBadAnswer, 200, "larger than"},
	}
	for _, b := range bad {
		answer = b.answer
		_, err := v.ExchangeSession(context.Background(), SessionExchangeRequest{SessionToken: "cookieval"})
		<-got
		var se *SessionExchangeError
		if !errors.As(err, &se) || se.Kind != b.kind || se.StatusCode != b.status || !strings.Contains(se.Message, b.msg) {
			t.Errorf("%s: %v", b.name, err)
			continue
		}
		if se.SignedOut() != (b.kind == SessionSignedOut) {
			t.Errorf("%s: SignedOut() = %v", b.name, se.SignedOut())
		}
		if strings.Contains(err.Error(), "cookieval") {
			t.Errorf("%s: error leaks the credential: %v", b.name, err)
		}
		if b.kind == SessionRateLimited && se.RetryAfter != 7*time.Second {
			t.Errorf("%s: retry after %v", b.name, se.RetryAfter)
		}
		if b.name == "no active sign in" && (len(se.SetCookie) != 1 || !strings.HasPrefix(se.SetCookie[0], "__session=new")) {
			t.Errorf("%s: Set-Cookie of the failed answer lost: %q", b.name, se.SetCookie)
		}
	}
	for _, cred := range []string{"", "a;b", "a b", "a\r\nX-Evil: 1", strings.Repeat("x", maxSessionCredentialBytes+1)} {
		_, err := v.ExchangeSession(context.Background(), SessionExchangeRequest{SessionToken: cred})
		var se *SessionExchangeError
		if !errors.As(err, &se) || se.Kind != SessionBadCredential {
			t.Errorf("%q: %v", cred, err)
		}
	}
	srv.Close()
	_, err = v.ExchangeSession(context.Background(), SessionExchangeRequest{SessionToken: "dvb_secret", Development: true})
	var se *SessionExchangeError
	if !errors.As(err, &se) || se.Kind != SessionUnavailable || se.StatusCode != 0 || strings.Contains(err.Error(), "dvb_secret") {
		t.Fatalf("unreachable: %v", err)
	}
}

func TestSessionExchangeRequestFromHTTP(t *testing.T) {
	// The session cookie first: it is what production instances use.
	r := httptest.NewRequest("GET", "/?__dev_session__=dvb_x", nil)
	r.RemoteAddr = "192.0.2.1:1234"
	r.AddCookie(&http.Cookie{Name: "__session", Value: "c"})
	if req, ok := SessionExchangeRequestFromHTTP(r, ""); !ok || req.Development || req.SessionToken != "c" || req.ForwardedFor != "192.0.2.1" {
		t.Fatalf("%+v %v", req, ok)
	}
	// Then the development session from the query string, then from the
	// cookie the browser SDK writes URL-encoded.
	r = httptest.NewRequest("GET", "/?__dev_session__=dvb_x", nil)
	r.AddCookie(&http.Cookie{Name: DevSessionCookie, Value: "dvb_cookie"})
	if req, ok := SessionExchangeRequestFromHTTP(r, ""); !ok || !req.Development || req.SessionToken != "dvb_x" {
		t.Fatalf("%+v %v", req, ok)
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: DevSessionCookie, Value: "a.b%2Bc"})
	if req, ok := SessionExchangeRequestFromHTTP(r, ""); !ok || !req.Development || req.SessionToken != "a.b+c" {
		t.Fatalf("%+v %v", req, ok)
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "other", Value: "c"})
	if req, ok := SessionExchangeRequestFromHTTP(r, "other"); !ok || req.SessionToken != "c" {
		t.Fatalf("custom name: %+v %v", req, ok)
	}
	if _, ok := SessionExchangeRequestFromHTTP(httptest.NewRequest("GET", "/", nil), ""); ok {
		t.Fatal("found a credential on an empty request")
	}
}
