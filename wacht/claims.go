package wacht

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"time"
)

// Claims are the verified claims of a session token, in the shapes Wacht
// issues them. Ids that older issuers send as JSON numbers are converted to
// their decimal string form.
type Claims struct {
	Subject         string    // sub: the user id
	Issuer          string    // iss
	Audience        []string  // aud, as a list even when sent as a string
	AuthorizedParty string    // azp
	ID              string    // jti
	ExpiresAt       time.Time // exp
	NotBefore       time.Time // nbf, zero when absent
	IssuedAt        time.Time // iat, zero when absent

	SessionID               string // sid, sess or session_id (first present)
	OrganizationID          string // organization
	WorkspaceID             string // workspace
	OrganizationPermissions []string
	WorkspacePermissions    []string

	raw []byte
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

// wireClaims is the decoding target for a token payload. It is decoded once
// per token; custom claims stay in the raw bytes until asked for.
type wireClaims struct {
	Sub       flexString      `json:"sub"`
	Iss       string          `json:"iss"`
	Aud       json.RawMessage `json:"aud"`
	Azp       string          `json:"azp"`
	Jti       string          `json:"jti"`
	Exp       *numericDate    `json:"exp"`
	Nbf       *numericDate    `json:"nbf"`
	Iat       *numericDate    `json:"iat"`
	Sid       flexString      `json:"sid"`
	Sess      flexString      `json:"sess"`
	SessionID flexString      `json:"session_id"`
	Org       flexString      `json:"organization"`
	Workspace flexString      `json:"workspace"`
	OrgPerms  []string        `json:"organization_permissions"`
	WsPerms   []string        `json:"workspace_permissions"`
	Perms     *struct {
		Organization []string `json:"organization"`
		Workspace    []string `json:"workspace"`
	} `json:"permissions"`
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
