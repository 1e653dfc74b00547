// Package handler is the runtime-agnostic half of the kit: it turns a plain
// net/http handler into a Wacht-aware function that behaves the same on
// every platform.
//
// A [Kit] resolves the configuration of each invocation from the
// platform's environment (or from a hook of yours, for multi-tenant
// functions), builds the backend client, token verifier, gateway client and
// webhook verifier for that configuration once per warm instance, and hands
// them to your handler through the request context:
//
//	kit := handler.New(handler.Options{})
//	mux := http.NewServeMux()
//	mux.Handle("GET /admin/users", kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})(adminUsers))
//	mux.Handle("GET /machine/users", kit.RequireMachine("user:read")(machineUsers))
//	mux.Handle("POST /webhooks/wacht", kit.VerifyWebhook(receiver))
//	http.ListenAndServe("127.0.0.1:8080", kit.Handler(mux))
//
// The safe path is the short one: a protected or machine-checked handler
// finds the backend client with [ClientFromContext]; an unprotected handler
// has to ask for it by name with [Kit.UnprotectedClient].
//
// Failures are answered as JSON, {"error": code, "message": text,
// "request_id": id}, with statuses a caller can act on (401, 403, 413, 429,
// 502, 503); secrets never appear in answers or logs.
//
// Session routes name their rule: [Require] AnyPermission is enough with
// one of the permissions, AllPermissions needs every one. Machine routes
// require all of the listed permissions, as the gateway does; only the gateway's rate-limit headers reach the caller, while the
// key's identity headers stay on [PrincipalFromContext]'s decision. Webhook
// routes accept Wacht's retries for the whole 7-day retry span and hand
// repeated deliveries to the handler marked Duplicate ([Kit.VerifyWebhook]).
//
// Everything fails closed. Machine routes answer 503 when the gateway
// cannot be reached. Session routes answer 401 when a token cannot be
// checked, including when Wacht's signing keys cannot be fetched and none
// are cached (cached keys keep verifying through a bounded stale window);
// the log then carries the reason jwks_unavailable, so an outage is told
// apart from bad tokens.
//
// # Browser sessions
//
// Protect and Authenticate read session tokens from "Authorization: Bearer"
// only, unless WACHT_SESSION_COOKIE names the session cookie (normally
// "__session"). Then a request without a bearer token is authenticated by
// its cookie, which Wacht's frontend API exchanges for a session token; the
// token is cached for its lifetime, so a browser costs one exchange per 30
// seconds per warm instance, and what the exchange asks to change in the
// browser (a refreshed __session cookie, the development session cookie) is
// set on the answer. It is off by default because a cookie rides along on
// requests other sites make, and because the exchange is a rate-limited
// round trip on the request path (see the wacht package's documentation).
// With it on, unsafe requests (POST, PUT, PATCH, DELETE, ...) that the
// browser marks as cross-origin are answered 403 when they carry only the
// cookie (WACHT_SESSION_TRUSTED_ORIGINS lists origins allowed anyway), and
// when the frontend API cannot be asked (down, timing out, 429, 5xx, a
// malformed answer) Protect answers 503 with the frontend API's Retry-After
// and logs the reason, never the cookie.
//
// The platform packages (platforms/lambda, platforms/gcf, platforms/netlify)
// only adapt events to *http.Request; the same handler also serves
// http.ListenAndServe for local runs and container platforms.
package handler
