// Package auth checks the requests a function receives, as Wacht's servers
// issue and sign them: session tokens of signed-in users (Verifier, with
// the deployment's key set cached and shared per issuer by KeySets),
// browser sessions exchanged at the frontend API, machine tokens (API keys
// and OAuth access tokens) authorized by Wacht's gateway (Gateway), signed
// webhooks (WebhookVerifier) and auth forwarded between hops of one trust
// boundary (ForwardedAuthSigner). It is apart from the generated backend
// client in package wacht, which it needs only for ConfigError and
// UserAgent; package handler builds HTTP middleware on both.
//
// # Session tokens
//
// A Verifier checks the session tokens Wacht issues to signed-in users. Its
// configuration starts from the deployment's publishable key
// (FrontendAPIURL turns one into the frontend API URL); keys come from the
// deployment's JWKS, fetched lazily and cached. Wacht signs with one ES256
// key and names no kid in the token's header: such a token is tried
// against the published keys that fit its alg (at most four), and a
// failure refetches the key set under the same limit as an unknown kid.
// A browser sends one token with every request until it refreshes it, so
// a Verifier remembers the tokens whose signature checked out (by their
// exact bytes, and only while the key that checked them is still in the
// key set; VerifierConfig.SignatureCacheSize): a repeat skips the
// signature check, never the claims checks.
// The claims arrive as Claims: ids as decimal strings, the permissions of
// the active organization and workspace, and a JWT template's claims in
// Claims.Metadata (Auth.DecodeMetadata decodes them into a struct); the
// issuer is compared as a URL. Verifier.Authenticate turns
// a request into an Auth, which is anonymous rather than an error when the
// token is missing or invalid; Auth.Protect and Auth.Has then check the
// user, organization, workspace and permissions the handler needs. An Auth
// can be forwarded to a downstream handler in the same trust boundary
// (Auth.ForwardedHeaderValue, AuthFromForwardedHeader, ForwardedAuthSigner).
//
// # Browser sessions
//
// Session tokens arrive as "Authorization: Bearer <token>"; that is all the
// JS SDK's authenticateRequest reads, and all a Verifier reads by default.
// The browser's __session cookie is something else: a long-lived session
// JWT that only Wacht's frontend API can turn into a session token. Setting
// VerifierConfig.SessionCookieName turns that exchange on: Authenticate
// sends the cookie to GET <frontend API>/session/token (with the user's IP
// in X-Wacht-Forwarded-For), verifies the token that comes back, and caches
// it until the frontend API's expiry for it (30 s by default), in a bounded
// cache keyed by a hash of the cookie; concurrent requests with one cookie
// share one exchange. On development instances the development session
// (?__dev_session__= or the __dev_session__ cookie) is exchanged the same
// way. AuthenticateWithUpdate also returns what the browser should be sent
// back (a refreshed __session cookie, a new development session).
//
// Cookie sessions are off by default, for three reasons. A cookie is an
// ambient credential, sent along on requests other sites make, so a
// function that accepts it needs cross-site protection a bearer-only
// function does not; turning it on is the function owner's decision. Each
// exchange is a round trip to the frontend API on the request path, which
// rate-limits /session/token per server IP, per server and client IP pair
// and per session. And the frontend API sets the cookie on its own domain,
// so only functions served there receive it at all.
//
// With cookie sessions on, an unsafe request (anything but GET, HEAD and
// OPTIONS) authenticates by cookie only when the browser marks it as coming
// from the function's own origin (Sec-Fetch-Site same-origin or none, or an
// Origin matching the Host for browsers without Sec-Fetch-Site), or from an
// origin listed in VerifierConfig.SessionTrustedOrigins; otherwise the
// request is anonymous with TokenReasonCrossSite. Exchange failures that are
// the platform's (no answer, timeouts, 429, 5xx, malformed answers) leave
// the request anonymous with TokenReasonSessionUnavailable and a
// *SessionExchangeError saying which; a signed-out session gives
// TokenReasonSessionSignedOut. No error, log value or cache key holds the
// cookie. Verifier.ExchangeSession is the uncached exchange itself.
//
// # Machine tokens
//
// Machine callers — API keys and OAuth access tokens — are authorized by
// Wacht's gateway: NewGateway builds a Gateway whose Check answers with a
// Decision (allowed or not, identity, permissions, metadata, rate limits).
// Required permissions are all required: the gateway joins them with AND.
// Denials and rate limits arrive as HTTP 200 with allowed false, an unknown
// credential as 401; the gateway's retry_after is in milliseconds and
// becomes Decision.RetryAfter. The gateway's headers map mixes rate-limit
// headers, meant for the caller, with x-wacht-* identity headers (the key's
// id, name, permissions and metadata), meant only for the service:
// Decision.ApplyHeaders copies the former and Decision.IdentityHeaders
// holds the latter.
//
// # Webhooks
//
// NewWebhookVerifier checks Standard Webhooks signatures on the events Wacht
// delivers and decodes them into WebhookEvent values. Wacht sends a
// delivery's creation time as webhook-timestamp on every retry, and retries
// for up to 7 days, so a timestamp may be DefaultWebhookMaxAge (8 days)
// old; a repeated delivery is recognised by its webhook-id with a
// WebhookIdempotency store (MemoryWebhookIdempotency in one process, or a
// durable store as that interface describes).
//
// Errors from this package never contain a credential: upstream messages
// that echo one are cleaned before they are cut short, and configurations
// print their secrets as wacht.Redacted.
package auth
