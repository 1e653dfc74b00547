// Command sync-background is a Netlify background function (its name ends in
// -background): Netlify answers the caller 202 at once and runs it for up to
// 15 minutes. A machine caller whose API key (x-api-key) Wacht's gateway
// allows user:read starts it; it pages through every user of the
// deployment and logs how many there are. Failures appear in the function
// log only, since the caller already has its 202.
//
// Configuration: WACHT_API_KEY, WACHT_BACKEND_API_URL (optional) and
// WACHT_GATEWAY_URL from the site's environment variables.
package main

import (
	"log/slog"
	"net/http"
	"os"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/netlify"
	"github.com/wacht-platform/serverless-go/samples/functions"
	"github.com/wacht-platform/serverless-go/wacht"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	kit := handler.New(handler.Options{Logger: logger})
	job := kit.RequireMachine(functions.PermissionUserRead)(http.HandlerFunc(syncUsers))
	// Netlify knows it is a background function by its name; WithBackground
	// tells the adapter too, whatever name the runtime reports.
	netlify.Start(kit.Handler(job), netlify.WithBackground(), netlify.WithLogger(logger))
}

// syncUsers walks every page of users; the invocation's deadline (15
// minutes for background functions) bounds it.
func syncUsers(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	client, _ := handler.ClientFromContext(ctx)
	n := 0
	for _, err := range client.Users.All(ctx, wacht.ListUsersParams{}) {
		if err != nil {
			handler.WriteError(w, r, err)
			return
		}
		n++
	}
	handler.LoggerFromContext(ctx).InfoContext(ctx, "users synced", slog.Int("users", n))
	w.WriteHeader(http.StatusNoContent)
}
