package workers

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/handler"
)

const testJWKS = `{"keys":[{"kty":"EC","kid":"k1","crv":"P-256","x":"x","y":"y"}]}`

type fakeNext struct {
	mu    sync.Mutex
	calls []*http.Request
	fn    func(*http.Request) (*http.Response, error)
}

func (f *fakeNext) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.calls = append(f.calls, r)
	f.mu.Unlock()
	return f.fn(r)
}

func (f *fakeNext) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// okNext is a network that answers every request 200 with body.
func okNext(body, cacheControl string) *fakeNext {
	return &fakeNext{fn: func(r *http.Request) (*http.Response, error) {
		h := http.Header{"Content-Type": {"application/json"}}
		if cacheControl != "" {
			h.Set("Cache-Control", cacheControl)
		}
		return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	}}
}

type memStore struct {
	entries map[string]stored
	puts    int
	failGet error
}

type stored struct {
	header http.Header
	body   string
}

func (m *memStore) Match(req *http.Request) (*http.Response, error) {
	if m.failGet != nil {
		return nil, m.failGet
	}
	e, ok := m.entries[req.URL.String()]
	if !ok {
		return nil, nil
	}
	return &http.Response{StatusCode: 200, Header: e.header.Clone(), Body: io.NopCloser(strings.NewReader(e.body))}, nil
}

func (m *memStore) Put(req *http.Request, res *http.Response) error {
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if m.entries == nil {
		m.entries = map[string]stored{}
	}
	m.entries[req.URL.String()] = stored{res.Header.Clone(), string(b)}
	m.puts++
	return nil
}

func noEnv(string) (string, bool) { return "", false }

type answer struct {
	StatusCode int
	Header     http.Header
}

func get(t *testing.T, rt http.RoundTripper, url string) (answer, string) {
	t.Helper()
	res, err := (&http.Client{Transport: rt}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{res.StatusCode, res.Header}, string(b)
}

const jwksURL = "https://fapi.example.test/.well-known/jwks.json"

// testPublishableKey names https://fapi.example.test, the host of jwksURL.
var testPublishableKey = "pk_test_" + base64.StdEncoding.EncodeToString([]byte("https://fapi.example.test"))

// TestPinnedKeySetAnswersOnlyTheConfiguredFrontend: the WACHT_JWKS binding
// pins the keys of the deployment the Worker's publishable key names; a
// key-set GET for any other host (or with no publishable key to scope it)
// goes to the network, never to the pinned keys.
func TestPinnedKeySetAnswersOnlyTheConfiguredFrontend(t *testing.T) {
	const network = `{"keys":[]}`
	envWith := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	pinned := map[string]string{EnvJWKS: testJWKS, handler.EnvPublishableKey: testPublishableKey}
	for _, u := range []string{
		"https://attacker.example/.well-known/jwks.json",
		"https://fapi.example.test.attacker.example/.well-known/jwks.json",
		"http://fapi.example.test/.well-known/jwks.json",
		"https://fapi.example.test:8443/.well-known/jwks.json",
	} {
		next := okNext(network, "")
		res, body := get(t, &transport{next: next, env: envWith(pinned)}, u)
		if body != network || res.Header.Get("X-Wacht-Jwks-Source") == sourceStatic || next.count() != 1 {
			t.Errorf("GET %s answered from the pinned key set (source %q, network calls %d)", u, res.Header.Get("X-Wacht-Jwks-Source"), next.count())
		}
	}
	next := okNext(network, "")
	if _, body := get(t, &transport{next: next, env: envWith(map[string]string{EnvJWKS: testJWKS})}, jwksURL); body != network {
		t.Errorf("pinned key set served with no publishable key to scope it")
	}
	// NEXT_PUBLIC_ wins over WACHT_PUBLISHABLE_KEY, as in the kit.
	other := "pk_test_" + base64.StdEncoding.EncodeToString([]byte("https://other.example.test"))
	next = okNext(network, "")
	env := envWith(map[string]string{EnvJWKS: testJWKS, handler.EnvPublicPublishableKey: other, handler.EnvPublishableKey: testPublishableKey})
	if _, body := get(t, &transport{next: next, env: env}, "https://other.example.test/.well-known/jwks.json"); body != testJWKS {
		t.Errorf("pinned key set not served for the NEXT_PUBLIC_ key's frontend")
	}
	if _, body := get(t, &transport{next: next, env: env}, jwksURL); body != network {
		t.Errorf("pinned key set served for the frontend of the shadowed key")
	}
}

func TestJWKSFromStaticBinding(t *testing.T) {
	next := okNext(`{"keys":[]}`, "")
	store := &memStore{}
	env := func(k string) (string, bool) {
		switch k {
		case EnvJWKS:
			return testJWKS, true
		case handler.EnvPublishableKey:
			return testPublishableKey, true
		}
		return "", false
	}
	rt := &transport{next: next, env: env, store: store}
	res, body := get(t, rt, jwksURL)
	if body != testJWKS || res.Header.Get("X-Wacht-Jwks-Source") != sourceStatic {
		t.Fatalf("body %q source %q", body, res.Header.Get("X-Wacht-Jwks-Source"))
	}
	if next.count() != 0 || store.puts != 0 {
		t.Errorf("network calls %d, cache puts %d; want none", next.count(), store.puts)
	}
}

func TestJWKSBlankBindingIsUnset(t *testing.T) {
	next := okNext(testJWKS, "")
	env := func(k string) (string, bool) { return "  ", k == EnvJWKS }
	_, body := get(t, &transport{next: next, env: env}, jwksURL)
	if body != testJWKS || next.count() != 1 {
		t.Fatalf("body %q after %d network calls", body, next.count())
	}
}

func TestJWKSNetworkThenCache(t *testing.T) {
	next := okNext(testJWKS, "public, max-age=600")
	store := &memStore{}
	rt := &transport{next: next, env: noEnv, store: store}

	res, body := get(t, rt, jwksURL)
	if body != testJWKS || res.Header.Get("X-Wacht-Jwks-Source") != sourceNetwork {
		t.Fatalf("first: body %q source %q", body, res.Header.Get("X-Wacht-Jwks-Source"))
	}
	if store.puts != 1 {
		t.Fatalf("puts = %d, want 1", store.puts)
	}
	if cc := store.entries[jwksURL].header.Get("Cache-Control"); cc != "max-age=600" {
		t.Errorf("stored Cache-Control %q, want max-age=600", cc)
	}
	// A new Go instance: a new transport, the same cache.
	rt2 := &transport{next: next, env: noEnv, store: store}
	res, body = get(t, rt2, jwksURL)
	if body != testJWKS || res.Header.Get("X-Wacht-Jwks-Source") != sourceCache {
		t.Fatalf("second: body %q source %q", body, res.Header.Get("X-Wacht-Jwks-Source"))
	}
	if next.count() != 1 {
		t.Errorf("network calls = %d, want 1", next.count())
	}
}

func TestJWKSCacheFailureFallsBackToNetwork(t *testing.T) {
	next := okNext(testJWKS, "")
	store := &memStore{failGet: errors.New("cache down")}
	_, body := get(t, &transport{next: next, env: noEnv, store: store}, jwksURL)
	if body != testJWKS || next.count() != 1 {
		t.Fatalf("body %q, network calls %d", body, next.count())
	}
}

func TestJWKSErrorsAreNotCached(t *testing.T) {
	next := &fakeNext{fn: func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 503, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("down"))}, nil
	}}
	store := &memStore{}
	res, _ := get(t, &transport{next: next, env: noEnv, store: store}, jwksURL)
	if res.StatusCode != 503 || store.puts != 0 {
		t.Fatalf("status %d, puts %d", res.StatusCode, store.puts)
	}
}

func TestJWKSOversizedBodyIsNotCached(t *testing.T) {
	big := `{"keys":[],"pad":"` + strings.Repeat("a", maxJWKSBytes) + `"}`
	next := okNext(big, "")
	store := &memStore{}
	_, body := get(t, &transport{next: next, env: noEnv, store: store}, jwksURL)
	if store.puts != 0 {
		t.Errorf("oversized key set was cached")
	}
	if len(body) != maxJWKSBytes+1 {
		t.Errorf("body length %d, want the verifier to see a too-large body (%d)", len(body), maxJWKSBytes+1)
	}
}

func TestOtherRequestsPassThrough(t *testing.T) {
	next := okNext(`{}`, "")
	store := &memStore{}
	env := func(k string) (string, bool) { return testJWKS, k == EnvJWKS }
	rt := &transport{next: next, env: env, store: store}
	for _, u := range []string{"https://api.example.test/users", "https://fapi.example.test/.well-known/jwks.json.bak"} {
		get(t, rt, u)
	}
	req, _ := http.NewRequest(http.MethodPost, jwksURL, strings.NewReader("x"))
	res, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if next.count() != 3 || store.puts != 0 {
		t.Fatalf("network calls %d, puts %d", next.count(), store.puts)
	}
}

func TestGetBodyDropped(t *testing.T) {
	next := okNext(`{}`, "")
	rt := &transport{next: next, env: noEnv}
	for _, body := range []io.Reader{http.NoBody, strings.NewReader("")} {
		req, _ := http.NewRequest(http.MethodGet, "https://api.example.test/x", body)
		res, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
	}
	req, _ := http.NewRequest(http.MethodPost, "https://api.example.test/x", http.NoBody)
	res, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	req, _ = http.NewRequest(http.MethodPost, "https://api.example.test/x", strings.NewReader("{}"))
	res, err = rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	for i, r := range next.calls {
		if want := i == 3; (r.Body != nil) != want {
			t.Errorf("call %d (%s): body present = %v, want %v", i, r.Method, r.Body != nil, want)
		}
	}
}

func TestContextEndsTheWait(t *testing.T) {
	release := make(chan struct{})
	closed := make(chan struct{})
	started := make(chan struct{})
	next := &fakeNext{fn: func(r *http.Request) (*http.Response, error) {
		close(started)
		<-release // a fetch that ignores the context
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: closeNotifier{io.NopCloser(strings.NewReader("late")), closed}}, nil
	}}
	rt := &transport{next: next, env: noEnv}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.test/slow", nil)
	errc := make(chan error, 1)
	go func() {
		res, err := rt.RoundTrip(req)
		if res != nil {
			_ = res.Body.Close()
		}
		errc <- err
	}()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	close(release)
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the late response body was never closed")
	}
	// An already ended context does not send at all.
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.test/x", nil)
	res, err := rt.RoundTrip(req)
	if res != nil {
		_ = res.Body.Close()
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if next.count() != 1 {
		t.Errorf("network calls %d, want 1", next.count())
	}
}

type closeNotifier struct {
	io.ReadCloser
	closed chan struct{}
}

func (c closeNotifier) Close() error {
	close(c.closed)
	return c.ReadCloser.Close()
}

func TestCacheTTL(t *testing.T) {
	for cc, want := range map[string]time.Duration{
		"":                       cacheDefaultTTL,
		"max-age=600":            10 * time.Minute,
		"public, MAX-AGE=\"90\"": 90 * time.Second,
		"max-age=5":              cacheMinTTL,
		"max-age=999999":         cacheMaxTTL,
		"no-store":               cacheMinTTL,
		"max-age=-1":             cacheDefaultTTL,
	} {
		if got := cacheTTL(cc); got != want {
			t.Errorf("cacheTTL(%q) = %v, want %v", cc, got, want)
		}
	}
}

func TestAdapt(t *testing.T) {
	var got *http.Request
	h := adapt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }))
	// The request as the syumai/workers glue builds it.
	req := &http.Request{
		Method:           http.MethodGet,
		URL:              mustURL(t, "https://w.example.test/admin/users?x=1"),
		Header:           http.Header{"Cf-Ray": {"8a1b2c3d4e5f6789-SJC"}, "Cf-Connecting-Ip": {"2001:db8::1"}},
		Body:             http.NoBody,
		TransferEncoding: []string{""},
	}
	req = req.WithContext(context.Background())
	h.ServeHTTP(httptest.NewRecorder(), req)
	if id, _ := handler.RequestIDFromContext(got.Context()); id != "8a1b2c3d4e5f6789-SJC" {
		t.Errorf("request id %q", id)
	}
	if got.RemoteAddr != "[2001:db8::1]:0" || got.RequestURI != "/admin/users?x=1" || got.TransferEncoding != nil {
		t.Errorf("RemoteAddr %q RequestURI %q TransferEncoding %q", got.RemoteAddr, got.RequestURI, got.TransferEncoding)
	}

	req = httptest.NewRequest(http.MethodGet, "/x", nil)
	req.Header.Set("Cf-Connecting-Ip", "not an ip")
	req.RemoteAddr = ""
	h.ServeHTTP(httptest.NewRecorder(), req)
	if id, ok := handler.RequestIDFromContext(got.Context()); got.RemoteAddr != "" || ok {
		t.Errorf("RemoteAddr %q, request id %q; want both empty", got.RemoteAddr, id)
	}
}

func TestOptionsKeepsCallerChoices(t *testing.T) {
	mine := &http.Client{}
	env := func(string) (string, bool) { return "v", true }
	built := 0
	client := func() *http.Client { built++; return &http.Client{} }
	o := options(handler.Options{Env: env, HTTPClient: mine}, noEnv, client)
	if o.HTTPClient != mine || built != 0 {
		t.Errorf("caller's client replaced")
	}
	if v, _ := o.Env("x"); v != "v" {
		t.Errorf("caller's env replaced")
	}
	o = options(handler.Options{MaxBodyBytes: 7}, noEnv, client)
	if o.HTTPClient == nil || built != 1 || o.Env == nil || o.MaxBodyBytes != 7 {
		t.Errorf("options = %+v", o)
	}
	if _, ok := o.Env("x"); ok {
		t.Errorf("Env not the platform's")
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
