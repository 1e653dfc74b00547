// Package core holds the request machinery that package wacht and its beta
// sibling wacht/ai share: path building, query and multipart encoding,
// offset pagination, and the hooks through which wacht/ai sends calls with
// a *wacht.Client.
//
// The hooks exist so that wacht/ai can reuse one Client's transport,
// retries, authentication and error decoding without package wacht growing
// a public low-level call API, and without wacht importing wacht/ai: a
// binary that never imports wacht/ai links none of it.
package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// ErrInvalidParams is the value of wacht.ErrInvalidParams; it lives here so
// that both packages wrap the same sentinel.
var ErrInvalidParams = errors.New("invalid parameters")

// ErrRequired reports a required parameter left empty.
func ErrRequired(field string) error {
	return fmt.Errorf("wacht: %s is required: %w", field, ErrInvalidParams)
}

// Do and Stream are set by package wacht when it is initialised; client is
// always a *wacht.Client. Do sends one call and decodes a JSON answer into
// out (when not nil). Stream sends one call and returns the body of a
// successful answer unread; closing it releases the connection and the
// call's timeout.
var (
	Do     func(client any, ctx context.Context, method, path string, query url.Values, body, out any) error
	Stream func(client any, ctx context.Context, method, path string, query url.Values) (io.ReadCloser, error)
)

// BuildPath fills the {placeholders} of a path template, in order, with
// path-escaped values. Empty values and dot segments are refused, so a
// missing id can never turn into a different path.
func BuildPath(template string, values ...string) (string, error) {
	var b strings.Builder
	rest := template
	for _, v := range values {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			return "", fmt.Errorf("wacht: path %s has fewer parameters than values", template)
		}
		name := rest[i+1 : j]
		if v == "" || v == "." || v == ".." {
			return "", fmt.Errorf("wacht: %s %q is not a valid path parameter: %w", name, v, ErrInvalidParams)
		}
		b.WriteString(rest[:i])
		b.WriteString(url.PathEscape(v))
		rest = rest[j+1:]
	}
	if strings.IndexByte(rest, '{') >= 0 {
		return "", fmt.Errorf("wacht: path %s has more parameters than values", template)
	}
	b.WriteString(rest)
	return b.String(), nil
}
