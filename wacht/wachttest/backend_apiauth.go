package wachttest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// apiAppView is models::api_key::ApiAuthApp (models/src/api_key.rs:241):
// the optional ids and the scheme slug are left out when unset
// (skip_serializing_if), description and deleted_at are always written
// (null when unset). A live app is never deleted, so deleted_at is null.
type apiAppView struct {
	DeploymentID   string      `json:"deployment_id"`
	UserID         *string     `json:"user_id,omitempty"`
	OrganizationID *string     `json:"organization_id,omitempty"`
	WorkspaceID    *string     `json:"workspace_id,omitempty"`
	AppSlug        string      `json:"app_slug"`
	Name           string      `json:"name"`
	Description    *string     `json:"description"`
	IsActive       bool        `json:"is_active"`
	KeyPrefix      string      `json:"key_prefix"`
	Permissions    []string    `json:"permissions"`
	Resources      []string    `json:"resources"`
	RateLimits     []RateLimit `json:"rate_limits"`
	SchemeSlug     *string     `json:"rate_limit_scheme_slug,omitempty"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
	DeletedAt      *time.Time  `json:"deleted_at"`
}

// schemeView is queries::rate_limit_scheme::RateLimitSchemeData
// (queries/src/rate_limit_scheme.rs:8): unlike almost every other id the
// platform sends, id and deployment_id are plain JSON numbers, not
// strings, and the id is a snowflake above 2^53, so a client must decode
// it as an int64, never through a float64.
type schemeView struct {
	ID           int64       `json:"id"`
	DeploymentID int64       `json:"deployment_id"`
	Slug         string      `json:"slug"`
	Name         string      `json:"name"`
	Description  *string     `json:"description"`
	Rules        []RateLimit `json:"rules"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
}

// apiKeyView is models::api_key::ApiKey (models/src/api_key.rs:296):
// key_hash is skip_serializing and never leaves the server; the optional
// ids and the scheme slug are left out when unset; expires_at,
// last_used_at, revoked_at and revoked_reason are always written.
type apiKeyView struct {
	ID                       string         `json:"id"`
	DeploymentID             string         `json:"deployment_id"`
	AppSlug                  string         `json:"app_slug"`
	Name                     string         `json:"name"`
	KeyPrefix                string         `json:"key_prefix"`
	KeySuffix                string         `json:"key_suffix"`
	Permissions              []string       `json:"permissions"`
	Metadata                 map[string]any `json:"metadata"`
	RateLimits               []RateLimit    `json:"rate_limits"`
	SchemeSlug               *string        `json:"rate_limit_scheme_slug,omitempty"`
	OwnerUserID              *string        `json:"owner_user_id,omitempty"`
	OrganizationID           *string        `json:"organization_id,omitempty"`
	WorkspaceID              *string        `json:"workspace_id,omitempty"`
	OrganizationMembershipID *string        `json:"organization_membership_id,omitempty"`
	WorkspaceMembershipID    *string        `json:"workspace_membership_id,omitempty"`
	OrgRolePermissions       []string       `json:"org_role_permissions"`
	WorkspaceRolePermissions []string       `json:"workspace_role_permissions"`
	ExpiresAt                *time.Time     `json:"expires_at"`
	LastUsedAt               *time.Time     `json:"last_used_at"`
	IsActive                 bool           `json:"is_active"`
	CreatedAt                time.Time      `json:"created_at"`
	UpdatedAt                time.Time      `json:"updated_at"`
	RevokedAt                *time.Time     `json:"revoked_at"`
	RevokedReason            *string        `json:"revoked_reason"`
}

// keyWithSecret is models::api_key::ApiKeyWithSecret
// (models/src/api_key.rs:389): the key is #[serde(flatten)], so its
// fields and secret sit side by side at the top level, not under "key".
type keyWithSecret struct {
	apiKeyView
	Secret string `json:"secret"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (st *store) appView(a *apiApp) apiAppView {
	v := apiAppView{DeploymentID: DeploymentID, UserID: a.UserID, OrganizationID: a.OrgID, WorkspaceID: a.WorkspaceID,
		AppSlug: a.Slug, Name: a.Name, Description: a.Description, IsActive: a.Active, KeyPrefix: a.KeyPrefix,
		Permissions: nonNil(slices.Clone(a.Permissions)), Resources: nonNil(slices.Clone(a.Resources)), RateLimits: []RateLimit{},
		SchemeSlug: a.SchemeSlug, CreatedAt: a.Created, UpdatedAt: a.Updated}
	if a.SchemeSlug != nil {
		if sc, ok := st.schemes[*a.SchemeSlug]; ok {
			v.RateLimits = nonNil(slices.Clone(sc.Rules))
		}
	}
	return v
}

func (sc *rateScheme) view() schemeView {
	dep, _ := strconv.ParseInt(DeploymentID, 10, 64)
	return schemeView{ID: sc.ID, DeploymentID: dep, Slug: sc.Slug, Name: sc.Name, Description: sc.Description,
		Rules: nonNil(slices.Clone(sc.Rules)), CreatedAt: sc.Created, UpdatedAt: sc.Updated}
}

func (k *apiKey) view() apiKeyView {
	md := k.Metadata
	if md == nil {
		md = map[string]any{}
	}
	return apiKeyView{ID: k.ID, DeploymentID: DeploymentID, AppSlug: k.AppSlug, Name: k.Name, KeyPrefix: k.Prefix, KeySuffix: k.Suffix,
		Permissions: nonNil(slices.Clone(k.Permissions)), Metadata: copyMap(md), RateLimits: nonNil(slices.Clone(k.RateLimits)),
		SchemeSlug: k.SchemeSlug, OwnerUserID: k.OwnerUserID, OrganizationID: k.OrgID, WorkspaceID: k.WorkspaceID,
		OrganizationMembershipID: k.OrgMembershipID, WorkspaceMembershipID: k.WsMembershipID,
		OrgRolePermissions: nonNil(slices.Clone(k.OrgRolePerms)), WorkspaceRolePermissions: nonNil(slices.Clone(k.WsRolePerms)),
		ExpiresAt: k.ExpiresAt, LastUsedAt: k.LastUsedAt, IsActive: k.Active, CreatedAt: k.Created, UpdatedAt: k.Updated,
		RevokedAt: k.RevokedAt, RevokedReason: k.RevokedReason}
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ruleEnums checks what serde checks while decoding a RateLimit: unit
// and mode are snake_case enums (models/src/api_key.rs:8,56), so another
// value is axum's 422 before the handler runs.
func ruleEnums(rules []RateLimit) error {
	for i, r := range rules {
		if _, err := unitDuration(r.Unit); err != nil {
			return jsonData(fmt.Sprintf("rules[%d].unit: unknown variant `%s`", i, r.Unit))
		}
		switch r.Mode {
		case "", "per_app", "per_key", "per_key_and_ip", "per_app_and_ip":
		default:
			return jsonData(fmt.Sprintf("rules[%d].mode: unknown variant `%s`", i, r.Mode))
		}
	}
	return nil
}

// validRules is the scheme commands' validate_rules
// (commands/src/rate_limit_scheme.rs:6) with RateLimit::validate
// (models/src/api_key.rs:170): at least one rule, positive numbers, and a
// window each unit allows; a failure is AppError::Validation, a 400.
func validRules(rules []RateLimit) error {
	if len(rules) == 0 {
		return badRequest("Rate limit scheme must include at least one rule")
	}
	return validRuleWindows(rules)
}

func validRuleWindows(rules []RateLimit) error {
	limits := map[string]struct {
		most int
		msg  string
	}{
		"millisecond": {60000, "Millisecond-based limits cannot exceed 60000 milliseconds (60 seconds)"},
		"second":      {1800, "Second-based limits cannot exceed 1800 seconds (30 minutes)"},
		"minute":      {1440, "Minute-based limits cannot exceed 1440 minutes (24 hours)"},
		"hour":        {720, "Hour-based limits cannot exceed 720 hours (30 days)"},
		"day":         {30, "Day-based limits cannot exceed 30 days"},
	}
	exactlyOne := map[string]string{
		"calendar_day":   "Calendar day limits must be exactly 1 day",
		"month":          "Month-based limits must be exactly 1 month (30 days)",
		"calendar_month": "Calendar month limits must be exactly 1 month",
	}
	for _, r := range rules {
		switch {
		case r.Duration <= 0:
			return badRequest("Duration must be positive")
		case r.MaxRequests <= 0:
			return badRequest("Max requests must be positive")
		}
		if l, ok := limits[r.Unit]; ok && r.Duration > l.most {
			return badRequest(l.msg)
		}
		if msg, ok := exactlyOne[r.Unit]; ok && r.Duration != 1 {
			return badRequest(msg)
		}
	}
	return nil
}

func unitDuration(unit string) (time.Duration, error) {
	switch unit {
	case "millisecond":
		return time.Millisecond, nil
	case "second":
		return time.Second, nil
	case "minute":
		return time.Minute, nil
	case "hour":
		return time.Hour, nil
	case "day", "calendar_day":
		return 24 * time.Hour, nil
	case "month", "calendar_month":
		return 30 * 24 * time.Hour, nil
	}
	return 0, fmt.Errorf("unknown unit %q", unit)
}

// idField reads an id the spec types as an integer (or a string).
func idField(n *json.Number) *string {
	if n == nil || n.String() == "" {
		return nil
	}
	return ptr(n.String())
}

func (st *store) apiApp(slug string) (*apiApp, error) { return find(st.apiApps, "API auth app", slug) }

func (s *Server) listAPIApps(w http.ResponseWriter, r *http.Request) error {
	inactive, err := queryBool(r, "include_inactive")
	if err != nil {
		return err
	}
	// ListApiAuthAppsQuery (dto/src/json/api_key.rs:29): limit i32
	// defaulting to 50 (platform/src/application/api_key_app.rs:23).
	return s.listed(r, listParams{defaultLimit: 50, sort: unsorted}, func(st *store, lq listQuery) error {
		return listing[*apiApp, apiAppView]{
			keep:     func(a *apiApp) bool { return a.Active || inactive },
			haystack: func(a *apiApp) string { return a.Slug + " " + a.Name },
			order:    creationOrder[*apiApp],
			view:     st.appView,
		}.serve(w, lq, maps.Values(st.apiApps))
	})
}

type createAPIAppRequest struct {
	UserID         *json.Number `json:"user_id"`
	OrganizationID *json.Number `json:"organization_id"`
	WorkspaceID    *json.Number `json:"workspace_id"`
	AppSlug        string       `json:"app_slug"`
	Name           string       `json:"name"`
	KeyPrefix      string       `json:"key_prefix"`
	Description    *string      `json:"description"`
	SchemeSlug     *string      `json:"rate_limit_scheme_slug"`
	Permissions    []string     `json:"permissions"`
	Resources      []string     `json:"resources"`
}

func (s *Server) createAPIApp(w http.ResponseWriter, r *http.Request) error {
	var req createAPIAppRequest
	// CreateApiAuthAppRequest (dto/src/json/api_key.rs:58).
	if err := bindJSON(r, &req, "app_slug", "name", "key_prefix"); err != nil {
		return err
	}
	if req.UserID != nil && (req.Permissions != nil || req.Resources != nil) {
		// platform/src/application/api_key_app.rs:61
		return badRequest("permissions/resources cannot be set when user_id is attached")
	}
	return s.locked(func(st *store) error {
		a := &apiApp{Slug: req.AppSlug, Name: req.Name, KeyPrefix: req.KeyPrefix, Description: req.Description, SchemeSlug: req.SchemeSlug,
			Permissions: req.Permissions, Resources: req.Resources, UserID: idField(req.UserID), OrgID: idField(req.OrganizationID),
			WorkspaceID: idField(req.WorkspaceID), Active: true}
		if err := st.addAPIApp(a, time.Now().UTC()); err != nil {
			return err
		}
		return ok(w, st.appView(a))
	})
}

func (st *store) addAPIApp(a *apiApp, now time.Time) error {
	if !slugRE.MatchString(a.Slug) {
		return badRequest("app_slug must be lower-case letters, digits, '-' or '_'")
	}
	if strings.TrimSpace(a.Name) == "" || strings.TrimSpace(a.KeyPrefix) == "" {
		return badRequest("name and key_prefix are required")
	}
	if _, exists := st.apiApps[a.Slug]; exists {
		// A unique violation is 409 "Resource already exists"
		// (platform/src/application/error.rs:14).
		return conflict("Resource already exists")
	}
	if a.SchemeSlug != nil {
		if _, ok := st.schemes[*a.SchemeSlug]; !ok {
			return badRequest("rate limit scheme " + *a.SchemeSlug + " does not exist")
		}
	}
	a.Created, a.Updated = now, now
	st.apiApps[a.Slug] = a
	return nil
}

func (s *Server) getAPIApp(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "app_slug", (*store).apiApp, func(st *store, a *apiApp) error {
		return ok(w, st.appView(a))
	})
}

func (s *Server) updateAPIApp(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		OrganizationID *json.Number `json:"organization_id"`
		WorkspaceID    *json.Number `json:"workspace_id"`
		Name           *string      `json:"name"`
		KeyPrefix      *string      `json:"key_prefix"`
		Description    *string      `json:"description"`
		IsActive       *bool        `json:"is_active"`
		SchemeSlug     *string      `json:"rate_limit_scheme_slug"`
		Permissions    *[]string    `json:"permissions"`
		Resources      *[]string    `json:"resources"`
	}
	// UpdateApiAuthAppRequest (dto/src/json/api_key.rs:72): all optional.
	if err := bindJSON(r, &req); err != nil {
		return err
	}
	return within(s, r, "app_slug", (*store).apiApp, func(st *store, a *apiApp) error {
		if a.UserID != nil && (req.Permissions != nil || req.Resources != nil) {
			// platform/src/application/api_key_app.rs:101
			return badRequest("permissions/resources can only be updated when app is not attached to a user")
		}
		next := *a
		if req.OrganizationID != nil {
			next.OrgID = idField(req.OrganizationID)
		}
		if req.WorkspaceID != nil {
			next.WorkspaceID = idField(req.WorkspaceID)
		}
		if req.Name != nil {
			if strings.TrimSpace(*req.Name) == "" {
				return badRequest("name must not be empty")
			}
			next.Name = *req.Name
		}
		if req.KeyPrefix != nil {
			if strings.TrimSpace(*req.KeyPrefix) == "" {
				return badRequest("key_prefix must not be empty")
			}
			next.KeyPrefix = *req.KeyPrefix
		}
		if req.Description != nil {
			next.Description = req.Description
		}
		assign(&next.Active, req.IsActive)
		if req.SchemeSlug != nil {
			if *req.SchemeSlug == "" {
				next.SchemeSlug = nil
			} else if _, ok := st.schemes[*req.SchemeSlug]; !ok {
				return badRequest("rate limit scheme " + *req.SchemeSlug + " does not exist")
			} else {
				next.SchemeSlug = req.SchemeSlug
			}
		}
		if req.Permissions != nil {
			next.Permissions = slices.Clone(*req.Permissions)
		}
		if req.Resources != nil {
			next.Resources = slices.Clone(*req.Resources)
		}
		next.Updated = time.Now().UTC()
		*a = next
		return ok(w, st.appView(a))
	})
}

func (s *Server) deleteAPIApp(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "app_slug", (*store).apiApp, func(st *store, a *apiApp) error {
		delete(st.apiApps, a.Slug)
		for id, k := range st.apiKeys {
			if k.AppSlug == a.Slug {
				delete(st.apiKeys, id)
			}
		}
		return ok(w, empty{})
	})
}

func (s *Server) listSchemes(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		views := viewsOf(oldestFirst(st.schemes, nil), (*rateScheme).view)
		// ListRateLimitSchemesResponse (dto/src/json/api_key.rs:52) is not
		// a paginated envelope: {schemes, total}, the one list with a
		// total.
		return ok(w, struct {
			Schemes []schemeView `json:"schemes"`
			Total   int          `json:"total"`
		}{views, len(views)})
	})
}

func (s *Server) createScheme(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Slug        string      `json:"slug"`
		Name        string      `json:"name"`
		Description *string     `json:"description"`
		Rules       []RateLimit `json:"rules"`
	}
	// CreateRateLimitSchemeRequest (dto/src/json/api_key.rs:37), each rule
	// a RateLimit with unit, duration and max_requests required.
	if err := bindJSON(r, &req, "slug", "name", "rules", "rules[].unit", "rules[].duration", "rules[].max_requests"); err != nil {
		return err
	}
	if err := ruleEnums(req.Rules); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		sc, err := st.addScheme(req.Slug, req.Name, req.Description, req.Rules, time.Now().UTC())
		if err != nil {
			return err
		}
		return ok(w, sc.view())
	})
}

func (st *store) addScheme(slug, name string, desc *string, rules []RateLimit, now time.Time) (*rateScheme, error) {
	if !slugRE.MatchString(slug) || strings.TrimSpace(name) == "" {
		return nil, badRequest("slug (lower-case letters, digits, '-', '_') and name are required")
	}
	if err := validRules(rules); err != nil {
		return nil, err
	}
	if _, exists := st.schemes[slug]; exists {
		return nil, conflict("Resource already exists")
	}
	sc := &rateScheme{ID: st.snowflake(now), Slug: slug, Name: name, Description: desc, Rules: slices.Clone(rules), Created: now, Updated: now}
	st.schemes[slug] = sc
	return sc, nil
}

func (st *store) scheme(slug string) (*rateScheme, error) {
	return find(st.schemes, "rate limit scheme", slug)
}

func (s *Server) getScheme(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "slug", (*store).scheme, func(st *store, sc *rateScheme) error {
		return ok(w, sc.view())
	})
}

func (s *Server) updateScheme(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name        *string      `json:"name"`
		Description *string      `json:"description"`
		Rules       *[]RateLimit `json:"rules"`
	}
	// UpdateRateLimitSchemeRequest (dto/src/json/api_key.rs:45): all
	// optional, but each rule sent is a whole RateLimit.
	if err := bindJSON(r, &req, "rules?[].unit", "rules?[].duration", "rules?[].max_requests"); err != nil {
		return err
	}
	if req.Rules != nil {
		if err := ruleEnums(*req.Rules); err != nil {
			return err
		}
	}
	return within(s, r, "slug", (*store).scheme, func(st *store, sc *rateScheme) error {
		if req.Rules != nil {
			if err := validRules(*req.Rules); err != nil {
				return err
			}
			sc.Rules = slices.Clone(*req.Rules)
		}
		assign(&sc.Name, req.Name)
		if req.Description != nil {
			sc.Description = req.Description
		}
		sc.Updated = time.Now().UTC()
		return ok(w, sc.view())
	})
}

func (s *Server) deleteScheme(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "slug", (*store).scheme, func(st *store, sc *rateScheme) error {
		// DeleteRateLimitSchemeCommand (commands/src/rate_limit_scheme.rs:305)
		// refuses with AppError::BadRequest, a 400, while an app or an
		// unrevoked key uses the scheme.
		for _, a := range st.apiApps {
			if a.SchemeSlug != nil && *a.SchemeSlug == sc.Slug {
				return badRequest("Cannot delete rate limit scheme while it is assigned to API auth apps")
			}
		}
		for _, k := range st.apiKeys {
			if k.SchemeSlug != nil && *k.SchemeSlug == sc.Slug && k.RevokedAt == nil {
				return badRequest("Cannot delete rate limit scheme while it is assigned to active API keys")
			}
		}
		delete(st.schemes, sc.Slug)
		// The handler answers (StatusCode::NO_CONTENT, ()): 204, no body
		// (platform/src/api/api_key/rate_limit_handlers.rs:59).
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	inactive, err := queryBool(r, "include_inactive")
	if err != nil {
		return err
	}
	return within(s, r, "app_slug", (*store).apiApp, func(st *store, a *apiApp) error {
		keys := oldestFirst(st.apiKeys, func(k *apiKey) bool { return k.AppSlug == a.Slug && (k.Active || inactive) })
		return ok(w, struct {
			Keys []apiKeyView `json:"keys"`
		}{viewsOf(keys, (*apiKey).view)})
	})
}

func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	// CreateApiKeyRequest (dto/src/json/api_key.rs:222): name required;
	// the server reads nothing else (membership binding is not part of
	// this request; CreateAPIKey offers it to Go tests).
	var req struct {
		Name        string         `json:"name"`
		Permissions []string       `json:"permissions"`
		Metadata    map[string]any `json:"metadata"`
		ExpiresAt   *time.Time     `json:"expires_at"`
	}
	if err := bindJSON(r, &req, "name"); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		k := &apiKey{AppSlug: r.PathValue("app_slug"), Name: req.Name, Permissions: req.Permissions, Metadata: req.Metadata, ExpiresAt: req.ExpiresAt}
		secret, err := st.addAPIKey(k, "", time.Now().UTC())
		if err != nil {
			return err
		}
		return ok(w, keyWithSecret{apiKeyView: k.view(), Secret: secret})
	})
}

// bindMemberships ties a key to organization/workspace memberships, copying
// their roles' permissions.
func (st *store) bindMemberships(k *apiKey, orgMembershipID, wsMembershipID string) error {
	if orgMembershipID != "" {
		m, ok := st.orgMembers[orgMembershipID]
		if !ok {
			return badRequest("organization membership " + orgMembershipID + " does not exist")
		}
		k.OrgMembershipID, k.OrgID, k.OwnerUserID = ptr(m.ID), ptr(m.Scope), ptr(m.UserID)
		for _, rl := range st.roleViews(st.orgRoles, m.RoleIDs) {
			k.OrgRolePerms = append(k.OrgRolePerms, rl.Permissions...)
		}
	}
	if wsMembershipID != "" {
		m, ok := st.wsMembers[wsMembershipID]
		if !ok {
			return badRequest("workspace membership " + wsMembershipID + " does not exist")
		}
		k.WsMembershipID, k.WorkspaceID, k.OwnerUserID = ptr(m.ID), ptr(m.Scope), ptr(m.UserID)
		if ws, ok := st.workspaces[m.Scope]; ok && k.OrgID == nil {
			k.OrgID = ptr(ws.OrgID)
		}
		for _, rl := range st.roleViews(st.wsRoles, m.RoleIDs) {
			k.WsRolePerms = append(k.WsRolePerms, rl.Permissions...)
		}
	}
	return nil
}

// addAPIKey stores k under its app with a new secret (or the given one)
// and returns the secret.
func (st *store) addAPIKey(k *apiKey, secret string, now time.Time) (string, error) {
	a, err := st.apiApp(k.AppSlug)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(k.Name) == "" {
		return "", badRequest("name is required")
	}
	if err := validRuleWindows(k.RateLimits); err != nil {
		return "", err
	}
	if k.SchemeSlug != nil {
		if _, ok := st.schemes[*k.SchemeSlug]; !ok {
			return "", badRequest("rate limit scheme " + *k.SchemeSlug + " does not exist")
		}
	}
	if secret == "" {
		// The server's key: prefix, "_", then 32 random bytes in
		// unpadded URL-safe base64 (commands/src/api_key/key_commands/create.rs:96).
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		secret = a.KeyPrefix + "_" + base64.RawURLEncoding.EncodeToString(b)
	}
	sum := sha256.Sum256([]byte(secret))
	if k.ID == "" {
		k.ID = st.newID()
	}
	// key_suffix is the last 8 characters of the key (create.rs:104).
	suffix := secret
	if rs := []rune(secret); len(rs) > 8 {
		suffix = string(rs[len(rs)-8:])
	}
	k.Prefix, k.Suffix, k.Hash = a.KeyPrefix, suffix, hex.EncodeToString(sum[:])
	k.Active, k.Created, k.Updated = true, now, now
	st.apiKeys[k.ID] = k
	return secret, nil
}

func (st *store) appKey(slug, id string) (*apiKey, error) {
	if _, err := st.apiApp(slug); err != nil {
		return nil, err
	}
	k, ok := st.apiKeys[id]
	if !ok || k.AppSlug != slug {
		return nil, notFound("API key " + id + " not found")
	}
	return k, nil
}

func (st *store) revoke(k *apiKey, reason string, now time.Time) {
	if !k.Active {
		return
	}
	k.Active, k.RevokedAt, k.Updated = false, ptr(now), now
	if reason != "" {
		k.RevokedReason = ptr(reason)
	}
}

func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	// RevokeApiKeyRequest (dto/src/json/api_key.rs:230): every field is
	// optional, but the handler's Json extractor needs a JSON body, "{}"
	// at least (platform/src/api/api_key/key_handlers.rs:42).
	var req struct {
		Reason *string `json:"reason"`
	}
	if err := bindJSON(r, &req); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		k, err := st.appKey(r.PathValue("app_slug"), r.PathValue("key_id"))
		if err != nil {
			return err
		}
		st.revoke(k, deref(req.Reason), time.Now().UTC())
		return ok(w, empty{})
	})
}

func (s *Server) rotateAPIKey(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		old, err := st.appKey(r.PathValue("app_slug"), r.PathValue("key_id"))
		if err != nil {
			return err
		}
		if !old.Active {
			return badRequest("API key " + old.ID + " is revoked")
		}
		now := time.Now().UTC()
		nk := *old
		nk.ID, nk.LastUsedAt, nk.RevokedAt, nk.RevokedReason = "", nil, nil, nil
		secret, err := st.addAPIKey(&nk, "", now)
		if err != nil {
			return err
		}
		st.revoke(old, "rotated", now)
		return ok(w, keyWithSecret{apiKeyView: nk.view(), Secret: secret})
	})
}

// APIAuthAppOptions describes an API-auth app for CreateAPIAuthApp.
type APIAuthAppOptions struct {
	Slug        string // required: lower-case letters, digits, '-', '_'
	Name        string // empty means Slug
	KeyPrefix   string // empty means "sk_<slug>"
	Description string
	Permissions []string
	// Resources is stored and listed with the app. Wacht's gateway does not
	// consult it when checking a key (platform/src/gateway/handlers.rs has
	// no resource rule), so neither does the emulator's.
	Resources []string
	// RateLimits, if set, are stored as a rate-limit scheme "<slug>-limits"
	// attached to the app.
	RateLimits []RateLimit
}

// CreateAPIAuthApp creates an API-auth app, as createApiAuthApp would.
func (s *Server) CreateAPIAuthApp(o APIAuthAppOptions) error {
	return s.locked(func(st *store) error {
		return st.createApp(o, time.Now().UTC())
	})
}

func (st *store) createApp(o APIAuthAppOptions, now time.Time) error {
	a := &apiApp{Slug: o.Slug, Name: o.Name, KeyPrefix: o.KeyPrefix, Description: strOrNil(o.Description),
		Permissions: slices.Clone(o.Permissions), Resources: slices.Clone(o.Resources), Active: true}
	if a.Name == "" {
		a.Name = o.Slug
	}
	if a.KeyPrefix == "" {
		a.KeyPrefix = "sk_" + strings.ReplaceAll(o.Slug, "-", "_")
	}
	if _, exists := st.apiApps[o.Slug]; exists {
		return fmt.Errorf("wachttest: %w", conflict("API auth app "+o.Slug+" already exists"))
	}
	if len(o.RateLimits) > 0 {
		sc, err := st.addScheme(o.Slug+"-limits", o.Slug+" limits", nil, o.RateLimits, now)
		if err != nil {
			return fmt.Errorf("wachttest: %w", err)
		}
		a.SchemeSlug = ptr(sc.Slug)
	}
	if err := st.addAPIApp(a, now); err != nil {
		return fmt.Errorf("wachttest: %w", err)
	}
	return nil
}

// APIKeyOptions describes an API key for CreateAPIKey.
type APIKeyOptions struct {
	// AppSlug is the owning app; empty means the app "wachttest", created
	// on first use.
	AppSlug     string
	Name        string // empty means "test key"
	Permissions []string
	Metadata    map[string]any
	ExpiresAt   time.Time // zero means never
	// RateLimits apply to this key in addition to the app's.
	RateLimits []RateLimit
	// OrganizationMembershipID and WorkspaceMembershipID bind the key to a
	// membership: the identity carries its user, organization and
	// workspace, and the gateway grants its roles' permissions too.
	OrganizationMembershipID, WorkspaceMembershipID string
	// Secret fixes the key's secret instead of generating one.
	Secret string
}

// APIKey is a created API key. Secret is what a caller presents to the
// gateway; it is shown only once, as by the platform.
type APIKey struct {
	ID      string
	AppSlug string
	Secret  string
}

// CreateAPIKey creates an API key, as createApiKey would.
func (s *Server) CreateAPIKey(o APIKeyOptions) (APIKey, error) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	now := time.Now().UTC()
	if o.AppSlug == "" {
		o.AppSlug = "wachttest"
		if _, ok := st.apiApps[o.AppSlug]; !ok {
			if err := st.createApp(APIAuthAppOptions{Slug: o.AppSlug}, now); err != nil {
				return APIKey{}, err
			}
		}
	}
	if o.Name == "" {
		o.Name = "test key"
	}
	k := &apiKey{AppSlug: o.AppSlug, Name: o.Name, Permissions: slices.Clone(o.Permissions), Metadata: copyMap(o.Metadata),
		RateLimits: slices.Clone(o.RateLimits)}
	if !o.ExpiresAt.IsZero() {
		k.ExpiresAt = ptr(o.ExpiresAt.UTC())
	}
	if err := st.bindMemberships(k, o.OrganizationMembershipID, o.WorkspaceMembershipID); err != nil {
		return APIKey{}, fmt.Errorf("wachttest: %w", err)
	}
	for _, other := range st.apiKeys {
		if o.Secret != "" && other.Hash == hashSecret(o.Secret) {
			return APIKey{}, errors.New("wachttest: an API key with that secret already exists")
		}
	}
	secret, err := st.addAPIKey(k, o.Secret, now)
	if err != nil {
		return APIKey{}, fmt.Errorf("wachttest: %w", err)
	}
	return APIKey{ID: k.ID, AppSlug: k.AppSlug, Secret: secret}, nil
}

// RevokeAPIKey revokes a key by id, as revokeApiKeyForApp would.
func (s *Server) RevokeAPIKey(keyID, reason string) error {
	return s.locked(func(st *store) error {
		k, ok := st.apiKeys[keyID]
		if !ok {
			return fmt.Errorf("wachttest: %w", notFound("API key "+keyID+" not found"))
		}
		st.revoke(k, reason, time.Now().UTC())
		return nil
	})
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
