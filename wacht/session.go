package wacht

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
)

// Session exchange wire names.
const (
	DevSessionQueryParam      = "__dev_session__"
	DevSessionResponseHeader  = "x-development-session"
	ForwardedForHeader        = "X-Wacht-Forwarded-For"
	maxSessionExchangeBody    = 64 << 10
	maxSessionCredentialBytes = 8 << 10
)

// SessionExchangeRequest asks the frontend API for a fresh session token.
type SessionExchangeRequest struct {
	// SessionToken is the browser's session credential: the __session
	// cookie value, or the development session when Development is set.
	SessionToken string
	// Development sends SessionToken as ?__dev_session__= (development
	// instances) instead of as a cookie.
	Development bool
	// CookieName overrides the cookie the credential is sent in; empty
	// means the verifier's SessionCookieName, else "__session".
	CookieName string
	// ForwardedFor is the end user's IP address, sent as
	// X-Wacht-Forwarded-For. Only the first entry of a comma-separated list
	// is used, and only when it parses as an IP address.
	ForwardedFor string
}

// SessionExchangeResult is a successful exchange.
type SessionExchangeResult struct {
	// Token is the new session token (a JWT to send as a Bearer token).
	Token string
	// ExpiresAt is when Token expires (from the response's "expires",
	// unix milliseconds); zero when the response did not say.
	ExpiresAt time.Time
	// DevelopmentSession is the rotated development session from the
	// x-development-session header; store it in place of the old one.
	// Empty when the response carried none.
	DevelopmentSession string
	// SetCookie are the Set-Cookie values the frontend API answered with,
	// to relay to the browser if you proxy the exchange.
	SetCookie []string
}

// String describes the result without the token.
func (r *SessionExchangeResult) String() string {
	return "wacht.SessionExchangeResult{token: redacted, expires: " + r.ExpiresAt.UTC().Format(time.RFC3339) + "}"
}

// GoString describes the result without the token.
func (r *SessionExchangeResult) GoString() string { return r.String() }

// SessionExchangeError is a failed exchange. StatusCode is 0 when no
// response arrived. It never contains the session credential.
type SessionExchangeError struct {
	StatusCode int
	Message    string
	Err        error
	// SetCookie are Set-Cookie values of the failed response (a signed-out
	// session may be cleared this way).
	SetCookie []string
}

func (e *SessionExchangeError) Error() string {
	msg := "wacht: session exchange failed"
	if e.StatusCode != 0 {
		msg += " (status " + strconv.Itoa(e.StatusCode) + ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *SessionExchangeError) Unwrap() error { return e.Err }

// SignedOut reports whether the frontend API rejected the session itself
// (401 or 403), as opposed to failing.
func (e *SessionExchangeError) SignedOut() bool {
	return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
}

// SessionExchangeRequestFromHTTP reads the session credential of a browser
// request: the ?__dev_session__= query parameter (development) or else the
// session cookie (cookieName, empty meaning "__session"). The client IP is
// taken from r.RemoteAddr. ok is false when r carries neither.
func SessionExchangeRequestFromHTTP(r *http.Request, cookieName string) (req SessionExchangeRequest, ok bool) {
	if cookieName == "" {
		cookieName = DefaultSessionCookie
	}
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	if r.URL != nil {
		if dev := r.URL.Query().Get(DevSessionQueryParam); dev != "" {
			return SessionExchangeRequest{SessionToken: dev, Development: true, ForwardedFor: ip}, true
		}
	}
	if c, err := r.Cookie(cookieName); err == nil && c.Value != "" {
		return SessionExchangeRequest{SessionToken: c.Value, CookieName: cookieName, ForwardedFor: ip}, true
	}
	return SessionExchangeRequest{}, false
}

// ExchangeSession trades a session cookie (or development session) for a
// session token at GET <frontend API>/session/token. The call is bounded by
// SessionExchangeTimeout and ctx.
func (v *Verifier) ExchangeSession(ctx context.Context, req SessionExchangeRequest) (*SessionExchangeResult, error) {
	if v == nil || v.jwks == nil {
		return nil, &SessionExchangeError{Message: "verifier not built with NewVerifier"}
	}
	cred := req.SessionToken
	if cred == "" {
		return nil, &SessionExchangeError{Message: "no session credential"}
	}
	if len(cred) > maxSessionCredentialBytes || strings.ContainsFunc(cred, func(r rune) bool {
		return r <= ' ' || r == ';' || r == ',' || r == '"' || r == '\\' || r >= 0x7f
	}) {
		return nil, &SessionExchangeError{Message: "session credential has characters a cookie cannot carry"}
	}
	endpoint := v.frontend + "/session/token"
	if req.Development {
		endpoint += "?" + DevSessionQueryParam + "=" + url.QueryEscape(cred)
	}
	ctx, cancel := context.WithTimeout(ctx, v.exchangeTTL)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, &SessionExchangeError{Message: "build request"}
	}
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", UserAgent)
	if !req.Development {
		name := req.CookieName
		if name == "" {
			name = v.cookie
		}
		if name == "" {
			name = DefaultSessionCookie
		}
		hr.Header.Set("Cookie", name+"="+cred)
	}
	if ip := firstIP(req.ForwardedFor); ip != "" {
		hr.Header.Set(ForwardedForHeader, ip)
	}
	res, err := v.client.Do(hr)
	if err != nil {
		return nil, &SessionExchangeError{Message: "request failed", Err: redactErr(stripURLError(err), cred)}
	}
	defer res.Body.Close()
	setCookie := res.Header.Values("Set-Cookie")
	body, err := io.ReadAll(io.LimitReader(res.Body, maxSessionExchangeBody+1))
	if err != nil {
		return nil, &SessionExchangeError{StatusCode: res.StatusCode, Message: "reading the response", Err: redactErr(err, cred), SetCookie: setCookie}
	}
	if len(body) > maxSessionExchangeBody {
		return nil, &SessionExchangeError{StatusCode: res.StatusCode, Message: "response body too large", SetCookie: setCookie}
	}
	if res.StatusCode != http.StatusOK {
		return nil, &SessionExchangeError{StatusCode: res.StatusCode, Message: redact(gatewayMessage(body), cred), SetCookie: setCookie}
	}
	var out struct {
		Data struct {
			Token   string   `json:"token"`
			Expires *float64 `json:"expires"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Data.Token == "" {
		return nil, &SessionExchangeError{StatusCode: res.StatusCode, Message: "response has no data.token", SetCookie: setCookie}
	}
	r := &SessionExchangeResult{
		Token:              out.Data.Token,
		DevelopmentSession: res.Header.Get(DevSessionResponseHeader),
		SetCookie:          setCookie,
	}
	if out.Data.Expires != nil && *out.Data.Expires > 0 {
		r.ExpiresAt = time.UnixMilli(int64(*out.Data.Expires))
	}
	return r, nil
}

// stripURLError drops the URL (which may carry ?__dev_session__=) from a
// *url.Error.
func stripURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &redactedError{msg: ue.Op + " session/token: " + ue.Err.Error(), err: ue.Err}
	}
	return err
}

func firstIP(s string) string {
	first, _, _ := strings.Cut(s, ",")
	first = strings.TrimSpace(first)
	if ip := net.ParseIP(first); ip != nil {
		return ip.String()
	}
	return ""
}
