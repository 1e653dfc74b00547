package handler

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"
	"unsafe"

	"github.com/wacht-platform/serverless-go/internal/redact"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/wacht"
)

// Names of the environment variables the kit reads, the only exported names
// of these settings. The backend API key and URL are the names
// wacht.ConfigFromEnv and the JavaScript SDK read.
const (
	EnvAPIKey               = "WACHT_API_KEY"         // read by wacht.ConfigFromEnv too
	EnvBackendAPIURL        = "WACHT_BACKEND_API_URL" // read by wacht.ConfigFromEnv too
	EnvPublishableKey       = "WACHT_PUBLISHABLE_KEY"
	EnvPublicPublishableKey = "NEXT_PUBLIC_WACHT_PUBLISHABLE_KEY"
	EnvGatewayURL           = "WACHT_GATEWAY_URL"
	EnvWebhookSecret        = "WACHT_WEBHOOK_SECRET"
	EnvIssuer               = "WACHT_ISSUER"
	EnvAudiences            = "WACHT_AUDIENCES"
	EnvAuthorizedParties    = "WACHT_AUTHORIZED_PARTIES"
	EnvSignInURL            = "WACHT_SIGN_IN_URL"
	EnvForwardedAuthSecret  = "WACHT_FORWARDED_AUTH_SECRET"
	// EnvSessionCookie turns on browser sessions: the name of the session
	// cookie to accept (normally "__session"). Unset, only
	// Authorization: Bearer tokens authenticate.
	EnvSessionCookie = "WACHT_SESSION_COOKIE"
	// EnvSessionTrustedOrigins lists origins (comma-separated,
	// "https://app.example.com") whose cross-origin unsafe requests may
	// still authenticate by cookie, and which Protect's sign-in redirect
	// may name as redirect_url.
	EnvSessionTrustedOrigins   = "WACHT_SESSION_TRUSTED_ORIGINS"
	defaultMaxBodyBytes        = 1 << 20
	defaultInstanceCacheLimit  = 16
	requestIDHeader            = "X-Request-Id"
	contentTypeJSON            = "application/json"
	contentTypeJSONWithCharset = "application/json; charset=utf-8"
)

// Config is everything one invocation needs to talk to Wacht. The zero value
// is an unconfigured function: each part is only required by the middleware
// that uses it (a webhook receiver needs no API key, a protected route needs
// a publishable key).
type Config struct {
	// Client configures the backend API client (API key, base URL, retries).
	Client wacht.Config
	// Verifier configures session-token verification (publishable key,
	// required issuer, audiences, authorized parties, clock skew).
	Verifier auth.VerifierConfig
	// Gateway configures machine-token checks (gateway URL, timeout).
	Gateway auth.GatewayConfig
	// WebhookSecret is the whsec_ secret of the webhook endpoint this
	// function receives deliveries for.
	WebhookSecret string
	// SignInURL, when set, sends browser requests that fail authentication
	// to this page instead of a 401, with a redirect_url parameter when the
	// request's origin may be named (see Kit.Protect).
	SignInURL string
}

// ConfigFromEnv reads a Config from an environment lookup function such as
// os.LookupEnv. Each platform hands in its own source, so the same code
// works with the process environment, a Worker's bindings or a map in a
// test. The publishable key is read from NEXT_PUBLIC_WACHT_PUBLISHABLE_KEY
// first, then WACHT_PUBLISHABLE_KEY, as in the JavaScript SDK.
func ConfigFromEnv(lookup func(string) (string, bool)) Config {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	cfg := Config{
		Client: wacht.ConfigFromEnv(lookup),
		Verifier: auth.VerifierConfig{
			PublishableKey:    cmp.Or(get(EnvPublicPublishableKey), get(EnvPublishableKey)),
			RequiredIssuer:    get(EnvIssuer),
			Audiences:         splitList(get(EnvAudiences)),
			AuthorizedParties: splitList(get(EnvAuthorizedParties)),
			// Off unless asked for: a cookie is an ambient credential and
			// costs a frontend API round trip per token lifetime; see the
			// package documentation.
			SessionCookieName:     get(EnvSessionCookie),
			SessionTrustedOrigins: splitList(get(EnvSessionTrustedOrigins)),
		},
		Gateway:       auth.GatewayConfig{URL: get(EnvGatewayURL)},
		WebhookSecret: get(EnvWebhookSecret),
		SignInURL:     get(EnvSignInURL),
	}
	if s := get(EnvForwardedAuthSecret); s != "" {
		cfg.Verifier.ForwardedAuthSecret = []byte(s)
	}
	return cfg
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// fingerprint is the warm-cache key of a Config: a SHA-256 over every field
// that changes what gets built. Secrets enter only the hash, so the cache
// never holds them in clear as keys; pointers (HTTP clients, loggers) count
// by identity.
type fingerprint [sha256.Size]byte

func (c *Config) fingerprint() fingerprint {
	// Every request computes it: the fields are laid out in one buffer
	// (on the stack unless the configuration is unusually long) and
	// hashed once.
	var buf [1024]byte
	w := fpBuf(buf[:0])
	cl := &c.Client
	w = w.str(cl.APIKey)
	w = w.str(cl.BaseURL)
	w = w.ptr(cl.HTTPClient)
	w = w.num(int64(cl.Timeout))
	w = w.header(cl.Header)
	w = w.ptr(cl.Logger)
	w = w.num(int64(cl.MaxRetries))
	w = w.bool(cl.DisableRetries)

	v := &c.Verifier
	w = w.str(v.PublishableKey)
	w = w.str(v.FrontendAPIURL)
	w = w.str(v.RequiredIssuer)
	w = w.list(v.Audiences)
	w = w.list(v.AuthorizedParties)
	w = w.list(v.Algorithms)
	w = w.bytes(v.HMACSecret)
	w = w.num(int64(v.ClockSkew))
	w = w.ptr(v.HTTPClient)
	w = w.num(int64(v.JWKSTTL))
	w = w.num(int64(v.JWKSMinTTL))
	w = w.num(int64(v.JWKSMaxTTL))
	w = w.num(int64(v.JWKSMinRefreshInterval))
	w = w.num(int64(v.JWKSStaleWindow))
	w = w.num(int64(v.JWKSFetchTimeout))
	w = w.num(v.JWKSMaxBytes)
	w = w.num(int64(v.MaxTokenBytes))
	w = w.str(v.SessionCookieName)
	w = w.num(int64(v.SessionCacheSize))
	w = w.num(int64(v.SignatureCacheSize))
	w = w.list(v.SessionTrustedOrigins)
	w = w.bytes(v.ForwardedAuthSecret)
	w = w.num(int64(v.ForwardedAuthMaxAge))
	w = w.num(int64(v.SessionExchangeTimeout))
	w = w.ptr(v.KeySets)
	w = w.fn(v.Now)

	g := &c.Gateway
	w = w.str(g.URL)
	w = w.ptr(g.HTTPClient)
	w = w.num(int64(g.Timeout))
	w = w.num(g.MaxResponseBytes)

	w = w.str(c.WebhookSecret)
	w = w.str(c.SignInURL)
	fp := fingerprint(sha256.Sum256(w))
	clear(w) // the buffer held secrets
	return fp
}

// fpBuf lays out a Config's fields for its fingerprint. Its methods
// return the extended buffer (as append does), which keeps a fixed-size
// buffer on the caller's stack.
type fpBuf []byte

func (b fpBuf) num(n int64) fpBuf {
	return binary.LittleEndian.AppendUint64(b, uint64(n))
}

func (b fpBuf) str(s string) fpBuf {
	return append(b.num(int64(len(s))), s...)
}

func (b fpBuf) bytes(p []byte) fpBuf {
	return append(b.num(int64(len(p))), p...)
}

func (b fpBuf) bool(v bool) fpBuf {
	if v {
		return b.num(1)
	}
	return b.num(0)
}

func (b fpBuf) list(l []string) fpBuf {
	b = b.num(int64(len(l)))
	for _, s := range l {
		b = b.str(s)
	}
	return b
}

func (b fpBuf) header(h http.Header) fpBuf {
	b = b.num(int64(len(h)))
	if len(h) == 0 {
		return b
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b = b.str(k).list(h[k])
	}
	return b
}

// ptr hashes a pointer (or func) by identity without formatting it: this
// runs on every invocation.
func (b fpBuf) ptr(p any) fpBuf {
	var u uintptr
	if v := reflect.ValueOf(p); v.IsValid() && !v.IsNil() {
		u = v.Pointer()
	}
	return b.num(int64(u))
}

// fn hashes a func value by the identity of its closure. reflect (and %p)
// give only the code pointer, which every closure made by one constructor
// shares: two clocks from the same newClock() would then share one warm
// instance and one of them would be ignored. A func value is a pointer to
// its closure record, so that address tells them apart; the instance keeps
// the Config, so the closure stays alive (and its address unique) for as
// long as the cache entry does. The price: a func created anew for every
// request (a method value such as clk.Now written inside Resolve) is a new
// configuration every time, so create such funcs once.
func (b fpBuf) fn(f func() time.Time) fpBuf {
	var u uintptr
	if f != nil {
		u = uintptr(*(*unsafe.Pointer)(unsafe.Pointer(&f)))
	}
	return b.num(int64(u))
}

// String describes c with every secret redacted: the nested wacht configs
// redact their own, and the webhook secret shows only whether it is set.
func (c Config) String() string {
	return fmt.Sprintf("{Client:%v Verifier:%v Gateway:{URL:%s} WebhookSecret:%s SignInURL:%s}",
		c.Client, c.Verifier, c.Gateway.URL, redact.State(c.WebhookSecret), c.SignInURL)
}

// GoString is String for %#v, so no verb prints a secret.
func (c Config) GoString() string { return "handler.Config" + c.String() }

// Format implements fmt.Formatter so that %v, %+v, %#v and %s all redact.
func (c Config) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, c.GoString())
		return
	}
	_, _ = io.WriteString(f, c.String())
}

// LogValue implements slog.LogValuer with the secrets redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("client", c.Client),
		slog.String("verifier", c.Verifier.String()),
		slog.String("gateway_url", c.Gateway.URL),
		slog.String("webhook_secret", redact.State(c.WebhookSecret)),
		slog.String("sign_in_url", c.SignInURL),
	)
}
