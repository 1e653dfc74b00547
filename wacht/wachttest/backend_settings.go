package wachttest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The deployment's settings live in st.deployment, the body GET / answers
// (the wire audit's fixture with this emulator's ids): the settings
// operations change it as the server's commands change their tables, so a
// later GET / shows the change.

// deepCopy copies a JSON-shaped value.
func deepCopy(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// section returns the object at key of the deployment, creating it.
func (st *store) section(key string) map[string]any {
	m, ok := st.deployment[key].(map[string]any)
	if !ok {
		m = map[string]any{}
		st.deployment[key] = m
	}
	return m
}

// partial is a request's object value with its unset (null) members
// dropped: what the server's Option fields leave alone.
func partial(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for k, x := range m {
		if x == nil {
			delete(m, k)
		}
	}
	return m
}

// mergeInto is Postgres's jsonb || on an object column: the partial's
// top-level members replace the column's.
func mergeInto(section map[string]any, column string, p map[string]any) {
	if len(p) == 0 {
		return
	}
	cur, _ := section[column].(map[string]any)
	if cur == nil {
		cur = map[string]any{}
	}
	for k, v := range p {
		cur[k] = v
	}
	section[column] = cur
}

func touch(section map[string]any) {
	section["updated_at"] = time.Now().UTC().Format(time.RFC3339Nano)
}

// updateAuthSettings is UpdateDeploymentAuthSettingsCommand
// (commands/src/deployment/update_deployment_auth_settings.rs:105-232):
// email, phone, username and password merge into the email_address,
// phone_number, username and password columns; name splits into first_name and last_name;
// authentication_factors merges magic_link and passkey and sets the
// auth_factors_enabled flags; the policies, multi_session_support and the
// session durations are replaced. Lengths are u8 (0..255, else 422).
func (s *Server) updateAuthSettings(w http.ResponseWriter, r *http.Request) error {
	type flag = *bool
	type length = *uint8
	var body struct {
		Email *struct {
			Enabled                      flag `json:"enabled"`
			Required                     flag `json:"required"`
			VerifySignup                 flag `json:"verify_signup"`
			OTPVerificationAllowed       flag `json:"otp_verification_allowed"`
			MagicLinkVerificationAllowed flag `json:"magic_link_verification_allowed"`
		} `json:"email"`
		Phone *struct {
			Enabled                     flag `json:"enabled"`
			Required                    flag `json:"required"`
			VerifySignup                flag `json:"verify_signup"`
			SMSVerificationAllowed      flag `json:"sms_verification_allowed"`
			WhatsappVerificationAllowed flag `json:"whatsapp_verification_allowed"`
		} `json:"phone"`
		Username *struct {
			Enabled   flag   `json:"enabled"`
			Required  flag   `json:"required"`
			MinLength length `json:"min_length"`
			MaxLength length `json:"max_length"`
		} `json:"username"`
		Password *struct {
			Enabled          flag   `json:"enabled"`
			MinLength        length `json:"min_length"`
			RequireLowercase flag   `json:"require_lowercase"`
			RequireUppercase flag   `json:"require_uppercase"`
			RequireNumber    flag   `json:"require_number"`
			RequireSpecial   flag   `json:"require_special"`
		} `json:"password"`
		Name *struct {
			FirstNameEnabled  flag `json:"first_name_enabled"`
			FirstNameRequired flag `json:"first_name_required"`
			LastNameEnabled   flag `json:"last_name_enabled"`
			LastNameRequired  flag `json:"last_name_required"`
		} `json:"name"`
		AuthenticationFactors *struct {
			EmailPasswordEnabled    flag `json:"email_password_enabled"`
			UsernamePasswordEnabled flag `json:"username_password_enabled"`
			SSOEnabled              flag `json:"sso_enabled"`
			Web3WalletEnabled       flag `json:"web3_wallet_enabled"`
			EmailOTPEnabled         flag `json:"email_otp_enabled"`
			PhoneOTPEnabled         flag `json:"phone_otp_enabled"`
			MagicLink               *struct {
				Enabled           flag `json:"enabled"`
				RequireSameDevice flag `json:"require_same_device"`
			} `json:"magic_link"`
			Passkey *struct {
				Enabled                  flag `json:"enabled"`
				PromptRegistrationOnAuth flag `json:"prompt_registration_on_auth"`
				AllowAutofill            flag `json:"allow_autofill"`
			} `json:"passkey"`
			SecondFactorAuthenticatorEnabled flag `json:"second_factor_authenticator_enabled"`
			SecondFactorBackupCodeEnabled    flag `json:"second_factor_backup_code_enabled"`
		} `json:"authentication_factors"`
		SecondFactorPolicy *string `json:"second_factor_policy"`
		FirstFactor        *string `json:"first_factor"`
		BackupCode         *struct {
			Enabled  flag `json:"enabled"`
			Required flag `json:"required"`
		} `json:"backup_code"`
		Web3Wallet *struct {
			Enabled  flag `json:"enabled"`
			Required flag `json:"required"`
		} `json:"web3_wallet"`
		MultiSessionSupport    map[string]any `json:"multi_session_support"`
		SessionTokenLifetime   *int64         `json:"session_token_lifetime"`
		SessionValidityPeriod  *int64         `json:"session_validity_period"`
		SessionInactiveTimeout *int64         `json:"session_inactive_timeout"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	if body.MultiSessionSupport != nil {
		for _, k := range []string{"enabled", "max_accounts_per_session", "max_sessions_per_account"} {
			if _, ok := body.MultiSessionSupport[k]; !ok {
				return jsonData("multi_session_support: missing field `" + k + "`")
			}
		}
	}
	return s.locked(func(st *store) error {
		a := st.section("auth_settings")
		mergeInto(a, "email_address", partial(body.Email))
		mergeInto(a, "phone_number", partial(body.Phone))
		mergeInto(a, "username", partial(body.Username))
		mergeInto(a, "password", partial(body.Password))
		// backup_code and web3_wallet are columns DeploymentAuthSettings
		// does not serialize (models/src/deployment_auth_settings.rs), so
		// GET / never shows them.
		if n := body.Name; n != nil {
			mergeInto(a, "first_name", partial(map[string]flag{"enabled": n.FirstNameEnabled, "required": n.FirstNameRequired}))
			mergeInto(a, "last_name", partial(map[string]flag{"enabled": n.LastNameEnabled, "required": n.LastNameRequired}))
		}
		if f := body.AuthenticationFactors; f != nil {
			enabled := map[string]flag{"email_password": f.EmailPasswordEnabled, "username_password": f.UsernamePasswordEnabled,
				"sso": f.SSOEnabled, "web3_wallet": f.Web3WalletEnabled, "email_otp": f.EmailOTPEnabled, "phone_otp": f.PhoneOTPEnabled,
				"authenticator": f.SecondFactorAuthenticatorEnabled, "backup_code": f.SecondFactorBackupCodeEnabled}
			if f.MagicLink != nil {
				mergeInto(a, "magic_link", partial(f.MagicLink))
				enabled["email_magic_link"] = f.MagicLink.Enabled
			}
			if f.Passkey != nil {
				mergeInto(a, "passkey", partial(f.Passkey))
				enabled["passkey"] = f.Passkey.Enabled
			}
			mergeInto(a, "auth_factors_enabled", partial(enabled))
		}
		if body.SecondFactorPolicy != nil {
			a["second_factor_policy"] = *body.SecondFactorPolicy
		}
		if body.FirstFactor != nil {
			a["first_factor"] = *body.FirstFactor
		}
		if body.MultiSessionSupport != nil {
			mergeInto(a, "multi_session_support", body.MultiSessionSupport)
		}
		for k, v := range map[string]*int64{"session_token_lifetime": body.SessionTokenLifetime,
			"session_validity_period": body.SessionValidityPeriod, "session_inactive_timeout": body.SessionInactiveTimeout} {
			if v != nil {
				a[k] = *v
			}
		}
		touch(a)
		return ok(w, empty{})
	})
}

// updateRestrictions is DeploymentRestrictionsUpdates
// (dto/src/json/deployment_settings.rs:146) applied to the restrictions;
// sign_up_mode is public, restricted or waitlist
// (models/src/deployment_restrictions.rs:36).
func (s *Server) updateRestrictions(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		AllowlistEnabled      *bool          `json:"allowlist_enabled"`
		BlocklistEnabled      *bool          `json:"blocklist_enabled"`
		BlockSubaddresses     *bool          `json:"block_subaddresses"`
		BlockDisposableEmails *bool          `json:"block_disposable_emails"`
		BlockVOIPNumbers      *bool          `json:"block_voip_numbers"`
		CountryRestrictions   map[string]any `json:"country_restrictions"`
		BannedKeywords        []string       `json:"banned_keywords"`
		AllowlistedResources  []string       `json:"allowlisted_resources"`
		BlocklistedResources  []string       `json:"blocklisted_resources"`
		SignUpMode            *string        `json:"sign_up_mode"`
		WaitlistCollectNames  *bool          `json:"waitlist_collect_names"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	if m := body.SignUpMode; m != nil && *m != "public" && *m != "restricted" && *m != "waitlist" {
		return jsonData("sign_up_mode: unknown variant `" + *m + "`, expected one of `public`, `restricted`, `waitlist`")
	}
	return s.locked(func(st *store) error {
		rs := st.section("restrictions")
		for k, v := range partial(body) {
			rs[k] = v
		}
		touch(rs)
		return ok(w, empty{})
	})
}

// updateB2BSettings is DeploymentB2bSettingsUpdates
// (dto/src/json/deployment_settings.rs:183): the default role ids are read
// as a number or a string and written back as strings, with the role they
// name when the emulator knows it.
func (s *Server) updateB2BSettings(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		OrganizationsEnabled           *bool    `json:"organizations_enabled"`
		WorkspacesEnabled              *bool    `json:"workspaces_enabled"`
		IPAllowlistPerOrgEnabled       *bool    `json:"ip_allowlist_per_org_enabled"`
		AllowUsersToCreateOrgs         *bool    `json:"allow_users_to_create_orgs"`
		MaxAllowedOrgMembers           *int64   `json:"max_allowed_org_members"`
		MaxAllowedWorkspaceMembers     *int64   `json:"max_allowed_workspace_members"`
		AllowOrgDeletion               *bool    `json:"allow_org_deletion"`
		AllowWorkspaceDeletion         *bool    `json:"allow_workspace_deletion"`
		CustomOrgRoleEnabled           *bool    `json:"custom_org_role_enabled"`
		CustomWorkspaceRoleEnabled     *bool    `json:"custom_workspace_role_enabled"`
		DefaultWorkspaceCreatorRoleID  *flexID  `json:"default_workspace_creator_role_id"`
		DefaultWorkspaceMemberRoleID   *flexID  `json:"default_workspace_member_role_id"`
		DefaultOrgCreatorRoleID        *flexID  `json:"default_org_creator_role_id"`
		DefaultOrgMemberRoleID         *flexID  `json:"default_org_member_role_id"`
		LimitOrgCreationPerUser        *bool    `json:"limit_org_creation_per_user"`
		LimitWorkspaceCreationPerOrg   *bool    `json:"limit_workspace_creation_per_org"`
		OrgCreationPerUserCount        *int32   `json:"org_creation_per_user_count"`
		WorkspacesPerOrgCount          *int32   `json:"workspaces_per_org_count"`
		WorkspacePermissions           []string `json:"workspace_permissions"`
		OrganizationPermissions        []string `json:"organization_permissions"`
		WorkspacePermissionCatalog     []any    `json:"workspace_permission_catalog"`
		OrganizationPermissionCatalog  []any    `json:"organization_permission_catalog"`
		IPAllowlistPerWorkspaceEnabled *bool    `json:"ip_allowlist_per_workspace_enabled"`
		EnforceMFAPerOrgEnabled        *bool    `json:"enforce_mfa_per_org_enabled"`
		EnforceMFAPerWorkspaceEnabled  *bool    `json:"enforce_mfa_per_workspace_enabled"`
		EnterpriseSSOEnabled           *bool    `json:"enterprise_sso_enabled"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		b := st.section("b2b_settings")
		for k, v := range partial(body) {
			b[k] = v
		}
		for key, roles := range map[string]map[string]*role{"default_workspace_creator_role": st.wsRoles,
			"default_workspace_member_role": st.wsRoles, "default_org_creator_role": st.orgRoles, "default_org_member_role": st.orgRoles} {
			id, _ := b[key+"_id"].(string)
			if rl, ok := roles[id]; ok {
				b[key] = deepCopy(rl.view())
			}
		}
		touch(b)
		return ok(w, empty{})
	})
}

// updateDisplaySettings is DeploymentDisplaySettingsUpdates
// (dto/src/json/deployment_settings.rs:229). The emulated deployment has no
// UI settings row (GET / answers ui_settings: null, as the audit's fixture
// does), so the changes are kept where DisplaySettings shows them.
func (s *Server) updateDisplaySettings(w http.ResponseWriter, r *http.Request) error {
	var body map[string]any
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	for k, v := range body {
		switch v.(type) {
		case string, bool, nil:
		case map[string]any:
			if k != "theme_tokens" {
				return jsonData(k + ": invalid type: map, expected a string")
			}
		default:
			return jsonData(fmt.Sprintf("%s: invalid type: %T", k, v))
		}
	}
	return s.locked(func(st *store) error {
		for k, v := range body {
			if v != nil {
				st.display[k] = v
			}
		}
		return ok(w, empty{})
	})
}

// DisplaySettings returns the display settings the backend API has set
// (app name, page URLs, uploaded image URLs, theme tokens), by wire name.
func (s *Server) DisplaySettings() map[string]any {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out, _ := deepCopy(s.st.display).(map[string]any)
	return out
}

// deploymentSocialConnection is models::DeploymentSocialConnection
// (models/src/deployment_social_connection.rs:122): the credentials,
// client secret included, are sent in clear.
type deploymentSocialConnection struct {
	ID           string            `json:"id"`
	Created      time.Time         `json:"created_at"`
	Updated      time.Time         `json:"updated_at"`
	DeploymentID *string           `json:"deployment_id"`
	Provider     *string           `json:"provider"`
	Enabled      bool              `json:"enabled"`
	Credentials  *oauthCredentials `json:"credentials"`
}

type oauthCredentials struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	RedirectURI  string   `json:"redirect_uri"`
	Scopes       []string `json:"scopes"`
}

// defaultScopes is SocialConnectionProvider::default_scopes
// (models/src/deployment_social_connection.rs:56) for the providers whose
// lists the emulator knows; others keep what was sent.
var defaultScopes = map[string][]string{
	"google_oauth":    {"openid", "email", "profile"},
	"github_oauth":    {"read:user", "user:email"},
	"gitlab_oauth":    {"read_user"},
	"microsoft_oauth": {"openid", "email", "profile", "https://graph.microsoft.com/User.Read"},
	"linkedin_oauth":  {"openid", "profile", "email"},
}

func (s *Server) listDeploymentSocialConnections(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		out := []deploymentSocialConnection{}
		for _, p := range socialProviders {
			if c, found := st.socialProviders[p]; found {
				out = append(out, *c)
			}
		}
		return ok(w, whole(out))
	})
}

// upsertDeploymentSocialConnection is
// UpsertDeploymentSocialConnectionCommand
// (commands/src/deployment/upsert_deployment_social_connection.rs:61): one
// connection per provider; empty credential scopes become the provider's
// defaults; user_defined_scopes is accepted and never read.
func (s *Server) upsertDeploymentSocialConnection(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Provider    *string           `json:"provider"`
		Enabled     *bool             `json:"enabled"`
		Scopes      []string          `json:"user_defined_scopes"`
		Credentials *oauthCredentials `json:"credentials"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	if body.Provider == nil || !slices.Contains(socialProviders, *body.Provider) {
		return jsonData("provider: unknown variant, expected one of " + strings.Join(socialProviders, ", "))
	}
	return s.locked(func(st *store) error {
		now := time.Now().UTC()
		c, found := st.socialProviders[*body.Provider]
		if !found {
			c = &deploymentSocialConnection{ID: st.newID(), Created: now, DeploymentID: ptr(DeploymentID), Provider: body.Provider}
			st.socialProviders[*body.Provider] = c
		}
		assign(&c.Enabled, body.Enabled)
		if body.Credentials != nil {
			creds := *body.Credentials
			if len(creds.Scopes) == 0 {
				creds.Scopes = slices.Clone(defaultScopes[*body.Provider])
			}
			if creds.Scopes == nil {
				creds.Scopes = []string{}
			}
			c.Credentials = &creds
		}
		c.Updated = now
		return ok(w, c)
	})
}

// smtpRequest is SmtpConfigRequest (dto/src/json/deployment_settings.rs:259):
// use_tls defaults to true, port is a u16.
type smtpRequest struct {
	Host      string `json:"host"`
	Port      uint16 `json:"port"`
	Username  string `json:"username"`
	Password  string `json:"password"`
	FromEmail string `json:"from_email"`
	UseTLS    *bool  `json:"use_tls"`
}

func bindSMTP(r *http.Request) (smtpRequest, error) {
	var body smtpRequest
	err := bindJSON(r, &body, "host", "port", "username", "password", "from_email")
	if body.UseTLS == nil {
		body.UseTLS = ptr(true)
	}
	return body, err
}

// checkSMTP stands for the server's connection test (common/src/smtp.rs:56):
// the emulator cannot log in to a mail server, but it does connect and
// read the server's 220 greeting, so a test points it at a listener of its
// own. A failure is the server's 502.
func checkSMTP(req smtpRequest) error {
	addr := net.JoinHostPort(req.Host, strconv.Itoa(int(req.Port)))
	fail := func(err error) error {
		return &httpError{http.StatusBadGateway, "SMTP connection test failed: " + err.Error()}
	}
	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fail(err)
	}
	if !strings.HasPrefix(line, "220") {
		return fail(fmt.Errorf("unexpected greeting %q", strings.TrimSpace(line)))
	}
	return nil
}

// updateSMTP tests the connection, then stores it as verified with
// email_provider custom_smtp (commands/src/smtp.rs:107,129); the answer
// leaves the password out.
func (s *Server) updateSMTP(w http.ResponseWriter, r *http.Request) error {
	req, err := bindSMTP(r)
	if err != nil {
		return err
	}
	if err := checkSMTP(req); err != nil {
		return err
	}
	cfg := map[string]any{"host": req.Host, "port": req.Port, "username": req.Username, "from_email": req.FromEmail,
		"use_tls": *req.UseTLS, "verified": true}
	return s.locked(func(st *store) error {
		st.deployment["email_provider"] = "custom_smtp"
		st.deployment["custom_smtp_config"] = cfg
		return ok(w, cfg)
	})
}

// removeSMTP goes back to the platform's provider, postmark
// (commands/src/smtp.rs:179).
func (s *Server) removeSMTP(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		st.deployment["email_provider"] = "postmark"
		st.deployment["custom_smtp_config"] = nil
		return ok(w, empty{})
	})
}

func (s *Server) verifySMTP(w http.ResponseWriter, r *http.Request) error {
	req, err := bindSMTP(r)
	if err != nil {
		return err
	}
	if err := checkSMTP(req); err != nil {
		return err
	}
	return ok(w, map[string]any{"success": true, "message": "SMTP connection verified successfully"})
}

// emailTemplateNames are DeploymentNameParams (dto/src/params/deployment.rs:4);
// any other name is the Path extractor's 400.
var emailTemplateNames = []string{"organization-invite-template", "verification-code-template", "reset-password-code-template",
	"primary-email-change-template", "password-change-template", "password-remove-template", "sign-in-from-new-device-template",
	"magic-link-template", "waitlist-signup-template", "waitlist-invite-template", "workspace-invite-template",
	"webhook-failure-notification-template"}

// emailTemplate is models::EmailTemplate
// (models/src/deployment_email_template.rs:5).
type emailTemplate struct {
	Name    string `json:"template_name"`
	Data    string `json:"template_data"`
	From    string `json:"template_from"`
	ReplyTo string `json:"template_reply_to"`
	Subject string `json:"template_subject"`
}

func (st *store) emailTemplate(r *http.Request) (*emailTemplate, error) {
	name := r.PathValue("template_name")
	if !slices.Contains(emailTemplateNames, name) {
		return nil, pathRejection("template_name", name, "DeploymentNameParams")
	}
	t, found := st.templates[name]
	if !found {
		title := strings.ReplaceAll(strings.TrimSuffix(name, "-template"), "-", " ")
		t = &emailTemplate{Name: title, Data: "<p>{{app_name}}: " + title + "</p>", From: "notifications",
			ReplyTo: "support", Subject: strings.ToUpper(title[:1]) + title[1:]}
		st.templates[name] = t
	}
	return t, nil
}

func (s *Server) getEmailTemplate(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		t, err := st.emailTemplate(r)
		if err != nil {
			return err
		}
		return ok(w, t)
	})
}

// updateEmailTemplate takes the whole EmailTemplate, every field required,
// though the path already names the slot.
func (s *Server) updateEmailTemplate(w http.ResponseWriter, r *http.Request) error {
	var body emailTemplate
	if err := bindJSON(r, &body, "template_name", "template_data", "template_from", "template_reply_to", "template_subject"); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		t, err := st.emailTemplate(r)
		if err != nil {
			return err
		}
		*t = body
		return ok(w, t)
	})
}

// imageTypes maps upload_image's image types to the display setting the
// upload replaces (platform/src/application/upload.rs:15).
var imageTypes = map[string]string{"logo": "logo_image_url", "favicon": "favicon_image_url",
	"user-profile": "default_user_profile_image_url", "org-profile": "default_organization_profile_image_url",
	"workspace-profile": "default_workspace_profile_image_url"}

// imageExtensions are the image parts the server takes, by content type.
var imageExtensions = map[string]string{"image/jpeg": "jpg", "image/jpg": "jpg", "image/png": "png", "image/gif": "gif",
	"image/webp": "webp", "image/x-icon": "ico", "image/vnd.microsoft.icon": "ico"}

// uploadImage is upload_image (platform/src/api/upload.rs:26): every part
// must be an image, the last one wins, and the image lands on the CDN
// under a fresh snowflake, its URL becoming the matching display setting.
func (s *Server) uploadImage(w http.ResponseWriter, r *http.Request) error {
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return badRequest("Invalid `boundary` for `multipart/form-data` request")
	}
	mr := multipart.NewReader(http.MaxBytesReader(nil, r.Body, maxBody), params["boundary"])
	var ext string
	var size int
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		e, ok := imageExtensions[p.Header.Get("Content-Type")]
		if !ok {
			return badRequest("Invalid file type. Only images are allowed.")
		}
		n, _ := p.Read(make([]byte, 1))
		ext, size = e, n
	}
	if size == 0 {
		return badRequest("No image data provided")
	}
	setting, known := imageTypes[r.PathValue("image_type")]
	if !known {
		return badRequest("Invalid image type. Allowed types: logo, favicon, user-profile, org-profile, workspace-profile")
	}
	return s.locked(func(st *store) error {
		url := fmt.Sprintf("https://cdn.wacht.services/deployments/%s/%s-%d.%s", DeploymentID, r.PathValue("image_type"), st.snowflake(time.Now()), ext)
		st.display[setting] = url
		return ok(w, map[string]string{"url": url})
	})
}
