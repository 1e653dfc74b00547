package lambda

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrUnsupportedEvent is wrapped by the error returned for a payload that is
// not an HTTP event from API Gateway (REST or HTTP API), an Application Load
// Balancer or a Lambda Function URL, for example an S3 notification, a
// WebSocket API event or an API Gateway authorizer request.
var ErrUnsupportedEvent = errors.New("lambda: payload is not an API Gateway, ALB or Function URL HTTP event")

// ErrMalformedEvent is wrapped by the error returned for a payload that is
// not valid JSON, or whose known fields have the wrong JSON type.
var ErrMalformedEvent = errors.New("lambda: malformed event payload")

// EventError describes why a payload could not be turned into an
// *http.Request. It never quotes the payload, which may carry credentials.
// Use errors.Is with ErrUnsupportedEvent or ErrMalformedEvent to tell the
// two cases apart.
type EventError struct {
	// Offset is the byte offset in the payload where the problem was found
	// (0 when it concerns the event as a whole).
	Offset int
	// Reason is a short human-readable description.
	Reason string
	// Err is ErrUnsupportedEvent or ErrMalformedEvent.
	Err error
}

func (e *EventError) Error() string {
	msg := "lambda: cannot convert event"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Offset > 0 {
		msg += " (at byte " + strconv.Itoa(e.Offset) + ")"
	}
	return msg
}

func (e *EventError) Unwrap() error { return e.Err }

// PanicError reports a panic raised by the http.Handler. It is logged, and in
// streaming mode it is also reported to Lambda as the stream's error when
// the panic happened after the response headers were sent.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the goroutine stack at the time of the panic.
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("lambda: http handler panicked: %v", e.Value)
}
