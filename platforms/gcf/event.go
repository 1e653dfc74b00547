package gcf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/wacht"
)

// EventFunc is a CloudEvent function that receives the backend client.
type EventFunc func(ctx context.Context, e cloudevents.Event, c *wacht.Client) error

// PubSubFunc is a Pub/Sub function that receives the decoded message and
// the backend client.
type PubSubFunc func(ctx context.Context, m *MessagePublishedData, c *wacht.Client) error

// StorageFunc is a Cloud Storage function that receives the decoded object
// and the backend client.
type StorageFunc func(ctx context.Context, o *StorageObjectData, c *wacht.Client) error

type eventKey struct{}

// EventFromContext returns the CloudEvent being handled, inside a function
// registered with CloudEvent, PubSub or Storage (its id, type, source,
// subject and time; for a Storage function the type says which change
// happened).
func EventFromContext(ctx context.Context) (cloudevents.Event, bool) {
	e, ok := ctx.Value(eventKey{}).(cloudevents.Event)
	return e, ok
}

// CloudEvent registers fn as the CloudEvent function name with the
// Functions Framework (functions.CloudEvent), wrapped by CloudEventHandler.
// A nil kit means handler.New(handler.Options{}): configuration from the
// process environment. Call it from an init function; like
// functions.CloudEvent it exits the process if name is already registered.
func CloudEvent(name string, kit *handler.Kit, fn EventFunc, opts ...Option) {
	functions.CloudEvent(name, CloudEventHandler(kit, fn, opts...))
}

// PubSub registers fn as the CloudEvent function name for Pub/Sub messages
// (deploy it with --trigger-topic), wrapped by PubSubHandler.
func PubSub(name string, kit *handler.Kit, fn PubSubFunc, opts ...Option) {
	functions.CloudEvent(name, PubSubHandler(kit, fn, opts...))
}

// Storage registers fn as the CloudEvent function name for Cloud Storage
// object events (deploy it with --trigger-bucket or an Eventarc trigger),
// wrapped by StorageHandler.
func Storage(name string, kit *handler.Kit, fn StorageFunc, opts ...Option) {
	functions.CloudEvent(name, StorageHandler(kit, fn, opts...))
}

// CloudEventHandler adapts fn to the Functions Framework's CloudEvent
// signature without registering it. For each event it:
//
//   - stores the event for EventFromContext and bounds the context by the
//     function's timeout (WithTimeout, else CLOUD_RUN_TIMEOUT_SECONDS or
//     FUNCTION_TIMEOUT_SEC);
//   - makes the event id the request id and puts event_type, event_source
//     and the trace of the event's traceparent extension (set by Eventarc)
//     on the logger that handler.LoggerFromContext(ctx) returns. The framework does
//     not pass the HTTP headers of CloudEvent requests on, so the execution
//     id is not available here; the event id is stable across redeliveries,
//     which also makes it the key for idempotent processing;
//   - gets the backend client from the kit's per-invocation constructor and
//     warm cache (handler.Kit.EventClient), the same one the kit's HTTP
//     middleware uses; no permission is checked, the platform's trigger is
//     the caller.
//
// What the Functions Framework answers:
//
//   - 200 when fn returns nil;
//   - 400 with the error text when fn returns an error wrapping a
//     *DecodeError (or a protocol result carrying its own status), and for
//     envelopes missing required attributes (id, source, type,
//     specversion) or legacy {context,data} bodies it cannot convert, before
//     fn is called;
//   - 500 for any other error or a panic (the platform may retry the event:
//     return nil for events that must not be retried).
//
// A structured-mode body that is not JSON at all is answered 500 with an
// empty body by the CloudEvents SDK the framework uses, without calling fn;
// this package cannot change that answer.
func CloudEventHandler(kit *handler.Kit, fn EventFunc, opts ...Option) func(context.Context, cloudevents.Event) error {
	if fn == nil {
		panic("gcf: CloudEventHandler called with a nil function")
	}
	return newRunner(kit, opts).handle(nil, fn)
}

// PubSubHandler is CloudEventHandler for Pub/Sub messages: the event is
// decoded with DecodePubSub before anything else, and a *DecodeError is
// answered 400 without building a client or calling fn.
func PubSubHandler(kit *handler.Kit, fn PubSubFunc, opts ...Option) func(context.Context, cloudevents.Event) error {
	if fn == nil {
		panic("gcf: PubSubHandler called with a nil function")
	}
	return newRunner(kit, opts).handleDecoded(func(e cloudevents.Event) (any, error) {
		return DecodePubSub(e)
	}, func(ctx context.Context, v any, c *wacht.Client) error {
		return fn(ctx, v.(*MessagePublishedData), c)
	})
}

// StorageHandler is CloudEventHandler for Cloud Storage object events: the
// event is decoded with DecodeStorage before anything else, and a
// *DecodeError is answered 400 without building a client or calling fn.
func StorageHandler(kit *handler.Kit, fn StorageFunc, opts ...Option) func(context.Context, cloudevents.Event) error {
	if fn == nil {
		panic("gcf: StorageHandler called with a nil function")
	}
	return newRunner(kit, opts).handleDecoded(func(e cloudevents.Event) (any, error) {
		return DecodeStorage(e)
	}, func(ctx context.Context, v any, c *wacht.Client) error {
		return fn(ctx, v.(*StorageObjectData), c)
	})
}

type runner struct {
	kit *handler.Kit
	cfg config
}

func newRunner(kit *handler.Kit, opts []Option) *runner {
	if kit == nil {
		kit = handler.New(handler.Options{})
	}
	return &runner{kit: kit, cfg: newConfig(opts)}
}

func (r *runner) handleDecoded(decode func(cloudevents.Event) (any, error), call func(context.Context, any, *wacht.Client) error) func(context.Context, cloudevents.Event) error {
	return func(ctx context.Context, e cloudevents.Event) error {
		var v any
		return r.run(ctx, e, func(e cloudevents.Event) error {
			var err error
			v, err = decode(e)
			return err
		}, func(ctx context.Context, _ cloudevents.Event, c *wacht.Client) error {
			return call(ctx, v, c)
		})
	}
}

func (r *runner) handle(decode func(cloudevents.Event) error, call EventFunc) func(context.Context, cloudevents.Event) error {
	return func(ctx context.Context, e cloudevents.Event) error {
		return r.run(ctx, e, decode, call)
	}
}

// run is one event invocation: context, decoding, client, the function and
// the mapping of its error to the framework's answer.
func (r *runner) run(ctx context.Context, e cloudevents.Event, decode func(cloudevents.Event) error, call EventFunc) (err error) {
	ctx, cancel := r.cfg.withDeadline(ctx)
	defer cancel()
	ctx = context.WithValue(ctx, eventKey{}, e)
	if id := e.ID(); validID(id) {
		ctx = handler.WithRequestID(ctx, id)
	}
	attrs := []slog.Attr{slog.String("event_type", e.Type()), slog.String("event_source", e.Source())}
	if tp, ok := e.Extensions()["traceparent"].(string); ok {
		if tc, ok := parseTraceparent(tp); ok {
			attrs = append(attrs, tc.attrs(r.cfg.projectID())...)
		}
	}
	ctx = r.kit.EventContext(handler.WithLogAttrs(ctx, attrs...))
	log := handler.LoggerFromContext(ctx)

	if decode != nil {
		if err := decode(e); err != nil {
			return rejected(ctx, log, e, err)
		}
	}
	c, err := r.kit.EventClient(ctx)
	if err != nil {
		log.LogAttrs(ctx, slog.LevelError, "backend client unavailable", slog.String("error", err.Error()))
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			log.LogAttrs(ctx, slog.LevelError, "panic", slog.String("panic", fmt.Sprint(p)), slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("gcf: event function panicked: %v", p)
		}
	}()
	if err := call(ctx, e, c); err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			return rejected(ctx, log, e, err)
		}
		var res *cehttp.Result
		if errors.As(err, &res) {
			return err
		}
		log.LogAttrs(ctx, slog.LevelError, "event function failed", slog.String("error", err.Error()))
		return err
	}
	return nil
}

// rejected logs a malformed event and returns the error the framework
// answers with 400. err must wrap a *DecodeError; the event's id and type
// are filled in when the function left them out.
func rejected(ctx context.Context, log *slog.Logger, e cloudevents.Event, err error) error {
	var de *DecodeError
	if !errors.As(err, &de) {
		de = &DecodeError{Err: err}
	}
	if de.EventID == "" {
		de.EventID = e.ID()
	}
	if de.EventType == "" {
		de.EventType = e.Type()
	}
	log.LogAttrs(ctx, slog.LevelWarn, "malformed event rejected", slog.String("error", de.Error()))
	return &rejection{de: de, err: err}
}

// rejection is a malformed-event error as the CloudEvents SDK and the
// caller both need it: errors.As finds the *DecodeError through Unwrap, and
// finds a *cehttp.Result with status 400 and the DecodeError's text through
// As, which is how the SDK picks the answer's status and body.
type rejection struct {
	de  *DecodeError
	err error
}

func (r *rejection) Error() string { return r.de.Error() }
func (r *rejection) Unwrap() error { return r.err }

func (r *rejection) As(target any) bool {
	if p, ok := target.(**cehttp.Result); ok {
		*p = &cehttp.Result{StatusCode: http.StatusBadRequest, Format: "%s", Args: []any{r.de.Error()}}
		return true
	}
	return false
}
