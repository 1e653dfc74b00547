package wacht_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// The life-cycle tests drive each resource through the client against the
// emulator, every request and response checked against the corrected
// contract: create, read, list page by page, update, delete, then a 404.

func lifecycle(t *testing.T) (context.Context, *wacht.Client, *emulator) {
	t.Helper()
	e := &emulator{}
	srv, err := wachttest.NewServer(wachttest.Options{Validate: contract.Validate, Seed: true, OnViolation: func(err error) {
		if e.offContract.Load() == 0 {
			t.Errorf("contract violation: %v", err)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	e.Server = srv
	c, err := wacht.NewClient(wacht.Config{APIKey: srv.APIKey, BaseURL: srv.BackendURL})
	if err != nil {
		t.Fatal(err)
	}
	return t.Context(), c, e
}

// emulator is a checked emulator whose checks a test can suspend while it
// sends a request outside the contract on purpose, to see the server's
// answer to it.
type emulator struct {
	*wachttest.Server
	offContract atomic.Int32
}

func (e *emulator) outsideContract(fn func()) {
	e.offContract.Add(1)
	defer e.offContract.Add(-1)
	fn()
}

func mustNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !wacht.IsNotFound(err) {
		t.Fatalf("%s after delete: %v, want a 404", what, err)
	}
}

func TestJWTTemplateLifecycle(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	created, err := c.JWTTemplates.Create(ctx, wacht.NewDeploymentJWTTemplate{
		Name: "hasura", TokenLifetime: 60, AllowedClockSkew: 5,
		Template: map[string]any{"https://hasura.io/jwt/claims": map[string]any{"x-hasura-user-id": "{{user.id}}"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || created.Name != "hasura" || created.CustomSigningKey != nil || created.DeploymentID != wachttest.DeploymentID {
		t.Fatalf("created %+v", created)
	}
	if _, err := c.JWTTemplates.Create(ctx, wacht.NewDeploymentJWTTemplate{Name: "second", TokenLifetime: 30, Template: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	list, err := c.JWTTemplates.List(ctx)
	// The seeded "hasura" template comes first: the list is oldest first.
	if err != nil || len(list) != 3 || list[0].ID != wachttest.SeedJWTTemplateID || list[1].ID != created.ID {
		t.Fatalf("list %+v %v", list, err)
	}
	updated, err := c.JWTTemplates.Update(ctx, created.ID, wacht.PartialDeploymentJWTTemplate{
		TokenLifetime:    wacht.Ptr[int64](120),
		CustomSigningKey: &wacht.CustomSigningKey{Enabled: true, Key: "-----BEGIN PRIVATE KEY-----", Algorithm: "RS256"},
	})
	if err != nil || updated.TokenLifetime != 120 || updated.Name != "hasura" || updated.CustomSigningKey == nil || !updated.UpdatedAt.After(created.UpdatedAt.Add(-1)) {
		t.Fatalf("updated %+v %v", updated, err)
	}
	if err := c.JWTTemplates.Delete(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.JWTTemplates.Update(ctx, created.ID, wacht.PartialDeploymentJWTTemplate{Name: wacht.Ptr("gone")})
	mustNotFound(t, "JWT template", err)
}

func TestSegmentLifecycle(t *testing.T) {
	ctx, c, srv := lifecycle(t)
	srv.outsideContract(func() {
		if _, err := c.Segments.Create(ctx, wacht.CreateSegmentRequest{Name: "bad", Type: "team"}); err == nil || !strings.Contains(err.Error(), "Invalid segment type") {
			t.Fatalf("segment of an unknown type: %v, want the server's 400", err)
		}
	})
	var ids []string
	for _, name := range []string{"alpha", "enterprise", "churn risk"} {
		sg, err := c.Segments.Create(ctx, wacht.CreateSegmentRequest{Name: name, Type: "user"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sg.ID)
	}
	var names []string
	for sg, err := range c.Segments.All(ctx, wacht.ListSegmentsParams{Limit: 2, SortKey: "name", SortOrder: "asc"}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, sg.Name)
	}
	if strings.Join(names, ",") != "alpha,beta testers,churn risk,enterprise" {
		t.Fatalf("segments by name, two per page: %v", names)
	}
	users, err := c.Users.List(ctx, wacht.ListUsersParams{})
	if err != nil || len(users.Data) == 0 {
		t.Fatalf("seeded users: %v", err)
	}
	uid := users.Data[0].ID
	if err := c.Segments.Assign(ctx, ids[0], wacht.AssignEntityRequest{EntityID: uid}); err != nil {
		t.Fatal(err)
	}
	if err := c.Segments.Assign(ctx, ids[0], wacht.AssignEntityRequest{EntityID: "999999"}); !wacht.IsNotFound(err) {
		t.Fatalf("assigning an unknown user: %v, want a 404", err)
	}
	members, err := c.Segments.Query(ctx, wacht.GetSegmentDataRequest{TargetType: "user", Filters: &wacht.SegmentDataFilters{SegmentID: &ids[0]}})
	if err != nil || len(members) != 1 || members[0].ID != uid || members[0].Name != nil {
		t.Fatalf("segment members %+v %v", members, err)
	}
	details, err := c.Users.Get(ctx, uid)
	if err != nil || len(details.Segments) != 1 || details.Segments[0].ID != ids[0] {
		t.Fatalf("user details segments %+v %v", details, err)
	}
	renamed, err := c.Segments.Update(ctx, ids[0], wacht.UpdateSegmentRequest{Name: wacht.Ptr("alpha testers")})
	if err != nil || renamed.Name != "alpha testers" || renamed.Type != "user" {
		t.Fatalf("renamed %+v %v", renamed, err)
	}
	if err := c.Segments.Remove(ctx, ids[0], wacht.AssignEntityRequest{EntityID: uid}); err != nil {
		t.Fatal(err)
	}
	if members, err := c.Segments.Query(ctx, wacht.GetSegmentDataRequest{TargetType: "user", Filters: &wacht.SegmentDataFilters{SegmentID: &ids[0]}}); err != nil || len(members) != 0 {
		t.Fatalf("after remove: %+v %v", members, err)
	}
	if err := c.Segments.Delete(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	mustNotFound(t, "segment", c.Segments.Delete(ctx, ids[0]))
}

func TestNotificationsFanOut(t *testing.T) {
	ctx, c, srv := lifecycle(t)
	users, err := c.Users.List(ctx, wacht.ListUsersParams{})
	if err != nil || len(users.Data) < 2 {
		t.Fatalf("seeded users: %v", err)
	}
	a, b := users.Data[0].ID, users.Data[1].ID
	res, err := c.Notifications.Create(ctx, wacht.CreateNotificationRequest{
		UserIDs: []string{b, a, a}, Title: "Invoice ready", Body: "Your invoice is ready.",
		ActionURL: wacht.Ptr("https://example.com/invoices/1"), Severity: wacht.Ptr("critical"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Data) != 2 || *res.Data[0].UserID > *res.Data[1].UserID && len(*res.Data[0].UserID) >= len(*res.Data[1].UserID) {
		t.Fatalf("one notification per recipient, in id order: %+v", res.Data)
	}
	n := res.Data[0]
	if n.Severity != "info" || len(n.CTAs) != 1 || n.CTAs[0].Label != "View" || n.CTAs[0].Payload != "https://example.com/invoices/1" {
		t.Fatalf("notification %+v", n)
	}
	if got := srv.Notifications(); len(got) != 2 || got[0].Title != "Invoice ready" {
		t.Fatalf("emulator's record %+v", got)
	}
	if _, err := c.Notifications.Create(ctx, wacht.CreateNotificationRequest{Title: "t", Body: "b"}); err == nil || !strings.Contains(err.Error(), "At least one recipient") {
		t.Fatalf("no recipient: %v", err)
	}
}

func TestSessionTickets(t *testing.T) {
	ctx, c, srv := lifecycle(t)
	tk, err := c.Sessions.CreateTicket(ctx, wacht.CreateSessionTicketRequest{TicketType: "impersonation", UserID: wacht.Ptr("1"), ExpiresIn: wacht.Ptr[int64](60)})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(tk.URL)
	if err != nil || u.Path != "/sign-in" || u.Query().Get("ticket") != tk.Ticket || "http://"+u.Host != srv.FrontendURL {
		t.Fatalf("ticket %+v", tk)
	}
	agent, err := c.Sessions.CreateTicket(ctx, wacht.CreateSessionTicketRequest{TicketType: "agent_access", ActorID: wacht.Ptr(wachttest.SeedActorID),
		AgentIDs: []string{wachttest.SeedAgentID}})
	if err != nil || !strings.Contains(agent.URL, "/vanity/agents?ticket=") {
		t.Fatalf("agent access ticket %+v %v", agent, err)
	}
	for _, tc := range []struct {
		req wacht.CreateSessionTicketRequest
		msg string
	}{
		{wacht.CreateSessionTicketRequest{TicketType: "impersonation"}, "user_id is required"},
		{wacht.CreateSessionTicketRequest{TicketType: "webhook_app_access", WebhookAppSlug: wacht.Ptr("")}, "webhook_app_slug cannot be empty"},
		{wacht.CreateSessionTicketRequest{TicketType: "sudo"}, "Invalid ticket_type"},
		{wacht.CreateSessionTicketRequest{TicketType: "agent_access", AgentIDs: []string{wachttest.SeedAgentID}}, "actor_id is required for static agent_access tickets"},
		{wacht.CreateSessionTicketRequest{TicketType: "agent_access", ActorID: wacht.Ptr("999"), AgentIDs: []string{wachttest.SeedAgentID}}, "Actor 999 not found"},
	} {
		srv.outsideContract(func() {
			if _, err := c.Sessions.CreateTicket(ctx, tc.req); err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%+v: %v, want %q", tc.req, err, tc.msg)
			}
		})
	}
}

func TestUserSignInFactors(t *testing.T) {
	ctx, c, srv := lifecycle(t)
	uid := wachttest.SeedUserID
	second, err := srv.AddPasskey(uid, "YubiKey")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := c.Users.ListPasskeys(ctx, uid)
	if err != nil || len(keys) != 2 || keys[0].ID != second || keys[1].ID != wachttest.SeedPasskeyID {
		t.Fatalf("passkeys, newest first: %+v %v", keys, err)
	}
	if err := c.Users.RenamePasskey(ctx, uid, second, wacht.RenamePasskeyRequest{Name: "Office YubiKey"}); err != nil {
		t.Fatal(err)
	}
	if keys, _ := c.Users.ListPasskeys(ctx, uid); keys[0].Name != "Office YubiKey" {
		t.Fatalf("renamed: %+v", keys[0])
	}
	if err := c.Users.RenamePasskey(ctx, uid, second, wacht.RenamePasskeyRequest{Name: "   "}); err == nil || !strings.Contains(err.Error(), "name cannot be empty") {
		t.Fatalf("blank passkey name: %v", err)
	}
	if err := c.Users.DeletePasskey(ctx, uid, second); err != nil {
		t.Fatal(err)
	}
	mustNotFound(t, "passkey", c.Users.DeletePasskey(ctx, uid, second))

	conns, err := c.Users.ListSocialConnections(ctx, uid)
	if err != nil || len(conns) != 1 || conns[0].Provider != "google_oauth" || conns[0].EmailAddress != "ada@example.com" {
		t.Fatalf("social connections %+v %v", conns, err)
	}
	if err := c.Users.DeleteSocialConnection(ctx, uid, conns[0].ID); err != nil {
		t.Fatal(err)
	}
	if d, err := c.Users.Get(ctx, uid); err != nil || len(d.SocialConnections) != 0 {
		t.Fatalf("details after the connection went: %+v %v", d, err)
	}

	const secret = "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
	auth, err := c.Users.CreateAuthenticator(ctx, uid, wacht.CreateAuthenticatorRequest{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(auth.OTPURL, "otpauth://totp/Wacht:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&") {
		t.Fatalf("otp url %q", auth.OTPURL)
	}
	if _, err := c.Users.CreateAuthenticator(ctx, uid, wacht.CreateAuthenticatorRequest{Secret: secret}); !wacht.IsConflict(err) {
		t.Fatalf("second authenticator: %v, want a 409", err)
	}
	if _, err := c.Users.CreateAuthenticator(ctx, wachttest.SeedUser2ID, wacht.CreateAuthenticatorRequest{Secret: "JBSWY3DP"}); err == nil || !strings.Contains(err.Error(), "secret too short") {
		t.Fatalf("short secret: %v", err)
	}
	codes, err := c.Users.RegenerateBackupCodes(ctx, uid)
	if err != nil || len(codes.BackupCodes) != 12 || len(codes.BackupCodes[0]) != 9 || codes.BackupCodes[0][4] != '-' {
		t.Fatalf("backup codes %+v %v", codes, err)
	}
	if d, err := c.Users.Get(ctx, uid); err != nil || !d.HasBackupCodes {
		t.Fatalf("has_backup_codes after regenerating: %+v %v", d, err)
	}
	if err := c.Users.DeleteAuthenticator(ctx, uid); err != nil {
		t.Fatal(err)
	}
	mustNotFound(t, "authenticator", c.Users.DeleteAuthenticator(ctx, uid))
}

func TestDeploymentSettingsChangeWhatGetShows(t *testing.T) {
	ctx, c, srv := lifecycle(t)
	err := c.Settings.UpdateAuth(ctx, wacht.DeploymentAuthSettingsUpdates{
		Password:             &wacht.PartialPasswordSettings{MinLength: wacht.Ptr[int64](12), RequireSpecial: wacht.Ptr(true)},
		SessionTokenLifetime: wacht.Ptr[int64](120),
	})
	if err != nil {
		t.Fatal(err)
	}
	mode := wacht.DeploymentRestrictionsSignUpMode("waitlist")
	if err := c.Settings.UpdateRestrictions(ctx, wacht.DeploymentRestrictionsUpdates{SignUpMode: &mode, BannedKeywords: []string{"spam"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Settings.UpdateB2B(ctx, wacht.DeploymentB2BSettingsUpdates{MaxAllowedOrgMembers: wacht.Ptr[int64](25)}); err != nil {
		t.Fatal(err)
	}
	d, err := c.Deployment.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := d.AuthSettings
	if deref(a.Password.MinLength) != 12 || !deref(a.Password.RequireSpecial) || a.SessionTokenLifetime != 120 || !a.Password.Enabled {
		t.Errorf("auth settings after the update: %+v", a.Password)
	}
	if d.Restrictions.SignUpMode != mode || len(d.Restrictions.BannedKeywords) != 1 || d.B2BSettings.MaxAllowedOrgMembers != 25 {
		t.Errorf("restrictions %+v b2b %+v", d.Restrictions, d.B2BSettings)
	}

	if err := c.Settings.UpdateDisplay(ctx, wacht.DeploymentDisplaySettingsUpdates{AppName: wacht.Ptr("Acme")}); err != nil {
		t.Fatal(err)
	}
	up, err := c.Settings.UploadImage(ctx, "logo", wacht.UploadImageParams{Image: &wacht.File{Name: "logo.png", ContentType: "image/png", Content: strings.NewReader("\x89PNG...")}})
	if err != nil || !strings.HasPrefix(up.URL, "https://cdn.wacht.services/deployments/"+wachttest.DeploymentID+"/logo-") || !strings.HasSuffix(up.URL, ".png") {
		t.Fatalf("upload %+v %v", up, err)
	}
	if got := srv.DisplaySettings(); got["app_name"] != "Acme" || got["logo_image_url"] != up.URL {
		t.Errorf("display settings %v", got)
	}

	google := wacht.SocialConnectionProvider("google_oauth")
	conn, err := c.Settings.UpsertSocialConnection(ctx, wacht.DeploymentSocialConnectionUpsert{Provider: &google, Enabled: wacht.Ptr(true),
		Credentials: &wacht.OAuthCredentials{ClientID: "cid", ClientSecret: "csecret", RedirectURI: "https://example.com/cb"}})
	if err != nil || !conn.Enabled || conn.Credentials == nil || strings.Join(conn.Credentials.Scopes, " ") != "openid email profile" {
		t.Fatalf("upsert %+v %v", conn, err)
	}
	again, err := c.Settings.UpsertSocialConnection(ctx, wacht.DeploymentSocialConnectionUpsert{Provider: &google, Enabled: wacht.Ptr(false)})
	if err != nil || again.ID != conn.ID || again.Enabled {
		t.Fatalf("second upsert of the provider %+v %v", again, err)
	}
	if list, err := c.Settings.ListSocialConnections(ctx); err != nil || len(list) != 1 {
		t.Fatalf("social connections %+v %v", list, err)
	}

	tpl, err := c.Settings.GetEmailTemplate(ctx, "magic-link-template")
	if err != nil {
		t.Fatal(err)
	}
	tpl.TemplateSubject = "Your sign-in link"
	if got, err := c.Settings.UpdateEmailTemplate(ctx, "magic-link-template", *tpl); err != nil || got.TemplateSubject != "Your sign-in link" {
		t.Fatalf("template update %+v %v", got, err)
	}
	if got, _ := c.Settings.GetEmailTemplate(ctx, "magic-link-template"); got.TemplateSubject != "Your sign-in link" {
		t.Fatalf("template after update %+v", got)
	}
	srv.outsideContract(func() {
		if _, err := c.Settings.GetEmailTemplate(ctx, "no-such-template"); err == nil || !strings.Contains(err.Error(), "400") {
			t.Fatalf("unknown template: %v, want a 400", err)
		}
	})
}

func TestSMTPIsTestedBeforeItIsKept(t *testing.T) {
	ctx, c, _ := lifecycle(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = conn.Write([]byte("220 smtp.example.com ESMTP ready\r\n"))
			_ = conn.Close()
		}
	}()
	port := int64(l.Addr().(*net.TCPAddr).Port)
	req := wacht.SMTPConfigRequest{Host: "127.0.0.1", Port: port, Username: "mailer", Password: "hunter2", FromEmail: "no-reply@example.com"}
	if v, err := c.Settings.VerifySMTP(ctx, req); err != nil || !v.Success {
		t.Fatalf("verify %+v %v", v, err)
	}
	cfg, err := c.Settings.UpdateSMTP(ctx, req)
	if err != nil || !cfg.Verified || !cfg.UseTLS || cfg.Port != port {
		t.Fatalf("smtp %+v %v", cfg, err)
	}
	d, err := c.Deployment.Get(ctx)
	if err != nil || d.EmailProvider != "custom_smtp" || d.CustomSMTPConfig == nil || d.CustomSMTPConfig.Host != "127.0.0.1" {
		t.Fatalf("deployment after smtp %+v %v", d, err)
	}
	if err := c.Settings.RemoveSMTP(ctx); err != nil {
		t.Fatal(err)
	}
	if d, _ := c.Deployment.Get(ctx); d.EmailProvider != "postmark" || d.CustomSMTPConfig != nil {
		t.Fatalf("after remove: %s %+v", d.EmailProvider, d.CustomSMTPConfig)
	}
	l.Close()
	req.Port = 9 // discard: nothing greets
	if _, err := c.Settings.VerifySMTP(ctx, req); !wacht.IsServerError(err) || !strings.Contains(err.Error(), "SMTP connection test failed") {
		t.Fatalf("unreachable server: %v, want the server's 502", err)
	}
}

func deref[T any](p *T) T {
	var v T
	if p != nil {
		v = *p
	}
	return v
}

// gatewayCheck asks the emulator's gateway about key for resource, as a
// gateway-protected API would.
func gatewayCheck(t *testing.T, srv *emulator, key, resource string, required ...string) bool {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"principal": map[string]string{"type": "api_key", "value": key},
		"resource": resource, "method": "GET", "client_ip": "203.0.113.7", "user_agent": "billing/1", "required_permissions": required})
	res, err := http.Post(srv.GatewayURL+"/v1/authz/check", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Allowed bool `json:"allowed"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Allowed
}

func TestAnalyticsAndAuditReflectWhatHappened(t *testing.T) {
	ctx, c, srv := lifecycle(t)
	start := time.Now().Add(-time.Minute)
	if _, err := c.Users.Create(ctx, wacht.CreateUserParams{FirstName: "Mary", LastName: "Jackson", EmailAddress: wacht.Ptr("mary@example.com")}); err != nil {
		t.Fatal(err)
	}
	srv.NewSession(wachttest.TokenOptions{UserID: wachttest.SeedUserID})
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer receiver.Close()
	if _, err := srv.DeliverWebhook(ctx, receiver.URL, "user.created", map[string]any{"id": "1"}); err != nil {
		t.Fatal(err)
	}
	for i, required := range [][]string{{"user:read"}, {"user:read"}, {"billing:admin"}} {
		if got := gatewayCheck(t, srv, wachttest.SeedAPIKeySecret, "/reports/"+strconv.Itoa(i%2), required...); got != (i < 2) {
			t.Fatalf("check %d allowed = %v", i, got)
		}
	}
	end := time.Now().Add(time.Minute)

	stats, err := c.Analytics.Stats(ctx, wacht.AnalyticsStatsParams{From: start, To: end})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Signups != 1 || stats.UniqueSignins != 1 || stats.TotalSignups != 4 || deref(stats.SignupsChange) != 100 ||
		// The ten latest sign-ups of all time, newest first: the server's
		// query takes no window (common/src/clickhouse.rs:466).
		len(stats.RecentSignups) != 4 || deref(stats.RecentSignups[0].Name) != "Mary Jackson" ||
		deref(stats.RecentSignups[0].Email) != "mary@example.com" || len(stats.DailyMetrics) == 0 {
		t.Errorf("stats %+v", stats)
	}
	hooks, err := c.Analytics.WebhookUsage(ctx, wacht.UsageParams{From: start, To: end, Granularity: "day"})
	if err != nil || len(hooks.Buckets) != 1 || hooks.Buckets[0].SuccessfulDeliveries != 1 || hooks.Buckets[0].SuccessRate != 100 ||
		!strings.HasSuffix(hooks.Buckets[0].Bucket, "T00:00:00+00:00") {
		t.Errorf("webhook usage %+v %v", hooks, err)
	}
	gw, err := c.Analytics.GatewayUsage(ctx, wacht.UsageParams{From: start, To: end, Granularity: "hour"})
	if err != nil || len(gw.Buckets) != 1 || gw.Buckets[0].TotalRequests != 3 || gw.Buckets[0].BlockedRequests != 1 {
		t.Errorf("gateway usage %+v %v", gw, err)
	}
	if tok, err := c.Analytics.TokenUsage(ctx, wacht.UsageParams{From: start, To: end}); err != nil || len(tok.Buckets) != 0 {
		t.Errorf("token usage %+v %v", tok, err)
	}

	var seen []wacht.APIAuditLog
	cursor := ""
	for {
		page, err := c.APIAuth.AuditLogs(ctx, wachttest.SeedAPIAppSlug, wacht.APIAuditLogsParams{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, page.Data...)
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	// Newest first; entries within one millisecond go by request id, as
	// the cursor (milliseconds and request id) orders them.
	ids, blocked := map[string]bool{}, 0
	for i, e := range seen {
		ids[e.RequestID] = true
		if i > 0 && e.Timestamp.Truncate(time.Millisecond).After(seen[i-1].Timestamp.Truncate(time.Millisecond)) {
			t.Errorf("audit log not newest first: %v before %v", seen[i-1].Timestamp, e.Timestamp)
		}
		if e.Outcome == "BLOCKED" {
			blocked++
			if deref(e.BlockedByRule) != "permission_denied" {
				t.Errorf("blocked entry %+v", e)
			}
		}
		if !strings.HasPrefix(e.Path, "GET /reports/") || deref(e.UserAgent) != "billing/1" || e.ClientIP != "203.0.113.7" {
			t.Errorf("audit entry %+v", e)
		}
	}
	if len(seen) != 3 || len(ids) != 3 || blocked != 1 {
		t.Fatalf("audit log, two per page: %+v", seen)
	}
	an, err := c.APIAuth.AuditAnalytics(ctx, wachttest.SeedAPIAppSlug, wacht.APIAuditAnalyticsParams{IncludeTopPaths: true, IncludeBlockedReasons: true})
	if err != nil || an.TotalRequests != 3 || an.AllowedRequests != 2 || len(an.TopPaths) != 2 || len(an.BlockedReasons) != 1 || an.TopKeys != nil {
		t.Errorf("audit analytics %+v %v", an, err)
	}
	ts, err := c.APIAuth.AuditTimeseries(ctx, wachttest.SeedAPIAppSlug, wacht.APIAuditTimeseriesParams{Interval: "fortnight"})
	if err != nil || ts.Interval != "hour" || len(ts.Data) != 1 || ts.Data[0].TotalRequests != 3 {
		t.Errorf("audit timeseries %+v %v", ts, err)
	}
	_, err = c.APIAuth.AuditLogs(ctx, "no-such-app", wacht.APIAuditLogsParams{})
	if !wacht.IsNotFound(err) {
		t.Errorf("audit log of an unknown app: %v, want a 404", err)
	}
}

func TestWebhookCatalogsDeliveriesAndReplays(t *testing.T) {
	ctx, c, srv := lifecycle(t)
	cat, err := c.Webhooks.CreateEventCatalog(ctx, wacht.CreateEventCatalogRequest{Slug: "billing", Name: "Billing",
		Events: []wacht.WebhookEventDefinition{{Name: "invoice.paid", Description: "An invoice was paid"}}})
	if err != nil || cat.Description != nil || len(cat.Events) != 1 {
		t.Fatalf("catalog %+v %v", cat, err)
	}
	if _, err := c.Webhooks.CreateEventCatalog(ctx, wacht.CreateEventCatalogRequest{Slug: "billing", Name: "again", Events: []wacht.WebhookEventDefinition{}}); !wacht.IsConflict(err) {
		t.Fatalf("second catalog with the slug: %v, want a 409", err)
	}
	if cat, err = c.Webhooks.AppendEvents(ctx, "billing", wacht.AppendEventsToCatalogRequest{Events: []wacht.WebhookEventDefinition{{Name: "invoice.failed", Description: "A charge failed"}}}); err != nil || len(cat.Events) != 2 {
		t.Fatalf("append %+v %v", cat, err)
	}
	if _, err := c.Webhooks.AppendEvents(ctx, "billing", wacht.AppendEventsToCatalogRequest{Events: []wacht.WebhookEventDefinition{{Name: "invoice.paid", Description: "dup"}}}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate event: %v", err)
	}
	if cat, err = c.Webhooks.ArchiveEvent(ctx, "billing", wacht.ArchiveEventInCatalogRequest{EventName: "invoice.failed", IsArchived: true}); err != nil || !deref(cat.Events[1].IsArchived) {
		t.Fatalf("archive %+v %v", cat, err)
	}
	if cat, err = c.Webhooks.UpdateEventCatalog(ctx, "billing", wacht.UpdateEventCatalogRequest{Description: wacht.Ptr("Invoices")}); err != nil || deref(cat.Description) != "Invoices" || cat.Name != "Billing" {
		t.Fatalf("update %+v %v", cat, err)
	}
	if list, err := c.Webhooks.ListEventCatalogs(ctx); err != nil || len(list) != 2 {
		t.Fatalf("catalogs %+v %v", list, err)
	}
	if _, err := c.Webhooks.GetAppCatalog(ctx, wachttest.SeedWebhookAppSlug); !wacht.IsNotFound(err) {
		t.Fatalf("catalog of an app without one: %v, want a 404", err)
	}
	if _, err := c.Webhooks.UpdateApp(ctx, wachttest.SeedWebhookAppSlug, wacht.UpdateWebhookAppRequest{EventCatalogSlug: wacht.Ptr("billing")}); err != nil {
		t.Fatal(err)
	}
	if events, err := c.Webhooks.ListEvents(ctx, wachttest.SeedWebhookAppSlug); err != nil || len(events.Events) != 2 || events.Events[0].EventName != "invoice.paid" {
		t.Fatalf("app events %+v %v", events, err)
	}

	// Two deliveries through an endpoint: one the receiver takes, one it fails.
	var calls atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	ep, err := c.Webhooks.CreateEndpoint(ctx, wachttest.SeedWebhookAppSlug, wacht.CreateWebhookEndpointRequest{AppSlug: wachttest.SeedWebhookAppSlug, URL: receiver.URL,
		Subscriptions: []wacht.EventSubscription{{EventName: "invoice.paid"}}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.Webhooks.Trigger(ctx, wachttest.SeedWebhookAppSlug, wacht.TriggerWebhookEventRequest{AppSlug: wachttest.SeedWebhookAppSlug, EventName: "invoice.paid", Payload: map[string]any{"id": "in_1"}}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := c.Webhooks.ListDeliveries(ctx, wachttest.SeedWebhookAppSlug, wacht.ListWebhookDeliveriesParams{EndpointID: ep.ID})
	if err != nil || len(page.Data) != 2 || page.Data[0].Status != "failed" || page.Data[1].Status != "success" || deref(page.Data[0].HTTPStatusCode) != 503 {
		t.Fatalf("deliveries, newest first: %+v %v", page, err)
	}
	failed := page.Data[0]
	details, err := c.Webhooks.GetDelivery(ctx, wachttest.SeedWebhookAppSlug, failed.DeliveryID, wacht.GetWebhookDeliveryParams{})
	if err != nil || details.EventName != "invoice.paid" || details.Payload == nil {
		t.Fatalf("details %+v %v", details, err)
	}
	// An unknown delivery fails the server's ClickHouse read: a 500, not a 404.
	srv.outsideContract(func() {
		if _, err := c.Webhooks.GetDelivery(ctx, wachttest.SeedWebhookAppSlug, "999999", wacht.GetWebhookDeliveryParams{}); !wacht.IsServerError(err) {
			t.Errorf("unknown delivery: %v, want the server's 500", err)
		}
	})
	stats, err := c.Webhooks.Stats(ctx, wachttest.SeedWebhookAppSlug)
	if err != nil || stats.TotalDeliveries != 2 || stats.SuccessRate != 50 || stats.FailedDeliveries24h != 1 {
		t.Fatalf("stats %+v %v", stats, err)
	}

	queued, err := c.Webhooks.Replay(ctx, wachttest.SeedWebhookAppSlug, wacht.ReplayDeliveriesParams{DeliveryIDs: []string{failed.DeliveryID}, IdempotencyKey: "retry-1"})
	if err != nil || queued.Status != "queued" || queued.TaskID == nil {
		t.Fatalf("replay %+v %v", queued, err)
	}
	task, err := c.Webhooks.GetReplayTask(ctx, wachttest.SeedWebhookAppSlug, *queued.TaskID)
	if err != nil || task.Status != "completed" || task.ReplayedCount != 1 || calls.Load() != 3 {
		t.Fatalf("replay task %+v %v (receiver saw %d)", task, err, calls.Load())
	}
	again, err := c.Webhooks.Replay(ctx, wachttest.SeedWebhookAppSlug, wacht.ReplayDeliveriesParams{DeliveryIDs: []string{failed.DeliveryID}, IdempotencyKey: "retry-1"})
	if err != nil || *again.TaskID != *queued.TaskID || calls.Load() != 3 {
		t.Fatalf("repeated idempotency key %+v %v", again, err)
	}
	if tasks, err := c.Webhooks.ListReplayTasks(ctx, wachttest.SeedWebhookAppSlug, wacht.ListReplayTasksParams{}); err != nil || len(tasks.Data) != 1 {
		t.Fatalf("replay tasks %+v %v", tasks, err)
	}
	if _, err := c.Webhooks.CancelReplayTask(ctx, wachttest.SeedWebhookAppSlug, "12345"); !wacht.IsNotFound(err) {
		t.Fatalf("cancel of an unknown task: %v", err)
	}
	an, err := c.Webhooks.Analytics(ctx, wachttest.SeedWebhookAppSlug, wacht.WebhookAnalyticsParams{})
	if err != nil || an.TotalDeliveries != 3 || an.TotalEvents != 2 || len(an.EndpointPerformance) != 1 || len(an.FailureReasons) != 1 {
		t.Fatalf("analytics %+v %v", an, err)
	}
	ts, err := c.Webhooks.Timeseries(ctx, wachttest.SeedWebhookAppSlug, wacht.WebhookTimeseriesParams{Interval: "hour"})
	if err != nil || ts.Interval != "hour" || len(ts.Data) == 0 {
		t.Fatalf("timeseries %+v %v", ts, err)
	}
	re, err := c.Webhooks.ReactivateEndpoint(ctx, ep.ID)
	if err != nil || !re.Success || !strings.Contains(re.Message, receiver.URL) {
		t.Fatalf("reactivate %+v %v", re, err)
	}
	if err := c.Webhooks.DeleteEndpoint(ctx, wachttest.SeedWebhookAppSlug, ep.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Webhooks.ReactivateEndpoint(ctx, ep.ID)
	mustNotFound(t, "endpoint", err)
}

func TestOAuthAppsClientsGrantsAndKeys(t *testing.T) {
	ctx, c, srv := lifecycle(t)
	app, err := c.OAuth.CreateApp(ctx, wacht.CreateOAuthAppParams{Slug: "partners", Name: "Partner API",
		SupportedScopes:  []string{"reports:read", " billing ", "reports:read"},
		ScopeDefinitions: []wacht.OAuthScopeDefinition{{Scope: "billing", DisplayName: "Billing", Category: "Organization"}}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(app.SupportedScopes, ",") != "billing,reports:read" || app.ScopeDefinitions[0].Category != "organization" ||
		app.ScopeDefinitions[1].Description != "Allows reports:read access" || !strings.HasSuffix(app.FQDN, ".oapi.trywacht.xyz") {
		t.Fatalf("app %+v", app)
	}
	srv.outsideContract(func() {
		if _, err := c.OAuth.CreateApp(ctx, wacht.CreateOAuthAppParams{Name: "no slug"}); err == nil || !strings.Contains(err.Error(), "slug is required") {
			t.Fatalf("app without a slug: %v", err)
		}
	})
	if app, err = c.OAuth.UpdateScope(ctx, "partners", "billing", wacht.UpdateOAuthScopeParams{Description: wacht.Ptr(" Invoices ")}); err != nil || app.ScopeDefinitions[0].Description != "Invoices" {
		t.Fatalf("update scope %+v %v", app, err)
	}
	if app, err = c.OAuth.ArchiveScope(ctx, "partners", "reports:read"); err != nil || !app.ScopeDefinitions[1].Archived {
		t.Fatalf("archive %+v %v", app, err)
	}
	if _, err := c.OAuth.SetScopeMapping(ctx, "partners", "billing", wacht.SetOAuthScopeMappingParams{Category: "workspace"}); err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Fatalf("changing a set category: %v", err)
	}
	if _, err := c.OAuth.UnarchiveScope(ctx, "partners", "nope"); !wacht.IsNotFound(err) {
		t.Fatalf("unknown scope: %v", err)
	}
	// Newest first (queries/src/oauth/apps.rs:34).
	if apps, err := c.OAuth.ListApps(ctx); err != nil || len(apps.Apps) != 2 || apps.Apps[0].Slug != "partners" || apps.Apps[1].Slug != wachttest.SeedOAuthAppSlug {
		t.Fatalf("apps %+v %v", apps, err)
	}
	if v, err := c.OAuth.VerifyDomain(ctx, "partners"); err != nil || v.Domain != app.FQDN || v.Verified {
		t.Fatalf("verify %+v %v", v, err)
	}

	client, err := c.OAuth.CreateClient(ctx, "partners", wacht.CreateOAuthClientParams{ClientAuthMethod: "client_secret_basic",
		GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectURIs: []string{"https://partner.example/cb"}})
	if err != nil || !strings.HasPrefix(client.ClientID, "oc_") || !strings.HasPrefix(client.ClientSecret, "oc_secret_") ||
		client.AccessTokenTTLSeconds != 3600 || client.IDTokenSigningAlg != "RS256" {
		t.Fatalf("client %+v %v", client, err)
	}
	if _, err := c.OAuth.CreateClient(ctx, "partners", wacht.CreateOAuthClientParams{ClientAuthMethod: "none", GrantTypes: []string{"refresh_token"}}); err == nil || !strings.Contains(err.Error(), "authorization_code grant is required") {
		t.Fatalf("client without authorization_code: %v", err)
	}
	if list, err := c.OAuth.ListClients(ctx, "partners"); err != nil || len(list.Clients) != 1 || list.Clients[0].ClientSecret != "" {
		t.Fatalf("clients never show the secret: %+v %v", list, err)
	}
	if up, err := c.OAuth.UpdateClient(ctx, "partners", client.ID, wacht.UpdateOAuthClientParams{AccessTokenTTLSeconds: wacht.Ptr[int64](600), SkipConsent: wacht.Ptr(true)}); err != nil || up.AccessTokenTTLSeconds != 600 || !up.SkipConsent {
		t.Fatalf("update client %+v %v", up, err)
	}
	if sec, err := c.OAuth.RotateClientSecret(ctx, "partners", client.ID); err != nil || sec.ClientSecret == client.ClientSecret {
		t.Fatalf("rotate secret %+v %v", sec, err)
	}

	grant, err := srv.AddOAuthGrant("partners", client.ID, wachttest.SeedUserID, "https://api.example.com", []string{"billing"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.OAuth.RevokeGrant(ctx, "partners", client.ID, grant); err != nil {
		t.Fatal(err)
	}
	grants, err := c.OAuth.ListGrants(ctx, "partners", client.ID)
	if err != nil || len(grants.Grants) != 1 || grants.Grants[0].Status != "revoked" || grants.Grants[0].RevokedAt == nil {
		t.Fatalf("grants %+v %v", grants, err)
	}

	keys, err := c.OAuth.ListSigningKeys(ctx, "partners")
	if err != nil || len(keys.Keys) != 1 || keys.Keys[0].Status != "active" || !strings.Contains(keys.Keys[0].PublicKeyPEM, "BEGIN PUBLIC KEY") {
		t.Fatalf("signing keys %+v %v", keys, err)
	}
	rot, err := c.OAuth.RotateSigningKey(ctx, "partners")
	if err != nil || rot.New.Kid == keys.Keys[0].Kid {
		t.Fatalf("rotate %+v %v", rot, err)
	}
	if err := c.OAuth.CompromiseSigningKey(ctx, "partners", keys.Keys[0].Kid); err != nil {
		t.Fatal(err)
	}
	if after, err := c.OAuth.ListSigningKeys(ctx, "partners"); err != nil || len(after.Keys) != 1 || after.Keys[0].Kid != rot.New.Kid {
		t.Fatalf("keys after compromise %+v %v", after, err)
	}
	mustNotFound(t, "compromised key", c.OAuth.CompromiseSigningKey(ctx, "partners", keys.Keys[0].Kid))

	if err := c.OAuth.DeactivateClient(ctx, "partners", client.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := c.OAuth.ListClients(ctx, "partners"); list.Clients[0].IsActive {
		t.Fatal("client still active after deactivation")
	}
	_, err = c.OAuth.RotateClientSecret(ctx, "partners", "999")
	mustNotFound(t, "client", err)
}
