package main

import (
	"strings"
	"unicode"
)

// initialisms are written in upper case in Go identifiers, as Go style asks.
var initialisms = map[string]string{
	"api": "API", "b2b": "B2B", "cname": "CNAME", "cta": "CTA", "ctas": "CTAs",
	"dkim": "DKIM", "dns": "DNS", "dto": "DTO", "fqdn": "FQDN", "http": "HTTP",
	"https": "HTTPS", "id": "ID", "ids": "IDs", "ip": "IP", "json": "JSON", "jwt": "JWT",
	"jwks": "JWKS", "mcp": "MCP", "mfa": "MFA", "oauth": "OAuth", "otp": "OTP", "pem": "PEM",
	"smtp": "SMTP", "sms": "SMS", "sso": "SSO", "tls": "TLS", "tos": "TOS", "ui": "UI",
	"uri": "URI", "uris": "URIs", "url": "URL", "urls": "URLs", "llm": "LLM", "voip": "VoIP",
	"tz": "TZ", "ttl": "TTL", "ts": "TS", "x5u": "X5U", "x5t": "X5T", "x5c": "X5C",
}

// words splits snake_case, kebab-case and CamelCase into lower-case words.
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == ' ' || r == '.' || r == '/' || r == '#' || r == ':':
			flush()
		case unicode.IsUpper(r):
			// A new word starts at an upper-case letter that follows a lower-case
			// letter or digit, or that starts a word after an acronym ("APIKey").
			if len(cur) > 0 {
				prev := rs[i-1]
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					flush()
				}
			}
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

// exported turns any spec name into an exported Go identifier.
func exported(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		if up, ok := initialisms[w]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	out := b.String()
	if out == "" {
		return "Empty"
	}
	if unicode.IsDigit([]rune(out)[0]) {
		out = "V" + out
	}
	return out
}

// unexported turns a spec name into an unexported Go identifier (for
// parameters).
func unexported(s string) string {
	ws := words(s)
	if len(ws) == 0 {
		return "v"
	}
	var b strings.Builder
	b.WriteString(ws[0])
	for _, w := range ws[1:] {
		if up, ok := initialisms[w]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	out := b.String()
	switch out {
	case "type", "func", "var", "range", "map", "chan", "select", "default", "case", "go", "interface", "package", "import", "return":
		out += "Value"
	}
	return out
}

// typeRenames fixes component names whose straight translation would read
// badly or would clash with names the auth side of the package owns.
var typeRenames = map[string]string{
	"ApiAuditLogsResponse": "APIAuditLogPage",
	// OAuth bodies keep the names the hand-written types had before the
	// corrections typed them.
	"OAuthClientResponse":               "OAuthClient",
	"ListOAuthClientsResponse":          "OAuthClientList",
	"RotateOAuthClientSecretResponse":   "OAuthClientSecret",
	"OAuthGrantResponse":                "OAuthGrant",
	"ListOAuthGrantsResponse":           "OAuthGrantList",
	"VerifyOAuthAppDomainResponse":      "OAuthDomainVerification",
	"OAuthAppSigningKeySummary":         "OAuthSigningKey",
	"OAuthAppSigningKeysListResponse":   "OAuthSigningKeys",
	"OAuthAppSigningKeyRotatedResponse": "OAuthSigningKeyRotation",
	"OAuthClientJwk":                    "OAuthJWK",
	"UpdateOAuthAppRequest":             "UpdateOAuthAppParams",
	"UpdateOAuthScopeRequest":           "UpdateOAuthScopeParams",
	"SetOAuthScopeMappingRequest":       "SetOAuthScopeMappingParams",
	"CreateOAuthClientRequest":          "CreateOAuthClientParams",
	"UpdateOAuthClientRequest":          "UpdateOAuthClientParams",
	"ListApiKeysResponse":               "APIKeyList",
	"ListOAuthAppsResponse":             "OAuthAppList",
	"OAuthAppResponse":                  "OAuthApp",
	"RateLimitConfigDto":                "RateLimitConfig",
	"RateLimit":                         "RateLimitRule",
	"ReplayTaskListResponse":            "ReplayTaskPage",
	"ReplayTaskStatusResponse":          "ReplayTask",
	"UserWithIdentifiers":               "User",
}

// reserved names belong to the auth side of package wacht or to the
// hand-written client; a component with one of these names gets a suffix.
var reserved = map[string]bool{
	"Auth": true, "Claims": true, "Principal": true, "Decision": true, "WebhookEvent": true,
	"Verifier": true, "Gateway": true, "Client": true, "Config": true, "Page": true,
	"APIError": true, "File": true, "Identity": true, "RateLimit": true,
}

func typeName(component string) string {
	if n, ok := typeRenames[component]; ok {
		return n
	}
	n := exported(component)
	if reserved[n] {
		n += "Record"
	}
	return n
}
