package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/wacht-platform/serverless-go/platforms/internal/eventext"
)

// Source identifies which AWS service produced an HTTP event.
type Source int

const (
	// SourceUnknown is the zero Source.
	SourceUnknown Source = iota
	// SourceAPIGatewayV1 is an API Gateway REST API proxy event, or an HTTP
	// API event in payload format 1.0 (events.APIGatewayProxyRequest).
	SourceAPIGatewayV1
	// SourceAPIGatewayV2 is an API Gateway HTTP API event in payload format
	// 2.0 (events.APIGatewayV2HTTPRequest).
	SourceAPIGatewayV2
	// SourceALB is an Application Load Balancer target group event, with or
	// without multi-value headers (events.ALBTargetGroupRequest).
	SourceALB
	// SourceFunctionURL is a Lambda Function URL event
	// (events.LambdaFunctionURLRequest).
	SourceFunctionURL
)

func (s Source) String() string {
	switch s {
	case SourceAPIGatewayV1:
		return "apigateway-v1"
	case SourceAPIGatewayV2:
		return "apigateway-v2"
	case SourceALB:
		return "alb"
	case SourceFunctionURL:
		return "function-url"
	}
	return "unknown"
}

// Event is the original Lambda event behind a request. It keeps the raw
// payload and decodes it into the aws-lambda-go event type only when asked,
// so handlers that never look pay nothing. Typed values are decoded once per
// request and shared: treat them as read-only.
//
// A nil *Event is valid: Source reports SourceUnknown and the typed
// accessors return an error.
type Event struct {
	source  Source
	payload string

	once    sync.Once
	decoded any
	err     error
}

// Source reports which service produced the event.
func (e *Event) Source() Source {
	if e == nil {
		return SourceUnknown
	}
	return e.source
}

// Payload returns a copy of the raw JSON event.
func (e *Event) Payload() []byte {
	if e == nil {
		return nil
	}
	return []byte(e.payload)
}

func (e *Event) decode(want Source) (any, error) {
	if e == nil {
		return nil, ErrNoEvent
	}
	if e.source != want {
		return nil, fmt.Errorf("%w: it is %s, not %s", ErrEventSource, e.source, want)
	}
	e.once.Do(func() {
		var v any
		switch e.source {
		case SourceAPIGatewayV1:
			v = new(events.APIGatewayProxyRequest)
		case SourceAPIGatewayV2:
			v = new(events.APIGatewayV2HTTPRequest)
		case SourceALB:
			v = new(events.ALBTargetGroupRequest)
		case SourceFunctionURL:
			v = new(events.LambdaFunctionURLRequest)
		}
		e.err = json.Unmarshal([]byte(e.payload), v)
		e.decoded = v
	})
	return e.decoded, e.err
}

// APIGatewayV1 returns the API Gateway REST (or HTTP API payload 1.0) event.
func (e *Event) APIGatewayV1() (*events.APIGatewayProxyRequest, error) {
	v, err := e.decode(SourceAPIGatewayV1)
	if err != nil {
		return nil, err
	}
	return v.(*events.APIGatewayProxyRequest), nil
}

// APIGatewayV2 returns the API Gateway HTTP API (payload 2.0) event.
func (e *Event) APIGatewayV2() (*events.APIGatewayV2HTTPRequest, error) {
	v, err := e.decode(SourceAPIGatewayV2)
	if err != nil {
		return nil, err
	}
	return v.(*events.APIGatewayV2HTTPRequest), nil
}

// ALB returns the Application Load Balancer event.
func (e *Event) ALB() (*events.ALBTargetGroupRequest, error) {
	v, err := e.decode(SourceALB)
	if err != nil {
		return nil, err
	}
	return v.(*events.ALBTargetGroupRequest), nil
}

// FunctionURL returns the Lambda Function URL event.
func (e *Event) FunctionURL() (*events.LambdaFunctionURLRequest, error) {
	v, err := e.decode(SourceFunctionURL)
	if err != nil {
		return nil, err
	}
	return v.(*events.LambdaFunctionURLRequest), nil
}

// ErrNoEvent is returned by the typed accessors of a nil *Event, that is
// for a context that did not come from this adapter.
var ErrNoEvent = errors.New("lambda: no Lambda event in context")

// ErrEventSource is wrapped by the error a typed accessor returns when the
// event came from another source (APIGatewayV1 on an ALB event, ...).
var ErrEventSource = errors.New("lambda: event is from another source")

// invocation is the single context value the adapter adds per request.
type invocation struct {
	event     Event
	requestID string
	lc        *lambdacontext.LambdaContext
	netlify   eventext.Netlify // Netlify's additions, when the event had any
}

type invocationKey struct{}

func invocationFrom(ctx context.Context) *invocation {
	inv, _ := ctx.Value(invocationKey{}).(*invocation)
	return inv
}

// EventFromContext returns the Lambda event behind the request whose context
// is ctx, and false when ctx does not come from this adapter. The typed
// accessors of the nil *Event returned then report ErrNoEvent.
func EventFromContext(ctx context.Context) (*Event, bool) {
	if inv := invocationFrom(ctx); inv != nil {
		return &inv.event, true
	}
	return nil, false
}

// RequestID returns the request id of the invocation behind ctx: the Lambda
// request id (AwsRequestID) when the runtime supplied one, otherwise (for
// example when Handler.Invoke is called directly in a test) the id in the
// event's requestContext. It returns "" when ctx does not come from this
// adapter.
func RequestID(ctx context.Context) string {
	if inv := invocationFrom(ctx); inv != nil {
		return inv.requestID
	}
	return ""
}

// LambdaContext returns the Lambda invocation metadata (request id, function
// ARN, Cognito identity, client context). It is the same value as
// lambdacontext.FromContext and is present whenever the runtime started the
// invocation.
func LambdaContext(ctx context.Context) (*lambdacontext.LambdaContext, bool) {
	if inv := invocationFrom(ctx); inv != nil && inv.lc != nil {
		return inv.lc, true
	}
	return lambdacontext.FromContext(ctx)
}
