// Package gcf runs the kit's functions on Google Cloud Functions (Cloud Run
// functions, 2nd gen) through the Go Functions Framework
// (github.com/GoogleCloudPlatform/functions-framework-go): HTTP functions
// made of a plain net/http handler, and CloudEvent functions (Pub/Sub,
// Cloud Storage, any Eventarc source) that receive the Wacht backend client.
//
//	var kit = handler.New(handler.Options{Logger: slog.New(gcf.NewLogHandler(os.Stderr, nil))})
//
//	func init() {
//		functions.HTTP("AdminUsers", gcf.HTTPFunc(kit.Handler(adminUsers)))
//		gcf.PubSub("UserUpdates", kit, func(ctx context.Context, m *gcf.MessagePublishedData, c *wacht.Client) error {
//			// m.Message.Data, m.Message.Attributes, m.Message.ID ...
//			return nil
//		})
//	}
//
// # HTTP functions
//
// HTTPFunc (and HTTP, which also registers) hands each request to the kit's
// handler with the platform's Function-Execution-Id as the request id, the
// trace of traceparent or X-Cloud-Trace-Context on every log record under
// Cloud Logging's field names (LogFieldTrace, LogFieldSpanID, ...), and
// the function's timeout as the context deadline. Configuration, clients,
// authentication and JSON errors are the kit's: the same handler runs on
// every platform.
//
// # CloudEvent functions
//
// CloudEvent, PubSub and Storage register functions.CloudEvent functions
// whose callback receives the backend client from the kit's per-invocation
// constructor and warm-instance cache (handler.Kit.EventClient), the event
// id as request id and a logger with the event's type, source and trace.
// PubSub and Storage decode the data first (DecodePubSub, DecodeStorage):
// a payload that cannot be read is answered 400 with a message naming the
// event, the field and the cause (*DecodeError), and neither a client is
// built nor the function called. The framework delivers every shape the
// platform sends to the same callback: structured mode
// (Content-Type: application/cloudevents+json), binary mode (ce-* headers)
// and the legacy background {context,data} shape, which it converts.
//
// # Deadlines
//
// Cloud Run functions send no per-request deadline. The Functions Framework
// bounds the context by CLOUD_RUN_TIMEOUT_SECONDS when the platform sets it;
// this package does the same for CLOUD_RUN_TIMEOUT_SECONDS and 1st gen's
// FUNCTION_TIMEOUT_SEC, and WithTimeout sets it explicitly (match it to
// gcloud functions deploy --timeout). A deadline is only ever shortened.
//
// # Trust
//
// Function-Execution-Id, traceparent and X-Cloud-Trace-Context are set by
// Google's front end, but whoever can reach the function can send them too.
// They are used only to correlate logs, after a format check; nothing is
// authorized on them. Callers are authenticated by the kit (session tokens,
// machine tokens, webhook signatures) and, for event functions, by the
// platform's trigger identity.
//
// # Deploying
//
// The Go buildpack builds the package at the root of the uploaded folder,
// which needs its own go.mod (module path with a dot in its first element),
// one package name across all its .go files (tests included), no main
// package at the root (a cmd/ directory for local runs is fine), and a direct
// import of github.com/GoogleCloudPlatform/functions-framework-go/functions
// so the generated main relies on the registrations made in init. See
// samples/gcf.
//
// # Local runs
//
// funcframework.StartHostPort("127.0.0.1", port) serves the function named
// by FUNCTION_TARGET at "/" (every registered function at "/<name>" when
// FUNCTION_TARGET is unset), exactly as the deployed main does.
package gcf
