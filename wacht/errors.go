package wacht

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wacht-platform/serverless-go/wacht/internal/core"
)

// ErrInvalidParams is wrapped by the errors client methods return, before
// sending anything, when their parameters are invalid (an empty id, a page
// size above MaxPageSize, a negative offset, a missing required field).
// Test for it with errors.Is.
var ErrInvalidParams = core.ErrInvalidParams

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// APIError is the error returned when the backend API answers with a status
// outside 2xx. Inspect it with errors.As, or use IsNotFound and friends.
//
// It carries no request data beyond method and path (no query, headers or
// body), so it is safe to log.
type APIError struct {
	// StatusCode is the HTTP status, e.g. 404.
	StatusCode int
	// Code is the first error code the body carried ("" when none). Codes
	// may be numeric or symbolic; numeric ones are kept as decimal text.
	Code string
	// Messages are the error messages of the body, in order.
	Messages []string
	// Details are the individual errors of an {"errors":[...]} body.
	Details []ErrorDetail
	// RequestID is the request id the server reported in its headers
	// (X-Request-Id), for support requests.
	RequestID string
	// RetryAfter is the pause the server asked for (Retry-After), if any.
	RetryAfter time.Duration
	// Method and Path identify the call, e.g. "GET" and "/users/u_1".
	Method string
	Path   string
}

// ErrorDetail is one entry of an {"errors":[{"message":...,"code":...}]}
// error body.
type ErrorDetail struct {
	Message string
	Code    string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wacht: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if len(e.Messages) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Messages, "; "))
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (code %s)", e.Code)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request id %s]", e.RequestID)
	}
	return b.String()
}

// requestID returns the request id a response reports.
func requestID(h http.Header) string {
	for _, k := range []string{"X-Request-Id", "Request-Id", "X-Amzn-Requestid"} {
		if v := strings.TrimSpace(h.Get(k)); v != "" {
			return clipText(v, 128)
		}
	}
	return ""
}

// newAPIError reads (a bounded part of) an error response, closes it, and
// parses {"errors":[...]}, {"message":...} and plain-text bodies.
func newAPIError(method, path string, res *http.Response) *APIError {
	e := &APIError{
		StatusCode: res.StatusCode,
		RequestID:  requestID(res.Header),
		RetryAfter: parseRetryAfter(res.Header.Get("Retry-After"), time.Now()),
		Method:     method,
		Path:       path,
	}
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	e.parseBody(body)
	return e
}

func (e *APIError) parseBody(body []byte) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return
	}
	var doc struct {
		Errors  []json.RawMessage `json:"errors"`
		Message json.RawMessage   `json:"message"`
		Error   json.RawMessage   `json:"error"`
		Code    json.RawMessage   `json:"code"`
	}
	if body[0] == '{' && json.Unmarshal(body, &doc) == nil {
		for _, raw := range doc.Errors {
			var d struct {
				Message json.RawMessage `json:"message"`
				Code    json.RawMessage `json:"code"`
			}
			var s string
			switch {
			case json.Unmarshal(raw, &s) == nil:
				e.Details = append(e.Details, ErrorDetail{Message: clipText(s, 1024)})
			case json.Unmarshal(raw, &d) == nil:
				e.Details = append(e.Details, ErrorDetail{Message: clipText(jsonText(d.Message), 1024), Code: jsonText(d.Code)})
			}
		}
		for _, d := range e.Details {
			if d.Message != "" {
				e.Messages = append(e.Messages, d.Message)
			}
			if e.Code == "" {
				e.Code = d.Code
			}
		}
		if msg := jsonText(doc.Message); msg != "" {
			e.Messages = append(e.Messages, clipText(msg, 1024))
		} else if msg := jsonText(doc.Error); msg != "" {
			e.Messages = append(e.Messages, clipText(msg, 1024))
		}
		if e.Code == "" {
			e.Code = jsonText(doc.Code)
		}
		return
	}
	// Plain text (or HTML from a proxy): keep a short, printable excerpt.
	if utf8.Valid(body) {
		e.Messages = append(e.Messages, clipText(strings.Join(strings.Fields(string(body)), " "), 512))
	}
}

// scrub removes a secret from the messages, in case a server echoes it.
func (e *APIError) scrub(secret string) {
	if secret == "" {
		return
	}
	for i, m := range e.Messages {
		e.Messages[i] = redactSecret(m, secret)
	}
	for i, d := range e.Details {
		e.Details[i].Message = redactSecret(d.Message, secret)
		e.Details[i].Code = redactSecret(d.Code, secret)
	}
	e.Code = redactSecret(e.Code, secret)
}

// jsonText renders a JSON string or number as text; other values give "".
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if i, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
			return strconv.FormatInt(i, 10)
		}
		return n.String()
	}
	return ""
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func statusOf(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports whether err is an *APIError with status 404.
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsUnauthorized reports whether err is an *APIError with status 401 (a
// missing, wrong or revoked API key).
func IsUnauthorized(err error) bool { return statusOf(err) == http.StatusUnauthorized }

// IsForbidden reports whether err is an *APIError with status 403.
func IsForbidden(err error) bool { return statusOf(err) == http.StatusForbidden }

// IsConflict reports whether err is an *APIError with status 409.
func IsConflict(err error) bool { return statusOf(err) == http.StatusConflict }

// IsRateLimited reports whether err is an *APIError with status 429. The
// error's RetryAfter says how long the server asked to wait.
func IsRateLimited(err error) bool { return statusOf(err) == http.StatusTooManyRequests }

// IsValidation reports whether err is an *APIError with status 400 or 422:
// the API rejected the request's content.
func IsValidation(err error) bool {
	s := statusOf(err)
	return s == http.StatusBadRequest || s == http.StatusUnprocessableEntity
}

// IsServerError reports whether err is an *APIError with a 5xx status.
func IsServerError(err error) bool {
	s := statusOf(err)
	return s >= 500 && s <= 599
}
