package auth

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/wacht-platform/serverless-go/internal/redact"
)

// redactSecret replaces every occurrence of secret in s.
func redactSecret(s, secret string) string { return redact.Secret(s, secret) }

// maxUpstreamMessage bounds the text of another server's answer that the
// kit keeps in an error.
const maxUpstreamMessage = 200

// upstreamMessage makes text from another server (a gateway or frontend API
// error message, which may echo the credential it was sent) safe to keep in
// an error: the secret is removed first and only then is the text cut, so a
// secret that straddles the cut cannot survive in part. Control characters
// become spaces so the text stays on one log line.
func upstreamMessage(msg, secret string) string {
	msg = redactSecret(msg, secret)
	msg = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, msg)
	if len(msg) <= maxUpstreamMessage {
		return msg
	}
	cut := maxUpstreamMessage
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "..."
}

// redactedError is an error whose text had a secret removed; it unwraps to
// the cause of the original so errors.Is still finds timeouts and the like.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactErr returns err, or a copy of its text without secret when the
// text holds it.
func redactErr(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &redactedError{msg: redactSecret(err.Error(), secret), err: errors.Unwrap(err)}
}
