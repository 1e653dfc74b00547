package wacht

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Gateway defaults.
const (
	DefaultGatewayURL     = "https://gateway.wacht.dev"
	GatewayURLEnv         = "WACHT_GATEWAY_URL" // read by NewGateway when GatewayConfig.URL is empty
	DefaultGatewayTimeout = 10 * time.Second
	defaultGatewayMaxBody = 1 << 20
	gatewayCheckPath      = "/v1/authz/check"
	// APIKeyHeader is the request header that carries an API key.
	APIKeyHeader = "x-api-key"
)

// PrincipalType is the kind of machine credential a gateway check is for.
type PrincipalType string

// Principal types understood by the gateway.
const (
	PrincipalAPIKey           PrincipalType = "api_key"
	PrincipalOAuthAccessToken PrincipalType = "oauth_access_token"
)

// Principal is the credential presented by a machine caller. Its Value is a
// secret: String and GoString redact it, so it is safe in %v and logs.
type Principal struct {
	Type  PrincipalType `json:"type"`
	Value string        `json:"value"`
}

// String redacts the credential.
func (p Principal) String() string {
	return "wacht.Principal{" + string(p.Type) + ", value: redacted}"
}

// GoString redacts the credential.
func (p Principal) GoString() string { return p.String() }

// PrincipalFromRequest finds a machine credential on r. The rule:
//
//  1. a non-empty x-api-key header is an API key;
//  2. otherwise "Authorization: Bearer <token>" is an OAuth access token
//     unless the token is a JWT (three base64url segments whose first decodes
//     to a JSON header with "alg") whose typ is not "at+jwt": such a token
//     is a session token and belongs to Verifier.Authenticate, so ok is
//     false.
//
// Session and machine authentication therefore never look at the same
// credential.
func PrincipalFromRequest(r *http.Request) (p Principal, ok bool) {
	if k := strings.TrimSpace(r.Header.Get(APIKeyHeader)); k != "" {
		return Principal{Type: PrincipalAPIKey, Value: k}, true
	}
	tok, found := BearerToken(r)
	if !found {
		return Principal{}, false
	}
	if isSessionJWT(tok) {
		return Principal{}, false
	}
	return Principal{Type: PrincipalOAuthAccessToken, Value: tok}, true
}

// isSessionJWT reports whether tok is shaped like a JWT that is not an
// RFC 9068 access token.
func isSessionJWT(tok string) bool {
	if strings.Count(tok, ".") != 2 {
		return false
	}
	seg, _, _ := strings.Cut(tok, ".")
	if len(seg) > maxHeaderSegmentBytes {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	var h struct {
		Alg *string `json:"alg"`
		Typ string  `json:"typ"`
	}
	if json.Unmarshal(b, &h) != nil || h.Alg == nil {
		return false
	}
	t := strings.ToLower(h.Typ)
	return t != "at+jwt" && t != "application/at+jwt"
}

// CheckRequest is one authorization question for the gateway.
type CheckRequest struct {
	Principal           Principal `json:"principal"`
	Resource            string    `json:"resource"`
	Method              string    `json:"method"`
	ClientIP            string    `json:"client_ip,omitempty"`
	UserAgent           string    `json:"user_agent,omitempty"`
	RequiredPermissions []string  `json:"required_permissions,omitempty"`
}

// CheckRequestFromHTTP builds a CheckRequest for r: the principal from
// PrincipalFromRequest, the resource from the URL path, the method, the user
// agent, and the client IP from r.RemoteAddr. X-Forwarded-For is not
// trusted; platform adapters that know the real client address should put
// it in RemoteAddr or overwrite ClientIP. ok is false when r carries no
// machine credential.
func CheckRequestFromHTTP(r *http.Request, requiredPermissions ...string) (CheckRequest, bool) {
	p, ok := PrincipalFromRequest(r)
	if !ok {
		return CheckRequest{}, false
	}
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	path := "/"
	if r.URL != nil && r.URL.Path != "" {
		path = r.URL.Path
	}
	return CheckRequest{
		Principal:           p,
		Resource:            path,
		Method:              r.Method,
		ClientIP:            ip,
		UserAgent:           r.UserAgent(),
		RequiredPermissions: requiredPermissions,
	}, true
}

// Deny reasons on a Decision.
const (
	DenyPermissionDenied = "permission_denied"
	DenyRateLimited      = "rate_limited"
	// DenyInvalidPrincipal is set by this client when the gateway answers
	// 401: the key or token is unknown, revoked or expired.
	DenyInvalidPrincipal = "invalid_principal"
)

// GatewayIdentity is who the machine credential belongs to.
type GatewayIdentity struct {
	KeyID                    string `json:"key_id"`
	DeploymentID             string `json:"deployment_id"`
	AppSlug                  string `json:"app_slug"`
	KeyName                  string `json:"key_name"`
	OwnerUserID              string `json:"owner_user_id,omitempty"`
	OrganizationID           string `json:"organization_id,omitempty"`
	WorkspaceID              string `json:"workspace_id,omitempty"`
	OrganizationMembershipID string `json:"organization_membership_id,omitempty"`
	WorkspaceMembershipID    string `json:"workspace_membership_id,omitempty"`
}

// GatewayRateLimit is the state of one rate-limit rule after the check.
type GatewayRateLimit struct {
	Rule      string `json:"rule"`
	Remaining int    `json:"remaining"`
	Limit     int    `json:"limit"`
}

// Decision is the gateway's answer.
type Decision struct {
	RequestID   string
	Allowed     bool
	Reason      string // DenyPermissionDenied, DenyRateLimited, DenyInvalidPrincipal or ""
	BlockedRule string
	// Message is the gateway's explanation for a DenyInvalidPrincipal.
	Message  string
	Identity *GatewayIdentity // nil when the gateway did not resolve one
	// Permissions held by the principal.
	Permissions []string
	// PrincipalType is metadata.principal_type (api_key or
	// oauth_access_token).
	PrincipalType PrincipalType
	// Scopes are metadata.scopes (OAuth tokens).
	Scopes []string
	// ExpiresAt is metadata.expires_at, zero when absent or unparsable.
	ExpiresAt time.Time
	// Metadata is the gateway's metadata object as sent.
	Metadata   map[string]any
	RateLimits []GatewayRateLimit
	// RetryAfter is set when rate limited.
	RetryAfter time.Duration
	// Headers should be copied onto the response (rate-limit headers); see
	// ApplyHeaders.
	Headers map[string]string
}

// HTTPStatus is the status a handler should answer a denied request with:
// 200 when allowed, 401 for an invalid principal, 429 when rate limited,
// 403 otherwise.
func (d *Decision) HTTPStatus() int {
	switch {
	case d.Allowed:
		return http.StatusOK
	case d.Reason == DenyInvalidPrincipal:
		return http.StatusUnauthorized
	case d.Reason == DenyRateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusForbidden
}

// ApplyHeaders copies the gateway's response headers (rate limits,
// Retry-After) onto h.
func (d *Decision) ApplyHeaders(h http.Header) {
	for k, v := range d.Headers {
		if k == "" || strings.ContainsAny(k, " \r\n:") || strings.ContainsAny(v, "\r\n") {
			continue
		}
		h.Set(k, v)
	}
	if d.RetryAfter > 0 && h.Get("Retry-After") == "" {
		h.Set("Retry-After", strconv.Itoa(int((d.RetryAfter+time.Second-1)/time.Second)))
	}
}

// HasPermission reports whether the principal holds perm.
func (d *Decision) HasPermission(perm string) bool {
	return d != nil && slices.Contains(d.Permissions, perm)
}

// wireDecision is the JSON shape of /v1/authz/check.
type wireDecision struct {
	RequestID   string             `json:"request_id"`
	Allowed     *bool              `json:"allowed"`
	Reason      string             `json:"reason"`
	BlockedRule string             `json:"blocked_rule"`
	Identity    *GatewayIdentity   `json:"identity"`
	Permissions []string           `json:"permissions"`
	Metadata    map[string]any     `json:"metadata"`
	RateLimits  []GatewayRateLimit `json:"rate_limits"`
	RetryAfter  *float64           `json:"retry_after"`
	Headers     map[string]string  `json:"headers"`
}

// GatewayErrorKind classifies a failed gateway call.
type GatewayErrorKind string

// Kinds of GatewayError.
const (
	GatewayUnreachable    GatewayErrorKind = "unreachable"     // connection failed
	GatewayTimeout        GatewayErrorKind = "timeout"         // the call's timeout or context expired
	GatewayUnavailable    GatewayErrorKind = "unavailable"     // 5xx
	GatewayRejected       GatewayErrorKind = "rejected"        // another 4xx (bad request, ...)
	GatewayBadResponse    GatewayErrorKind = "bad_response"    // body not the expected JSON, or too large
	GatewayInvalidRequest GatewayErrorKind = "invalid_request" // the CheckRequest was incomplete; nothing was sent
)

// GatewayError is a gateway call that produced no Decision. It never
// contains the principal's credential.
type GatewayError struct {
	Kind       GatewayErrorKind
	StatusCode int // 0 when there was no response
	Message    string
	Err        error
}

func (e *GatewayError) Error() string {
	msg := "wacht: gateway " + string(e.Kind)
	if e.StatusCode != 0 {
		msg += " (status " + strconv.Itoa(e.StatusCode) + ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *GatewayError) Unwrap() error { return e.Err }

// Temporary reports whether retrying later may succeed.
func (e *GatewayError) Temporary() bool {
	return e.Kind == GatewayUnreachable || e.Kind == GatewayTimeout || e.Kind == GatewayUnavailable
}

// GatewayConfig configures a Gateway. The zero value works.
type GatewayConfig struct {
	// URL is the gateway base URL. Empty means the WACHT_GATEWAY_URL
	// environment variable, else DefaultGatewayURL.
	URL string
	// HTTPClient sends the checks; nil means a plain client (each call is
	// bounded by Timeout).
	HTTPClient *http.Client
	// Timeout bounds one check (default 10s); the context bounds it too.
	Timeout time.Duration
	// MaxResponseBytes caps the response body (default 1 MiB).
	MaxResponseBytes int64
}

// Gateway asks Wacht's gateway whether a machine caller (API key or OAuth
// access token) may perform a request. It is safe for concurrent use.
type Gateway struct {
	endpoint string
	client   *http.Client
	timeout  time.Duration
	maxBody  int64
}

// NewGateway validates cfg and returns a Gateway. It does no network I/O.
func NewGateway(cfg GatewayConfig) (*Gateway, error) {
	base := cfg.URL
	field := "GatewayConfig.URL"
	if base == "" {
		base = os.Getenv(GatewayURLEnv)
		field = GatewayURLEnv
	}
	if base == "" {
		base = DefaultGatewayURL
	}
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return nil, &ConfigError{Field: field, Problem: "must be an absolute http(s) URL without credentials or query"}
	}
	g := &Gateway{endpoint: u.String() + gatewayCheckPath, client: cfg.HTTPClient, timeout: cfg.Timeout, maxBody: cfg.MaxResponseBytes}
	if g.client == nil {
		g.client = &http.Client{}
	}
	if g.timeout <= 0 {
		g.timeout = DefaultGatewayTimeout
	}
	if g.maxBody <= 0 {
		g.maxBody = defaultGatewayMaxBody
	}
	return g, nil
}

// URL returns the check endpoint.
func (g *Gateway) URL() string { return g.endpoint }

// Check asks the gateway about req. A denial is a Decision with Allowed
// false (and a 401 from the gateway is a denial with DenyInvalidPrincipal);
// an error is always a *GatewayError.
func (g *Gateway) Check(ctx context.Context, req CheckRequest) (*Decision, error) {
	switch {
	case req.Principal.Type != PrincipalAPIKey && req.Principal.Type != PrincipalOAuthAccessToken:
		return nil, &GatewayError{Kind: GatewayInvalidRequest, Message: fmt.Sprintf("principal type %q", truncate(string(req.Principal.Type), 32))}
	case req.Principal.Value == "":
		return nil, &GatewayError{Kind: GatewayInvalidRequest, Message: "empty principal value"}
	case req.Resource == "" || req.Method == "":
		return nil, &GatewayError{Kind: GatewayInvalidRequest, Message: "resource and method are required"}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, &GatewayError{Kind: GatewayInvalidRequest, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, g.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, &GatewayError{Kind: GatewayInvalidRequest, Err: err}
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", UserAgent)
	res, err := g.client.Do(hr)
	if err != nil {
		kind := GatewayUnreachable
		if ctx.Err() != nil {
			kind = GatewayTimeout
		}
		return nil, &GatewayError{Kind: kind, Err: redactErr(err, req.Principal.Value)}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, g.maxBody+1))
	if err != nil {
		kind := GatewayUnreachable
		if ctx.Err() != nil {
			kind = GatewayTimeout
		}
		return nil, &GatewayError{Kind: kind, StatusCode: res.StatusCode, Message: "reading the response", Err: redactErr(err, req.Principal.Value)}
	}
	if int64(len(raw)) > g.maxBody {
		return nil, &GatewayError{Kind: GatewayBadResponse, StatusCode: res.StatusCode, Message: "response body too large"}
	}
	msg := func() string { return redact(gatewayMessage(raw), req.Principal.Value) }
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300,
		res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusTooManyRequests:
		var w wireDecision
		if err := json.Unmarshal(raw, &w); err != nil || w.Allowed == nil {
			if res.StatusCode == http.StatusTooManyRequests {
				return &Decision{Reason: DenyRateLimited, RetryAfter: retryAfterHeader(res.Header), Message: msg()}, nil
			}
			if res.StatusCode == http.StatusForbidden {
				return &Decision{Reason: DenyPermissionDenied, Message: msg()}, nil
			}
			return nil, &GatewayError{Kind: GatewayBadResponse, StatusCode: res.StatusCode, Message: "not an authz decision"}
		}
		d := w.decision()
		if res.StatusCode >= 300 && d.Allowed {
			return nil, &GatewayError{Kind: GatewayBadResponse, StatusCode: res.StatusCode, Message: "allowed decision with an error status"}
		}
		if d.RetryAfter == 0 && !d.Allowed {
			d.RetryAfter = retryAfterHeader(res.Header)
		}
		return d, nil
	case res.StatusCode == http.StatusUnauthorized:
		return &Decision{Reason: DenyInvalidPrincipal, Message: msg(), Headers: map[string]string{}}, nil
	case res.StatusCode >= 500:
		return nil, &GatewayError{Kind: GatewayUnavailable, StatusCode: res.StatusCode, Message: msg()}
	default:
		return nil, &GatewayError{Kind: GatewayRejected, StatusCode: res.StatusCode, Message: msg()}
	}
}

func (w *wireDecision) decision() *Decision {
	d := &Decision{
		RequestID:   w.RequestID,
		Allowed:     *w.Allowed,
		Reason:      w.Reason,
		BlockedRule: w.BlockedRule,
		Identity:    w.Identity,
		Permissions: w.Permissions,
		Metadata:    w.Metadata,
		RateLimits:  w.RateLimits,
		Headers:     w.Headers,
	}
	if d.Permissions == nil {
		d.Permissions = []string{}
	}
	if d.Headers == nil {
		d.Headers = map[string]string{}
	}
	if w.RetryAfter != nil && *w.RetryAfter > 0 && *w.RetryAfter < 1e6 {
		d.RetryAfter = time.Duration(*w.RetryAfter * float64(time.Second))
	}
	if !d.Allowed && d.Reason == "" {
		d.Reason = DenyPermissionDenied
	}
	if pt, ok := w.Metadata["principal_type"].(string); ok {
		d.PrincipalType = PrincipalType(pt)
	}
	if sc, ok := w.Metadata["scopes"].([]any); ok {
		for _, s := range sc {
			if str, ok := s.(string); ok {
				d.Scopes = append(d.Scopes, str)
			}
		}
	}
	if ea, ok := w.Metadata["expires_at"].(string); ok {
		if t, err := time.Parse(time.RFC3339, ea); err == nil {
			d.ExpiresAt = t
		}
	}
	return d
}

func retryAfterHeader(h http.Header) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// gatewayMessage extracts a short message from an error body.
func gatewayMessage(raw []byte) string {
	var e struct {
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
		Message string `json:"message"`
	}
	msg := ""
	if json.Unmarshal(raw, &e) == nil {
		if len(e.Errors) > 0 {
			msg = e.Errors[0].Message
		} else {
			msg = e.Message
		}
	} else {
		msg = strings.TrimSpace(string(raw))
	}
	return truncate(strings.Map(func(r rune) rune {
		if r < 0x20 {
			return ' '
		}
		return r
	}, msg), 200)
}

func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[redacted]")
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redactErr(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &redactedError{msg: redact(err.Error(), secret), err: errors.Unwrap(err)}
}
