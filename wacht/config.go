package wacht

import (
	"errors"
	"fmt"
	"github.com/wacht-platform/serverless-go/internal/redact"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The environment variables ConfigFromEnv reads. Their exported names are
// handler.EnvAPIKey and handler.EnvBackendAPIURL, with every other setting
// the kit reads: one name per setting.
const (
	envAPIKey        = "WACHT_API_KEY"
	envBackendAPIURL = "WACHT_BACKEND_API_URL"
)

// Defaults used when a Config field is left at its zero value.
const (
	// DefaultBaseURL is the backend API of Wacht's hosted platform.
	DefaultBaseURL = "https://api.wacht.dev"
	// DefaultTimeout bounds one call of a client method, retries included.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxRetries is how many times an idempotent request is retried.
	DefaultMaxRetries = 3
)

// ErrMissingAPIKey is wrapped by the *ConfigError NewClient returns when
// Config.APIKey is empty.
var ErrMissingAPIKey = errors.New("set " + envAPIKey + " or Config.APIKey")

// Config configures a Client. Only APIKey is required; every other zero value
// picks a sensible default.
//
// A Config never prints its API key: fmt verbs (%v, %+v, %#v, %s), slog and
// encoding/json all show it redacted or leave it out.
type Config struct {
	// APIKey is the backend API key, sent as "Authorization: Bearer <key>".
	// It is a server-side secret: never ship it to a browser.
	APIKey string `json:"-"`

	// BaseURL is the backend API's base URL, an absolute http or https URL
	// without query or fragment. Empty means DefaultBaseURL. Never point it
	// at a deployment's frontend API host.
	BaseURL string

	// HTTPClient sends the requests (the Go counterpart of the JavaScript
	// SDK's custom fetch). Nil means a client of its own with a dedicated
	// connection pool, so requests reuse keep-alive connections. The Client
	// keeps using the one it was built with.
	HTTPClient *http.Client `json:"-"`

	// Timeout bounds each call of a client method, retries included, on top
	// of any deadline of the call's context. Zero means DefaultTimeout; a
	// negative value means no timeout beyond the context's.
	Timeout time.Duration

	// Header holds extra headers sent with every request. Authorization
	// cannot be overridden; a User-Agent here is appended to the kit's own.
	Header http.Header `json:"-"`

	// Logger receives one debug record per request (method, path, status,
	// attempt, duration, request id) and a warning per retry. Nil means no
	// logging. Neither the API key nor request bodies are ever logged.
	Logger *slog.Logger `json:"-"`

	// MaxRetries is how many times an idempotent request (GET, HEAD, PUT,
	// DELETE) is retried after a 429, 502, 503, 504 or a reset connection.
	// Zero means DefaultMaxRetries. POST and PATCH are never retried.
	MaxRetries int

	// DisableRetries turns retries off: every request is sent once.
	DisableRetries bool
}

// ConfigFromEnv builds a Config from an environment lookup function such as
// os.LookupEnv. It reads WACHT_API_KEY and WACHT_BACKEND_API_URL; each
// platform hands in its own source of configuration. Values are trimmed of
// surrounding white space.
func ConfigFromEnv(lookup func(string) (string, bool)) Config {
	var cfg Config
	if lookup == nil {
		return cfg
	}
	if v, ok := lookup(envAPIKey); ok {
		cfg.APIKey = strings.TrimSpace(v)
	}
	if v, ok := lookup(envBackendAPIURL); ok {
		cfg.BaseURL = strings.TrimSpace(v)
	}
	return cfg
}

// parseBaseURL validates a base URL and returns it without trailing slash.
func parseBaseURL(raw string) (string, error) {
	if raw == "" {
		return DefaultBaseURL, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the input, which may hold a password.
		return "", errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("%q: scheme must be http or https", redactURL(u))
	case u.Host == "":
		return "", fmt.Errorf("%q: no host", redactURL(u))
	case u.User != nil:
		return "", fmt.Errorf("%q: must not carry credentials", redactURL(u))
	case u.RawQuery != "" || u.ForceQuery:
		return "", fmt.Errorf("%q: must not have a query", redactURL(u))
	case u.Fragment != "":
		return "", fmt.Errorf("%q: must not have a fragment", redactURL(u))
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// redactURL shows a URL without user info, query or fragment.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = "", false, "", ""
	return c.String()
}

func headerNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, http.CanonicalHeaderKey(k))
	}
	sort.Strings(names)
	return names
}

// String describes the Config with its API key redacted.
func (c Config) String() string {
	return fmt.Sprintf("{APIKey:%s BaseURL:%s Timeout:%s Header:%v HTTPClient:%t Logger:%t MaxRetries:%d DisableRetries:%t}",
		redact.State(c.APIKey), c.BaseURL, c.Timeout, headerNames(c.Header), c.HTTPClient != nil, c.Logger != nil, c.MaxRetries, c.DisableRetries)
}

// GoString is used by %#v; it redacts the API key and header values.
func (c Config) GoString() string {
	return fmt.Sprintf("wacht.Config{APIKey:%q, BaseURL:%q, Timeout:%d, Header:%#v, HTTPClient:%s, Logger:%s, MaxRetries:%d, DisableRetries:%t}",
		redact.State(c.APIKey), c.BaseURL, c.Timeout, headerNames(c.Header), setOrNil(c.HTTPClient != nil), setOrNil(c.Logger != nil), c.MaxRetries, c.DisableRetries)
}

func setOrNil(set bool) string {
	if set {
		return "(set)"
	}
	return "nil"
}

// Format implements fmt.Formatter so that every verb (%v, %+v, %#v, %s, %q,
// ...) prints the redacted form.
func (c Config) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, c.String(), c.GoString())
}

// LogValue implements slog.LogValuer with the API key redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("api_key", redact.State(c.APIKey)),
		slog.String("base_url", c.BaseURL),
		slog.Duration("timeout", c.Timeout),
		slog.Any("header", headerNames(c.Header)),
		slog.Int("max_retries", c.MaxRetries),
		slog.Bool("disable_retries", c.DisableRetries),
	)
}

func formatRedacted(f fmt.State, verb rune, plain, goSyntax string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, goSyntax)
	case verb == 'q':
		fmt.Fprintf(f, "%q", plain)
	default:
		fmt.Fprint(f, plain)
	}
}

// ConfigError reports unusable configuration: of a Client, Verifier,
// Gateway or webhook verifier, or of the handler kit built on them (which
// returns this type too). Field names the setting to fix; the error never
// contains a secret value.
type ConfigError struct {
	Field   string
	Problem string
	Err     error
}

func (e *ConfigError) Error() string {
	msg := "wacht: invalid configuration"
	if e.Field != "" {
		msg += ": " + e.Field
	}
	msg += ": " + e.Problem
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *ConfigError) Unwrap() error { return e.Err }
