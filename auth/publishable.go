package auth

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Publishable key prefixes. A publishable key is one of these prefixes followed
// by the standard base64 encoding of the deployment's frontend API URL.
const (
	publishableKeyTestPrefix = "pk_test_"
	publishableKeyLivePrefix = "pk_live_"
)

// PublishableKeyError reports a publishable key that cannot be turned into a
// frontend API URL. The key itself is public, but the error still only names
// its prefix so that a mistakenly pasted secret never ends up in a log.
type PublishableKeyError struct {
	// Problem says what is wrong with the key, for example
	// "missing pk_test_ or pk_live_ prefix".
	Problem string
}

func (e *PublishableKeyError) Error() string {
	return "wacht: invalid publishable key: " + e.Problem
}

// FrontendAPIURL derives the frontend API URL (an origin such as
// "https://fapi.example.wacht.dev", no trailing slash) from a publishable key
// of the form pk_test_<base64 URL> or pk_live_<base64 URL>.
//
// Surrounding whitespace is ignored. Anything else that does not decode to an
// absolute https URL with a host (no user info) yields a *PublishableKeyError
// naming the problem; pk_test_ keys may also encode http, for a frontend API
// running locally (such as the wachttest emulator), pk_live_ keys may not.
func FrontendAPIURL(publishableKey string) (string, error) {
	key := strings.TrimSpace(publishableKey)
	if key == "" {
		return "", &PublishableKeyError{Problem: "empty key"}
	}
	var encoded string
	live := false
	switch {
	case strings.HasPrefix(key, publishableKeyTestPrefix):
		encoded = key[len(publishableKeyTestPrefix):]
	case strings.HasPrefix(key, publishableKeyLivePrefix):
		encoded = key[len(publishableKeyLivePrefix):]
		live = true
	case strings.HasPrefix(key, "sk_"):
		// Do not echo anything from what looks like a secret key.
		return "", &PublishableKeyError{Problem: "got a secret key (sk_...); pass the publishable key (pk_test_... or pk_live_...)"}
	default:
		return "", &PublishableKeyError{Problem: "missing pk_test_ or pk_live_ prefix"}
	}
	if encoded == "" {
		return "", &PublishableKeyError{Problem: "nothing after the pk_ prefix"}
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		// Some tooling strips the padding; accept that, but nothing looser.
		raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(encoded, "="))
		if err != nil {
			return "", &PublishableKeyError{Problem: "the part after the prefix is not standard base64"}
		}
	}
	s := string(raw)
	if s == "" {
		return "", &PublishableKeyError{Problem: "the encoded URL is empty"}
	}
	for _, r := range s {
		if r < 0x21 || r == 0x7f {
			return "", &PublishableKeyError{Problem: "the encoded URL contains control or space characters"}
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", &PublishableKeyError{Problem: "the encoded value is not a URL"}
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", &PublishableKeyError{Problem: fmt.Sprintf("the encoded URL has scheme %q; want https or http", u.Scheme)}
	}
	if live && u.Scheme != "https" && !isLoopbackHost(u.Hostname()) {
		// Wacht only ever encodes https in its keys, pk_live_ included
		// (platform commands/src/project/support/foundation.rs:161-166,
		// build_publishable_key). A production key naming a plain-http
		// frontend would fetch the key set where anyone on the path can
		// answer it. pk_test_ keeps http: the emulator (wachttest) and
		// local development serve the frontend API on http://127.0.0.1.
		// A loopback host is the one exception for pk_live_ too: no one
		// on a network path can answer for it, and the emulator's
		// production mode (wachttest.Options.Production) lives there.
		return "", &PublishableKeyError{Problem: "a pk_live_ key must encode an https URL; plain http is accepted only in pk_test_ keys, for local development (or for a loopback host)"}
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", &PublishableKeyError{Problem: "the encoded URL has no host"}
	}
	if !validHostname(u.Hostname()) {
		return "", &PublishableKeyError{Problem: "the encoded URL has an invalid host name"}
	}
	if p := u.Port(); p != "" {
		for _, c := range p {
			if c < '0' || c > '9' {
				return "", &PublishableKeyError{Problem: "the encoded URL has an invalid port"}
			}
		}
	}
	if u.User != nil {
		return "", &PublishableKeyError{Problem: "the encoded URL carries user info"}
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}

// validHostname accepts DNS names (letters, digits, '-', '.') and IP
// literals.
func validHostname(h string) bool {
	if strings.Contains(h, ":") { // IPv6 literal (brackets already stripped)
		for _, c := range h {
			if !(c == ':' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
		return true
	}
	for _, c := range h {
		if !(c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return !strings.HasPrefix(h, ".") && !strings.HasPrefix(h, "-")
}

// isLoopbackHost reports whether host names this machine only.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
