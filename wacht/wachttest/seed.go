package wachttest

import (
	"time"
)

// DeploymentID is the emulated deployment's id.
const DeploymentID = "100"

// Deployment-level roles, present in every organization and workspace
// (seeded or not).
const (
	DeploymentOrgAdminRoleID        = "201" // "Admin": org:read, org:manage, member:read, member:manage
	DeploymentOrgMemberRoleID       = "202" // "Member": org:read
	DeploymentWorkspaceAdminRoleID  = "203" // "Admin": workspace:read, workspace:manage
	DeploymentWorkspaceMemberRoleID = "204" // "Member": workspace:read
)

// The seed fixture (Options.Seed). Ids are stable across runs; ids the
// emulator assigns later start above 10000.
const (
	SeedUserID  = "1001" // Ada Lovelace <ada@example.com>, username "ada", phone +14155550101
	SeedUser2ID = "1002" // Grace Hopper <grace@example.com>, username "grace"
	SeedUser3ID = "1003" // Alan Turing <alan@example.com>, no organization

	SeedOrganizationID   = "2001" // "Acme Inc"
	SeedOrgOwnerRoleID   = "2101" // "Owner": user:read, user:write, org:manage, billing:manage
	SeedOrgViewerRoleID  = "2102" // "Viewer": user:read
	SeedOrgMembershipID  = "2201" // SeedUserID in SeedOrganizationID as Owner
	SeedOrgMembership2ID = "2202" // SeedUser2ID in SeedOrganizationID as Viewer
	SeedOrgInvitationID  = "2301" // dorothy@example.com invited to SeedOrganizationID as Viewer

	SeedWorkspaceID           = "3001" // "Acme Production" in SeedOrganizationID
	SeedWorkspaceRoleID       = "3101" // "Deployer": deploy:write, workspace:read
	SeedWorkspaceMembershipID = "3201" // SeedUserID in SeedWorkspaceID as Deployer

	SeedRateLimitSchemeSlug = "seed-standard" // 600 requests per minute per key, attached to SeedAPIAppSlug
	SeedAPIAppSlug          = "seed-api"      // key prefix "sk_seed"
	SeedAPIKeyID            = "4001"          // permissions user:read, bound to SeedOrgMembershipID
	SeedAPIKeySecret        = "sk_seed_5eed0000000000000000000000000000000001"
	SeedLimitedAPIKeyID     = "4002" // permissions user:read; its own rule: 3 requests per minute
	SeedLimitedAPIKeySecret = "sk_seed_5eed0000000000000000000000000000000002"
	SeedRevokedAPIKeyID     = "4003" // revoked
	SeedRevokedAPIKeySecret = "sk_seed_5eed0000000000000000000000000000000003"

	// SeedWebhookSecret is the signing secret of SeedWebhookAppSlug when
	// seeded (otherwise the app gets a random secret on first use).
	SeedWebhookSecret     = "whsec_d2FjaHR0ZXN0LXNlZWQtd2ViaG9vay1zZWNyZXQ="
	SeedWebhookEndpointID = "5001" // http://127.0.0.1:9/webhooks (discard port), subscribed to user.created

	SeedInvitationID    = "6001" // Katherine Johnson <katherine@example.com>
	SeedWaitlistEntryID = "6101" // margaret@example.com (Margaret Hamilton)

	SeedPasskeyID          = "1011" // SeedUserID's passkey "MacBook Touch ID"
	SeedSocialConnectionID = "1021" // SeedUserID signed in with google_oauth (ada@example.com)
	SeedJWTTemplateID      = "7001" // "hasura": 60 s tokens with Hasura's claims
	SeedSegmentID          = "7101" // "beta testers", a user segment holding SeedUserID

	SeedOAuthAppSlug     = "seed-oauth"  // scopes reports:read (personal) and billing (organization, billing:manage)
	SeedOAuthClientID    = "7201"        // the app's client "Seed partner", client_secret_basic, redirect https://partner.example/callback
	SeedOAuthGrantID     = "7301"        // SeedUserID granted the client reports:read on https://api.example.com
	SeedEventCatalogSlug = "seed-events" // user.created and user.deleted
)

// seedEpoch is the creation time of the first seeded record; each next
// record is a minute later, so ordering by creation is stable.
var seedEpoch = time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)

func (st *store) seed() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	at := func() time.Time { n++; return seedEpoch.Add(time.Duration(n) * time.Minute) }

	users := []struct{ id, first, last, username, email, phone, cc string }{
		{SeedUserID, "Ada", "Lovelace", "ada", "ada@example.com", "+14155550101", "US"},
		{SeedUser2ID, "Grace", "Hopper", "grace", "grace@example.com", "", ""},
		{SeedUser3ID, "Alan", "Turing", "", "alan@example.com", "", ""},
	}
	for _, u := range users {
		uu, err := st.addUser(u.id, u.first, u.last, u.username, u.email, u.phone, u.cc, at())
		if err != nil {
			return err
		}
		uu.HasPassword = true
	}
	st.users[SeedUserID].PublicMetadata = map[string]any{"plan": "pro"}

	o := st.addOrg(SeedOrganizationID, profile{Name: "Acme Inc", Description: "The seeded organization",
		PublicMetadata: map[string]any{"tier": "enterprise"}, PrivateMetadata: map[string]any{}}, at())
	orgSc, _ := st.orgScope(o.ID)
	if _, err := st.addRole(st.orgRoles, SeedOrgOwnerRoleID, o.ID, "Owner", []string{"user:read", "user:write", "org:manage", "billing:manage"}, at()); err != nil {
		return err
	}
	if _, err := st.addRole(st.orgRoles, SeedOrgViewerRoleID, o.ID, "Viewer", []string{"user:read"}, at()); err != nil {
		return err
	}
	if _, err := st.addMembership(orgSc, SeedOrgMembershipID, SeedUserID, []string{SeedOrgOwnerRoleID}, at()); err != nil {
		return err
	}
	if _, err := st.addMembership(orgSc, SeedOrgMembership2ID, SeedUser2ID, []string{SeedOrgViewerRoleID}, at()); err != nil {
		return err
	}
	ws := st.addWorkspace(SeedWorkspaceID, o.ID, profile{Name: "Acme Production", Description: "The seeded workspace",
		PublicMetadata: map[string]any{}, PrivateMetadata: map[string]any{}}, at())
	wsSc, _ := st.wsScope(ws.ID)
	if _, err := st.addRole(st.wsRoles, SeedWorkspaceRoleID, ws.ID, "Deployer", []string{"deploy:write", "workspace:read"}, at()); err != nil {
		return err
	}
	if _, err := st.addMembership(wsSc, SeedWorkspaceMembershipID, SeedUserID, []string{SeedWorkspaceRoleID}, at()); err != nil {
		return err
	}
	t := at()
	st.orgInvites[SeedOrgInvitationID] = &orgInvitation{ID: SeedOrgInvitationID, Created: t, Updated: t, OrgID: o.ID,
		Email: "dorothy@example.com", RoleID: SeedOrgViewerRoleID, InviterID: SeedUserID, Expiry: time.Now().UTC().Add(7 * 24 * time.Hour),
		Token: "inv_seed_dorothy"}

	if _, err := st.addScheme(SeedRateLimitSchemeSlug, "Seed standard", ptr("600 requests per minute per key"),
		[]RateLimit{{Unit: "minute", Duration: 1, MaxRequests: 600, Mode: "per_key"}}, at()); err != nil {
		return err
	}
	if err := st.addAPIApp(&apiApp{Slug: SeedAPIAppSlug, Name: "Seed API", KeyPrefix: "sk_seed", Description: ptr("The seeded API-auth app"),
		Permissions: []string{"user:read", "user:write"}, SchemeSlug: ptr(SeedRateLimitSchemeSlug), Active: true}, at()); err != nil {
		return err
	}
	keys := []struct {
		id, name, secret string
		limits           []RateLimit
		membership       string
	}{
		{SeedAPIKeyID, "seed key", SeedAPIKeySecret, nil, SeedOrgMembershipID},
		{SeedLimitedAPIKeyID, "seed limited key", SeedLimitedAPIKeySecret, []RateLimit{{Unit: "minute", Duration: 1, MaxRequests: 3, Mode: "per_key"}}, ""},
		{SeedRevokedAPIKeyID, "seed revoked key", SeedRevokedAPIKeySecret, nil, ""},
	}
	for _, k := range keys {
		key := &apiKey{ID: k.id, AppSlug: SeedAPIAppSlug, Name: k.name, Permissions: []string{"user:read"}, RateLimits: k.limits,
			Metadata: map[string]any{"seed": true}}
		if err := st.bindMemberships(key, k.membership, ""); err != nil {
			return err
		}
		// The membership's role permissions would widen the seed key
		// beyond user:read; keep the documented set exact.
		key.OrgRolePerms = nil
		if _, err := st.addAPIKey(key, k.secret, at()); err != nil {
			return err
		}
	}
	st.revoke(st.apiKeys[SeedRevokedAPIKeyID], "seeded as revoked", at())

	if err := st.addHookApp(&hookApp{Slug: SeedWebhookAppSlug, Name: "wachttest webhooks", Secret: SeedWebhookSecret}, at()); err != nil {
		return err
	}
	st.addEndpoint(&endpoint{ID: SeedWebhookEndpointID, AppSlug: SeedWebhookAppSlug, URL: "http://127.0.0.1:9/webhooks",
		Description: ptr("seeded endpoint (discard port)"), MaxRetries: 5, TimeoutSeconds: 5, Subscriptions: []string{"user.created"}}, at())

	inv, err := st.addInvitation(SeedInvitationID, "Katherine", "Johnson", "katherine@example.com", 7, at())
	if err != nil {
		return err
	}
	inv.Expiry = time.Now().UTC().Add(7 * 24 * time.Hour)

	ada := st.users[SeedUserID]
	t = at()
	ada.Passkeys = []*passkey{{ID: SeedPasskeyID, Created: &t, Updated: &t, UserID: SeedUserID, Name: "MacBook Touch ID", SignCount: 12,
		Transports: []string{"internal"}, LastUsedAt: &t, BackedUp: ptr(true), DeviceType: ptr("multi_device")}}
	t = at()
	ada.Social = []*socialConnection{{ID: SeedSocialConnectionID, Created: t, Updated: t, UserID: SeedUserID,
		EmailAddressID: ada.primaryEmail().ID, Provider: "google_oauth", EmailAddress: "ada@example.com",
		AccessToken: "ya29.seed-access-token", RefreshToken: "1//seed-refresh-token"}}
	t = at()
	st.jwtTemplates[SeedJWTTemplateID] = &jwtTemplate{ID: SeedJWTTemplateID, Name: "hasura", TokenLifetime: 60, AllowedClockSkew: 5,
		Template:     map[string]any{"https://hasura.io/jwt/claims": map[string]any{"x-hasura-user-id": "{{user.id}}", "x-hasura-default-role": "user"}},
		DeploymentID: DeploymentID, Created: t, Updated: t}
	t = at()
	st.segments[SeedSegmentID] = &segment{ID: SeedSegmentID, Name: "beta testers", Type: "user", Created: t, Updated: t,
		Members: map[string]bool{SeedUserID: true}}
	t = at()
	scopes, defs, err := normalizeScopes([]string{"reports:read", "billing"}, []scopeDef{
		{Scope: "reports:read", Category: "personal"},
		{Scope: "billing", Category: "organization", OrganizationPermission: ptr("billing:manage")},
	})
	if err != nil {
		return err
	}
	app := &oauthApp{ID: "7200", Slug: SeedOAuthAppSlug, Name: "Seed OAuth", FQDN: "seed.oapi.trywacht.xyz", SupportedScopes: scopes,
		ScopeDefinitions: defs, IsActive: true, Created: t, Updated: t}
	app.keys = []*oauthSigningKey{{Kid: "oas-7200-7210", Status: "active"}}
	client := &oauthClient{ID: SeedOAuthClientID, OAuthAppID: app.ID, ClientID: "oc_seed_partner", ClientAuthMethod: "client_secret_basic",
		GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectURIs: []string{"https://partner.example/callback"},
		ClientName: ptr("Seed partner"), Contacts: []string{}, PostLogoutRedirectURIs: []string{}, IsActive: true,
		IDTokenSigningAlg: "RS256", AccessTokenFormat: "opaque", AccessTokenTTLSeconds: 3600, Created: t, Updated: t}
	client.grants = []*oauthGrant{{ID: SeedOAuthGrantID, APIAuthAppSlug: app.Slug, OAuthClientID: client.ID, Resource: "https://api.example.com",
		Scopes: []string{"reports:read"}, Status: "active", GrantedAt: t, GrantedByUserID: SeedUserID, Created: t, Updated: t}}
	app.clients = []*oauthClient{client}
	st.oauthApps[app.Slug] = app
	t = at()
	st.catalogs[SeedEventCatalogSlug] = &eventCatalog{DeploymentID: DeploymentID, Slug: SeedEventCatalogSlug, Name: "Seed events",
		Events:  []eventDefinition{{Name: "user.created", Description: "A user signed up"}, {Name: "user.deleted", Description: "A user was deleted"}},
		Created: t, Updated: t}
	t = at()
	st.waitlist[SeedWaitlistEntryID] = &waitlistEntry{ID: SeedWaitlistEntryID, Created: t, Updated: t, Email: "margaret@example.com",
		FirstName: "Margaret", LastName: "Hamilton"}
	st.seedAI(at)
	return nil
}
