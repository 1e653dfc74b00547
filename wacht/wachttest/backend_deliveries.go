package wachttest

import (
	"encoding/json"
	"time"
)

// deliveryRecord is one attempt at a webhook delivery, as the worker
// records it for the delivery and analytics views.
type deliveryRecord struct {
	ID           string // the attempt's id (a numeric string)
	MessageID    string // the webhook-id header: the same on every attempt
	AppSlug      string
	EndpointID   string // "" for DeliverWebhook's receivers
	URL          string
	EventName    string
	Attempt      int
	MaxAttempts  int
	StatusCode   int // 0 when there was no answer
	Elapsed      time.Duration
	Success      bool
	Payload      []byte
	ResponseBody []byte
	Created      time.Time
}

// recordAttempt keeps the outcome of one attempt of d, started at start.
func (s *Server) recordAttempt(d *WebhookDelivery, start time.Time) {
	var ev struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(d.Payload, &ev)
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.deliveries = append(s.st.deliveries, &deliveryRecord{ID: s.st.newID(), MessageID: d.ID, AppSlug: d.appSlug,
		EndpointID: d.target.id, URL: d.target.url, EventName: ev.Type, Attempt: d.Attempt, MaxAttempts: d.MaxAttempts,
		StatusCode: d.StatusCode, Elapsed: time.Since(start), Success: d.StatusCode >= 200 && d.StatusCode < 300,
		Payload: d.Payload, ResponseBody: d.Body, Created: start})
}
