// Package wacht is the Go SDK for Wacht: a typed client for Wacht's backend
// (platform) API, and server-side authentication for the requests your
// functions receive — session tokens, machine tokens checked by the gateway,
// and webhooks. It knows nothing of any serverless platform; the handler and
// platforms packages build on it.
//
// # Backend API client
//
// NewClient builds a Client from a Config; NewClientFromEnv builds one from
// an environment lookup function (os.LookupEnv, or a platform's own source)
// reading WACHT_API_KEY and, optionally, WACHT_BACKEND_API_URL. Build one
// Client per configuration and reuse it across invocations of a warm
// instance: it is safe for concurrent use and keeps one *http.Client, so
// calls share keep-alive connections. Constructing it makes no network call.
//
//	c, err := wacht.NewClientFromEnv(os.LookupEnv)
//	if err != nil {
//		return err // names WACHT_API_KEY when the key is missing
//	}
//	page, err := c.Users.List(ctx, wacht.ListUsersParams{Limit: 20})
//
// Resource groups mirror the JavaScript SDK, Go-shaped: c.Users,
// c.Organizations, c.Workspaces, c.Invitations, c.Waitlist, c.Deployment,
// c.JWTTemplates, c.Settings, c.Segments, c.Analytics, c.APIAuth, c.OAuth,
// c.Sessions, c.Webhooks and c.Notifications. Together they cover every
// operation of the platform API outside its AI tag. Every method takes a
// context first and typed parameters, escapes path segments, and returns
// typed results decoded from the API's JSON. The resource methods and model
// types are generated from Wacht's OpenAPI document by internal/gen (run
// go generate); create and update calls that carry images are sent as
// multipart/form-data, with metadata fields encoded as JSON strings.
// Optional request fields are pointers; Ptr makes one from a literal.
//
// Lists are bounded: Limit must be between 1 and MaxPageSize (0 means
// DefaultPageSize) and Offset must not be negative; anything else is an
// error wrapping ErrInvalidParams, returned before a request is sent. Each
// offset-paginated list has an iterator (c.Users.All,
// c.Organizations.AllMembers, ...) that fetches pages lazily as a range loop
// asks for more; the audit log iterates by cursor (c.APIAuth.AllAuditLogs).
//
// When the API answers with an error status, methods return an *APIError
// carrying the status, error code, messages and request id; IsNotFound,
// IsUnauthorized, IsForbidden, IsConflict, IsRateLimited, IsValidation and
// IsServerError classify it. Failures without an answer (network, deadline,
// undecodable body) are *RequestError values that wrap the cause.
//
// Idempotent requests (GET, HEAD, PUT, DELETE) are retried after 429, 502,
// 503, 504 and reset connections, with capped exponential backoff and
// jitter, honouring Retry-After, a bounded number of times, and never
// sleeping past the context's deadline. POST and PATCH are never retried.
// Config.DisableRetries turns retries off.
//
// The API key is a server-side secret. It never appears in errors or log
// records, and Config and Client redact it when printed with any fmt verb,
// logged with slog, or encoded as JSON.
//
// # Authenticating requests
//
// A Verifier checks the session tokens Wacht issues to signed-in users. Its
// configuration starts from the deployment's publishable key
// (FrontendAPIURL turns one into the frontend API URL); keys come from the
// deployment's JWKS, fetched lazily and cached. Wacht signs with one ES256
// key and names no kid in the token's header: such a token is tried
// against the published keys that fit its alg (at most four), and a
// failure refetches the key set under the same limit as an unknown kid.
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
// Machine callers — API keys and OAuth access tokens — are authorized by
// Wacht's gateway: NewGateway builds a Gateway whose Check answers with a
// Decision (allowed or not, identity, permissions, rate limits).
//
// NewWebhookVerifier checks Standard Webhooks signatures on the events Wacht
// delivers and decodes them into WebhookEvent values.
//
// The wachttest package runs an offline emulator of Wacht's frontend,
// backend and gateway for tests and local development.
package wacht
