package handler

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/wacht"
)

// Handler wraps the whole function: it gives every request an id (the
// platform's when an adapter passed one, otherwise a fresh one) echoed in
// X-Request-Id, a logger carrying that id, a body cap (413 past it), and
// turns panics into a 500 JSON answer that names the request id and logs
// the stack, with the configured keys and the request's credentials
// redacted from both. A panic after the answer has started cannot become a
// 500 any more: it is logged the same way and re-raised as
// http.ErrAbortHandler, so a server drops the connection and a platform
// adapter reports a failed invocation instead of a truncated success.
// The writer the handler sees implements http.Flusher and http.Hijacker
// exactly when the platform's writer does. Put it outermost:
// platform.Start(kit.Handler(mux)).
func (k *Kit) Handler(next http.Handler) http.Handler {
	k.init()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, ok := RequestIDFromContext(ctx)
		if !ok {
			id = newRequestID()
			ctx = WithRequestID(ctx, id)
		}
		attrs, _ := ctx.Value(logAttrsKey{}).([]slog.Attr)
		scope := &requestScope{kit: k, header: r.Header, requestID: id, logAttrs: attrs}
		ctx = &scopeContext{Context: ctx, scope: scope}
		r = r.WithContext(ctx)
		w.Header().Set(requestIDHeader, id)

		tw, inner := wrapWriter(w)
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(p)
			}
			secrets := scope.secrets(ctx)
			scope.logger().LogAttrs(ctx, slog.LevelError, "panic",
				slog.String("panic", redactAll(fmt.Sprint(p), secrets)),
				slog.String("stack", redactAll(string(debug.Stack()), secrets)),
				slog.Bool("answer_started", tw.wrote))
			if tw.wrote {
				// The status line (and maybe part of the body) is gone:
				// a 500 can no longer be sent, and finishing normally
				// would pass a truncated answer off as complete.
				panic(http.ErrAbortHandler)
			}
			k.render(tw, r, http.StatusInternalServerError, ErrorBody{Error: CodeInternal, Message: messageInternal, RequestID: id})
		}()

		if max := k.opts.MaxBodyBytes; max > 0 && r.Body != nil && r.Body != http.NoBody {
			if r.ContentLength > max {
				k.render(tw, r, http.StatusRequestEntityTooLarge, ErrorBody{Error: CodeBodyTooLarge, Message: "request body exceeds " + strconv.FormatInt(max, 10) + " bytes", RequestID: id})
				return
			}
			r.Body = http.MaxBytesReader(tw, r.Body, max)
		}
		next.ServeHTTP(inner, r)
	})
}

// trackingWriter remembers whether an answer has started, so a panic after
// the first byte is not followed by a second status line.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(code int) {
	// Informational answers (103 Early Hints) do not start the real one.
	if code >= 200 {
		t.wrote = true
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Write(p []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the platform's writer.
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

func (t *trackingWriter) flush() {
	// Flushing sends the status line.
	t.wrote = true
	t.ResponseWriter.(http.Flusher).Flush()
}

func (t *trackingWriter) hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := t.ResponseWriter.(http.Hijacker).Hijack()
	if err == nil {
		// The connection is the handler's now: nothing may be written
		// through the writer any more.
		t.wrote = true
	}
	return c, rw, err
}

// The writer handed to the handler must answer type assertions the way the
// platform's writer would: streaming code checks w.(http.Flusher), and a
// wrapper that always claimed Flush would make a buffered platform look
// like a streaming one. One type per combination keeps the method sets
// honest.
type (
	flushWriter       struct{ *trackingWriter }
	hijackWriter      struct{ *trackingWriter }
	flushHijackWriter struct{ *trackingWriter }
)

func (f flushWriter) Flush()       { f.flush() }
func (f flushHijackWriter) Flush() { f.flush() }
func (h hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.hijack()
}
func (h flushHijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.hijack()
}

// wrapWriter returns the tracking writer and the writer to hand on, which
// has the same optional interfaces as w.
func wrapWriter(w http.ResponseWriter) (*trackingWriter, http.ResponseWriter) {
	t := &trackingWriter{ResponseWriter: w}
	_, canFlush := w.(http.Flusher)
	_, canHijack := w.(http.Hijacker)
	switch {
	case canFlush && canHijack:
		return t, flushHijackWriter{t}
	case canFlush:
		return t, flushWriter{t}
	case canHijack:
		return t, hijackWriter{t}
	default:
		return t, t
	}
}

// Authenticate authenticates the request and attaches the result for
// AuthFromContext. It never rejects: a missing or bad credential leaves the
// request anonymous, with the reason kept for the log. Use Protect to
// require a user.
//
// The credential is an Authorization: Bearer session token, or, when
// browser sessions are on (WACHT_SESSION_COOKIE, normally "__session"), the
// session cookie, which Wacht's frontend API exchanges for a session token
// (cached for the token's life; see auth.Verifier.AuthenticateWithUpdate).
// What that exchange asks to change in the browser is set on the response
// before next runs: the frontend API's refreshed __session cookie, and on
// development instances the __dev_session__ cookie the Wacht browser SDK
// reads.
//
// Nested Authenticate and Protect middleware of the same kit verify once.
// A result attached by another kit, or by this kit under another
// configuration (Options.Resolve), is not trusted: the request is verified
// again and the new result replaces it for the handlers inside.
func (k *Kit) Authenticate(next http.Handler) http.Handler {
	k.init()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, r, ok := k.withInstance(w, r)
		if !ok {
			return
		}
		// Reuse an earlier result only when this kit produced it under this
		// configuration: another kit, or this one for another tenant, may
		// trust other keys and issuers, so its Auth proves nothing here.
		if res, ok := r.Context().Value(authKey{}).(*authResult); ok && res.kit == k && res.key == in.key {
			next.ServeHTTP(w, r)
			return
		}
		v, err := in.Verifier()
		if err != nil {
			k.fail(w, r, err)
			return
		}
		a, upd := v.AuthenticateWithUpdate(r)
		applySessionUpdate(w.Header(), upd, time.Now())
		if !a.Authenticated() {
			logAnonymous(r, a.Err())
		}
		res := &authResult{auth: a, kit: k, key: in.key}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), authKey{}, res)))
	})
}

// applySessionUpdate sets on the response what a session exchange asked
// for. The development session cookie is written as the Wacht browser SDK
// writes it (react-sdk jsx/lib/utils/dev-session.ts: URL-encoded, Path=/,
// Secure, SameSite=Lax, readable by scripts because the SDK reads it).
func applySessionUpdate(h http.Header, upd auth.SessionUpdate, now time.Time) {
	for _, c := range upd.SetCookie {
		h.Add("Set-Cookie", c)
	}
	if upd.DevelopmentSession != "" {
		h.Add("Set-Cookie", auth.DevSessionCookie+"="+url.QueryEscape(upd.DevelopmentSession)+"; Path=/; Secure; SameSite=Lax")
		h.Add("Set-Cookie", auth.DevSessionUpdatedAtCookie+"="+strconv.FormatInt(now.UnixMilli(), 10)+"; Path=/; Secure; SameSite=Lax")
	}
}

// logAnonymous records why a request that carried a credential is
// anonymous. Only reasons and statuses are logged, never a credential.
func logAnonymous(r *http.Request, reason error) {
	te, ok := errors.AsType[*auth.TokenError](reason)
	if !ok || te.Reason == auth.TokenReasonMissing {
		return
	}
	ctx := r.Context()
	log := LoggerFromContext(ctx)
	switch te.Reason {
	case auth.TokenReasonCrossSite:
		log.LogAttrs(ctx, slog.LevelInfo, "session cookie refused on a cross-origin request",
			slog.String("reason", string(te.Reason)), slog.String("method", r.Method),
			slog.String("sec_fetch_site", truncateHeader(r.Header.Get("Sec-Fetch-Site"))), slog.String("origin", truncateHeader(r.Header.Get("Origin"))))
	case auth.TokenReasonSessionUnavailable:
		attrs := []slog.Attr{slog.String("reason", string(te.Reason)), slog.String("cause", reason.Error())}
		var se *auth.SessionExchangeError
		if errors.As(reason, &se) {
			attrs = append(attrs, slog.String("failure", string(se.Kind)), slog.Int("frontend_status", se.StatusCode))
			if se.RetryAfter > 0 {
				attrs = append(attrs, slog.Duration("retry_after", se.RetryAfter))
			}
		}
		log.LogAttrs(ctx, slog.LevelWarn, "session exchange failed", attrs...)
	default:
		log.LogAttrs(ctx, slog.LevelInfo, "token rejected", slog.String("reason", reason.Error()))
	}
}

func truncateHeader(v string) string {
	if len(v) > 100 {
		return v[:100] + "..."
	}
	return v
}

// Require is what Protect checks: the same rules as auth.ProtectOptions.
// AnyPermission is any-of (one of them is enough) and AllPermissions is
// all-of (every one must be held), each permission looked up in the
// organization and the workspace set; when both are set, both must hold.
// Machine routes differ: RequireMachine is always all-of, because the
// gateway joins required permissions with AND.
type Require = auth.ProtectOptions

// Protect authenticates the request and lets it through only when the user
// meets req (see Require for any-of and all-of permissions); the handler
// then finds the backend client with ClientFromContext. Otherwise it answers 401
// {"error":"unauthenticated"} or 403 {"error":"forbidden"}; browser
// navigations (GET or HEAD accepting text/html) that fail authentication
// are redirected (303, Cache-Control: no-store) to the configured sign-in
// URL instead, when there is one.
//
// The redirect names the page to come back to in redirect_url only when
// that cannot be turned into an open redirect by a forged Host header: a
// relative sign-in URL gets the request's relative URI; an absolute one
// gets an absolute URL only when the request's origin is the sign-in URL's
// own or listed in WACHT_SESSION_TRUSTED_ORIGINS (compared with scheme and
// host in lower case, default ports dropped), and otherwise no redirect_url
// at all, so the sign-in page uses its default (the log says why).
//
// With browser sessions on, an
// unsafe cross-origin request carrying only the cookie is answered 403, and
// a session cookie that cannot be exchanged because Wacht's frontend API
// fails (down, timing out, 429, 5xx, a malformed answer) 503
// {"error":"unavailable"}, with its Retry-After when it sent one.
func (k *Kit) Protect(req Require) func(http.Handler) http.Handler {
	k.init()
	return func(next http.Handler) http.Handler {
		inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			in := r.Context().Value(instanceKey{}).(*instance)
			opts := req
			if opts.RedirectURL == "" {
				opts.RedirectURL = in.cfg.SignInURL
			}
			a, _ := AuthFromContext(r.Context())
			if !a.Authenticated() {
				// Two ways a browser session fails that are not "sign in":
				// a cross-origin request the cookie may not authorize (403),
				// and a frontend API that could not be asked (503; a 401
				// would sign the user out of a working session).
				switch auth.TokenErrorReason(a.Err()) {
				case auth.TokenReasonCrossSite:
					k.fail(w, r, &statusError{status: http.StatusForbidden, code: CodeForbidden,
						message: "cross-origin request: the session cookie is not accepted on it; send an Authorization: Bearer token"})
					return
				case auth.TokenReasonSessionUnavailable:
					var se *auth.SessionExchangeError
					if errors.As(a.Err(), &se) && se.RetryAfter > 0 {
						w.Header().Set(headerRetryAfter, strconv.Itoa(int((se.RetryAfter+time.Second-1)/time.Second)))
					}
					k.fail(w, r, &statusError{status: http.StatusServiceUnavailable, code: CodeUnavailable,
						message: "the session could not be checked with Wacht; try again later"})
					return
				}
			}
			if err := a.Protect(opts); err != nil {
				if ae, ok := errors.AsType[*auth.AuthError](err); ok && ae.RedirectURL != "" && isBrowserNavigation(r) {
					// The answer depends on the request's credentials and
					// Host: no cache may keep it for anyone else.
					w.Header().Set("Cache-Control", "no-store")
					http.Redirect(w, r, signInRedirect(in, ae.RedirectURL, r), http.StatusSeeOther)
					return
				}
				k.fail(w, r, err)
				return
			}
			client, err := in.Client()
			if err != nil {
				k.fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, client)))
		})
		return k.Authenticate(inner)
	}
}

func isBrowserNavigation(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// signInRedirect returns the sign-in URL with a redirect_url naming the
// request, when naming it is safe. The Host header is the caller's to
// choose (on Lambda it comes straight from the event), so an absolute
// redirect_url built from it would let anyone send a user, after signing
// in, to a site of theirs. A relative sign-in URL gets the request's
// relative URI, which cannot leave the site. An absolute one gets an
// absolute redirect_url only when the request's origin is the sign-in
// URL's own or one of the configured trusted origins; otherwise the
// parameter is left out and the sign-in page uses its default.
func signInRedirect(in *instance, signIn string, r *http.Request) string {
	u, err := url.Parse(signIn)
	if err != nil {
		return signIn
	}
	var back string
	if u.Host == "" {
		back = r.URL.RequestURI()
	} else {
		scheme := "https"
		if r.TLS == nil && (strings.HasPrefix(r.Host, "127.0.0.1") || strings.HasPrefix(r.Host, "localhost")) {
			scheme = "http"
		}
		origin, ok := normalOrigin(scheme + "://" + r.Host)
		if !ok || !trustedRedirectOrigin(origin, u, in.cfg.Verifier.SessionTrustedOrigins) {
			ctx := r.Context()
			LoggerFromContext(ctx).LogAttrs(ctx, slog.LevelInfo, "sign-in redirect without redirect_url: the request's origin is neither the sign-in URL's nor in "+EnvSessionTrustedOrigins,
				slog.String("host", truncateHeader(r.Host)))
			return signIn
		}
		back = origin + r.URL.RequestURI()
	}
	q := u.Query()
	q.Set("redirect_url", back)
	u.RawQuery = q.Encode()
	return u.String()
}

// trustedRedirectOrigin reports whether origin (normalised) is signIn's
// origin or one of trusted.
func trustedRedirectOrigin(origin string, signIn *url.URL, trusted []string) bool {
	if o, ok := normalOrigin(signIn.Scheme + "://" + signIn.Host); ok && o == origin {
		return true
	}
	for _, t := range trusted {
		if o, ok := normalOrigin(t); ok && o == origin {
			return true
		}
	}
	return false
}

// normalOrigin returns s as scheme://host[:port] with scheme and host in
// lower case and a default port dropped, or false when s is not an origin
// (a path, query, fragment or user info included, or no host).
func normalOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	if port := u.Port(); port != "" && !(scheme == "https" && port == "443") && !(scheme == "http" && port == "80") {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 literal keeps its brackets
	}
	return scheme + "://" + host, true
}

// RequireMachine checks a machine token (an API key in x-api-key, or an
// OAuth access token as Bearer) with Wacht's gateway, requiring all of
// permissions. Machine checks are all-of, unlike Require's AnyPermission:
// the gateway joins required permissions with AND
// (platform/src/gateway/handlers.rs:451-463 at platform commit
// 14c45dc78f5a), so a key must hold every one. With no permissions, any
// valid key passes (rate limits still apply). Allowed requests reach next
// with the decision (PrincipalFromContext: identity, permissions, metadata and the
// parsed x-wacht-* identity headers) and the backend client (ClientFromContext).
//
// Invalid keys get 401, denied requests 403 with the gateway's request id,
// rate-limited ones 429 with Retry-After in seconds. Of the gateway's
// headers only the rate-limit ones (x-ratelimit-*) are copied onto the
// answer; its identity headers (key id, name, permissions, metadata) stay
// on the decision and never reach the caller. If the gateway cannot be
// reached the request fails closed with 503.
//
// It panics, as http.ServeMux.Handle does for a bad pattern, when a
// permission is empty or holds white space, a comma or a parenthesis,
// which the gateway would read as part of an AND/OR expression
// (auth.ValidateRequiredPermissions).
func (k *Kit) RequireMachine(permissions ...string) func(http.Handler) http.Handler {
	k.init()
	perms := append([]string(nil), permissions...)
	if err := auth.ValidateRequiredPermissions(perms); err != nil {
		panic("handler: RequireMachine: " + err.Error())
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			in, r, ok := k.withInstance(w, r)
			if !ok {
				return
			}
			check, found := auth.CheckRequestFromHTTP(r, perms...)
			if !found {
				k.fail(w, r, &statusError{status: http.StatusUnauthorized, code: CodeUnauthenticated, message: "a machine token is required (x-api-key header or Authorization: Bearer)"})
				return
			}
			gw, err := in.Gateway()
			if err != nil {
				k.fail(w, r, err)
				return
			}
			decision, err := gw.Check(r.Context(), check)
			if err != nil {
				k.fail(w, r, err)
				return
			}
			decision.ApplyHeaders(w.Header())
			if !decision.Allowed {
				k.failDecision(w, r, decision)
				return
			}
			client, err := in.Client()
			if err != nil {
				k.fail(w, r, err)
				return
			}
			ctx := context.WithValue(r.Context(), principalKey{}, decision)
			ctx = context.WithValue(ctx, clientKey{}, client)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// failDecision answers a denied machine request. Only the status, the
// kit's own message, the gateway's request id and (through ApplyHeaders,
// already called) the rate-limit headers reach the caller.
func (k *Kit) failDecision(w http.ResponseWriter, r *http.Request, d *auth.Decision) {
	body := ErrorBody{RequestID: d.RequestID}
	if body.RequestID == "" {
		body.RequestID, _ = RequestIDFromContext(r.Context())
	}
	status := http.StatusForbidden
	body.Error, body.Message = CodeForbidden, "the machine token may not do this"
	switch d.Reason {
	case auth.DenyInvalidPrincipal:
		status = http.StatusUnauthorized
		body.Error, body.Message = CodeUnauthenticated, "the machine token is not valid"
	case auth.DenyRateLimited:
		status = http.StatusTooManyRequests
		body.Error, body.Message = CodeRateLimited, "rate limit reached; retry later"
		if d.RetryAfter > 0 {
			w.Header().Set(headerRetryAfter, strconv.Itoa(int((d.RetryAfter+time.Second-1)/time.Second)))
		}
	}
	LoggerFromContext(r.Context()).LogAttrs(r.Context(), slog.LevelInfo, "machine token denied",
		slog.Int("status", status), slog.String("reason", d.Reason), slog.String("blocked_rule", d.BlockedRule),
		slog.String("gateway_request_id", d.RequestID))
	k.render(w, r, status, body)
}

// defaultWebhookLease is how long a delivery being processed stays claimed
// when the request's context has no deadline. A claim ends earlier when
// the handler returns; the lease only matters when the process dies
// mid-delivery.
const defaultWebhookLease = 5 * time.Minute

// webhookSettleTimeout bounds recording a delivery's outcome, which runs
// after the handler has answered and must not be cut short by the caller
// hanging up.
const webhookSettleTimeout = 10 * time.Second

// VerifyWebhook lets through only Standard Webhooks deliveries signed with
// the configured secret (WACHT_WEBHOOK_SECRET) whose webhook-timestamp is
// at most 8 days old (Wacht reuses a delivery's creation time on every
// retry and retries for up to 7 days; see auth.DefaultWebhookMaxAge) and
// at most 5 minutes ahead, attaching the event for WebhookEventFromContext. The
// body is put back, so the handler can still read it. Bad deliveries get
// 400 (malformed), 401 (signature or timestamp) or 413 (too large); Wacht
// does not retry those.
//
// Repeats are caught by webhook-id with Options.WebhookIdempotency (an
// in-memory store per Kit by default), claim on receipt, mark on success:
//
//   - A delivery already processed reaches the handler with
//     WebhookEvent.Duplicate set: answer 2xx without acting on it again.
//   - A delivery whose earlier attempt is still being processed is
//     answered 503 without reaching the handler, so Wacht retries it later.
//   - Otherwise the handler processes it. If it answers 2xx the id is
//     remembered as processed (until the timestamp leaves the 8-day
//     window); if it answers anything else, or panics, the id is forgotten,
//     so Wacht's retry (after a 5xx, 408 or 429) is processed afresh.
//
// If the store fails, the delivery is answered 503 unprocessed, and Wacht
// retries it.
func (k *Kit) VerifyWebhook(next http.Handler) http.Handler {
	k.init()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, r, ok := k.withInstance(w, r)
		if !ok {
			return
		}
		wv, err := in.Webhook()
		if err != nil {
			k.fail(w, r, err)
			return
		}
		event, err := wv.VerifyRequest(r)
		if err != nil {
			k.fail(w, r, err)
			return
		}
		ctx := r.Context()
		log := LoggerFromContext(ctx)
		store := k.opts.WebhookIdempotency
		lease := time.Now().Add(defaultWebhookLease)
		if dl, ok := ctx.Deadline(); ok && dl.After(lease) {
			lease = dl
		}
		claim, err := store.Claim(ctx, event.ID, lease)
		if err != nil {
			log.LogAttrs(ctx, slog.LevelError, "webhook idempotency store failed", slog.String("webhook_id", event.ID), slog.String("cause", err.Error()))
			k.fail(w, r, &statusError{status: http.StatusServiceUnavailable, code: CodeUnavailable, message: "the delivery could not be recorded; retry later"})
			return
		}
		switch claim {
		case auth.WebhookProcessed:
			log.LogAttrs(ctx, slog.LevelInfo, "webhook duplicate", slog.String("webhook_id", event.ID), slog.String("event_type", event.Type))
			event.Duplicate = true
			next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, webhookKey{}, event)))
			return
		case auth.WebhookInProgress:
			log.LogAttrs(ctx, slog.LevelInfo, "webhook in progress elsewhere", slog.String("webhook_id", event.ID))
			k.fail(w, r, &statusError{status: http.StatusServiceUnavailable, code: CodeUnavailable, message: "this delivery is being processed by an earlier attempt; retry later"})
			return
		case auth.WebhookClaimed:
		default:
			log.LogAttrs(ctx, slog.LevelError, "webhook idempotency store answered an unknown claim", slog.String("claim", claim.String()))
			k.fail(w, r, &statusError{status: http.StatusServiceUnavailable, code: CodeUnavailable, message: "the delivery could not be recorded; retry later"})
			return
		}

		sw := &statusWriter{ResponseWriter: w}
		settle := func(processed bool) {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), webhookSettleTimeout)
			defer cancel()
			if err := store.Settle(sctx, event.ID, processed, wv.ReplayWindowEnd(event.Timestamp)); err != nil {
				log.LogAttrs(ctx, slog.LevelError, "webhook idempotency store failed to settle", slog.String("webhook_id", event.ID),
					slog.Bool("processed", processed), slog.String("cause", err.Error()))
			}
		}
		finished := false
		defer func() {
			if !finished { // the handler panicked: let Wacht's retry process the delivery
				settle(false)
			}
		}()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(ctx, webhookKey{}, event)))
		finished = true
		settle(sw.succeeded())
	})
}

// statusWriter records the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 && code >= 200 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the platform's writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// succeeded reports a 2xx answer; a handler that wrote nothing answers 200.
func (s *statusWriter) succeeded() bool {
	return s.status == 0 || (s.status >= 200 && s.status < 300)
}

// UnprotectedClient returns the backend client for r's configuration
// without any permission check. Its name is the warning: call it only in
// handlers whose caller needs no checking (a scheduled job, an already
// verified webhook), and prefer Protect or RequireMachine with ClientFromContext.
func (k *Kit) UnprotectedClient(r *http.Request) (*wacht.Client, error) {
	in, err := k.instanceFor(r)
	if err != nil {
		return nil, err
	}
	return in.Client()
}

// Verifier returns the token verifier for r's configuration, for code that
// needs wacht's lower-level helpers (session exchange, Verify).
func (k *Kit) Verifier(r *http.Request) (*auth.Verifier, error) {
	in, err := k.instanceFor(r)
	if err != nil {
		return nil, err
	}
	return in.Verifier()
}

func (k *Kit) fail(w http.ResponseWriter, r *http.Request, err error) {
	k.init()
	if scopeFrom(r.Context()) == nil {
		// Middleware used without Kit.Handler: the log still gets this
		// kit's keys and the request's credentials redacted, and goes to
		// the context's logger (EventContext's) or else the kit's.
		scope := &requestScope{kit: k, header: r.Header}
		log, ok := r.Context().Value(loggerKey{}).(*slog.Logger)
		if !ok || log == nil {
			log = k.log
		}
		scope.log.Store(log)
		r = r.WithContext(&scopeContext{Context: r.Context(), scope: scope})
	}
	WriteError(w, r, err)
}
