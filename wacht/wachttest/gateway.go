package wachttest

import (
	"fmt"
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
	mux.Handle("POST /v1/authz/check", s.route("gateway", RouteAuthzCheck, nil, false, s.authzCheck))
	mux.Handle("/", s.route("gateway", "", nil, false, func(w http.ResponseWriter, r *http.Request) error {
		return notFound("no gateway route " + r.Method + " " + r.URL.Path)
	}))
	return mux
}

type authzRequest struct {
	Principal struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"principal"`
	Resource            string   `json:"resource"`
	Method              string   `json:"method"`
	ClientIP            string   `json:"client_ip"`
	UserAgent           string   `json:"user_agent"`
	RequiredPermissions []string `json:"required_permissions"`
}

type authzIdentity struct {
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

type authzRateLimit struct {
	Rule      string `json:"rule"`
	Remaining int    `json:"remaining"`
	Limit     int    `json:"limit"`
}

type authzResponse struct {
	RequestID   string            `json:"request_id"`
	Allowed     bool              `json:"allowed"`
	Reason      string            `json:"reason,omitempty"`
	BlockedRule string            `json:"blocked_rule,omitempty"`
	Identity    *authzIdentity    `json:"identity,omitempty"`
	Permissions []string          `json:"permissions"`
	Metadata    map[string]any    `json:"metadata,omitempty"`
	RateLimits  []authzRateLimit  `json:"rate_limits"`
	RetryAfter  *int              `json:"retry_after,omitempty"`
	Headers     map[string]string `json:"headers"`
}

func (s *Server) authzCheck(w http.ResponseWriter, r *http.Request) error {
	var req authzRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	switch {
	case req.Principal.Type != "api_key" && req.Principal.Type != "oauth_access_token":
		return badRequest(`principal.type must be "api_key" or "oauth_access_token"`)
	case req.Principal.Value == "":
		return badRequest("principal.value is required")
	case req.Resource == "" || req.Method == "":
		return badRequest("resource and method are required")
	}
	if req.Principal.Type == "oauth_access_token" {
		return &httpError{http.StatusUnauthorized, "unknown OAuth access token (the emulator issues none)"}
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	now := time.Now().UTC()
	hash := hashSecret(req.Principal.Value)
	var key *apiKey
	for _, k := range st.apiKeys {
		if constantEq(k.Hash, hash) {
			key = k
		}
	}
	switch {
	case key == nil:
		return &httpError{http.StatusUnauthorized, "invalid API key"}
	case !key.Active:
		return &httpError{http.StatusUnauthorized, "API key has been revoked"}
	case key.ExpiresAt != nil && !now.Before(*key.ExpiresAt):
		return &httpError{http.StatusUnauthorized, "API key has expired"}
	}
	app := st.apiApps[key.AppSlug]
	if app == nil || !app.Active {
		return &httpError{http.StatusUnauthorized, "API key's app is inactive"}
	}

	perms := []string{}
	for _, set := range [][]string{key.Permissions, key.OrgRolePerms, key.WsRolePerms} {
		for _, p := range set {
			if !slices.Contains(perms, p) {
				perms = append(perms, p)
			}
		}
	}
	resp := authzResponse{
		RequestID: "req_" + randomHex(12),
		Allowed:   true,
		Identity: &authzIdentity{KeyID: key.ID, DeploymentID: DeploymentID, AppSlug: key.AppSlug, KeyName: key.Name,
			OwnerUserID: deref(key.OwnerUserID), OrganizationID: deref(key.OrgID), WorkspaceID: deref(key.WorkspaceID),
			OrganizationMembershipID: deref(key.OrgMembershipID), WorkspaceMembershipID: deref(key.WsMembershipID)},
		Permissions: perms,
		RateLimits:  []authzRateLimit{},
		Headers:     map[string]string{},
	}
	md := map[string]any{}
	for k, v := range key.Metadata {
		md[k] = v
	}
	md["principal_type"] = "api_key"
	md["permissions_checked"] = nonNil(slices.Clone(req.RequiredPermissions))
	md["scopes"] = []string{}
	md["resource"] = req.Resource
	if key.ExpiresAt != nil {
		md["expires_at"] = key.ExpiresAt.Format(time.RFC3339)
	}
	resp.Metadata = md

	if len(app.Resources) > 0 && !slices.ContainsFunc(app.Resources, func(p string) bool { return matchResource(p, req.Resource) }) {
		resp.Allowed, resp.Reason, resp.BlockedRule = false, "permission_denied", "resources"
	}
	for _, p := range req.RequiredPermissions {
		if resp.Allowed && !slices.Contains(perms, p) {
			resp.Allowed, resp.Reason, resp.BlockedRule = false, "permission_denied", "permission:"+p
		}
	}

	// Rate limits: the app's scheme, the key's scheme, then the key's own rules.
	var rules []RateLimit
	if app.SchemeSlug != nil {
		if sc := st.schemes[*app.SchemeSlug]; sc != nil {
			rules = append(rules, sc.Rules...)
		}
	}
	if key.SchemeSlug != nil {
		if sc := st.schemes[*key.SchemeSlug]; sc != nil {
			rules = append(rules, sc.Rules...)
		}
	}
	rules = append(rules, key.RateLimits...)
	if resp.Allowed {
		s.applyRateLimits(&resp, rules, key, req, now)
	}
	if resp.Allowed {
		key.LastUsedAt = ptr(now)
	}
	return ok(w, resp)
}

// deref reads an optional field; absent is the zero value.
func deref[T any](p *T) T {
	var v T
	if p != nil {
		v = *p
	}
	return v
}

// matchResource matches an exact path, or a prefix pattern ending in "*".
func matchResource(pattern, resource string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(resource, p)
	}
	return pattern == resource
}

func ruleName(r RateLimit) string {
	mode := r.Mode
	if mode == "" {
		mode = "per_key"
	}
	return fmt.Sprintf("%s:%d/%d%s", mode, r.MaxRequests, r.Duration, r.Unit)
}

type windowKey struct {
	rule   string
	bucket string
}

type window struct {
	start time.Time
	count int
}

// limiter counts requests in fixed windows.
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

func (s *Server) applyRateLimits(resp *authzResponse, rules []RateLimit, key *apiKey, req authzRequest, now time.Time) {
	type state struct {
		rule  RateLimit
		name  string
		win   *window
		size  time.Duration
		reset time.Time
	}
	var states []state
	lim := s.st.limiter
	lim.mu.Lock()
	defer lim.mu.Unlock()
	for _, r := range rules {
		if len(r.Endpoints) > 0 && !slices.ContainsFunc(r.Endpoints, func(p string) bool { return matchResource(p, req.Resource) }) {
			continue
		}
		unit, err := unitDuration(r.Unit)
		if err != nil {
			continue
		}
		size := unit * time.Duration(r.Duration)
		bucket := key.ID
		switch r.Mode {
		case "per_app":
			bucket = "app:" + key.AppSlug
		case "per_key_and_ip":
			bucket = key.ID + "|" + req.ClientIP
		case "per_app_and_ip":
			bucket = "app:" + key.AppSlug + "|" + req.ClientIP
		}
		name := ruleName(r)
		wk := windowKey{rule: key.AppSlug + "/" + name, bucket: bucket}
		w := lim.windows[wk]
		if w == nil && len(lim.windows) >= maxWindows {
			lim.prune(now)
		}
		if w == nil || !now.Before(w.start.Add(size)) {
			w = &window{start: now}
			lim.windows[wk] = w
		}
		states = append(states, state{rule: r, name: name, win: w, size: size, reset: w.start.Add(size)})
	}
	var blocked *state
	for i := range states {
		if states[i].win.count >= states[i].rule.MaxRequests {
			blocked = &states[i]
			break
		}
	}
	if blocked == nil {
		for i := range states {
			states[i].win.count++
		}
	}
	var tightest *state
	for i := range states {
		st := &states[i]
		remaining := max(st.rule.MaxRequests-st.win.count, 0)
		resp.RateLimits = append(resp.RateLimits, authzRateLimit{Rule: st.name, Remaining: remaining, Limit: st.rule.MaxRequests})
		if tightest == nil || remaining < max(tightest.rule.MaxRequests-tightest.win.count, 0) {
			tightest = st
		}
	}
	if blocked != nil {
		tightest = blocked
	}
	if tightest != nil {
		resetSecs := int(max((tightest.reset.Sub(now)+time.Second-1)/time.Second, 1))
		resp.Headers["X-RateLimit-Limit"] = strconv.Itoa(tightest.rule.MaxRequests)
		resp.Headers["X-RateLimit-Remaining"] = strconv.Itoa(max(tightest.rule.MaxRequests-tightest.win.count, 0))
		resp.Headers["X-RateLimit-Reset"] = strconv.Itoa(resetSecs)
		if blocked != nil {
			resp.Allowed, resp.Reason, resp.BlockedRule = false, "rate_limited", blocked.name
			resp.RetryAfter = ptr(resetSecs)
			resp.Headers["Retry-After"] = strconv.Itoa(resetSecs)
		}
	}
}
