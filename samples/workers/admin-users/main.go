// Command admin-users is the Cloudflare Workers build of the
// session-authenticated sample (samples/functions.AdminUsers): a signed-in
// user whose session carries user:read gets the first 20 users; without a
// valid session token the Worker answers 401, without the permission 403.
// It answers on any path.
//
// Configuration comes from the Worker's env bindings, read per request:
// WACHT_PUBLISHABLE_KEY (a var in wrangler.jsonc), WACHT_API_KEY (a secret:
// wrangler secret put WACHT_API_KEY), optionally WACHT_BACKEND_API_URL and
// WACHT_JWKS (the deployment's key set, to verify tokens with no subrequest).
//
// Build with make build-workers (GOOS=js GOARCH=wasm, plus the JavaScript
// glue in build/), then deploy from this directory with wrangler deploy.
package main

import (
	"log/slog"
	"os"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/workers"
	"github.com/wacht-platform/serverless-go/samples/functions"
)

func main() {
	kit := workers.New(handler.Options{Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))})
	workers.Serve(kit.Handler(functions.AdminUsers(kit)))
}
