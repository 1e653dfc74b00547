package auth

import (
	"container/list"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wacht-platform/serverless-go/wacht"
)

// SessionUpdate is what a session-cookie exchange asks the app to send
// back to the browser. Relaying it is the caller's job (the handler
// package does it); an empty update asks for nothing.
type SessionUpdate struct {
	// SetCookie are the frontend API's Set-Cookie values for the __session
	// cookie: a refreshed session JWT, or a new anonymous session after an
	// invalid one. The JS SDK's Next.js middleware relays them whether the
	// exchange succeeded or not (js-backend src/server-auth.ts:686-704
	// returns them on both paths). Only values naming __session are kept,
	// and only when SessionCookieName is "__session".
	SetCookie []string
	// DevelopmentSession is a development session to store in the
	// browser's __dev_session__ cookie: the replacement from the frontend
	// API's X-Development-Session header, or the one that arrived in
	// ?__dev_session__= and authenticated. Empty when nothing changes.
	DevelopmentSession string
}

// IsZero reports whether the update asks for nothing.
func (u SessionUpdate) IsZero() bool { return len(u.SetCookie) == 0 && u.DevelopmentSession == "" }

// String describes the update without the session values.
func (u SessionUpdate) String() string {
	return fmt.Sprintf("auth.SessionUpdate{set_cookie: %d, development_session: %t}", len(u.SetCookie), u.DevelopmentSession != "")
}

// GoString describes the update without the session values.
func (u SessionUpdate) GoString() string { return u.String() }

// SessionStats counts the session-cookie path of a Verifier.
type SessionStats struct {
	// Exchanges is how many requests were sent to /session/token.
	Exchanges int64
	// CacheHits is how many requests were answered from an exchanged token
	// still within its lifetime.
	CacheHits int64
	// Shared is how many requests waited for an exchange another request
	// had started for the same credential, instead of starting their own.
	Shared int64
	// CrossSiteRefused is how many unsafe cross-origin requests carrying
	// only the cookie were refused.
	CrossSiteRefused int64
	// Cached is how many exchanged tokens are cached now.
	Cached int
}

// sessionAuth is the cookie path of one Verifier: which credentials to
// read, the origin check, and the cache of exchanged tokens.
type sessionAuth struct {
	cookie string // cookie name read from requests; "" means cookie sessions are off
	dev    bool   // development instance: also read __dev_session__
	relay  bool   // relay the frontend API's __session Set-Cookie values
	origin *http.CrossOriginProtection

	mu      sync.Mutex
	max     int
	lru     *list.List // of *sessionEntry, most recently used first
	byKey   map[sessionKey]*list.Element
	flights map[sessionKey]*sessionFlight

	exchanges, hits, shared, refused atomic.Int64
}

// sessionKey is a SHA-256 over the credential and how it is sent: the
// cache never holds a cookie value.
type sessionKey [sha256.Size]byte

type sessionEntry struct {
	key   sessionKey
	auth  *Auth
	until time.Time
}

// sessionFlight is one exchange in progress; requests with the same
// credential wait for it instead of starting their own.
type sessionFlight struct {
	done   chan struct{}
	auth   *Auth
	update SessionUpdate
}

func newSessionAuth(cfg VerifierConfig, dev bool) (*sessionAuth, error) {
	s := &sessionAuth{
		cookie:  cfg.SessionCookieName,
		dev:     dev,
		relay:   cfg.SessionCookieName == frontendSessionCookie,
		origin:  http.NewCrossOriginProtection(),
		max:     cfg.SessionCacheSize,
		lru:     list.New(),
		byKey:   map[sessionKey]*list.Element{},
		flights: map[sessionKey]*sessionFlight{},
	}
	if s.cookie != "" && !validCookieName(s.cookie) {
		return nil, &wacht.ConfigError{Field: "SessionCookieName", Problem: fmt.Sprintf("%q is not a valid cookie name", truncate(s.cookie, 40))}
	}
	if s.max <= 0 {
		s.max = DefaultSessionCacheSize
	}
	for _, o := range cfg.SessionTrustedOrigins {
		if err := s.origin.AddTrustedOrigin(o); err != nil {
			return nil, &wacht.ConfigError{Field: "SessionTrustedOrigins", Problem: fmt.Sprintf("%q is not an origin (scheme://host[:port])", truncate(o, 80))}
		}
	}
	return s, nil
}

func validCookieName(n string) bool {
	for _, r := range n {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) {
			return false
		}
	}
	return n != ""
}

// sessionCredential is a credential found on a request, with where it
// came from.
type sessionCredential struct {
	req       SessionExchangeRequest
	fromQuery bool
}

// credential finds the session credential of r: the session cookie, then
// (development instances) ?__dev_session__= on GET and HEAD, then the
// __dev_session__ cookie.
func (s *sessionAuth) credential(r *http.Request) (sessionCredential, bool) {
	if s.cookie == "" {
		return sessionCredential{}, false
	}
	ip := clientIP(r)
	if c, err := r.Cookie(s.cookie); err == nil && c.Value != "" {
		return sessionCredential{req: SessionExchangeRequest{SessionToken: c.Value, ForwardedFor: ip}}, true
	}
	if !s.dev {
		return sessionCredential{}, false
	}
	// A credential in a URL is a development-only handshake (the hosted
	// sign-in pages append it after sign-in); it is never read from a
	// state-changing request.
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if dev := devSessionFromQuery(r); dev != "" {
			return sessionCredential{req: SessionExchangeRequest{SessionToken: dev, Development: true, ForwardedFor: ip}, fromQuery: true}, true
		}
	}
	if dev := devSessionFromCookie(r); dev != "" {
		return sessionCredential{req: SessionExchangeRequest{SessionToken: dev, Development: true, ForwardedFor: ip}}, true
	}
	return sessionCredential{}, false
}

func (k *sessionKey) of(req SessionExchangeRequest) {
	h := sha256.New()
	mode := "cookie\x00"
	if req.Development {
		mode = "dev\x00"
	}
	h.Write([]byte(mode))
	h.Write([]byte(req.Template))
	h.Write([]byte{0})
	h.Write([]byte(req.SessionToken))
	h.Sum(k[:0])
}

// AuthenticateWithUpdate is Authenticate, plus what a session-cookie
// exchange asks the app to send back to the browser (see SessionUpdate).
// Handlers that authenticate browsers by cookie should relay the update;
// the handler package's Kit.Authenticate does.
//
// The credentials, in order:
//
//  1. Authorization: Bearer <session token>, verified locally.
//  2. With SessionCookieName set: the session cookie, exchanged at the
//     frontend API for a session token (GET /session/token), which is then
//     verified and cached until the frontend API's expiry for it. On
//     development instances (a pk_test_ publishable key) the development
//     session is read too: ?__dev_session__= on GET and HEAD, else the
//     __dev_session__ cookie. Concurrent requests with the same credential
//     share one exchange. The cache is bounded (SessionCacheSize) and keyed
//     by a SHA-256 of the credential. Failed exchanges are not cached: a
//     user who just signed in is seen at once.
//  3. With ForwardedAuthSecret set: a signed x-wacht-auth header.
//
// Cookies ride along on requests other sites make, so the cookie is not
// accepted on unsafe (non GET, HEAD, OPTIONS) requests unless the browser
// says they come from the app's own origin: Sec-Fetch-Site same-origin or
// none, or, from browsers that do not send Sec-Fetch-Site, an Origin whose
// host is the request's Host; origins listed in SessionTrustedOrigins are
// accepted too. This is net/http's CrossOriginProtection. Referer is not
// consulted: every browser that sends cookies on a cross-site POST sends
// Origin with it. Requests with neither header (not from a browser) pass.
// A refused request is anonymous with TokenReasonCrossSite. GET and HEAD
// must therefore not change state, which is HTTP's rule anyway.
func (v *Verifier) AuthenticateWithUpdate(r *http.Request) (*Auth, SessionUpdate) {
	if v == nil || v.jwks == nil || v.sess == nil {
		return anonymous(tokenErr(TokenReasonMisconfigured, "use NewVerifier")), SessionUpdate{}
	}
	if r == nil {
		return anonymous(tokenErr(TokenReasonMissing, "no request")), SessionUpdate{}
	}
	if token, found := BearerToken(r); found {
		return v.AuthFromToken(r.Context(), token), SessionUpdate{}
	}
	if cred, ok := v.sess.credential(r); ok {
		return v.authenticateSession(r, cred)
	}
	if v.fwd != nil {
		if hv := r.Header.Get(ForwardedAuthHeader); hv != "" {
			a, err := v.fwd.Verify(hv)
			if err != nil {
				return anonymous(err), SessionUpdate{}
			}
			return a, SessionUpdate{}
		}
	}
	if v.sess.cookie == "" {
		if c, err := r.Cookie(frontendSessionCookie); err == nil && c.Value != "" {
			return anonymous(tokenErr(TokenReasonMissing, "the request has a __session cookie, but cookie sessions are off (set VerifierConfig.SessionCookieName)")), SessionUpdate{}
		}
	}
	return anonymous(tokenErr(TokenReasonMissing, "")), SessionUpdate{}
}

// SessionStats returns the counters of the session-cookie path.
func (v *Verifier) SessionStats() SessionStats {
	if v == nil || v.sess == nil {
		return SessionStats{}
	}
	s := v.sess
	s.mu.Lock()
	n := s.lru.Len()
	s.mu.Unlock()
	return SessionStats{Exchanges: s.exchanges.Load(), CacheHits: s.hits.Load(), Shared: s.shared.Load(), CrossSiteRefused: s.refused.Load(), Cached: n}
}

func (v *Verifier) authenticateSession(r *http.Request, cred sessionCredential) (*Auth, SessionUpdate) {
	s := v.sess
	if err := s.origin.Check(r); err != nil {
		s.refused.Add(1)
		return anonymous(&TokenError{Reason: TokenReasonCrossSite,
			Detail: "the session cookie is not accepted on a cross-origin " + r.Method + " request (Sec-Fetch-Site / Origin); send a Bearer token or list the origin in SessionTrustedOrigins"}), SessionUpdate{}
	}
	var key sessionKey
	key.of(cred.req)
	now := v.now()

	s.mu.Lock()
	if el, ok := s.byKey[key]; ok {
		e := el.Value.(*sessionEntry)
		if now.Before(e.until) {
			s.lru.MoveToFront(el)
			s.mu.Unlock()
			s.hits.Add(1)
			return e.auth, SessionUpdate{}
		}
		s.lru.Remove(el)
		delete(s.byKey, key)
	}
	f, waiting := s.flights[key]
	if !waiting {
		f = &sessionFlight{done: make(chan struct{})}
		s.flights[key] = f
	}
	s.mu.Unlock()

	if waiting {
		s.shared.Add(1)
	} else {
		s.exchanges.Add(1)
		// The exchange outlives this request if it must: other requests
		// may be waiting for it, and its result is cached. It is bounded
		// by SessionExchangeTimeout and the JWKS fetch timeout.
		go v.runExchange(context.WithoutCancel(r.Context()), key, f, cred.req)
	}
	select {
	case <-f.done:
	case <-r.Context().Done():
		return anonymous(&TokenError{Reason: TokenReasonContextDone, Detail: "the request ended while its session was being exchanged", Err: r.Context().Err()}), SessionUpdate{}
	}
	upd := f.update
	if cred.fromQuery && upd.DevelopmentSession == "" && f.auth.Authenticated() {
		// The sign-in handshake: keep the development session in the
		// cookie the browser SDK reads, as the Next.js middleware does.
		upd.DevelopmentSession = cred.req.SessionToken
	}
	return f.auth, upd
}

func (v *Verifier) runExchange(ctx context.Context, key sessionKey, f *sessionFlight, req SessionExchangeRequest) {
	s := v.sess
	var until time.Time
	defer func() {
		s.mu.Lock()
		delete(s.flights, key)
		if !until.IsZero() {
			s.store(key, f.auth, until)
		}
		s.mu.Unlock()
		close(f.done)
	}()
	defer func() {
		// A panic here would otherwise leave every waiter hanging.
		if p := recover(); p != nil {
			f.auth = anonymous(&TokenError{Reason: TokenReasonSessionUnavailable, Detail: fmt.Sprintf("session exchange panicked: %v", p)})
			until = time.Time{}
		}
	}()

	res, err := v.ExchangeSession(ctx, req)
	if err != nil {
		var se *SessionExchangeError
		if !errors.As(err, &se) {
			f.auth = anonymous(&TokenError{Reason: TokenReasonSessionUnavailable, Err: err})
			return
		}
		// As the JS SDK's middleware: a failed answer's Set-Cookie (a new
		// anonymous session) is relayed, its development session is not.
		f.update = SessionUpdate{SetCookie: s.relayable(se.SetCookie)}
		reason := TokenReasonSessionUnavailable
		switch se.Kind {
		case SessionSignedOut:
			reason = TokenReasonSessionSignedOut
		case SessionBadCredential:
			reason = TokenReasonMalformed
		}
		f.auth = anonymous(&TokenError{Reason: reason, Err: se})
		return
	}
	f.update = SessionUpdate{SetCookie: s.relayable(res.SetCookie), DevelopmentSession: res.DevelopmentSession}
	c, terr := v.verify(ctx, res.Token)
	if terr != nil {
		if terr.Detail == "" {
			terr.Detail = "the token the frontend API exchanged the session for"
		} else {
			terr.Detail = "the token the frontend API exchanged the session for: " + terr.Detail
		}
		f.auth = anonymous(terr)
		return
	}
	f.auth = authFromClaims(c)
	// Use the token until the frontend API's expiry for it, never past
	// its exp.
	until = res.ExpiresAt
	if until.IsZero() || until.After(c.ExpiresAt) {
		until = c.ExpiresAt
	}
	if !v.now().Before(until) {
		until = time.Time{}
	}
}

// store caches an exchanged token; the caller holds s.mu.
func (s *sessionAuth) store(key sessionKey, a *Auth, until time.Time) {
	if el, ok := s.byKey[key]; ok {
		s.lru.Remove(el)
	}
	s.byKey[key] = s.lru.PushFront(&sessionEntry{key: key, auth: a, until: until})
	for s.lru.Len() > s.max {
		old := s.lru.Back()
		s.lru.Remove(old)
		delete(s.byKey, old.Value.(*sessionEntry).key)
	}
}

// relayable keeps the Set-Cookie values that set the __session cookie.
func (s *sessionAuth) relayable(lines []string) []string {
	if !s.relay {
		return nil
	}
	var out []string
	for _, l := range lines {
		if c, err := http.ParseSetCookie(l); err == nil && c.Name == frontendSessionCookie {
			out = append(out, l)
		}
	}
	return out
}
