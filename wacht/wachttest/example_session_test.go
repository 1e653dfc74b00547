package wachttest_test

import (
	"fmt"
	"net/http"

	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// A production instance's frontend API refreshes an expired session JWT
// while it exchanges it, and sends the new one in Set-Cookie.
func ExampleServer_ExpireSession() {
	s, err := wachttest.NewServer(wachttest.Options{Production: true})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	sess := s.NewSession(wachttest.TokenOptions{UserID: "user_1"})
	s.ExpireSession(sess.ID)

	req, _ := http.NewRequest("GET", s.FrontendURL+"/session/token", nil)
	req.AddCookie(&http.Cookie{Name: "__session", Value: sess.Cookie})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	c, _ := http.ParseSetCookie(res.Header.Get("Set-Cookie"))
	fmt.Println(res.StatusCode, c.Name, c.Value == s.CurrentSessionJWT(sess.ID), c.Value != sess.Cookie)
	fmt.Println("exchanges:", s.Stats().SessionExchanges)
	// Output:
	// 200 __session true true
	// exchanges: 1
}
