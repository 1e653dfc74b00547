package auth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/wacht"
)

// Published Standard Webhooks test vector (standard-webhooks repository,
// libraries/go/webhook_test.go and the other language suites).
var standardWebhooksVector = struct {
	secret, msgID string
	timestamp     int64
	payload       string
	signature     string
	invalid       string
}{
	secret:    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	msgID:     "msg_p5jXN8AQM9LWM0D4loKWxJek",
	timestamp: 1614265330,
	payload:   `{"test": 2432232314}`,
	signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	invalid:   "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
}

func vectorHeader(sig string, ts int64) http.Header {
	h := http.Header{}
	h.Set(WebhookIDHeader, standardWebhooksVector.msgID)
	h.Set(WebhookTimestampHeader, strconv.FormatInt(ts, 10))
	h.Set(WebhookSignatureHeader, sig)
	return h
}

func TestWebhookStandardVectors(t *testing.T) {
	vec := standardWebhooksVector
	sent := time.Unix(vec.timestamp, 0)
	for _, secret := range []string{vec.secret, strings.TrimPrefix(vec.secret, "whsec_")} {
		w, err := NewWebhookVerifier(secret)
		if err != nil {
			t.Fatal(err)
		}
		w.Now = func() time.Time { return sent.Add(time.Minute) }
		if got := w.SignWebhook(vec.msgID, sent, []byte(vec.payload)); got != vec.signature {
			t.Fatalf("sign: %s; want %s", got, vec.signature)
		}
		ev, err := w.Verify(vectorHeader(vec.signature, vec.timestamp), []byte(vec.payload))
		if err != nil {
			t.Fatal(err)
		}
		if ev.ID != vec.msgID || !ev.Timestamp.Equal(sent) || string(ev.Payload) != vec.payload {
			t.Fatalf("event %+v", ev)
		}
	}
	w, _ := NewWebhookVerifier(vec.secret)
	w.Now = func() time.Time { return sent }
	cases := []struct {
		name   string
		header http.Header
		body   string
		now    time.Time
		want   WebhookReason
	}{
		{"invalid signature", vectorHeader(vec.invalid, vec.timestamp), vec.payload, sent, WebhookReasonBadSignature},
		{"multiple with one valid", vectorHeader(strings.Join([]string{vec.invalid, "v2," + vec.signature[3:], vec.signature, vec.invalid}, " "), vec.timestamp), vec.payload, sent, ""},
		{"valid signature under an unknown version only", vectorHeader("v2,"+vec.signature[3:], vec.timestamp), vec.payload, sent, WebhookReasonNoSignature},
		{"v1a asymmetric entry ignored", vectorHeader("v1a,"+vec.signature[3:], vec.timestamp), vec.payload, sent, WebhookReasonNoSignature},
		{"missing id", func() http.Header { h := vectorHeader(vec.signature, vec.timestamp); h.Del(WebhookIDHeader); return h }(), vec.payload, sent, WebhookReasonMissingHeader},
		{"missing timestamp", func() http.Header {
			h := vectorHeader(vec.signature, vec.timestamp)
			h.Del(WebhookTimestampHeader)
			return h
		}(), vec.payload, sent, WebhookReasonMissingHeader},
		{"missing signature", func() http.Header {
			h := vectorHeader(vec.signature, vec.timestamp)
			h.Del(WebhookSignatureHeader)
			return h
		}(), vec.payload, sent, WebhookReasonMissingHeader},
		{"timestamp not a number", vectorHeader(vec.signature, 0), vec.payload, sent, WebhookReasonBadTimestamp},
		// Wacht resends a delivery's creation time on every retry, for up
		// to 7 days: the default accepts that span plus a day of margin.
		{"retry six minutes later", vectorHeader(vec.signature, vec.timestamp), vec.payload, sent.Add(6 * time.Minute), ""},
		{"retry three days later", vectorHeader(vec.signature, vec.timestamp), vec.payload, sent.Add(72 * time.Hour), ""},
		{"edge of the retry window", vectorHeader(vec.signature, vec.timestamp), vec.payload, sent.Add(DefaultWebhookMaxAge), ""},
		{"old timestamp", vectorHeader(vec.signature, vec.timestamp), vec.payload, sent.Add(DefaultWebhookMaxAge + time.Second), WebhookReasonTooOld},
		// A timestamp from the future only comes from clock skew.
		{"new timestamp", vectorHeader(vec.signature, vec.timestamp), vec.payload, sent.Add(-5*time.Minute - time.Second), WebhookReasonTooNew},
		{"edge of tolerance", vectorHeader(vec.signature, vec.timestamp), vec.payload, sent.Add(-5 * time.Minute), ""},
		{"tampered body", vectorHeader(vec.signature, vec.timestamp), `{"test": 2432232315}`, sent, WebhookReasonBadSignature},
		{"tampered id", func() http.Header {
			h := vectorHeader(vec.signature, vec.timestamp)
			h.Set(WebhookIDHeader, "msg_other")
			return h
		}(), vec.payload, sent, WebhookReasonBadSignature},
		{"signature not base64", vectorHeader("v1,@@@", vec.timestamp), vec.payload, sent, WebhookReasonBadSignature},
		{"truncated signature", vectorHeader(vec.signature[:20], vec.timestamp), vec.payload, sent, WebhookReasonBadSignature},
	}
	cases[7].header.Set(WebhookTimestampHeader, "16142653e0")
	for _, c := range cases {
		w.Now = func() time.Time { return c.now }
		_, err := w.Verify(c.header, []byte(c.body))
		var we *WebhookError
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (!errors.As(err, &we) || we.Reason != c.want):
			t.Errorf("%s: err %v; want %s", c.name, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), "MfKQ9r8G") || strings.Contains(err.Error(), "g0hM9SsE")) {
			t.Errorf("%s: error leaks a secret or signature", c.name)
		}
	}
	// MaxAge and Tolerance are separate bounds.
	w.MaxAge, w.Tolerance = time.Hour, time.Second
	for _, c := range []struct {
		now  time.Time
		want WebhookReason
	}{{sent.Add(time.Hour), ""}, {sent.Add(time.Hour + time.Second), WebhookReasonTooOld}, {sent.Add(-time.Second), ""}, {sent.Add(-2 * time.Second), WebhookReasonTooNew}} {
		w.Now = func() time.Time { return c.now }
		_, err := w.Verify(vectorHeader(vec.signature, vec.timestamp), []byte(vec.payload))
		var we *WebhookError
		if (c.want == "") != (err == nil) || (err != nil && (!errors.As(err, &we) || we.Reason != c.want)) {
			t.Errorf("now %s after: %v; want %q", c.now.Sub(sent), err, c.want)
		}
	}
	if got := w.ReplayWindowEnd(sent); !got.Equal(sent.Add(time.Hour)) {
		t.Errorf("ReplayWindowEnd %v", got)
	}
	w.MaxAge, w.Tolerance = 0, 0
	// A signed, non-JSON body is reported as such.
	w.Now = func() time.Time { return sent }
	body := []byte("not json")
	_, err := w.Verify(vectorHeader(w.SignWebhook(vec.msgID, sent, body), vec.timestamp), body)
	var we *WebhookError
	if !errors.As(err, &we) || we.Reason != WebhookReasonBadPayload {
		t.Fatalf("non-JSON body: %v", err)
	}
	for _, s := range []string{fmt.Sprintf("%v", w), fmt.Sprintf("%+v", w), fmt.Sprintf("%#v", w)} {
		if strings.Contains(s, "redacted") == false {
			t.Errorf("formatting does not redact: %s", s)
		}
	}
}

func TestWebhookSecrets(t *testing.T) {
	for _, s := range []string{"", "whsec_", "whsec_!!!", "whsec_c2hvcnQ="} {
		_, err := NewWebhookVerifier(s)
		var ce *wacht.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%q: %v", s, err)
		}
		if s != "" && strings.Contains(err.Error(), strings.TrimPrefix(s, "whsec_")) && strings.TrimPrefix(s, "whsec_") != "" {
			t.Errorf("%q: error echoes the secret", s)
		}
	}
}

func TestWebhookVerifyRequestOverHTTP(t *testing.T) {
	w, err := NewWebhookVerifier("whsec_" + "dGhpcyBpcyBhIDMyIGJ5dGUgd2ViaG9vayBzZWNyZXQh")
	if err != nil {
		t.Fatal(err)
	}
	w.MaxBodyBytes = 4096
	var got *WebhookEvent
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ev, err := w.VerifyRequest(r)
		if err != nil {
			var we *WebhookError
			errors.As(err, &we)
			http.Error(rw, string(we.Reason), 400)
			return
		}
		// The body is still readable afterwards.
		b, _ := io.ReadAll(r.Body)
		if !bytes.Equal(b, ev.Payload) {
			http.Error(rw, "body not restored", 500)
			return
		}
		got = ev
	}))
	defer srv.Close()
	send := func(body []byte, sign bool) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader(body))
		now := time.Now()
		req.Header.Set(WebhookIDHeader, "msg_1")
		req.Header.Set(WebhookTimestampHeader, strconv.FormatInt(now.Unix(), 10))
		if sign {
			req.Header.Set(WebhookSignatureHeader, w.SignWebhook("msg_1", now, body))
		} else {
			req.Header.Set(WebhookSignatureHeader, "v1,AAAA")
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, strings.TrimSpace(string(b))
	}
	body := []byte(`{"type":"user.created","timestamp":"2026-11-26T12:00:00Z","data":{"id":"user_1"}}`)
	if code, msg := send(body, true); code != 200 {
		t.Fatalf("%d %s", code, msg)
	}
	var data struct{ ID string }
	if got.Type != "user.created" || got.DecodeData(&data) != nil || data.ID != "user_1" {
		t.Fatalf("event %+v", got)
	}
	if code, msg := send(body, false); code != 400 || msg != string(WebhookReasonBadSignature) {
		t.Fatalf("%d %s", code, msg)
	}
	big := []byte(`{"data":"` + strings.Repeat("x", 5000) + `"}`)
	if code, msg := send(big, true); code != 400 || msg != string(WebhookReasonBodyTooLarge) {
		t.Fatalf("%d %s", code, msg)
	}
}
