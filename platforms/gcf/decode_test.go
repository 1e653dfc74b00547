package gcf_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/wacht-platform/serverless-go/platforms/gcf"
)

func newEvent(t *testing.T, id, typ, contentType string, data []byte) cloudevents.Event {
	t.Helper()
	e := cloudevents.NewEvent()
	e.SetID(id)
	e.SetType(typ)
	e.SetSource("//test")
	if contentType != "" {
		e.SetDataContentType(contentType)
	}
	if data != nil {
		e.DataEncoded = data
	}
	return e
}

func TestDecodePubSub(t *testing.T) {
	e := newEvent(t, "ev1", gcf.TypePubSubPublished, "application/json", []byte(`{
		"message": {"data": "aGVsbG8=", "attributes": {"k": "v"}, "messageId": "m1", "message_id": "m1",
			"publishTime": "2026-11-26T12:00:00.5Z", "publish_time": "2026-11-26T12:00:00.5Z", "orderingKey": "ok"},
		"subscription": "projects/p/subscriptions/s"}`))
	got, err := gcf.DecodePubSub(e)
	if err != nil {
		t.Fatal(err)
	}
	want := &gcf.MessagePublishedData{
		Message: gcf.PubSubMessage{Data: []byte("hello"), Attributes: map[string]string{"k": "v"}, ID: "m1",
			PublishTime: time.Date(2026, 11, 26, 12, 0, 0, 500e6, time.UTC), OrderingKey: "ok"},
		Subscription: "projects/p/subscriptions/s",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}

	// The push endpoint's snake_case spelling, attributes only, no data.
	e = newEvent(t, "ev2", gcf.TypePubSubPublished, "", []byte(`{"message":{"attributes":{"a":"b"},"message_id":"m2","publish_time":"2026-11-26T12:00:00Z"}}`))
	got, err = gcf.DecodePubSub(e)
	if err != nil {
		t.Fatal(err)
	}
	if got.Message.ID != "m2" || got.Message.Data != nil || got.Message.PublishTime.IsZero() || got.Message.Attributes["a"] != "b" {
		t.Fatalf("got %+v", got)
	}
}

func TestDecodePubSubRoundTrip(t *testing.T) {
	in := gcf.MessagePublishedData{
		Message: gcf.PubSubMessage{Data: []byte{0, 1, 2, 0xff}, Attributes: map[string]string{"x": "y"}, ID: "42",
			PublishTime: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)},
		Subscription: "projects/p/subscriptions/s",
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := gcf.DecodePubSub(newEvent(t, "e", gcf.TypePubSubPublished, "application/json; charset=utf-8", b))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, in) {
		t.Fatalf("round trip: got %+v, want %+v", *got, in)
	}
}

func TestDecodePubSubErrors(t *testing.T) {
	const secret = "c2VjcmV0LXZhbHVl!!" // not base64; must never appear in the error
	for _, tc := range []struct {
		name, typ, contentType, data string
		field                        string
		is                           error
	}{
		{"wrong type", gcf.TypeStorageFinalized, "application/json", `{"message":{"messageId":"1"}}`, "type", gcf.ErrEventType},
		{"not JSON content", gcf.TypePubSubPublished, "text/plain", `{"message":{"messageId":"1"}}`, "datacontenttype", gcf.ErrContentType},
		{"bad content type", gcf.TypePubSubPublished, "application/", `{}`, "datacontenttype", gcf.ErrContentType},
		{"no data", gcf.TypePubSubPublished, "application/json", ``, "data", gcf.ErrMissingField},
		{"invalid JSON", gcf.TypePubSubPublished, "application/json", `{"message":`, "data", nil},
		{"array", gcf.TypePubSubPublished, "application/json", `[1]`, "data", nil},
		{"no message", gcf.TypePubSubPublished, "application/json", `{"subscription":"s"}`, "message", gcf.ErrMissingField},
		{"null message", gcf.TypePubSubPublished, "application/json", `{"message":null}`, "message", gcf.ErrMissingField},
		{"no message id", gcf.TypePubSubPublished, "application/json", `{"message":{"data":"aGk="}}`, "message.messageId", gcf.ErrMissingField},
		{"bad base64", gcf.TypePubSubPublished, "application/json", `{"message":{"messageId":"1","data":"` + secret + `"}}`, "message.data", nil},
		{"URL-safe base64", gcf.TypePubSubPublished, "application/json", `{"message":{"messageId":"1","data":"-_8="}}`, "message.data", nil},
		{"data not a string", gcf.TypePubSubPublished, "application/json", `{"message":{"messageId":"1","data":5}}`, "data", nil},
		{"attribute not a string", gcf.TypePubSubPublished, "application/json", `{"message":{"messageId":"1","attributes":{"a":1}}}`, "data", nil},
		{"bad publish time", gcf.TypePubSubPublished, "application/json", `{"message":{"messageId":"1","publishTime":"yesterday"}}`, "message.publishTime", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var data []byte
			if tc.data != "" {
				data = []byte(tc.data)
			}
			_, err := gcf.DecodePubSub(newEvent(t, "id-7", tc.typ, tc.contentType, data))
			var de *gcf.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T) is not a *DecodeError", err, err)
			}
			if de.Field != tc.field || de.EventID != "id-7" || de.EventType != tc.typ {
				t.Fatalf("DecodeError %+v, want field %q", de, tc.field)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v is not %v", err, tc.is)
			}
			msg := err.Error()
			if !strings.Contains(msg, "id-7") || !strings.Contains(msg, tc.field) || strings.Contains(msg, "c2VjcmV0") {
				t.Fatalf("error text %q", msg)
			}
		})
	}
}

func TestPubSubMessageDecodeJSON(t *testing.T) {
	var v struct{ A int }
	m := gcf.PubSubMessage{Data: []byte(`{"A":3}`)}
	if err := m.DecodeJSON(&v); err != nil || v.A != 3 {
		t.Fatalf("DecodeJSON: %v, %+v", err, v)
	}
	for _, data := range []string{"", "not json", `{"A":"x"}`} {
		m := gcf.PubSubMessage{Data: []byte(data)}
		var de *gcf.DecodeError
		if err := m.DecodeJSON(&v); !errors.As(err, &de) || de.Field != "message.data" {
			t.Errorf("DecodeJSON(%q) = %v", data, err)
		}
	}
}

func TestDecodeStorage(t *testing.T) {
	e := newEvent(t, "s1", gcf.TypeStorageFinalized, "application/json", []byte(`{
		"kind": "storage#object", "id": "b/o.txt/1700000000000001", "selfLink": "https://x/b/o.txt",
		"name": "dir/o.txt", "bucket": "b", "generation": "1700000000000001", "metageneration": 2,
		"contentType": "text/plain", "timeCreated": "2026-11-26T12:00:00.123Z", "updated": "2026-11-26T12:00:01Z",
		"storageClass": "STANDARD", "timeStorageClassUpdated": "2026-11-26T12:00:00.123Z", "size": "1024",
		"md5Hash": "XUFAKrxLKna5cZ2REBfFkg==", "mediaLink": "https://x/download", "metadata": {"owner": "ada"},
		"crc32c": "AAAAAA==", "componentCount": 3, "etag": "CJ+", "eventBasedHold": true}`))
	got, err := gcf.DecodeStorage(e)
	if err != nil {
		t.Fatal(err)
	}
	want := &gcf.StorageObjectData{
		Bucket: "b", Name: "dir/o.txt", Generation: 1700000000000001, Metageneration: 2, Size: 1024,
		Kind: "storage#object", ID: "b/o.txt/1700000000000001", SelfLink: "https://x/b/o.txt", MediaLink: "https://x/download", Etag: "CJ+",
		ContentType: "text/plain", Metadata: map[string]string{"owner": "ada"}, StorageClass: "STANDARD",
		MD5Hash: "XUFAKrxLKna5cZ2REBfFkg==", CRC32C: "AAAAAA==", ComponentCount: 3, EventBasedHold: true,
		TimeCreated:             time.Date(2026, 11, 26, 12, 0, 0, 123e6, time.UTC),
		Updated:                 time.Date(2026, 11, 26, 12, 0, 1, 0, time.UTC),
		TimeStorageClassUpdated: time.Date(2026, 11, 26, 12, 0, 0, 123e6, time.UTC),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}

	// json.Marshal of the type is the wire shape.
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	back, err := gcf.DecodeStorage(newEvent(t, "s2", gcf.TypeStorageDeleted, "", b))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, want) {
		t.Fatalf("round trip: got %+v", back)
	}
	if !strings.Contains(string(b), `"size":"1024"`) || !strings.Contains(string(b), `"generation":"1700000000000001"`) {
		t.Fatalf("wire shape %s", b)
	}
}

func TestDecodeStorageErrors(t *testing.T) {
	for _, tc := range []struct {
		name, typ, data string
		field           string
		is              error
	}{
		{"wrong type", gcf.TypePubSubPublished, `{"bucket":"b","name":"n"}`, "type", gcf.ErrEventType},
		{"no data", gcf.TypeStorageFinalized, ` `, "data", gcf.ErrMissingField},
		{"invalid JSON", gcf.TypeStorageFinalized, `{"bucket":`, "data", nil},
		{"no bucket", gcf.TypeStorageFinalized, `{"name":"n"}`, "bucket", gcf.ErrMissingField},
		{"no name", gcf.TypeStorageArchived, `{"bucket":"b","name":""}`, "name", gcf.ErrMissingField},
		{"size not a number", gcf.TypeStorageFinalized, `{"bucket":"b","name":"n","size":"big"}`, "size", nil},
		{"negative size", gcf.TypeStorageFinalized, `{"bucket":"b","name":"n","size":"-1"}`, "size", nil},
		{"fractional size", gcf.TypeStorageFinalized, `{"bucket":"b","name":"n","size":1.5}`, "size", nil},
		{"size a boolean", gcf.TypeStorageFinalized, `{"bucket":"b","name":"n","size":true}`, "size", nil},
		{"generation overflows", gcf.TypeStorageFinalized, `{"bucket":"b","name":"n","generation":"99999999999999999999"}`, "generation", nil},
		{"bad metageneration", gcf.TypeStorageMetadataUpdated, `{"bucket":"b","name":"n","metageneration":"1e3"}`, "metageneration", nil},
		{"bad componentCount", gcf.TypeStorageFinalized, `{"bucket":"b","name":"n","componentCount":"x"}`, "componentCount", nil},
		{"bad timeCreated", gcf.TypeStorageFinalized, `{"bucket":"b","name":"n","timeCreated":"26/11/2026"}`, "timeCreated", nil},
		{"bad updated", gcf.TypeStorageFinalized, `{"bucket":"b","name":"n","updated":"now"}`, "updated", nil},
		{"metadata value not a string", gcf.TypeStorageFinalized, `{"bucket":"b","name":"n","metadata":{"a":[1]}}`, "data", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gcf.DecodeStorage(newEvent(t, "obj-9", tc.typ, "application/json", []byte(tc.data)))
			var de *gcf.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T) is not a *DecodeError", err, err)
			}
			if de.Field != tc.field || de.EventID != "obj-9" {
				t.Fatalf("DecodeError %+v, want field %q", de, tc.field)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v is not %v", err, tc.is)
			}
		})
	}
}

func TestDecodeErrorText(t *testing.T) {
	for _, tc := range []struct {
		err  *gcf.DecodeError
		want string
	}{
		{&gcf.DecodeError{EventID: "1", EventType: "t", Field: "f", Err: gcf.ErrMissingField}, "gcf: malformed event 1 (t): f: required field is missing"},
		{&gcf.DecodeError{Err: errors.New("x")}, "gcf: malformed event: x"},
		{&gcf.DecodeError{}, "gcf: malformed event"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}
