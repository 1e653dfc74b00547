// Package redact removes secrets from text. The backend client and the
// auth package share it, so both write the same marker.
package redact

import "strings"

// Marker is what replaces a secret.
const Marker = "[redacted]"

// Secret replaces every occurrence of secret in s with Marker.
func Secret(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, Marker)
}

// State shows whether a secret is set, never its value: "unset" or Marker.
func State(secret string) string {
	if secret == "" {
		return "unset"
	}
	return Marker
}
