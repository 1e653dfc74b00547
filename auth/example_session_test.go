package auth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// A browser request that carries only the __session cookie: the verifier
// exchanges the cookie at the frontend API (here the offline emulator),
// verifies the token it gets and caches it, so the second request costs no
// exchange. A handler relays the update (a refreshed cookie) to the browser.
func ExampleVerifier_AuthenticateWithUpdate() {
	emu, err := wachttest.NewServer(wachttest.Options{})
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	sess := emu.NewSession(wachttest.TokenOptions{UserID: "user_1", OrganizationPermissions: []string{"docs:read"}})

	v, err := auth.NewVerifier(auth.VerifierConfig{
		PublishableKey:    emu.PublishableKey,
		SessionCookieName: auth.DefaultSessionCookie, // browser sessions are off unless named
	})
	if err != nil {
		panic(err)
	}
	handle := func(w http.ResponseWriter, r *http.Request) {
		a, update := v.AuthenticateWithUpdate(r)
		for _, c := range update.SetCookie {
			w.Header().Add("Set-Cookie", c)
		}
		fmt.Println(a.UserID, a.Has(auth.ProtectOptions{AnyPermission: []string{"docs:read"}}))
	}
	for range 2 {
		r := httptest.NewRequest("GET", "/docs", nil)
		r.AddCookie(&http.Cookie{Name: "__session", Value: sess.Cookie})
		handle(httptest.NewRecorder(), r)
	}
	// A cross-site POST carrying only the cookie is never authenticated.
	r := httptest.NewRequest("POST", "/docs", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.AddCookie(&http.Cookie{Name: "__session", Value: sess.Cookie})
	fmt.Println(auth.TokenErrorReason(v.Authenticate(r).Err()))
	fmt.Println("exchanges:", emu.Stats().SessionExchanges)
	// Output:
	// user_1 true
	// user_1 true
	// cross_site_request
	// exchanges: 1
}
