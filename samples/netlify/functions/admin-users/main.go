// Command admin-users is the Netlify Go function of the session-authenticated
// sample (samples/functions.AdminUsers): a signed-in user whose session
// carries user:read gets the first 20 users. It answers on any path under
// /.netlify/functions/admin-users.
//
// Configuration comes from the site's environment variables:
// WACHT_API_KEY, WACHT_BACKEND_API_URL (optional) and WACHT_PUBLISHABLE_KEY.
package main

import (
	"log/slog"
	"os"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/netlify"
	"github.com/wacht-platform/serverless-go/samples/functions"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	kit := handler.New(handler.Options{Logger: logger})
	netlify.Start(kit.Handler(functions.AdminUsers(kit)), netlify.WithLogger(logger))
}
