package gcf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// StorageObjectData is the data of a Cloud Storage object event
// (TypeStorageFinalized, TypeStorageDeleted, TypeStorageArchived,
// TypeStorageMetadataUpdated): the object's metadata, as the JSON API
// describes it. The 64-bit numbers arrive as JSON strings; they are parsed
// here. Which change happened is the event's type (the Type of the event
// EventFromContext returns inside a registered function).
//
// The JSON tags give the wire shape, so json.Marshal of a value builds an
// event payload; decoding goes through DecodeStorage.
type StorageObjectData struct {
	Bucket         string `json:"bucket"`
	Name           string `json:"name"`
	Generation     int64  `json:"generation,string,omitzero"`
	Metageneration int64  `json:"metageneration,string,omitzero"`
	// Size is the object's length in bytes.
	Size int64 `json:"size,string"`

	Kind      string `json:"kind,omitempty"` // "storage#object"
	ID        string `json:"id,omitempty"`   // "BUCKET/NAME/GENERATION"
	SelfLink  string `json:"selfLink,omitempty"`
	MediaLink string `json:"mediaLink,omitempty"`
	Etag      string `json:"etag,omitempty"`

	ContentType        string            `json:"contentType,omitempty"`
	ContentEncoding    string            `json:"contentEncoding,omitempty"`
	ContentDisposition string            `json:"contentDisposition,omitempty"`
	ContentLanguage    string            `json:"contentLanguage,omitempty"`
	CacheControl       string            `json:"cacheControl,omitempty"`
	Metadata           map[string]string `json:"metadata,omitempty"`
	StorageClass       string            `json:"storageClass,omitempty"`
	MD5Hash            string            `json:"md5Hash,omitempty"` // base64
	CRC32C             string            `json:"crc32c,omitempty"`  // base64
	ComponentCount     int64             `json:"componentCount,omitzero"`
	KMSKeyName         string            `json:"kmsKeyName,omitempty"`
	TemporaryHold      bool              `json:"temporaryHold,omitempty"`
	EventBasedHold     bool              `json:"eventBasedHold,omitempty"`

	TimeCreated             time.Time `json:"timeCreated,omitzero"`
	Updated                 time.Time `json:"updated,omitzero"`
	TimeDeleted             time.Time `json:"timeDeleted,omitzero"`
	TimeStorageClassUpdated time.Time `json:"timeStorageClassUpdated,omitzero"`
	RetentionExpirationTime time.Time `json:"retentionExpirationTime,omitzero"`
	CustomTime              time.Time `json:"customTime,omitzero"`
}

// storageWire holds the fields that need checking in their raw form.
type storageWire struct {
	Bucket         string          `json:"bucket"`
	Name           string          `json:"name"`
	Generation     json.RawMessage `json:"generation"`
	Metageneration json.RawMessage `json:"metageneration"`
	Size           json.RawMessage `json:"size"`
	ComponentCount json.RawMessage `json:"componentCount"`

	Kind      string `json:"kind"`
	ID        string `json:"id"`
	SelfLink  string `json:"selfLink"`
	MediaLink string `json:"mediaLink"`
	Etag      string `json:"etag"`

	ContentType        string            `json:"contentType"`
	ContentEncoding    string            `json:"contentEncoding"`
	ContentDisposition string            `json:"contentDisposition"`
	ContentLanguage    string            `json:"contentLanguage"`
	CacheControl       string            `json:"cacheControl"`
	Metadata           map[string]string `json:"metadata"`
	StorageClass       string            `json:"storageClass"`
	MD5Hash            string            `json:"md5Hash"`
	CRC32C             string            `json:"crc32c"`
	KMSKeyName         string            `json:"kmsKeyName"`
	TemporaryHold      bool              `json:"temporaryHold"`
	EventBasedHold     bool              `json:"eventBasedHold"`

	TimeCreated             string `json:"timeCreated"`
	Updated                 string `json:"updated"`
	TimeDeleted             string `json:"timeDeleted"`
	TimeStorageClassUpdated string `json:"timeStorageClassUpdated"`
	RetentionExpirationTime string `json:"retentionExpirationTime"`
	CustomTime              string `json:"customTime"`
}

// DecodeStorage reads the object of a Cloud Storage event. It fails with a
// *DecodeError when e is not a google.cloud.storage.object.v1.* event, its
// data is not a JSON object, bucket or name is missing, a number (size,
// generation, metageneration, componentCount: decimal, as a JSON string or
// number) is not a non-negative integer, or a timestamp is not RFC 3339.
func DecodeStorage(e cloudevents.Event) (*StorageObjectData, error) {
	fail := func(field string, err error) (*StorageObjectData, error) {
		return nil, &DecodeError{EventID: e.ID(), EventType: e.Type(), Field: field, Err: err}
	}
	if !strings.HasPrefix(e.Type(), "google.cloud.storage.object.v1.") {
		return fail("type", fmt.Errorf("%w: want google.cloud.storage.object.v1.*", ErrEventType))
	}
	if err := checkJSONData(e); err != nil {
		return fail("datacontenttype", err)
	}
	if len(bytes.TrimSpace(e.Data())) == 0 {
		return fail("data", ErrMissingField)
	}
	var w storageWire
	if err := json.Unmarshal(e.Data(), &w); err != nil {
		return fail("data", err)
	}
	if w.Bucket == "" {
		return fail("bucket", ErrMissingField)
	}
	if w.Name == "" {
		return fail("name", ErrMissingField)
	}
	o := &StorageObjectData{
		Bucket: w.Bucket, Name: w.Name,
		Kind: w.Kind, ID: w.ID, SelfLink: w.SelfLink, MediaLink: w.MediaLink, Etag: w.Etag,
		ContentType: w.ContentType, ContentEncoding: w.ContentEncoding, ContentDisposition: w.ContentDisposition,
		ContentLanguage: w.ContentLanguage, CacheControl: w.CacheControl, Metadata: w.Metadata,
		StorageClass: w.StorageClass, MD5Hash: w.MD5Hash, CRC32C: w.CRC32C, KMSKeyName: w.KMSKeyName,
		TemporaryHold: w.TemporaryHold, EventBasedHold: w.EventBasedHold,
	}
	for _, n := range []struct {
		field string
		raw   json.RawMessage
		dst   *int64
	}{
		{"size", w.Size, &o.Size},
		{"generation", w.Generation, &o.Generation},
		{"metageneration", w.Metageneration, &o.Metageneration},
		{"componentCount", w.ComponentCount, &o.ComponentCount},
	} {
		v, err := parseCount(n.raw)
		if err != nil {
			return fail(n.field, err)
		}
		*n.dst = v
	}
	for _, t := range []struct {
		field string
		raw   string
		dst   *time.Time
	}{
		{"timeCreated", w.TimeCreated, &o.TimeCreated},
		{"updated", w.Updated, &o.Updated},
		{"timeDeleted", w.TimeDeleted, &o.TimeDeleted},
		{"timeStorageClassUpdated", w.TimeStorageClassUpdated, &o.TimeStorageClassUpdated},
		{"retentionExpirationTime", w.RetentionExpirationTime, &o.RetentionExpirationTime},
		{"customTime", w.CustomTime, &o.CustomTime},
	} {
		if t.raw == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339Nano, t.raw)
		if err != nil {
			return fail(t.field, fmt.Errorf("not an RFC 3339 timestamp: %w", err))
		}
		*t.dst = v
	}
	return o, nil
}

var errNotCount = errors.New("not a non-negative decimal integer")

// parseCount reads a non-negative 64-bit integer written as a JSON string
// (the protobuf JSON mapping of int64) or a JSON number; absent or null is
// zero.
func parseCount(raw json.RawMessage) (int64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, errNotCount
		}
		if s == "" {
			return 0, nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, errNotCount
	}
	return n, nil
}
