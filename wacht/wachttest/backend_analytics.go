package wachttest

import (
	"cmp"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The analytics operations read what the emulator has seen: users,
// organizations and workspaces created, sign-ins started with NewSession,
// webhook deliveries and gateway checks. The server reads the same events
// from ClickHouse; the emulator has no device, country or sign-in method
// data, so those breakdowns are empty, and no LLM, so token usage is too.

// auditEntry is one gateway check, as the gateway logs it
// (ApiKeyVerificationEvent, platform/src/gateway/handlers.rs:603-619):
// outcome VALID or BLOCKED, path "METHOD resource", the rate-limit states.
type auditEntry struct {
	RequestID     string           `json:"request_id"`
	DeploymentID  string           `json:"deployment_id"`
	AppSlug       string           `json:"app_slug"`
	KeyID         string           `json:"key_id"`
	KeyName       string           `json:"key_name"`
	Outcome       string           `json:"outcome"`
	BlockedByRule *string          `json:"blocked_by_rule"`
	ClientIP      string           `json:"client_ip"`
	Path          string           `json:"path"`
	UserAgent     *string          `json:"user_agent"`
	RateLimits    []authzRateLimit `json:"rate_limits"`
	Timestamp     time.Time        `json:"timestamp"`
}

// timeRange reads the from/to (or start_date/end_date) query parameters as
// chrono's DateTime<Utc> does: RFC 3339, required where the server's field
// is not an Option.
func timeRange(r *http.Request, fromName, toName string, required bool) (from, to time.Time, err error) {
	q := r.URL.Query()
	parse := func(name string, def time.Time) (time.Time, error) {
		if !q.Has(name) {
			if required {
				return def, queryRejection("missing field `" + name + "`")
			}
			return def, nil
		}
		t, err := time.Parse(time.RFC3339Nano, q.Get(name))
		if err != nil {
			return def, queryRejection(name + ": input contains invalid characters")
		}
		return t.UTC(), nil
	}
	if from, err = parse(fromName, time.Time{}); err != nil {
		return
	}
	to, err = parse(toName, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	return
}

func in(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }

// change is calculate_change (platform/src/application/analytics.rs:45).
func change(cur, prev int64) *float64 {
	switch {
	case prev != 0:
		return ptr(float64(cur-prev) / float64(prev) * 100)
	case cur > 0:
		return ptr(100.0)
	}
	return nil
}

type breakdownItem struct {
	Label string `json:"label"`
	Count int64  `json:"count"`
}

// recentEvent is a recent sign-up or sign-in: the server reads them with
// coalesce(..., ”) (common/src/clickhouse.rs:466-540), so name, email
// (the user's identifier) and method are always strings, empty when
// unknown; the emulator records no sign-in method.
type recentEvent struct {
	Name   string    `json:"name"`
	Email  string    `json:"email"`
	Method string    `json:"method"`
	Date   time.Time `json:"date"`
}

type dailyMetric struct {
	Day     string `json:"day"`
	Signins int64  `json:"signins"`
	Signups int64  `json:"signups"`
}

// signin is a sign-in the emulator has seen.
type signin struct {
	userID string
	at     time.Time
}

func (s *Server) signins() []signin {
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	var out []signin
	for _, rec := range s.sessions.byID {
		if rec.userID != "" {
			out = append(out, signin{rec.userID, rec.created})
		}
	}
	slices.SortFunc(out, func(a, b signin) int { return a.at.Compare(b.at) })
	return out
}

// analyticsStats is get_analytics_stats
// (platform/src/application/analytics.rs:78, common/src/clickhouse.rs:440-580):
// figures for from..to, both included, the change against the window of
// the same length before it, the days with activity, and the ten latest
// sign-ups and sign-ins of all time (those two queries take no window).
func (s *Server) analyticsStats(w http.ResponseWriter, r *http.Request) error {
	from, to, err := timeRange(r, "from", "to", true)
	if err != nil {
		return err
	}
	prevFrom, prevTo := from.Add(-to.Sub(from)), to.Add(-to.Sub(from))
	signins := s.signins()
	during := func(t, a, b time.Time) bool { return !t.Before(a) && !t.After(b) }
	return s.locked(func(st *store) error {
		uniqueSignins := func(a, b time.Time) int64 {
			seen := map[string]bool{}
			for _, si := range signins {
				if during(si.at, a, b) {
					seen[si.userID] = true
				}
			}
			return int64(len(seen))
		}
		figures := func(a, b time.Time) [4]int64 {
			return [4]int64{uniqueSignins(a, b), createdDuring(st.users, a, b), createdDuring(st.orgs, a, b), createdDuring(st.workspaces, a, b)}
		}
		cur, prev := figures(from, to), figures(prevFrom, prevTo)
		days := map[string]*dailyMetric{}
		day := func(t time.Time) *dailyMetric {
			k := t.UTC().Format(time.DateOnly)
			if days[k] == nil {
				days[k] = &dailyMetric{Day: k}
			}
			return days[k]
		}
		person := func(u *user, at time.Time) recentEvent {
			ev := recentEvent{Name: strings.TrimSpace(u.FirstName + " " + u.LastName), Email: u.Username, Date: at}
			if e := u.primaryEmail(); e != nil {
				ev.Email = e.Address
			}
			return ev
		}
		var signups, recentSignins []recentEvent
		for _, u := range oldestFirst(st.users, nil) {
			if during(u.Created, from, to) {
				day(u.Created).Signups++
			}
			signups = append(signups, person(u, u.Created))
		}
		for _, si := range signins {
			if u, ok := st.users[si.userID]; ok {
				if during(si.at, from, to) {
					day(si.at).Signins++
				}
				recentSignins = append(recentSignins, person(u, si.at))
			}
		}
		latest := func(evs []recentEvent) []recentEvent {
			slices.Reverse(evs)
			return append([]recentEvent{}, evs[:min(len(evs), 10)]...)
		}
		daily := make([]dailyMetric, 0, len(days))
		for _, d := range days {
			daily = append(daily, *d)
		}
		slices.SortFunc(daily, func(a, b dailyMetric) int { return strings.Compare(a.Day, b.Day) })
		return ok(w, map[string]any{
			"unique_signins": cur[0], "signups": cur[1], "organizations_created": cur[2], "workspaces_created": cur[3],
			"total_signups":                int64(len(st.users)),
			"unique_signins_change":        change(cur[0], prev[0]),
			"signups_change":               change(cur[1], prev[1]),
			"organizations_created_change": change(cur[2], prev[2]),
			"workspaces_created_change":    change(cur[3], prev[3]),
			"daily_metrics":                daily, "recent_signups": latest(signups), "recent_signins": latest(recentSignins),
			"methods": []breakdownItem{}, "top_countries": []breakdownItem{}, "devices": []breakdownItem{},
		})
	})
}

// createdDuring counts the records of m created from a to b, both included.
func createdDuring[T record](m map[string]T, a, b time.Time) (n int64) {
	for _, v := range m {
		if t := v.createdAt(); !t.Before(a) && !t.After(b) {
			n++
		}
	}
	return n
}

// intervalStart returns what truncates a UTC time to the start of its
// minute, hour, day, week (Monday) or month, as Postgres's date_trunc and
// ClickHouse's toStartOf* do, or nil for another interval.
func intervalStart(interval string) func(time.Time) time.Time {
	switch interval {
	case "minute":
		return func(t time.Time) time.Time { return t.Truncate(time.Minute) }
	case "hour":
		return func(t time.Time) time.Time { return t.Truncate(time.Hour) }
	case "day":
		return func(t time.Time) time.Time { return t.Truncate(24 * time.Hour) }
	case "week":
		return func(t time.Time) time.Time {
			d := t.Truncate(24 * time.Hour)
			return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
		}
	case "month":
		return func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC) }
	}
	return nil
}

// bucketer is the usage queries' bucketing (common/src/clickhouse.rs:168):
// granularity hour or day, anything else minute; a bucket is written with
// chrono's to_rfc3339, so UTC is "+00:00", not "Z".
func bucketer(r *http.Request) func(time.Time) string {
	unit := time.Minute
	switch r.URL.Query().Get("granularity") {
	case "hour":
		unit = time.Hour
	case "day":
		unit = 24 * time.Hour
	}
	return func(t time.Time) string {
		return t.UTC().Truncate(unit).Format("2006-01-02T15:04:05+00:00")
	}
}

func sortedBuckets[T any](m map[string]*T, bucket func(*T) string) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(bucket(&a), bucket(&b)) })
	return out
}

// tokenUsage and tokenUsageByModel: the emulator runs no model, so there
// is no usage to report.
func (s *Server) tokenUsage(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := timeRange(r, "from", "to", true); err != nil {
		return err
	}
	return ok(w, map[string]any{"buckets": []any{}})
}

func (s *Server) tokenUsageByModel(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := timeRange(r, "from", "to", true); err != nil {
		return err
	}
	return ok(w, map[string]any{"models": []any{}})
}

type webhookUsageBucket struct {
	Bucket      string  `json:"bucket"`
	Total       int64   `json:"total_deliveries"`
	Successful  int64   `json:"successful_deliveries"`
	Failed      int64   `json:"failed_deliveries"`
	Filtered    int64   `json:"filtered_deliveries"`
	SuccessRate float64 `json:"success_rate"`
}

// webhookUsage counts the deliveries the emulator has attempted
// (platform/src/api/analytics.rs:89); success_rate is a percentage.
func (s *Server) webhookUsage(w http.ResponseWriter, r *http.Request) error {
	from, to, err := timeRange(r, "from", "to", true)
	if err != nil {
		return err
	}
	bucket := bucketer(r)
	return s.locked(func(st *store) error {
		m := map[string]*webhookUsageBucket{}
		for _, d := range st.deliveries {
			if !in(d.Created, from, to) {
				continue
			}
			k := bucket(d.Created)
			b := m[k]
			if b == nil {
				b = &webhookUsageBucket{Bucket: k}
				m[k] = b
			}
			b.Total++
			if d.Success {
				b.Successful++
			} else {
				b.Failed++
			}
			b.SuccessRate = float64(b.Successful) / float64(b.Total) * 100
		}
		return ok(w, map[string]any{"buckets": sortedBuckets(m, func(b *webhookUsageBucket) string { return b.Bucket })})
	})
}

type gatewayUsageBucket struct {
	Bucket  string `json:"bucket"`
	Total   int64  `json:"total_requests"`
	Allowed int64  `json:"allowed_requests"`
	Blocked int64  `json:"blocked_requests"`
}

// gatewayUsage counts the gateway checks the emulator has answered
// (platform/src/api/analytics.rs:142).
func (s *Server) gatewayUsage(w http.ResponseWriter, r *http.Request) error {
	from, to, err := timeRange(r, "from", "to", true)
	if err != nil {
		return err
	}
	bucket := bucketer(r)
	return s.locked(func(st *store) error {
		m := map[string]*gatewayUsageBucket{}
		for _, e := range st.audit {
			if !in(e.Timestamp, from, to) {
				continue
			}
			k := bucket(e.Timestamp)
			b := m[k]
			if b == nil {
				b = &gatewayUsageBucket{Bucket: k}
				m[k] = b
			}
			b.Total++
			if e.Outcome == "VALID" {
				b.Allowed++
			} else {
				b.Blocked++
			}
		}
		return ok(w, map[string]any{"buckets": sortedBuckets(m, func(b *gatewayUsageBucket) string { return b.Bucket })})
	})
}

// auditFilter selects an app's audit entries by the audit queries'
// optional start_date, end_date and key_id (dto/src/json/api_key.rs:90-120).
func (s *Server) auditFilter(r *http.Request) (func(auditEntry) bool, error) {
	from, to, err := timeRange(r, "start_date", "end_date", false)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	keyID := ""
	if q.Has("key_id") {
		n, err := strconv.ParseInt(q.Get("key_id"), 10, 64)
		if err != nil {
			return nil, queryRejection("key_id: invalid digit found in string")
		}
		keyID = strconv.FormatInt(n, 10)
	}
	slug := r.PathValue("app_slug")
	return func(e auditEntry) bool {
		return e.AppSlug == slug && in(e.Timestamp, from, to) && (keyID == "" || e.KeyID == keyID)
	}, nil
}

// auditLogs is get_api_audit_logs (platform/src/application/api_key_audit.rs:39):
// newest first (then by request id), after the cursor when one is given
// (cursor is base64url of "<unix ms>|<request id>", or cursor_ts and
// cursor_id apart), then offset, then limit (default 100); next_cursor
// points after the page's last entry when there are more, else null.
func (s *Server) auditLogs(w http.ResponseWriter, r *http.Request) error {
	keep, err := s.auditFilter(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, offset := 100, 0
	if err := queryInts(r, false, map[string]*int{"limit": &limit, "offset": &offset}); err != nil {
		return err
	}
	var after *auditEntry
	switch {
	case q.Has("cursor"):
		raw, err := base64.RawURLEncoding.DecodeString(q.Get("cursor"))
		ms, id, found := strings.Cut(string(raw), "|")
		n, perr := strconv.ParseInt(ms, 10, 64)
		if err != nil || !found || perr != nil {
			return badRequest("invalid cursor")
		}
		after = &auditEntry{Timestamp: time.UnixMilli(n).UTC(), RequestID: id}
	case q.Has("cursor_ts") && q.Has("cursor_id"):
		ts, _, err := timeRange(r, "cursor_ts", "cursor_ts", false)
		if err != nil {
			return err
		}
		after = &auditEntry{Timestamp: ts, RequestID: q.Get("cursor_id")}
	}
	if q.Has("outcome") {
		outcome, prev := q.Get("outcome"), keep
		keep = func(e auditEntry) bool { return prev(e) && e.Outcome == outcome }
	}
	newer := func(a, b auditEntry) int {
		return cmp.Or(b.Timestamp.Truncate(time.Millisecond).Compare(a.Timestamp.Truncate(time.Millisecond)), strings.Compare(b.RequestID, a.RequestID))
	}
	return within(s, r, "app_slug", (*store).apiApp, func(st *store, _ *apiApp) error {
		var all []auditEntry
		for _, e := range st.audit {
			if keep(e) && (after == nil || newer(*after, e) < 0) {
				if e.RateLimits == nil {
					e.RateLimits = []authzRateLimit{}
				}
				all = append(all, e)
			}
		}
		slices.SortFunc(all, newer)
		all = all[min(offset, len(all)):]
		page := append([]auditEntry{}, all[:min(limit, len(all))]...)
		var next *string
		if len(all) > limit && len(page) > 0 {
			last := page[len(page)-1]
			next = ptr(base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(last.Timestamp.UnixMilli(), 10) + "|" + last.RequestID)))
		}
		return ok(w, map[string]any{"data": page, "limit": limit, "has_more": next != nil, "next_cursor": next})
	})
}

// auditAnalytics is get_api_audit_analytics
// (platform/src/api/api_key/audit_handlers.rs:19): totals, with the top
// keys, top paths, blocked reasons and rate-limit figures only when asked
// for (top_limit each, default 10).
func (s *Server) auditAnalytics(w http.ResponseWriter, r *http.Request) error {
	keep, err := s.auditFilter(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	flags := map[string]bool{}
	for _, name := range []string{"include_top_keys", "include_top_paths", "include_blocked_reasons", "include_rate_limits"} {
		if flags[name], err = queryBool(r, name); err != nil {
			return err
		}
	}
	top := 10
	if q.Has("top_limit") {
		n, err := strconv.ParseUint(q.Get("top_limit"), 10, 32)
		if err != nil {
			return queryRejection("top_limit: invalid digit found in string")
		}
		top = int(n)
	}
	return within(s, r, "app_slug", (*store).apiApp, func(st *store, _ *apiApp) error {
		var total, allowed, blocked, rateLimited int64
		keys, keyNames, paths, reasons, rules := map[string]int64{}, map[string]string{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
		recentKeys := map[string]bool{}
		for _, e := range st.audit {
			if !keep(e) {
				continue
			}
			total++
			keys[e.KeyID]++
			keyNames[e.KeyID] = e.KeyName
			paths[e.Path]++
			if time.Since(e.Timestamp) < 24*time.Hour {
				recentKeys[e.KeyID] = true
			}
			if e.Outcome == "VALID" {
				allowed++
				continue
			}
			blocked++
			rule := deref(e.BlockedByRule)
			reasons[rule]++
			if rule != "permission_denied" {
				rateLimited++
				rules[rule]++
			}
		}
		out := map[string]any{"total_requests": total, "allowed_requests": allowed, "blocked_requests": blocked,
			"success_rate": pct(allowed, total), "keys_used_24h": int64(len(recentKeys))}
		if flags["include_top_keys"] {
			out["top_keys"] = topN(keys, top, func(k string, n int64) any {
				return map[string]any{"key_id": k, "key_name": keyNames[k], "total_requests": n}
			})
		}
		if flags["include_top_paths"] {
			out["top_paths"] = topN(paths, top, func(p string, n int64) any { return map[string]any{"path": p, "total_requests": n} })
		}
		if flags["include_blocked_reasons"] {
			out["blocked_reasons"] = topN(reasons, top, func(rule string, n int64) any {
				return map[string]any{"blocked_by_rule": rule, "count": n, "percentage": pct(n, blocked)}
			})
		}
		if flags["include_rate_limits"] {
			stats := map[string]any{"total_hits": rateLimited, "percentage_of_blocked": pct(rateLimited, blocked)}
			if len(rules) > 0 {
				stats["top_rules"] = topN(rules, top, func(rule string, n int64) any {
					return map[string]any{"rule": rule, "hit_count": n, "percentage": pct(n, rateLimited)}
				})
			}
			out["rate_limit_stats"] = stats
		}
		return ok(w, out)
	})
}

func pct(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of) * 100
}

// topN renders the n largest counts, larger first, ties by name.
func topN(counts map[string]int64, n int, render func(string, int64) any) []any {
	names := make([]string, 0, len(counts))
	for k := range counts {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), strings.Compare(a, b))
	})
	out := []any{}
	for _, k := range names[:min(n, len(names))] {
		out = append(out, render(k, counts[k]))
	}
	return out
}

// auditTimeseries is get_api_audit_timeseries
// (platform/src/application/api_key_audit.rs:106): an unknown interval is
// hour; buckets with no request are left out.
func (s *Server) auditTimeseries(w http.ResponseWriter, r *http.Request) error {
	keep, err := s.auditFilter(r)
	if err != nil {
		return err
	}
	interval := r.URL.Query().Get("interval")
	if intervalStart(interval) == nil {
		interval = "hour"
	}
	trunc := intervalStart(interval)
	type point struct {
		Timestamp   time.Time `json:"timestamp"`
		Total       int64     `json:"total_requests"`
		Allowed     int64     `json:"allowed_requests"`
		Blocked     int64     `json:"blocked_requests"`
		SuccessRate float64   `json:"success_rate"`
	}
	return within(s, r, "app_slug", (*store).apiApp, func(st *store, _ *apiApp) error {
		m := map[time.Time]*point{}
		for _, e := range st.audit {
			if !keep(e) {
				continue
			}
			k := trunc(e.Timestamp.UTC())
			p := m[k]
			if p == nil {
				p = &point{Timestamp: k}
				m[k] = p
			}
			p.Total++
			if e.Outcome == "VALID" {
				p.Allowed++
			} else {
				p.Blocked++
			}
			p.SuccessRate = pct(p.Allowed, p.Total)
		}
		out := make([]point, 0, len(m))
		for _, p := range m {
			out = append(out, *p)
		}
		slices.SortFunc(out, func(a, b point) int { return a.Timestamp.Compare(b.Timestamp) })
		return ok(w, map[string]any{"data": out, "interval": interval})
	})
}
