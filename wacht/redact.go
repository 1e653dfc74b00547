package wacht

import "github.com/wacht-platform/serverless-go/internal/redact"

// Redacted is what the kit writes in place of a secret: in errors, in logs
// and in the String output of configurations and credentials.
const Redacted = redact.Marker

// redactSecret replaces every occurrence of secret in s.
func redactSecret(s, secret string) string { return redact.Secret(s, secret) }
