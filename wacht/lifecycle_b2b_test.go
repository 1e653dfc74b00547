package wacht_test

import (
	"strings"
	"testing"

	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

func TestOrganizationLifecycle(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	var ids []string
	for _, name := range []string{"Globex", "Initech", "Umbrella"} {
		o, err := c.Organizations.Create(ctx, wacht.CreateOrganizationParams{Name: name, PublicMetadata: map[string]any{"plan": "team"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	var names []string
	for o, err := range c.Organizations.All(ctx, wacht.ListOrganizationsParams{Limit: 2, SortKey: "name", SortOrder: "asc"}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, o.Name)
	}
	if strings.Join(names, ",") != "Acme Inc,Globex,Initech,Umbrella" {
		t.Fatalf("organizations by name, two per page: %v", names)
	}
	role, err := c.Organizations.CreateRole(ctx, ids[0], wacht.CreateOrganizationRoleRequest{Name: "Billing", Permissions: []string{"billing:manage"}})
	if err != nil {
		t.Fatal(err)
	}
	if role, err = c.Organizations.UpdateRole(ctx, ids[0], role.ID, wacht.UpdateOrganizationRoleRequest{Name: wacht.Ptr("Finance")}); err != nil || role.Name != "Finance" {
		t.Fatalf("update role %+v %v", role, err)
	}
	member, err := c.Organizations.AddMember(ctx, ids[0], wacht.AddOrganizationMemberRequest{UserID: wachttest.SeedUser3ID, RoleIDs: []string{role.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if page, err := c.Organizations.ListMembers(ctx, ids[0], wacht.ListOrganizationMembersParams{}); err != nil || len(page.Data) != 1 {
		t.Fatalf("members %+v %v", page, err)
	}
	if _, err := c.Organizations.AddMember(ctx, ids[0], wacht.AddOrganizationMemberRequest{UserID: wachttest.SeedUser3ID, RoleIDs: []string{role.ID}}); !wacht.IsConflict(err) {
		t.Fatalf("adding a member twice: %v, want a 409", err)
	}
	inv, err := c.Organizations.CreateInvitation(ctx, ids[0], wacht.CreateOrganizationInvitationRequest{Email: "hedy@example.com", RoleID: &role.ID})
	if err != nil {
		t.Fatal(err)
	}
	if list, err := c.Organizations.ListInvitations(ctx, ids[0], wacht.ListOrganizationInvitationsParams{}); err != nil || len(list) != 1 {
		t.Fatalf("invitations %+v %v", list, err)
	}
	if err := c.Organizations.DiscardInvitation(ctx, ids[0], inv.ID); err != nil {
		t.Fatal(err)
	}
	ws, err := c.Organizations.CreateWorkspace(ctx, ids[0], wacht.CreateWorkspaceParams{Name: "Globex Staging"})
	if err != nil {
		t.Fatal(err)
	}
	updated, err := c.Organizations.Update(ctx, ids[0], wacht.UpdateOrganizationParams{Description: wacht.Ptr("Hank's company")})
	if err != nil || updated.Description != "Hank's company" || updated.Name != "Globex" {
		t.Fatalf("update %+v %v", updated, err)
	}
	details, err := c.Organizations.Get(ctx, ids[0])
	if err != nil || len(details.Workspaces) != 1 || details.MemberCount != 1 {
		t.Fatalf("details %+v %v", details, err)
	}
	if err := c.Organizations.RemoveMember(ctx, ids[0], member.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Organizations.Delete(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	_, err = c.Organizations.Get(ctx, ids[0])
	mustNotFound(t, "organization", err)
	// Deleting an organization takes its workspaces with it.
	_, err = c.Workspaces.Get(ctx, ws.ID)
	mustNotFound(t, "workspace of a deleted organization", err)
}

func TestWorkspaceLifecycle(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	ws, err := c.Organizations.CreateWorkspace(ctx, wachttest.SeedOrganizationID, wacht.CreateWorkspaceParams{Name: "Acme Staging"})
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.Workspaces.List(ctx, wacht.ListWorkspacesParams{Limit: 1})
	if err != nil || len(page.Data) != 1 || !page.HasMore {
		t.Fatalf("first page of one %+v %v", page, err)
	}
	role, err := c.Workspaces.CreateRole(ctx, ws.ID, wacht.CreateWorkspaceRoleRequest{Name: "Viewer", Permissions: []string{"workspace:read"}})
	if err != nil {
		t.Fatal(err)
	}
	member, err := c.Workspaces.AddMember(ctx, ws.ID, wacht.AddWorkspaceMemberRequest{UserID: wachttest.SeedUser2ID, RoleIDs: []string{role.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Workspaces.RemoveMemberRole(ctx, ws.ID, member.ID, role.ID); err != nil {
		t.Fatal(err)
	}
	if updated, err := c.Workspaces.Update(ctx, ws.ID, wacht.UpdateWorkspaceParams{Name: wacht.Ptr("Acme QA")}); err != nil || updated.Name != "Acme QA" {
		t.Fatalf("update %+v %v", updated, err)
	}
	if d, err := c.Workspaces.Get(ctx, ws.ID); err != nil || d.OrganizationID != wachttest.SeedOrganizationID {
		t.Fatalf("details %+v %v", d, err)
	}
	if err := c.Workspaces.DeleteRole(ctx, ws.ID, role.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Workspaces.Delete(ctx, ws.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Workspaces.Get(ctx, ws.ID)
	mustNotFound(t, "workspace", err)
}

func TestInvitationsAndWaitlist(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	inv, err := c.Invitations.Create(ctx, wacht.InviteUserRequest{FirstName: "Hedy", LastName: "Lamarr", EmailAddress: "hedy@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.Invitations.List(ctx, wacht.ListInvitationsParams{Limit: 1})
	if err != nil || len(page.Data) != 1 || !page.HasMore {
		t.Fatalf("invitations, one per page: %+v %v", page, err)
	}
	if err := c.Invitations.Delete(ctx, inv.ID); err != nil {
		t.Fatal(err)
	}
	mustNotFound(t, "invitation", c.Invitations.Delete(ctx, inv.ID))

	wl, err := c.Waitlist.List(ctx, wacht.ListWaitlistParams{})
	if err != nil || len(wl.Data) != 1 || wl.Data[0].ID != wachttest.SeedWaitlistEntryID {
		t.Fatalf("waitlist %+v %v", wl, err)
	}
	approved, err := c.Waitlist.Approve(ctx, wachttest.SeedWaitlistEntryID)
	if err != nil || approved.EmailAddress != "margaret@example.com" {
		t.Fatalf("approve %+v %v", approved, err)
	}
	_, err = c.Waitlist.Approve(ctx, wachttest.SeedWaitlistEntryID)
	mustNotFound(t, "approved waitlist entry", err)
}

func TestAPIAuthAppsKeysAndSchemes(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	scheme, err := c.APIAuth.CreateRateLimitScheme(ctx, wacht.CreateRateLimitSchemeRequest{Slug: "burst", Name: "Burst",
		Rules: []wacht.RateLimitRule{{Unit: "second", Duration: 1, MaxRequests: 10}}})
	if err != nil || scheme.Slug != "burst" || len(scheme.Rules) != 1 {
		t.Fatalf("scheme %+v %v", scheme, err)
	}
	if scheme, err = c.APIAuth.UpdateRateLimitScheme(ctx, "burst", wacht.UpdateRateLimitSchemeRequest{Name: wacht.Ptr("Burst 10/s")}); err != nil || scheme.Name != "Burst 10/s" {
		t.Fatalf("update scheme %+v %v", scheme, err)
	}
	if list, err := c.APIAuth.ListRateLimitSchemes(ctx); err != nil || len(list.Schemes) != 2 {
		t.Fatalf("schemes %+v %v", list, err)
	}
	app, err := c.APIAuth.CreateApp(ctx, wacht.CreateAPIAuthAppRequest{AppSlug: "reports", Name: "Reports", KeyPrefix: "sk_rep",
		RateLimitSchemeSlug: wacht.Ptr("burst"), Permissions: []string{"reports:read"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.APIAuth.CreateApp(ctx, wacht.CreateAPIAuthAppRequest{AppSlug: "reports", Name: "again", KeyPrefix: "sk_x"}); !wacht.IsConflict(err) {
		t.Fatalf("second app with the slug: %v, want a 409", err)
	}
	if got, err := c.APIAuth.GetApp(ctx, app.AppSlug); err != nil || len(got.RateLimits) != 1 {
		t.Fatalf("app %+v %v", got, err)
	}
	page, err := c.APIAuth.ListApps(ctx, wacht.ListAPIAuthAppsParams{Limit: 1})
	if err != nil || len(page.Data) != 1 || !page.HasMore {
		t.Fatalf("apps, one per page: %+v %v", page, err)
	}
	key, err := c.APIAuth.CreateKey(ctx, app.AppSlug, wacht.CreateAPIKeyRequest{Name: "ci", Permissions: []string{"reports:read"}})
	if err != nil || !strings.HasPrefix(key.Secret, "sk_rep") {
		t.Fatalf("key %+v %v", key, err)
	}
	rotated, err := c.APIAuth.RotateKey(ctx, app.AppSlug, key.ID)
	if err != nil || rotated.Secret == key.Secret {
		t.Fatalf("rotate %+v %v", rotated, err)
	}
	if err := c.APIAuth.RevokeKey(ctx, app.AppSlug, rotated.ID, wacht.RevokeAPIKeyRequest{Reason: wacht.Ptr("leaked")}); err != nil {
		t.Fatal(err)
	}
	if keys, err := c.APIAuth.ListKeys(ctx, app.AppSlug, wacht.ListAPIKeysParams{}); err != nil || len(keys.Keys) != 0 {
		t.Fatalf("active keys after revoking both: %+v %v", keys, err)
	}
	if app2, err := c.APIAuth.UpdateApp(ctx, app.AppSlug, wacht.UpdateAPIAuthAppRequest{Description: wacht.Ptr("Reporting API")}); err != nil || deref(app2.Description) != "Reporting API" {
		t.Fatalf("update app %+v %v", app2, err)
	}
	if err := c.APIAuth.DeleteApp(ctx, app.AppSlug); err != nil {
		t.Fatal(err)
	}
	_, err = c.APIAuth.GetApp(ctx, app.AppSlug)
	mustNotFound(t, "API auth app", err)
	if err := c.APIAuth.DeleteRateLimitScheme(ctx, "burst"); err != nil {
		t.Fatal(err)
	}
	_, err = c.APIAuth.GetRateLimitScheme(ctx, "burst")
	mustNotFound(t, "rate-limit scheme", err)
}

func TestWebhookAppsAndEndpoints(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	app, err := c.Webhooks.CreateApp(ctx, wacht.CreateWebhookAppRequest{AppSlug: wacht.Ptr("billing-hooks"), Name: "Billing"})
	if err != nil || !strings.HasPrefix(app.SigningSecret, "whsec_") {
		t.Fatalf("app %+v %v", app, err)
	}
	page, err := c.Webhooks.ListApps(ctx, wacht.ListWebhookAppsParams{Limit: 1})
	if err != nil || len(page.Data) != 1 || !page.HasMore {
		t.Fatalf("apps, one per page: %+v %v", page, err)
	}
	ep, err := c.Webhooks.CreateEndpoint(ctx, app.AppSlug, wacht.CreateWebhookEndpointRequest{AppSlug: app.AppSlug, URL: "https://hooks.example.com/wacht",
		Subscriptions: []wacht.EventSubscription{{EventName: "user.created"}}})
	if err != nil {
		t.Fatal(err)
	}
	if ep, err = c.Webhooks.UpdateEndpoint(ctx, app.AppSlug, ep.ID, wacht.UpdateWebhookEndpointRequest{MaxRetries: wacht.Ptr[int64](3)}); err != nil || ep.MaxRetries != 3 {
		t.Fatalf("update endpoint %+v %v", ep, err)
	}
	if eps, err := c.Webhooks.ListEndpoints(ctx, app.AppSlug, wacht.ListWebhookEndpointsParams{}); err != nil || len(eps.Data) != 1 {
		t.Fatalf("endpoints %+v %v", eps, err)
	}
	rotated, err := c.Webhooks.RotateSecret(ctx, app.AppSlug)
	if err != nil || rotated.SigningSecret == app.SigningSecret {
		t.Fatalf("rotate %+v %v", rotated, err)
	}
	if err := c.Webhooks.DeleteEndpoint(ctx, app.AppSlug, ep.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Webhooks.DeleteApp(ctx, app.AppSlug); err != nil {
		t.Fatal(err)
	}
	_, err = c.Webhooks.GetApp(ctx, app.AppSlug)
	mustNotFound(t, "webhook app", err)
}

func TestUserContactsLifecycle(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	e, err := c.Users.AddEmail(ctx, wachttest.SeedUser3ID, wacht.AddEmailRequest{Email: "alan@bletchley.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Users.MakeEmailPrimary(ctx, wachttest.SeedUser3ID, e.ID); err != nil {
		t.Fatal(err)
	}
	if d, err := c.Users.Get(ctx, wachttest.SeedUser3ID); err != nil || deref(d.PrimaryEmailAddress) != "alan@bletchley.example" {
		t.Fatalf("primary email %+v %v", d, err)
	}
	// The server deletes even the primary address (DeleteUserEmailCommand,
	// commands/src/user_identifiers.rs:207, checks nothing).
	if err := c.Users.DeleteEmail(ctx, wachttest.SeedUser3ID, e.ID); err != nil {
		t.Fatal(err)
	}
	if d, err := c.Users.Get(ctx, wachttest.SeedUser3ID); err != nil || len(d.EmailAddresses) != 1 {
		t.Fatalf("addresses after deleting one %+v %v", d, err)
	}
	if err := c.Users.Delete(ctx, wachttest.SeedUser3ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.Get(ctx, wachttest.SeedUser3ID)
	mustNotFound(t, "user", err)
}
