package wachttest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type received struct {
	header http.Header
	body   []byte
}

func receiver(t *testing.T, status int) (*httptest.Server, func() []received) {
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.Header.Clone(), b})
		mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte("thanks"))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

// checkSignature verifies a delivery the Standard Webhooks way, written
// independently of the emulator's signer.
func checkSignature(t *testing.T, secret string, r received) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	id, ts := r.header.Get("webhook-id"), r.header.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		t.Fatalf("webhook-timestamp %q", ts)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(r.body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	found := false
	for _, sig := range strings.Fields(r.header.Get("webhook-signature")) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			found = true
		}
	}
	if !found || id == "" {
		t.Fatalf("signature %q does not match %q (id %q)", r.header.Get("webhook-signature"), want, id)
	}
}

func TestDeliverWebhook(t *testing.T) {
	s := newChecked(t, Options{Seed: true})
	if s.WebhookSecret() != SeedWebhookSecret {
		t.Fatalf("seeded secret %q", s.WebhookSecret())
	}
	srv, got := receiver(t, http.StatusNoContent)
	d, err := s.DeliverWebhook(context.Background(), srv.URL+"/hooks", "user.created", map[string]any{"id": SeedUserID})
	if err != nil {
		t.Fatal(err)
	}
	if d.StatusCode != http.StatusNoContent {
		t.Errorf("status %d", d.StatusCode)
	}
	rs := got()
	if len(rs) != 1 {
		t.Fatalf("%d deliveries", len(rs))
	}
	checkSignature(t, SeedWebhookSecret, rs[0])
	var ev struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(rs[0].body, &ev); err != nil || ev.Type != "user.created" || ev.Data["id"] != SeedUserID {
		t.Errorf("payload %s (%v)", rs[0].body, err)
	}
	if rs[0].header.Get("webhook-id") != d.ID {
		t.Errorf("delivery id %q vs header %q", d.ID, rs[0].header.Get("webhook-id"))
	}
	sig, err := SignWebhook(SeedWebhookSecret, d.ID, d.Timestamp, d.Payload)
	if err != nil || sig != rs[0].header.Get("webhook-signature") {
		t.Errorf("SignWebhook %q %v", sig, err)
	}
	// A tampered body fails the independent check's comparison.
	tampered := rs[0]
	tampered.body = append([]byte(nil), tampered.body...)
	tampered.body[len(tampered.body)-2] ^= 1
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(SeedWebhookSecret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(tampered.header.Get("webhook-id") + "." + tampered.header.Get("webhook-timestamp") + "."))
	mac.Write(tampered.body)
	if "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)) == tampered.header.Get("webhook-signature") {
		t.Error("tampered body still matches")
	}
	if _, err := s.DeliverWebhookFrom(context.Background(), "nope", srv.URL, "x", nil); err == nil {
		t.Error("unknown app accepted")
	}
	if s.Stats().WebhooksDelivered != 1 {
		t.Errorf("WebhooksDelivered = %d", s.Stats().WebhooksDelivered)
	}
}

func TestWebhookAppsEndpointsAndTrigger(t *testing.T) {
	s := newChecked(t, Options{})
	c := newClient(t, s)
	srv, got := receiver(t, http.StatusOK)
	app := c.mustJSON(http.MethodPost, "/webhooks/apps", map[string]any{"name": "Billing Events"})
	slug := app["app_slug"].(string)
	secret := app["signing_secret"].(string)
	if slug != "billing-events" || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("app %v", app)
	}
	if code, _ := c.json(http.MethodPost, "/webhooks/apps", map[string]any{"name": "x", "app_slug": slug}); code != http.StatusConflict {
		t.Errorf("duplicate app: %d", code)
	}
	ep := c.mustJSON(http.MethodPost, "/webhooks/apps/"+slug+"/endpoints", map[string]any{
		"app_slug": slug, "url": srv.URL + "/in", "subscriptions": []map[string]any{{"event_name": "invoice.paid"}},
		"headers": map[string]any{"X-Tenant": "t1"},
	})
	epID := ep["id"].(string)
	c.mustJSON(http.MethodPost, "/webhooks/apps/"+slug+"/endpoints", map[string]any{
		"app_slug": slug, "url": srv.URL + "/other", "subscriptions": []map[string]any{{"event_name": "invoice.voided"}},
	})
	if code, _ := c.json(http.MethodPost, "/webhooks/apps/"+slug+"/endpoints", map[string]any{"app_slug": slug, "url": "not a url", "subscriptions": []any{}}); code != http.StatusBadRequest {
		t.Errorf("bad url: %d", code)
	}
	res := c.mustJSON(http.MethodPost, "/webhooks/apps/"+slug+"/trigger", map[string]any{"app_slug": slug, "event_name": "invoice.paid", "payload": map[string]any{"amount": 42}})
	if res["delivered_count"] != float64(1) || res["filtered_count"] != float64(1) || len(res["delivery_ids"].([]any)) != 1 {
		t.Fatalf("trigger %v", res)
	}
	rs := got()
	if len(rs) != 1 || rs[0].header.Get("X-Tenant") != "t1" {
		t.Fatalf("deliveries %v", rs)
	}
	checkSignature(t, secret, rs[0])

	test := c.mustJSON(http.MethodPost, "/webhooks/apps/"+slug+"/endpoints/"+epID+"/test", map[string]any{"event_name": "invoice.paid"})
	if test["success"] != true || test["status_code"] != float64(200) || test["response_body"] != "thanks" {
		t.Errorf("test endpoint %v", test)
	}
	rotated := c.mustJSON(http.MethodPost, "/webhooks/apps/"+slug+"/rotate-secret", nil)
	if rotated["signing_secret"] == secret {
		t.Error("secret not rotated")
	}
	d, err := s.DeliverWebhookFrom(context.Background(), slug, srv.URL, "invoice.paid", nil)
	if err != nil {
		t.Fatal(err)
	}
	checkSignature(t, rotated["signing_secret"].(string), received{d.Header, d.Payload})

	c.mustJSON(http.MethodPatch, "/webhooks/apps/"+slug+"/endpoints/"+epID, map[string]any{"is_active": false})
	if list := c.mustJSON(http.MethodGet, "/webhooks/apps/"+slug+"/endpoints", nil); count(t, list) != 1 {
		t.Errorf("inactive endpoint listed: %v", list)
	}
	c.mustJSON(http.MethodPatch, "/webhooks/apps/"+slug, map[string]any{"description": "billing", "is_active": false})
	if list := c.mustJSON(http.MethodGet, "/webhooks/apps?include_inactive=true", nil); count(t, list) != 1 {
		t.Errorf("apps including inactive: %v", list)
	}
	if list := c.mustJSON(http.MethodGet, "/webhooks/apps", nil); count(t, list) != 0 {
		t.Errorf("inactive app listed: %v", list)
	}
	c.mustJSON(http.MethodDelete, "/webhooks/apps/"+slug+"/endpoints/"+epID, nil)
	c.mustJSON(http.MethodDelete, "/webhooks/apps/"+slug, nil)
	if code, body := c.get("/webhooks/apps/" + slug); code != http.StatusNotFound {
		t.Errorf("deleted app: %d %v", code, body)
	}
}

// Retries are sent as Wacht's worker sends them: the same webhook-id, body
// and webhook-timestamp (the delivery's creation time) on every attempt,
// only after a 5xx, 408, 429 or no answer, and at most max_retries times.
func TestWebhookRetriesKeepTheTimestamp(t *testing.T) {
	s := newChecked(t, Options{})
	c := newClient(t, s)
	var mu sync.Mutex
	status := http.StatusServiceUnavailable
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, received{r.Header.Clone(), b})
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	setStatus := func(code int) { mu.Lock(); status = code; mu.Unlock() }

	app := c.mustJSON(http.MethodPost, "/webhooks/apps", map[string]any{"name": "Retries"})
	slug := app["app_slug"].(string)
	ep := c.mustJSON(http.MethodPost, "/webhooks/apps/"+slug+"/endpoints", map[string]any{
		"app_slug": slug, "url": srv.URL, "subscriptions": []map[string]any{{"event_name": "user.created"}},
	})
	// max_retries defaults to the attempts that fit in 7 days, and may not
	// exceed them (commands/src/webhook_endpoint/validation.rs:37-80).
	if ep["max_retries"] != float64(32) {
		t.Errorf("default max_retries %v", ep["max_retries"])
	}
	if code, _ := c.json(http.MethodPost, "/webhooks/apps/"+slug+"/endpoints", map[string]any{"app_slug": slug, "url": srv.URL, "max_retries": 33, "subscriptions": []any{}}); code != http.StatusBadRequest {
		t.Errorf("max_retries 33: %d", code)
	}

	res := c.mustJSON(http.MethodPost, "/webhooks/apps/"+slug+"/trigger", map[string]any{"app_slug": slug, "event_name": "user.created", "payload": map[string]any{"id": "7"}})
	if res["delivered_count"] != float64(0) {
		t.Fatalf("trigger %v", res)
	}
	setStatus(http.StatusTooManyRequests)
	if rs := s.RetryWebhooks(context.Background()); len(rs) != 1 || rs[0].Attempt != 2 || rs[0].StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second attempt %+v", rs)
	}
	setStatus(http.StatusOK)
	if rs := s.RetryWebhooks(context.Background()); len(rs) != 1 || rs[0].Attempt != 3 || rs[0].StatusCode != http.StatusOK {
		t.Fatalf("third attempt %+v", rs)
	}
	if rs := s.RetryWebhooks(context.Background()); len(rs) != 0 {
		t.Fatalf("a delivered event was retried: %+v", rs)
	}
	mu.Lock()
	attempts := append([]received(nil), got...)
	mu.Unlock()
	if len(attempts) != 3 {
		t.Fatalf("%d attempts", len(attempts))
	}
	for i, a := range attempts {
		checkSignature(t, app["signing_secret"].(string), a)
		for _, h := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
			if a.header.Get(h) != attempts[0].header.Get(h) {
				t.Errorf("attempt %d: %s %q, first %q", i+1, h, a.header.Get(h), attempts[0].header.Get(h))
			}
		}
		if !bytes.Equal(a.body, attempts[0].body) {
			t.Errorf("attempt %d body %s", i+1, a.body)
		}
		if a.header.Get("User-Agent") != "Wacht-Webhook/1.0" {
			t.Errorf("User-Agent %q", a.header.Get("User-Agent"))
		}
	}
	// The body's timestamp is the creation time with milliseconds
	// (worker/src/tasks/webhook.rs:212-219).
	var ev struct {
		Timestamp string `json:"timestamp"`
	}
	_ = json.Unmarshal(attempts[0].body, &ev)
	sec, _ := strconv.ParseInt(attempts[0].header.Get("webhook-timestamp"), 10, 64)
	if ev.Timestamp != time.Unix(sec, 0).UTC().Format("2006-01-02T15:04:05.000Z") {
		t.Errorf("body timestamp %q for webhook-timestamp %d", ev.Timestamp, sec)
	}

	// A 4xx other than 408/429 is final; so is the last attempt.
	setStatus(http.StatusBadRequest)
	d, err := s.DeliverWebhookFrom(context.Background(), slug, srv.URL, "user.created", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Retryable() {
		t.Error("a 400 is retried")
	}
	if _, err := s.RetryWebhook(context.Background(), d); err == nil {
		t.Error("RetryWebhook retried a 400")
	}
	setStatus(http.StatusInternalServerError)
	d, _ = s.DeliverWebhookFrom(context.Background(), slug, srv.URL, "user.created", nil)
	d.MaxAttempts = 2
	last, err := s.RetryWebhook(context.Background(), d)
	if err != nil || last.Retryable() {
		t.Errorf("last attempt: %v retryable=%v", err, last.Retryable())
	}
}
