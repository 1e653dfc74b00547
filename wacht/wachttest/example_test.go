package wachttest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

func ExampleNewServer() {
	s, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	req, _ := http.NewRequest(http.MethodGet, s.BackendURL+"/users?search=lovelace", nil)
	req.Header.Set("Authorization", "Bearer "+s.APIKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var page struct {
		Data []struct {
			ID        string `json:"id"`
			FirstName string `json:"first_name"`
		} `json:"data"`
		HasMore bool `json:"has_more"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		panic(err)
	}
	fmt.Println(res.StatusCode, len(page.Data), page.HasMore, page.Data[0].ID, page.Data[0].FirstName)
	fmt.Println(strings.HasPrefix(s.PublishableKey, "pk_test_"))
	// Output:
	// 200 1 false 1001 Ada
	// true
}

// exampleT stands in for the *testing.T a real test passes to New.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()          {}
func (t *exampleT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Errorf(format string, args ...any) {
	msg, _, _ := strings.Cut(fmt.Sprintf(format, args...), " violates ")
	fmt.Println("test error:", msg, "violates the contract")
}
func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func ExampleNew() {
	t := &exampleT{} // in a test: func TestX(t *testing.T) { s := wachttest.New(t, ...) }
	s := wachttest.New(t, wachttest.Options{
		Seed: true,
		// A rule of the test's own: every backend call names its caller.
		Validate: func(api string, next http.Handler, report func(error)) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("User-Agent") != "billing-sync/1" {
					report(fmt.Errorf("%s %s violates the caller rule: User-Agent %q", r.Method, r.URL.Path, r.Header.Get("User-Agent")))
				}
				next.ServeHTTP(w, r)
			})
		},
	})

	req, _ := http.NewRequest(http.MethodGet, s.BackendURL+"/users", nil)
	req.Header.Set("Authorization", "Bearer "+s.APIKey)
	req.Header.Set("User-Agent", "curl/8")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, len(s.Violations()))

	for _, f := range t.cleanups { // the testing package runs these
		f()
	}
	// Output:
	// test error: wachttest: contract violation: GET /users violates the contract
	// 200 1
}

func ExampleServer_MintToken() {
	s, err := wachttest.NewServer(wachttest.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	tok, err := s.MintToken(wachttest.TokenOptions{
		UserID:                  "user_1",
		OrganizationID:          "org_1",
		OrganizationPermissions: []string{"invoices:read"},
		Lifetime:                5 * time.Minute,
	})
	if err != nil {
		panic(err)
	}

	// Verify it as any relying party would: fetch the JWKS and use its
	// key. Like Wacht's, the token's header names no kid, and the set holds
	// one key.
	res, err := http.Get(s.FrontendURL + "/.well-known/jwks.json")
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		panic(err)
	}
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		panic(err)
	}
	payload, err := jws.Verify(set.Keys[0].Key)
	if err != nil {
		panic(err)
	}
	var claims struct {
		Sub   string `json:"sub"`
		Org   string `json:"organization"`
		Perms struct {
			Organization []string `json:"organization"`
		} `json:"permissions"`
		Iss string `json:"iss"`
	}
	_ = json.Unmarshal(payload, &claims)
	fmt.Println(len(set.Keys), jws.Signatures[0].Header.KeyID == "", claims.Sub, claims.Org, claims.Perms.Organization, claims.Iss == s.FrontendURL)
	// Output: 1 true user_1 org_1 [invoices:read] true
}

func ExampleServer_InjectFault() {
	s, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	// The next two user listings answer 503, then service resumes.
	s.InjectFault(wachttest.Fault{Route: "getActiveUserList", Status: http.StatusServiceUnavailable, Times: 2})
	// The JWKS endpoint is down until removed.
	restore := s.InjectFault(wachttest.Fault{Route: wachttest.RouteJWKS, Status: http.StatusServiceUnavailable})

	for range 3 {
		req, _ := http.NewRequest(http.MethodGet, s.BackendURL+"/users", nil)
		req.Header.Set("Authorization", "Bearer "+s.APIKey)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		res.Body.Close()
		fmt.Print(res.StatusCode, " ")
	}
	res, _ := http.Get(s.FrontendURL + "/.well-known/jwks.json")
	res.Body.Close()
	restore()
	res2, _ := http.Get(s.FrontendURL + "/.well-known/jwks.json")
	res2.Body.Close()
	fmt.Println(res.StatusCode, res2.StatusCode, s.Stats().JWKSFetches)
	// Output: 503 503 200 503 200 2
}

func ExampleServer_CreateAPIKey() {
	s, err := wachttest.NewServer(wachttest.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	key, err := s.CreateAPIKey(wachttest.APIKeyOptions{
		Permissions: []string{"reports:read"},
		RateLimits:  []wachttest.RateLimit{{Unit: "minute", Duration: 1, MaxRequests: 1}},
	})
	if err != nil {
		panic(err)
	}
	check := func() string {
		body := `{"principal":{"type":"api_key","value":"` + key.Secret + `"},"resource":"/reports","method":"GET","required_permissions":["reports:read"]}`
		res, err := http.Post(s.GatewayURL+"/v1/authz/check", "application/json", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		var d struct {
			Allowed bool   `json:"allowed"`
			Reason  string `json:"reason"`
		}
		_ = json.NewDecoder(res.Body).Decode(&d)
		return fmt.Sprint(d.Allowed, d.Reason)
	}
	fmt.Println(check())
	fmt.Println(check())
	// Output:
	// true
	// falserate_limited
}

func ExampleServer_DeliverWebhook() {
	s, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.Header.Get("webhook-signature") != "", strings.HasPrefix(r.Header.Get("webhook-signature"), "v1,"), len(body) > 0)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	d, err := s.DeliverWebhook(context.Background(), receiver.URL, "user.created", map[string]string{"id": wachttest.SeedUserID})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.StatusCode, s.WebhookSecret() == wachttest.SeedWebhookSecret)
	// Output:
	// true true true
	// 204 true
}

func ExampleServer_RotateKeys() {
	s, err := wachttest.NewServer(wachttest.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	old := s.KeyIDs()[0]
	fresh, err := s.RotateKeys(time.Hour) // old key stays published for an hour
	if err != nil {
		panic(err)
	}
	fmt.Println(len(s.KeyIDs()), s.KeyIDs()[0] == fresh, s.KeyIDs()[1] == old)
	// Output: 2 true true
}

// Wacht retries a delivery that got a 5xx, 408, 429 or no answer, with the
// same webhook-id and the same webhook-timestamp: the delivery's creation
// time, however long ago.
func ExampleServer_RetryWebhook() {
	s, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	var down atomic.Bool
	down.Store(true)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	created := time.Now().Add(-72 * time.Hour) // act out a retry three days on
	d, err := s.DeliverWebhookWith(context.Background(), receiver.URL, "user.created", nil, wachttest.WebhookOptions{CreatedAt: created})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Attempt, d.StatusCode, d.Retryable())
	down.Store(false)
	r, err := s.RetryWebhook(context.Background(), d)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Attempt, r.StatusCode, r.ID == d.ID, r.Header.Get("webhook-timestamp") == d.Header.Get("webhook-timestamp"), r.Retryable())
	// Output:
	// 1 503 true
	// 2 204 true true false
}
