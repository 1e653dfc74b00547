package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wacht-platform/serverless-go/wacht"
)

// ForwardedAuthHeader is the header that carries an Auth to a downstream
// handler, as the JavaScript SDK's authenticateRequest does.
const ForwardedAuthHeader = "x-wacht-auth"

// forwardedAuth is the JSON shape of the x-wacht-auth header.
type forwardedAuth struct {
	UserID                  *string  `json:"userId"`
	SessionID               *string  `json:"sessionId"`
	OrganizationID          *string  `json:"organizationId"`
	WorkspaceID             *string  `json:"workspaceId"`
	OrganizationPermissions []string `json:"organizationPermissions"`
	WorkspacePermissions    []string `json:"workspacePermissions"`
	// Only in the signed form:
	IssuedAt  int64 `json:"iat,omitempty"`
	ExpiresAt int64 `json:"exp,omitempty"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (a *Auth) forwarded() forwardedAuth {
	f := forwardedAuth{OrganizationPermissions: []string{}, WorkspacePermissions: []string{}}
	if !a.Authenticated() {
		return f
	}
	f.UserID = nullable(a.UserID)
	f.SessionID = nullable(a.SessionID)
	f.OrganizationID = nullable(a.OrganizationID)
	f.WorkspaceID = nullable(a.WorkspaceID)
	if a.OrganizationPermissions != nil {
		f.OrganizationPermissions = a.OrganizationPermissions
	}
	if a.WorkspacePermissions != nil {
		f.WorkspacePermissions = a.WorkspacePermissions
	}
	return f
}

// ForwardedHeaderValue returns the value of the x-wacht-auth header for this
// Auth: JSON with userId, sessionId, organizationId, workspaceId (null when
// absent), organizationPermissions and workspacePermissions. An anonymous
// Auth forwards null ids.
//
// The value is not signed: only hand it to handlers inside the same trust
// boundary, and strip any inbound x-wacht-auth header at the edge. Use
// ForwardedAuthSigner to cross a boundary.
func (a *Auth) ForwardedHeaderValue() string {
	b, _ := json.Marshal(a.forwarded())
	return string(b)
}

func (f forwardedAuth) auth() *Auth {
	return &Auth{
		UserID:                  deref(f.UserID),
		SessionID:               deref(f.SessionID),
		OrganizationID:          deref(f.OrganizationID),
		WorkspaceID:             deref(f.WorkspaceID),
		OrganizationPermissions: f.OrganizationPermissions,
		WorkspacePermissions:    f.WorkspacePermissions,
	}
}

// maxForwardedBytes caps a forwarded header before it is parsed.
const maxForwardedBytes = 16 << 10

// AuthFromForwardedHeader rebuilds an Auth from an unsigned x-wacht-auth
// value produced by ForwardedHeaderValue. It trusts the value completely, so
// call it only where the header was set by your own upstream handler in the
// same trust boundary (Verifier.Authenticate never does). A missing or
// malformed value yields an anonymous Auth whose Err says why. The result
// has no Claims.
func AuthFromForwardedHeader(value string) *Auth {
	value = strings.TrimSpace(value)
	if value == "" {
		return anonymous(tokenErr(TokenReasonMissing, "no "+ForwardedAuthHeader+" header"))
	}
	if len(value) > maxForwardedBytes {
		return anonymous(tokenErr(TokenReasonTooLarge, ForwardedAuthHeader+" header too large"))
	}
	var f forwardedAuth
	if err := json.Unmarshal([]byte(value), &f); err != nil || value[0] != '{' {
		return anonymous(tokenErr(TokenReasonForwardedInvalid, ForwardedAuthHeader+" is not the expected JSON"))
	}
	a := f.auth()
	if a.UserID == "" {
		return anonymous(tokenErr(TokenReasonMissing, ForwardedAuthHeader+" carries no user"))
	}
	return a
}

// DefaultForwardedAuthTTL is how long a signed forwarded auth value is valid
// when ForwardedAuthSigner.TTL is zero.
const DefaultForwardedAuthTTL = time.Minute

// DefaultForwardedAuthMaxAge is the longest a signed forwarded auth value is
// accepted after it was issued when ForwardedAuthSigner.MaxAge (or
// VerifierConfig.ForwardedAuthMaxAge) is zero, whatever exp it carries.
const DefaultForwardedAuthMaxAge = 5 * time.Minute

const forwardedSignedPrefix = "v1."

// ForwardedAuthSigner signs and verifies the x-wacht-auth header with an
// HMAC-SHA256 secret shared by the hops, so a downstream service can trust
// an Auth it did not verify itself. A signed value looks like
// "v1.<base64url JSON>.<base64url MAC>"; the JSON is the unsigned form plus
// iat and exp (unix seconds).
type ForwardedAuthSigner struct {
	// TTL is how long a signed value stays valid (default one minute). Sign
	// never issues a value that outlives MaxAge.
	TTL time.Duration
	// MaxAge is the verifying side's own limit: Verify refuses a value
	// issued (iat) longer ago than this, whatever its exp says, so a leaked
	// value signed with a long TTL (by a misconfigured or older hop) cannot
	// be replayed for its whole lifetime. Zero means
	// DefaultForwardedAuthMaxAge.
	MaxAge time.Duration
	// ClockSkew is how far in the future iat may be, for hops whose clocks
	// differ. Zero means DefaultClockSkew; negative means none. exp and
	// MaxAge get no leeway: a value is refused from the second it expires.
	ClockSkew time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	secret []byte
}

// NewForwardedAuthSigner returns a signer for secret (at least 32 bytes).
func NewForwardedAuthSigner(secret []byte) (*ForwardedAuthSigner, error) {
	if len(secret) < minHMACSecretBytes {
		return nil, &wacht.ConfigError{Field: "ForwardedAuthSecret", Problem: fmt.Sprintf("shorter than %d bytes", minHMACSecretBytes)}
	}
	return &ForwardedAuthSigner{secret: bytes.Clone(secret)}, nil
}

// String redacts the secret.
func (s *ForwardedAuthSigner) String() string { return "auth.ForwardedAuthSigner{secret: redacted}" }

// GoString redacts the secret.
func (s *ForwardedAuthSigner) GoString() string { return s.String() }

func (s *ForwardedAuthSigner) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *ForwardedAuthSigner) maxAge() time.Duration {
	if s.MaxAge > 0 {
		return s.MaxAge
	}
	return DefaultForwardedAuthMaxAge
}

func (s *ForwardedAuthSigner) skew() time.Duration {
	switch {
	case s.ClockSkew == 0:
		return DefaultClockSkew
	case s.ClockSkew < 0:
		return 0
	}
	return s.ClockSkew
}

func (s *ForwardedAuthSigner) mac(payloadSeg string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("wacht-forwarded-auth." + forwardedSignedPrefix))
	m.Write([]byte(payloadSeg))
	return m.Sum(nil)
}

// Sign returns the signed x-wacht-auth value for an authenticated Auth.
func (s *ForwardedAuthSigner) Sign(a *Auth) (string, error) {
	if s == nil || len(s.secret) == 0 {
		return "", &wacht.ConfigError{Field: "ForwardedAuthSecret", Problem: "signer not built with NewForwardedAuthSigner"}
	}
	if !a.Authenticated() {
		return "", &AuthError{Code: AuthCodeUnauthenticated, Message: "cannot sign an anonymous auth", Cause: a.Err()}
	}
	f := a.forwarded()
	now := s.now()
	ttl := s.TTL
	if ttl <= 0 {
		ttl = DefaultForwardedAuthTTL
	}
	ttl = min(ttl, s.maxAge())
	f.IssuedAt = now.Unix()
	f.ExpiresAt = now.Add(ttl).Unix()
	b, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	seg := b64url.EncodeToString(b)
	return forwardedSignedPrefix + seg + "." + b64url.EncodeToString(s.mac(seg)), nil
}

// Verify checks a signed x-wacht-auth value and rebuilds the Auth. Failures
// are *TokenError with TokenReasonForwardedInvalid or
// TokenReasonForwardedExpired.
func (s *ForwardedAuthSigner) Verify(value string) (*Auth, error) {
	if s == nil || len(s.secret) == 0 {
		return nil, &wacht.ConfigError{Field: "ForwardedAuthSecret", Problem: "signer not built with NewForwardedAuthSigner"}
	}
	value = strings.TrimSpace(value)
	if len(value) > maxForwardedBytes {
		return nil, tokenErr(TokenReasonTooLarge, ForwardedAuthHeader+" header too large")
	}
	rest, ok := strings.CutPrefix(value, forwardedSignedPrefix)
	if !ok {
		return nil, tokenErr(TokenReasonForwardedInvalid, ForwardedAuthHeader+" is not signed")
	}
	seg, macSeg, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(macSeg, ".") {
		return nil, tokenErr(TokenReasonForwardedInvalid, "signed value has the wrong shape")
	}
	got, err := b64url.DecodeString(macSeg)
	if err != nil || !hmac.Equal(got, s.mac(seg)) {
		return nil, tokenErr(TokenReasonForwardedInvalid, "signature does not verify")
	}
	payload, err := b64url.DecodeString(seg)
	if err != nil {
		return nil, tokenErr(TokenReasonForwardedInvalid, "payload is not base64url")
	}
	var f forwardedAuth
	if err := json.Unmarshal(payload, &f); err != nil {
		return nil, tokenErr(TokenReasonForwardedInvalid, "payload is not the expected JSON")
	}
	now := s.now().Unix()
	switch {
	case f.IssuedAt <= 0:
		// Sign always sets iat; without it the age cannot be bounded.
		return nil, tokenErr(TokenReasonForwardedInvalid, "no issue time (iat)")
	case f.IssuedAt > now+int64(s.skew()/time.Second):
		return nil, tokenErr(TokenReasonForwardedInvalid, "issued in the future")
	case f.ExpiresAt <= f.IssuedAt:
		return nil, tokenErr(TokenReasonForwardedInvalid, "expires before it was issued")
	case now >= f.ExpiresAt:
		return nil, tokenErr(TokenReasonForwardedExpired, "")
	case now-f.IssuedAt >= int64(s.maxAge()/time.Second):
		return nil, tokenErr(TokenReasonForwardedExpired, "older than the maximum age")
	}
	a := f.auth()
	if a.UserID == "" {
		return nil, tokenErr(TokenReasonForwardedInvalid, "carries no user")
	}
	return a, nil
}
