package wachttest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// oauthApp is an OAuth app as OAuthAppResponse shows it
// (platform/src/application/oauth_shared.rs; dto/src/json/api_key.rs).
type oauthApp struct {
	ID                       string     `json:"id"`
	Slug                     string     `json:"slug"`
	Name                     string     `json:"name"`
	Description              *string    `json:"description"`
	LogoURL                  *string    `json:"logo_url"`
	FQDN                     string     `json:"fqdn"`
	SupportedScopes          []string   `json:"supported_scopes"`
	ScopeDefinitions         []scopeDef `json:"scope_definitions"`
	AllowDynamicRegistration bool       `json:"allow_dynamic_client_registration"`
	IsActive                 bool       `json:"is_active"`
	Created                  time.Time  `json:"created_at"`
	Updated                  time.Time  `json:"updated_at"`
	clients                  []*oauthClient
	keys                     []*oauthSigningKey
}

// scopeDef is models::api_key::OAuthScopeDefinition: every field written.
type scopeDef struct {
	Scope                  string  `json:"scope"`
	DisplayName            string  `json:"display_name"`
	Description            string  `json:"description"`
	Archived               bool    `json:"archived"`
	Category               string  `json:"category"`
	OrganizationPermission *string `json:"organization_permission"`
	WorkspacePermission    *string `json:"workspace_permission"`
}

func (a *oauthApp) createdAt() time.Time { return a.Created }
func (a *oauthApp) key() string          { return a.Slug }

func (st *store) oauthApp(slug string) (*oauthApp, error) {
	a, ok := st.oauthApps[slug]
	if !ok {
		return nil, notFound("OAuth app not found")
	}
	return a, nil
}

// listOAuthApps lists newest first (queries/src/oauth/apps.rs:34).
func (s *Server) listOAuthApps(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		apps := oldestFirst(st.oauthApps, nil)
		slices.Reverse(apps)
		return ok(w, map[string]any{"apps": viewsOf(apps, func(a *oauthApp) oauthApp { return *a })})
	})
}

// normalizeScopes is normalize_supported_scopes and
// normalize_scope_definitions (commands/src/oauth/app_commands.rs:6-130):
// scopes trimmed, sorted and deduplicated; one definition per scope, the
// given one or a default ("Allows <scope> access"), its category one of
// personal, organization and workspace (or none) with only the matching
// permission mapped.
func normalizeScopes(scopes []string, defs []scopeDef) ([]string, []scopeDef, error) {
	var out []string
	for _, s := range scopes {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	given := map[string]scopeDef{}
	for _, d := range defs {
		if d.Scope = strings.TrimSpace(d.Scope); d.Scope != "" {
			given[d.Scope] = d
		}
	}
	result := make([]scopeDef, 0, len(out))
	for _, sc := range out {
		d, found := given[sc]
		if !found {
			d = scopeDef{Scope: sc}
		}
		if strings.TrimSpace(d.DisplayName) == "" {
			d.DisplayName = sc
		}
		if strings.TrimSpace(d.Description) == "" {
			d.Description = "Allows " + sc + " access"
		}
		d.Category = strings.ToLower(strings.TrimSpace(d.Category))
		d.OrganizationPermission, d.WorkspacePermission = trimmed(d.OrganizationPermission), trimmed(d.WorkspacePermission)
		switch d.Category {
		case "", "personal":
			if d.OrganizationPermission != nil || d.WorkspacePermission != nil {
				if d.Category == "" {
					return nil, nil, badRequest("scope '" + sc + "' without category cannot define permission mappings")
				}
				return nil, nil, badRequest("scope '" + sc + "' with category 'personal' cannot define organization/workspace permissions")
			}
		case "organization":
			if d.WorkspacePermission != nil {
				return nil, nil, badRequest("scope '" + sc + "' with category 'organization' cannot define workspace permission")
			}
		case "workspace":
			if d.OrganizationPermission != nil {
				return nil, nil, badRequest("scope '" + sc + "' with category 'workspace' cannot define organization permission")
			}
		default:
			return nil, nil, badRequest("scope category must be one of: personal, organization, workspace")
		}
		result = append(result, d)
	}
	return nonNil(out), result, nil
}

// trimmed is an optional text as the server keeps it: trimmed, and blank
// as absent.
func trimmed(p *string) *string {
	if p == nil || strings.TrimSpace(*p) == "" {
		return nil
	}
	return ptr(strings.TrimSpace(*p))
}

// createOAuthApp reads the multipart form of parse_create_oauth_app_input
// (platform/src/api/oauth/app_handlers.rs:16): slug and name required,
// fqdn (or domain), supported_scopes as a comma list, scope_definitions as
// JSON text, the registration flag as 1|true|yes|on, an optional logo. A
// staging deployment gets a generated <label>.oapi.trywacht.xyz host
// (commands/src/oauth/app_commands.rs:133), and every app starts with an
// RS256 signing key (platform/src/application/oauth_app.rs:101).
func (s *Server) createOAuthApp(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	text := func(name string) *string {
		v, ok := f.str(name)
		if !ok || strings.TrimSpace(v) == "" {
			return nil
		}
		return ptr(strings.TrimSpace(v))
	}
	slug, name := text("slug"), text("name")
	switch {
	case slug == nil:
		return badRequest("slug is required")
	case name == nil:
		return badRequest("name is required")
	}
	scopes := []string{}
	if v, ok := f.str("supported_scopes"); ok {
		scopes = strings.Split(v, ",")
	}
	var defs []scopeDef
	if v, ok := f.str("scope_definitions"); ok {
		if err := json.Unmarshal([]byte(v), &defs); err != nil {
			return badRequest("scope_definitions must be valid JSON array")
		}
	}
	scopes, normalized, err := normalizeScopes(scopes, defs)
	if err != nil {
		return err
	}
	dynamic := false
	if v, ok := f.str("allow_dynamic_client_registration"); ok {
		dynamic = slices.Contains([]string{"1", "true", "yes", "on"}, strings.ToLower(strings.TrimSpace(v)))
	}
	return s.locked(func(st *store) error {
		if _, taken := st.oauthApps[*slug]; taken {
			return conflict("Resource already exists")
		}
		now := time.Now().UTC()
		id := strconv.FormatInt(st.snowflake(now), 10)
		a := &oauthApp{ID: id, Slug: *slug, Name: *name, Description: text("description"),
			FQDN: strings.ToLower(randomHex(8)) + ".oapi.trywacht.xyz", SupportedScopes: scopes, ScopeDefinitions: normalized,
			AllowDynamicRegistration: dynamic, IsActive: true, Created: now, Updated: now}
		if _, ok := f.str("logo"); ok || r.MultipartForm != nil && len(r.MultipartForm.File["logo"]) > 0 {
			a.LogoURL = ptr(fmt.Sprintf("https://cdn.wacht.services/deployments/%s/oauth-apps/%s/logo.png", DeploymentID, *slug))
		}
		a.keys = []*oauthSigningKey{st.newSigningKey(a)}
		st.oauthApps[a.Slug] = a
		return ok(w, a)
	})
}

// updateOAuthApp takes UpdateOAuthAppRequest, every field optional
// (dto/src/json/api_key.rs:331); scopes and definitions are normalized as
// on creation.
func (s *Server) updateOAuthApp(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name             *string    `json:"name"`
		Description      *string    `json:"description"`
		SupportedScopes  []string   `json:"supported_scopes"`
		ScopeDefinitions []scopeDef `json:"scope_definitions"`
		Dynamic          *bool      `json:"allow_dynamic_client_registration"`
		IsActive         *bool      `json:"is_active"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		if body.SupportedScopes != nil || body.ScopeDefinitions != nil {
			scopes := body.SupportedScopes
			if scopes == nil {
				scopes = a.SupportedScopes
			}
			defs := body.ScopeDefinitions
			if defs == nil {
				defs = a.ScopeDefinitions
			}
			var err error
			if a.SupportedScopes, a.ScopeDefinitions, err = normalizeScopes(scopes, defs); err != nil {
				return err
			}
		}
		assign(&a.Name, body.Name)
		if body.Description != nil {
			a.Description = body.Description
		}
		assign(&a.AllowDynamicRegistration, body.Dynamic)
		assign(&a.IsActive, body.IsActive)
		a.Updated = time.Now().UTC()
		return ok(w, a)
	})
}

// verifyOAuthDomain: the emulator has no DNS to check, so the app's host
// is never verified; the CNAME target is the server's
// (commands/src/oauth/app_commands/verify_domain.rs:44).
func (s *Server) verifyOAuthDomain(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		return ok(w, map[string]any{"domain": a.FQDN, "cname_target": "oauth.wacht.services", "verified": false})
	})
}

// appScope finds the path's scope; "scope definition not found" is the
// server's message (platform/src/application/oauth_scope.rs:58).
func appScope(a *oauthApp, r *http.Request) (*scopeDef, error) {
	name := strings.TrimSpace(r.PathValue("scope"))
	if name == "" {
		return nil, badRequest("scope is required")
	}
	for i := range a.ScopeDefinitions {
		if a.ScopeDefinitions[i].Scope == name {
			return &a.ScopeDefinitions[i], nil
		}
	}
	return nil, notFound("scope definition not found")
}

func (s *Server) updateOAuthScope(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		DisplayName *string `json:"display_name"`
		Description *string `json:"description"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		d, err := appScope(a, r)
		if err != nil {
			return err
		}
		if body.DisplayName != nil {
			d.DisplayName = strings.TrimSpace(*body.DisplayName)
		}
		if body.Description != nil {
			d.Description = strings.TrimSpace(*body.Description)
		}
		a.Updated = time.Now().UTC()
		return ok(w, a)
	})
}

func (s *Server) archiveOAuthScope(archived bool) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
			d, err := appScope(a, r)
			if err != nil {
				return err
			}
			d.Archived = archived
			a.Updated = time.Now().UTC()
			return ok(w, a)
		})
	}
}

// setOAuthScopeMapping is set_oauth_scope_mapping
// (platform/src/application/oauth_scope.rs:96): the category and mapped
// permissions must agree, a mapped permission must be one the deployment's
// B2B settings list, and once set neither may change.
func (s *Server) setOAuthScopeMapping(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Category               string  `json:"category"`
		OrganizationPermission *string `json:"organization_permission"`
		WorkspacePermission    *string `json:"workspace_permission"`
	}
	if err := bindJSON(r, &body, "category"); err != nil {
		return err
	}
	category := strings.ToLower(strings.TrimSpace(body.Category))
	orgPerm, wsPerm := trimmed(body.OrganizationPermission), trimmed(body.WorkspacePermission)
	switch {
	case category != "personal" && category != "organization" && category != "workspace":
		return badRequest("category must be personal, organization, or workspace")
	case category == "personal" && (orgPerm != nil || wsPerm != nil):
		return badRequest("personal category cannot map organization/workspace permissions")
	case category == "organization" && wsPerm != nil:
		return badRequest("organization category cannot map workspace permission")
	case category == "workspace" && orgPerm != nil:
		return badRequest("workspace category cannot map organization permission")
	}
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		b2b := st.section("b2b_settings")
		configured := func(key, perm string) bool {
			list, _ := b2b[key].([]any)
			return slices.Contains(list, any(perm))
		}
		if orgPerm != nil && !configured("organization_permissions", *orgPerm) {
			return badRequest("organization permission '" + *orgPerm + "' is not configured in deployment B2B settings")
		}
		if wsPerm != nil && !configured("workspace_permissions", *wsPerm) {
			return badRequest("workspace permission '" + *wsPerm + "' is not configured in deployment B2B settings")
		}
		d, err := appScope(a, r)
		if err != nil {
			return err
		}
		switch {
		case strings.TrimSpace(d.Category) != "" && d.Category != category:
			return badRequest("scope category is immutable once set")
		case d.OrganizationPermission != nil && deref(d.OrganizationPermission) != deref(orgPerm):
			return badRequest("organization permission is immutable once set")
		case d.WorkspacePermission != nil && deref(d.WorkspacePermission) != deref(wsPerm):
			return badRequest("workspace permission is immutable once set")
		}
		d.Category, d.OrganizationPermission, d.WorkspacePermission = category, orgPerm, wsPerm
		a.Updated = time.Now().UTC()
		return ok(w, a)
	})
}

// oauthClient is OAuthClientResponse; client_secret is written only when
// the server has just generated one (creation).
type oauthClient struct {
	ID                          string         `json:"id"`
	OAuthAppID                  string         `json:"oauth_app_id"`
	ClientID                    string         `json:"client_id"`
	ClientAuthMethod            string         `json:"client_auth_method"`
	GrantTypes                  []string       `json:"grant_types"`
	RedirectURIs                []string       `json:"redirect_uris"`
	ClientName                  *string        `json:"client_name"`
	ClientURI                   *string        `json:"client_uri"`
	LogoURI                     *string        `json:"logo_uri"`
	TOSURI                      *string        `json:"tos_uri"`
	PolicyURI                   *string        `json:"policy_uri"`
	Contacts                    []string       `json:"contacts"`
	SoftwareID                  *string        `json:"software_id"`
	SoftwareVersion             *string        `json:"software_version"`
	TokenEndpointAuthSigningAlg *string        `json:"token_endpoint_auth_signing_alg"`
	JWKSURI                     *string        `json:"jwks_uri"`
	JWKS                        map[string]any `json:"jwks"`
	PublicKeyPEM                *string        `json:"public_key_pem"`
	IsActive                    bool           `json:"is_active"`
	PostLogoutRedirectURIs      []string       `json:"post_logout_redirect_uris"`
	IDTokenSigningAlg           string         `json:"id_token_signing_alg"`
	AccessTokenFormat           string         `json:"access_token_format"`
	AccessTokenTTLSeconds       int64          `json:"access_token_ttl_seconds"`
	SkipConsent                 bool           `json:"skip_consent"`
	Created                     time.Time      `json:"created_at"`
	Updated                     time.Time      `json:"updated_at"`
	ClientSecret                string         `json:"client_secret,omitempty"`

	grants []*oauthGrant
}

// clientRequest is CreateOAuthClientRequest and UpdateOAuthClientRequest.
type clientRequest struct {
	ClientAuthMethod            *string        `json:"client_auth_method"`
	GrantTypes                  []string       `json:"grant_types"`
	RedirectURIs                []string       `json:"redirect_uris"`
	PostLogoutRedirectURIs      []string       `json:"post_logout_redirect_uris"`
	ClientName                  *string        `json:"client_name"`
	ClientURI                   *string        `json:"client_uri"`
	LogoURI                     *string        `json:"logo_uri"`
	TOSURI                      *string        `json:"tos_uri"`
	PolicyURI                   *string        `json:"policy_uri"`
	Contacts                    []string       `json:"contacts"`
	SoftwareID                  *string        `json:"software_id"`
	SoftwareVersion             *string        `json:"software_version"`
	TokenEndpointAuthSigningAlg *string        `json:"token_endpoint_auth_signing_alg"`
	JWKSURI                     *string        `json:"jwks_uri"`
	JWKS                        map[string]any `json:"jwks"`
	PublicKeyPEM                *string        `json:"public_key_pem"`
	IDTokenSigningAlg           *string        `json:"id_token_signing_alg"`
	AccessTokenFormat           *string        `json:"access_token_format"`
	AccessTokenTTLSeconds       *int64         `json:"access_token_ttl_seconds"`
	SkipConsent                 *bool          `json:"skip_consent"`
}

// checkTokenSettings is the handlers' own checks
// (platform/src/application/oauth_client.rs:44-64).
func (c *clientRequest) checkTokenSettings() error {
	if alg := c.IDTokenSigningAlg; alg != nil && *alg != "RS256" {
		return badRequest("id_token_signing_alg `" + *alg + "` is not supported. Only RS256 is currently supported.")
	}
	if f := c.AccessTokenFormat; f != nil && *f != "opaque" && *f != "jwt" {
		return badRequest("access_token_format must be 'opaque' or 'jwt'")
	}
	if ttl := c.AccessTokenTTLSeconds; ttl != nil && (*ttl < 60 || *ttl > 86400) {
		return badRequest("access_token_ttl_seconds must be between 60 and 86400")
	}
	return nil
}

// validClient is CreateOAuthClientCommand::validate
// (commands/src/oauth/client_commands/create_client.rs:51, with
// commands/src/oauth/client_commands.rs:14-135).
func validClient(c *oauthClient) error {
	if len(c.GrantTypes) == 0 {
		return badRequest("grant_types must include at least one grant")
	}
	authCode := false
	for _, g := range c.GrantTypes {
		switch strings.TrimSpace(g) {
		case "":
			return badRequest("grant_types must not contain empty values")
		case "authorization_code":
			authCode = true
		case "refresh_token":
		case "client_credentials":
			return badRequest("client_credentials is disabled for now")
		default:
			return badRequest("unsupported grant_type: " + strings.TrimSpace(g) + ". supported values: authorization_code, refresh_token")
		}
	}
	if !authCode {
		return badRequest("authorization_code grant is required")
	}
	if !slices.Contains([]string{"client_secret_basic", "client_secret_post", "client_secret_jwt", "none", "private_key_jwt"}, c.ClientAuthMethod) {
		return badRequest("unsupported client_auth_method: " + c.ClientAuthMethod)
	}
	hasURI, hasJWKS, hasPEM := strings.TrimSpace(deref(c.JWKSURI)) != "", c.JWKS != nil, strings.TrimSpace(deref(c.PublicKeyPEM)) != ""
	if c.ClientAuthMethod == "private_key_jwt" {
		n := 0
		for _, b := range []bool{hasURI, hasJWKS, hasPEM} {
			if b {
				n++
			}
		}
		if n != 1 {
			return badRequest("private_key_jwt requires exactly one of jwks_uri, jwks, or public_key_pem")
		}
		if hasURI {
			u, err := url.Parse(strings.TrimSpace(*c.JWKSURI))
			if err != nil || u.Scheme == "" {
				return badRequest("jwks_uri must be a valid URL")
			}
			if u.Scheme != "https" {
				return badRequest("jwks_uri must use https")
			}
		}
	} else if hasURI || hasJWKS || hasPEM {
		return badRequest("jwks_uri/jwks/public_key_pem are only allowed when client_auth_method is private_key_jwt")
	}
	for name, v := range map[string]*string{"client_uri": c.ClientURI, "logo_uri": c.LogoURI, "tos_uri": c.TOSURI, "policy_uri": c.PolicyURI} {
		if s := strings.TrimSpace(deref(v)); s != "" {
			u, err := url.Parse(s)
			if err != nil || u.Scheme == "" {
				return badRequest(name + " must be a valid URL")
			}
			if u.Scheme != "http" && u.Scheme != "https" {
				return badRequest(name + " must use http or https")
			}
		}
	}
	if authCode && len(c.RedirectURIs) == 0 {
		return badRequest("redirect_uris must include at least one URI for authorization_code")
	}
	for field, uris := range map[string][]string{"redirect_uris": c.RedirectURIs, "post_logout_redirect_uris": c.PostLogoutRedirectURIs} {
		for _, raw := range uris {
			s := strings.TrimSpace(raw)
			if s == "" {
				return badRequest(field + " must not contain empty values")
			}
			u, err := url.Parse(s)
			switch {
			case err != nil || u.Scheme == "":
				return badRequest(field + " must contain valid URLs")
			case u.Scheme != "http" && u.Scheme != "https":
				return badRequest(field + " must use http or https")
			case u.Fragment != "":
				return badRequest(field + " must not include fragments")
			}
		}
	}
	return nil
}

func (c *clientRequest) applyTo(oc *oauthClient) {
	assign(&oc.ClientAuthMethod, c.ClientAuthMethod)
	for dst, src := range map[*[]string][]string{&oc.GrantTypes: c.GrantTypes, &oc.RedirectURIs: c.RedirectURIs,
		&oc.PostLogoutRedirectURIs: c.PostLogoutRedirectURIs, &oc.Contacts: c.Contacts} {
		if src != nil {
			*dst = src
		}
	}
	for dst, src := range map[**string]*string{&oc.ClientName: c.ClientName, &oc.ClientURI: c.ClientURI, &oc.LogoURI: c.LogoURI,
		&oc.TOSURI: c.TOSURI, &oc.PolicyURI: c.PolicyURI, &oc.SoftwareID: c.SoftwareID, &oc.SoftwareVersion: c.SoftwareVersion,
		&oc.TokenEndpointAuthSigningAlg: c.TokenEndpointAuthSigningAlg, &oc.JWKSURI: c.JWKSURI, &oc.PublicKeyPEM: c.PublicKeyPEM} {
		if src != nil {
			*dst = src
		}
	}
	if c.JWKS != nil {
		oc.JWKS = c.JWKS
	}
	assign(&oc.IDTokenSigningAlg, c.IDTokenSigningAlg)
	assign(&oc.AccessTokenFormat, c.AccessTokenFormat)
	assign(&oc.AccessTokenTTLSeconds, c.AccessTokenTTLSeconds)
	assign(&oc.SkipConsent, c.SkipConsent)
}

// secret is "<prefix><base64url of n random bytes>", as the server makes
// client ids (oc_, 24 bytes) and secrets (oc_secret_, 32 bytes).
func secret(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func (a *oauthApp) client(id string) (*oauthClient, error) {
	for _, c := range a.clients {
		if c.ID == id {
			return c, nil
		}
	}
	return nil, notFound("OAuth client not found")
}

// listOAuthClients lists newest first (queries/src/oauth/clients.rs:56),
// never with a secret.
func (s *Server) listOAuthClients(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		out := make([]oauthClient, 0, len(a.clients))
		for _, c := range slices.Backward(a.clients) {
			v := *c
			v.ClientSecret = ""
			out = append(out, v)
		}
		return ok(w, map[string]any{"clients": out})
	})
}

// createOAuthClient: defaults are the table's, RS256, opaque tokens for an
// hour, consent shown; a secret is generated unless the client
// authenticates with none or private_key_jwt.
func (s *Server) createOAuthClient(w http.ResponseWriter, r *http.Request) error {
	var body clientRequest
	if err := bindJSON(r, &body, "client_auth_method", "grant_types"); err != nil {
		return err
	}
	if err := body.checkTokenSettings(); err != nil {
		return err
	}
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		now := time.Now().UTC()
		c := &oauthClient{ID: strconv.FormatInt(st.snowflake(now), 10), OAuthAppID: a.ID, ClientID: secret("oc_", 24),
			RedirectURIs: []string{}, PostLogoutRedirectURIs: []string{}, Contacts: []string{}, IsActive: true,
			IDTokenSigningAlg: "RS256", AccessTokenFormat: "opaque", AccessTokenTTLSeconds: 3600, Created: now, Updated: now}
		body.applyTo(c)
		if err := validClient(c); err != nil {
			return err
		}
		a.clients = append(a.clients, c)
		out := *c
		if c.ClientAuthMethod != "none" && c.ClientAuthMethod != "private_key_jwt" {
			out.ClientSecret = secret("oc_secret_", 32)
		}
		return ok(w, out)
	})
}

func (s *Server) updateOAuthClient(w http.ResponseWriter, r *http.Request) error {
	var body clientRequest
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		c, err := a.client(r.PathValue("oauth_client_id"))
		if err != nil {
			return err
		}
		if err := body.checkTokenSettings(); err != nil {
			return err
		}
		next := *c
		body.applyTo(&next)
		if err := validClient(&next); err != nil {
			return err
		}
		next.Updated = time.Now().UTC()
		*c = next
		return ok(w, c)
	})
}

// deactivateOAuthClient answers 204 (platform/src/api/oauth/client_handlers.rs:74).
func (s *Server) deactivateOAuthClient(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		c, err := a.client(r.PathValue("oauth_client_id"))
		if err != nil {
			return err
		}
		c.IsActive, c.Updated = false, time.Now().UTC()
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *Server) rotateOAuthClientSecret(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		c, err := a.client(r.PathValue("oauth_client_id"))
		if err != nil {
			return err
		}
		c.Updated = time.Now().UTC()
		return ok(w, map[string]string{"client_secret": secret("oc_secret_", 32)})
	})
}

// oauthGrant is OAuthGrantResponse: granted_by_user_id is left out when
// unset; status is active, revoked or expired (models/src/api_key.rs:495).
type oauthGrant struct {
	ID              string     `json:"id"`
	APIAuthAppSlug  string     `json:"api_auth_app_slug"`
	OAuthClientID   string     `json:"oauth_client_id"`
	Resource        string     `json:"resource"`
	Scopes          []string   `json:"scopes"`
	Status          string     `json:"status"`
	GrantedAt       time.Time  `json:"granted_at"`
	ExpiresAt       *time.Time `json:"expires_at"`
	RevokedAt       *time.Time `json:"revoked_at"`
	GrantedByUserID string     `json:"granted_by_user_id,omitempty"`
	Created         time.Time  `json:"created_at"`
	Updated         time.Time  `json:"updated_at"`
}

// AddOAuthGrant records that userID granted the OAuth client (its
// OAuthClient id, the numeric "id") scopes on resource, as consenting in
// the OAuth flow would, and returns the grant's id. The backend API cannot
// create grants, so a test sets them up here.
func (s *Server) AddOAuthGrant(oauthAppSlug, oauthClientID, userID, resource string, scopes []string) (string, error) {
	var id string
	err := s.locked(func(st *store) error {
		a, err := st.oauthApp(oauthAppSlug)
		if err != nil {
			return err
		}
		c, err := a.client(oauthClientID)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		id = st.newID()
		c.grants = append(c.grants, &oauthGrant{ID: id, APIAuthAppSlug: a.Slug, OAuthClientID: c.ID, Resource: resource,
			Scopes: nonNil(slices.Clone(scopes)), Status: "active", GrantedAt: now, GrantedByUserID: userID, Created: now, Updated: now})
		return nil
	})
	return id, err
}

func (s *Server) listOAuthGrants(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		c, err := a.client(r.PathValue("oauth_client_id"))
		if err != nil {
			return err
		}
		return ok(w, map[string]any{"grants": newestFirst(c.grants)})
	})
}

// revokeOAuthGrant is RevokeOAuthClientGrantCommand
// (commands/src/oauth/grant_commands/revoke_grant.rs:10): an UPDATE of the
// active grant with no row check, so an unknown or revoked grant is a 200
// too.
func (s *Server) revokeOAuthGrant(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		c, err := a.client(r.PathValue("oauth_client_id"))
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		for _, g := range c.grants {
			if g.ID == r.PathValue("grant_id") && g.Status == "active" {
				g.Status, g.RevokedAt, g.Updated = "revoked", &now, now
			}
		}
		return ok(w, empty{})
	})
}

// oauthSigningKey is one of an app's OIDC keys; kid is "oas-<app id>-<key id>"
// (platform/src/application/oauth_runtime/oidc.rs:92). The RSA key is made
// when first shown: RSA-2048 generation is slow, most tests never look.
type oauthSigningKey struct {
	Kid    string
	Status string // active, retired or compromised
	pem    string
}

func (st *store) newSigningKey(a *oauthApp) *oauthSigningKey {
	return &oauthSigningKey{Kid: "oas-" + a.ID + "-" + st.newID(), Status: "active"}
}

func (k *oauthSigningKey) view() (map[string]string, error) {
	if k.pem == "" {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
		if err != nil {
			return nil, err
		}
		k.pem = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	return map[string]string{"kid": k.Kid, "algorithm": "RS256", "status": k.Status, "public_key_pem": k.pem}, nil
}

// listSigningKeys shows the active and retired keys, newest first
// (ListOAuthAppPublishableSigningKeysQuery,
// queries/src/oauth_runtime/queries/signing_keys.rs:55).
func (s *Server) listSigningKeys(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		out := []map[string]string{}
		for i := len(a.keys) - 1; i >= 0; i-- {
			if k := a.keys[i]; k.Status != "compromised" {
				v, err := k.view()
				if err != nil {
					return err
				}
				out = append(out, v)
			}
		}
		return ok(w, map[string]any{"keys": out})
	})
}

// rotateSigningKey retires the active key and makes a new one active
// (commands/src/oauth_runtime/signing_key_commands.rs:73).
func (s *Server) rotateSigningKey(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		for _, k := range a.keys {
			if k.Status == "active" {
				k.Status = "retired"
			}
		}
		k := st.newSigningKey(a)
		a.keys = append(a.keys, k)
		v, err := k.view()
		if err != nil {
			return err
		}
		return ok(w, map[string]any{"new": v})
	})
}

// compromiseSigningKey answers 204, or a 404 naming the kid when the app
// has no such key not already compromised
// (platform/src/application/oauth_runtime/oidc.rs:127).
func (s *Server) compromiseSigningKey(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "oauth_app_slug", (*store).oauthApp, func(st *store, a *oauthApp) error {
		kid := r.PathValue("kid")
		i := slices.IndexFunc(a.keys, func(k *oauthSigningKey) bool { return k.Kid == kid && k.Status != "compromised" })
		if i < 0 {
			return notFound("no signing key with kid '" + kid + "' for this app")
		}
		a.keys[i].Status = "compromised"
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
