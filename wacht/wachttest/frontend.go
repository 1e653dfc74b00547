package wachttest

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// frontendHandler serves the frontend API routes the kit uses, plus the
// dev-only helpers under /_wachttest/.
func (s *Server) frontendHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /.well-known/jwks.json", s.route("frontend", RouteJWKS, s.frontDoc, false, s.serveJWKS))
	mux.Handle("GET /session/token", s.route("frontend", RouteSessionToken, nil, false, s.sessionToken))
	mux.Handle("POST /_wachttest/tokens", s.route("frontend", RouteMintToken, nil, false, s.devOnly(s.mintHTTP)))
	mux.Handle("POST /_wachttest/sessions", s.route("frontend", RouteNewSession, nil, false, s.devOnly(s.sessionHTTP)))
	mux.Handle("/", s.route("frontend", "", nil, false, func(w http.ResponseWriter, r *http.Request) error {
		return notFound("no frontend route " + r.Method + " " + r.URL.Path + " in the emulator")
	}))
	return mux
}

func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) error {
	b, err := s.keys.jwks(time.Now())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(b)
	return nil
}

// Session is a signed-in browser session in the emulator's frontend API.
type Session struct {
	// ID is the session id; tokens exchanged for it carry it as "sid".
	ID string
	// Cookie is the value of the __session cookie for /session/token.
	Cookie string
	// DevSession is the value for ?__dev_session__= on /session/token.
	// Each exchange rotates it (the new value is in the
	// x-development-session response header); the previous value stays
	// accepted, so concurrent exchanges do not fail.
	DevSession string
}

type sessionRecord struct {
	id        string
	userID    string
	created   time.Time
	lastUsed  time.Time
	opts      TokenOptions
	cookie    string
	dev, prev string
	revoked   bool
	forwarded string
}

type sessionStore struct {
	mu   sync.Mutex
	byID map[string]*sessionRecord
}

func newSessionStore() *sessionStore { return &sessionStore{byID: map[string]*sessionRecord{}} }

// NewSession starts a session whose exchanged tokens are minted from o
// (Lifetime, IssuedAt and NotBefore are set per exchange; an empty
// SessionID gets a fresh one).
func (s *Server) NewSession(o TokenOptions) Session {
	if o.SessionID == "" {
		// A sign-in id is an i64 the backend API writes as a decimal
		// string and parses back from the path (UserSigninParams,
		// platform/src/api/user/types.rs).
		o.SessionID = randomDecimalID()
	}
	now := time.Now().UTC()
	rec := &sessionRecord{id: o.SessionID, userID: o.UserID, created: now, lastUsed: now, opts: o, cookie: "wst_" + randomHex(24), dev: "dvb_" + randomHex(24)}
	if rec.userID == "" {
		rec.userID = SeedUserID
	}
	s.sessions.mu.Lock()
	s.sessions.byID[rec.id] = rec
	s.sessions.mu.Unlock()
	return Session{ID: rec.id, Cookie: rec.cookie, DevSession: rec.dev}
}

// RevokeSession ends a session: further exchanges answer 401.
func (s *Server) RevokeSession(id string) {
	s.sessions.mu.Lock()
	if rec, ok := s.sessions.byID[id]; ok {
		rec.revoked = true
	}
	s.sessions.mu.Unlock()
}

// SessionForwardedFor returns the last X-Wacht-Forwarded-For value sent on
// an exchange for the session.
func (s *Server) SessionForwardedFor(id string) string {
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	if rec, ok := s.sessions.byID[id]; ok {
		return rec.forwarded
	}
	return ""
}

func (s *Server) sessionToken(w http.ResponseWriter, r *http.Request) error {
	dev := r.URL.Query().Get("__dev_session__")
	cookie := ""
	if c, err := r.Cookie("__session"); err == nil {
		cookie = c.Value
	}
	if dev == "" && cookie == "" {
		return &httpError{http.StatusUnauthorized, "no session: send the __session cookie or ?__dev_session__="}
	}
	s.sessions.mu.Lock()
	var rec *sessionRecord
	for _, cand := range s.sessions.byID {
		if (cookie != "" && constantEq(cand.cookie, cookie)) || (dev != "" && (constantEq(cand.dev, dev) || (cand.prev != "" && constantEq(cand.prev, dev)))) {
			rec = cand
			break
		}
	}
	if rec == nil || rec.revoked {
		s.sessions.mu.Unlock()
		return &httpError{http.StatusUnauthorized, "session is invalid or has ended"}
	}
	if fwd := r.Header.Get("X-Wacht-Forwarded-For"); fwd != "" {
		rec.forwarded = fwd
	}
	rec.lastUsed = time.Now().UTC()
	next := ""
	if dev != "" {
		if constantEq(rec.dev, dev) {
			rec.prev, rec.dev = rec.dev, "dvb_"+randomHex(24)
		}
		next = rec.dev
	}
	o := rec.opts
	s.sessions.mu.Unlock()

	o.IssuedAt, o.NotBefore = time.Time{}, time.Time{}
	if o.Lifetime = s.opts.SessionTokenLifetime; o.Lifetime == 0 {
		o.Lifetime = time.Minute
	}
	tok, exp, err := s.mint(o)
	if err != nil {
		return err
	}
	if next != "" {
		w.Header().Set("X-Development-Session", next)
	}
	w.Header().Set("Cache-Control", "no-store")
	return ok(w, map[string]any{"data": map[string]any{"token": tok, "expires": exp.UnixMilli()}})
}

// devOnly guards the /_wachttest/ helpers: they exist only in the emulator,
// need the backend API key, and mark their answers.
func (s *Server) devOnly(h opFunc) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("X-Wachttest-Dev-Only", "true")
		if key := bearer(r); key == "" || !constantEq(key, s.APIKey) {
			return &httpError{http.StatusUnauthorized, "dev-only endpoint: send the emulator's backend API key as a Bearer token"}
		}
		return h(w, r)
	}
}

// tokenRequest is the JSON body of the dev-only mint and session endpoints.
type tokenRequest struct {
	UserID                  string         `json:"user_id"`
	SessionID               string         `json:"session_id"`
	OrganizationID          string         `json:"organization_id"`
	WorkspaceID             string         `json:"workspace_id"`
	OrganizationPermissions []string       `json:"organization_permissions"`
	WorkspacePermissions    []string       `json:"workspace_permissions"`
	Claims                  map[string]any `json:"claims"`
	LifetimeSeconds         int64          `json:"lifetime_seconds"`
	NotBefore               int64          `json:"not_before"` // unix seconds
	Algorithm               string         `json:"algorithm"`
	Issuer                  string         `json:"issuer"`
	Audience                []string       `json:"audience"`
	AZP                     string         `json:"azp"`
}

func (tr tokenRequest) options() (TokenOptions, error) {
	o := TokenOptions{UserID: tr.UserID, SessionID: tr.SessionID, OrganizationID: tr.OrganizationID, WorkspaceID: tr.WorkspaceID,
		OrganizationPermissions: tr.OrganizationPermissions, WorkspacePermissions: tr.WorkspacePermissions, Claims: tr.Claims,
		Lifetime: time.Duration(tr.LifetimeSeconds) * time.Second, Algorithm: Algorithm(tr.Algorithm), Issuer: tr.Issuer,
		Audience: tr.Audience, AZP: tr.AZP}
	if tr.NotBefore != 0 {
		o.NotBefore = time.Unix(tr.NotBefore, 0)
	}
	if tr.LifetimeSeconds < 0 {
		return o, badRequest("lifetime_seconds must not be negative")
	}
	if o.Algorithm != "" && !slices.Contains([]Algorithm{ES256, ES384, RS256}, o.Algorithm) {
		return o, badRequest(fmt.Sprintf("algorithm %q is not ES256, ES384 or RS256", tr.Algorithm))
	}
	return o, nil
}

func (s *Server) mintHTTP(w http.ResponseWriter, r *http.Request) error {
	var tr tokenRequest
	if err := decodeJSON(r, &tr); err != nil {
		return err
	}
	o, err := tr.options()
	if err != nil {
		return err
	}
	tok, exp, err := s.mint(o)
	if err != nil {
		return badRequest(err.Error())
	}
	return ok(w, map[string]any{"token": tok, "expires": exp.UnixMilli()})
}

func (s *Server) sessionHTTP(w http.ResponseWriter, r *http.Request) error {
	var tr tokenRequest
	if err := decodeJSON(r, &tr); err != nil {
		return err
	}
	o, err := tr.options()
	if err != nil {
		return err
	}
	sess := s.NewSession(o)
	return ok(w, map[string]any{"session_id": sess.ID, "cookie": sess.Cookie, "dev_session": sess.DevSession})
}
