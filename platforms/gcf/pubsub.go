package gcf

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// CloudEvent types of the payloads this package decodes.
const (
	// TypePubSubPublished is the type of a Pub/Sub message delivered through
	// Eventarc (gcloud functions deploy --trigger-topic) and of the legacy
	// google.pubsub.topic.publish events the Functions Framework converts.
	TypePubSubPublished = "google.cloud.pubsub.topic.v1.messagePublished"

	// Cloud Storage object events.
	TypeStorageFinalized       = "google.cloud.storage.object.v1.finalized"
	TypeStorageDeleted         = "google.cloud.storage.object.v1.deleted"
	TypeStorageArchived        = "google.cloud.storage.object.v1.archived"
	TypeStorageMetadataUpdated = "google.cloud.storage.object.v1.metadataUpdated"
)

// MessagePublishedData is the data of a TypePubSubPublished event. The
// JSON tags give the wire shape, so json.Marshal of a value builds an event
// payload (tests do this); decoding goes through DecodePubSub, which checks
// what json.Unmarshal would not.
type MessagePublishedData struct {
	Message PubSubMessage `json:"message"`
	// Subscription is the full subscription name,
	// "projects/PROJECT/subscriptions/NAME". Events converted from the
	// legacy background shape have none.
	Subscription string `json:"subscription,omitempty"`
}

// PubSubMessage is one Pub/Sub message.
type PubSubMessage struct {
	// Data is the message body, base64-decoded. It may be empty: a message
	// can carry only attributes.
	Data []byte `json:"data,omitempty"`
	// Attributes are the message's key/value attributes.
	Attributes map[string]string `json:"attributes,omitempty"`
	// ID is the message id Pub/Sub assigned; redeliveries keep it, so use
	// it to make processing idempotent.
	ID string `json:"messageId"`
	// PublishTime is when Pub/Sub accepted the message.
	PublishTime time.Time `json:"publishTime,omitzero"`
	// OrderingKey is set for ordered deliveries.
	OrderingKey string `json:"orderingKey,omitempty"`
}

// DecodeJSON decodes the message body as JSON into v. A body that is not
// JSON, or does not fit v, is a *DecodeError for field message.data, so a
// CloudEvent or PubSub function that returns it answers 400.
func (m *PubSubMessage) DecodeJSON(v any) error {
	if len(m.Data) == 0 {
		return &DecodeError{Field: "message.data", Err: ErrMissingField}
	}
	if err := json.Unmarshal(m.Data, v); err != nil {
		return &DecodeError{Field: "message.data", Err: err}
	}
	return nil
}

// pubsubWire is the JSON of MessagePublishedData as senders write it:
// Eventarc sends both camelCase and snake_case spellings of the id and the
// publish time, the push endpoint format only snake_case.
type pubsubWire struct {
	Message *struct {
		Data             *string           `json:"data"`
		Attributes       map[string]string `json:"attributes"`
		MessageID        string            `json:"messageId"`
		MessageIDSnake   string            `json:"message_id"`
		PublishTime      string            `json:"publishTime"`
		PublishTimeSnake string            `json:"publish_time"`
		OrderingKey      string            `json:"orderingKey"`
	} `json:"message"`
	Subscription string `json:"subscription"`
}

// DecodePubSub reads the Pub/Sub message of e. It fails with a *DecodeError
// when e is not a TypePubSubPublished event, its data is not JSON, the
// message or its id is missing, the data is not standard base64 or the
// publish time is not an RFC 3339 timestamp.
func DecodePubSub(e cloudevents.Event) (*MessagePublishedData, error) {
	fail := func(field string, err error) (*MessagePublishedData, error) {
		return nil, &DecodeError{EventID: e.ID(), EventType: e.Type(), Field: field, Err: err}
	}
	if e.Type() != TypePubSubPublished {
		return fail("type", fmt.Errorf("%w: want %s", ErrEventType, TypePubSubPublished))
	}
	if err := checkJSONData(e); err != nil {
		return fail("datacontenttype", err)
	}
	if len(e.Data()) == 0 {
		return fail("data", ErrMissingField)
	}
	var w pubsubWire
	if err := json.Unmarshal(e.Data(), &w); err != nil {
		return fail("data", err)
	}
	if w.Message == nil {
		return fail("message", ErrMissingField)
	}
	out := &MessagePublishedData{Subscription: w.Subscription}
	m := &out.Message
	m.Attributes = w.Message.Attributes
	m.OrderingKey = w.Message.OrderingKey
	m.ID = cmp.Or(w.Message.MessageID, w.Message.MessageIDSnake)
	if m.ID == "" {
		return fail("message.messageId", ErrMissingField)
	}
	if w.Message.Data != nil && *w.Message.Data != "" {
		b, err := base64.StdEncoding.DecodeString(*w.Message.Data)
		if err != nil {
			return fail("message.data", fmt.Errorf("not standard base64: %w", err))
		}
		m.Data = b
	}
	if ts := cmp.Or(w.Message.PublishTime, w.Message.PublishTimeSnake); ts != "" {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return fail("message.publishTime", fmt.Errorf("not an RFC 3339 timestamp: %w", err))
		}
		m.PublishTime = t
	}
	return out, nil
}

// checkJSONData accepts events whose datacontenttype is absent (JSON by
// the CloudEvents default for these producers) or a JSON media type.
func checkJSONData(e cloudevents.Event) error {
	ct := e.DataContentType()
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrContentType, err)
	}
	if mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json") {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrContentType, mt)
}
