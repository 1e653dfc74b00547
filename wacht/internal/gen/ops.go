package main

// op names the Go method that covers one operation of the platform API.
type op struct {
	id     string // operationId in the spec
	svc    string // service field on wacht.Client
	method string // method name on the service
	doc    string // rest of the doc comment sentence, after the method name
	params string // name of the generated params type (query and/or multipart), if any
	all    string // name of the lazy iterator for offset-paginated lists

	// For operations the spec leaves untyped ({"type":"object"} or no body),
	// or types wrongly, hand-written types (models_oauth.go,
	// models_webhooks.go) describe the wire shape.
	body   string // Go type of the JSON request body
	result string // Go type of the decoded result

	example string // Go expression for body in the generated example call
}

// services lists the resource groups in the order they appear on Client,
// with the doc comment of each service type.
var services = []struct{ name, file, doc string }{
	{"Users", "users", "manages the users of a deployment: profiles, email addresses, phone numbers, passkeys, second factors and sign-in sessions."},
	{"Invitations", "invitations", "manages invitations to join a deployment."},
	{"Waitlist", "waitlist", "reads and approves the sign-up waitlist of a deployment."},
	{"Organizations", "organizations", "manages organizations, their members, roles and invitations."},
	{"Workspaces", "workspaces", "manages workspaces, their members and roles."},
	{"Deployment", "deployment", "reads the deployment the API key belongs to."},
	{"JWTTemplates", "jwt_templates", "manages JWT templates, which shape the session tokens issued for a deployment."},
	{"Settings", "settings", "changes a deployment's authentication, display, restriction, B2B, social connection and email settings."},
	{"Segments", "segments", "manages segments: named groups of users, organizations or workspaces."},
	{"Analytics", "analytics", "reads usage and sign-in analytics of a deployment."},
	{"APIAuth", "api_auth", "manages API auth apps, their API keys, rate-limit schemes and audit logs."},
	{"OAuth", "oauth", "manages OAuth apps, their scopes, clients, grants and signing keys."},
	{"Sessions", "sessions", "issues backend session tickets."},
	{"Webhooks", "webhooks", "manages webhook apps, event catalogs, endpoints, deliveries and replays."},
	{"Notifications", "notifications", "sends in-app notifications to users."},
}

var ops = []op{
	// Users
	{id: "getActiveUserList", svc: "Users", method: "List", params: "ListUsersParams", all: "All", doc: "returns one page of the deployment's active users."},
	{id: "createUser", svc: "Users", method: "Create", params: "CreateUserParams", doc: "creates a user. The request is sent as multipart/form-data so a profile image can travel with it."},
	{id: "getUserDetails", svc: "Users", method: "Get", doc: "returns a user with their email addresses, phone numbers and social connections."},
	{id: "updateUser", svc: "Users", method: "Update", params: "UpdateUserParams", doc: "changes a user's profile. Only the fields that are set are sent (multipart/form-data; metadata travels as JSON)."},
	{id: "deleteUser", svc: "Users", method: "Delete", doc: "deletes a user."},
	{id: "updateUserPassword", svc: "Users", method: "UpdatePassword", doc: "sets a new password for a user."},
	{id: "removeUserPassword", svc: "Users", method: "RemovePassword", doc: "removes a user's password, leaving their other sign-in methods."},
	{id: "addUserEmail", svc: "Users", method: "AddEmail", doc: "adds an email address to a user."},
	{id: "updateUserEmail", svc: "Users", method: "UpdateEmail", doc: "changes one of a user's email addresses."},
	{id: "deleteUserEmail", svc: "Users", method: "DeleteEmail", doc: "removes an email address from a user."},
	{id: "addUserPhone", svc: "Users", method: "AddPhone", doc: "adds a phone number to a user."},
	{id: "updateUserPhone", svc: "Users", method: "UpdatePhone", doc: "changes one of a user's phone numbers."},
	{id: "deleteUserPhone", svc: "Users", method: "DeletePhone", doc: "removes a phone number from a user."},
	{id: "getUserSocialConnections", svc: "Users", method: "ListSocialConnections", doc: "returns the social (OAuth) connections of a user."},
	{id: "deleteUserSocialConnection", svc: "Users", method: "DeleteSocialConnection", doc: "removes a social connection from a user."},
	{id: "getUserOrganizationMemberships", svc: "Users", method: "ListOrganizationMemberships", doc: "returns the organizations a user belongs to."},
	{id: "getUserWorkspaceMemberships", svc: "Users", method: "ListWorkspaceMemberships", doc: "returns the workspaces a user belongs to."},
	{id: "getUserSignins", svc: "Users", method: "ListSessions", params: "ListUserSessionsParams", doc: "returns a user's sign-in sessions."},
	{id: "revokeUserSignin", svc: "Users", method: "RevokeSession", doc: "signs a user out of one session."},
	{id: "revokeAllUserSignins", svc: "Users", method: "RevokeAllSessions", doc: "signs a user out of every session."},
	{id: "getUserPasskeys", svc: "Users", method: "ListPasskeys", doc: "returns a user's passkeys."},
	{id: "renameUserPasskey", svc: "Users", method: "RenamePasskey", doc: "renames one of a user's passkeys."},
	{id: "deleteUserPasskey", svc: "Users", method: "DeletePasskey", doc: "removes one of a user's passkeys."},
	{id: "createUserAuthenticator", svc: "Users", method: "CreateAuthenticator", doc: "enrolls an authenticator app (TOTP) as a second factor for a user."},
	{id: "deleteUserAuthenticator", svc: "Users", method: "DeleteAuthenticator", doc: "removes a user's authenticator app."},
	{id: "regenerateUserBackupCodes", svc: "Users", method: "RegenerateBackupCodes", doc: "replaces a user's backup codes with fresh ones."},
	{id: "makeUserEmailPrimary", svc: "Users", method: "MakeEmailPrimary", doc: "makes one of a user's email addresses the primary one."},
	{id: "makeUserPhonePrimary", svc: "Users", method: "MakePhonePrimary", doc: "makes one of a user's phone numbers the primary one."},

	// Invitations and waitlist
	{id: "getInvitedUserList", svc: "Invitations", method: "List", params: "ListInvitationsParams", all: "All", doc: "returns one page of pending deployment invitations."},
	{id: "inviteUser", svc: "Invitations", method: "Create", doc: "invites someone to the deployment by email."},
	{id: "deleteInvitation", svc: "Invitations", method: "Delete", doc: "withdraws an invitation."},
	{id: "getUserWaitlist", svc: "Waitlist", method: "List", params: "ListWaitlistParams", all: "All", doc: "returns one page of people on the waitlist."},
	{id: "approveWaitlistUser", svc: "Waitlist", method: "Approve", doc: "approves a waitlist entry and returns the invitation sent to that person."},

	// Workspaces
	{id: "getWorkspaceList", svc: "Workspaces", method: "List", params: "ListWorkspacesParams", all: "All", doc: "returns one page of workspaces."},
	{id: "getWorkspaceDetails", svc: "Workspaces", method: "Get", doc: "returns a workspace with its organization, roles and member count."},
	{id: "updateWorkspace", svc: "Workspaces", method: "Update", params: "UpdateWorkspaceParams", doc: "changes a workspace. Only the fields that are set are sent (multipart/form-data; metadata travels as JSON)."},
	{id: "deleteWorkspace", svc: "Workspaces", method: "Delete", doc: "deletes a workspace."},
	{id: "getWorkspaceRoles", svc: "Workspaces", method: "ListRoles", doc: "returns the roles defined in a workspace."},
	{id: "createWorkspaceRole", svc: "Workspaces", method: "CreateRole", doc: "defines a new role in a workspace."},
	{id: "updateWorkspaceRole", svc: "Workspaces", method: "UpdateRole", doc: "changes a workspace role."},
	{id: "deleteWorkspaceRole", svc: "Workspaces", method: "DeleteRole", doc: "deletes a workspace role."},
	{id: "getWorkspaceMembers", svc: "Workspaces", method: "ListMembers", params: "ListWorkspaceMembersParams", all: "AllMembers", doc: "returns one page of a workspace's members."},
	{id: "addWorkspaceMember", svc: "Workspaces", method: "AddMember", doc: "adds a user to a workspace."},
	{id: "removeWorkspaceMember", svc: "Workspaces", method: "RemoveMember", doc: "removes a member from a workspace."},
	{id: "updateWorkspaceMember", svc: "Workspaces", method: "UpdateMember", doc: "changes a workspace membership."},
	{id: "addWorkspaceMemberRole", svc: "Workspaces", method: "AddMemberRole", doc: "grants a role to a workspace member."},
	{id: "removeWorkspaceMemberRole", svc: "Workspaces", method: "RemoveMemberRole", doc: "takes a role away from a workspace member."},

	// Organizations
	{id: "getOrganizationList", svc: "Organizations", method: "List", params: "ListOrganizationsParams", all: "All", doc: "returns one page of organizations."},
	{id: "createOrganization", svc: "Organizations", method: "Create", params: "CreateOrganizationParams", doc: "creates an organization (multipart/form-data; metadata travels as JSON)."},
	{id: "getOrganizationDetails", svc: "Organizations", method: "Get", doc: "returns an organization with its workspaces, roles and member count."},
	{id: "updateOrganization", svc: "Organizations", method: "Update", params: "UpdateOrganizationParams", doc: "changes an organization. Only the fields that are set are sent (multipart/form-data; metadata travels as JSON)."},
	{id: "deleteOrganization", svc: "Organizations", method: "Delete", doc: "deletes an organization."},
	{id: "createWorkspaceForOrganization", svc: "Organizations", method: "CreateWorkspace", params: "CreateWorkspaceParams", doc: "creates a workspace inside an organization (multipart/form-data; metadata travels as JSON)."},
	{id: "getOrganizationMembers", svc: "Organizations", method: "ListMembers", params: "ListOrganizationMembersParams", all: "AllMembers", doc: "returns one page of an organization's members."},
	{id: "addOrganizationMember", svc: "Organizations", method: "AddMember", doc: "adds a user to an organization."},
	{id: "removeOrganizationMember", svc: "Organizations", method: "RemoveMember", doc: "removes a member from an organization."},
	{id: "updateOrganizationMember", svc: "Organizations", method: "UpdateMember", doc: "changes an organization membership."},
	{id: "addOrganizationMemberRole", svc: "Organizations", method: "AddMemberRole", doc: "grants a role to an organization member."},
	{id: "removeOrganizationMemberRole", svc: "Organizations", method: "RemoveMemberRole", doc: "takes a role away from an organization member."},
	{id: "getOrganizationRoles", svc: "Organizations", method: "ListRoles", doc: "returns the roles defined in an organization."},
	{id: "createOrganizationRole", svc: "Organizations", method: "CreateRole", doc: "defines a new role in an organization."},
	{id: "listOrganizationInvitations", svc: "Organizations", method: "ListInvitations", params: "ListOrganizationInvitationsParams", doc: "returns the invitations of an organization."},
	{id: "createOrganizationInvitation", svc: "Organizations", method: "CreateInvitation", doc: "invites someone to an organization."},
	{id: "discardOrganizationInvitation", svc: "Organizations", method: "DiscardInvitation", doc: "withdraws an organization invitation."},
	{id: "updateOrganizationRole", svc: "Organizations", method: "UpdateRole", doc: "changes an organization role."},
	{id: "deleteOrganizationRole", svc: "Organizations", method: "DeleteRole", doc: "deletes an organization role."},

	// Deployment
	{id: "getDeploymentWithSettings", svc: "Deployment", method: "Get", doc: "returns the deployment with all its settings. It is also a cheap way to check that the API key works."},

	// JWT templates
	{id: "getDeploymentJwtTemplates", svc: "JWTTemplates", method: "List", doc: "returns the deployment's JWT templates."},
	{id: "createDeploymentJwtTemplate", svc: "JWTTemplates", method: "Create", doc: "creates a JWT template."},
	{id: "updateDeploymentJwtTemplate", svc: "JWTTemplates", method: "Update", doc: "changes a JWT template."},
	{id: "deleteDeploymentJwtTemplate", svc: "JWTTemplates", method: "Delete", doc: "deletes a JWT template."},

	// Settings
	{id: "updateDeploymentAuthSettings", svc: "Settings", method: "UpdateAuth", doc: "changes the deployment's authentication settings."},
	{id: "updateDeploymentDisplaySettings", svc: "Settings", method: "UpdateDisplay", doc: "changes the deployment's display (UI) settings."},
	{id: "updateDeploymentRestrictions", svc: "Settings", method: "UpdateRestrictions", doc: "changes who may sign up (allow lists, block lists, country restrictions)."},
	{id: "updateDeploymentB2bSettings", svc: "Settings", method: "UpdateB2B", doc: "changes the deployment's organization and workspace settings."},
	{id: "getDeploymentOrganizationRoles", svc: "Settings", method: "ListOrganizationRoles", doc: "returns the deployment-wide organization roles."},
	{id: "getDeploymentWorkspaceRoles", svc: "Settings", method: "ListWorkspaceRoles", doc: "returns the deployment-wide workspace roles."},
	{id: "getDeploymentSocialConnections", svc: "Settings", method: "ListSocialConnections", doc: "returns the social sign-in providers configured for the deployment."},
	{id: "upsertDeploymentSocialConnection", svc: "Settings", method: "UpsertSocialConnection", doc: "creates or changes a social sign-in provider."},
	{id: "updateSmtpConfig", svc: "Settings", method: "UpdateSMTP", doc: "sets the custom SMTP server used to send the deployment's email."},
	{id: "removeSmtpConfig", svc: "Settings", method: "RemoveSMTP", doc: "removes the custom SMTP server, going back to Wacht's mail service."},
	{id: "verifySmtpConnection", svc: "Settings", method: "VerifySMTP", doc: "checks that an SMTP configuration can connect, without saving it."},
	{id: "getDeploymentEmailTemplate", svc: "Settings", method: "GetEmailTemplate", doc: "returns one of the deployment's email templates."},
	{id: "updateDeploymentEmailTemplate", svc: "Settings", method: "UpdateEmailTemplate", doc: "changes one of the deployment's email templates."},
	{id: "uploadImage", svc: "Settings", method: "UploadImage", params: "UploadImageParams", doc: "uploads a deployment image (logo, favicon, ...) as multipart/form-data and returns its URL."},

	// Segments
	{id: "listSegments", svc: "Segments", method: "List", params: "ListSegmentsParams", all: "All", doc: "returns one page of the deployment's segments."},
	{id: "createSegment", svc: "Segments", method: "Create", doc: "creates a segment."},
	{id: "getSegmentData", svc: "Segments", method: "Query", doc: "returns the users, organizations or workspaces that match a set of filters."},
	{id: "updateSegment", svc: "Segments", method: "Update", doc: "renames a segment."},
	{id: "deleteSegment", svc: "Segments", method: "Delete", doc: "deletes a segment."},
	{id: "assignSegment", svc: "Segments", method: "Assign", doc: "adds a user, organization or workspace to a segment."},
	{id: "removeSegment", svc: "Segments", method: "Remove", doc: "removes a user, organization or workspace from a segment."},

	// Analytics
	{id: "getAnalyticsStats", svc: "Analytics", method: "Stats", params: "AnalyticsStatsParams", doc: "returns sign-up, sign-in and growth figures for a time range."},
	{id: "getTokenUsageStats", svc: "Analytics", method: "TokenUsage", params: "UsageParams", doc: "returns AI token usage over time."},
	{id: "getTokenUsageByModel", svc: "Analytics", method: "TokenUsageByModel", params: "UsageParams", doc: "returns AI token usage per model."},
	{id: "getWebhookUsageStats", svc: "Analytics", method: "WebhookUsage", params: "UsageParams", doc: "returns webhook delivery volume over time."},
	{id: "getGatewayUsageStats", svc: "Analytics", method: "GatewayUsage", params: "UsageParams", doc: "returns gateway request volume over time."},

	// API auth
	{id: "listApiAuthApps", svc: "APIAuth", method: "ListApps", params: "ListAPIAuthAppsParams", all: "AllApps", doc: "returns one page of API auth apps."},
	{id: "createApiAuthApp", svc: "APIAuth", method: "CreateApp", doc: "creates an API auth app."},
	{id: "getApiAuthApp", svc: "APIAuth", method: "GetApp", doc: "returns an API auth app."},
	{id: "updateApiAuthApp", svc: "APIAuth", method: "UpdateApp", doc: "changes an API auth app."},
	{id: "deleteApiAuthApp", svc: "APIAuth", method: "DeleteApp", doc: "deletes an API auth app."},
	{id: "listRateLimitSchemes", svc: "APIAuth", method: "ListRateLimitSchemes", result: "RateLimitSchemeList", doc: "returns the deployment's rate-limit schemes."},
	{id: "createRateLimitScheme", svc: "APIAuth", method: "CreateRateLimitScheme", doc: "creates a rate-limit scheme."},
	{id: "getRateLimitScheme", svc: "APIAuth", method: "GetRateLimitScheme", doc: "returns a rate-limit scheme."},
	{id: "updateRateLimitScheme", svc: "APIAuth", method: "UpdateRateLimitScheme", doc: "changes a rate-limit scheme."},
	{id: "deleteRateLimitScheme", svc: "APIAuth", method: "DeleteRateLimitScheme", doc: "deletes a rate-limit scheme."},
	{id: "listApiKeys", svc: "APIAuth", method: "ListKeys", params: "ListAPIKeysParams", doc: "returns the API keys of an app."},
	{id: "createApiKey", svc: "APIAuth", method: "CreateKey", doc: "creates an API key. The secret is in the result and cannot be read again later."},
	{id: "revokeApiKeyForApp", svc: "APIAuth", method: "RevokeKey", doc: "revokes an API key."},
	{id: "rotateApiKeyForApp", svc: "APIAuth", method: "RotateKey", doc: "replaces an API key's secret. The new secret is in the result."},
	{id: "getApiAuditLogs", svc: "APIAuth", method: "AuditLogs", params: "APIAuditLogsParams", doc: "returns one page of an app's audit log. Follow NextCursor (or use AllAuditLogs) for the next page."},
	{id: "getApiAuditAnalytics", svc: "APIAuth", method: "AuditAnalytics", params: "APIAuditAnalyticsParams", doc: "returns aggregated audit figures for an app."},
	{id: "getApiAuditTimeseries", svc: "APIAuth", method: "AuditTimeseries", params: "APIAuditTimeseriesParams", doc: "returns audit figures for an app bucketed over time."},

	// OAuth (typed by the corrections of internal/contract/corrections/machine.json)
	{id: "listOauthApps", svc: "OAuth", method: "ListApps", doc: "returns the deployment's OAuth apps."},
	{id: "createOauthApp", svc: "OAuth", method: "CreateApp", params: "CreateOAuthAppParams", doc: "creates an OAuth app (multipart/form-data, so a logo can travel with it)."},
	{id: "updateOauthApp", svc: "OAuth", method: "UpdateApp", doc: "changes an OAuth app."},
	{id: "verifyOauthAppDomain", svc: "OAuth", method: "VerifyDomain", doc: "checks the DNS record that proves the OAuth app owns its domain."},
	{id: "updateOauthScope", svc: "OAuth", method: "UpdateScope", doc: "changes how a scope is described to users."},
	{id: "archiveOauthScope", svc: "OAuth", method: "ArchiveScope", doc: "archives a scope so new grants cannot request it."},
	{id: "unarchiveOauthScope", svc: "OAuth", method: "UnarchiveScope", doc: "brings an archived scope back."},
	{id: "setOauthScopeMapping", svc: "OAuth", method: "SetScopeMapping", doc: "maps a scope to an organization or workspace permission."},
	{id: "listOauthClients", svc: "OAuth", method: "ListClients", doc: "returns the clients registered with an OAuth app."},
	{id: "createOauthClient", svc: "OAuth", method: "CreateClient", doc: "registers a client with an OAuth app. A confidential client's secret is in the result."},
	{id: "updateOauthClient", svc: "OAuth", method: "UpdateClient", doc: "changes an OAuth client."},
	{id: "deactivateOauthClient", svc: "OAuth", method: "DeactivateClient", doc: "deactivates an OAuth client."},
	{id: "rotateOauthClientSecret", svc: "OAuth", method: "RotateClientSecret", doc: "replaces an OAuth client's secret and returns the new one."},
	{id: "listOauthGrants", svc: "OAuth", method: "ListGrants", doc: "returns the grants users have given an OAuth client."},
	{id: "revokeOauthGrant", svc: "OAuth", method: "RevokeGrant", doc: "revokes a grant."},
	{id: "listSigningKeys", svc: "OAuth", method: "ListSigningKeys", doc: "returns the keys that sign an OAuth app's tokens, as a JWKS-style document."},
	{id: "rotateSigningKey", svc: "OAuth", method: "RotateSigningKey", doc: "starts signing an OAuth app's tokens with a new key."},
	{id: "compromiseSigningKey", svc: "OAuth", method: "CompromiseSigningKey", doc: "marks a signing key as compromised so tokens it signed stop verifying."},

	// Sessions
	{id: "createBackendSessionTicket", svc: "Sessions", method: "CreateTicket", doc: "creates a short-lived ticket that a frontend exchanges for a session (impersonation, agent and app access)."},

	// Webhooks
	{id: "listWebhookApps", svc: "Webhooks", method: "ListApps", params: "ListWebhookAppsParams", all: "AllApps", doc: "returns one page of webhook apps."},
	{id: "createWebhookApp", svc: "Webhooks", method: "CreateApp", doc: "creates a webhook app."},
	{id: "listEventCatalogs", svc: "Webhooks", method: "ListEventCatalogs", doc: "returns the deployment's webhook event catalogs."},
	{id: "createEventCatalog", svc: "Webhooks", method: "CreateEventCatalog", doc: "creates an event catalog."},
	{id: "getEventCatalog", svc: "Webhooks", method: "GetEventCatalog", doc: "returns an event catalog."},
	{id: "updateEventCatalog", svc: "Webhooks", method: "UpdateEventCatalog", doc: "replaces an event catalog's name, description and events."},
	{id: "appendEventsToCatalog", svc: "Webhooks", method: "AppendEvents", doc: "adds event definitions to a catalog."},
	{id: "archiveEventInCatalog", svc: "Webhooks", method: "ArchiveEvent", doc: "archives one event of a catalog."},
	{id: "updateWebhookApp", svc: "Webhooks", method: "UpdateApp", doc: "changes a webhook app."},
	{id: "getWebhookApp", svc: "Webhooks", method: "GetApp", doc: "returns a webhook app."},
	{id: "deleteWebhookApp", svc: "Webhooks", method: "DeleteApp", doc: "deletes a webhook app."},
	{id: "rotateWebhookSecret", svc: "Webhooks", method: "RotateSecret", doc: "replaces a webhook app's signing secret."},
	{id: "getWebhookEvents", svc: "Webhooks", method: "ListEvents", doc: "returns the events a webhook app can subscribe to."},
	{id: "getWebhookCatalog", svc: "Webhooks", method: "GetAppCatalog", doc: "returns the event catalog a webhook app uses."},
	{id: "listWebhookEndpoints", svc: "Webhooks", method: "ListEndpoints", params: "ListWebhookEndpointsParams", all: "AllEndpoints", doc: "returns one page of a webhook app's endpoints."},
	{id: "createWebhookEndpointForApp", svc: "Webhooks", method: "CreateEndpoint", doc: "adds an endpoint to a webhook app."},
	{id: "updateWebhookEndpointForApp", svc: "Webhooks", method: "UpdateEndpoint", doc: "changes a webhook endpoint."},
	{id: "deleteWebhookEndpointForApp", svc: "Webhooks", method: "DeleteEndpoint", doc: "deletes a webhook endpoint."},
	{id: "getWebhookStats", svc: "Webhooks", method: "Stats", doc: "returns delivery figures for a webhook app."},
	{id: "getAppWebhookDeliveries", svc: "Webhooks", method: "ListDeliveries", params: "ListWebhookDeliveriesParams", all: "AllDeliveries", doc: "returns one page of a webhook app's deliveries."},
	{id: "testWebhookEndpoint", svc: "Webhooks", method: "TestEndpoint", doc: "sends a test event to an endpoint and reports how it answered."},
	{id: "triggerWebhookEvent", svc: "Webhooks", method: "Trigger", doc: "sends an event to every endpoint of a webhook app that subscribes to it."},
	{id: "getWebhookDeliveryDetailsForApp", svc: "Webhooks", method: "GetDelivery", params: "GetWebhookDeliveryParams", doc: "returns one delivery with its request and response."},
	{id: "listWebhookReplayTasks", svc: "Webhooks", method: "ListReplayTasks", params: "ListReplayTasksParams", doc: "returns one page of a webhook app's replay tasks."},
	{id: "replayWebhookDelivery", svc: "Webhooks", method: "Replay", body: "ReplayDeliveriesParams", example: `ReplayDeliveriesParams{DeliveryIDs: []string{"d_1", "d_2"}}`, doc: "starts replaying deliveries, chosen by id or by a time range."},
	{id: "getWebhookReplayTaskStatus", svc: "Webhooks", method: "GetReplayTask", doc: "returns the progress of a replay task."},
	{id: "cancelWebhookReplayTask", svc: "Webhooks", method: "CancelReplayTask", doc: "stops a replay task."},
	{id: "reactivateWebhookEndpoint", svc: "Webhooks", method: "ReactivateEndpoint", doc: "turns an endpoint that was disabled after repeated failures back on."},
	{id: "getWebhookAnalytics", svc: "Webhooks", method: "Analytics", params: "WebhookAnalyticsParams", doc: "returns delivery analytics for a webhook app."},
	{id: "getWebhookTimeseries", svc: "Webhooks", method: "Timeseries", params: "WebhookTimeseriesParams", doc: "returns delivery figures for a webhook app bucketed over time."},

	// Notifications
	{id: "createNotification", svc: "Notifications", method: "Create", doc: "sends a notification to one or more users."},
}
