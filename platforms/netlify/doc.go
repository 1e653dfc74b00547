// Package netlify runs a plain net/http handler as a Netlify Go function.
//
//	func main() {
//		kit := handler.New(handler.Options{})
//		netlify.Start(kit.Handler(mux))
//	}
//
// Netlify runs Go functions as Lambda-style binaries (a bootstrap built for
// linux/amd64) and invokes them with API Gateway v1-shaped events plus a
// few fields of its own. The conversion of that shape (method, headers,
// multi-value query and headers, base64 bodies, the response encoding,
// panics answered 500) is platforms/lambda's, shared, not copied; this
// package adds Netlify's parts on top.
//
// # Paths and rewrites
//
// The handler sees the path the client requested, taken from the event's
// rawUrl (its path field when rawUrl is absent), so:
//
//   - a direct call to /.netlify/functions/<name>/users reaches the handler as
//     /users: the functions prefix is removed on a segment boundary
//     (WithKeepFunctionsPrefix keeps it);
//   - a redirect rewrite in netlify.toml, for example
//     from = "/api/*", to = "/.netlify/functions/api/:splat", status = 200,
//     reaches it with the original path /api/users, as Netlify delivers it.
//     WithBasePath("/api") removes that prefix too, so both ways in reach
//     the same /users route.
//
// The query string is the event's rawQuery, exactly as the client sent it
// (multi-value parameters keep their order); without rawQuery, the
// multi-value parameters are re-encoded by platforms/lambda.
//
// # Client address and request id: the trust assumption
//
// Request.RemoteAddr is "ip:0" from the x-nf-client-connection-ip header,
// else client-ip. Netlify's edge sets both on every request it forwards to a
// function, replacing whatever the client sent, and a deployed function is
// reachable only through that edge, so the headers can be trusted there (the
// Netlify CLI sets them the same way locally). Code that invokes the
// function by other means must set or strip them itself. The request id is
// Netlify's x-nf-request-id (the id Netlify shows in its response headers and
// logs) under the same assumption, else the Lambda request id; it is
// recorded with handler.WithRequestID, with no option needed, so the kit's
// logs, X-Request-Id and JSON errors carry it. RequestID reads it back, as
// does handler.RequestIDFromContext.
//
// # Netlify's context
//
// EventFromContext returns the function name, rawUrl, rawQuery and route;
// lambda.EventFromContext(ctx) the whole event (APIGatewayV1), and
// lambda.LambdaContext(ctx) the Lambda metadata. The ClientContext method of
// the Netlify event decodes Netlify's client context (the base64 JSON in the
// Lambda client context's custom "netlify" member, or where the Netlify CLI
// puts it locally): the Identity instance (URL and admin token), the
// Identity user's claims and the site URL.
//
// # Background functions
//
// A function whose name ends in "-background" (or one started with
// WithBackground) is a background function: Netlify answers the caller 202
// itself, then runs the function for up to 15 minutes. The handler runs to
// completion under the invocation's own deadline (the adapter adds none), its
// response is discarded and Invoke returns 202 with an empty body, the same
// answer the caller gets, so a local invocation behaves alike; a 5xx status
// is logged, since nobody else sees it. IsBackground reports the mode.
//
// # Configuration
//
// Netlify passes the site's environment variables to functions as process
// environment, which the kit's handler.New(handler.Options{}) reads on each
// invocation (WACHT_API_KEY, WACHT_PUBLISHABLE_KEY, ...); pass
// handler.Options{Env: lookup} to supply them explicitly. Either way the
// clients are built once per configuration and reused while the instance is
// warm.
//
// # Building, running locally and deploying
//
// Build each function as a prebuilt Go function (scripts/build-netlify.sh;
// make build-netlify):
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -tags lambda.norpc -trimpath \
//		-ldflags "-s -w" -o <functions dir>/<name> ./path/to/<name>
//
// The Netlify CLI (netlify functions:serve, netlify dev) builds and runs
// function folders holding main.go and their own go.mod from source; see
// samples/netlify. Deploys go through Netlify's API with the separate module
// platforms/netlify/deploy, so functions and kit users never link its
// dependencies.
//
// Known difference under the Netlify CLI (27.x): its Go runtime drops
// isBase64Encoded from the function's response, so a binary body reaches
// the local client base64-encoded; deployed functions return the bytes.
package netlify
