package wachttest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Options configures a Server. The zero value is usable: an empty
// emulator on three random loopback ports with an ES256 signing key.
type Options struct {
	// Seed loads the fixture described by the Seed* constants: users, an
	// organization with roles, a workspace, an API-auth app with a key, a
	// webhook app with an endpoint, an invitation and a waitlist entry.
	Seed bool

	// APIKey is the backend secret key the backend API accepts as
	// "Authorization: Bearer <APIKey>". Empty means a random key.
	APIKey string

	// Algorithms lists the signing algorithms whose keys the JWKS
	// publishes. ES256 is always included; ES384 and RS256 are optional.
	// Wacht's own JWKS holds only the deployment's ES256 key: a JWT
	// template with a custom ES384 or RS* key signs with a key Wacht never
	// publishes. The extra keys exist to test verifiers against a key set
	// with several algorithms.
	Algorithms []Algorithm

	// FrontendAddr, BackendAddr and GatewayAddr are the listen addresses.
	// Empty means "127.0.0.1:0" (a random free port). Only loopback
	// addresses are accepted.
	FrontendAddr, BackendAddr, GatewayAddr string

	// SessionTokenLifetime is the lifetime of tokens handed out by the
	// /session/token exchange: "expires" is issue time plus this, exp five
	// seconds later, as for the frontend API's JWT templates. Zero means
	// 30 seconds, the default template's.
	SessionTokenLifetime time.Duration

	// Production makes the emulator a production instance: PublishableKey
	// starts pk_live_, /session/token reads the session JWT only from the
	// __session cookie and sends refreshed or new ones in Set-Cookie. By
	// default it is a development instance (pk_test_): ?__dev_session__= is
	// read too and new session JWTs go in X-Development-Session.
	Production bool

	// Validate, if set, wraps the handler of each API the emulator serves
	// to check its traffic, reporting each problem to report. api names the
	// OpenAPI document the traffic belongs to: "platform-api" for the
	// backend, "frontend-api" for the JWKS route. The kit's own tests set it
	// to check against Wacht's published documents with the wire audit's
	// corrections; injected faults are deliberate and are not checked.
	Validate func(api string, next http.Handler, report func(error)) http.Handler

	// OnViolation receives every problem Validate reports. Nil means they
	// are only kept for Violations. New sets it to fail the test.
	OnViolation func(error)

	// Logf, if set, receives one line per request served (method, path,
	// operation and status; never a secret).
	Logf func(format string, args ...any)
}

// Server is a running emulator. Its fields are fixed once NewServer
// returns; its methods are safe for concurrent use.
type Server struct {
	// FrontendURL is the frontend API origin: JWKS, /session/token and the
	// dev-only token endpoint.
	FrontendURL string
	// BackendURL is the backend (platform) API base URL.
	BackendURL string
	// GatewayURL is the gateway base URL serving POST /v1/authz/check.
	GatewayURL string
	// PublishableKey is "pk_test_" (or with Options.Production "pk_live_")
	// + base64(FrontendURL).
	PublishableKey string
	// APIKey is the backend secret key.
	APIKey string

	opts        Options
	keys        *keyring
	st          *store
	faults      faultSet
	stats       counters
	servers     []*http.Server
	wg          sync.WaitGroup
	done        chan struct{}
	closeOnce   sync.Once
	violMu      sync.Mutex
	violations  []error
	sessions    *sessionStore
	hooks       *http.Client
	hookRetries webhookRetries
	inflight    gate
}

// gate tracks handlers in flight so Close can wait for them: nothing
// reports to a test after its cleanup has run.
type gate struct {
	mu     sync.Mutex
	n      int
	closed bool
	zero   sync.Cond
}

func (g *gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.n++
	return true
}

func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n--; g.n == 0 {
		g.zero.Broadcast()
	}
}

func (g *gate) closeAndWait() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	if g.zero.L == nil {
		g.zero.L = &g.mu
	}
	for g.n > 0 {
		g.zero.Wait()
	}
}

// NewServer starts an emulator on loopback ports and returns it. Close it
// when done.
func NewServer(opts Options) (*Server, error) {
	s := &Server{
		opts:     opts,
		done:     make(chan struct{}),
		sessions: newSessionStore(),
		hooks:    &http.Client{Timeout: 30 * time.Second},
	}
	s.stats.init()
	s.inflight.zero.L = &s.inflight.mu
	if s.APIKey = opts.APIKey; s.APIKey == "" {
		s.APIKey = "wacht_sk_test_" + randomHex(24)
	}
	var err error
	if s.keys, err = newKeyring(opts.Algorithms); err != nil {
		return nil, err
	}
	s.st = newStore()
	if s.st.deployment, err = deploymentBody(); err != nil {
		return nil, err
	}
	if opts.Seed {
		if err := s.st.seed(); err != nil {
			return nil, err
		}
	}

	lns := make([]net.Listener, 0, 3)
	closeAll := func() {
		for _, l := range lns {
			_ = l.Close()
		}
	}
	for _, addr := range []string{opts.FrontendAddr, opts.BackendAddr, opts.GatewayAddr} {
		l, err := listenLoopback(addr)
		if err != nil {
			closeAll()
			return nil, err
		}
		lns = append(lns, l)
	}
	s.FrontendURL = "http://" + lns[0].Addr().String()
	s.BackendURL = "http://" + lns[1].Addr().String()
	s.GatewayURL = "http://" + lns[2].Addr().String()
	prefix := "pk_test_"
	if opts.Production {
		prefix = "pk_live_"
	}
	s.PublishableKey = prefix + base64.StdEncoding.EncodeToString([]byte(s.FrontendURL))

	handlers := []http.Handler{s.frontendHandler(), s.backendHandler(), s.gatewayHandler()}
	conns := []*atomic.Int64{&s.stats.frontendConns, &s.stats.backendConns, &s.stats.gatewayConns}
	for i, l := range lns {
		srv := &http.Server{
			Handler:           handlers[i],
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          nil,
		}
		s.servers = append(s.servers, srv)
		cl := &countingListener{Listener: l, n: conns[i]}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			_ = srv.Serve(cl)
		}()
	}
	return s, nil
}

// New starts an emulator for a test: it is closed by t.Cleanup, and every
// problem opts.Validate reports (a request the emulator received, or a
// response it sent, that breaks the contract it checks) fails t. An
// opts.OnViolation, if set, is called as well.
//
// A test that sends requests outside the contract on purpose (no API key,
// a malformed body) should use NewServer with its own OnViolation, or
// inspect Violations, instead.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	user := opts.OnViolation
	opts.OnViolation = func(err error) {
		t.Errorf("wachttest: contract violation: %v", err)
		if user != nil {
			user(err)
		}
	}
	s, err := NewServer(opts)
	if err != nil {
		t.Fatalf("wachttest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Close stops all listeners and drops open connections. It is safe to call
// more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		for _, srv := range s.servers {
			_ = srv.Close()
		}
		s.wg.Wait()
		s.inflight.closeAndWait()
	})
}

// Violations returns the problems Options.Validate has reported so far.
func (s *Server) Violations() []error {
	s.violMu.Lock()
	defer s.violMu.Unlock()
	return append([]error(nil), s.violations...)
}

func (s *Server) violation(err error) {
	s.violMu.Lock()
	s.violations = append(s.violations, err)
	s.violMu.Unlock()
	s.stats.violations.Add(1)
	if s.opts.OnViolation != nil {
		s.opts.OnViolation(err)
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

func listenLoopback(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("wachttest: listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
		addr = strings.Replace(addr, "localhost", host, 1)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("wachttest: listen address %q is not a loopback address", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("wachttest: listen on %s: %w", addr, err)
	}
	return l, nil
}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// sleep waits for d, the request's end or the server's close, whichever
// comes first, and reports whether the full delay elapsed.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}
