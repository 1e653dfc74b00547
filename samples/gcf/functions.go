// Package gcfsample deploys the kit's sample functions to Google Cloud
// Functions (Cloud Run functions, 2nd gen). Each function is registered in
// init under its entry-point name, so one upload of this folder serves any of
// them:
//
//	gcloud functions deploy AdminUsers --gen2 --runtime go126 --entry-point AdminUsers --trigger-http
//
// AdminUsers, MachineUsers and WebhookReceiver are the shared HTTP functions
// of samples/functions behind gcf.HTTPFunc; UserUpdates is a Pub/Sub
// function that renames a user (deploy it with --trigger-topic).
//
// Configuration comes from the function's environment on every invocation:
// WACHT_API_KEY, WACHT_PUBLISHABLE_KEY, WACHT_GATEWAY_URL,
// WACHT_WEBHOOK_SECRET (see README.md).
package gcfsample

import (
	"context"
	"log/slog"
	"os"

	// The Go buildpack generates a main package that relies on these init
	// registrations only when this package imports the functions package
	// itself; a vendored deploy must also contain funcframework, which the
	// generated main imports.
	_ "github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/gcf"
	samples "github.com/wacht-platform/serverless-go/samples/functions"
	"github.com/wacht-platform/serverless-go/wacht"
)

// kit is shared by every function of the instance: clients, JWKS and
// gateway connections stay warm between invocations. Nothing is read or
// built until the first one.
var kit = handler.New(handler.Options{Logger: slog.New(gcf.NewLogHandler(os.Stderr, nil))})

func init() {
	functions.HTTP("AdminUsers", gcf.HTTPFunc(kit.Handler(samples.AdminUsers(kit))))
	functions.HTTP("MachineUsers", gcf.HTTPFunc(kit.Handler(samples.MachineUsers(kit))))
	functions.HTTP("WebhookReceiver", gcf.HTTPFunc(kit.Handler(samples.WebhookReceiver(kit))))
	gcf.PubSub("UserUpdates", kit, UserUpdates)
}

// UserChange is the JSON body of a UserUpdates message.
type UserChange struct {
	FirstName *string `json:"first_name,omitempty"`
	LastName  *string `json:"last_name,omitempty"`
}

// UserUpdates applies a UserChange to the user named by the message's
// user_id attribute. Messages without the attribute or with a body that is
// not a UserChange are rejected (400) before the backend is called; Pub/Sub
// keeps redelivering a message whose update failed.
func UserUpdates(ctx context.Context, m *gcf.MessagePublishedData, c *wacht.Client) error {
	userID := m.Message.Attributes["user_id"]
	if userID == "" {
		return &gcf.DecodeError{Field: "message.attributes.user_id", Err: gcf.ErrMissingField}
	}
	var change UserChange
	if err := m.Message.DecodeJSON(&change); err != nil {
		return err
	}
	u, err := c.Users.Update(ctx, userID, wacht.UpdateUserParams{FirstName: change.FirstName, LastName: change.LastName})
	if err != nil {
		return err
	}
	handler.LoggerFromContext(ctx).InfoContext(ctx, "user updated", "user_id", u.ID, "message_id", m.Message.ID)
	return nil
}
