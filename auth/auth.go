package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// TokenReason classifies why a session token did not authenticate a request.
// The values are stable, lower-case strings suitable for logs and metrics.
type TokenReason string

// Reasons a session token is rejected.
const (
	TokenReasonMissing           TokenReason = "missing_token"          // no token on the request
	TokenReasonTooLarge          TokenReason = "token_too_large"        // token or header over the size cap
	TokenReasonMalformed         TokenReason = "malformed"              // not a compact JWS, bad base64 or JSON
	TokenReasonAlgorithm         TokenReason = "algorithm"              // alg missing, "none", or not in the allow-list
	TokenReasonUntrustedHeader   TokenReason = "untrusted_header"       // jku, x5u, jwk, x5c or similar header present
	TokenReasonCritical          TokenReason = "critical_header"        // crit names extensions this verifier does not implement
	TokenReasonMissingKeyID      TokenReason = "missing_kid"            // token without a kid, and the key set too ambiguous to choose from
	TokenReasonUnknownKey        TokenReason = "unknown_key"            // no usable key with that kid (or, without a kid, for that alg) in the JWKS
	TokenReasonKeyMismatch       TokenReason = "key_mismatch"           // the key's kty/crv/alg/use disagree with the token
	TokenReasonBadSignature      TokenReason = "bad_signature"          // signature does not verify
	TokenReasonMissingClaim      TokenReason = "missing_claim"          // exp or sub missing
	TokenReasonExpired           TokenReason = "expired"                // exp in the past
	TokenReasonNotYetValid       TokenReason = "not_yet_valid"          // nbf in the future
	TokenReasonIssuedInFuture    TokenReason = "issued_in_future"       // iat in the future
	TokenReasonIssuer            TokenReason = "issuer"                 // iss not the expected issuer
	TokenReasonAudience          TokenReason = "audience"               // aud not in the configured audiences
	TokenReasonAuthorizedParty   TokenReason = "authorized_party"       // azp not in the configured parties
	TokenReasonJWKSUnavailable   TokenReason = "jwks_unavailable"       // the key set could not be fetched
	TokenReasonForwardedInvalid  TokenReason = "forwarded_auth_invalid" // a signed x-wacht-auth value failed to verify
	TokenReasonForwardedExpired  TokenReason = "forwarded_auth_expired" // a signed x-wacht-auth value has expired
	TokenReasonContextDone       TokenReason = "context_done"           // the request context ended while fetching keys
	TokenReasonMisconfigured     TokenReason = "misconfigured"          // the verifier is nil or was not built by NewVerifier
	TokenReasonUnsupportedHeader TokenReason = "unsupported_header"     // b64=false, nested (cty) tokens and the like
)

// TokenError says why a token was rejected. It never contains the token, a
// secret, or claim values an attacker controls verbatim beyond short,
// quoted identifiers such as an algorithm name or key id.
type TokenError struct {
	Reason TokenReason
	// Detail is a short human explanation, safe to log.
	Detail string
	// Err is an underlying cause (a network error while fetching the JWKS, for
	// example), or nil.
	Err error
}

func (e *TokenError) Error() string {
	msg := "wacht: session token rejected (" + string(e.Reason) + ")"
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *TokenError) Unwrap() error { return e.Err }

// Is reports whether target is a *TokenError with the same Reason, so
// errors.Is(err, &auth.TokenError{Reason: auth.TokenReasonExpired}) works.
func (e *TokenError) Is(target error) bool {
	t, ok := target.(*TokenError)
	return ok && t.Reason == e.Reason && t.Detail == "" && t.Err == nil
}

func tokenErr(reason TokenReason, detail string) *TokenError {
	return &TokenError{Reason: reason, Detail: detail}
}

// TokenErrorReason returns the TokenReason carried by err (through wrapping),
// or "" when err is not a *TokenError.
func TokenErrorReason(err error) TokenReason {
	if te, ok := errors.AsType[*TokenError](err); ok {
		return te.Reason
	}
	return ""
}

// Codes carried by AuthError.
const (
	AuthCodeUnauthenticated = "unauthenticated"
	AuthCodeForbidden       = "forbidden"
)

// AuthError is returned by (*Auth).Protect. Code is AuthCodeUnauthenticated
// when there is no authenticated user and AuthCodeForbidden when the user
// lacks the organization, workspace or permission asked for. Which HTTP
// answer that becomes is the caller's decision (package handler answers 401
// and 403).
type AuthError struct {
	Code    string
	Message string
	// RedirectURL is set for unauthenticated errors when ProtectOptions asked
	// for one (typically a sign-in page).
	RedirectURL string
	// Cause is why the request is anonymous (usually a *TokenError), or nil.
	Cause error
}

func (e *AuthError) Error() string {
	msg := "wacht: " + e.Code
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Cause != nil {
		msg += " (" + e.Cause.Error() + ")"
	}
	return msg
}

func (e *AuthError) Unwrap() error { return e.Cause }

// Unauthenticated reports whether the request has no signed-in user, as
// opposed to a user without the access asked for.
func (e *AuthError) Unauthenticated() bool { return e.Code == AuthCodeUnauthenticated }

// ProtectOptions are the requirements checked by Protect and Has.
type ProtectOptions struct {
	// AnyPermission is any-of: holding one of them, in either the
	// organization or the workspace permission set, is enough. Empty means
	// no any-of check.
	AnyPermission []string
	// AllPermissions is all-of: every one must be held, each in either the
	// organization or the workspace permission set. Empty means no all-of
	// check.
	//
	// When both AnyPermission and AllPermissions are set, both must hold.
	//
	// An empty string is a permission nobody holds: a blank entry (an
	// unset variable, say) fails closed in both lists. AnyPermission of
	// only blanks, and AllPermissions with any blank, deny everyone.
	AllPermissions []string
	// OrganizationID, when set, must equal the active organization.
	OrganizationID string
	// WorkspaceID, when set, must equal the active workspace.
	WorkspaceID string
	// RedirectURL is copied onto an unauthenticated AuthError (for example a
	// sign-in URL). It is not used for forbidden errors.
	RedirectURL string
}

// Auth is the authentication state of one request. The zero value, and a nil
// *Auth, are anonymous: Authenticated reports false, Has reports false and
// Protect fails with an unauthenticated AuthError.
//
// An Auth is immutable after it is returned by this package; treat the slice
// fields as read-only.
type Auth struct {
	UserID                  string
	SessionID               string
	OrganizationID          string
	WorkspaceID             string
	OrganizationPermissions []string
	WorkspacePermissions    []string

	// Claims are the verified token claims, or nil when the Auth is anonymous
	// or was rebuilt from a forwarded header.
	Claims *Claims

	err error
}

// anonymous returns an anonymous Auth remembering why.
func anonymous(err error) *Auth {
	return &Auth{err: err}
}

// Authenticated reports whether the request carries a valid session for a
// user.
func (a *Auth) Authenticated() bool {
	return a != nil && a.UserID != ""
}

// Err returns why the Auth is anonymous: a *TokenError (with the token's
// failure reason, or TokenReasonMissing when there was no token), or nil when
// the Auth is authenticated.
func (a *Auth) Err() error {
	if a == nil {
		return tokenErr(TokenReasonMissing, "no auth state")
	}
	if a.UserID != "" {
		return nil
	}
	if a.err == nil {
		return tokenErr(TokenReasonMissing, "")
	}
	return a.err
}

// Has reports whether the request is authenticated and satisfies opts
// (organization, workspace, any-of and all-of permissions). It never fails.
func (a *Auth) Has(opts ProtectOptions) bool {
	return a.Authenticated() && a.check(opts) == ""
}

// Protect returns nil when the request is authenticated and satisfies opts.
// Otherwise it returns an *AuthError: unauthenticated (401, with
// opts.RedirectURL and the token failure as Cause) or forbidden (403, naming
// what was missing).
func (a *Auth) Protect(opts ProtectOptions) error {
	if !a.Authenticated() {
		return &AuthError{
			Code:        AuthCodeUnauthenticated,
			Message:     "a signed-in user is required",
			RedirectURL: opts.RedirectURL,
			Cause:       a.Err(),
		}
	}
	if msg := a.check(opts); msg != "" {
		return &AuthError{Code: AuthCodeForbidden, Message: msg}
	}
	return nil
}

// check returns "" when opts are satisfied, else what is missing.
func (a *Auth) check(opts ProtectOptions) string {
	if opts.OrganizationID != "" && a.OrganizationID != opts.OrganizationID {
		return "the active organization does not match"
	}
	if opts.WorkspaceID != "" && a.WorkspaceID != opts.WorkspaceID {
		return "the active workspace does not match"
	}
	if len(opts.AnyPermission) > 0 && !slices.ContainsFunc(opts.AnyPermission, func(p string) bool { return p != "" && a.holds(p) }) {
		return fmt.Sprintf("requires one of the permissions %s", strings.Join(quoteAll(opts.AnyPermission), ", "))
	}
	var missing []string
	for _, p := range opts.AllPermissions {
		if p == "" || !a.holds(p) {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("requires all of the permissions %s, missing %s",
			strings.Join(quoteAll(opts.AllPermissions), ", "), strings.Join(quoteAll(missing), ", "))
	}
	return ""
}

// holds reports whether p is in the organization or the workspace set.
func (a *Auth) holds(p string) bool {
	return slices.Contains(a.OrganizationPermissions, p) || slices.Contains(a.WorkspacePermissions, p)
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// ErrNoClaims is returned by DecodeClaims when the Auth has no verified token
// claims (it is anonymous, or was rebuilt from a forwarded header).
var ErrNoClaims = errors.New("wacht: no verified token claims on this auth")

// DecodeClaims decodes the token's claims into v, which should be a pointer
// to a struct or map. Custom claims may sit at the top level of the token or
// under "custom_claims", "metadata" or "claims": v is filled from the top
// level first, then from each of those objects in that order, so a custom
// field present in a nested object wins over a top-level one. The claims
// the verifier checked (sub, sid, iss, exp, organization, permissions and
// the other fields of Claims) always come from the top level, spelled
// exactly: a nested object, or a case variant such as "SUB", cannot
// replace them.
func (a *Auth) DecodeClaims(v any) error {
	if a == nil || a.Claims == nil {
		return ErrNoClaims
	}
	return a.Claims.Decode(v)
}

// DecodeMetadata decodes the token's "metadata" claim, the claims a Wacht
// JWT template adds, into v (see Claims.DecodeMetadata). It returns
// ErrNoClaims when the Auth has no verified token claims.
func (a *Auth) DecodeMetadata(v any) error {
	if a == nil || a.Claims == nil {
		return ErrNoClaims
	}
	return a.Claims.DecodeMetadata(v)
}

// String describes the Auth without its claims or permissions, for logs.
func (a *Auth) String() string {
	if !a.Authenticated() {
		if err := a.Err(); err != nil {
			return "auth.Auth{anonymous: " + string(TokenErrorReason(err)) + "}"
		}
		return "auth.Auth{anonymous}"
	}
	return fmt.Sprintf("auth.Auth{user: %s, session: %s, organization: %s, workspace: %s}",
		a.UserID, a.SessionID, a.OrganizationID, a.WorkspaceID)
}

// verifiedClaims are the claims the verifier reads and Claims exposes.
// DecodeClaims fills them only from the token's own top-level members with
// exactly these names, so nothing nested (a JWT template's metadata, which
// an administrator or a user's own metadata can shape) can stand in for the
// subject, session, issuer or permissions the verifier checked.
var verifiedClaims = []string{
	"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "azp",
	"sid", "sess", "session_id", "organization", "workspace",
	"permissions", "organization_permissions", "workspace_permissions",
}

func isVerifiedClaim(name string) bool {
	return slices.ContainsFunc(verifiedClaims, func(c string) bool { return strings.EqualFold(c, name) })
}

// decodeLayered fills v from the top level of the payload, then from each
// nested custom-claims object. Verified claims win: the nested objects lose
// every member whose name matches one case-insensitively (as encoding/json
// matches field names), and the top level loses the case variants of those
// names, keeping only the exact spelling the verifier read.
func decodeLayered(raw []byte, v any) error {
	top, err := withoutMembers(raw, func(name string) bool {
		return isVerifiedClaim(name) && !slices.Contains(verifiedClaims, name)
	})
	if err != nil {
		return fmt.Errorf("wacht: decode claims: %w", err)
	}
	if err := json.Unmarshal(top, v); err != nil {
		return fmt.Errorf("wacht: decode claims: %w", err)
	}
	var nested [3]json.RawMessage
	err = eachMember(raw, func(name string, val []byte) error {
		switch name {
		case "custom_claims":
			nested[0] = val
		case "metadata":
			nested[1] = val
		case "claims":
			nested[2] = val
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("wacht: decode claims: %w", err)
	}
	for _, part := range nested {
		if len(part) == 0 || part[0] != '{' {
			continue
		}
		part, err := withoutMembers(part, isVerifiedClaim)
		if err != nil {
			return fmt.Errorf("wacht: decode claims: %w", err)
		}
		if err := json.Unmarshal(part, v); err != nil {
			return fmt.Errorf("wacht: decode claims: %w", err)
		}
	}
	return nil
}

// withoutMembers returns the JSON object obj without the members drop
// selects; obj itself when it selects none.
func withoutMembers(obj []byte, drop func(name string) bool) ([]byte, error) {
	type member struct {
		name string
		val  []byte
	}
	var kept []member
	dropped := false
	err := eachMember(obj, func(name string, val []byte) error {
		if drop(name) {
			dropped = true
		} else {
			kept = append(kept, member{name, val})
		}
		return nil
	})
	if err != nil || !dropped {
		return obj, err
	}
	out := make([]byte, 0, len(obj))
	out = append(out, '{')
	for i, m := range kept {
		if i > 0 {
			out = append(out, ',')
		}
		k, _ := json.Marshal(m.name)
		out = append(out, k...)
		out = append(out, ':')
		out = append(out, m.val...)
	}
	return append(out, '}'), nil
}
