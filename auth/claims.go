package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Claims are the verified claims of a session token, in the shape Wacht's
// frontend API issues them (frontend-api handler/session/handler.go,
// GetToken, ~L470-562): iss, sub, iat and exp; sid, organization and
// workspace as decimal strings; the active memberships' permissions nested
// under "permissions"; the JWT template's claims under "metadata". Wacht
// sends no aud, azp, nbf or jti; those fields are filled only for tokens
// from other issuers that carry them.
//
// Older issuers sent session_id and top-level organization_permissions and
// workspace_permissions, with ids as JSON numbers; those are read too, ids
// converted to their decimal string form.
//
// Sources: github.com/wacht-platform/frontend-api as stored in its newest
// (fiber v3) version; line numbers are of that file. The mirror's main
// branch (1113464, June 2025) predates it and still issues the older shape
// (handler/session/handler.go:326-347 there). The JWKS handler is
// handler/deployment/handler.go:35-77 and router/public.go:13 at 047f3417.
type Claims struct {
	Subject         string    // sub: the user id
	Issuer          string    // iss
	Audience        []string  // aud, as a list even when sent as a string
	AuthorizedParty string    // azp
	ID              string    // jti
	ExpiresAt       time.Time // exp
	NotBefore       time.Time // nbf, zero when absent
	IssuedAt        time.Time // iat, zero when absent

	SessionID      string // sid (older issuers: session_id; sess is read last)
	OrganizationID string // organization: the active organization, "" when none
	WorkspaceID    string // workspace: the active workspace, "" when none
	// OrganizationPermissions and WorkspacePermissions are the permissions
	// of the active memberships: permissions.organization and
	// permissions.workspace (older issuers: organization_permissions and
	// workspace_permissions). Their order carries no meaning.
	OrganizationPermissions []string
	WorkspacePermissions    []string

	// Metadata is the "metadata" claim: the claims a JWT template adds,
	// rendered for the signed-in user. It is nil when the token has none
	// (the default template adds none) or when it is not a JSON object.
	// DecodeMetadata decodes it into a struct of your own.
	Metadata map[string]any

	metadata json.RawMessage
	raw      []byte
}

// Raw returns a copy of the token's JSON claims set.
func (c *Claims) Raw() json.RawMessage {
	if c == nil {
		return nil
	}
	return bytes.Clone(c.raw)
}

// Decode decodes the claims into v; see (*Auth).DecodeClaims for how custom
// claims nested under "custom_claims", "metadata" or "claims" are merged.
func (c *Claims) Decode(v any) error {
	if c == nil || len(c.raw) == 0 {
		return ErrNoClaims
	}
	return decodeLayered(c.raw, v)
}

// DecodeMetadata decodes the "metadata" claim (a JWT template's claims)
// into v, a pointer to a struct or map. When the token carries no metadata
// object, v is left as it is and the result is nil; Metadata == nil tells
// the two apart.
func (c *Claims) DecodeMetadata(v any) error {
	if c == nil || len(c.raw) == 0 {
		return ErrNoClaims
	}
	if len(c.metadata) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.metadata, v); err != nil {
		return fmt.Errorf("wacht: decode metadata claim: %w", err)
	}
	return nil
}

// wireClaims is the decoding target for a token payload. It is decoded once
// per token; custom claims stay in the raw bytes until asked for.
type wireClaims struct {
	Sub       flexString
	Iss       string
	Aud       json.RawMessage
	Azp       string
	Jti       string
	Exp       *numericDate
	Nbf       *numericDate
	Iat       *numericDate
	Sid       flexString
	Sess      flexString
	SessionID flexString // older issuers
	Org       flexString
	Workspace flexString
	OrgPerms  []string // older issuers
	WsPerms   []string // older issuers
	Perms     *wirePermissions
	Metadata  json.RawMessage
}

type wirePermissions struct {
	Organization []string
	Workspace    []string
}

// errClaimType reports a claim whose JSON type is not the one its name
// requires.
var errClaimType = errors.New("wrong JSON type")

// decodeWireClaims fills w from a payload known to be valid JSON. Names
// match exactly: encoding/json would also fill "sub" from "SUB" or "Sub",
// and a later spelling would silently replace the earlier one, so a token
// could carry two subjects and different readers would disagree on which
// one counts. Repeated names anywhere in the payload are refused for the
// same reason (RFC 7519 section 4 lets a verifier reject them).
func decodeWireClaims(payload []byte, w *wireClaims) error {
	if err := rejectDuplicateMembers(payload); err != nil {
		return err
	}
	return eachMember(payload, func(name string, val []byte) error {
		var err error
		switch name {
		case "sub":
			err = w.Sub.UnmarshalJSON(val)
		case "iss":
			w.Iss, err = stringClaim(val)
		case "aud":
			w.Aud = val
		case "azp":
			w.Azp, err = stringClaim(val)
		case "jti":
			w.Jti, err = stringClaim(val)
		case "exp":
			w.Exp, err = dateClaim(val)
		case "nbf":
			w.Nbf, err = dateClaim(val)
		case "iat":
			w.Iat, err = dateClaim(val)
		case "sid":
			err = w.Sid.UnmarshalJSON(val)
		case "sess":
			err = w.Sess.UnmarshalJSON(val)
		case "session_id":
			err = w.SessionID.UnmarshalJSON(val)
		case "organization":
			err = w.Org.UnmarshalJSON(val)
		case "workspace":
			err = w.Workspace.UnmarshalJSON(val)
		case "organization_permissions":
			w.OrgPerms, err = stringsClaim(val)
		case "workspace_permissions":
			w.WsPerms, err = stringsClaim(val)
		case "permissions":
			if isNull(val) {
				return nil
			}
			if val[0] != '{' {
				return errClaimType
			}
			p := new(wirePermissions)
			err = eachMember(val, func(name string, val []byte) error {
				var err error
				switch name {
				case "organization":
					p.Organization, err = stringsClaim(val)
				case "workspace":
					p.Workspace, err = stringsClaim(val)
				}
				return err
			})
			w.Perms = p
		case "metadata":
			if !isNull(val) {
				w.Metadata = val
			}
		}
		return err
	})
}

func isNull(val []byte) bool { return len(val) == 4 && string(val) == "null" }

func stringClaim(val []byte) (string, error) {
	if isNull(val) {
		return "", nil
	}
	s, ok := jsonString(val)
	if !ok {
		return "", errClaimType
	}
	return s, nil
}

func dateClaim(val []byte) (*numericDate, error) {
	if isNull(val) {
		return nil, nil
	}
	d := new(numericDate)
	if err := d.UnmarshalJSON(val); err != nil {
		return nil, err
	}
	return d, nil
}

func stringsClaim(val []byte) ([]string, error) {
	if isNull(val) {
		return nil, nil
	}
	if val[0] != '[' {
		return nil, errClaimType
	}
	// As encoding/json would decode it into a []string (a null element is
	// ""), without its reflection: val is known to be valid JSON.
	out := []string{}
	for i := skipWS(val, 1); i < len(val) && val[i] != ']'; {
		if val[i] == ',' {
			i = skipWS(val, i+1)
		}
		end := skipValue(val, i)
		s, ok := "", isNull(val[i:end])
		if !ok {
			if s, ok = jsonString(val[i:end]); !ok {
				return nil, errClaimType
			}
		}
		out = append(out, s)
		i = skipWS(val, end)
	}
	return out, nil
}

// eachMember calls fn with the name and raw value of each member of the
// JSON object b, in order. b must be valid JSON (json.Valid); a value that
// is not an object is an error.
func eachMember(b []byte, fn func(name string, val []byte) error) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errClaimType
	}
	i++
	for {
		i = skipWS(b, i)
		if i >= len(b) {
			return errClaimType
		}
		if b[i] == '}' {
			return nil
		}
		if b[i] == ',' {
			i = skipWS(b, i+1)
		}
		ke := skipValue(b, i)
		name, ok := memberName(b[i:ke]) // fn only compares it
		if !ok {
			return errClaimType
		}
		i = skipWS(b, ke)
		i = skipWS(b, i+1) // the ':'
		ve := skipValue(b, i)
		if err := fn(name, b[i:ve]); err != nil {
			return err
		}
		i = ve
	}
}

// maxClaimsDepth bounds how deeply objects and arrays may nest in a token
// payload; real claims nest two or three levels.
const maxClaimsDepth = 64

// duplicateClaimError names a member that appears twice in one object of a
// token payload.
type duplicateClaimError struct{ name string }

func (e *duplicateClaimError) Error() string {
	return fmt.Sprintf("claim %q appears twice in one object", truncate(e.name, 32))
}

// rejectDuplicateMembers fails when any object in the valid JSON value b
// holds the same member name twice.
func rejectDuplicateMembers(b []byte) error {
	_, err := walkNoDuplicates(b, skipWS(b, 0), 0)
	return err
}

func walkNoDuplicates(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, errClaimType
	}
	switch b[i] {
	case '{', '[':
	default:
		return skipValue(b, i), nil
	}
	if depth == maxClaimsDepth {
		return i, errors.New("claims nest too deeply")
	}
	object := b[i] == '{'
	var small [16]string
	names := small[:0]
	var many map[string]struct{}
	i++
	for {
		i = skipWS(b, i)
		if i >= len(b) {
			return i, errClaimType
		}
		if b[i] == '}' || b[i] == ']' {
			return i + 1, nil
		}
		if b[i] == ',' {
			i = skipWS(b, i+1)
		}
		if object {
			ke := skipValue(b, i)
			// names and many live only for this walk, so views do.
			name, ok := memberName(b[i:ke])
			if !ok {
				return i, errClaimType
			}
			switch {
			case many != nil:
				if _, dup := many[name]; dup {
					return i, &duplicateClaimError{strings.Clone(name)}
				}
				many[name] = struct{}{}
			case slices.Contains(names, name):
				return i, &duplicateClaimError{strings.Clone(name)}
			case len(names) < cap(names):
				names = append(names, name)
			default:
				many = make(map[string]struct{}, 2*len(names))
				for _, n := range names {
					many[n] = struct{}{}
				}
				many[name] = struct{}{}
			}
			i = skipWS(b, ke)
			i = skipWS(b, i+1) // the ':'
		}
		end, err := walkNoDuplicates(b, i, depth+1)
		if err != nil {
			return end, err
		}
		i = end
	}
}

// flexString accepts a JSON string, an integer number (converted to its
// decimal form) or null.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		if s, ok := jsonString(b); ok {
			*f = flexString(s)
			return nil
		}
		return &json.UnmarshalTypeError{Value: "string", Type: stringType}
	case 'n':
		*f = ""
		return nil
	default:
		// A number: keep integers exactly as written; reject fractions and
		// exponents, which no id uses.
		for _, c := range b {
			if (c < '0' || c > '9') && c != '-' {
				return &json.UnmarshalTypeError{Value: "number " + string(b), Type: stringType}
			}
		}
		*f = flexString(b)
		return nil
	}
}

// numericDate is a JWT NumericDate: seconds since the epoch, possibly with
// a fraction.
type numericDate struct{ t time.Time }

func (n *numericDate) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] == '"' || b[0] == 'n' || b[0] == '{' || b[0] == '[' || b[0] == 't' || b[0] == 'f' {
		return &json.UnmarshalTypeError{Value: string(b), Type: numericDateType}
	}
	if i, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		if i < 0 || i > maxNumericDate {
			return &json.UnmarshalTypeError{Value: "number", Type: numericDateType}
		}
		n.t = time.Unix(i, 0)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > maxNumericDate {
		return &json.UnmarshalTypeError{Value: "number", Type: numericDateType}
	}
	sec, frac := math.Modf(f)
	n.t = time.Unix(int64(sec), int64(frac*1e9))
	return nil
}

// maxNumericDate is year 9999; anything later is treated as malformed.
const maxNumericDate = 253402300799

var (
	stringType      = reflect.TypeFor[string]()
	numericDateType = reflect.TypeFor[numericDate]()
)

// audience parses aud, a string or an array of strings.
func parseAudience(raw json.RawMessage) ([]string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, true
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, false
		}
		return []string{s}, true
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, false
	}
	return list, true
}

// sameIssuer reports whether got, a token's iss, names the issuer want.
// Wacht writes iss as "https://" + the deployment's backend host
// (frontend-api handler/session/handler.go GetToken, Issuer(...), ~L472),
// the origin its publishable key encodes (platform
// commands/src/project/support/foundation.rs:161-166, build_publishable_key),
// so the two are compared as URLs: scheme and host without regard to ASCII
// case (FrontendAPIURL lower-cases the key's host; DNS names are
// case-insensitive), a default port the same as none, the path exactly. A
// trailing slash is a different path, so "https://h/" does not name
// "https://h"; user info, a query or a fragment never match. The equal
// strings of the usual case are answered without parsing.
func sameIssuer(want, got string) bool {
	if got == want {
		return true
	}
	w, ok := issuerKey(want)
	if !ok {
		return false
	}
	g, ok := issuerKey(got)
	return ok && w == g
}

// issuerKey is the comparable form of an http(s) issuer URL.
func issuerKey(s string) (string, bool) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || strings.ContainsAny(rest, "?#@ \t\r\n\\") {
		return "", false
	}
	host, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	scheme, host = asciiLower(scheme), asciiLower(host)
	switch scheme {
	case "https":
		host = strings.TrimSuffix(host, ":443")
	case "http":
		host = strings.TrimSuffix(host, ":80")
	default:
		return "", false
	}
	if host == "" || strings.HasPrefix(host, ":") {
		return "", false
	}
	return scheme + "://" + host + path, true
}

// asciiLower lower-cases ASCII letters only, so no Unicode case folding
// (the Kelvin sign folds to "k") can make two different hosts equal.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
