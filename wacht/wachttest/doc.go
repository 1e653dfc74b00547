// Package wachttest is an offline Wacht: an in-process emulator of the
// frontend API, the backend (platform) API and the gateway, for tests and
// local runs that cannot reach Wacht.
//
// It is an independent implementation of the server side. It does not use
// the kit's client package, so tests of the client against it are real end
// to end: tokens are signed by a real key and verified against a JWKS
// fetched over HTTP, and backend calls cross a real TCP connection.
//
// # Listeners
//
// NewServer starts three listeners on 127.0.0.1:
//
//   - FrontendURL: GET /.well-known/jwks.json (one ES256 key whose kid is
//     a numeric id, no Cache-Control, as Wacht serves it; ES384 and RS256
//     keys too with Options.Algorithms), GET /session/token, and two
//     dev-only helpers. NewSession signs a user in and returns the session
//     JWT the frontend API keeps in the __session cookie (sess and
//     rotating_token claims, no sub; it is not a session token).
//     /session/token reads it from the cookie or, on the default
//     development instance, from ?__dev_session__=, and answers in the
//     frontend API's envelope {"status","message","data":{"token",
//     "expires"},"session","errors"}: a 30 s token (exp five seconds past
//     "expires"), 400 "No active sign in" for a signed-out or anonymous
//     session (an unknown JWT starts a new anonymous one), 404 for a
//     template other than "default". ExpireSession makes the next exchange
//     refresh the session JWT and send the new one in X-Development-Session,
//     or Set-Cookie with Options.Production. Stats().SessionExchanges
//     counts the exchanges. The per-IP rate limits are not emulated;
//     inject a 429 fault. The dev-only helpers need the backend API key:
//     POST /_wachttest/tokens mints a token and POST /_wachttest/sessions
//     starts a session. They exist only in the emulator and mark their
//     answers with "X-Wachttest-Dev-Only: true".
//   - BackendURL: every operation of the published platform-api.json, with
//     "Authorization: Bearer <APIKey>" required (401 in the spec's error
//     error body otherwise). Every operation of the document has an
//     in-memory implementation (ImplementedOperations lists them): users
//     with emails, phones, passwords and sign-ins, organizations,
//     workspaces, their members, roles and invitations, deployment
//     settings, the waitlist, API-auth apps, rate-limit schemes and keys,
//     webhooks, OAuth, segments, analytics and every AI resource (see "AI"
//     below). A user's sign-ins are the sessions started with
//     NewSession; revoking one ends its /session/token exchanges. An
//     operation missing from the table would answer 501 naming its
//     operation id, never a made-up success.
//   - GatewayURL: POST /v1/authz/check, deciding from the API keys in the
//     backend state as Wacht's gateway does (platform commit 14c45dc78f5a,
//     platform/src/gateway/handlers.rs): unknown or revoked keys are a
//     plain-text 401 "Invalid API key", expired ones a JSON 401; missing
//     required permissions (joined with AND: all must be held) give HTTP
//     200 with allowed false and reason "permission_denied"; the rate-limit
//     rules of the key's or app's scheme (else 1000 a minute per app) and
//     the key's own give HTTP 200 with reason "rate_limited" and
//     retry_after in milliseconds. The headers map carries lower-case
//     x-ratelimit-<window>-limit|remaining|reset and the x-wacht-* identity
//     headers; metadata is the key's own. Unknown body fields are refused
//     (422).
//
// Session tokens are what Wacht's frontend API issues with its default
// template: ES256 with no kid in the header; iss, sub, sid, iat and exp
// (MintToken's default is iat + 35 s) with ids as decimal strings;
// organization, workspace and the nested "permissions" object; "metadata"
// for a template's claims. TokenOptions can add what Wacht never sends
// (a kid, nbf, aud, azp) to test a verifier's other paths.
//
// PublishableKey is "pk_test_" followed by the standard base64 of
// FrontendURL, so code that derives the frontend URL from the publishable
// key finds the emulator.
//
// # Contract
//
// Options.Validate sees every request the backend receives and every
// response it sends, and every JWKS response. The kit's own tests set it to
// validate that traffic against Wacht's published OpenAPI documents with
// the wire audit's corrections applied (internal/contract, which runs
// libopenapi in a separate process so that this package brings no OpenAPI
// library into a user's module). The problems it reports go to
// Options.OnViolation and Violations; New turns each into a test failure,
// so a client that sends a malformed request fails the test that made it.
// Injected faults are deliberate and are not validated.
//
// # Behaviour worth knowing
//
// The backend answers as the server does (the wire audit in
// internal/contract/corrections, checked against the server's source):
// paginated lists take limit and offset and answer {"data","has_more",
// "limit","offset"} with no total (the default limit is the server's: 10
// for users, invitations, the waitlist, organizations and workspaces, 20
// for members, 50 for API-auth and webhook apps, 100 for endpoints); lists
// the server does not paginate answer {"data","has_more":false}; the
// rate-limit schemes list is {"schemes","total"}. Users, invitations and
// the waitlist take sort_key (created_at, username, email, phone_number;
// created_at or email) and sort_order (asc, desc) exactly, anything else
// is a 400; organizations and workspaces fall back to created_at; the
// default order is newest first. Creating or rotating an API key answers
// the key's fields and "secret" at the top level. Ids are decimal
// strings, except a rate-limit scheme's id and deployment_id, which are
// JSON numbers above 2^53 (decode them as int64). Optional ids the server
// skips are absent, not null. Handlers that answer nothing answer {}
// (deleting a rate-limit scheme: 204). A request body missing a key the
// server requires is a 422, malformed JSON a 400, a body without
// Content-Type: application/json a 415, a path id that is not an integer
// a 400, all with the fixed messages of the server's
// normalize_error_responses ("Invalid request payload", "Bad request",
// "Request failed"). Search is a case-insensitive substring match over
// names, emails, usernames and phone numbers. Conflicts (a taken email or
// username, a duplicate membership, role name, slug or pending invitation)
// answer 409. Ids assigned at run time start above 10000, the seed
// fixture's are the Seed* constants. Adding a workspace member requires an
// organization membership first (400 otherwise).
//
// # AI: what is canned and how a test sets it
//
// The AI operations keep their records in memory as the server keeps them
// in its database, with Sonyflake-shaped ids; what the server would ask a
// model, an embedding service, object storage, an MCP server or Composio
// for is canned:
//
//   - Agent runs: POST /ai/actor-project-threads/{id}/run stores the
//     user's message and answers queued; SetAgentReply(agentID, text)
//     makes every run of a thread bound to that agent append text as the
//     agent's steer message. No tool calls, questions or approval
//     requests are ever left pending, so answering or approving on a
//     thread or board item is the server's 400 for "nothing pending".
//   - Knowledge bases: documents are stored as uploaded;
//     SearchKnowledgeBase(kbID, query) stands in for the embedding search
//     with a case-insensitive substring match.
//   - Workspaces of threads and board items are empty (runs write no
//     files): listings are empty and reading a file fails as the server's
//     storage read of a missing object does.
//   - Skills: imported zip bundles are unpacked in memory with the
//     server's checks; the system skills are the server's three slugs
//     (docx-, pdf-, pptx-generation) with a short SKILL.md of the
//     emulator's own.
//   - MCP servers: nothing is probed; discovery applies the server's URL
//     checks and reports that no authorization is required, creating one
//     reports the configured auth; connecting an actor marks it connected
//     at once.
//   - AI settings: the embedding model and the storage bucket are not
//     probed; every other check and message is the server's.
//   - Composio: SetComposioCatalog(toolkits...) is what the emulated
//     Composio offers (empty until set): toolkits with their auth modes,
//     managed schemes and tools. Listings page with a cursor that is the
//     next offset; enabling an app with managed or custom auth creates an
//     auth config "ac_wachttest<n>" named wacht/<deployment>/<slug> (a
//     toolkit outside the catalogue is Composio's refusal); the platform
//     key counts as configured.
//
// # Faults and counters
//
// InjectFault scripts latency, an error status (429 with Retry-After,
// 500, 503, ...) or a dropped connection, per route (an operation id or a
// Route* constant, or a wildcard) and for the next N requests or until
// removed. RotateKeys rotates the signing keys with a grace period. Stats
// counts JWKS fetches, session exchanges, gateway checks, TCP connections
// per listener and requests per route, so tests can assert "one JWKS
// fetch" or "one backend connection".
//
// # Webhooks
//
// DeliverWebhook posts a Standard Webhooks delivery (webhook-id,
// webhook-timestamp, webhook-signature "v1,<base64 HMAC-SHA256>") signed
// with WebhookSecret. The backend's triggerWebhookEvent and
// testWebhookEndpoint operations deliver to registered endpoints the same
// way. Retries behave as Wacht's worker's: RetryWebhook sends the next
// attempt of a delivery that got a 5xx, 408, 429 or no answer, with the
// same webhook-id, body and webhook-timestamp (the creation time, reused
// on every attempt), and RetryWebhooks does so for the triggered
// deliveries waiting for one, without waiting out the delays (30 s, 1 min,
// 5 min, 15 min, then 6 hours, up to 32 attempts over 7 days).
// DeliverWebhookWith can date a delivery's creation in the past, to act out
// a retry days after the event.
//
// The cmd/wacht-emulator binary runs the same emulator on fixed loopback
// ports for local development and non-Go callers.
package wachttest
