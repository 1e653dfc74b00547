package auth

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/wacht-platform/serverless-go/wacht"
)

// Gateway defaults.
const (
	DefaultGatewayURL     = "https://gateway.wacht.dev"
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
	return "auth.Principal{" + string(p.Type) + ", value: redacted}"
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

// CheckRequest is one authorization question for the gateway. The gateway
// rejects a body with any field it does not know (deny_unknown_fields on
// AuthzCheckRequest and AuthzPrincipal, platform/src/gateway/handlers.rs:88-112
// at platform commit 14c45dc78f5a), so this struct carries exactly its
// fields.
type CheckRequest struct {
	Principal Principal `json:"principal"`
	Resource  string    `json:"resource"`
	Method    string    `json:"method"`
	ClientIP  string    `json:"client_ip,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
	// RequiredPermissions must all be held: the gateway joins them with
	// " AND " (handlers.rs:451-463 for API keys, 793 for OAuth tokens) and
	// evaluates the expression (validation.rs:99-117). Empty means no
	// permission check; rate limits still apply. Check refuses names that
	// ValidateRequiredPermissions refuses.
	RequiredPermissions []string `json:"required_permissions,omitempty"`
}

// CheckRequestFromHTTP builds a CheckRequest for r that requires all of
// requiredPermissions: the principal from PrincipalFromRequest, the
// resource from the URL path, the method, the user agent, and the client IP
// from r.RemoteAddr. X-Forwarded-For is not trusted; platform adapters that
// know the real client address should put it in RemoteAddr or overwrite
// ClientIP. ok is false when r carries no machine credential.
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

// ValidateRequiredPermissions reports the first permission name the gateway
// would not read as a single name. The gateway trims each name, drops empty
// ones, joins the rest with " AND " and parses the result as an expression
// in which commas also mean AND, " OR " means OR and parentheses group
// (handlers.rs:451-463, validation.rs:99-204). A name holding white space,
// a comma or a parenthesis would therefore change what is checked:
// requiring "a OR b" would accept a key holding either. Such names, and
// empty ones, are refused rather than sent.
func ValidateRequiredPermissions(perms []string) error {
	for _, p := range perms {
		if p == "" {
			return errors.New("wacht: a required permission is empty")
		}
		if strings.ContainsFunc(p, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == '(' || r == ')' }) {
			return fmt.Errorf("wacht: required permission %q contains white space, a comma or a parenthesis, which the gateway reads as an AND/OR expression", truncate(p, 64))
		}
	}
	return nil
}

// Deny reasons on a Decision.
const (
	DenyPermissionDenied = "permission_denied"
	DenyRateLimited      = "rate_limited"
	// DenyInvalidPrincipal is set by this client when the gateway answers
	// 401: the key or token is unknown, revoked or expired.
	DenyInvalidPrincipal = "invalid_principal"
)

// GatewayIdentity is who the machine credential belongs to, from the
// answer's identity object (handlers.rs:114-125). For an OAuth access
// token KeyID is the OAuth client's numeric id and KeyName its client_id
// (handlers.rs:971-981).
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
// Rule is "<limit>/<window>", the window in seconds ("100/60s") or, below
// one second, milliseconds ("5/500ms") (handlers.rs:564-568, 594-598).
type GatewayRateLimit struct {
	Rule      string `json:"rule"`
	Remaining int    `json:"remaining"`
	Limit     int    `json:"limit"`
}

// GatewayIdentityHeaders are the x-wacht-* headers of a gateway answer,
// parsed (handlers.rs:387-449 for API keys, 737-791 for OAuth access
// tokens). They describe the caller to this service and are never copied
// onto a response. They repeat Decision.Identity and Permissions and add
// what the body lacks, such as the OAuth issuer. An empty field was not
// sent. The gateway writes "invalid" for a value that is not a legal
// header value (handlers.rs:148-150).
type GatewayIdentityHeaders struct {
	PrincipalType            PrincipalType // x-wacht-principal-type (OAuth tokens only)
	KeyID                    string        // x-wacht-key-id (API keys)
	DeploymentID             string        // x-wacht-deployment-id
	AppSlug                  string        // x-wacht-app-slug
	KeyName                  string        // x-wacht-key-name (API keys)
	OrganizationID           string        // x-wacht-organization-id
	WorkspaceID              string        // x-wacht-workspace-id
	OrganizationMembershipID string        // x-wacht-organization-membership-id
	WorkspaceMembershipID    string        // x-wacht-workspace-membership-id
	Permissions              []string      // x-wacht-permissions, comma-separated
	// Metadata is x-wacht-metadata: the key's string-valued metadata as
	// comma-separated k=v pairs (handlers.rs:436-449). A value holding a
	// comma cannot be told apart from the next pair; Decision.Metadata is
	// the whole object.
	Metadata         map[string]string
	OAuthClientID    string   // x-wacht-oauth-client-id: the OAuth client_id
	OAuthIssuer      string   // x-wacht-oauth-issuer
	OAuthResource    string   // x-wacht-oauth-resource: the resource the token was requested for
	GrantedResource  string   // x-wacht-granted-resource: the resource it was granted for
	OAuthAudience    string   // x-wacht-oauth-audience: the granted resource again
	Scopes           []string // x-wacht-scopes, comma-separated
	PermissionDenied bool     // x-wacht-permission-denied: "true" when required permissions were missing
}

// Decision is the gateway's answer. Everything in it is for this service:
// only ApplyHeaders decides what a caller sees (the rate-limit headers and
// Retry-After).
type Decision struct {
	RequestID string
	Allowed   bool
	Reason    string // DenyPermissionDenied, DenyRateLimited, DenyInvalidPrincipal or ""
	// BlockedRule is "permission_denied" or the rate-limit rule that
	// blocked, such as "100/60s".
	BlockedRule string
	// Message is the gateway's explanation for a DenyInvalidPrincipal.
	Message  string
	Identity *GatewayIdentity // nil when the gateway did not resolve one
	// Permissions held by the principal.
	Permissions []string
	// PrincipalType is the type of the credential that was checked.
	PrincipalType PrincipalType
	// Scopes are an OAuth access token's scopes (metadata.scopes, else the
	// x-wacht-scopes header); nil for API keys.
	Scopes []string
	// ExpiresAt is an OAuth access token's metadata.expires_at; zero when
	// absent, and for API keys, whose answer carries no expiry.
	ExpiresAt time.Time
	// Metadata is the gateway's metadata object as sent: for an API key the
	// key's own metadata (handlers.rs:655), for an OAuth token
	// principal_type, scopes, oauth_resource, granted_resource and
	// expires_at (handlers.rs:983-989).
	Metadata   map[string]any
	RateLimits []GatewayRateLimit
	// RetryAfter is how long a rate-limited caller should wait. The
	// gateway's retry_after is in milliseconds (the blocked window's
	// length: rate_limit/window.rs:69 and 270, handlers.rs:580-583).
	RetryAfter time.Duration
	// IdentityHeaders are the x-wacht-* identity headers, parsed.
	IdentityHeaders GatewayIdentityHeaders
	// Headers is the answer's headers map with names lower-cased: the
	// rate-limit headers and the x-wacht-* identity headers. It is for
	// this service only. Copying it onto a response would give the key's
	// id, name, permissions and metadata to the caller; ApplyHeaders copies
	// only the rate-limit headers.
	Headers map[string]string
}

// rateLimitHeaderPrefix starts the only gateway headers a caller may see:
// x-ratelimit-<window>-limit, -remaining and -reset (handlers.rs:569-588).
const rateLimitHeaderPrefix = "x-ratelimit-"

// ApplyHeaders copies the gateway's rate-limit headers (x-ratelimit-*) onto
// h, and Retry-After when the caller was rate limited. Nothing else from
// the gateway reaches h. The gateway writes a blocked window's
// x-ratelimit-<window>-reset in milliseconds, the same number as
// retry_after (handlers.rs:584-588); it is copied in whole seconds, rounded
// up, so that it agrees with Retry-After.
func (d *Decision) ApplyHeaders(h http.Header) {
	for k, v := range d.Headers {
		if !strings.HasPrefix(k, rateLimitHeaderPrefix) || !validHeaderName(k) || strings.ContainsAny(v, "\r\n\x00") {
			continue
		}
		if strings.HasSuffix(k, "-reset") {
			if ms, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32); err == nil {
				v = strconv.FormatUint((ms+999)/1000, 10)
			}
		}
		h.Set(k, v)
	}
	if d.RetryAfter > 0 && h.Get("Retry-After") == "" {
		h.Set("Retry-After", strconv.FormatInt(int64((d.RetryAfter+time.Second-1)/time.Second), 10))
	}
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// HasPermission reports whether the principal holds perm.
func (d *Decision) HasPermission(perm string) bool {
	return d != nil && slices.Contains(d.Permissions, perm)
}

// wireDecision is the JSON shape of /v1/authz/check (AuthzCheckResponse,
// handlers.rs:127-139).
type wireDecision struct {
	RequestID   string             `json:"request_id"`
	Allowed     *bool              `json:"allowed"`
	Reason      string             `json:"reason"`
	BlockedRule string             `json:"blocked_rule"`
	Identity    *GatewayIdentity   `json:"identity"`
	Permissions []string           `json:"permissions"`
	Metadata    map[string]any     `json:"metadata"`
	RateLimits  []GatewayRateLimit `json:"rate_limits"`
	RetryAfter  *float64           `json:"retry_after"` // milliseconds (u32)
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
	// URL is the gateway base URL. Empty means DefaultGatewayURL. NewGateway
	// reads no environment variable: configuration comes from the caller
	// (the handler kit reads WACHT_GATEWAY_URL from the env it was given).
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
	base := cmp.Or(cfg.URL, DefaultGatewayURL)
	field := "GatewayConfig.URL"
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return nil, &wacht.ConfigError{Field: field, Problem: "must be an absolute http(s) URL without credentials or query"}
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

// Check asks the gateway about req. The gateway answers denials and rate
// limits with HTTP 200 and allowed false (handlers.rs:634-660), and an
// unknown, revoked or expired credential with 401, its body either JSON
// (handlers.rs:262-280) or the plain text "Invalid API key"
// (rate_limit/service.rs:170-178). Both are a Decision with Allowed false,
// the 401 one with DenyInvalidPrincipal; an error is always a
// *GatewayError.
func (g *Gateway) Check(ctx context.Context, req CheckRequest) (*Decision, error) {
	switch {
	case req.Principal.Type != PrincipalAPIKey && req.Principal.Type != PrincipalOAuthAccessToken:
		return nil, &GatewayError{Kind: GatewayInvalidRequest, Message: fmt.Sprintf("principal type %q", truncate(string(req.Principal.Type), 32))}
	case req.Principal.Value == "":
		return nil, &GatewayError{Kind: GatewayInvalidRequest, Message: "empty principal value"}
	case req.Resource == "" || req.Method == "":
		return nil, &GatewayError{Kind: GatewayInvalidRequest, Message: "resource and method are required"}
	}
	if err := ValidateRequiredPermissions(req.RequiredPermissions); err != nil {
		return nil, &GatewayError{Kind: GatewayInvalidRequest, Err: err}
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
	hr.Header.Set("User-Agent", wacht.UserAgent)
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
	msg := func() string { return upstreamMessage(gatewayMessage(raw), req.Principal.Value) }
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
		d := w.decision(req.Principal.Type)
		if res.StatusCode >= 300 && d.Allowed {
			return nil, &GatewayError{Kind: GatewayBadResponse, StatusCode: res.StatusCode, Message: "allowed decision with an error status"}
		}
		if d.RetryAfter == 0 && !d.Allowed {
			d.RetryAfter = retryAfterHeader(res.Header)
		}
		return d, nil
	case res.StatusCode == http.StatusUnauthorized:
		d := &Decision{Reason: DenyInvalidPrincipal, PrincipalType: req.Principal.Type, Message: msg(), Permissions: []string{}, Headers: map[string]string{}}
		var w struct {
			RequestID string `json:"request_id"`
		}
		if json.Unmarshal(raw, &w) == nil {
			d.RequestID = w.RequestID
		}
		return d, nil
	case res.StatusCode >= 500:
		return nil, &GatewayError{Kind: GatewayUnavailable, StatusCode: res.StatusCode, Message: msg()}
	default:
		return nil, &GatewayError{Kind: GatewayRejected, StatusCode: res.StatusCode, Message: msg()}
	}
}

func (w *wireDecision) decision(pt PrincipalType) *Decision {
	d := &Decision{
		RequestID:     w.RequestID,
		Allowed:       *w.Allowed,
		Reason:        w.Reason,
		BlockedRule:   w.BlockedRule,
		Identity:      w.Identity,
		Permissions:   w.Permissions,
		PrincipalType: pt,
		Metadata:      w.Metadata,
		RateLimits:    w.RateLimits,
		Headers:       make(map[string]string, len(w.Headers)),
	}
	// The gateway's names are lower-case already (an http::HeaderMap turned
	// into a map, handlers.rs:152-160); lower-casing here keeps lookups and
	// the rate-limit filter exact whatever the sender's spelling.
	for k, v := range w.Headers {
		lk := strings.ToLower(k)
		if _, dup := d.Headers[lk]; dup && lk != k {
			continue
		}
		d.Headers[lk] = v
	}
	d.IdentityHeaders = parseIdentityHeaders(d.Headers)
	if d.Permissions == nil {
		d.Permissions = []string{}
	}
	if w.RetryAfter != nil && *w.RetryAfter > 0 && *w.RetryAfter <= math.MaxUint32 {
		d.RetryAfter = time.Duration(math.Ceil(*w.RetryAfter)) * time.Millisecond
	}
	if !d.Allowed && d.Reason == "" {
		d.Reason = DenyPermissionDenied
	}
	// An API key's metadata is whatever its creator stored, so only an
	// OAuth token's metadata is read for scopes and expiry.
	if pt == PrincipalOAuthAccessToken {
		if sc, ok := w.Metadata["scopes"].([]any); ok {
			for _, s := range sc {
				if str, ok := s.(string); ok {
					d.Scopes = append(d.Scopes, str)
				}
			}
		}
		if d.Scopes == nil {
			d.Scopes = d.IdentityHeaders.Scopes
		}
		if ea, ok := w.Metadata["expires_at"].(string); ok {
			if t, err := time.Parse(time.RFC3339, ea); err == nil {
				d.ExpiresAt = t
			}
		}
	}
	return d
}

// parseIdentityHeaders reads the x-wacht-* headers of a lower-cased map.
func parseIdentityHeaders(h map[string]string) GatewayIdentityHeaders {
	list := func(name string) []string {
		var out []string
		for _, p := range strings.Split(h[name], ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	ih := GatewayIdentityHeaders{
		PrincipalType:            PrincipalType(h["x-wacht-principal-type"]),
		KeyID:                    h["x-wacht-key-id"],
		DeploymentID:             h["x-wacht-deployment-id"],
		AppSlug:                  h["x-wacht-app-slug"],
		KeyName:                  h["x-wacht-key-name"],
		OrganizationID:           h["x-wacht-organization-id"],
		WorkspaceID:              h["x-wacht-workspace-id"],
		OrganizationMembershipID: h["x-wacht-organization-membership-id"],
		WorkspaceMembershipID:    h["x-wacht-workspace-membership-id"],
		Permissions:              list("x-wacht-permissions"),
		OAuthClientID:            h["x-wacht-oauth-client-id"],
		OAuthIssuer:              h["x-wacht-oauth-issuer"],
		OAuthResource:            h["x-wacht-oauth-resource"],
		GrantedResource:          h["x-wacht-granted-resource"],
		OAuthAudience:            h["x-wacht-oauth-audience"],
		Scopes:                   list("x-wacht-scopes"),
		PermissionDenied:         h["x-wacht-permission-denied"] == "true",
	}
	for _, pair := range list("x-wacht-metadata") {
		if k, v, ok := strings.Cut(pair, "="); ok && k != "" {
			if ih.Metadata == nil {
				ih.Metadata = map[string]string{}
			}
			ih.Metadata[k] = v
		}
	}
	return ih
}

func retryAfterHeader(h http.Header) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// gatewayMessage extracts the message of an error body, whole: the caller
// redacts it and only then cuts it (upstreamMessage).
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
	return msg
}
