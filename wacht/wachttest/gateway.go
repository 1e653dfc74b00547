package wachttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// gatewayHandler serves POST /v1/authz/check, deciding from the API keys in
// the backend state.
func (s *Server) gatewayHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/authz/check", s.route("gateway", RouteAuthzCheck, "", false, s.authzCheck))
	mux.Handle("/", s.route("gateway", "", "", false, func(w http.ResponseWriter, r *http.Request) error {
		return notFound("no gateway route " + r.Method + " " + r.URL.Path)
	}))
	return mux
}

// The gateway's behaviour below follows platform/src/gateway/handlers.rs
// (and its neighbours) at platform commit 14c45dc78f5a; line numbers cite
// that file unless another is named.

// authzRequest is AuthzCheckRequest (88-112): unknown fields are rejected,
// in the principal too.
type authzRequest struct {
	Principal           *authzPrincipal `json:"principal"`
	Resource            *string         `json:"resource"`
	Method              *string         `json:"method"`
	ClientIP            *string         `json:"client_ip"`
	UserAgent           *string         `json:"user_agent"`
	RequiredPermissions []string        `json:"required_permissions"`
}

type authzPrincipal struct {
	Type  *string `json:"type"`
	Value *string `json:"value"`
}

type authzIdentity struct {
	KeyID                    string  `json:"key_id"`
	DeploymentID             string  `json:"deployment_id"`
	AppSlug                  string  `json:"app_slug"`
	KeyName                  string  `json:"key_name"`
	OwnerUserID              *string `json:"owner_user_id"`
	OrganizationID           *string `json:"organization_id"`
	WorkspaceID              *string `json:"workspace_id"`
	OrganizationMembershipID *string `json:"organization_membership_id"`
	WorkspaceMembershipID    *string `json:"workspace_membership_id"`
}

type authzRateLimit struct {
	Rule      string `json:"rule"`
	Remaining int    `json:"remaining"`
	Limit     int    `json:"limit"`
}

// authzResponse is AuthzCheckResponse (127-139); serde writes a None as
// null, so nothing is omitted.
type authzResponse struct {
	RequestID   string            `json:"request_id"`
	Allowed     bool              `json:"allowed"`
	Reason      *string           `json:"reason"`
	BlockedRule *string           `json:"blocked_rule"`
	Identity    *authzIdentity    `json:"identity"`
	Permissions []string          `json:"permissions"`
	Metadata    any               `json:"metadata"`
	RateLimits  []authzRateLimit  `json:"rate_limits"`
	RetryAfter  *int64            `json:"retry_after"` // milliseconds
	Headers     map[string]string `json:"headers"`
}

// allowedAuthzMethods is ALLOWED_HTTP_METHODS (25).
var allowedAuthzMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// authzRefusal is error_response (262-280): the answer's shape with
// allowed false and nothing else.
func authzRefusal(w http.ResponseWriter, status int, requestID string) error {
	writeJSON(w, status, authzResponse{RequestID: requestID, Permissions: []string{}, RateLimits: []authzRateLimit{}, Headers: map[string]string{}})
	return nil
}

// plainText answers like an axum (StatusCode, &str) response.
func plainText(w http.ResponseWriter, status int, msg string) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
	return nil
}

// decodeAuthz reads the body the way axum's Json extractor with
// deny_unknown_fields does: 415 without a JSON content type, 400 for
// broken JSON, 422 for a body of the wrong shape, all in plain text.
func decodeAuthz(w http.ResponseWriter, r *http.Request) (authzRequest, bool) {
	var req authzRequest
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" && !strings.HasSuffix(ct, "+json") {
		_ = plainText(w, http.StatusUnsupportedMediaType, "Expected request with `Content-Type: application/json`")
		return req, false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(b) > maxBody {
		_ = plainText(w, http.StatusBadRequest, "Failed to buffer the request body")
		return req, false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			_ = plainText(w, http.StatusBadRequest, "Failed to parse the request body as JSON: "+err.Error())
		} else {
			_ = plainText(w, http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: "+err.Error())
		}
		return req, false
	}
	missing := ""
	switch {
	case req.Principal == nil:
		missing = "principal"
	case req.Principal.Type == nil:
		missing = "principal.type"
	case req.Principal.Value == nil:
		missing = "principal.value"
	case req.Resource == nil:
		missing = "resource"
	case req.Method == nil:
		missing = "method"
	}
	if missing != "" {
		_ = plainText(w, http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: missing field `"+missing+"`")
		return req, false
	}
	if t := *req.Principal.Type; t != "api_key" && t != "oauth_access_token" {
		_ = plainText(w, http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: principal.type: unknown variant `"+t+"`, expected `api_key` or `oauth_access_token`")
		return req, false
	}
	return req, true
}

// normalizeResource is normalize_resource_path (162-185).
func normalizeResource(resource string) (string, bool) {
	n := strings.TrimSpace(resource)
	if i := strings.IndexByte(n, '#'); i >= 0 {
		n = n[:i]
	}
	if i := strings.IndexByte(n, '?'); i >= 0 {
		n = n[:i]
	}
	if n = strings.TrimSpace(n); n == "" {
		return "", false
	}
	if !strings.HasPrefix(n, "/") {
		n = "/" + n
	}
	return n, true
}

func (s *Server) authzCheck(w http.ResponseWriter, r *http.Request) error {
	req, decoded := decodeAuthz(w, r)
	if !decoded {
		return nil
	}
	requestID := "req_" + randomHex(12)
	method := strings.ToUpper(strings.TrimSpace(*req.Method))
	if !slices.Contains(allowedAuthzMethods, method) {
		return authzRefusal(w, http.StatusBadRequest, requestID)
	}
	resource, valid := normalizeResource(*req.Resource)
	if !valid {
		return authzRefusal(w, http.StatusBadRequest, requestID)
	}
	value := strings.TrimSpace(*req.Principal.Value)
	if *req.Principal.Type == "oauth_access_token" {
		// The emulator issues no OAuth access tokens, so every one is
		// unknown: error_response(401, "invalid_token") (695).
		return authzRefusal(w, http.StatusUnauthorized, requestID)
	}
	if value == "" {
		return authzRefusal(w, http.StatusUnauthorized, requestID) // 318-321
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	now := time.Now().UTC()
	hash := hashSecret(value)
	var key *apiKey
	for _, k := range st.apiKeys {
		if constantEq(k.Hash, hash) {
			key = k
		}
	}
	app := (*apiApp)(nil)
	if key != nil {
		app = st.apiApps[key.AppSlug]
	}
	// The key lookup only finds active keys of active apps
	// (queries/src/api_key_gateway.rs:61-68); a miss is a plain-text 401
	// (rate_limit/service.rs:170-178).
	if key == nil || !key.Active || app == nil || !app.Active {
		return plainText(w, http.StatusUnauthorized, "Invalid API key")
	}
	if key.ExpiresAt != nil && key.ExpiresAt.Before(now) {
		return authzRefusal(w, http.StatusUnauthorized, requestID) // 340-344
	}

	// Effective permissions: the key's, its organization role's and its
	// workspace role's, deduplicated and sorted (375-385).
	perms := []string{}
	for _, set := range [][]string{key.Permissions, key.OrgRolePerms, key.WsRolePerms} {
		for _, p := range set {
			if !slices.Contains(perms, p) {
				perms = append(perms, p)
			}
		}
	}
	slices.Sort(perms)

	// Identity headers (387-449): lower-case names, as an http::HeaderMap
	// turned into a map writes them (152-160).
	headers := map[string]string{
		"x-wacht-key-id":        key.ID,
		"x-wacht-deployment-id": DeploymentID,
		"x-wacht-app-slug":      key.AppSlug,
		"x-wacht-key-name":      headerValue(key.Name),
	}
	for name, v := range map[string]*string{
		"x-wacht-organization-id": key.OrgID, "x-wacht-workspace-id": key.WorkspaceID,
		"x-wacht-organization-membership-id": key.OrgMembershipID, "x-wacht-workspace-membership-id": key.WsMembershipID,
	} {
		if v != nil {
			headers[name] = *v
		}
	}
	if len(perms) > 0 {
		headers["x-wacht-permissions"] = strings.Join(perms, ",")
	}
	if md := metadataHeader(key.Metadata); md != "" {
		headers["x-wacht-metadata"] = md
	}

	metadata := map[string]any{}
	for k, v := range key.Metadata {
		metadata[k] = v
	}
	resp := authzResponse{
		RequestID: requestID,
		Allowed:   true,
		Identity: &authzIdentity{KeyID: key.ID, DeploymentID: DeploymentID, AppSlug: key.AppSlug, KeyName: key.Name,
			OwnerUserID: key.OwnerUserID, OrganizationID: key.OrgID, WorkspaceID: key.WorkspaceID,
			OrganizationMembershipID: key.OrgMembershipID, WorkspaceMembershipID: key.WsMembershipID},
		Permissions: perms,
		// An API key's metadata is the key's own, as stored (655).
		Metadata:   metadata,
		RateLimits: []authzRateLimit{},
		Headers:    headers,
	}

	// Required permissions are trimmed, joined with " AND " and evaluated
	// as an expression (451-481, validation.rs:99-204).
	var required []string
	for _, p := range req.RequiredPermissions {
		if p = strings.TrimSpace(p); p != "" {
			required = append(required, p)
		}
	}
	if len(required) > 0 && !permissionExprHolds(perms, strings.Join(required, " AND ")) {
		resp.Allowed = false
		resp.Reason, resp.BlockedRule = ptr("permission_denied"), ptr("permission_denied")
		headers["x-wacht-permission-denied"] = "true"
	}
	if resp.Allowed {
		s.applyRateLimits(&resp, st.rulesFor(key, app, resource), key, ptrOr(req.ClientIP, "127.0.0.1"), resource, now)
		key.LastUsedAt = ptr(now)
	}
	// Every decision on a key is logged for the audit views (603-619).
	outcome := "VALID"
	if !resp.Allowed {
		outcome = "BLOCKED"
	}
	st.audit = append(st.audit, auditEntry{RequestID: requestID, DeploymentID: DeploymentID, AppSlug: key.AppSlug, KeyID: key.ID,
		KeyName: key.Name, Outcome: outcome, BlockedByRule: resp.BlockedRule, ClientIP: ptrOr(req.ClientIP, "127.0.0.1"),
		Path: method + " " + resource, UserAgent: req.UserAgent, RateLimits: slices.Clone(resp.RateLimits), Timestamp: now})
	return ok(w, resp)
}

// ptrOr reads an optional string, trimmed; empty or absent is def.
func ptrOr(p *string, def string) string {
	if p != nil {
		if v := strings.TrimSpace(*p); v != "" {
			return v
		}
	}
	return def
}

// headerValue is safe_header_value (148-150): a value that cannot be a
// header value is sent as "invalid".
func headerValue(v string) string {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return "invalid"
		}
	}
	return v
}

// metadataHeader is x-wacht-metadata (436-449): the string-valued entries
// as k=v joined with commas, in key order (serde_json's map is sorted).
func metadataHeader(md map[string]any) string {
	keys := make([]string, 0, len(md))
	for k, v := range md {
		if _, ok := v.(string); ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, k+"="+md[k].(string))
	}
	v := strings.Join(pairs, ",")
	if headerValue(v) != v {
		return "" // the gateway leaves the header out (444-446)
	}
	return v
}

// permissionExprHolds evaluates a required-permissions expression the way
// check_permissions does (validation.rs:99-204): without " AND " or " OR "
// commas separate names that must all be held; otherwise OR binds
// loosest, then AND, and parentheses group.
func permissionExprHolds(held []string, expr string) bool {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return true
	}
	if !strings.Contains(expr, " AND ") && !strings.Contains(expr, " OR ") {
		for _, p := range strings.Split(expr, ",") {
			if p = strings.TrimSpace(p); p != "" && !slices.Contains(held, p) {
				return false
			}
		}
		return true
	}
	return evalOr(held, expr)
}

func evalOr(held []string, expr string) bool {
	for _, part := range splitTopLevel(expr, " OR ") {
		if evalAnd(held, part) {
			return true
		}
	}
	return false
}

func evalAnd(held []string, expr string) bool {
	for _, part := range splitTopLevel(expr, " AND ") {
		part = strings.TrimSpace(part)
		if strings.HasPrefix(part, "(") && strings.HasSuffix(part, ")") {
			if !evalOr(held, part[1:len(part)-1]) {
				return false
			}
		} else if !slices.Contains(held, part) {
			return false
		}
	}
	return true
}

// splitTopLevel splits s at sep outside parentheses.
func splitTopLevel(s, sep string) []string {
	var parts []string
	depth, last := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		}
		if depth == 0 && strings.HasPrefix(s[i:], sep) {
			parts = append(parts, s[last:i])
			last = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(parts, s[last:])
}

// deref reads an optional field; absent is the zero value.
func deref[T any](p *T) T {
	var v T
	if p != nil {
		v = *p
	}
	return v
}

// rulesFor picks the rate-limit rules for a check: the key's scheme, else
// its app's (COALESCE in queries/src/api_key_gateway.rs:56), keeping the
// rules whose endpoints match the resource, by priority (484-494); then
// the key's own rules, an emulator extension. With none, the gateway's
// default applies: 1000 requests a minute per app (187-196).
func (st *store) rulesFor(key *apiKey, app *apiApp, resource string) []RateLimit {
	slug := key.SchemeSlug
	if slug == nil {
		slug = app.SchemeSlug
	}
	var rules []RateLimit
	if slug != nil {
		if sc := st.schemes[*slug]; sc != nil {
			for _, r := range sc.Rules {
				if len(r.Endpoints) == 0 || slices.ContainsFunc(r.Endpoints, func(e string) bool { return e == "*" || e == resource }) {
					rules = append(rules, r)
				}
			}
			slices.SortStableFunc(rules, func(a, b RateLimit) int { return a.Priority - b.Priority })
		}
	}
	rules = append(rules, key.RateLimits...)
	if len(rules) == 0 {
		rules = []RateLimit{{Unit: "minute", Duration: 1, MaxRequests: 1000, Mode: "per_app"}}
	}
	return rules
}

// windowName is how the gateway names a window in rules and headers: whole
// seconds, or milliseconds below one second (564-568).
func windowName(size time.Duration) string {
	if size < time.Second {
		return strconv.FormatInt(size.Milliseconds(), 10) + "ms"
	}
	return strconv.FormatInt(size.Milliseconds()/1000, 10) + "s"
}

type windowKey struct {
	rule   string
	bucket string
}

type window struct {
	start time.Time
	count int
}

// limiter counts requests in fixed windows. (The gateway slides its
// windows over millisecond buckets; fixed windows keep tests exact.)
type limiter struct {
	mu      sync.Mutex
	windows map[windowKey]*window
}

func newLimiter() *limiter { return &limiter{windows: map[windowKey]*window{}} }

// maxWindows bounds the limiter's memory; past it, windows idle for a day
// are dropped.
const maxWindows = 100000

func (l *limiter) prune(now time.Time) {
	for k, w := range l.windows {
		if now.Sub(w.start) > 24*time.Hour {
			delete(l.windows, k)
		}
	}
}

// applyRateLimits checks every rule in turn as the gateway does (535-599):
// a rule with room counts the request even when another rule blocks it;
// each rule reports x-ratelimit-<window>-limit and -remaining, a blocked
// one x-ratelimit-<window>-reset too, carrying the same number as
// retry_after: the window's length in milliseconds (window.rs:270), the
// smallest over the blocked rules. blocked_rule names the first.
func (s *Server) applyRateLimits(resp *authzResponse, rules []RateLimit, key *apiKey, clientIP, resource string, now time.Time) {
	lim := s.st.limiter
	lim.mu.Lock()
	defer lim.mu.Unlock()
	var retryAfter *int64
	for _, r := range rules {
		unit, err := unitDuration(r.Unit)
		if err != nil || r.Duration <= 0 || r.MaxRequests <= 0 {
			continue
		}
		size := unit * time.Duration(r.Duration)
		name := windowName(size)
		rule := strconv.Itoa(r.MaxRequests) + "/" + name
		var bucket string
		switch r.Mode {
		case "per_key":
			bucket = "key:" + key.ID + ":" + resource
		case "per_key_and_ip":
			bucket = "key_ip:" + key.ID + ":" + clientIP + ":" + resource
		case "per_app_and_ip":
			bucket = "app_ip:" + key.AppSlug + ":" + clientIP
		default: // per_app is the default mode (models/src/api_key.rs:49-53)
			bucket = "app:" + key.AppSlug
		}
		// The gateway keys a window by mode, principal and length only
		// (535-558); the limit is added here so that a key's own rules (an
		// emulator extension) never share a counter with its scheme's.
		wk := windowKey{rule: rule, bucket: bucket}
		w := lim.windows[wk]
		if w == nil && len(lim.windows) >= maxWindows {
			lim.prune(now)
		}
		if w == nil || !now.Before(w.start.Add(size)) {
			w = &window{start: now}
			lim.windows[wk] = w
		}
		allowed := w.count < r.MaxRequests
		if allowed {
			w.count++
		}
		remaining := max(r.MaxRequests-w.count, 0)
		resp.Headers["x-ratelimit-"+name+"-limit"] = strconv.Itoa(r.MaxRequests)
		resp.Headers["x-ratelimit-"+name+"-remaining"] = strconv.Itoa(remaining)
		if !allowed {
			ms := size.Milliseconds()
			if retryAfter == nil || ms < *retryAfter {
				retryAfter = &ms
			}
			resp.Headers["x-ratelimit-"+name+"-reset"] = strconv.FormatInt(ms, 10)
			if resp.Allowed {
				resp.Allowed, resp.Reason, resp.BlockedRule = false, ptr("rate_limited"), ptr(rule)
			}
		}
		resp.RateLimits = append(resp.RateLimits, authzRateLimit{Rule: rule, Remaining: remaining, Limit: r.MaxRequests})
	}
	resp.RetryAfter = retryAfter
}
