// Command machine-users is the Cloudflare Workers build of the
// machine-to-machine sample (samples/functions.MachineUsers): a caller whose
// API key (x-api-key) or OAuth access token (Bearer) Wacht's gateway allows
// user:read gets the first 20 users; unknown keys get 401, keys without the
// permission 403, rate-limited ones 429. It answers on any path.
//
// Configuration comes from the Worker's env bindings, read per request:
// WACHT_API_KEY (a secret: wrangler secret put WACHT_API_KEY), optionally
// WACHT_BACKEND_API_URL and WACHT_GATEWAY_URL.
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
	workers.Serve(kit.Handler(functions.MachineUsers(kit)))
}
