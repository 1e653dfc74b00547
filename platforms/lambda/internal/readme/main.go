// Command readme is the function the README's first snippet shows, built
// as a Lambda bootstrap by the platforms/lambda end-to-end tests: they check
// under the Runtime Interface Emulator that it serves what the README says
// and logs with the Lambda request id, with no option for it.
package main

import (
	"net/http"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/lambda"
	"github.com/wacht-platform/serverless-go/wacht"
)

func main() {
	kit := handler.New(handler.Options{}) // reads WACHT_* from the environment on each invocation

	mux := http.NewServeMux()
	mux.Handle("GET /admin/users", kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			client, _ := handler.ClientFromContext(r.Context()) // always there behind Protect
			page, err := client.Users.List(r.Context(), wacht.ListUsersParams{Limit: 20})
			if err != nil {
				handler.WriteError(w, r, err)
				return
			}
			handler.WriteJSON(w, http.StatusOK, page.Data)
		})))

	lambda.Start(kit.Handler(mux))
}
