package wachttest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

type hookAppView struct {
	DeploymentID  string    `json:"deployment_id"`
	AppSlug       string    `json:"app_slug"`
	Name          string    `json:"name"`
	Description   *string   `json:"description"`
	SigningSecret string    `json:"signing_secret"`
	Emails        []string  `json:"failure_notification_emails"`
	CatalogSlug   *string   `json:"event_catalog_slug"`
	IsActive      bool      `json:"is_active"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

type endpointView struct {
	ID              string         `json:"id"`
	DeploymentID    string         `json:"deployment_id"`
	AppSlug         string         `json:"app_slug"`
	URL             string         `json:"url"`
	Description     *string        `json:"description"`
	Headers         map[string]any `json:"headers"`
	IsActive        bool           `json:"is_active"`
	MaxRetries      int            `json:"max_retries"`
	TimeoutSeconds  int            `json:"timeout_seconds"`
	FailureCount    int            `json:"failure_count"`
	LastFailureAt   *time.Time     `json:"last_failure_at"`
	AutoDisabled    bool           `json:"auto_disabled"`
	AutoDisabledAt  *time.Time     `json:"auto_disabled_at"`
	RateLimitConfig map[string]any `json:"rate_limit_config"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

// endpointListView is the list's item, dto::json::WebhookEndpoint
// (dto/src/json/webhook_requests.rs:83): the endpoint with its
// subscriptions, each {event_name, filter_rules (null when none)}. Create
// and update answer the model without them.
type endpointListView struct {
	endpointView
	Subscriptions []subscriptionView `json:"subscriptions"`
}

type subscriptionView struct {
	EventName   string `json:"event_name"`
	FilterRules any    `json:"filter_rules"`
}

func (e *endpoint) listView() endpointListView {
	subs := make([]subscriptionView, 0, len(e.Subscriptions))
	for _, name := range e.Subscriptions {
		subs = append(subs, subscriptionView{EventName: name, FilterRules: e.Filters[name]})
	}
	return endpointListView{endpointView: e.view(), Subscriptions: subs}
}

func (a *hookApp) view() hookAppView {
	return hookAppView{DeploymentID: DeploymentID, AppSlug: a.Slug, Name: a.Name, Description: a.Description, SigningSecret: a.Secret,
		Emails: nonNil(slices.Clone(a.Emails)), CatalogSlug: a.CatalogSlug, IsActive: a.Active, CreatedAt: a.Created, UpdatedAt: a.Updated}
}

func (e *endpoint) view() endpointView {
	return endpointView{ID: e.ID, DeploymentID: DeploymentID, AppSlug: e.AppSlug, URL: e.URL, Description: e.Description,
		Headers: e.Headers, IsActive: e.Active, MaxRetries: e.MaxRetries, TimeoutSeconds: e.TimeoutSeconds,
		FailureCount: e.FailureCount, LastFailureAt: e.LastFailureAt, RateLimitConfig: e.RateLimitConfig,
		CreatedAt: e.Created, UpdatedAt: e.Updated}
}

func newWebhookSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func (st *store) hookApp(slug string) (*hookApp, error) {
	return find(st.hookApps, "webhook app", slug)
}

func (st *store) addHookApp(a *hookApp, now time.Time) error {
	if strings.TrimSpace(a.Name) == "" {
		return badRequest("name is required")
	}
	if a.Slug == "" {
		a.Slug = strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(a.Name), "-"), "-")
		if a.Slug == "" {
			a.Slug = "app-" + st.newID()
		}
	}
	if !slugRE.MatchString(a.Slug) {
		return badRequest("app_slug must be lower-case letters, digits, '-' or '_'")
	}
	if _, exists := st.hookApps[a.Slug]; exists {
		return conflict("webhook app " + a.Slug + " already exists")
	}
	if a.Secret == "" {
		a.Secret = newWebhookSecret()
	}
	a.Active, a.Created, a.Updated = true, now, now
	st.hookApps[a.Slug] = a
	return nil
}

func (s *Server) listHookApps(w http.ResponseWriter, r *http.Request) error {
	inactive, err := queryBool(r, "include_inactive")
	if err != nil {
		return err
	}
	// ListWebhookAppsQuery (dto/src/json/webhook_requests.rs:13): limit
	// i32 defaulting to 50 (platform/src/application/webhook_apps.rs:33).
	return s.listed(r, listParams{defaultLimit: 50, sort: unsorted}, func(st *store, lq listQuery) error {
		return listing[*hookApp, hookAppView]{
			keep:     func(a *hookApp) bool { return a.Active || inactive },
			haystack: func(a *hookApp) string { return a.Slug + " " + a.Name },
			order:    creationOrder[*hookApp],
			view:     (*hookApp).view,
		}.serve(w, lq, maps.Values(st.hookApps))
	})
}

func (s *Server) createHookApp(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		AppSlug     *string  `json:"app_slug"`
		Name        string   `json:"name"`
		Description *string  `json:"description"`
		Emails      []string `json:"failure_notification_emails"`
		CatalogSlug *string  `json:"event_catalog_slug"`
	}
	// CreateWebhookAppRequest (dto/src/json/webhook_requests.rs:21).
	if err := bindJSON(r, &req, "name"); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		a := &hookApp{Slug: deref(req.AppSlug), Name: req.Name, Description: req.Description, Emails: req.Emails, CatalogSlug: req.CatalogSlug}
		if err := st.addHookApp(a, time.Now().UTC()); err != nil {
			return err
		}
		return ok(w, a.view())
	})
}

func (s *Server) getHookApp(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "app_slug", (*store).hookApp, func(st *store, a *hookApp) error {
		return ok(w, a.view())
	})
}

func (s *Server) updateHookApp(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name        *string   `json:"name"`
		Description *string   `json:"description"`
		IsActive    *bool     `json:"is_active"`
		Emails      *[]string `json:"failure_notification_emails"`
		CatalogSlug *string   `json:"event_catalog_slug"`
	}
	if err := bindJSON(r, &req); err != nil {
		return err
	}
	return within(s, r, "app_slug", (*store).hookApp, func(st *store, a *hookApp) error {
		if req.Name != nil {
			if strings.TrimSpace(*req.Name) == "" {
				return badRequest("name must not be empty")
			}
			a.Name = *req.Name
		}
		if req.Description != nil {
			a.Description = req.Description
		}
		assign(&a.Active, req.IsActive)
		if req.Emails != nil {
			a.Emails = slices.Clone(*req.Emails)
		}
		if req.CatalogSlug != nil {
			a.CatalogSlug = req.CatalogSlug
		}
		a.Updated = time.Now().UTC()
		return ok(w, a.view())
	})
}

func (s *Server) deleteHookApp(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "app_slug", (*store).hookApp, func(st *store, a *hookApp) error {
		delete(st.hookApps, a.Slug)
		for id, e := range st.endpoints {
			if e.AppSlug == a.Slug {
				delete(st.endpoints, id)
			}
		}
		return ok(w, empty{})
	})
}

func (s *Server) rotateHookSecret(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "app_slug", (*store).hookApp, func(st *store, a *hookApp) error {
		a.Secret, a.Updated = newWebhookSecret(), time.Now().UTC()
		return ok(w, a.view())
	})
}

func (s *Server) listEndpoints(w http.ResponseWriter, r *http.Request) error {
	inactive, err := queryBool(r, "include_inactive")
	if err != nil {
		return err
	}
	// ListWebhookEndpointsQuery (dto/src/json/webhook_requests.rs:76):
	// limit defaulting to 100 (platform/src/application/webhook_endpoints.rs:64).
	return s.listed(r, listParams{defaultLimit: 100, sort: unsorted}, func(st *store, lq listQuery) error {
		a, err := st.hookApp(r.PathValue("app_slug"))
		if err != nil {
			return err
		}
		return listing[*endpoint, endpointListView]{
			keep:  func(e *endpoint) bool { return e.AppSlug == a.Slug && (e.Active || inactive) },
			order: creationOrder[*endpoint],
			view:  (*endpoint).listView,
		}.serve(w, lq, maps.Values(st.endpoints))
	})
}

type subscription struct {
	EventName   string `json:"event_name"`
	FilterRules any    `json:"filter_rules,omitempty"`
}

func eventNames(subs []subscription) []string {
	var names []string
	for _, sub := range subs {
		names = append(names, sub.EventName)
	}
	return names
}

// eventFilters keeps each subscription's filter_rules, by event name.
func eventFilters(subs []subscription) map[string]any {
	out := map[string]any{}
	for _, sub := range subs {
		if sub.FilterRules != nil {
			out[sub.EventName] = sub.FilterRules
		}
	}
	return out
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badRequest("url must be an absolute http(s) URL")
	}
	return nil
}

func (s *Server) createEndpoint(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		URL             string         `json:"url"`
		Description     *string        `json:"description"`
		Subscriptions   []subscription `json:"subscriptions"`
		Headers         map[string]any `json:"headers"`
		MaxRetries      *int           `json:"max_retries"`
		TimeoutSeconds  *int           `json:"timeout_seconds"`
		RateLimitConfig map[string]any `json:"rate_limit_config"`
	}
	// CreateWebhookEndpointRequest (dto/src/json/webhook_requests.rs:136):
	// app_slug must be sent although the path's wins (endpoints.rs:49).
	if err := bindJSON(r, &req, "app_slug", "url", "subscriptions", "subscriptions[].event_name"); err != nil {
		return err
	}
	if err := checkURL(req.URL); err != nil {
		return err
	}
	if err := checkMaxRetries(req.MaxRetries); err != nil {
		return err
	}
	return within(s, r, "app_slug", (*store).hookApp, func(st *store, a *hookApp) error {
		e := &endpoint{AppSlug: a.Slug, URL: req.URL, Description: req.Description, Headers: req.Headers, RateLimitConfig: req.RateLimitConfig,
			MaxRetries: maxWebhookAttempts, TimeoutSeconds: 30}
		assign(&e.MaxRetries, req.MaxRetries)
		assign(&e.TimeoutSeconds, req.TimeoutSeconds)
		e.Subscriptions, e.Filters = eventNames(req.Subscriptions), eventFilters(req.Subscriptions)
		st.addEndpoint(e, time.Now().UTC())
		return ok(w, e.view())
	})
}

func (st *store) addEndpoint(e *endpoint, now time.Time) {
	if e.ID == "" {
		e.ID = st.newID()
	}
	e.Active, e.Created, e.Updated = true, now, now
	st.endpoints[e.ID] = e
}

func (st *store) appEndpoint(slug, id string) (*endpoint, error) {
	if _, err := st.hookApp(slug); err != nil {
		return nil, err
	}
	e, ok := st.endpoints[id]
	if !ok || e.AppSlug != slug {
		return nil, notFound("webhook endpoint " + id + " not found")
	}
	return e, nil
}

func (s *Server) updateEndpoint(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		URL             *string         `json:"url"`
		Description     *string         `json:"description"`
		Headers         map[string]any  `json:"headers"`
		MaxRetries      *int            `json:"max_retries"`
		TimeoutSeconds  *int            `json:"timeout_seconds"`
		IsActive        *bool           `json:"is_active"`
		Subscriptions   *[]subscription `json:"subscriptions"`
		RateLimitConfig map[string]any  `json:"rate_limit_config"`
	}
	// UpdateWebhookEndpointRequest (dto/src/json/webhook_requests.rs:162).
	if err := bindJSON(r, &req, "subscriptions?[].event_name"); err != nil {
		return err
	}
	if err := checkMaxRetries(req.MaxRetries); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		e, err := st.appEndpoint(r.PathValue("app_slug"), r.PathValue("endpoint_id"))
		if err != nil {
			return err
		}
		if req.URL != nil {
			if err := checkURL(*req.URL); err != nil {
				return err
			}
			e.URL = *req.URL
		}
		if req.Description != nil {
			e.Description = req.Description
		}
		if req.Headers != nil {
			e.Headers = req.Headers
		}
		assign(&e.MaxRetries, req.MaxRetries)
		assign(&e.TimeoutSeconds, req.TimeoutSeconds)
		assign(&e.Active, req.IsActive)
		if req.Subscriptions != nil {
			e.Subscriptions, e.Filters = eventNames(*req.Subscriptions), eventFilters(*req.Subscriptions)
		}
		if req.RateLimitConfig != nil {
			e.RateLimitConfig = req.RateLimitConfig
		}
		e.Updated = time.Now().UTC()
		return ok(w, e.view())
	})
}

func (s *Server) deleteEndpoint(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		e, err := st.appEndpoint(r.PathValue("app_slug"), r.PathValue("endpoint_id"))
		if err != nil {
			return err
		}
		delete(st.endpoints, e.ID)
		return ok(w, empty{})
	})
}

// Wacht's retry schedule: an attempt that got no answer, or a 5xx, 408 or
// 429, is tried again after 30 s, 1 min, 5 min, 15 min, then every 6 hours
// (commands/src/webhook_delivery/endpoint_failures.rs:103-113, platform
// commit 14c45dc78f5a), up to max_attempts, the endpoint's max_retries.
// That defaults to, and may not exceed, the attempts that fit in 7 days
// (commands/src/webhook_endpoint/validation.rs:37-80,
// endpoint_commands.rs:155-157).
const maxWebhookRetryWindow = 7 * 24 * time.Hour

func webhookRetryDelay(attempts int) time.Duration {
	switch attempts {
	case 1:
		return 30 * time.Second
	case 2:
		return time.Minute
	case 3:
		return 5 * time.Minute
	case 4:
		return 15 * time.Minute
	}
	return 6 * time.Hour
}

// maxWebhookAttempts is max_attempts_for_retry_window(7 days): 32.
var maxWebhookAttempts = func() int {
	attempts, total := 1, time.Duration(0)
	for total+webhookRetryDelay(attempts) <= maxWebhookRetryWindow {
		total += webhookRetryDelay(attempts)
		attempts++
	}
	return attempts
}()

func checkMaxRetries(v *int) error {
	switch {
	case v == nil:
		return nil
	case *v < 1:
		return badRequest("max_retries must be at least 1")
	case *v > maxWebhookAttempts:
		return badRequest(fmt.Sprintf("max_retries cannot exceed %d (7-day retry window limit)", maxWebhookAttempts))
	}
	return nil
}

type deliveryTarget struct {
	url         string
	headers     map[string]any
	timeout     time.Duration
	id          string // the endpoint's id; empty for DeliverWebhook's receivers
	maxAttempts int
}

// eventRequest is the body of both operations that send an event.
type eventRequest struct {
	EventName string `json:"event_name"`
	Payload   any    `json:"payload"`
}

// decodeEvent reads an event body; required names the keys the server's
// request struct demands (TriggerWebhookEventRequest: app_slug,
// event_name, payload, dto/src/json/webhook_requests.rs:171;
// TestWebhookEndpointRequest: event_name, line 266).
func decodeEvent(r *http.Request, required ...string) (eventRequest, error) {
	var req eventRequest
	if err := bindJSON(r, &req, required...); err != nil {
		return req, err
	}
	if req.EventName == "" {
		return req, badRequest("event_name is required")
	}
	return req, nil
}

func (e *endpoint) target() deliveryTarget {
	return deliveryTarget{url: e.URL, headers: e.Headers, timeout: time.Duration(e.TimeoutSeconds) * time.Second, id: e.ID, maxAttempts: e.MaxRetries}
}

func (s *Server) triggerWebhook(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeEvent(r, "app_slug", "event_name", "payload")
	if err != nil {
		return err
	}
	// Deliveries wait on receivers: they are made without the store lock.
	var slug string
	var targets []deliveryTarget
	filtered := 0
	err = within(s, r, "app_slug", (*store).hookApp, func(st *store, a *hookApp) error {
		slug = a.Slug
		for _, e := range oldestFirst(st.endpoints, func(e *endpoint) bool { return e.AppSlug == a.Slug && e.Active }) {
			if !slices.Contains(e.Subscriptions, req.EventName) && !slices.Contains(e.Subscriptions, "*") {
				filtered++
				continue
			}
			targets = append(targets, e.target())
		}
		return nil
	})
	if err != nil {
		return err
	}

	resp := struct {
		DeliveryIDs    []string `json:"delivery_ids"`
		FilteredCount  int      `json:"filtered_count"`
		DeliveredCount int      `json:"delivered_count"`
	}{DeliveryIDs: []string{}, FilteredCount: filtered}
	for _, t := range targets {
		d, err := s.deliver(r.Context(), slug, t, req.EventName, req.Payload, time.Time{})
		if d == nil {
			return err
		}
		resp.DeliveryIDs = append(resp.DeliveryIDs, d.ID)
		if err == nil && d.StatusCode >= 200 && d.StatusCode < 300 {
			resp.DeliveredCount++
		}
		s.recordDeliveryResult(t.id, err == nil && d.StatusCode < 300)
		if d.Retryable() {
			s.hookRetries.add(d)
		}
	}
	return ok(w, resp)
}

func (s *Server) recordDeliveryResult(endpointID string, success bool) {
	if success {
		return
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if e, ok := st.endpoints[endpointID]; ok {
		e.FailureCount++
		e.LastFailureAt = ptr(time.Now().UTC())
	}
}

func (s *Server) testEndpoint(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeEvent(r, "event_name")
	if err != nil {
		return err
	}
	var slug string
	var t deliveryTarget
	err = s.locked(func(st *store) error {
		e, err := st.appEndpoint(r.PathValue("app_slug"), r.PathValue("endpoint_id"))
		if err != nil {
			return err
		}
		// A test delivery is made once (max_attempts 1,
		// commands/src/webhook_endpoint/testing.rs:67).
		slug, t = e.AppSlug, e.target()
		t.maxAttempts = 1
		return nil
	})
	if err != nil {
		return err
	}
	payload := req.Payload
	if payload == nil {
		payload = map[string]any{"test": true}
	}
	start := time.Now()
	d, derr := s.deliver(r.Context(), slug, t, req.EventName, payload, time.Time{})
	resp := struct {
		Success        bool    `json:"success"`
		StatusCode     int     `json:"status_code"`
		ResponseTimeMS int64   `json:"response_time_ms"`
		ResponseBody   *string `json:"response_body"`
		Error          *string `json:"error"`
	}{ResponseTimeMS: time.Since(start).Milliseconds()}
	if derr != nil {
		resp.Error = ptr(derr.Error())
	} else {
		resp.StatusCode, resp.Success, resp.ResponseBody = d.StatusCode, d.StatusCode >= 200 && d.StatusCode < 300, ptr(string(d.Body))
	}
	return ok(w, resp)
}

// WebhookDelivery is the outcome of one attempt of a delivery.
type WebhookDelivery struct {
	ID         string      // the webhook-id header, the same on every attempt
	Timestamp  time.Time   // the webhook-timestamp header: the delivery's creation time, the same on every attempt
	Payload    []byte      // the body sent, the same on every attempt
	Header     http.Header // the headers sent
	StatusCode int         // the receiver's status; 0 if no response
	Body       []byte      // the receiver's body (first 64 KiB)
	// Attempt is this attempt's number: 1, then 2, 3, ... for the retries
	// RetryWebhook makes.
	Attempt int
	// MaxAttempts is how many attempts Wacht makes at most: the endpoint's
	// max_retries (32 unless set lower), 32 for DeliverWebhook's receivers.
	MaxAttempts int

	appSlug  string
	target   deliveryTarget
	noAnswer bool // the attempt was sent and got no response
}

// Retryable reports whether Wacht's worker would send the delivery again:
// this attempt got no answer, or a 5xx, 408 or 429 (not 410, which
// disables the endpoint), and attempts remain
// (worker/src/tasks/webhook.rs:328-376, 410-411, 449, 499-504).
func (d *WebhookDelivery) Retryable() bool {
	if d == nil || d.Attempt >= d.MaxAttempts {
		return false
	}
	return d.noAnswer || d.StatusCode >= 500 || d.StatusCode == http.StatusRequestTimeout || d.StatusCode == http.StatusTooManyRequests
}

// SeedWebhookAppSlug names the webhook app DeliverWebhook signs with. It is
// part of the seed fixture and is created on first use otherwise.
const SeedWebhookAppSlug = "wachttest"

// WebhookSecret returns the "whsec_..." signing secret DeliverWebhook uses.
func (s *Server) WebhookSecret() string {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.defaultHookApp().Secret
}

func (st *store) defaultHookApp() *hookApp {
	if a, ok := st.hookApps[SeedWebhookAppSlug]; ok {
		return a
	}
	a := &hookApp{Slug: SeedWebhookAppSlug, Name: "wachttest webhooks"}
	_ = st.addHookApp(a, time.Now().UTC())
	return a
}

// DeliverWebhook posts an event to receiverURL the way Wacht delivers
// webhooks: body {"type": eventType, "timestamp": ..., "data": data},
// signed with Standard Webhooks headers (webhook-id, webhook-timestamp,
// webhook-signature "v1,<base64 HMAC-SHA256 of id.timestamp.body>") using
// WebhookSecret. A non-2xx answer is not an error: check StatusCode, and
// RetryWebhook to act out Wacht's next attempt.
func (s *Server) DeliverWebhook(ctx context.Context, receiverURL, eventType string, data any) (*WebhookDelivery, error) {
	return s.DeliverWebhookWith(ctx, receiverURL, eventType, data, WebhookOptions{})
}

// DeliverWebhookFrom is DeliverWebhook signing with the secret of the named
// webhook app (empty means SeedWebhookAppSlug).
func (s *Server) DeliverWebhookFrom(ctx context.Context, appSlug, receiverURL, eventType string, data any) (*WebhookDelivery, error) {
	return s.DeliverWebhookWith(ctx, receiverURL, eventType, data, WebhookOptions{AppSlug: appSlug})
}

// WebhookOptions adjust DeliverWebhookWith.
type WebhookOptions struct {
	// AppSlug names the webhook app whose secret signs the delivery; empty
	// means SeedWebhookAppSlug.
	AppSlug string
	// CreatedAt is when the delivery was created, sent as webhook-timestamp
	// (and the body's timestamp) on every attempt. Set it in the past to act
	// out a retry that reaches the receiver days after the event; zero
	// means now.
	CreatedAt time.Time
}

// DeliverWebhookWith is DeliverWebhook with options.
func (s *Server) DeliverWebhookWith(ctx context.Context, receiverURL, eventType string, data any, o WebhookOptions) (*WebhookDelivery, error) {
	slug := o.AppSlug
	if slug == "" {
		st := s.st
		st.mu.Lock()
		slug = st.defaultHookApp().Slug
		st.mu.Unlock()
	}
	if err := checkURL(receiverURL); err != nil {
		return nil, fmt.Errorf("wachttest: receiver: %w", err)
	}
	return s.deliver(ctx, slug, deliveryTarget{url: receiverURL, timeout: 30 * time.Second, maxAttempts: maxWebhookAttempts}, eventType, data, o.CreatedAt)
}

// RetryWebhook makes the next attempt of a delivery the way Wacht's worker
// does once its retry delay has passed, without waiting for it: the same
// webhook-id, the same webhook-timestamp (the creation time, not now) and
// the same body (worker/src/tasks/webhook.rs:212-219, 288-299), signed
// with the webhook app's current secret. It fails when Wacht would not
// retry d (see Retryable), or when its app or endpoint is gone.
func (s *Server) RetryWebhook(ctx context.Context, d *WebhookDelivery) (*WebhookDelivery, error) {
	if d == nil || d.target.url == "" {
		return nil, fmt.Errorf("wachttest: RetryWebhook needs a delivery made by this emulator")
	}
	if !d.Retryable() {
		return nil, fmt.Errorf("wachttest: Wacht does not retry delivery %s after attempt %d of %d answered %d", d.ID, d.Attempt, d.MaxAttempts, d.StatusCode)
	}
	next := &WebhookDelivery{ID: d.ID, Timestamp: d.Timestamp, Payload: d.Payload, Attempt: d.Attempt + 1, MaxAttempts: d.MaxAttempts,
		appSlug: d.appSlug, target: d.target}
	return next, s.attempt(ctx, next)
}

// RetryWebhooks makes the next attempt of every delivery triggered through
// the backend API (triggerWebhookEvent) whose last attempt Wacht would
// retry, as if each one's delay had passed, and returns those attempts.
// Deliveries that fail again and remain retryable wait for the next call.
func (s *Server) RetryWebhooks(ctx context.Context) []*WebhookDelivery {
	var out []*WebhookDelivery
	for _, d := range s.hookRetries.take() {
		next, err := s.RetryWebhook(ctx, d)
		if next == nil {
			s.logf("webhook retry of %s dropped: %v", d.ID, err)
			continue
		}
		out = append(out, next)
		if next.Retryable() {
			s.hookRetries.add(next)
		}
	}
	return out
}

// maxPendingRetries bounds the deliveries waiting for RetryWebhooks.
const maxPendingRetries = 1000

// webhookRetries holds triggered deliveries whose last attempt failed.
type webhookRetries struct {
	mu      sync.Mutex
	pending []*WebhookDelivery
}

func (q *webhookRetries) add(d *WebhookDelivery) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) >= maxPendingRetries {
		q.pending = q.pending[1:]
	}
	q.pending = append(q.pending, d)
}

func (q *webhookRetries) take() []*WebhookDelivery {
	q.mu.Lock()
	defer q.mu.Unlock()
	p := q.pending
	q.pending = nil
	return p
}

// SignWebhook computes the webhook-signature value for the given id,
// timestamp and body with a "whsec_" secret.
func SignWebhook(secret, id string, timestamp time.Time, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", fmt.Errorf("wachttest: webhook secret is not whsec_ + base64")
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, timestamp.Unix())
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// deliver creates a delivery (stamped created, or now) and makes its first
// attempt.
func (s *Server) deliver(ctx context.Context, appSlug string, t deliveryTarget, eventType string, data any, created time.Time) (*WebhookDelivery, error) {
	if created.IsZero() {
		created = time.Now()
	}
	stamp := time.Unix(created.Unix(), 0).UTC()
	// The body's timestamp is the delivery's, in RFC 3339 with milliseconds
	// (worker/src/tasks/webhook.rs:212-219).
	body, err := json.Marshal(map[string]any{"type": eventType, "timestamp": stamp.Format("2006-01-02T15:04:05.000Z"), "data": data})
	if err != nil {
		return nil, fmt.Errorf("wachttest: encode webhook: %w", err)
	}
	if t.maxAttempts <= 0 {
		t.maxAttempts = maxWebhookAttempts
	}
	d := &WebhookDelivery{ID: "msg_" + randomHex(12), Timestamp: stamp, Payload: body, Attempt: 1, MaxAttempts: t.maxAttempts, appSlug: appSlug, target: t}
	return d, s.attempt(ctx, d)
}

// attempt sends d once, signed with its app's current secret (the worker
// reads the secret at each attempt: commands/src/webhook_delivery/active_delivery.rs:40-43).
func (s *Server) attempt(ctx context.Context, d *WebhookDelivery) error {
	var secret string
	err := s.locked(func(st *store) error {
		a, ok := st.hookApps[d.appSlug]
		if !ok {
			return fmt.Errorf("wachttest: webhook app %q not found", d.appSlug)
		}
		if d.target.id != "" {
			if _, ok := st.endpoints[d.target.id]; !ok {
				return fmt.Errorf("wachttest: webhook endpoint %s was deleted", d.target.id)
			}
		}
		secret = a.Secret
		return nil
	})
	if err != nil {
		return err
	}
	sig, err := SignWebhook(secret, d.ID, d.Timestamp, d.Payload)
	if err != nil {
		return err
	}
	if d.target.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.target.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.target.url, bytes.NewReader(d.Payload))
	if err != nil {
		return fmt.Errorf("wachttest: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Wacht-Webhook/1.0") // worker/src/tasks/webhook.rs:280
	req.Header.Set("webhook-id", d.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(d.Timestamp.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	// The endpoint's own headers go into the same map after the webhook-*
	// ones, so they win on a clash (worker/src/tasks/webhook.rs:287-309).
	for k, v := range d.target.headers {
		if sv, ok := v.(string); ok {
			req.Header.Set(k, sv)
		}
	}
	d.Header = req.Header.Clone()
	s.stats.webhooks.Add(1)
	defer s.recordAttempt(d, time.Now().UTC())
	res, err := s.hooks.Do(req)
	if err != nil {
		d.noAnswer = true
		return fmt.Errorf("wachttest: deliver webhook: %w", err)
	}
	defer res.Body.Close()
	d.StatusCode = res.StatusCode
	d.Body, _ = io.ReadAll(io.LimitReader(res.Body, 64<<10))
	return nil
}
