// Package eventext carries the members a platform adds to the API Gateway
// v1 event shape (Netlify's rawUrl, rawQuery, route and the Netlify CLI's
// client context) from the Lambda conversion's single pass over the payload
// to that platform's package, so no platform reads the payload twice.
package eventext

import "context"

// Netlify holds Netlify's additions to an event, as the scanner read them.
// Strings are the decoded JSON strings; Custom is raw JSON.
type Netlify struct {
	// Path is the event's path member.
	Path string
	// RawURL is rawUrl: the full URL the client asked for.
	RawURL string
	// RawQuery is rawQuery, meaningful when HasRawQuery is set.
	RawQuery    string
	HasRawQuery bool
	// Route is route: the matched route pattern.
	Route string
	// Custom is requestContext.custom.netlify, the client context the
	// Netlify CLI spreads into the event, as raw JSON ("" when absent).
	Custom string
}

type netlifyKey struct{}

// WithNetlify returns ctx carrying n.
func WithNetlify(ctx context.Context, n *Netlify) context.Context {
	return context.WithValue(ctx, netlifyKey{}, n)
}

// NetlifyFromContext returns the additions carried by ctx, and false when
// the event had none.
func NetlifyFromContext(ctx context.Context) (*Netlify, bool) {
	n, ok := ctx.Value(netlifyKey{}).(*Netlify)
	return n, ok && n != nil
}
