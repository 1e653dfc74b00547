package handler

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/wacht-platform/serverless-go/wacht"
)

// Error codes of the JSON error answers.
const (
	CodeUnauthenticated   = wacht.AuthCodeUnauthenticated // 401
	CodeForbidden         = wacht.AuthCodeForbidden       // 403
	CodeRateLimited       = "rate_limited"                // 429
	CodeBodyTooLarge      = "body_too_large"              // 413
	CodeInvalidWebhook    = "invalid_webhook"             // 400 or 401
	CodeNotFound          = "not_found"                   // 404
	CodeConflict          = "conflict"                    // 409
	CodeBadRequest        = "bad_request"                 // 400
	CodeUpstream          = "upstream_error"              // 502
	CodeUnavailable       = "unavailable"                 // 503
	CodeMisconfigured     = "misconfigured"               // 500
	CodeInternal          = "internal_error"              // 500
	CodeGatewayTimeout    = "upstream_timeout"            // 504
	CodeRequestCanceled   = "request_canceled"            // 499-like, answered 503
	headerRetryAfter      = "Retry-After"
	messageInternal       = "internal error; quote the request id when reporting it"
	messageUpstreamFailed = "Wacht's backend API failed; quote the request id when reporting it"
)

// ErrorBody is the JSON shape of every error answer.
type ErrorBody struct {
	Error     string `json:"error"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// WriteError answers r with the JSON error that err calls for and logs it
// with the request id. Handlers can return backend errors through it:
// a *wacht.APIError maps to a status a caller can act on (404 stays 404,
// 429 keeps its Retry-After, the backend rejecting our API key or failing
// becomes 502) without passing on internals; a *wacht.AuthError becomes
// 401 or 403; anything else is a 500 whose detail only reaches the log.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := classify(err)
	body.RequestID = RequestIDFrom(r.Context())
	log := LoggerFrom(r.Context())
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	log.LogAttrs(r.Context(), level, "request failed", slog.Int("status", status), slog.String("error", body.Error), slog.String("cause", err.Error()))
	var apiErr *wacht.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests && apiErr.RetryAfter > 0 {
		w.Header().Set(headerRetryAfter, strconv.Itoa(int((apiErr.RetryAfter+time.Second-1)/time.Second)))
	}
	writeJSON(w, status, body)
}

func classify(err error) (int, ErrorBody) {
	var (
		authErr   *wacht.AuthError
		apiErr    *wacht.APIError
		cfgErr    *ConfigError
		maxErr    *http.MaxBytesError
		hookErr   *wacht.WebhookError
		gwErr     *wacht.GatewayError
		statusErr *statusError
	)
	switch {
	case errors.As(err, &statusErr):
		return statusErr.status, ErrorBody{Error: statusErr.code, Message: statusErr.message}
	case errors.As(err, &authErr):
		return authErr.Status, ErrorBody{Error: authErr.Code, Message: authErr.Message}
	case errors.As(err, &maxErr):
		return http.StatusRequestEntityTooLarge, ErrorBody{Error: CodeBodyTooLarge, Message: "request body exceeds " + strconv.FormatInt(maxErr.Limit, 10) + " bytes"}
	case errors.As(err, &hookErr):
		return webhookStatus(hookErr), ErrorBody{Error: CodeInvalidWebhook, Message: hookErr.Error()}
	case errors.As(err, &cfgErr):
		// The setting's name (never its value) helps the function's owner.
		return http.StatusInternalServerError, ErrorBody{Error: CodeMisconfigured, Message: cfgErr.Error()}
	case errors.As(err, &gwErr):
		return http.StatusServiceUnavailable, ErrorBody{Error: CodeUnavailable, Message: "machine authorization is unavailable; try again later"}
	case errors.As(err, &apiErr):
		return classifyAPIError(apiErr)
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, ErrorBody{Error: CodeGatewayTimeout, Message: "the function ran out of time waiting for Wacht"}
	case errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable, ErrorBody{Error: CodeRequestCanceled, Message: "the request was canceled"}
	default:
		return http.StatusInternalServerError, ErrorBody{Error: CodeInternal, Message: messageInternal}
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

func webhookStatus(e *wacht.WebhookError) int {
	switch e.Reason {
	case wacht.WebhookReasonBodyTooLarge:
		return http.StatusRequestEntityTooLarge
	case wacht.WebhookReasonMissingHeader, wacht.WebhookReasonBadTimestamp, wacht.WebhookReasonBadPayload, wacht.WebhookReasonReadBody:
		return http.StatusBadRequest
	default:
		// Signature or replay-window failures: the sender is not who it
		// claims to be, or the delivery is stale.
		return http.StatusUnauthorized
	}
}
