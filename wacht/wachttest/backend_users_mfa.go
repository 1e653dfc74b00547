package wachttest

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// passkey is models::UserPasskey (models/src/user_passkey.rs:8), the
// admin view: no credential id or public key. The timestamps, transports,
// last_used_at, backed_up and device_type are Options the server always
// writes.
type passkey struct {
	ID         string     `json:"id"`
	Created    *time.Time `json:"created_at"`
	Updated    *time.Time `json:"updated_at"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	SignCount  int        `json:"sign_count"`
	Transports []string   `json:"transports"`
	LastUsedAt *time.Time `json:"last_used_at"`
	BackedUp   *bool      `json:"backed_up"`
	DeviceType *string    `json:"device_type"`
}

// socialConnection is models::SocialConnection
// (models/src/social_connection.rs:7). The server decrypts the provider's
// tokens and sends them in clear (platform/src/application/user_core.rs:118).
type socialConnection struct {
	ID             string    `json:"id"`
	Created        time.Time `json:"created_at"`
	Updated        time.Time `json:"updated_at"`
	UserID         string    `json:"user_id"`
	EmailAddressID string    `json:"user_email_address_id"`
	Provider       string    `json:"provider"`
	EmailAddress   string    `json:"email_address"`
	AccessToken    string    `json:"access_token"`
	RefreshToken   string    `json:"refresh_token"`
}

// socialProviders are SocialConnectionProvider's wire names
// (models/src/deployment_social_connection.rs:9).
var socialProviders = []string{"x_oauth", "github_oauth", "gitlab_oauth", "google_oauth", "facebook_oauth",
	"microsoft_oauth", "linkedin_oauth", "discord_oauth", "apple_oauth"}

// AddPasskey gives a user a passkey named name, as a sign-in with one
// would, and returns its id. The backend API cannot create passkeys, so a
// test sets them up here.
func (s *Server) AddPasskey(userID, name string) (string, error) {
	var id string
	err := s.locked(func(st *store) error {
		u, err := st.user(userID)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		id = st.newID()
		u.Passkeys = append(u.Passkeys, &passkey{ID: id, Created: &now, Updated: &now, UserID: u.ID, Name: name,
			Transports: []string{"internal", "hybrid"}, BackedUp: ptr(true), DeviceType: ptr("multi_device")})
		return nil
	})
	return id, err
}

// AddSocialConnection links a user to provider (a SocialConnectionProvider
// wire name such as "google_oauth") through the user's primary email
// address, as a social sign-in would, and returns the connection's id.
func (s *Server) AddSocialConnection(userID, provider string) (string, error) {
	if !slices.Contains(socialProviders, provider) {
		return "", fmt.Errorf("wachttest: unknown social connection provider %q (one of %s)", provider, strings.Join(socialProviders, ", "))
	}
	var id string
	err := s.locked(func(st *store) error {
		u, err := st.user(userID)
		if err != nil {
			return err
		}
		e := u.primaryEmail()
		if e == nil {
			return fmt.Errorf("wachttest: user %s has no primary email address to connect %s with", userID, provider)
		}
		now := time.Now().UTC()
		id = st.newID()
		u.Social = append(u.Social, &socialConnection{ID: id, Created: now, Updated: now, UserID: u.ID, EmailAddressID: e.ID,
			Provider: provider, EmailAddress: e.Address, AccessToken: "ya29." + randomHex(16), RefreshToken: "1//" + randomHex(16)})
		return nil
	})
	return id, err
}

// newestFirst returns a copy of items in reverse order of addition: the
// server lists passkeys and social connections by created_at DESC
// (queries/src/user/passkeys.rs:34, queries/src/user/social_connections.rs:37).
func newestFirst[T any](items []*T) []T {
	out := make([]T, 0, len(items))
	for i := len(items) - 1; i >= 0; i-- {
		out = append(out, *items[i])
	}
	return out
}

func (s *Server) listSocialConnections(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		return ok(w, whole(newestFirst(u.Social)))
	})
}

// deleteSocialConnection is DeleteUserSocialConnectionCommand
// (commands/src/user_identifiers.rs:412): a DELETE that checks no row
// count, so an unknown connection is a 200 too.
func (s *Server) deleteSocialConnection(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		u.Social = slices.DeleteFunc(u.Social, func(c *socialConnection) bool { return c.ID == r.PathValue("connection_id") })
		return ok(w, empty{})
	})
}

func (s *Server) listPasskeys(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		return ok(w, whole(newestFirst(u.Passkeys)))
	})
}

// userPasskey finds one of the user's passkeys; the server's message is
// "passkey not found" (commands/src/user/passkey_commands.rs:47,90).
func userPasskey(u *user, id string) (*passkey, error) {
	for _, p := range u.Passkeys {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, notFound("passkey not found")
}

func (s *Server) renamePasskey(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := bindJSON(r, &body, "name"); err != nil {
		return err
	}
	// The name is kept trimmed and may not be blank
	// (commands/src/user/passkey_commands.rs:24).
	name := strings.TrimSpace(body.Name)
	if name == "" {
		return badRequest("name cannot be empty")
	}
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		p, err := userPasskey(u, r.PathValue("passkey_id"))
		if err != nil {
			return err
		}
		p.Name, p.Updated = name, ptr(time.Now().UTC())
		return ok(w, empty{})
	})
}

func (s *Server) deletePasskey(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		p, err := userPasskey(u, r.PathValue("passkey_id"))
		if err != nil {
			return err
		}
		u.Passkeys = slices.DeleteFunc(u.Passkeys, func(q *passkey) bool { return q == p })
		return ok(w, empty{})
	})
}

// createAuthenticator is CreateUserAuthenticatorCommand
// (commands/src/user/mfa_commands.rs:112): the secret, with whitespace and
// '-' dropped and upper-cased, must be base32 of at least 16 bytes; a user
// has at most one active authenticator (else 409); the account label may
// not contain ':' and defaults to the primary email, username, full name
// or "user-<id>"; the otpauth URL names the deployment's app ("Wacht" when
// unnamed) as issuer.
func (s *Server) createAuthenticator(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Secret      string  `json:"secret"`
		AccountName *string `json:"account_name"`
	}
	if err := bindJSON(r, &body, "secret"); err != nil {
		return err
	}
	secret := strings.ToUpper(strings.Map(func(c rune) rune {
		if c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			return -1
		}
		return c
	}, body.Secret))
	decoded, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(secret, "="))
	if err != nil {
		return badRequest("invalid base32 secret")
	}
	if len(decoded) < 16 {
		return badRequest("secret too short — TOTP secrets must be at least 128 bits (16 bytes)")
	}
	return s.locked(func(st *store) error {
		u, err := st.user(r.PathValue("user_id"))
		if err != nil {
			return notFound("user not found")
		}
		if u.Authenticator != "" {
			return conflict("user already has an active authenticator")
		}
		if body.AccountName != nil && strings.Contains(*body.AccountName, ":") {
			return badRequest("account_name cannot contain ':'")
		}
		account := "user-" + u.ID
		switch {
		case body.AccountName != nil:
			account = *body.AccountName
		case u.primaryEmail() != nil && u.primaryEmail().Address != "":
			account = u.primaryEmail().Address
		case u.Username != "":
			account = u.Username
		case strings.TrimSpace(u.FirstName+" "+u.LastName) != "":
			account = strings.TrimSpace(u.FirstName + " " + u.LastName)
		}
		issuer := uriComponent("Wacht")
		u.Authenticator = strconv.FormatInt(st.snowflake(time.Now()), 10)
		otpURL := "otpauth://totp/" + issuer + ":" + uriComponent(account) + "?secret=" + secret + "&issuer=" + issuer + "&algorithm=SHA1&digits=6&period=30"
		return ok(w, struct {
			ID     string `json:"id"`
			OTPURL string `json:"otp_url"`
		}{u.Authenticator, otpURL})
	})
}

// uriComponent encodes s as the urlencoding crate does: everything but
// ASCII letters, digits and -_.~ as %XX.
func uriComponent(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// deleteAuthenticator answers "authenticator not found" when the user has
// none (commands/src/user/mfa_commands.rs:66).
func (s *Server) deleteAuthenticator(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "user_id", (*store).user, func(st *store, u *user) error {
		if u.Authenticator == "" {
			return notFound("authenticator not found")
		}
		u.Authenticator = ""
		return ok(w, empty{})
	})
}

// regenerateBackupCodes makes twelve codes of the form XXXX-XXXX from
// [A-Za-z0-9] (commands/src/user/mfa_commands.rs:11), replacing any before.
func (s *Server) regenerateBackupCodes(w http.ResponseWriter, r *http.Request) error {
	const charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz"
	return s.locked(func(st *store) error {
		u, err := st.user(r.PathValue("user_id"))
		if err != nil {
			return notFound("user not found")
		}
		codes := make([]string, 12)
		buf := make([]byte, 8)
		for i := range codes {
			_, _ = rand.Read(buf)
			for j, b := range buf {
				buf[j] = charset[int(b)%len(charset)]
			}
			codes[i] = string(buf[:4]) + "-" + string(buf[4:])
		}
		u.BackupCodes = codes
		return ok(w, struct {
			BackupCodes []string `json:"backup_codes"`
		}{codes})
	})
}
