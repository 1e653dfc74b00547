package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wacht-platform/serverless-go/wacht"
)

// Standard Webhooks header names.
const (
	WebhookIDHeader        = "webhook-id"
	WebhookTimestampHeader = "webhook-timestamp"
	WebhookSignatureHeader = "webhook-signature"
)

// Webhook verification defaults.
//
// Wacht stamps a delivery once, when it is created (webhook_timestamp =
// Utc::now() in commands/src/webhook_trigger.rs:108-109 at platform commit
// 14c45dc78f5a), and its worker sends that same stamp on every attempt
// (worker/src/tasks/webhook.rs:288-299). Failed attempts (a 5xx, 408 or 429
// answer, or none) are retried after 30 s, 1 min, 5 min, 15 min and then
// every 6 hours (commands/src/webhook_delivery/endpoint_failures.rs:103-113)
// up to the endpoint's max_retries, which defaults to and may not exceed
// the number of attempts that fit in 7 days
// (commands/src/webhook_endpoint/validation.rs:37-63,
// endpoint_commands.rs:155-157): 32 attempts over about 6 days 18 hours. A
// receiver's own Retry-After can stretch a delay further
// (worker/src/tasks/webhook.rs:325, 507-515).
//
// The usual five-minute window around webhook-timestamp therefore rejects
// every retry after the first few minutes, and the delivery is lost: Wacht
// does not retry a 401. DefaultWebhookMaxAge accepts the whole retry span
// plus a day of margin for queue delays and Retry-After answers; replays
// inside that span are caught by webhook-id (WebhookIdempotency), not by the
// timestamp. A timestamp ahead of this host's clock can only come from clock
// skew, so the future stays bounded by DefaultWebhookTolerance.
const (
	DefaultWebhookMaxAge       = 8 * 24 * time.Hour
	DefaultWebhookTolerance    = 5 * time.Minute
	DefaultWebhookMaxBodyBytes = 1 << 20
	webhookSecretPrefix        = "whsec_"
	maxWebhookSignatures       = 32
)

// WebhookReason classifies a webhook verification failure.
type WebhookReason string

// Reasons a webhook delivery is rejected.
const (
	WebhookReasonMissingHeader WebhookReason = "missing_header"    // webhook-id, -timestamp or -signature absent
	WebhookReasonBadTimestamp  WebhookReason = "bad_timestamp"     // not an integer number of seconds
	WebhookReasonTooOld        WebhookReason = "timestamp_too_old" // older than MaxAge
	WebhookReasonTooNew        WebhookReason = "timestamp_too_new" // further in the future than Tolerance
	WebhookReasonNoSignature   WebhookReason = "no_v1_signature"   // no v1 entry in webhook-signature
	WebhookReasonBadSignature  WebhookReason = "bad_signature"     // no v1 entry matches
	WebhookReasonBodyTooLarge  WebhookReason = "body_too_large"    // over MaxBodyBytes
	WebhookReasonBadPayload    WebhookReason = "bad_payload"       // signed, but the body is not a JSON object
	WebhookReasonReadBody      WebhookReason = "read_body"         // reading the request body failed
)

// WebhookError is returned when a delivery does not verify. It never
// contains the secret, the signatures or the body.
type WebhookError struct {
	Reason WebhookReason
	Detail string
	Err    error
}

func (e *WebhookError) Error() string {
	msg := "wacht: webhook rejected (" + string(e.Reason) + ")"
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *WebhookError) Unwrap() error { return e.Err }

// WebhookEvent is a verified delivery.
type WebhookEvent struct {
	// ID is the webhook-id header, "msg_<delivery id>": one per delivery to
	// one endpoint, the same on every retry of it, and new for a delivery
	// replayed from the dashboard or API (webhook_trigger.rs:107-109,
	// 309-311). It is the key for dropping duplicates.
	ID string
	// Timestamp is the webhook-timestamp header: when Wacht created the
	// delivery, not when this attempt was sent.
	Timestamp time.Time
	// Duplicate is true when a WebhookIdempotency store reports that this
	// delivery was already processed successfully (handler.VerifyWebhook
	// sets it). Answer 2xx without processing it again.
	Duplicate bool
	// Type is the payload's "type" member (for example "user.created"), or ""
	// when absent.
	Type string
	// Data is the payload's "data" member, or nil when absent.
	Data json.RawMessage
	// Payload is the whole raw body that was signed.
	Payload json.RawMessage
}

// DecodeData decodes the event's data into v.
func (e *WebhookEvent) DecodeData(v any) error {
	if len(e.Data) == 0 {
		return errors.New("wacht: webhook event has no data")
	}
	return json.Unmarshal(e.Data, v)
}

// WebhookVerifier verifies Standard Webhooks deliveries signed with one
// endpoint secret. Set the exported fields before first use; it is then safe
// for concurrent use.
type WebhookVerifier struct {
	// MaxAge is how old webhook-timestamp may be (default
	// DefaultWebhookMaxAge, 8 days: Wacht's whole retry span plus margin).
	// A shorter MaxAge rejects Wacht's later retries of the same delivery.
	MaxAge time.Duration
	// Tolerance is how far webhook-timestamp may be ahead of now, for clock
	// skew (default 5 minutes).
	Tolerance time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxBodyBytes caps the body VerifyRequest reads and Verify accepts
	// (default 1 MiB).
	MaxBodyBytes int64

	key []byte
}

// NewWebhookVerifier builds a verifier for an endpoint secret of the form
// "whsec_<base64 key>" (the bare base64 key is accepted too).
func NewWebhookVerifier(secret string) (*WebhookVerifier, error) {
	s := strings.TrimSpace(secret)
	s = strings.TrimPrefix(s, webhookSecretPrefix)
	if s == "" {
		return nil, &wacht.ConfigError{Field: "webhook secret", Problem: "empty"}
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, &wacht.ConfigError{Field: "webhook secret", Problem: "not whsec_ followed by standard base64"}
	}
	if len(key) < 16 {
		return nil, &wacht.ConfigError{Field: "webhook secret", Problem: "key shorter than 16 bytes"}
	}
	return &WebhookVerifier{key: key}, nil
}

// String redacts the secret.
func (w *WebhookVerifier) String() string { return "auth.WebhookVerifier{secret: redacted}" }

// GoString redacts the secret.
func (w *WebhookVerifier) GoString() string { return w.String() }

func (w *WebhookVerifier) maxAge() time.Duration {
	if w.MaxAge > 0 {
		return w.MaxAge
	}
	return DefaultWebhookMaxAge
}

// ReplayWindowEnd is when a delivery stamped ts stops verifying: ts plus
// MaxAge. A store that remembers webhook-ids needs to keep an id no longer
// than that, because any later replay fails the timestamp check.
func (w *WebhookVerifier) ReplayWindowEnd(ts time.Time) time.Time {
	return ts.Add(w.maxAge())
}

func (w *WebhookVerifier) maxBody() int64 {
	if w.MaxBodyBytes > 0 {
		return w.MaxBodyBytes
	}
	return DefaultWebhookMaxBodyBytes
}

// Verify checks a delivery's headers against its raw body (exactly the
// bytes received, before any JSON decoding) and returns the event. Every
// space-separated "v1,<base64>" entry of webhook-signature is tried in
// constant time; entries of other versions are ignored. webhook-timestamp
// may be up to MaxAge old and up to Tolerance ahead. Verify does not
// detect a repeated webhook-id: pair it with a WebhookIdempotency store.
func (w *WebhookVerifier) Verify(header http.Header, body []byte) (*WebhookEvent, error) {
	if w == nil || len(w.key) == 0 {
		return nil, &wacht.ConfigError{Field: "webhook secret", Problem: "verifier not built with NewWebhookVerifier"}
	}
	if int64(len(body)) > w.maxBody() {
		return nil, &WebhookError{Reason: WebhookReasonBodyTooLarge, Detail: fmt.Sprintf("limit %d bytes", w.maxBody())}
	}
	id := header.Get(WebhookIDHeader)
	ts := header.Get(WebhookTimestampHeader)
	sigs := header.Get(WebhookSignatureHeader)
	switch {
	case id == "":
		return nil, &WebhookError{Reason: WebhookReasonMissingHeader, Detail: WebhookIDHeader}
	case ts == "":
		return nil, &WebhookError{Reason: WebhookReasonMissingHeader, Detail: WebhookTimestampHeader}
	case sigs == "":
		return nil, &WebhookError{Reason: WebhookReasonMissingHeader, Detail: WebhookSignatureHeader}
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || secs < 0 || len(ts) > 12 || strings.TrimLeft(ts, "0123456789") != "" {
		return nil, &WebhookError{Reason: WebhookReasonBadTimestamp}
	}
	sent := time.Unix(secs, 0)
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	tol := w.Tolerance
	if tol <= 0 {
		tol = DefaultWebhookTolerance
	}
	n := now()
	if sent.Before(n.Add(-w.maxAge())) {
		return nil, &WebhookError{Reason: WebhookReasonTooOld}
	}
	if sent.After(n.Add(tol)) {
		return nil, &WebhookError{Reason: WebhookReasonTooNew}
	}

	m := hmac.New(sha256.New, w.key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	want := m.Sum(nil)

	found, matched := false, false
	for i, entry := range strings.Fields(sigs) {
		if i >= maxWebhookSignatures {
			break
		}
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		found = true
		got, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			matched = true
		}
	}
	if !found {
		return nil, &WebhookError{Reason: WebhookReasonNoSignature}
	}
	if !matched {
		return nil, &WebhookError{Reason: WebhookReasonBadSignature}
	}

	ev := &WebhookEvent{ID: id, Timestamp: sent, Payload: bytes.Clone(body)}
	var p struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if len(bytes.TrimSpace(body)) == 0 || bytes.TrimSpace(body)[0] != '{' || json.Unmarshal(body, &p) != nil {
		return nil, &WebhookError{Reason: WebhookReasonBadPayload, Detail: "body is not a JSON object"}
	}
	ev.Type, ev.Data = p.Type, p.Data
	return ev, nil
}

// VerifyRequest reads r's body (at most MaxBodyBytes), verifies it with
// r's headers, and restores r.Body so a later handler can read it again.
func (w *WebhookVerifier) VerifyRequest(r *http.Request) (*WebhookEvent, error) {
	if w == nil || len(w.key) == 0 {
		return nil, &wacht.ConfigError{Field: "webhook secret", Problem: "verifier not built with NewWebhookVerifier"}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return w.Verify(r.Header, nil)
	}
	limit := w.maxBody()
	if r.ContentLength > limit {
		return nil, &WebhookError{Reason: WebhookReasonBodyTooLarge, Detail: fmt.Sprintf("limit %d bytes", limit)}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil, &WebhookError{Reason: WebhookReasonReadBody, Err: err}
	}
	if int64(len(body)) > limit {
		return nil, &WebhookError{Reason: WebhookReasonBodyTooLarge, Detail: fmt.Sprintf("limit %d bytes", limit)}
	}
	return w.Verify(r.Header, body)
}

// SignWebhook returns the webhook-signature value ("v1,<base64>") for a
// delivery, for tests and for forwarding deliveries you re-sign yourself.
func (w *WebhookVerifier) SignWebhook(id string, timestamp time.Time, body []byte) string {
	m := hmac.New(sha256.New, w.key)
	fmt.Fprintf(m, "%s.%d.", id, timestamp.Unix())
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}
