package gcf_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/gcf"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// Registering an HTTP function in the deployed package's init: the kit's
// handler, protected by a permission, behind the Functions Framework.
// Deploy with gcloud functions deploy AdminUsers --gen2 --runtime go126
// --entry-point AdminUsers --trigger-http; run locally with
// FUNCTION_TARGET=AdminUsers and funcframework.StartHostPort.
func ExampleHTTP() {
	kit := handler.New(handler.Options{Logger: slog.New(gcf.NewLogHandler(os.Stderr, nil))})
	users := kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client, _ := handler.ClientFromContext(r.Context())
		page, err := client.Users.List(r.Context(), wacht.ListUsersParams{Limit: 20})
		if err != nil {
			handler.WriteError(w, r, err)
			return
		}
		handler.WriteJSON(w, http.StatusOK, page.Data)
	}))
	gcf.HTTP("AdminUsers", kit.Handler(users))
}

// HTTPFunc is what HTTP registers; calling functions.HTTP with it directly
// also gives the deployed package the import the Go buildpack looks for.
// The platform's execution id becomes the request id.
func ExampleHTTPFunc() {
	kit := handler.New(handler.Options{})
	fn := gcf.HTTPFunc(kit.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := handler.RequestIDFromContext(r.Context())
		fmt.Fprintln(w, "request", id)
	})))
	// In the deployed package: func init() { functions.HTTP("Hello", fn) }

	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Function-Execution-Id", "k9x2m4q7")
	rec := httptest.NewRecorder()
	fn(rec, req)
	fmt.Print(rec.Body.String())
	fmt.Println("X-Request-Id:", rec.Header().Get("X-Request-Id"))
	// Output:
	// request k9x2m4q7
	// X-Request-Id: k9x2m4q7
}

// A Pub/Sub job that updates a user: the message names the user in an
// attribute and carries the change as JSON. Deploy with --trigger-topic.
func ExamplePubSub() {
	kit := handler.New(handler.Options{})
	gcf.PubSub("UserUpdates", kit, func(ctx context.Context, m *gcf.MessagePublishedData, c *wacht.Client) error {
		var change struct {
			FirstName string `json:"first_name"`
		}
		if err := m.Message.DecodeJSON(&change); err != nil {
			return err // a *DecodeError: answered 400
		}
		_, err := c.Users.Update(ctx, m.Message.Attributes["user_id"], wacht.UpdateUserParams{FirstName: &change.FirstName})
		return err
	})
}

// PubSubHandler run against the offline emulator: a good message updates
// the user, a malformed one is rejected before the function runs.
func ExamplePubSubHandler() {
	emu, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	env := map[string]string{handler.EnvAPIKey: emu.APIKey, handler.EnvBackendAPIURL: emu.BackendURL}
	kit := handler.New(handler.Options{
		Env:    func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Logger: slog.New(slog.DiscardHandler),
	})
	fn := gcf.PubSubHandler(kit, func(ctx context.Context, m *gcf.MessagePublishedData, c *wacht.Client) error {
		name := string(m.Message.Data)
		u, err := c.Users.Update(ctx, m.Message.Attributes["user_id"], wacht.UpdateUserParams{FirstName: &name})
		if err != nil {
			return err
		}
		fmt.Println("renamed", u.ID, "to", u.FirstName)
		return nil
	})

	good, _ := json.Marshal(gcf.MessagePublishedData{Message: gcf.PubSubMessage{
		ID: "1", Data: []byte("Augusta"), Attributes: map[string]string{"user_id": wachttest.SeedUserID},
	}})
	fmt.Println("error:", fn(context.Background(), pubsubCloudEvent("1", good)))

	err = fn(context.Background(), pubsubCloudEvent("2", []byte(`{"message":{"messageId":"2","data":"%%"}}`)))
	var de *gcf.DecodeError
	fmt.Println(errors.As(err, &de), de.Field)
	// Output:
	// renamed 1001 to Augusta
	// error: <nil>
	// true message.data
}

func pubsubCloudEvent(id string, data []byte) cloudevents.Event {
	e := cloudevents.NewEvent()
	e.SetID(id)
	e.SetSource("//pubsub.googleapis.com/projects/my-project/topics/user-updates")
	e.SetType(gcf.TypePubSubPublished)
	_ = e.SetData(cloudevents.ApplicationJSON, json.RawMessage(data))
	return e
}

// A CloudEvent function for any event source; the backend client comes
// from the same warm cache as the kit's HTTP middleware.
func ExampleCloudEventHandler() {
	emu, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	env := map[string]string{handler.EnvAPIKey: emu.APIKey, handler.EnvBackendAPIURL: emu.BackendURL}
	kit := handler.New(handler.Options{
		Env:    func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Logger: slog.New(slog.DiscardHandler),
	})
	fn := gcf.CloudEventHandler(kit, func(ctx context.Context, e cloudevents.Event, c *wacht.Client) error {
		var job struct {
			UserID string `json:"user_id"`
		}
		if err := e.DataAs(&job); err != nil || job.UserID == "" {
			return &gcf.DecodeError{Field: "user_id", Err: gcf.ErrMissingField}
		}
		u, err := c.Users.Get(ctx, job.UserID)
		if err != nil {
			return err
		}
		id, _ := handler.RequestIDFromContext(ctx)
		fmt.Println(id, u.FirstName)
		return nil
	})

	e := cloudevents.NewEvent()
	e.SetID("job-42")
	e.SetSource("//cloudscheduler.googleapis.com/projects/p/locations/l/jobs/audit")
	e.SetType("com.example.user.audit")
	_ = e.SetData(cloudevents.ApplicationJSON, map[string]string{"user_id": wachttest.SeedUserID})
	fmt.Println("error:", fn(context.Background(), e))
	// Output:
	// job-42 Ada
	// error: <nil>
}

// A Cloud Storage function: the decoded object, and the change from the
// event's type.
func ExampleStorageHandler() {
	kit := handler.New(handler.Options{
		Env:    func(k string) (string, bool) { return "sk_test_example", k == handler.EnvAPIKey },
		Logger: slog.New(slog.DiscardHandler),
	})
	fn := gcf.StorageHandler(kit, func(ctx context.Context, o *gcf.StorageObjectData, _ *wacht.Client) error {
		e, _ := gcf.EventFromContext(ctx)
		fmt.Println(e.Type() == gcf.TypeStorageFinalized, o.Bucket, o.Name, o.Size, o.ContentType)
		return nil
	})
	e := cloudevents.NewEvent()
	e.SetID("8136")
	e.SetSource("//storage.googleapis.com/projects/_/buckets/uploads")
	e.SetType(gcf.TypeStorageFinalized)
	_ = e.SetData(cloudevents.ApplicationJSON, json.RawMessage(`{"bucket":"uploads","name":"avatars/ada.png","size":"2048","contentType":"image/png"}`))
	_ = fn(context.Background(), e)
	// Output: true uploads avatars/ada.png 2048 image/png
}

func ExampleDecodePubSub() {
	e := cloudevents.NewEvent()
	e.SetID("5")
	e.SetSource("//pubsub.googleapis.com/projects/p/topics/t")
	e.SetType(gcf.TypePubSubPublished)
	_ = e.SetData(cloudevents.ApplicationJSON, json.RawMessage(`{"message":{"data":"aGVsbG8=","attributes":{"k":"v"},"messageId":"5","publishTime":"2026-11-26T12:00:00Z"},"subscription":"projects/p/subscriptions/s"}`))
	m, err := gcf.DecodePubSub(e)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(m.Message.Data), m.Message.Attributes["k"], m.Message.ID, m.Message.PublishTime.Year(), m.Subscription)
	// Output: hello v 5 2026 projects/p/subscriptions/s
}

func ExampleDecodeStorage() {
	e := cloudevents.NewEvent()
	e.SetID("6")
	e.SetSource("//storage.googleapis.com/projects/_/buckets/b")
	e.SetType(gcf.TypeStorageDeleted)
	_ = e.SetData(cloudevents.ApplicationJSON, json.RawMessage(`{"bucket":"b","name":"a.txt","generation":"1700000000000001","size":"12","timeDeleted":"2026-11-26T12:00:00Z"}`))
	o, err := gcf.DecodeStorage(e)
	if err != nil {
		panic(err)
	}
	fmt.Println(o.Bucket, o.Name, o.Generation, o.Size, !o.TimeDeleted.IsZero())
	// Output: b a.txt 1700000000000001 12 true
}

// A *DecodeError names the event, the field and the cause.
func ExampleDecodeError() {
	e := cloudevents.NewEvent()
	e.SetID("7")
	e.SetSource("//storage.googleapis.com/projects/_/buckets/b")
	e.SetType(gcf.TypeStorageFinalized)
	_ = e.SetData(cloudevents.ApplicationJSON, json.RawMessage(`{"bucket":"b","name":"a.txt","size":"large"}`))
	_, err := gcf.DecodeStorage(e)
	var de *gcf.DecodeError
	if errors.As(err, &de) {
		fmt.Println(de.Field)
		fmt.Println(err)
	}
	// Output:
	// size
	// gcf: malformed event 7 (google.cloud.storage.object.v1.finalized): size: not a non-negative decimal integer
}

// Log records in Cloud Logging's structured shape (the time is dropped here
// to keep the output stable).
func ExampleNewLogHandler() {
	log := slog.New(gcf.NewLogHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
	log.Warn("quota low", gcf.LogFieldTrace, "projects/p/traces/4bf92f3577b34da6a3ce929d0e0e4736")
	// Output: {"severity":"WARNING","message":"quota low","logging.googleapis.com/trace":"projects/p/traces/4bf92f3577b34da6a3ce929d0e0e4736"}
}

func ExampleEventFromContext() {
	fn := gcf.CloudEventHandler(handler.New(handler.Options{
		Env:    func(k string) (string, bool) { return "sk_test_example", k == handler.EnvAPIKey },
		Logger: slog.New(slog.DiscardHandler),
	}), func(ctx context.Context, _ cloudevents.Event, _ *wacht.Client) error {
		e, ok := gcf.EventFromContext(ctx)
		fmt.Println(ok, e.ID(), e.Subject())
		return nil
	})
	e := cloudevents.NewEvent()
	e.SetID("9")
	e.SetSource("//firestore.googleapis.com/projects/p/databases/(default)")
	e.SetSubject("documents/users/ada")
	e.SetType("google.cloud.firestore.document.v1.written")
	_ = fn(context.Background(), e)
	// Output: true 9 documents/users/ada
}
