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
//	mux.Handle("GET /admin/users", kit.Protect(handler.Require{Permissions: []string{"user:read"}})(adminUsers))
//	mux.Handle("GET /machine/users", kit.RequireMachine("user:read")(machineUsers))
//	mux.Handle("POST /webhooks/wacht", kit.VerifyWebhook(receiver))
//	http.ListenAndServe("127.0.0.1:8080", kit.Handler(mux))
//
// The safe path is the short one: a protected or machine-checked handler
// finds the backend client with [ClientFrom]; an unprotected handler has to
// ask for it by name with [Kit.UnprotectedClient].
//
// Failures are answered as JSON, {"error": code, "message": text,
// "request_id": id}, with statuses a caller can act on (401, 403, 413, 429,
// 502, 503); secrets never appear in answers or logs.
//
// Everything fails closed. Machine routes answer 503 when the gateway
// cannot be reached. Session routes answer 401 when a token cannot be
// checked, including when Wacht's signing keys cannot be fetched and none
// are cached (cached keys keep verifying through a bounded stale window);
// the log then carries the reason jwks_unavailable, so an outage is told
// apart from bad tokens.
//
// The platform packages (platforms/lambda, platforms/gcf, platforms/netlify)
// only adapt events to *http.Request; the same handler also serves
// http.ListenAndServe for local runs and container platforms.
package handler
