package gcf

import (
	"errors"
	"strings"
)

// Sentinel causes inside a DecodeError, for errors.Is.
var (
	// ErrEventType: the event is not of a type the decoder reads.
	ErrEventType = errors.New("unexpected event type")
	// ErrContentType: the event's data is not JSON.
	ErrContentType = errors.New("event data is not JSON")
	// ErrMissingField: a field the payload must have is absent or empty.
	ErrMissingField = errors.New("required field is missing")
)

// DecodeError reports an event whose payload cannot be read: the wrong
// type, data that is not JSON, a missing field, bad base64, a number or time
// that does not parse. The registered event functions answer it with 400
// Bad Request before the user's function runs, and so does any error a
// CloudEvent function returns that wraps a *DecodeError; the Functions
// Framework puts Error() into the answer's body.
//
// Error() names the event id, its type, the field and the cause, never a
// field's value.
type DecodeError struct {
	EventID   string // the CloudEvent id ("" when unknown)
	EventType string // the CloudEvent type ("" when unknown)
	Field     string // the offending field as a JSON path ("message.data", "size"), or "" for the data as a whole
	Err       error  // the cause; errors.Is(err, ErrMissingField) and friends work through Unwrap
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("gcf: malformed event")
	if e.EventID != "" {
		b.WriteString(" ")
		b.WriteString(e.EventID)
	}
	if e.EventType != "" {
		b.WriteString(" (")
		b.WriteString(e.EventType)
		b.WriteString(")")
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *DecodeError) Unwrap() error { return e.Err }
