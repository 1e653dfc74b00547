package auth

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wacht-platform/serverless-go/wacht"
)

// The browser session, as Wacht's frontend API keeps it.
//
// The __session cookie is not a session token. It holds a long-lived
// session JWT (claims iss, exp, iat, nbf, "sess" and "rotating_token", no
// "sub"; frontend-api utils/jwt.go SignJWT) that only the frontend API
// can use: GET <frontend>/session/token trades it for a short session
// token (handler/session/handler.go GetToken). Development instances carry
// the same session JWT in the ?__dev_session__= query parameter instead of
// a cookie, and hand a replacement back in the X-Development-Session
// response header (middleware/prelude.go getSessionToken and
// setSessionToken). Sources are frontend-api's stored versions that read
// the query parameter; the local mirror (1113464, 2025-06-07) still read
// the development session from an X-Development-Session request header.

// Session exchange wire names.
const (
	// DevSessionQueryParam carries the development session to the frontend
	// API (frontend-api middleware/prelude.go getSessionToken, read only on
	// non-production deployments) and back to an app after sign-in.
	DevSessionQueryParam = "__dev_session__"
	// DevSessionCookie is the cookie the Wacht browser SDK keeps the
	// development session in on the app's own origin (react-sdk
	// jsx/lib/utils/dev-session.ts; the Next.js middleware reads it too).
	DevSessionCookie = "__dev_session__"
	// DevSessionUpdatedAtCookie is the companion cookie the browser SDK
	// compares with its local storage copy (unix milliseconds).
	DevSessionUpdatedAtCookie = "__dev_session_updated_at"
	// DevSessionResponseHeader carries a new development session back
	// (frontend-api middleware/prelude.go setSessionToken).
	DevSessionResponseHeader = "X-Development-Session"
	// ForwardedForHeader carries the end user's IP to the frontend API,
	// which keys its /session/token rate limits on it
	// (frontend-api middleware/session_token_rate_limit.go).
	ForwardedForHeader = "X-Wacht-Forwarded-For"
	// DefaultSessionCacheSize bounds the exchanged tokens a Verifier
	// keeps (one per distinct session credential).
	DefaultSessionCacheSize = 1024

	// frontendSessionCookie is the only cookie name the frontend API reads
	// (frontend-api middleware/prelude.go: sessionCookieName = "__session"),
	// whatever name the app's own requests use. The JS SDK sends its
	// configured name instead (js-backend src/server-auth.ts:676), which
	// the server would ignore.
	frontendSessionCookie = "__session"

	maxSessionExchangeBody    = 64 << 10
	maxSessionCredentialBytes = 8 << 10
)

// Reasons an Auth is anonymous that belong to the cookie path.
const (
	// TokenReasonCrossSite: the request is an unsafe (state-changing)
	// cross-origin request carrying only the session cookie, which is never
	// accepted for it (see Verifier.Authenticate).
	TokenReasonCrossSite TokenReason = "cross_site_request"
	// TokenReasonSessionSignedOut: the frontend API answered that the
	// session has no signed-in user (or no longer exists).
	TokenReasonSessionSignedOut TokenReason = "session_signed_out"
	// TokenReasonSessionUnavailable: the exchange failed for a reason that
	// says nothing about the user: no answer, a timeout, a 429 or 5xx, or
	// an answer without a token. The Err of the TokenError is the
	// *SessionExchangeError.
	TokenReasonSessionUnavailable TokenReason = "session_exchange_failed"
)

// SessionExchangeRequest asks the frontend API for a fresh session token.
type SessionExchangeRequest struct {
	// SessionToken is the browser's session credential: the value of the
	// __session cookie, or the development session when Development is set.
	SessionToken string
	// Development sends SessionToken as ?__dev_session__= (development
	// instances) instead of as the __session cookie.
	Development bool
	// Template names a JWT template (?template=); empty means the default
	// template, 30 s tokens (frontend-api handler/session/handler.go
	// GetToken). An unknown name answers 404.
	Template string
	// ForwardedFor is the end user's IP address, sent as
	// X-Wacht-Forwarded-For. Only the first entry of a comma-separated list
	// is used, and only when it parses as an IP address.
	ForwardedFor string
}

// SessionExchangeResult is a successful exchange.
type SessionExchangeResult struct {
	// Token is the new session token (a JWT to send as a Bearer token).
	Token string
	// ExpiresAt is when the frontend API says to stop using Token: the
	// template's lifetime after issue, a few seconds before the token's own
	// exp (handler/session/handler.go GetToken adds the template's clock
	// skew to exp only). Zero when the answer did not say.
	ExpiresAt time.Time
	// DevelopmentSession is a new development session from the
	// X-Development-Session header: the frontend API sends one when it
	// refreshed an expired session JWT or started a new session. Store it
	// in place of the old one. Empty when the answer carried none.
	DevelopmentSession string
	// SetCookie are the Set-Cookie values of the answer (a refreshed
	// __session on production instances).
	SetCookie []string
}

// String describes the result without the token.
func (r *SessionExchangeResult) String() string {
	return "auth.SessionExchangeResult{token: redacted, expires: " + r.ExpiresAt.UTC().Format(time.RFC3339) + "}"
}

// GoString describes the result without the token.
func (r *SessionExchangeResult) GoString() string { return r.String() }

// SessionExchangeFailure classifies a failed exchange.
type SessionExchangeFailure string

// Kinds of exchange failure.
const (
	// SessionSignedOut: 400, 401, 403 or 404. The frontend API answers 400
	// "No active sign in" for a session nobody is signed in to (including
	// after sign-out, and for the new anonymous session it starts when the
	// presented one is invalid), 404 when the session is gone
	// (handler/session/handler.go GetToken, middleware/prelude.go).
	SessionSignedOut SessionExchangeFailure = "signed_out"
	// SessionRateLimited: 429. The endpoint is limited per server IP, per
	// server and client IP pair and per session
	// (middleware/session_token_rate_limit.go); RetryAfter says when to
	// retry if the answer said.
	SessionRateLimited SessionExchangeFailure = "rate_limited"
	// SessionUnavailable: no answer (network error, timeout), a 5xx or an
	// unexpected status.
	SessionUnavailable SessionExchangeFailure = "unavailable"
	// SessionBadAnswer: a 200 without a usable data.token, or a body over
	// the size cap.
	SessionBadAnswer SessionExchangeFailure = "bad_answer"
	// SessionBadCredential: the credential is empty, too long or holds
	// characters a cookie cannot carry; nothing was sent.
	SessionBadCredential SessionExchangeFailure = "bad_credential"
)

// SessionExchangeError is a failed exchange. It never contains the session
// credential or a token.
type SessionExchangeError struct {
	Kind SessionExchangeFailure
	// StatusCode is the frontend API's status, or 0 when no answer arrived.
	StatusCode int
	// Message is the frontend API's message (credential removed) or what
	// went wrong locally.
	Message string
	// RetryAfter is the frontend API's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Err is the underlying cause (a network or context error), or nil.
	Err error
	// SetCookie are the Set-Cookie values of the failed answer: a new
	// anonymous session when the presented one was invalid.
	SetCookie []string
	// DevelopmentSession is the X-Development-Session of the failed
	// answer, on development instances.
	DevelopmentSession string
}

func (e *SessionExchangeError) Error() string {
	msg := "wacht: session exchange failed (" + string(e.Kind)
	if e.StatusCode != 0 {
		msg += ", status " + strconv.Itoa(e.StatusCode)
	}
	msg += ")"
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *SessionExchangeError) Unwrap() error { return e.Err }

// SignedOut reports whether the frontend API said the session has no
// signed-in user, as opposed to failing.
func (e *SessionExchangeError) SignedOut() bool { return e.Kind == SessionSignedOut }

// SessionExchangeRequestFromHTTP reads the session credential of a browser
// request: the session cookie (cookieName, empty meaning "__session"), else
// the ?__dev_session__= query parameter, else the __dev_session__ cookie;
// the last two are development sessions. The client IP is taken from
// r.RemoteAddr, which the platform adapters set from the platform's view
// of the caller (X-Forwarded-For is not trusted). ok is false when r
// carries no credential.
//
// It does not check where the request came from; Verifier.Authenticate
// does (see there).
func SessionExchangeRequestFromHTTP(r *http.Request, cookieName string) (req SessionExchangeRequest, ok bool) {
	if r == nil {
		return SessionExchangeRequest{}, false
	}
	if cookieName == "" {
		cookieName = DefaultSessionCookie
	}
	ip := clientIP(r)
	if c, err := r.Cookie(cookieName); err == nil && c.Value != "" {
		return SessionExchangeRequest{SessionToken: c.Value, ForwardedFor: ip}, true
	}
	if dev := devSessionFromQuery(r); dev != "" {
		return SessionExchangeRequest{SessionToken: dev, Development: true, ForwardedFor: ip}, true
	}
	if dev := devSessionFromCookie(r); dev != "" {
		return SessionExchangeRequest{SessionToken: dev, Development: true, ForwardedFor: ip}, true
	}
	return SessionExchangeRequest{}, false
}

func clientIP(r *http.Request) string {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return ip
}

func devSessionFromQuery(r *http.Request) string {
	if r.URL == nil || !strings.Contains(r.URL.RawQuery, DevSessionQueryParam) {
		return ""
	}
	return r.URL.Query().Get(DevSessionQueryParam)
}

// devSessionFromCookie reads the browser SDK's cookie, which it writes
// URL-encoded (encodeURIComponent).
func devSessionFromCookie(r *http.Request) string {
	c, err := r.Cookie(DevSessionCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	if v, err := url.QueryUnescape(c.Value); err == nil {
		return v
	}
	return c.Value
}

// ExchangeSession trades a session cookie (or development session) for a
// session token at GET <frontend API>/session/token. It sends the
// credential as the __session cookie (or ?__dev_session__=), the user's IP
// as X-Wacht-Forwarded-For, and nothing else; the call is bounded by
// SessionExchangeTimeout and ctx. Every failure is a *SessionExchangeError.
//
// ExchangeSession neither caches nor verifies; Authenticate does both.
func (v *Verifier) ExchangeSession(ctx context.Context, req SessionExchangeRequest) (*SessionExchangeResult, error) {
	if v == nil || v.jwks == nil {
		return nil, &SessionExchangeError{Kind: SessionBadCredential, Message: "verifier not built with NewVerifier"}
	}
	cred := req.SessionToken
	if cred == "" {
		return nil, &SessionExchangeError{Kind: SessionBadCredential, Message: "no session credential"}
	}
	if len(cred) > maxSessionCredentialBytes {
		return nil, &SessionExchangeError{Kind: SessionBadCredential, Message: "session credential longer than " + strconv.Itoa(maxSessionCredentialBytes) + " bytes"}
	}
	if strings.ContainsFunc(cred, func(r rune) bool {
		return r <= ' ' || r == ';' || r == ',' || r == '"' || r == '\\' || r >= 0x7f
	}) {
		return nil, &SessionExchangeError{Kind: SessionBadCredential, Message: "session credential has characters a cookie cannot carry"}
	}
	q := url.Values{}
	if req.Development {
		q.Set(DevSessionQueryParam, cred)
	}
	if req.Template != "" {
		q.Set("template", req.Template)
	}
	endpoint := v.frontend + "/session/token"
	if len(q) > 0 {
		endpoint += "?" + q.Encode()
	}
	ctx, cancel := context.WithTimeout(ctx, v.exchangeTTL)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, &SessionExchangeError{Kind: SessionBadCredential, Message: "cannot build the request"}
	}
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", wacht.UserAgent)
	if !req.Development {
		hr.Header.Set("Cookie", frontendSessionCookie+"="+cred)
	}
	if ip := firstIP(req.ForwardedFor); ip != "" {
		hr.Header.Set(ForwardedForHeader, ip)
	}
	res, err := v.exchangeClient.Do(hr)
	if errors.Is(err, errExchangeRedirect) {
		return nil, &SessionExchangeError{Kind: SessionUnavailable, Message: "the frontend API answered with a redirect, which the exchange does not follow", Err: errExchangeRedirect}
	}
	if err != nil {
		return nil, &SessionExchangeError{Kind: SessionUnavailable, Message: "no answer from the frontend API", Err: scrubURLError(err, cred)}
	}
	defer res.Body.Close()
	fail := &SessionExchangeError{
		StatusCode:         res.StatusCode,
		SetCookie:          res.Header.Values("Set-Cookie"),
		DevelopmentSession: res.Header.Get(DevSessionResponseHeader),
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxSessionExchangeBody+1))
	if err != nil {
		fail.Kind, fail.Message, fail.Err = SessionUnavailable, "reading the answer", redactErr(err, cred)
		return nil, fail
	}
	if len(body) > maxSessionExchangeBody {
		fail.Kind, fail.Message = SessionBadAnswer, "answer larger than "+strconv.Itoa(maxSessionExchangeBody)+" bytes"
		return nil, fail
	}
	switch {
	case res.StatusCode == http.StatusOK:
	case res.StatusCode == http.StatusBadRequest || res.StatusCode == http.StatusUnauthorized ||
		res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusNotFound:
		fail.Kind, fail.Message = SessionSignedOut, upstreamMessage(frontendMessage(body), cred)
		return nil, fail
	case res.StatusCode == http.StatusTooManyRequests:
		fail.Kind, fail.Message = SessionRateLimited, upstreamMessage(frontendMessage(body), cred)
		fail.RetryAfter = retryAfter(res.Header.Get("Retry-After"))
		return nil, fail
	default:
		fail.Kind, fail.Message = SessionUnavailable, upstreamMessage(frontendMessage(body), cred)
		fail.RetryAfter = retryAfter(res.Header.Get("Retry-After"))
		return nil, fail
	}
	// {"status":200,"message":"","data":{"token":...,"expires":<unix ms>},
	// "session":{...},"errors":null} (frontend-api handler/utils.go
	// SendResponse; handler/session/handler.go GetToken).
	var out struct {
		Data *struct {
			Token   string   `json:"token"`
			Expires *float64 `json:"expires"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Data == nil || out.Data.Token == "" {
		fail.Kind, fail.Message = SessionBadAnswer, "answer has no data.token"
		return nil, fail
	}
	if strings.Count(out.Data.Token, ".") != 2 || len(out.Data.Token) > v.maxToken {
		fail.Kind, fail.Message = SessionBadAnswer, "data.token is not a compact JWT within the size limit"
		return nil, fail
	}
	r := &SessionExchangeResult{
		Token:              out.Data.Token,
		DevelopmentSession: fail.DevelopmentSession,
		SetCookie:          fail.SetCookie,
	}
	if out.Data.Expires != nil && *out.Data.Expires > 0 && *out.Data.Expires < 1<<53 {
		r.ExpiresAt = time.UnixMilli(int64(*out.Data.Expires))
	}
	return r, nil
}

// errExchangeRedirect is returned (wrapped) when the frontend API answers a
// session exchange with a redirect.
var errExchangeRedirect = errors.New("redirect refused")

// exchangeClient returns a copy of hc that follows no redirect. The exchange
// sends the user's session cookie; GetToken answers it directly
// (frontend-api handler/session/handler.go), so a redirect means something
// other than the frontend API is answering, and following it could carry the
// cookie to another host or over plain http, or take a token from there.
func exchangeClient(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return errExchangeRedirect }
	return &c
}

// frontendMessage picks the message of a frontend API answer
// ({"message": ..., "errors": [{"code","message"}]}), or of a plain-text
// one, whole: the caller redacts it and only then cuts it
// (upstreamMessage).
func frontendMessage(raw []byte) string {
	var e struct {
		Message string `json:"message"`
		Errors  []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	msg := ""
	if json.Unmarshal(raw, &e) == nil {
		msg = e.Message
		if msg == "" && len(e.Errors) > 0 {
			msg = e.Errors[0].Message
		}
	} else {
		msg = strings.TrimSpace(string(raw))
	}
	return msg
}

func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && secs > 0 {
		return time.Duration(min(secs, 3600)) * time.Second
	}
	return 0
}

// scrubURLError drops the URL (which may carry ?__dev_session__=) from a
// *url.Error, keeping its cause for errors.Is.
func scrubURLError(err error, secret string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &redactedError{msg: ue.Op + " session/token: " + redactSecret(ue.Err.Error(), secret), err: ue.Err}
	}
	return redactErr(err, secret)
}

func firstIP(s string) string {
	first, _, _ := strings.Cut(s, ",")
	first = strings.TrimSpace(first)
	if ip := net.ParseIP(first); ip != nil {
		return ip.String()
	}
	return ""
}
