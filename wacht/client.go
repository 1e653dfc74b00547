package wacht

//go:generate go run ./internal/gen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wacht-platform/serverless-go/internal/redact"
	"github.com/wacht-platform/serverless-go/wacht/internal/core"
)

// maxResponseBytes bounds how much of a successful response is decoded.
const maxResponseBytes = 32 << 20

// Client calls Wacht's backend (platform) API. Build one with NewClient or
// NewClientFromEnv and reuse it: it is safe for concurrent use, and one
// Client uses one *http.Client, so its calls share keep-alive connections.
//
// The resource groups mirror the JavaScript SDK: c.Users.List,
// c.Organizations.Get, c.Webhooks.CreateApp and so on. Every method takes a
// context first, escapes path segments, validates its parameters before
// sending, and returns an *APIError when the API answers with an error
// status.
//
// A Client never prints its API key with fmt or slog.
type Client struct {
	Users         *UsersService
	Invitations   *InvitationsService
	Waitlist      *WaitlistService
	Organizations *OrganizationsService
	Workspaces    *WorkspacesService
	Deployment    *DeploymentService
	JWTTemplates  *JWTTemplatesService
	Settings      *SettingsService
	Segments      *SegmentsService
	Analytics     *AnalyticsService
	APIAuth       *APIAuthService
	OAuth         *OAuthService
	Sessions      *SessionsService
	Webhooks      *WebhooksService
	Notifications *NotificationsService

	apiKey    string
	baseURL   string
	http      *http.Client
	timeout   time.Duration
	header    http.Header
	userAgent string
	logger    *slog.Logger
	retry     retryPolicy
	// sleep waits d or until ctx ends, reporting whether the full wait
	// passed; tests replace it to observe retry delays without waiting.
	sleep func(ctx context.Context, d time.Duration) bool
}

// NewClient builds a Client from cfg. It fails when the API key is missing
// or the base URL is not an absolute http(s) URL; the error names the
// setting to fix and never contains the key. No network call is made.
func NewClient(cfg Config) (*Client, error) {
	key := strings.TrimSpace(cfg.APIKey)
	if key == "" {
		return nil, &ConfigError{Field: "APIKey", Problem: "missing", Err: ErrMissingAPIKey}
	}
	if strings.ContainsAny(key, "\r\n\t ") {
		return nil, &ConfigError{Field: "APIKey", Problem: "contains white space (" + envAPIKey + " or Config.APIKey)"}
	}
	base, err := parseBaseURL(strings.TrimSpace(cfg.BaseURL))
	if err != nil {
		return nil, &ConfigError{Field: "BaseURL", Problem: "invalid (" + envBackendAPIURL + " or Config.BaseURL)", Err: err}
	}
	if cfg.MaxRetries < 0 {
		return nil, &ConfigError{Field: "MaxRetries", Problem: fmt.Sprintf("is %d; it must not be negative", cfg.MaxRetries)}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = newHTTPClient()
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	c := &Client{
		apiKey:    key,
		baseURL:   base,
		http:      hc,
		timeout:   timeout,
		header:    cfg.Header.Clone(),
		userAgent: UserAgent,
		logger:    cfg.Logger,
		retry:     newRetryPolicy(cfg),
		sleep:     sleepContext,
	}
	if ua := strings.TrimSpace(c.header.Get("User-Agent")); ua != "" {
		c.userAgent += " " + ua
	}
	c.header.Del("User-Agent")
	c.header.Del("Authorization")
	c.Users = &UsersService{client: c}
	c.Invitations = &InvitationsService{client: c}
	c.Waitlist = &WaitlistService{client: c}
	c.Organizations = &OrganizationsService{client: c}
	c.Workspaces = &WorkspacesService{client: c}
	c.Deployment = &DeploymentService{client: c}
	c.JWTTemplates = &JWTTemplatesService{client: c}
	c.Settings = &SettingsService{client: c}
	c.Segments = &SegmentsService{client: c}
	c.Analytics = &AnalyticsService{client: c}
	c.APIAuth = &APIAuthService{client: c}
	c.OAuth = &OAuthService{client: c}
	c.Sessions = &SessionsService{client: c}
	c.Webhooks = &WebhooksService{client: c}
	c.Notifications = &NotificationsService{client: c}
	return c, nil
}

// NewClientFromEnv builds a Client from ConfigFromEnv(lookup). Pass
// os.LookupEnv on runtimes whose configuration lives in the process
// environment, or the platform's own lookup where configuration arrives per
// invocation.
func NewClientFromEnv(lookup func(string) (string, bool)) (*Client, error) {
	return NewClient(ConfigFromEnv(lookup))
}

// newHTTPClient returns a client with a connection pool of its own, so a
// Client does not share (or disturb) http.DefaultTransport.
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return &http.Client{Transport: t}
}

// BaseURL returns the base URL requests are sent to.
func (c *Client) BaseURL() string { return c.baseURL }

// String describes the Client without its API key.
func (c Client) String() string {
	return fmt.Sprintf("{BaseURL:%s APIKey:%s Timeout:%s Retries:%d}", c.baseURL, redact.State(c.apiKey), c.timeout, c.retry.max)
}

// GoString is used by %#v; it leaves the API key out.
func (c Client) GoString() string {
	return fmt.Sprintf("&wacht.Client{BaseURL:%q, APIKey:%q, Timeout:%d, Retries:%d}", c.baseURL, redact.State(c.apiKey), c.timeout, c.retry.max)
}

// Format implements fmt.Formatter so that every verb prints the redacted
// form.
func (c Client) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, c.String(), c.GoString())
}

// LogValue implements slog.LogValuer without the API key.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.baseURL),
		slog.String("api_key", redact.State(c.apiKey)),
		slog.Duration("timeout", c.timeout),
	)
}

// Ptr returns a pointer to v. Optional fields of request types are pointers
// so that "not set" differs from a zero value: wacht.Ptr("Ada").
func Ptr[T any](v T) *T { return &v }

func init() {
	// Package wacht/ai sends its calls through these; see package core.
	core.Do = func(client any, ctx context.Context, method, path string, query url.Values, body, out any) error {
		return client.(*Client).do(ctx, method, path, query, body, out)
	}
	core.Stream = func(client any, ctx context.Context, method, path string, query url.Values) (io.ReadCloser, error) {
		return client.(*Client).stream(ctx, method, path, query)
	}
}

// do sends one API call: it encodes body (nil, a *core.FormBody, or a value
// sent as JSON), retries idempotent methods as the retry policy allows,
// turns error statuses into *APIError and decodes a successful response
// into out (when out is not nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any, out any) error {
	res, cancel, err := c.send(ctx, method, path, query, body, "application/json") //nolint:bodyclose // decodeResponse closes it
	if err != nil {
		return err
	}
	defer cancel()
	return decodeResponse(res, out, method, path)
}

// stream sends one call without a body and returns the body of a
// successful answer unread, for downloads that must not be buffered. The
// client's timeout keeps running until the body is closed.
func (c *Client) stream(ctx context.Context, method, path string, query url.Values) (io.ReadCloser, error) {
	res, cancel, err := c.send(ctx, method, path, query, nil, "*/*") //nolint:bodyclose // the caller closes it through streamBody
	if err != nil {
		return nil, err
	}
	return &streamBody{ReadCloser: res.Body, cancel: cancel}, nil
}

// streamBody ends the call's timeout context when the caller closes it.
type streamBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *streamBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// send performs the attempts of one call and returns the first successful
// response, whose body the caller must close before calling cancel.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, body any, accept string) (*http.Response, context.CancelFunc, error) {
	if ctx == nil {
		return nil, nil, errors.New("wacht: nil context")
	}
	var payload []byte
	var contentType string
	switch b := body.(type) {
	case nil:
	case *core.FormBody:
		payload, contentType = b.Data, b.ContentType
	default:
		if v, ok := body.(interface{ validate() error }); ok {
			if err := v.validate(); err != nil {
				return nil, nil, err
			}
		}
		data, err := json.Marshal(body)
		if err != nil {
			return nil, nil, fmt.Errorf("wacht: encode %s %s request: %w", method, path, err)
		}
		payload, contentType = data, "application/json"
	}
	target := c.baseURL + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	cancel := context.CancelFunc(func() {})
	if c.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
	}

	retries := 0
	if isIdempotent(method) {
		retries = c.retry.max
	}
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, target, rd)
		if err != nil {
			cancel()
			return nil, nil, fmt.Errorf("wacht: build %s %s request: %w", method, path, err)
		}
		for k, vs := range c.header {
			req.Header[k] = append([]string(nil), vs...)
		}
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
		req.Header.Set("User-Agent", c.userAgent)
		req.Header.Set("Accept", accept)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}

		start := time.Now()
		res, err := c.http.Do(req)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				cancel()
				return nil, nil, &RequestError{Method: method, Path: path, Err: ctxErr}
			}
			reqErr := &RequestError{Method: method, Path: path, Err: unwrapURLError(err)}
			if attempt < retries && isConnectionReset(err) {
				if c.wait(ctx, attempt, 0, method, path, reqErr) {
					continue
				}
			}
			cancel()
			return nil, nil, reqErr
		}
		c.log(ctx, method, path, res, attempt, time.Since(start))

		if res.StatusCode < 200 || res.StatusCode > 299 {
			apiErr := newAPIError(method, path, res)
			apiErr.scrub(c.apiKey)
			if attempt < retries && isRetryableStatus(res.StatusCode) {
				if c.wait(ctx, attempt, apiErr.RetryAfter, method, path, apiErr) {
					continue
				}
			}
			cancel()
			return nil, nil, apiErr
		}
		return res, cancel, nil
	}
}

// wait sleeps before the next attempt. It reports false, without sleeping,
// when the wait would end past the context's deadline or the context ends.
func (c *Client) wait(ctx context.Context, attempt int, retryAfter time.Duration, method, path string, cause error) bool {
	d, ok := c.retry.delay(attempt, retryAfter)
	if !ok {
		return false
	}
	if dl, has := ctx.Deadline(); has && time.Until(dl) <= d {
		return false
	}
	if c.logger != nil {
		c.logger.LogAttrs(ctx, slog.LevelWarn, "wacht: retrying request",
			slog.String("method", method), slog.String("path", path),
			slog.Int("attempt", attempt+1), slog.Duration("delay", d), slog.String("cause", cause.Error()))
	}
	return c.sleep(ctx, d)
}

func sleepContext(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (c *Client) log(ctx context.Context, method, path string, res *http.Response, attempt int, took time.Duration) {
	if c.logger == nil {
		return
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "wacht: request",
		slog.String("method", method), slog.String("path", path), slog.Int("status", res.StatusCode),
		slog.Int("attempt", attempt+1), slog.Duration("duration", took), slog.String("request_id", requestID(res.Header)))
}

// decodeResponse decodes a successful response into out and always drains
// and closes the body, so the connection goes back to the pool.
func decodeResponse(res *http.Response, out any, method, path string) error {
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		res.Body.Close()
	}()
	if out == nil || res.StatusCode == http.StatusNoContent {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes+1))
	if err != nil {
		return &RequestError{Method: method, Path: path, Err: err}
	}
	if len(data) > maxResponseBytes {
		return &RequestError{Method: method, Path: path, Err: fmt.Errorf("response larger than %d bytes", maxResponseBytes)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &RequestError{Method: method, Path: path, Err: fmt.Errorf("decode response: %w", err)}
	}
	return nil
}

// RequestError reports a call that got no usable answer: the connection
// failed, the context ended, or the response could not be decoded. API
// error statuses are reported as *APIError instead.
type RequestError struct {
	Method string
	Path   string
	Err    error
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("wacht: %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

// unwrapURLError drops the *url.Error wrapper, whose message repeats the
// full URL (query included).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// jitter returns a random float in [0, 1); tests replace it.
var defaultJitter = rand.Float64
