package wachttest

import (
	"cmp"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// eventCatalog is models::webhook::WebhookEventCatalog: description is
// always written, null when unset.
type eventCatalog struct {
	DeploymentID string            `json:"deployment_id"`
	Slug         string            `json:"slug"`
	Name         string            `json:"name"`
	Description  *string           `json:"description"`
	Events       []eventDefinition `json:"events"`
	Created      time.Time         `json:"created_at"`
	Updated      time.Time         `json:"updated_at"`
}

type eventDefinition struct {
	Name           string  `json:"name"`
	Description    string  `json:"description"`
	Group          *string `json:"group,omitempty"`
	Schema         any     `json:"schema,omitempty"`
	ExamplePayload any     `json:"example_payload,omitempty"`
	IsArchived     *bool   `json:"is_archived,omitempty"`
}

func (c *eventCatalog) createdAt() time.Time { return c.Created }
func (c *eventCatalog) key() string          { return c.Slug }

// The message of every catalog lookup (platform/src/application/webhook_apps.rs:105).
func (st *store) catalog(slug string) (*eventCatalog, error) {
	c, ok := st.catalogs[slug]
	if !ok {
		return nil, notFound("Event catalog not found")
	}
	return c, nil
}

func (s *Server) listEventCatalogs(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		return ok(w, whole(viewsOf(oldestFirst(st.catalogs, nil), func(c *eventCatalog) eventCatalog { return *c })))
	})
}

// createEventCatalog inserts the catalog; a slug in use is the unique
// violation's 409 (platform/src/application/error.rs:14).
func (s *Server) createEventCatalog(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Slug        string            `json:"slug"`
		Name        string            `json:"name"`
		Description *string           `json:"description"`
		Events      []eventDefinition `json:"events"`
	}
	if err := bindJSON(r, &body, "slug", "name", "events", "events[].name", "events[].description"); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		if _, taken := st.catalogs[body.Slug]; taken {
			return conflict("Resource already exists")
		}
		now := time.Now().UTC()
		c := &eventCatalog{DeploymentID: DeploymentID, Slug: body.Slug, Name: body.Name, Description: body.Description,
			Events: nonNil(body.Events), Created: now, Updated: now}
		st.catalogs[c.Slug] = c
		return ok(w, c)
	})
}

func (s *Server) getEventCatalog(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "slug", (*store).catalog, func(st *store, c *eventCatalog) error { return ok(w, c) })
}

func (s *Server) updateEventCatalog(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return within(s, r, "slug", (*store).catalog, func(st *store, c *eventCatalog) error {
		assign(&c.Name, body.Name)
		if body.Description != nil {
			c.Description = body.Description
		}
		c.Updated = time.Now().UTC()
		return ok(w, c)
	})
}

// appendEvents refuses a name the catalog already has, a validation error
// (commands/src/webhook_event_catalog.rs:252).
func (s *Server) appendEvents(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Events []eventDefinition `json:"events"`
	}
	if err := bindJSON(r, &body, "events", "events[].name", "events[].description"); err != nil {
		return err
	}
	return within(s, r, "slug", (*store).catalog, func(st *store, c *eventCatalog) error {
		for _, ev := range body.Events {
			if slices.ContainsFunc(c.Events, func(e eventDefinition) bool { return e.Name == ev.Name }) {
				return badRequest("Event with name '" + ev.Name + "' already exists in the catalog")
			}
		}
		c.Events = append(c.Events, body.Events...)
		c.Updated = time.Now().UTC()
		return ok(w, c)
	})
}

func (s *Server) archiveEvent(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		EventName  string `json:"event_name"`
		IsArchived bool   `json:"is_archived"`
	}
	if err := bindJSON(r, &body, "event_name", "is_archived"); err != nil {
		return err
	}
	return within(s, r, "slug", (*store).catalog, func(st *store, c *eventCatalog) error {
		i := slices.IndexFunc(c.Events, func(e eventDefinition) bool { return e.Name == body.EventName })
		if i < 0 {
			return notFound("Event with name '" + body.EventName + "' not found in the catalog")
		}
		c.Events[i].IsArchived = ptr(body.IsArchived)
		c.Updated = time.Now().UTC()
		return ok(w, c)
	})
}

// The webhook app's lookups answer "Webhook app not found"
// (platform/src/application/webhook_apps.rs:172).
func (st *store) webhookApp(slug string) (*hookApp, error) {
	a, ok := st.hookApps[slug]
	if !ok {
		return nil, notFound("Webhook app not found")
	}
	return a, nil
}

// appEvents lists the events of the app's catalog, archived ones too, with
// created_at the time of the request (GetWebhookEventsQuery,
// queries/src/webhook.rs:472; platform/src/application/webhook_apps.rs:196).
func (s *Server) appEvents(w http.ResponseWriter, r *http.Request) error {
	type appEvent struct {
		DeploymentID string    `json:"deployment_id"`
		AppSlug      string    `json:"app_slug"`
		EventName    string    `json:"event_name"`
		Description  *string   `json:"description"`
		Schema       any       `json:"schema,omitempty"`
		Created      time.Time `json:"created_at"`
	}
	return within(s, r, "app_slug", (*store).webhookApp, func(st *store, a *hookApp) error {
		events := []appEvent{}
		if a.CatalogSlug != nil {
			c, err := st.catalog(*a.CatalogSlug)
			if err != nil {
				return err
			}
			now := time.Now().UTC()
			for _, e := range c.Events {
				events = append(events, appEvent{DeploymentID: DeploymentID, AppSlug: a.Slug, EventName: e.Name,
					Description: ptr(e.Description), Schema: e.Schema, Created: now})
			}
		}
		return ok(w, map[string]any{"events": events})
	})
}

func (s *Server) appCatalog(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "app_slug", (*store).webhookApp, func(st *store, a *hookApp) error {
		if a.CatalogSlug == nil {
			return notFound("No catalog assigned to this app")
		}
		c, err := st.catalog(*a.CatalogSlug)
		if err != nil {
			return err
		}
		return ok(w, c)
	})
}

// deliveryStatus is the worker's status of an attempt: success, failed, or
// permanently_failed once no attempt remains.
func (d *deliveryRecord) status() string {
	switch {
	case d.Success:
		return "success"
	case d.Attempt >= d.MaxAttempts:
		return "permanently_failed"
	}
	return "failed"
}

type deliveryItem struct {
	DeliveryID     string    `json:"delivery_id"`
	DeploymentID   string    `json:"deployment_id"`
	AppSlug        string    `json:"app_slug"`
	EndpointID     string    `json:"endpoint_id"`
	EventName      string    `json:"event_name"`
	Status         string    `json:"status"`
	HTTPStatusCode *int      `json:"http_status_code"`
	ResponseTimeMs *int64    `json:"response_time_ms"`
	AttemptNumber  int       `json:"attempt_number"`
	MaxAttempts    int       `json:"max_attempts"`
	Timestamp      time.Time `json:"timestamp"`
}

func (d *deliveryRecord) item() deliveryItem {
	v := deliveryItem{DeliveryID: d.ID, DeploymentID: DeploymentID, AppSlug: d.AppSlug, EndpointID: cmp.Or(d.EndpointID, "0"),
		EventName: d.EventName, Status: d.status(), ResponseTimeMs: ptr(d.Elapsed.Milliseconds()), AttemptNumber: d.Attempt,
		MaxAttempts: d.MaxAttempts, Timestamp: d.Created}
	if d.StatusCode != 0 {
		v.HTTPStatusCode = ptr(d.StatusCode)
	}
	return v
}

func (d *deliveryRecord) createdAt() time.Time { return d.Created }
func (d *deliveryRecord) key() string          { return d.ID }

// appDeliveries is get_app_webhook_deliveries
// (platform/src/application/webhook_deliveries.rs:105): newest first,
// filtered by endpoint_id, event_name, status, since and until, limit
// (default 100) and offset.
func (s *Server) appDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	since, until, err := timeRange(r, "since", "until", false)
	if err != nil {
		return err
	}
	endpointID := ""
	if q.Has("endpoint_id") {
		n, err := strconv.ParseInt(q.Get("endpoint_id"), 10, 64)
		if err != nil {
			return queryRejection("endpoint_id: invalid digit found in string")
		}
		endpointID = strconv.FormatInt(n, 10)
	}
	p := pageParams{Limit: 100}
	if err := queryInts(r, false, map[string]*int{"limit": &p.Limit, "offset": &p.Offset}); err != nil {
		return err
	}
	return within(s, r, "app_slug", (*store).webhookApp, func(st *store, a *hookApp) error {
		var all []*deliveryRecord
		for _, d := range st.deliveries {
			if d.AppSlug == a.Slug && in(d.Created, since, until) && (endpointID == "" || d.EndpointID == endpointID) &&
				(!q.Has("event_name") || d.EventName == q.Get("event_name")) && (!q.Has("status") || d.status() == q.Get("status")) {
				all = append(all, d)
			}
		}
		slices.SortFunc(all, byCreation)
		slices.Reverse(all)
		return ok(w, listOf(viewsOf(all, (*deliveryRecord).item), p))
	})
}

// deliveryDetails is get_webhook_delivery_details
// (platform/src/application/webhook_deliveries.rs:35): the app must exist
// and the id parse as an i64 ("Invalid delivery ID", 400); the delivery is
// then looked up by id in the deployment, whichever app it belongs to, and
// an unknown one fails ClickHouse's fetch_one, which the server answers as
// an internal error, the generic 500 (common/src/clickhouse.rs:1326).
// Payload and response headers are parsed JSON.
func (s *Server) deliveryDetails(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("delivery_id")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return badRequest("Invalid delivery ID")
	}
	return within(s, r, "app_slug", (*store).webhookApp, func(st *store, a *hookApp) error {
		i := slices.IndexFunc(st.deliveries, func(d *deliveryRecord) bool { return d.ID == id })
		if i < 0 {
			return &httpError{http.StatusInternalServerError, "Something went wrong"}
		}
		d := st.deliveries[i]
		var payload any
		_ = json.Unmarshal(d.Payload, &payload)
		var body *string
		if d.StatusCode != 0 {
			body = ptr(string(d.ResponseBody))
		}
		return ok(w, struct {
			deliveryItem
			Payload         any     `json:"payload"`
			ResponseBody    *string `json:"response_body"`
			ResponseHeaders any     `json:"response_headers"`
		}{d.item(), payload, body, nil})
	})
}

// webhookStats is WebhookStats (dto/src/json/webhook.rs:13) over the app's
// attempts; success_rate is a percentage.
func (s *Server) webhookStats(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "app_slug", (*store).webhookApp, func(st *store, a *hookApp) error {
		var total, ok24, failed24, succeeded int64
		for _, d := range st.deliveries {
			if d.AppSlug != a.Slug {
				continue
			}
			total++
			if d.Success {
				succeeded++
			}
			if time.Since(d.Created) < 24*time.Hour {
				ok24++
				if !d.Success {
					failed24++
				}
			}
		}
		var active int64
		for _, e := range st.endpoints {
			if e.AppSlug == a.Slug && e.Active {
				active++
			}
		}
		return ok(w, map[string]any{"total_deliveries": total, "success_rate": pct(succeeded, total),
			"active_endpoints": active, "failed_deliveries_24h": failed24})
	})
}

// replayTask is ReplayTaskStatusResponse; the emulator replays at once, so
// a task is completed by the time the request that queued it is answered
// (which still says "queued", as the server's does).
type replayTask struct {
	TaskID         string  `json:"task_id"`
	AppSlug        string  `json:"app_slug"`
	Status         string  `json:"status"`
	CreatedAt      *string `json:"created_at"`
	StartedAt      *string `json:"started_at"`
	CompletedAt    *string `json:"completed_at"`
	TotalCount     int     `json:"total_count"`
	Processed      int     `json:"processed"`
	ReplayedCount  int     `json:"replayed_count"`
	FailedCount    int     `json:"failed_count"`
	LastDeliveryID *string `json:"last_delivery_id"`

	created        time.Time
	idempotencyKey string
}

func (t *replayTask) createdAt() time.Time { return t.created }
func (t *replayTask) key() string          { return t.TaskID }

// replayDeliveries is replay_webhook_delivery
// (platform/src/application/webhook_replay.rs:205-470): by ids (at most
// 500) or by a date range of at most 48 hours, optionally narrowed by
// status, event name and endpoint; an idempotency key seen before answers
// the earlier task.
func (s *Server) replayDeliveries(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		DeliveryIDs    []string   `json:"delivery_ids"`
		StartDate      *time.Time `json:"start_date"`
		EndDate        *time.Time `json:"end_date"`
		Status         *string    `json:"status"`
		EventName      *string    `json:"event_name"`
		EndpointID     *string    `json:"endpoint_id"`
		IdempotencyKey *string    `json:"idempotency_key"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	byIDs := body.DeliveryIDs != nil
	now := time.Now().UTC()
	switch {
	case byIDs && len(body.DeliveryIDs) > 500:
		return badRequest("Maximum 500 delivery IDs are allowed per replay")
	case byIDs:
	case body.StartDate == nil:
		return jsonData("data did not match any variant of untagged enum ReplayWebhookDeliveryRequest")
	default:
		end := now
		if body.EndDate != nil {
			end = *body.EndDate
		}
		switch {
		case end.Before(*body.StartDate):
			return badRequest("end_date must be greater than or equal to start_date")
		case end.Sub(*body.StartDate) > 48*time.Hour:
			return badRequest("Replay range cannot exceed 48 hours")
		case body.Status != nil && !slices.Contains([]string{"success", "failed", "permanently_failed", "filtered"}, *body.Status):
			return badRequest("invalid status")
		}
		if body.EndpointID != nil {
			if _, err := strconv.ParseInt(*body.EndpointID, 10, 64); err != nil {
				return badRequest("invalid endpoint_id")
			}
		}
		body.EndDate = &end
	}
	slug := r.PathValue("app_slug")
	var task *replayTask
	var todo []*deliveryRecord
	fresh := false
	err := within(s, r, "app_slug", (*store).webhookApp, func(st *store, a *hookApp) error {
		if k := strings.TrimSpace(deref(body.IdempotencyKey)); k != "" {
			for _, t := range st.replays {
				if t.AppSlug == slug && t.idempotencyKey == k {
					task = t
					return nil
				}
			}
		}
		for _, d := range st.deliveries {
			if d.AppSlug != slug || d.EndpointID == "" {
				continue
			}
			if byIDs {
				if slices.Contains(body.DeliveryIDs, d.ID) {
					todo = append(todo, d)
				}
				continue
			}
			if in(d.Created, *body.StartDate, body.EndDate.Add(time.Nanosecond)) && (body.Status == nil || d.status() == *body.Status) &&
				(body.EventName == nil || d.EventName == *body.EventName) && (body.EndpointID == nil || d.EndpointID == *body.EndpointID) {
				todo = append(todo, d)
			}
		}
		stamp := now.Format(time.RFC3339)
		task = &replayTask{TaskID: strconv.FormatInt(st.snowflake(now), 10), AppSlug: slug, Status: "queued", CreatedAt: &stamp,
			TotalCount: len(todo), created: now, idempotencyKey: strings.TrimSpace(deref(body.IdempotencyKey))}
		st.replays[task.TaskID] = task
		fresh = true
		return nil
	})
	if err != nil {
		return err
	}
	if fresh {
		s.runReplay(r.Context(), task, todo)
	}
	return ok(w, map[string]any{"status": "queued", "message": "Webhook deliveries queued for replay", "task_id": task.TaskID})
}

// runReplay sends each delivery again, to its endpoint, with its payload.
func (s *Server) runReplay(ctx context.Context, task *replayTask, todo []*deliveryRecord) {
	started := time.Now().UTC().Format(time.RFC3339)
	var replayed, failed int
	var last *string
	for _, rec := range todo {
		var target deliveryTarget
		var found bool
		_ = s.locked(func(st *store) error {
			if e, ok := st.endpoints[rec.EndpointID]; ok {
				target, found = e.target(), true
			}
			return nil
		})
		if !found {
			failed++
			continue
		}
		d := &WebhookDelivery{ID: rec.MessageID, Timestamp: time.Unix(rec.Created.Unix(), 0).UTC(), Payload: rec.Payload, Attempt: 1,
			MaxAttempts: cmp.Or(target.maxAttempts, maxWebhookAttempts), appSlug: rec.AppSlug, target: target}
		if err := s.attempt(ctx, d); err != nil || d.StatusCode < 200 || d.StatusCode > 299 {
			failed++
		} else {
			replayed++
		}
		last = ptr(rec.ID)
	}
	completed := time.Now().UTC().Format(time.RFC3339)
	_ = s.locked(func(st *store) error {
		task.Status, task.StartedAt, task.CompletedAt = "completed", &started, &completed
		task.Processed, task.ReplayedCount, task.FailedCount, task.LastDeliveryID = len(todo), replayed, failed, last
		return nil
	})
}

func (st *store) replayTask(appSlug, id string) (*replayTask, error) {
	t, ok := st.replays[id]
	if !ok || t.AppSlug != appSlug {
		return nil, notFound("Replay task not found")
	}
	return t, nil
}

// listReplayTasks: limit defaults to 20 and is clamped to 1..100
// (platform/src/api/webhook/replay.rs:59); newest first.
func (s *Server) listReplayTasks(w http.ResponseWriter, r *http.Request) error {
	limit, offset := 20, 0
	if err := queryInts(r, false, map[string]*int{"limit": &limit, "offset": &offset}); err != nil {
		return err
	}
	limit = min(max(limit, 1), 100)
	return within(s, r, "app_slug", (*store).webhookApp, func(st *store, a *hookApp) error {
		all := oldestFirst(st.replays, func(t *replayTask) bool { return t.AppSlug == a.Slug })
		slices.Reverse(all)
		page := listOf(viewsOf(all, func(t *replayTask) replayTask { return *t }), pageParams{Limit: limit, Offset: offset})
		return ok(w, map[string]any{"data": page.Data, "limit": limit, "offset": offset, "has_more": page.HasMore})
	})
}

func (s *Server) getReplayTask(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "app_slug", (*store).webhookApp, func(st *store, a *hookApp) error {
		t, err := st.replayTask(a.Slug, r.PathValue("task_id"))
		if err != nil {
			return err
		}
		return ok(w, t)
	})
}

// cancelReplayTask answers the server's fixed reply; a task the emulator
// has already run stays completed.
func (s *Server) cancelReplayTask(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "app_slug", (*store).webhookApp, func(st *store, a *hookApp) error {
		if _, err := st.replayTask(a.Slug, r.PathValue("task_id")); err != nil {
			return err
		}
		return ok(w, map[string]any{"status": "cancelled", "message": "Replay task cancellation requested"})
	})
}

// reactivateEndpoint is ReactivateEndpointCommand
// (commands/src/webhook_endpoint/testing.rs:160): active again, failures
// cleared (platform/src/application/webhook_endpoints.rs:133).
func (s *Server) reactivateEndpoint(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		e, found := st.endpoints[r.PathValue("endpoint_id")]
		if !found {
			return notFound("Webhook endpoint not found")
		}
		e.Active, e.FailureCount, e.LastFailureAt, e.Updated = true, 0, nil, time.Now().UTC()
		return ok(w, map[string]any{"success": true, "message": "Endpoint " + e.URL + " reactivated successfully"})
	})
}

// appAttempts selects the app's attempts for the analytics views: by
// endpoint_id, and by start_date and end_date only when both are given
// (platform/src/application/webhook_analytics.rs:21).
func (s *Server) appAttempts(r *http.Request, st *store, slug string) ([]*deliveryRecord, error) {
	q := r.URL.Query()
	endpointID := ""
	if q.Has("endpoint_id") {
		n, err := strconv.ParseInt(q.Get("endpoint_id"), 10, 64)
		if err != nil {
			return nil, queryRejection("endpoint_id: invalid digit found in string")
		}
		endpointID = strconv.FormatInt(n, 10)
	}
	from, to, err := timeRange(r, "start_date", "end_date", false)
	if err != nil {
		return nil, err
	}
	if !q.Has("start_date") || !q.Has("end_date") {
		from, to = time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	var out []*deliveryRecord
	for _, d := range st.deliveries {
		if d.AppSlug == slug && in(d.Created, from, to) && (endpointID == "" || d.EndpointID == endpointID) {
			out = append(out, d)
		}
	}
	return out, nil
}

func avgMs(ds []*deliveryRecord) *float64 {
	if len(ds) == 0 {
		return nil
	}
	var sum float64
	for _, d := range ds {
		sum += float64(d.Elapsed.Microseconds()) / 1000
	}
	return ptr(sum / float64(len(ds)))
}

func quantileMs(ds []*deliveryRecord, q float64) *float64 {
	if len(ds) == 0 {
		return nil
	}
	ms := make([]float64, len(ds))
	for i, d := range ds {
		ms[i] = float64(d.Elapsed.Microseconds()) / 1000
	}
	slices.Sort(ms)
	return ptr(ms[int(q*float64(len(ms)-1))])
}

// webhookAnalytics is WebhookAnalyticsResult over the app's attempts.
func (s *Server) webhookAnalytics(w http.ResponseWriter, r *http.Request) error {
	type endpointPerf struct {
		EndpointID string   `json:"endpoint_id"`
		URL        string   `json:"endpoint_url"`
		Total      int64    `json:"total_attempts"`
		Successful int64    `json:"successful_attempts"`
		Failed     int64    `json:"failed_attempts"`
		AvgMs      *float64 `json:"avg_response_time_ms"`
		Rate       float64  `json:"success_rate"`
	}
	return within(s, r, "app_slug", (*store).webhookApp, func(st *store, a *hookApp) error {
		ds, err := s.appAttempts(r, st, a.Slug)
		if err != nil {
			return err
		}
		messages, events, reasons := map[string]bool{}, map[string]int64{}, map[string]int64{}
		perEndpoint := map[string][]*deliveryRecord{}
		var ok200 int64
		for _, d := range ds {
			messages[d.MessageID] = true
			events[d.EventName]++
			if d.Success {
				ok200++
			} else if d.StatusCode == 0 {
				reasons["no response"]++
			} else {
				reasons["HTTP "+strconv.Itoa(d.StatusCode)]++
			}
			if d.EndpointID != "" {
				perEndpoint[d.EndpointID] = append(perEndpoint[d.EndpointID], d)
			}
		}
		perf := []endpointPerf{}
		for _, id := range slices.Sorted(maps.Keys(perEndpoint)) {
			list := perEndpoint[id]
			p := endpointPerf{EndpointID: id, URL: list[0].URL, Total: int64(len(list)), AvgMs: avgMs(list)}
			for _, d := range list {
				if d.Success {
					p.Successful++
				}
			}
			p.Failed, p.Rate = p.Total-p.Successful, pct(p.Successful, p.Total)
			perf = append(perf, p)
		}
		total := int64(len(ds))
		return ok(w, map[string]any{
			"total_events": int64(len(messages)), "total_deliveries": total, "successful_deliveries": ok200,
			"failed_deliveries": total - ok200, "filtered_deliveries": 0,
			"avg_response_time_ms": avgMs(ds), "p50_response_time_ms": quantileMs(ds, 0.5),
			"p95_response_time_ms": quantileMs(ds, 0.95), "p99_response_time_ms": quantileMs(ds, 0.99),
			"success_rate": pct(ok200, total),
			"top_events": topN(events, 10, func(name string, n int64) any {
				return map[string]any{"event_name": name, "count": n}
			}),
			"endpoint_performance": perf,
			"failure_reasons": topN(reasons, 10, func(reason string, n int64) any {
				return map[string]any{"reason": reason, "count": n}
			}),
		})
	})
}

// webhookTimeseries buckets the app's attempts by interval, minute, hour,
// day (the default), week or month (TimeseriesInterval,
// models/src/webhook_analytics.rs:47); another interval is serde's 400.
func (s *Server) webhookTimeseries(w http.ResponseWriter, r *http.Request) error {
	interval := cmp.Or(r.URL.Query().Get("interval"), "day")
	trunc := intervalStart(interval)
	if trunc == nil {
		return queryRejection("interval: unknown variant `" + interval + "`, expected one of `minute`, `hour`, `day`, `week`, `month`")
	}
	type point struct {
		Timestamp  time.Time `json:"timestamp"`
		Events     int64     `json:"total_events"`
		Total      int64     `json:"total_deliveries"`
		Successful int64     `json:"successful_deliveries"`
		Failed     int64     `json:"failed_deliveries"`
		Filtered   int64     `json:"filtered_deliveries"`
		AvgMs      *float64  `json:"avg_response_time_ms"`
		Rate       float64   `json:"success_rate"`
	}
	return within(s, r, "app_slug", (*store).webhookApp, func(st *store, a *hookApp) error {
		ds, err := s.appAttempts(r, st, a.Slug)
		if err != nil {
			return err
		}
		buckets := map[time.Time][]*deliveryRecord{}
		for _, d := range ds {
			k := trunc(d.Created.UTC())
			buckets[k] = append(buckets[k], d)
		}
		out := []point{}
		for _, k := range slices.SortedFunc(maps.Keys(buckets), time.Time.Compare) {
			list := buckets[k]
			msgs := map[string]bool{}
			p := point{Timestamp: k, Total: int64(len(list)), AvgMs: avgMs(list)}
			for _, d := range list {
				msgs[d.MessageID] = true
				if d.Success {
					p.Successful++
				}
			}
			p.Events, p.Failed, p.Rate = int64(len(msgs)), p.Total-p.Successful, pct(p.Successful, p.Total)
			out = append(out, p)
		}
		return ok(w, map[string]any{"data": out, "interval": interval})
	})
}
