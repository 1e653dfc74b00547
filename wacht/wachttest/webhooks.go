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
	return within(s, r, "app_slug", (*store).hookApp, func(st *store, a *hookApp) error {
		e := &endpoint{AppSlug: a.Slug, URL: req.URL, Description: req.Description, Headers: req.Headers, RateLimitConfig: req.RateLimitConfig,
			MaxRetries: 5, TimeoutSeconds: 30}
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

type deliveryTarget struct {
	url     string
	headers map[string]any
	timeout time.Duration
	id      string
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
	return deliveryTarget{url: e.URL, headers: e.Headers, timeout: time.Duration(e.TimeoutSeconds) * time.Second, id: e.ID}
}

func (s *Server) triggerWebhook(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeEvent(r, "app_slug", "event_name", "payload")
	if err != nil {
		return err
	}
	// Deliveries wait on receivers: they are made without the store lock.
	var secret string
	var targets []deliveryTarget
	filtered := 0
	err = within(s, r, "app_slug", (*store).hookApp, func(st *store, a *hookApp) error {
		secret = a.Secret
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
		d, err := s.deliver(r.Context(), secret, t, req.EventName, req.Payload)
		resp.DeliveryIDs = append(resp.DeliveryIDs, d.ID)
		if err == nil && d.StatusCode >= 200 && d.StatusCode < 300 {
			resp.DeliveredCount++
		}
		s.recordDeliveryResult(t.id, err == nil && d.StatusCode < 300)
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
	var secret string
	var t deliveryTarget
	err = s.locked(func(st *store) error {
		e, err := st.appEndpoint(r.PathValue("app_slug"), r.PathValue("endpoint_id"))
		if err != nil {
			return err
		}
		secret, t = st.hookApps[e.AppSlug].Secret, e.target()
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
	d, derr := s.deliver(r.Context(), secret, t, req.EventName, payload)
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

// WebhookDelivery is the outcome of one delivery.
type WebhookDelivery struct {
	ID         string      // the webhook-id header
	Timestamp  time.Time   // the webhook-timestamp header
	Payload    []byte      // the body sent
	Header     http.Header // the headers sent
	StatusCode int         // the receiver's status; 0 if no response
	Body       []byte      // the receiver's body (first 64 KiB)
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
// WebhookSecret. A non-2xx answer is not an error: check StatusCode.
func (s *Server) DeliverWebhook(ctx context.Context, receiverURL, eventType string, data any) (*WebhookDelivery, error) {
	return s.DeliverWebhookFrom(ctx, "", receiverURL, eventType, data)
}

// DeliverWebhookFrom is DeliverWebhook signing with the secret of the named
// webhook app (empty means SeedWebhookAppSlug).
func (s *Server) DeliverWebhookFrom(ctx context.Context, appSlug, receiverURL, eventType string, data any) (*WebhookDelivery, error) {
	st := s.st
	st.mu.Lock()
	var secret string
	if appSlug == "" {
		secret = st.defaultHookApp().Secret
	} else if a, ok := st.hookApps[appSlug]; ok {
		secret = a.Secret
	} else {
		st.mu.Unlock()
		return nil, fmt.Errorf("wachttest: webhook app %q not found", appSlug)
	}
	st.mu.Unlock()
	if err := checkURL(receiverURL); err != nil {
		return nil, fmt.Errorf("wachttest: receiver: %w", err)
	}
	return s.deliver(ctx, secret, deliveryTarget{url: receiverURL, timeout: 30 * time.Second}, eventType, data)
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

func (s *Server) deliver(ctx context.Context, secret string, t deliveryTarget, eventType string, data any) (*WebhookDelivery, error) {
	s.stats.webhooks.Add(1)
	now := time.Now().UTC()
	body, err := json.Marshal(map[string]any{"type": eventType, "timestamp": now.Format(time.RFC3339), "data": data})
	if err != nil {
		return nil, fmt.Errorf("wachttest: encode webhook: %w", err)
	}
	d := &WebhookDelivery{ID: "msg_" + randomHex(12), Timestamp: time.Unix(now.Unix(), 0), Payload: body}
	sig, err := SignWebhook(secret, d.ID, d.Timestamp, body)
	if err != nil {
		return d, err
	}
	if t.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return d, fmt.Errorf("wachttest: webhook request: %w", err)
	}
	for k, v := range t.headers {
		if sv, ok := v.(string); ok {
			req.Header.Set(k, sv)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "wachttest-webhooks")
	req.Header.Set("webhook-id", d.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(d.Timestamp.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	d.Header = req.Header.Clone()
	res, err := s.hooks.Do(req)
	if err != nil {
		return d, fmt.Errorf("wachttest: deliver webhook: %w", err)
	}
	defer res.Body.Close()
	d.StatusCode = res.StatusCode
	d.Body, _ = io.ReadAll(io.LimitReader(res.Body, 64<<10))
	return d, nil
}
