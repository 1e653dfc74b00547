package auth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// emulator starts an offline Wacht for the examples.
func emulator() *wachttest.Server {
	s, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		log.Fatal(err)
	}
	return s
}

func ExampleFrontendAPIURL() {
	pk := "pk_test_" + base64.StdEncoding.EncodeToString([]byte("https://fapi.example.wacht.dev"))
	u, err := auth.FrontendAPIURL(pk)
	fmt.Println(u, err)

	_, err = auth.FrontendAPIURL("pk_prod_abc")
	fmt.Println(err)
	// Output:
	// https://fapi.example.wacht.dev <nil>
	// wacht: invalid publishable key: missing pk_test_ or pk_live_ prefix
}

func ExampleNewVerifier() {
	s := emulator()
	defer s.Close()

	// No network here: the key set is fetched by the first verification.
	v, err := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.FrontendAPIURL() == s.FrontendURL, v.Stats().Fetches)

	_, err = auth.NewVerifier(auth.VerifierConfig{})
	var ce *wacht.ConfigError
	fmt.Println(errors.As(err, &ce), ce.Field)
	// Output:
	// true 0
	// true PublishableKey
}

func ExampleVerifier_Authenticate() {
	s := emulator()
	defer s.Close()
	v, err := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey})
	if err != nil {
		log.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := v.Authenticate(r)
		if err := a.Protect(auth.ProtectOptions{AnyPermission: []string{"invoices:read"}}); err != nil {
			var ae *auth.AuthError
			status := http.StatusForbidden
			if errors.As(err, &ae) && ae.Unauthenticated() {
				status = http.StatusUnauthorized
			}
			http.Error(w, ae.Code, status)
			return
		}
		fmt.Fprintf(w, "hello %s", a.UserID)
	})

	tok, _ := s.MintToken(wachttest.TokenOptions{UserID: "user_123", OrganizationID: "org_1",
		OrganizationPermissions: []string{"invoices:read"}})
	for _, header := range []string{"Bearer " + tok, ""} {
		r := httptest.NewRequest("GET", "/invoices", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, string(bytes.TrimSpace(w.Body.Bytes())))
	}
	// Output:
	// 200 hello user_123
	// 401 unauthenticated
}

func ExampleVerifier_AuthFromToken() {
	s := emulator()
	defer s.Close()
	v, _ := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey})

	tok, _ := s.MintToken(wachttest.TokenOptions{UserID: "user_1", SessionID: "sess_1"})
	a := v.AuthFromToken(context.Background(), tok)
	fmt.Println(a.Authenticated(), a.UserID, a.SessionID)

	expired, _ := s.MintToken(wachttest.TokenOptions{IssuedAt: time.Now().Add(-time.Hour)})
	a = v.AuthFromToken(context.Background(), expired)
	fmt.Println(a.Authenticated(), auth.TokenErrorReason(a.Err()))
	// Output:
	// true user_1 sess_1
	// false expired
}

func ExampleVerifier_Verify() {
	s := emulator()
	defer s.Close()
	v, _ := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey})

	tok, _ := s.MintToken(wachttest.TokenOptions{UserID: "user_1", WorkspaceID: "ws_1"})
	claims, err := v.Verify(context.Background(), tok)
	fmt.Println(claims.Subject, claims.WorkspaceID, claims.Issuer == s.FrontendURL, err)

	_, err = v.Verify(context.Background(), "not-a-token")
	var te *auth.TokenError
	fmt.Println(errors.As(err, &te), te.Reason)
	// Output:
	// user_1 ws_1 true <nil>
	// true malformed
}

func ExampleAuth_Protect() {
	a := &auth.Auth{UserID: "user_1", OrganizationID: "org_1", OrganizationPermissions: []string{"docs:read"}}

	fmt.Println(a.Protect(auth.ProtectOptions{AnyPermission: []string{"docs:read", "docs:write"}}))

	err := a.Protect(auth.ProtectOptions{OrganizationID: "org_2"})
	var ae *auth.AuthError
	errors.As(err, &ae)
	fmt.Println(ae.Code, ae.Unauthenticated())

	var anonymous *auth.Auth
	err = anonymous.Protect(auth.ProtectOptions{RedirectURL: "https://app.example/sign-in"})
	errors.As(err, &ae)
	fmt.Println(ae.Code, ae.Unauthenticated(), ae.RedirectURL)
	// Output:
	// <nil>
	// forbidden false
	// unauthenticated true https://app.example/sign-in
}

func ExampleAuth_Has() {
	a := &auth.Auth{UserID: "user_1", WorkspaceID: "ws_1", WorkspacePermissions: []string{"deploy"}}
	fmt.Println(a.Has(auth.ProtectOptions{AnyPermission: []string{"deploy"}}))
	fmt.Println(a.Has(auth.ProtectOptions{WorkspaceID: "ws_2"}))
	fmt.Println((*auth.Auth)(nil).Has(auth.ProtectOptions{}))
	// Output:
	// true
	// false
	// false
}

func ExampleAuth_DecodeClaims() {
	s := emulator()
	defer s.Close()
	v, _ := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey})
	tok, _ := s.MintToken(wachttest.TokenOptions{Claims: map[string]any{
		"custom_claims": map[string]any{"plan": "pro", "seats": 5},
	}})

	var custom struct {
		Plan  string `json:"plan"`
		Seats int    `json:"seats"`
	}
	err := v.AuthFromToken(context.Background(), tok).DecodeClaims(&custom)
	fmt.Println(custom.Plan, custom.Seats, err)
	// Output: pro 5 <nil>
}

func ExampleAuth_ForwardedHeaderValue() {
	a := &auth.Auth{UserID: "user_1", OrganizationID: "org_1", OrganizationPermissions: []string{"a"}}
	fmt.Println(a.ForwardedHeaderValue())
	// Output:
	// {"userId":"user_1","sessionId":null,"organizationId":"org_1","workspaceId":null,"organizationPermissions":["a"],"workspacePermissions":[]}
}

func ExampleAuthFromForwardedHeader() {
	// Only inside one trust boundary: the value is not signed.
	a := auth.AuthFromForwardedHeader(`{"userId":"user_1","organizationPermissions":["a"]}`)
	fmt.Println(a.UserID, a.Has(auth.ProtectOptions{AnyPermission: []string{"a"}}))
	// Output: user_1 true
}

func ExampleForwardedAuthSigner() {
	secret := []byte("a shared secret of at least 32 bytes!!")
	signer, err := auth.NewForwardedAuthSigner(secret)
	if err != nil {
		log.Fatal(err)
	}
	value, _ := signer.Sign(&auth.Auth{UserID: "user_1"})

	// Downstream, with the same secret (or VerifierConfig.ForwardedAuthSecret,
	// which makes Authenticate accept the signed header).
	a, err := signer.Verify(value)
	fmt.Println(a.UserID, err)

	_, err = signer.Verify(`{"userId":"admin"}`)
	fmt.Println(auth.TokenErrorReason(err))
	// Output:
	// user_1 <nil>
	// forwarded_auth_invalid
}

func ExampleVerifier_ExchangeSession() {
	s := emulator()
	defer s.Close()
	v, _ := auth.NewVerifier(auth.VerifierConfig{PublishableKey: s.PublishableKey})
	sess := s.NewSession(wachttest.TokenOptions{UserID: "user_1"})

	res, err := v.ExchangeSession(context.Background(), auth.SessionExchangeRequest{
		SessionToken: sess.Cookie,
		ForwardedFor: "203.0.113.7",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.AuthFromToken(context.Background(), res.Token).UserID, res.ExpiresAt.After(time.Now()))
	// Output: user_1 true
}

func ExampleGateway_Check() {
	s := emulator()
	defer s.Close()
	key, _ := s.CreateAPIKey(wachttest.APIKeyOptions{Permissions: []string{"reports:read"}})

	g, err := auth.NewGateway(auth.GatewayConfig{URL: s.GatewayURL})
	if err != nil {
		log.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/reports/7", nil)
	r.Header.Set("X-Api-Key", key.Secret)
	req, ok := auth.CheckRequestFromHTTP(r, "reports:read")
	if !ok {
		log.Fatal("no machine credential")
	}
	d, err := g.Check(context.Background(), req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Allowed, d.Reason, d.Identity.KeyID == key.ID)

	req.RequiredPermissions = []string{"reports:delete"}
	d, _ = g.Check(context.Background(), req)
	fmt.Println(d.Allowed, d.Reason)
	// Output:
	// true  true
	// false permission_denied
}

func ExamplePrincipalFromRequest() {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer oat_opaque_access_token")
	p, ok := auth.PrincipalFromRequest(r)
	fmt.Println(ok, p.Type, p)
	// Output: true oauth_access_token auth.Principal{oauth_access_token, value: redacted}
}

func ExampleNewWebhookVerifier() {
	wv, err := auth.NewWebhookVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		log.Fatal(err)
	}
	wv.Now = func() time.Time { return time.Unix(1614265330, 0) }
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	ev, err := wv.Verify(h, []byte(`{"test": 2432232314}`))
	fmt.Println(ev.ID, err)
	// Output: msg_p5jXN8AQM9LWM0D4loKWxJek <nil>
}

func ExampleWebhookVerifier_VerifyRequest() {
	s := emulator()
	defer s.Close()
	wv, err := auth.NewWebhookVerifier(s.WebhookSecret())
	if err != nil {
		log.Fatal(err)
	}
	got := make(chan string, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := wv.VerifyRequest(r)
		if err != nil {
			http.Error(w, "bad signature", http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body) // still readable
		got <- ev.Type + " " + strconv.FormatBool(len(body) > 0)
	}))
	defer receiver.Close()

	d, err := s.DeliverWebhook(context.Background(), receiver.URL, "user.created", map[string]string{"id": "user_1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.StatusCode, <-got)
	// Output: 200 user.created true
}
