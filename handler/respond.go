package handler

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/wacht"
)

// Error codes of the JSON error answers.
const (
	CodeUnauthenticated   = auth.AuthCodeUnauthenticated // 401
	CodeForbidden         = auth.AuthCodeForbidden       // 403
	CodeRateLimited       = "rate_limited"               // 429
	CodeBodyTooLarge      = "body_too_large"             // 413
	CodeInvalidWebhook    = "invalid_webhook"            // 400 or 401
	CodeNotFound          = "not_found"                  // 404
	CodeConflict          = "conflict"                   // 409
	CodeBadRequest        = "bad_request"                // 400
	CodeUpstream          = "upstream_error"             // 502
	CodeUnavailable       = "unavailable"                // 503
	CodeMisconfigured     = "misconfigured"              // 500
	CodeInternal          = "internal_error"             // 500
	CodeGatewayTimeout    = "upstream_timeout"           // 504
	CodeRequestCanceled   = "request_canceled"           // 499-like, answered 503
	headerRetryAfter      = "Retry-After"
	messageInternal       = "internal error; quote the request id when reporting it"
	messageUpstreamFailed = "Wacht's backend API failed; quote the request id when reporting it"
	messageUnreachable    = "Wacht's backend API could not be reached; try again later"
	messageMisconfigured  = "the function is misconfigured; its owner finds the detail in the log under the request id"
)

// ErrorBody is the JSON shape of every error answer.
type ErrorBody struct {
	Error     string `json:"error"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// HTTPError is an error a handler returns through WriteError to answer
// with its own status, code and message, for example
//
//	handler.WriteError(w, r, &handler.HTTPError{Status: 422, Code: "invalid_sku", Message: "unknown SKU", Err: err})
//
// Status, Code and Message are sent to the caller as given (Message must
// therefore hold nothing internal); Err, when set, is the cause that only
// reaches the log. A Status outside 400-599 answers 500; an empty Code is
// derived from the status ("not_found", "service_unavailable", ...).
type HTTPError struct {
	Status  int
	Code    string
	Message string
	// RetryAfter, when positive, is sent as Retry-After (whole seconds,
	// rounded up).
	RetryAfter time.Duration
	Err        error
}

func (e *HTTPError) Error() string {
	msg := strconv.Itoa(e.Status) + " " + e.code() + ": " + e.Message
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *HTTPError) Unwrap() error { return e.Err }

func (e *HTTPError) status() int {
	if e.Status < 400 || e.Status > 599 {
		return http.StatusInternalServerError
	}
	return e.Status
}

func (e *HTTPError) code() string {
	if e.Code != "" {
		return e.Code
	}
	switch st := e.status(); st {
	case http.StatusUnauthorized:
		return CodeUnauthenticated
	case http.StatusTooManyRequests:
		return CodeRateLimited
	case http.StatusInternalServerError:
		return CodeInternal
	case http.StatusServiceUnavailable:
		return CodeUnavailable
	default:
		if t := http.StatusText(st); t != "" {
			return strings.ReplaceAll(strings.ToLower(t), " ", "_")
		}
		return "error"
	}
}

// WriteError answers r with the JSON error that err calls for and logs it
// with the request id. The log gets the error's full text with the
// configured keys, the request's credentials and URL passwords redacted;
// the caller gets a status it can act on, a stable code, and a message
// that carries nothing internal:
//
//   - *HTTPError: its own status, code and message.
//   - *wacht.APIError: 404 stays 404, 409 stays 409, 400/422 become 400,
//     429 keeps its Retry-After; the backend rejecting our API key or
//     failing becomes 502 upstream_error.
//   - *wacht.RequestError (the backend API could not be asked): 504
//     upstream_timeout when the call timed out, 503 unavailable when
//     Wacht could not be reached (DNS failure, connection refused or reset,
//     connection closed before an answer), 502 upstream_error when it
//     answered something unusable (undecodable or oversized body).
//   - *auth.AuthError: 401 or 403. *auth.TokenError: 401
//     unauthenticated, or 503 unavailable when the signing keys could not
//     be fetched, 500 misconfigured when the verifier is broken.
//   - errors wrapping wacht.ErrInvalidParams: 400 bad_request.
//   - *wacht.ConfigError (including a failing Options.Resolve): 500 misconfigured
//     with a generic message; the setting's name is in the log only.
//   - context.DeadlineExceeded 504, context.Canceled 503.
//   - anything else: 500 internal_error.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status, body, retryAfter := classify(r.Context(), err)
	body.RequestID, _ = RequestIDFromContext(r.Context())
	// A request that carried no credential at all is routine (a crawler, a
	// health check, a browser before sign-in): it is answered, not logged.
	// A line each would flood the log, and on Workers every line is a
	// console write inside the request. Rejected credentials and every
	// other failure are logged.
	if status != http.StatusUnauthorized || auth.TokenErrorReason(err) != auth.TokenReasonMissing {
		level := slog.LevelWarn
		if status >= 500 {
			level = slog.LevelError
		}
		LoggerFromContext(r.Context()).LogAttrs(r.Context(), level, "request failed", slog.Int("status", status),
			slog.String("error", body.Error), slog.String("cause", redactFor(r.Context(), err.Error())))
	}
	if retryAfter > 0 {
		w.Header().Set(headerRetryAfter, strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	renderFailure(w, r, status, body)
}

// renderFailure writes a failure answer: through Options.RenderError of the
// kit serving r, when it has one, else as JSON.
func renderFailure(w http.ResponseWriter, r *http.Request, status int, body ErrorBody) {
	if s := scopeFrom(r.Context()); s != nil && s.kit != nil {
		s.kit.render(w, r, status, body)
		return
	}
	writeJSON(w, status, body)
}

func classify(ctx context.Context, err error) (int, ErrorBody, time.Duration) {
	// errors.AsType, not errors.As with a variable per type: every such
	// variable escaped, ten allocations on every failure answer.
	if e, ok := errors.AsType[*statusError](err); ok {
		return e.status, ErrorBody{Error: e.code, Message: e.message}, 0
	}
	if e, ok := errors.AsType[*HTTPError](err); ok {
		return e.status(), ErrorBody{Error: e.code(), Message: e.Message}, e.RetryAfter
	}
	if e, ok := errors.AsType[*auth.AuthError](err); ok {
		status := http.StatusForbidden
		if e.Unauthenticated() {
			status = http.StatusUnauthorized
		}
		return status, ErrorBody{Error: e.Code, Message: e.Message}, 0
	}
	if e, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return http.StatusRequestEntityTooLarge, ErrorBody{Error: CodeBodyTooLarge, Message: "request body exceeds " + strconv.FormatInt(e.Limit, 10) + " bytes"}, 0
	}
	if e, ok := errors.AsType[*auth.WebhookError](err); ok {
		return webhookStatus(e), ErrorBody{Error: CodeInvalidWebhook, Message: e.Error()}, 0
	}
	if _, ok := errors.AsType[*wacht.ConfigError](err); ok {
		// The detail (a setting's name, or whatever a Resolve function
		// returned, which may quote a connection string) is for the
		// function's owner, who finds it in the log by the request id.
		return http.StatusInternalServerError, ErrorBody{Error: CodeMisconfigured, Message: messageMisconfigured}, 0
	}
	if _, ok := errors.AsType[*auth.GatewayError](err); ok {
		return http.StatusServiceUnavailable, ErrorBody{Error: CodeUnavailable, Message: "machine authorization is unavailable; try again later"}, 0
	}
	if e, ok := errors.AsType[*wacht.APIError](err); ok {
		st, body := classifyAPIError(e)
		if st == http.StatusTooManyRequests {
			return st, body, e.RetryAfter
		}
		return st, body, 0
	}
	if e, ok := errors.AsType[*auth.TokenError](err); ok {
		return classifyTokenError(e, err)
	}
	reqErr, isReqErr := errors.AsType[*wacht.RequestError](err)
	switch {
	case errors.Is(err, wacht.ErrInvalidParams):
		// Raised before anything is sent, from the parameters the
		// handler passed: the text names the field and the rule.
		return http.StatusBadRequest, ErrorBody{Error: CodeBadRequest, Message: strings.TrimPrefix(redactFor(ctx, err.Error()), "wacht: ")}, 0
	case isReqErr && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded):
		switch {
		case isTimeout(reqErr):
			return http.StatusGatewayTimeout, ErrorBody{Error: CodeGatewayTimeout, Message: "Wacht's backend API did not answer in time"}, 0
		case unreachable(reqErr):
			return http.StatusServiceUnavailable, ErrorBody{Error: CodeUnavailable, Message: messageUnreachable}, 0
		default:
			return http.StatusBadGateway, ErrorBody{Error: CodeUpstream, Message: messageUpstreamFailed}, 0
		}
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, ErrorBody{Error: CodeGatewayTimeout, Message: "the function ran out of time waiting for Wacht"}, 0
	case errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable, ErrorBody{Error: CodeRequestCanceled, Message: "the request was canceled"}, 0
	default:
		return http.StatusInternalServerError, ErrorBody{Error: CodeInternal, Message: messageInternal}, 0
	}
}

func classifyTokenError(e *auth.TokenError, err error) (int, ErrorBody, time.Duration) {
	switch e.Reason {
	case auth.TokenReasonJWKSUnavailable:
		return http.StatusServiceUnavailable, ErrorBody{Error: CodeUnavailable, Message: "session tokens cannot be checked right now; try again later"}, 0
	case auth.TokenReasonMisconfigured:
		return http.StatusInternalServerError, ErrorBody{Error: CodeMisconfigured, Message: messageMisconfigured}, 0
	case auth.TokenReasonContextDone:
		if errors.Is(err, context.DeadlineExceeded) {
			return http.StatusGatewayTimeout, ErrorBody{Error: CodeGatewayTimeout, Message: "the function ran out of time waiting for Wacht"}, 0
		}
		return http.StatusServiceUnavailable, ErrorBody{Error: CodeRequestCanceled, Message: "the request was canceled"}, 0
	default:
		// The reason is a fixed lower-case word (expired, bad_signature);
		// the detail stays in the log.
		return http.StatusUnauthorized, ErrorBody{Error: CodeUnauthenticated, Message: "the session token was rejected (" + string(e.Reason) + ")"}, 0
	}
}

// isTimeout reports a transport timeout (a dial or response-header
// timeout of the HTTP client) that is not a context deadline.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// unreachable reports a backend call that never got an answer: the name
// did not resolve, the connection was refused or reset, or the server
// closed it before answering. Those are worth a retry later (503); an
// answer that could not be used is a bad gateway (502).
func unreachable(e *wacht.RequestError) bool {
	var (
		dnsErr *net.DNSError
		opErr  *net.OpError
	)
	switch {
	case errors.As(e, &dnsErr):
		return true
	case errors.As(e, &opErr) && opErr.Op == "dial":
		return true
	case errors.Is(e, syscall.ECONNREFUSED), errors.Is(e, syscall.ECONNRESET), errors.Is(e, syscall.EHOSTUNREACH), errors.Is(e, syscall.ENETUNREACH):
		return true
	case errors.Is(e, io.EOF), errors.Is(e, io.ErrUnexpectedEOF):
		// The connection closed before the answer was complete.
		return true
	default:
		return false
	}
}

func classifyAPIError(e *wacht.APIError) (int, ErrorBody) {
	switch {
	case e.StatusCode == http.StatusNotFound:
		return http.StatusNotFound, ErrorBody{Error: CodeNotFound, Message: firstMessage(e, "not found")}
	case e.StatusCode == http.StatusConflict:
		return http.StatusConflict, ErrorBody{Error: CodeConflict, Message: firstMessage(e, "conflict")}
	case e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity:
		return http.StatusBadRequest, ErrorBody{Error: CodeBadRequest, Message: firstMessage(e, "bad request")}
	case e.StatusCode == http.StatusTooManyRequests:
		return http.StatusTooManyRequests, ErrorBody{Error: CodeRateLimited, Message: "Wacht's backend API is rate limiting this function; retry later"}
	default:
		// 401/403 from the backend mean our API key is wrong or lacks a
		// scope: the caller can do nothing about that, so it is a 502 and
		// the detail stays in the log.
		return http.StatusBadGateway, ErrorBody{Error: CodeUpstream, Message: messageUpstreamFailed}
	}
}

func firstMessage(e *wacht.APIError, fallback string) string {
	if len(e.Messages) > 0 && e.Messages[0] != "" {
		return e.Messages[0]
	}
	return fallback
}

// statusError is an answer the kit decided on itself.
type statusError struct {
	status  int
	code    string
	message string
}

func (e *statusError) Error() string { return e.code + ": " + e.message }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal_error","message":"could not encode the answer"}`)
	}
	h := w.Header()
	h.Set("Content-Type", contentTypeJSONWithCharset)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// WriteJSON answers with v encoded as JSON and the given status; a small
// convenience so handlers answer in the same style as the kit's errors.
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }

func webhookStatus(e *auth.WebhookError) int {
	switch e.Reason {
	case auth.WebhookReasonBodyTooLarge:
		return http.StatusRequestEntityTooLarge
	case auth.WebhookReasonMissingHeader, auth.WebhookReasonBadTimestamp, auth.WebhookReasonBadPayload, auth.WebhookReasonReadBody:
		return http.StatusBadRequest
	default:
		// Signature or replay-window failures: the sender is not who it
		// claims to be, or the delivery is stale.
		return http.StatusUnauthorized
	}
}
