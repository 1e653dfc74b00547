package wachttest

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Route names for faults and per-operation counters. Backend routes are
// named by their operation id in platform-api.json (e.g.
// "getActiveUserList"); the names below cover the other listeners.
const (
	RouteJWKS         = "GetJwks"             // GET <frontend>/.well-known/jwks.json
	RouteSessionToken = "GetSessionToken"     // GET <frontend>/session/token
	RouteMintToken    = "wachttestMint"       // POST <frontend>/_wachttest/tokens (dev only)
	RouteNewSession   = "wachttestSession"    // POST <frontend>/_wachttest/sessions (dev only)
	RouteAgentReply   = "wachttestAgentReply" // POST <frontend>/_wachttest/agent-replies (dev only)
	RouteOAuthGrant   = "wachttestOAuthGrant" // POST <frontend>/_wachttest/oauth-grants (dev only)
	RouteAuthzCheck   = "CheckAuthz"          // POST <gateway>/v1/authz/check

	// AnyRoute matches every route on every listener.
	AnyRoute = "*"
	// AnyBackendRoute, AnyFrontendRoute and AnyGatewayRoute match every
	// route of one listener.
	AnyBackendRoute  = "backend:*"
	AnyFrontendRoute = "frontend:*"
	AnyGatewayRoute  = "gateway:*"
)

// Fault makes matching requests misbehave. Latency is applied first; then
// the connection is dropped (Drop), or Status is answered, or the request
// is served normally (a pure slowdown).
type Fault struct {
	// Route is a route name (an operation id or one of the Route*
	// constants) or one of the Any*Route wildcards; empty means AnyRoute.
	Route string
	// Times is how many matching requests the fault applies to; zero
	// means every matching request until it is removed.
	Times int
	// Latency delays the request before anything else.
	Latency time.Duration
	// Status answers with this HTTP status and the spec's error body, e.g.
	// 429, 500 or 503.
	Status int
	// RetryAfter sets the Retry-After header (whole seconds, at least 1);
	// a 429 without it gets "Retry-After: 1".
	RetryAfter time.Duration
	// Drop closes the TCP connection without answering.
	Drop bool
}

type activeFault struct {
	Fault
	id   int
	used int
}

type faultSet struct {
	mu     sync.Mutex
	next   int
	faults []*activeFault
}

// InjectFault adds f and returns a function that removes it. Faults are
// tried in the order they were added; the first that matches and has uses
// left applies.
func (s *Server) InjectFault(f Fault) (remove func()) {
	s.faults.mu.Lock()
	s.faults.next++
	id := s.faults.next
	s.faults.faults = append(s.faults.faults, &activeFault{Fault: f, id: id})
	s.faults.mu.Unlock()
	return func() {
		s.faults.mu.Lock()
		defer s.faults.mu.Unlock()
		for i, af := range s.faults.faults {
			if af.id == id {
				s.faults.faults = append(s.faults.faults[:i], s.faults.faults[i+1:]...)
				return
			}
		}
	}
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	s.faults.faults = nil
	s.faults.mu.Unlock()
}

func (fs *faultSet) take(listener, route string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, af := range fs.faults {
		if af.Route != route && af.Route != "" && af.Route != AnyRoute && af.Route != listener+":*" {
			continue
		}
		af.used++
		if af.Times > 0 && af.used >= af.Times {
			fs.faults = append(fs.faults[:i], fs.faults[i+1:]...)
		}
		return af.Fault, true
	}
	return Fault{}, false
}

// applyFault runs the matching fault, if any, and reports whether the
// request has been fully handled (answered or dropped).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, listener, route string) bool {
	f, ok := s.faults.take(listener, route)
	if !ok {
		return false
	}
	s.stats.faults.Add(1)
	if !s.sleep(r.Context(), f.Latency) {
		return true
	}
	switch {
	case f.Drop:
		rc := http.NewResponseController(w)
		conn, _, err := rc.Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		_ = conn.Close()
		return true
	case f.Status != 0:
		if f.RetryAfter > 0 || f.Status == http.StatusTooManyRequests {
			secs := int((f.RetryAfter + time.Second - 1) / time.Second)
			if secs < 1 {
				secs = 1
			}
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		writeError(w, f.Status, "wachttest: injected fault: "+strings.ToLower(http.StatusText(f.Status)))
		return true
	}
	return false
}

// Stats is a snapshot of the emulator's counters.
type Stats struct {
	// JWKSFetches counts requests to /.well-known/jwks.json, including
	// those a fault answered.
	JWKSFetches int64
	// SessionExchanges counts requests to /session/token.
	SessionExchanges int64
	// AuthzChecks counts requests to the gateway's /v1/authz/check.
	AuthzChecks int64
	// FrontendConnections, BackendConnections and GatewayConnections count
	// TCP connections accepted by each listener.
	FrontendConnections, BackendConnections, GatewayConnections int64
	// Requests counts requests per route name (operation id or Route*
	// constant); requests to unknown paths count under "".
	Requests map[string]int64
	// FaultsApplied counts requests a fault acted on.
	FaultsApplied int64
	// Violations counts contract violations.
	Violations int64
	// WebhooksDelivered counts webhook deliveries attempted.
	WebhooksDelivered int64
}

type counters struct {
	frontendConns, backendConns, gatewayConns atomic.Int64
	faults, violations, webhooks              atomic.Int64
	mu                                        sync.Mutex
	requests                                  map[string]int64
}

func (c *counters) init() { c.requests = map[string]int64{} }

func (c *counters) count(route string) {
	c.mu.Lock()
	c.requests[route]++
	c.mu.Unlock()
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.stats.mu.Lock()
	req := make(map[string]int64, len(s.stats.requests))
	for k, v := range s.stats.requests {
		req[k] = v
	}
	s.stats.mu.Unlock()
	return Stats{
		JWKSFetches:         req[RouteJWKS],
		SessionExchanges:    req[RouteSessionToken],
		AuthzChecks:         req[RouteAuthzCheck],
		FrontendConnections: s.stats.frontendConns.Load(),
		BackendConnections:  s.stats.backendConns.Load(),
		GatewayConnections:  s.stats.gatewayConns.Load(),
		Requests:            req,
		FaultsApplied:       s.stats.faults.Load(),
		Violations:          s.stats.violations.Load(),
		WebhooksDelivered:   s.stats.webhooks.Load(),
	}
}

// ResetStats sets every counter back to zero (violations already recorded
// are kept for Violations).
func (s *Server) ResetStats() {
	s.stats.mu.Lock()
	s.stats.requests = map[string]int64{}
	s.stats.mu.Unlock()
	for _, c := range []*atomic.Int64{&s.stats.frontendConns, &s.stats.backendConns, &s.stats.gatewayConns, &s.stats.faults, &s.stats.violations, &s.stats.webhooks} {
		c.Store(0)
	}
}
