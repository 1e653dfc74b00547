package gcf_test

// Fuzz targets for CloudEvent decoding (issue 11): a structured-mode
// CloudEvent body (what the Functions Framework receives) is parsed by the
// CloudEvents SDK and then decoded by DecodePubSub and DecodeStorage. Neither
// may panic; a rejection is a *DecodeError whose message quotes no field value;
// an accepted Pub/Sub message round-trips through MessagePublishedData's wire
// shape.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/wacht-platform/serverless-go/platforms/gcf"
)

func ceStructured(typ, data string) []byte {
	return []byte(`{"specversion":"1.0","id":"e-1","source":"//pubsub.googleapis.com/projects/p/topics/t","type":"` +
		typ + `","datacontenttype":"application/json","data":` + data + `}`)
}

func FuzzCloudEventDecode(f *testing.F) {
	msg := base64.StdEncoding.EncodeToString([]byte(`{"user_id":"1001"}`))
	f.Add(ceStructured(gcf.TypePubSubPublished, `{"message":{"data":"`+msg+`","messageId":"m1","publishTime":"2026-01-02T03:04:05Z","attributes":{"a":"b"}},"subscription":"projects/p/subscriptions/s"}`))
	f.Add(ceStructured(gcf.TypePubSubPublished, `{"message":{"data":"!!!","message_id":"m2"}}`))
	f.Add(ceStructured(gcf.TypePubSubPublished, `{"message":{"messageId":""}}`))
	f.Add(ceStructured(gcf.TypePubSubPublished, `{"message":null}`))
	f.Add(ceStructured(gcf.TypePubSubPublished, `"not an object"`))
	f.Add(ceStructured(gcf.TypeStorageFinalized, `{"bucket":"b","name":"o.txt","size":"12","generation":"1","timeCreated":"2026-01-02T03:04:05Z","updated":"2026-01-02T03:04:05Z","contentType":"text/plain"}`))
	f.Add(ceStructured(gcf.TypeStorageFinalized, `{"bucket":"b","name":"o","size":"-1"}`))
	f.Add(ceStructured(gcf.TypeStorageFinalized, `{"bucket":"b","name":"o","size":"99999999999999999999999"}`))
	f.Add([]byte(`{"specversion":"1.0","id":"x","source":"s","type":"t","data_base64":"e30="}`))
	f.Add([]byte(`{"context":{"eventId":"1","eventType":"google.pubsub.topic.publish"},"data":{"data":"aGk="}}`))
	f.Add([]byte("\xff\xfe{"))
	// A type that splits a known type name: the "want <type>" cause then
	// contains a fragment of the payload without quoting it (found by CI).
	f.Add(ceStructured("google.cloud.pubsub.t opic.v1.messagePublished", `{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var e cloudevents.Event
		if err := json.Unmarshal(body, &e); err != nil {
			return // the SDK rejects it before the kit sees it
		}
		for _, typ := range []string{"", gcf.TypePubSubPublished, gcf.TypeStorageFinalized} {
			ev := e.Clone()
			if typ != "" {
				ev.SetType(typ)
			}
			m, err := gcf.DecodePubSub(ev)
			checkDecodeErr(t, err, body)
			if err == nil {
				if m == nil || m.Message.ID == "" {
					t.Fatalf("accepted a Pub/Sub event without a message id: %+v", m)
				}
				roundTripPubSub(t, ev, m)
			}
			o, err := gcf.DecodeStorage(ev)
			checkDecodeErr(t, err, body)
			if err == nil && o == nil {
				t.Fatal("nil storage object without an error")
			}
		}
	})
}

// vocabulary is the package's own text that causes may contain: the type
// names of "want <type>" causes. A payload fragment that is also part of
// this text is not a quoted value.
var vocabulary = strings.Join([]string{
	gcf.TypePubSubPublished, gcf.TypeStorageFinalized, gcf.TypeStorageDeleted,
	gcf.TypeStorageArchived, gcf.TypeStorageMetadataUpdated,
}, "\n")

func checkDecodeErr(t *testing.T, err error, body []byte) {
	t.Helper()
	if err == nil {
		return
	}
	var de *gcf.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error %T %v is not a *DecodeError", err, err)
	}
	// Error() names event, field and cause, never a value: a long run of the
	// payload must not appear in it.
	msg := err.Error()
	for _, chunk := range strings.FieldsFunc(string(body), func(r rune) bool { return strings.ContainsRune(`{}[]":,\ `, r) }) {
		if len(chunk) >= 24 && strings.Contains(msg, chunk) && !strings.Contains(de.EventID+"\n"+de.EventType, chunk) && !strings.Contains(vocabulary, chunk) {
			t.Fatalf("error %q quotes payload text %q", msg, chunk)
		}
	}
}

// roundTripPubSub re-encodes a decoded message in the wire shape and decodes
// it again: the result must be the same.
func roundTripPubSub(t *testing.T, ev cloudevents.Event, m *gcf.MessagePublishedData) {
	t.Helper()
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	again := cloudevents.NewEvent()
	again.SetID(ev.ID())
	again.SetSource("//test")
	again.SetType(gcf.TypePubSubPublished)
	again.SetDataContentType("application/json")
	again.DataEncoded = raw
	m2, err := gcf.DecodePubSub(again)
	if err != nil {
		t.Fatalf("re-encoded message %s rejected: %v", raw, err)
	}
	if !m.Message.PublishTime.Equal(m2.Message.PublishTime) {
		t.Fatalf("publish time %v, then %v", m.Message.PublishTime, m2.Message.PublishTime)
	}
	m.Message.PublishTime, m2.Message.PublishTime = time.Time{}, time.Time{}
	if len(m.Message.Data) == 0 {
		m.Message.Data = nil
	}
	if len(m.Message.Attributes) == 0 {
		m.Message.Attributes = nil
	}
	if len(m2.Message.Attributes) == 0 {
		m2.Message.Attributes = nil
	}
	if !reflect.DeepEqual(m, m2) {
		t.Fatalf("round trip changed the message:\n%+v\n%+v", m, m2)
	}
}
