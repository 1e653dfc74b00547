// Command wacht-emulator runs an offline Wacht on loopback ports for local
// development and for callers that are not Go tests: the frontend API
// (JWKS, session token exchange), the backend platform API and the gateway
// from package wachttest.
//
// It prints its URLs, the publishable key, the backend API key, a gateway
// API key and a ready-to-use session token, then "export WACHT_...=" lines
// to paste into a shell, and serves until interrupted.
//
//	go run ./cmd/wacht-emulator                 # seeded, ports 8787-8789
//	go run ./cmd/wacht-emulator -seed=false -backend-port 0
//
// Everything it issues is for development only: the keys are printed on
// purpose and the emulator listens on 127.0.0.1 only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// DefaultAPIKey is the backend API key the emulator accepts unless -api-key
// is given. It is a fixed, public, development-only value so .env files can
// keep it.
const DefaultAPIKey = "wacht_sk_test_local_emulator"

// deterministicHelp tells what the emulator answers where the real server
// would reach something it cannot, and how to choose the answer.
const deterministicHelp = `
What is deterministic (the real server would reach a service the emulator has not):
  analytics          computed from what this emulator saw: users and organizations created,
                     sign-ins (sessions), webhook attempts, gateway checks; no device, country or
                     sign-in method data; token usage is always empty (no model runs)
  API audit log      one entry per gateway check (POST /v1/authz/check), as the gateway logs them
  SMTP               POST /settings/email/smtp and /verify connect to host:port and need a "220"
                     greeting; anything else is the server's 502 "SMTP connection test failed"
  image uploads      stored nowhere; the answer is a cdn.wacht.services URL, kept as the display setting
  display settings   kept (the deployment's ui_settings stays null in GET /, as in the fixture)
  OAuth domains      POST .../verify-domain never reports verified (no DNS here)
  OAuth grants       made by consenting in an OAuth flow, which the emulator does not run: add them
                     from Go with (*wachttest.Server).AddOAuthGrant, or with POST <frontend>/_wachttest/oauth-grants
                     {"oauth_app_slug","oauth_client_id","user_id","resource","scopes"}
  passkeys, social   made by sign-ins: seeded (user 1001) or added from Go with AddPasskey and
  connections        AddSocialConnection
  notifications      recorded, delivered nowhere; read them from Go with Notifications
  webhook replays    run at once: a replay task is completed by the time its id is answered
  session tickets    URLs point at this emulator's frontend (impersonation) or backend host
  AI agent runs      queued at once; an agent with a canned reply (the seeded agent, SetAgentReply from
                     Go, or POST <frontend>/_wachttest/agent-replies {"agent_id","reply"}) answers every new
                     message with it; no questions or approvals are left pending
  knowledge bases    no embeddings: SearchKnowledgeBase (Go) is a substring match over the documents
  thread and task    empty: runs write no files; reading one fails as a missing storage object does
  workspaces
  skills             zip bundles unpacked in memory; system skills are docx-, pdf-, pptx-generation
  MCP servers        never contacted: discovery reports no authorization needed; connecting an actor
                     marks it connected at once
  AI settings        the embedding model and the storage bucket are not probed
  Composio           a catalogue set from Go with SetComposioCatalog (empty otherwise); enabling an app
                     creates auth config ac_wachttest<n>; the platform key counts as configured

The /_wachttest/ endpoints are dev-only: send the backend API key as a Bearer token.

Ids are decimal strings counting from 10001 (seeded records have the fixed ids of package
wachttest); snowflake-style ids (rate-limit schemes, tickets, OAuth apps, every AI record) are
derived from the clock.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wacht-emulator:", err)
		os.Exit(2)
	}
}

// run starts the emulator, prints its details to stdout and serves until
// ctx ends. Request logs and contract violations go to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wacht-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "127.0.0.1", "loopback address to listen on")
	frontendPort := fs.Int("frontend-port", 8787, "frontend API port (0 picks a free port)")
	backendPort := fs.Int("backend-port", 8788, "backend API port (0 picks a free port)")
	gatewayPort := fs.Int("gateway-port", 8789, "gateway port (0 picks a free port)")
	seed := fs.Bool("seed", true, "load the seed fixture (users, an organization, API keys, a webhook app)")
	apiKey := fs.String("api-key", DefaultAPIKey, "backend API key to accept")
	algs := fs.String("algorithms", "ES256", "signing algorithms to publish in the JWKS (ES256 always; Wacht publishes only its ES256 key, the others are for testing verifiers)")
	tokenLife := fs.Duration("token-lifetime", time.Hour, "lifetime of the printed session token")
	quiet := fs.Bool("quiet", false, "do not log requests")
	validate := fs.Bool("validate", false, "check every backend request and response, and every JWKS response, against Wacht's corrected OpenAPI documents and log violations (runs the kit's contract validator with go run from this checkout; the first start compiles it)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: wacht-emulator [flags]\n\nAn offline Wacht on loopback ports, for development only.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), deterministicHelp)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if ip := net.ParseIP(*host); *host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-host %q: the emulator listens on loopback addresses only", *host)
	}
	var algorithms []wachttest.Algorithm
	for _, a := range strings.Split(*algs, ",") {
		if a = strings.TrimSpace(a); a != "" {
			algorithms = append(algorithms, wachttest.Algorithm(strings.ToUpper(a)))
		}
	}
	for _, p := range []int{*frontendPort, *backendPort, *gatewayPort} {
		if p < 0 || p > 65535 {
			return fmt.Errorf("port %d out of range", p)
		}
	}
	if *tokenLife <= 0 {
		return errors.New("-token-lifetime must be positive")
	}

	var logMu sync.Mutex
	logf := func(format string, a ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(stderr, time.Now().Format("15:04:05.000")+" "+format+"\n", a...)
	}
	opts := wachttest.Options{
		Seed:         *seed,
		APIKey:       *apiKey,
		Algorithms:   algorithms,
		FrontendAddr: net.JoinHostPort(*host, strconv.Itoa(*frontendPort)),
		BackendAddr:  net.JoinHostPort(*host, strconv.Itoa(*backendPort)),
		GatewayAddr:  net.JoinHostPort(*host, strconv.Itoa(*gatewayPort)),
	}
	if *validate {
		opts.Validate = contract.Validate
		opts.OnViolation = func(err error) { logf("CONTRACT VIOLATION: %v", err) }
	}
	if !*quiet {
		opts.Logf = logf
	}
	s, err := wachttest.NewServer(opts)
	if err != nil {
		return err
	}
	defer s.Close()

	tokenOpts := wachttest.TokenOptions{Lifetime: *tokenLife}
	gatewayKey := wachttest.SeedAPIKeySecret
	if *seed {
		tokenOpts.UserID = wachttest.SeedUserID
		tokenOpts.OrganizationID = wachttest.SeedOrganizationID
		tokenOpts.WorkspaceID = wachttest.SeedWorkspaceID
		tokenOpts.OrganizationPermissions = []string{"user:read", "user:write", "org:manage", "billing:manage"}
		tokenOpts.WorkspacePermissions = []string{"deploy:write", "workspace:read"}
	} else {
		k, err := s.CreateAPIKey(wachttest.APIKeyOptions{Name: "emulator key", Permissions: []string{"user:read"}})
		if err != nil {
			return err
		}
		gatewayKey = k.Secret
	}
	token, err := s.MintToken(tokenOpts)
	if err != nil {
		return err
	}
	sess := s.NewSession(tokenOpts)
	webhookSecret := s.WebhookSecret()

	user := tokenOpts.UserID
	if user == "" {
		user = wachttest.SeedUserID
	}
	fmt.Fprintf(stdout, `Wacht emulator: offline, development only (seed=%t)
  frontend API     %s
  backend API      %s
  gateway          %s
  publishable key  %s
  backend API key  %s
  gateway API key  %s  (user:read)
  session token    user %s, valid %s:
    %s
  session cookie   __session=%s
    (a session JWT, not a token: GET %s/session/token exchanges it; functions take it with WACHT_SESSION_COOKIE=__session)
  webhook secret   %s  (app %q)
  dev-only mint    POST %s/_wachttest/tokens  (Bearer backend API key)

export WACHT_PUBLISHABLE_KEY=%s
export WACHT_API_KEY=%s
export WACHT_BACKEND_API_URL=%s
export WACHT_GATEWAY_URL=%s
export WACHT_GATEWAY_API_KEY=%s
export WACHT_WEBHOOK_SECRET=%s
export WACHT_SESSION_TOKEN=%s
`, *seed, s.FrontendURL, s.BackendURL, s.GatewayURL, s.PublishableKey, s.APIKey, gatewayKey, user, *tokenLife, token,
		sess.Cookie, s.FrontendURL, webhookSecret, wachttest.SeedWebhookAppSlug, s.FrontendURL,
		s.PublishableKey, s.APIKey, s.BackendURL, s.GatewayURL, gatewayKey, webhookSecret, token)

	<-ctx.Done()
	logf("shutting down")
	return nil
}
