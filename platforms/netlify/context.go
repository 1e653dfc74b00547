package netlify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
)

// Event holds the parts of a Netlify invocation that the API Gateway v1
// shape lacks. The full event stays available through
// the APIGatewayV1 method of lambda.EventFromContext's event.
type Event struct {
	// FunctionName is the function's name (its folder in the functions
	// directory), "" when it could not be told (see WithFunctionName).
	FunctionName string
	// Path is the event's path field as delivered: the path the client
	// requested, /.netlify/functions/<name>/... or a rewritten one.
	Path string
	// RawURL is the full URL the client requested (Netlify's rawUrl).
	RawURL string
	// RawQuery is the query string as the client sent it (rawQuery).
	RawQuery string
	// Route is the route pattern that matched, for functions declaring one
	// in their config ("" otherwise).
	Route string
	// Background reports a background function: Netlify answers 202 to the
	// caller itself and the function may run for up to 15 minutes.
	Background bool

	cc *clientContextSource // where ClientContext reads from; nil outside an invocation
}

// clientContextSource is the raw client context of one invocation, decoded
// on first use.
type clientContextSource struct {
	lambda string // the Lambda client context's custom "netlify" member (production)
	local  string // requestContext.custom.netlify as raw JSON (the Netlify CLI)

	once sync.Once
	cc   *ClientContext
	err  error
}

// invocation is the single context value this package adds per request.
type invocation struct {
	event       Event
	hasRawQuery bool
	requestID   string
	cc          clientContextSource
}

type invocationKey struct{}

func invocationFrom(ctx context.Context) *invocation {
	inv, _ := ctx.Value(invocationKey{}).(*invocation)
	return inv
}

// EventFromContext returns Netlify's fields of the invocation behind ctx,
// and false when ctx does not come from this package. Treat the result as
// read-only.
func EventFromContext(ctx context.Context) (*Event, bool) {
	if inv := invocationFrom(ctx); inv != nil {
		return &inv.event, true
	}
	return nil, false
}

// IsBackground reports whether ctx belongs to a background function's
// invocation.
func IsBackground(ctx context.Context) bool {
	inv := invocationFrom(ctx)
	return inv != nil && inv.event.Background
}

// RequestID returns the request id of the invocation behind ctx: Netlify's
// x-nf-request-id when present, otherwise the Lambda request id. It returns
// "" when ctx does not come from this package.
func RequestID(ctx context.Context) string {
	if inv := invocationFrom(ctx); inv != nil {
		return inv.requestID
	}
	return ""
}

// Identity is the site's Netlify Identity instance, present in the client
// context when Identity is enabled.
type Identity struct {
	// URL is the Identity (GoTrue) API endpoint,
	// https://<site>/.netlify/identity.
	URL string `json:"url"`
	// Token is a short-lived admin token for that API. It is a credential:
	// never log it.
	Token string `json:"token"`
}

// ClientContext is Netlify's client context: the base64 JSON object in the
// Lambda client context's custom "netlify" member.
type ClientContext struct {
	// Identity is the site's Identity instance, nil when Identity is off.
	Identity *Identity `json:"identity,omitempty"`
	// User holds the claims of the Netlify Identity JWT sent as
	// "Authorization: Bearer", nil without one. Netlify has checked the
	// token's signature; this kit's Wacht authentication is separate.
	User map[string]any `json:"user,omitempty"`
	// SiteURL is the site's main URL: the context's site_url member when
	// present, else the URL variable Netlify sets for the site, else the
	// Identity URL without /.netlify/identity.
	SiteURL string `json:"site_url,omitempty"`
}

// ErrNoClientContext is returned by Event.ClientContext when the invocation
// carries no Netlify client context (Netlify sends one only when Identity
// is enabled or the request has a bearer token; background functions get
// none locally).
var ErrNoClientContext = errors.New("netlify: no Netlify client context")

// ErrMalformedClientContext is wrapped by the *ClientContextError returned
// for a client context that is not base64 JSON.
var ErrMalformedClientContext = errors.New("netlify: malformed Netlify client context")

// ErrNoInvocation is returned by Event.ClientContext for a nil *Event or
// one this package did not make (not from EventFromContext).
var ErrNoInvocation = errors.New("netlify: no Netlify invocation in context")

// ClientContextError describes a client context that could not be decoded.
// It never quotes the context, which holds an admin token.
type ClientContextError struct {
	// Reason is a short human-readable description.
	Reason string
	// Err is ErrMalformedClientContext.
	Err error
}

func (e *ClientContextError) Error() string {
	return "netlify: client context: " + e.Reason
}

func (e *ClientContextError) Unwrap() error { return e.Err }

// ClientContext returns Netlify's client context of the invocation e
// belongs to, decoded on first use and shared by later calls (treat it as
// read-only). It reads the Lambda client context's custom "netlify" member
// (production), or the event's requestContext.custom.netlify, where the
// Netlify CLI puts it for Go functions run locally.
//
// The error is ErrNoClientContext when the invocation carries none, a
// *ClientContextError wrapping ErrMalformedClientContext when it cannot be
// decoded, and ErrNoInvocation for a nil *Event or one not obtained from
// EventFromContext.
func (e *Event) ClientContext() (*ClientContext, error) {
	if e == nil || e.cc == nil {
		return nil, ErrNoInvocation
	}
	src := e.cc
	src.once.Do(func() {
		raw := localClientContext(src.local)
		if src.lambda != "" {
			raw = src.lambda
		}
		src.cc, src.err = decodeClientContext(raw)
	})
	return src.cc, src.err
}

// localClientContext returns the client context the Netlify CLI put in
// requestContext.custom.netlify: a JSON string holding the base64 form, or
// an object, which is kept as JSON. Anything else is ignored.
func localClientContext(raw string) string {
	if raw == "" {
		return ""
	}
	var s string
	if json.Unmarshal([]byte(raw), &s) == nil {
		return s
	}
	if raw[0] == '{' {
		return raw
	}
	return ""
}

// decodeClientContext decodes the custom "netlify" member: base64 JSON, or
// plain JSON (aws-lambda-go re-encodes nested objects as JSON text).
func decodeClientContext(raw string) (*ClientContext, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, ErrNoClientContext
	}
	var data []byte
	if raw[0] == '{' {
		data = []byte(raw)
	} else {
		var err error
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if data, err = enc.DecodeString(raw); err == nil {
				break
			}
		}
		if err != nil {
			return nil, &ClientContextError{Reason: "custom.netlify is not base64", Err: ErrMalformedClientContext}
		}
	}
	cc := new(ClientContext)
	if err := json.Unmarshal(data, cc); err != nil {
		return nil, &ClientContextError{Reason: "custom.netlify is not a JSON object with identity/user", Err: ErrMalformedClientContext}
	}
	if cc.Identity != nil && cc.Identity.URL == "" && cc.Identity.Token == "" {
		cc.Identity = nil
	}
	if cc.SiteURL == "" {
		cc.SiteURL = os.Getenv("URL")
	}
	if cc.SiteURL == "" && cc.Identity != nil {
		if s, ok := strings.CutSuffix(strings.TrimRight(cc.Identity.URL, "/"), "/.netlify/identity"); ok {
			cc.SiteURL = s
		}
	}
	return cc, nil
}
