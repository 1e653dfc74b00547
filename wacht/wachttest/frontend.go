package wachttest

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// frontendHandler serves the frontend API routes the kit uses, plus the
// dev-only helpers under /_wachttest/.
func (s *Server) frontendHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /.well-known/jwks.json", s.route("frontend", RouteJWKS, frontendAPI, false, s.serveJWKS))
	mux.Handle("GET /session/token", s.route("frontend", RouteSessionToken, "", false, s.sessionToken))
	mux.Handle("POST /_wachttest/tokens", s.route("frontend", RouteMintToken, "", false, s.devOnly(s.mintHTTP)))
	mux.Handle("POST /_wachttest/sessions", s.route("frontend", RouteNewSession, "", false, s.devOnly(s.sessionHTTP)))
	mux.Handle("POST /_wachttest/agent-replies", s.route("frontend", RouteAgentReply, "", false, s.devOnly(s.agentReplyHTTP)))
	mux.Handle("POST /_wachttest/oauth-grants", s.route("frontend", RouteOAuthGrant, "", false, s.devOnly(s.oauthGrantHTTP)))
	mux.Handle("/", s.route("frontend", "", "", false, func(w http.ResponseWriter, r *http.Request) error {
		return notFound("no frontend route " + r.Method + " " + r.URL.Path + " in the emulator")
	}))
	return mux
}

func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) error {
	b, err := s.keys.jwks(time.Now())
	if err != nil {
		return err
	}
	// Wacht answers with fiber's c.JSON(set) and no Cache-Control header
	// (frontend-api handler/deployment/handler.go:76 at 047f3417):
	// verifiers fall back to their own TTL.
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
	return nil
}

// Session is a signed-in browser session in the emulator's frontend API.
type Session struct {
	// ID is the session id: the "sess" claim of the session JWT, and the
	// "sid" of every token exchanged for it.
	ID string
	// Cookie is the session JWT as the frontend API issues it (ES256, the
	// deployment's key; iss, exp six hours out, iat, nbf, "sess" and
	// "rotating_token", no "sub": frontend-api utils/jwt.go SignJWT). A
	// browser holds it in the __session cookie; it is not a session token,
	// only GET /session/token turns it into one.
	Cookie string
	// DevSession is the same session JWT, for ?__dev_session__= on
	// development instances (Options.Production unset): the frontend API
	// keeps one session JWT either way (middleware/prelude.go
	// setSessionToken).
	DevSession string
}

// sessionJWTLifetime is how long a session JWT is valid before the
// frontend API refreshes it (frontend-api middleware/prelude.go:
// sessionDuration = 6 * time.Hour).
const sessionJWTLifetime = 6 * time.Hour

// defaultSessionTokenLifetime is the default JWT template's lifetime, and
// templateClockSkew the seconds added to exp only (frontend-api
// handler/session/handler.go GetToken: TokenLifetime 30,
// AllowedClockSkew 5; "expires" is issue time + TokenLifetime).
const (
	defaultSessionTokenLifetime = 30 * time.Second
	templateClockSkew           = 5 * time.Second
	maxAnonymousSessions        = 1024
	sessionIDBase               = 7_000_000_000_000_000_000
)

type sessionRecord struct {
	id        string
	userID    string // "" for an anonymous session (nobody signed in)
	created   time.Time
	lastUsed  time.Time
	opts      TokenOptions
	current   string // the session JWT in force
	previous  string // the JWT it replaced: still accepted, without a new one
	expired   bool   // ExpireSession: the next presentation of current refreshes it
	revoked   bool   // signed out: the session has no active sign-in
	forwarded string
}

type sessionStore struct {
	mu        sync.Mutex
	byID      map[string]*sessionRecord
	anonymous []string // ids of anonymous sessions, oldest first
	rotations int      // rotating token ids handed out
	ids       int64    // session ids handed out
}

// newID returns a fresh session id: a decimal string, as the frontend API's
// numeric session ids travel ("sess" claim, utils/jwt.go; the backend's
// signin_id path parameter). The caller holds mu.
func (st *sessionStore) newID() string {
	st.ids++
	return strconv.FormatInt(sessionIDBase+st.ids, 10)
}

func newSessionStore() *sessionStore { return &sessionStore{byID: map[string]*sessionRecord{}} }

// NewSession starts a signed-in session whose exchanged tokens are minted
// from o (Lifetime, IssuedAt and NotBefore are set per exchange; an empty
// SessionID gets a fresh numeric one), and returns its session JWT.
func (s *Server) NewSession(o TokenOptions) Session {
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	if o.SessionID == "" {
		o.SessionID = s.sessions.newID()
	}
	now := time.Now().UTC()
	rec := &sessionRecord{id: o.SessionID, userID: o.UserID, created: now, lastUsed: now, opts: o}
	if rec.userID == "" {
		rec.userID = SeedUserID
	}
	tok, err := s.sessionJWT(rec)
	if err != nil {
		panic("wachttest: sign a session JWT: " + err.Error()) // only a key the emulator made itself is used
	}
	rec.current = tok
	s.sessions.byID[rec.id] = rec
	return Session{ID: rec.id, Cookie: tok, DevSession: tok}
}

// sessionJWT signs a new session JWT for rec with a new rotating token id;
// the caller holds s.sessions.mu.
func (s *Server) sessionJWT(rec *sessionRecord) (string, error) {
	s.sessions.rotations++
	tok, _, err := s.mint(TokenOptions{
		Lifetime: sessionJWTLifetime,
		// The standard token claims mint adds do not belong in a session
		// JWT: remove them, add the session's own.
		Claims: map[string]any{
			"sub": nil, "sid": nil, "jti": nil,
			"sess":           rec.id,
			"rotating_token": strconv.Itoa(s.sessions.rotations),
		},
	})
	return tok, err
}

// RevokeSession signs the session's user out: the session stays, with no
// active sign-in, and /session/token answers 400 "No active sign in" for
// it, as the frontend API does after sign-out.
func (s *Server) RevokeSession(id string) {
	s.sessions.mu.Lock()
	if rec, ok := s.sessions.byID[id]; ok {
		rec.revoked = true
	}
	s.sessions.mu.Unlock()
}

// ExpireSession makes the session's current session JWT count as expired,
// as if its six hours had passed. The next /session/token presenting it
// refreshes it: a new session JWT (a new rotating_token) goes back in
// Set-Cookie (Options.Production) or X-Development-Session, and the old one
// stays accepted without another refresh, as the frontend API's rotating
// tokens allow (middleware/prelude.go refreshSession).
func (s *Server) ExpireSession(id string) {
	s.sessions.mu.Lock()
	if rec, ok := s.sessions.byID[id]; ok {
		rec.expired = true
	}
	s.sessions.mu.Unlock()
}

// CurrentSessionJWT returns the session JWT now in force for the session
// (it changes when a refresh hands out a new one), or "" for an unknown id.
func (s *Server) CurrentSessionJWT(id string) string {
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	if rec, ok := s.sessions.byID[id]; ok {
		return rec.current
	}
	return ""
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

// resolveSession does what the frontend API's session middleware does
// before any handler (middleware/prelude.go): find the session of the
// presented JWT, refresh an expired one, and start a new anonymous session
// for a request without a usable one. issued is a session JWT to send back;
// the caller holds s.sessions.mu.
func (s *Server) resolveSession(cred string) (rec *sessionRecord, issued string, err error) {
	if cred != "" {
		for _, cand := range s.sessions.byID {
			switch {
			case constantEq(cand.current, cred):
				if !cand.expired {
					return cand, "", nil
				}
				tok, err := s.sessionJWT(cand)
				if err != nil {
					return nil, "", err
				}
				cand.previous, cand.current, cand.expired = cand.current, tok, false
				return cand, tok, nil
			case cand.previous != "" && constantEq(cand.previous, cred):
				return cand, "", nil
			}
		}
	}
	// No session, or one that does not verify: the frontend API starts a
	// new, anonymous one (middleware/prelude.go handleNewSession).
	now := time.Now().UTC()
	rec = &sessionRecord{id: s.sessions.newID(), created: now, lastUsed: now}
	tok, err := s.sessionJWT(rec)
	if err != nil {
		return nil, "", err
	}
	rec.current = tok
	s.sessions.byID[rec.id] = rec
	s.sessions.anonymous = append(s.sessions.anonymous, rec.id)
	if len(s.sessions.anonymous) > maxAnonymousSessions {
		delete(s.sessions.byID, s.sessions.anonymous[0])
		s.sessions.anonymous = s.sessions.anonymous[1:]
	}
	return rec, tok, nil
}

// sessionToken serves GET /session/token as the frontend API does
// (router/session.go; handler/session/handler.go GetToken): the session JWT
// from the __session cookie, or on development instances from
// ?__dev_session__=; a 30 s token (Options.SessionTokenLifetime) in
// {"status":200,"message":"","data":{"token","expires"},"session":{...},
// "errors":null}; 400 "No active sign in" when nobody is signed in to the
// session; 404 "Template not found" for any ?template= but "default" (the
// emulator has no JWT templates). A refreshed or new session JWT goes back
// in Set-Cookie (production) or X-Development-Session (development), also
// on a 400. The per-IP rate limits are not emulated; inject a 429 fault.
func (s *Server) sessionToken(w http.ResponseWriter, r *http.Request) error {
	cred := ""
	if c, err := r.Cookie("__session"); err == nil {
		cred = c.Value
	}
	if cred == "" && !s.opts.Production {
		cred = r.URL.Query().Get("__dev_session__")
	}
	s.sessions.mu.Lock()
	rec, issued, err := s.resolveSession(cred)
	if err != nil {
		s.sessions.mu.Unlock()
		return err
	}
	if fwd := r.Header.Get("X-Wacht-Forwarded-For"); fwd != "" {
		rec.forwarded = fwd
	}
	rec.lastUsed = time.Now().UTC()
	signedIn := rec.userID != "" && !rec.revoked
	o := rec.opts
	view := frontendSessionView{ID: rec.id, CreatedAt: rec.created, UpdatedAt: rec.lastUsed}
	s.sessions.mu.Unlock()

	if issued != "" {
		if s.opts.Production {
			host := r.Host
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			w.Header().Add("Set-Cookie", "__session="+issued+"; Expires="+time.Now().Add(sessionJWTLifetime).UTC().Format(http.TimeFormat)+"; Domain="+host+"; HttpOnly; Secure")
		} else {
			w.Header().Set("X-Development-Session", issued)
		}
	}
	if tpl := r.URL.Query().Get("template"); tpl != "" && tpl != "default" {
		writeFrontend(w, http.StatusNotFound, nil, "Template not found", view)
		return nil
	}
	if !signedIn {
		writeFrontend(w, http.StatusBadRequest, nil, "No active sign in", view)
		return nil
	}
	life := s.opts.SessionTokenLifetime
	if life <= 0 {
		life = defaultSessionTokenLifetime
	}
	o.SessionID = rec.id
	o.IssuedAt, o.NotBefore = time.Time{}, time.Time{}
	o.Lifetime = life + templateClockSkew
	tok, exp, err := s.mint(o)
	if err != nil {
		return err
	}
	writeFrontend(w, http.StatusOK, map[string]any{"token": tok, "expires": exp.Add(-templateClockSkew).UnixMilli()}, "", view)
	return nil
}

// frontendSessionView is the "session" member of the frontend API's
// envelope (frontend-api handler/utils.go SendResponse).
type frontendSessionView struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// writeFrontend answers in the frontend API's envelope:
// {"status","message","data","session","errors"}.
func writeFrontend(w http.ResponseWriter, status int, data any, message string, sess frontendSessionView) {
	writeJSON(w, status, map[string]any{"status": status, "message": message, "data": data, "session": sess, "errors": nil})
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

// agentReplyHTTP is SetAgentReply for callers that are not Go:
// {"agent_id": "...", "reply": "..."}; an empty reply removes it.
func (s *Server) agentReplyHTTP(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		AgentID string `json:"agent_id"`
		Reply   string `json:"reply"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if body.AgentID == "" {
		return badRequest("agent_id is required")
	}
	s.SetAgentReply(body.AgentID, body.Reply)
	return ok(w, empty{})
}

// oauthGrantHTTP is AddOAuthGrant for callers that are not Go.
func (s *Server) oauthGrantHTTP(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		OAuthAppSlug  string   `json:"oauth_app_slug"`
		OAuthClientID string   `json:"oauth_client_id"`
		UserID        string   `json:"user_id"`
		Resource      string   `json:"resource"`
		Scopes        []string `json:"scopes"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	id, err := s.AddOAuthGrant(body.OAuthAppSlug, body.OAuthClientID, body.UserID, body.Resource, body.Scopes)
	if err != nil {
		return err
	}
	return ok(w, map[string]string{"id": id})
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
