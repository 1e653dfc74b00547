package wacht

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
		cookie, query, fwd, ua string
	}
	got := make(chan seen, 10)
	var answer func(w http.ResponseWriter)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/session/token" || r.Method != "GET" {
			http.NotFound(w, r)
			return
		}
		got <- seen{r.Header.Get("Cookie"), r.URL.Query().Get(DevSessionQueryParam), r.Header.Get(ForwardedForHeader), r.Header.Get("User-Agent")}
		answer(w)
	}))
	defer srv.Close()
	v, err := NewVerifier(VerifierConfig{FrontendAPIURL: srv.URL, SessionCookieName: "__custom"})
	if err != nil {
		t.Fatal(err)
	}
	answer = func(w http.ResponseWriter) {
		w.Header().Set(DevSessionResponseHeader, "dev_next")
		w.Header().Add("Set-Cookie", "a=b")
		fmt.Fprint(w, `{"data":{"token":"tok.en.x","expires":1764158400000}}`)
	}
	res, err := v.ExchangeSession(context.Background(), SessionExchangeRequest{SessionToken: "cookieval", ForwardedFor: " 10.1.2.3 , 10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	s := <-got
	if s.cookie != "__custom=cookieval" || s.query != "" || s.fwd != "10.1.2.3" || !strings.HasPrefix(s.ua, "wacht-serverless-go/") {
		t.Fatalf("request %+v", s)
	}
	if res.Token != "tok.en.x" || !res.ExpiresAt.Equal(time.UnixMilli(1764158400000)) || res.DevelopmentSession != "dev_next" || res.SetCookie[0] != "a=b" {
		t.Fatalf("result %+v", *res)
	}
	if _, err := v.ExchangeSession(context.Background(), SessionExchangeRequest{SessionToken: "dvb_1+/=", Development: true, ForwardedFor: "not-an-ip"}); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s.cookie != "" || s.query != "dvb_1+/=" || s.fwd != "" {
		t.Fatalf("dev request %+v", s)
	}

	bad := []struct {
		name   string
		answer func(w http.ResponseWriter)
		status int
		msg    string
	}{
		{"401", func(w http.ResponseWriter) {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"errors":[{"message":"session expired cookieval"}]}`)
		}, 401, "session expired [redacted]"},
		{"500 text", func(w http.ResponseWriter) { w.WriteHeader(500); fmt.Fprint(w, "boom") }, 500, "boom"},
		{"no token", func(w http.ResponseWriter) { fmt.Fprint(w, `{"data":{}}`) }, 200, "no data.token"},
		{"not json", func(w http.ResponseWriter) { fmt.Fprint(w, `<html>`) }, 200, "no data.token"},
		{"huge", func(w http.ResponseWriter) { fmt.Fprint(w, strings.Repeat("x", maxSessionExchangeBody+10)) }, 200, "too large"},
	}
	for _, b := range bad {
		answer = b.answer
		_, err := v.ExchangeSession(context.Background(), SessionExchangeRequest{SessionToken: "cookieval"})
		<-got
		var se *SessionExchangeError
		if !errors.As(err, &se) || se.StatusCode != b.status || !strings.Contains(se.Message, b.msg) {
			t.Errorf("%s: %v", b.name, err)
		}
		if strings.Contains(err.Error(), "cookieval") {
			t.Errorf("%s: error leaks the credential: %v", b.name, err)
		}
	}
	for _, cred := range []string{"", "a;b", "a b", "a\r\nX-Evil: 1", strings.Repeat("x", maxSessionCredentialBytes+1)} {
		if _, err := v.ExchangeSession(context.Background(), SessionExchangeRequest{SessionToken: cred}); err == nil {
			t.Errorf("%q accepted", cred)
		}
	}
	srv.Close()
	_, err = v.ExchangeSession(context.Background(), SessionExchangeRequest{SessionToken: "dvb_secret", Development: true})
	var se *SessionExchangeError
	if !errors.As(err, &se) || se.StatusCode != 0 || strings.Contains(err.Error(), "dvb_secret") {
		t.Fatalf("unreachable: %v", err)
	}
}

func TestSessionExchangeRequestFromHTTP(t *testing.T) {
	r := httptest.NewRequest("GET", "/?__dev_session__=dvb_x", nil)
	r.RemoteAddr = "192.0.2.1:1234"
	r.AddCookie(&http.Cookie{Name: "__session", Value: "c"})
	if req, ok := SessionExchangeRequestFromHTTP(r, ""); !ok || !req.Development || req.SessionToken != "dvb_x" || req.ForwardedFor != "192.0.2.1" {
		t.Fatalf("%+v %v", req, ok)
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "__session", Value: "c"})
	if req, ok := SessionExchangeRequestFromHTTP(r, ""); !ok || req.Development || req.SessionToken != "c" || req.CookieName != "__session" {
		t.Fatalf("%+v %v", req, ok)
	}
	if _, ok := SessionExchangeRequestFromHTTP(httptest.NewRequest("GET", "/", nil), ""); ok {
		t.Fatal("found a credential on an empty request")
	}
}
