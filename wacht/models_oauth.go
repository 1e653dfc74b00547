package wacht

import "time"

// The platform spec leaves most OAuth request and response bodies untyped
// ({"type":"object"}). The types below describe the wire shape the Wacht
// JavaScript SDK uses for those operations.

// UpdateOAuthAppParams is the JSON body of OAuthService.UpdateApp. Nil
// fields are left unchanged.
type UpdateOAuthAppParams struct {
	Name                           *string                `json:"name,omitempty"`
	Description                    *string                `json:"description,omitempty"`
	SupportedScopes                []string               `json:"supported_scopes,omitempty"`
	ScopeDefinitions               []OAuthScopeDefinition `json:"scope_definitions,omitempty"`
	AllowDynamicClientRegistration *bool                  `json:"allow_dynamic_client_registration,omitempty"`
	IsActive                       *bool                  `json:"is_active,omitempty"`
}

// UpdateOAuthScopeParams is the JSON body of OAuthService.UpdateScope.
type UpdateOAuthScopeParams struct {
	DisplayName *string `json:"display_name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// SetOAuthScopeMappingParams is the JSON body of
// OAuthService.SetScopeMapping.
type SetOAuthScopeMappingParams struct {
	// Category is "personal", "organization" or "workspace".
	Category               string  `json:"category"`
	OrganizationPermission *string `json:"organization_permission,omitempty"`
	WorkspacePermission    *string `json:"workspace_permission,omitempty"`
}

// OAuthJWK is one JSON Web Key of an OAuth client or signing key set.
type OAuthJWK struct {
	Kty     string   `json:"kty"`
	Kid     string   `json:"kid,omitempty"`
	Use     string   `json:"use,omitempty"`
	KeyOps  []string `json:"key_ops,omitempty"`
	Alg     string   `json:"alg,omitempty"`
	N       string   `json:"n,omitempty"`
	E       string   `json:"e,omitempty"`
	Crv     string   `json:"crv,omitempty"`
	X       string   `json:"x,omitempty"`
	Y       string   `json:"y,omitempty"`
	X5U     string   `json:"x5u,omitempty"`
	X5C     []string `json:"x5c,omitempty"`
	X5T     string   `json:"x5t,omitempty"`
	X5TS256 string   `json:"x5t#S256,omitempty"`
}

// OAuthJWKS is a JSON Web Key Set.
type OAuthJWKS struct {
	Keys []OAuthJWK `json:"keys"`
}

// OAuthClient is a client registered with an OAuth app.
type OAuthClient struct {
	ID                          string     `json:"id"`
	OAuthAppID                  string     `json:"oauth_app_id"`
	ClientID                    string     `json:"client_id"`
	ClientAuthMethod            string     `json:"client_auth_method"`
	GrantTypes                  []string   `json:"grant_types"`
	RedirectURIs                []string   `json:"redirect_uris"`
	ClientName                  string     `json:"client_name,omitempty"`
	ClientURI                   string     `json:"client_uri,omitempty"`
	LogoURI                     string     `json:"logo_uri,omitempty"`
	TOSURI                      string     `json:"tos_uri,omitempty"`
	PolicyURI                   string     `json:"policy_uri,omitempty"`
	Contacts                    []string   `json:"contacts,omitempty"`
	SoftwareID                  string     `json:"software_id,omitempty"`
	SoftwareVersion             string     `json:"software_version,omitempty"`
	TokenEndpointAuthSigningAlg string     `json:"token_endpoint_auth_signing_alg,omitempty"`
	JWKSURI                     string     `json:"jwks_uri,omitempty"`
	JWKS                        *OAuthJWKS `json:"jwks,omitempty"`
	PublicKeyPEM                string     `json:"public_key_pem,omitempty"`
	IsActive                    bool       `json:"is_active"`
	CreatedAt                   time.Time  `json:"created_at,omitzero"`
	UpdatedAt                   time.Time  `json:"updated_at,omitzero"`
	// ClientSecret is only present right after creation or rotation.
	ClientSecret string `json:"client_secret,omitempty"`
}

// OAuthClientList is the result of OAuthService.ListClients.
type OAuthClientList struct {
	Clients []OAuthClient `json:"clients"`
}

// CreateOAuthClientParams is the JSON body of OAuthService.CreateClient.
type CreateOAuthClientParams struct {
	// ClientAuthMethod is e.g. "client_secret_basic", "private_key_jwt" or
	// "none" (public clients).
	ClientAuthMethod            string     `json:"client_auth_method"`
	GrantTypes                  []string   `json:"grant_types"`
	RedirectURIs                []string   `json:"redirect_uris,omitempty"`
	ClientName                  string     `json:"client_name,omitempty"`
	ClientURI                   string     `json:"client_uri,omitempty"`
	LogoURI                     string     `json:"logo_uri,omitempty"`
	TOSURI                      string     `json:"tos_uri,omitempty"`
	PolicyURI                   string     `json:"policy_uri,omitempty"`
	Contacts                    []string   `json:"contacts,omitempty"`
	SoftwareID                  string     `json:"software_id,omitempty"`
	SoftwareVersion             string     `json:"software_version,omitempty"`
	TokenEndpointAuthSigningAlg string     `json:"token_endpoint_auth_signing_alg,omitempty"`
	JWKSURI                     string     `json:"jwks_uri,omitempty"`
	JWKS                        *OAuthJWKS `json:"jwks,omitempty"`
	PublicKeyPEM                string     `json:"public_key_pem,omitempty"`
}

// UpdateOAuthClientParams is the JSON body of OAuthService.UpdateClient. Nil
// and empty fields are left unchanged.
type UpdateOAuthClientParams struct {
	ClientAuthMethod            *string    `json:"client_auth_method,omitempty"`
	GrantTypes                  []string   `json:"grant_types,omitempty"`
	RedirectURIs                []string   `json:"redirect_uris,omitempty"`
	ClientName                  *string    `json:"client_name,omitempty"`
	ClientURI                   *string    `json:"client_uri,omitempty"`
	LogoURI                     *string    `json:"logo_uri,omitempty"`
	TOSURI                      *string    `json:"tos_uri,omitempty"`
	PolicyURI                   *string    `json:"policy_uri,omitempty"`
	Contacts                    []string   `json:"contacts,omitempty"`
	SoftwareID                  *string    `json:"software_id,omitempty"`
	SoftwareVersion             *string    `json:"software_version,omitempty"`
	TokenEndpointAuthSigningAlg *string    `json:"token_endpoint_auth_signing_alg,omitempty"`
	JWKSURI                     *string    `json:"jwks_uri,omitempty"`
	JWKS                        *OAuthJWKS `json:"jwks,omitempty"`
	PublicKeyPEM                *string    `json:"public_key_pem,omitempty"`
}

// OAuthClientSecret is the result of OAuthService.RotateClientSecret.
type OAuthClientSecret struct {
	ClientSecret string `json:"client_secret"`
}

// OAuthGrant is a user's consent to an OAuth client for some scopes.
type OAuthGrant struct {
	ID              string     `json:"id"`
	APIAuthAppSlug  string     `json:"api_auth_app_slug"`
	OAuthClientID   string     `json:"oauth_client_id"`
	Resource        string     `json:"resource"`
	Scopes          []string   `json:"scopes"`
	Status          string     `json:"status"`
	GrantedAt       time.Time  `json:"granted_at,omitzero"`
	ExpiresAt       *time.Time `json:"expires_at,omitempty"`
	RevokedAt       *time.Time `json:"revoked_at,omitempty"`
	GrantedByUserID string     `json:"granted_by_user_id,omitempty"`
	CreatedAt       time.Time  `json:"created_at,omitzero"`
	UpdatedAt       time.Time  `json:"updated_at,omitzero"`
}

// OAuthGrantList is the result of OAuthService.ListGrants.
type OAuthGrantList struct {
	Grants []OAuthGrant `json:"grants"`
}

// OAuthDomainVerification is the result of OAuthService.VerifyDomain.
type OAuthDomainVerification struct {
	Domain      string `json:"domain"`
	CNAMETarget string `json:"cname_target"`
	Verified    bool   `json:"verified"`
}

// OAuthSigningKeys is the key set returned by OAuthService.ListSigningKeys
// and OAuthService.RotateSigningKey.
type OAuthSigningKeys struct {
	Keys []OAuthJWK `json:"keys"`
}
