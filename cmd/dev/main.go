// Command dev is what `make dev` runs: the whole kit on one loopback port,
// with no Wacht account and nothing but Go.
//
// It starts the offline Wacht emulator (wacht/wachttest) with its seed data,
// then serves every sample function on one address (127.0.0.1:8787 unless
// -addr or WACHT_DEV_ADDR says otherwise), each through its platform's entry
// point:
//
//	/server/...  samples/server's handler: plain net/http
//	/lambda/...  samples/lambda/*: each request becomes the API Gateway HTTP API
//	             (payload 2.0) event template.yaml's routes would send, and is
//	             served by the sample built as a bootstrap and run under the
//	             AWS Lambda Runtime Interface Emulator (-lambda=rie, the
//	             default on linux; the emulator is built from the module proxy
//	             into .tools on first use) or by platforms/lambda in process
//	             (-lambda=adapter, the fallback elsewhere)
//	/gcf/...     samples/gcf: its Functions Framework runner (cmd/local, built
//	             from that folder's own module), each entry point at
//	             /gcf/<EntryPoint> as on cloudfunctions.net; left out with a
//	             note when it cannot be built (-gcf=false skips it)
//	/netlify/... samples/netlify: the site's public folder, each function (its
//	             own module) built as a bootstrap and run under the Runtime
//	             Interface Emulator, reached at /.netlify/functions/<name> or
//	             through the netlify.toml rewrite /api/*, with the events
//	             Netlify sends (only with -lambda=rie; -netlify=false skips it)
//	/dev/...     helpers: /dev/token mints a fresh session token,
//	             POST /dev/deliver-webhook signs and delivers a webhook
//
// When it is ready it prints a session token (user:read), the seeded API key
// and one curl per route, including failing ones, each with the answer to
// expect. -json prints the same as one JSON document instead. SIGINT or
// SIGTERM stops it cleanly.
//
// Usage:
//
//	go run ./cmd/dev [-addr 127.0.0.1:8787] [-lambda auto|rie|adapter] [-gcf=false] [-netlify=false] [-token-lifetime 1h] [-json] [-v]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/lambda"
	"github.com/wacht-platform/serverless-go/samples/agentrun"
	"github.com/wacht-platform/serverless-go/samples/functions"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// DefaultAddr is where the dev server listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8787"

// EnvAddr overrides DefaultAddr (the -addr flag wins over both).
const EnvAddr = "WACHT_DEV_ADDR"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "wacht dev:", err)
		os.Exit(1)
	}
}

type options struct {
	addr       string
	lambdaMode string // auto, rie or adapter
	// explicitLambda is set when -lambda named a mode: a failure to start
	// it is then an error instead of a fallback.
	explicitLambda bool
	tokenLifetime  time.Duration
	jsonOut        bool
	gcf            bool
	netlify        bool
	verbose        bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	o := options{addr: DefaultAddr}
	if v := os.Getenv(EnvAddr); v != "" {
		o.addr = v
	}
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", o.addr, "loopback `address` to serve every sample on (env "+EnvAddr+")")
	fs.StringVar(&o.lambdaMode, "lambda", "auto", "how the Lambda samples run: rie (the built bootstraps under the AWS Lambda Runtime Interface Emulator, linux only), adapter (platforms/lambda in process) or auto (rie on linux when it can be built, else adapter)")
	fs.DurationVar(&o.tokenLifetime, "token-lifetime", time.Hour, "lifetime of the printed session token")
	fs.BoolVar(&o.gcf, "gcf", true, "serve samples/gcf through the Functions Framework under /gcf (built from its own module)")
	fs.BoolVar(&o.netlify, "netlify", true, "serve samples/netlify under /netlify: each function built as a bootstrap under the Runtime Interface Emulator, behind a Netlify-shaped router (needs -lambda=rie)")
	fs.BoolVar(&o.jsonOut, "json", false, "print the ready information as one JSON document")
	fs.BoolVar(&o.verbose, "v", false, "log every request the emulator serves")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch o.lambdaMode {
	case "auto":
	case "adapter", "rie":
		o.explicitLambda = true
	default:
		return o, fmt.Errorf("-lambda must be auto, rie or adapter, not %q", o.lambdaMode)
	}
	if o.tokenLifetime <= 0 {
		return o, errors.New("-token-lifetime must be positive")
	}
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return o, fmt.Errorf("-addr %q: %w", o.addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return o, fmt.Errorf("-addr %q: the dev server only listens on loopback addresses (127.0.0.1, ::1, localhost)", o.addr)
	}
	return o, nil
}

// step prints one line of progress.
func step(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "==> "+format+"\n", args...)
}

// run is the whole program; it returns when ctx is done (after a clean
// shutdown) or when starting fails.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	step(stderr, "starting the Wacht emulator with seed data (it checks all traffic against the OpenAPI documents)")
	emuOpts := wachttest.Options{
		Seed:        true,
		OnViolation: func(err error) { logger.Warn("emulator: contract violation", "error", err) },
	}
	if o.verbose {
		emuOpts.Logf = func(format string, args ...any) { logger.Info("emulator: " + fmt.Sprintf(format, args...)) }
	}
	started := time.Now()
	emu, err := wachttest.NewServer(emuOpts)
	if err != nil {
		return fmt.Errorf("starting the emulator: %w", err)
	}
	defer emu.Close()
	step(stderr, "emulator up in %s: frontend %s, backend %s, gateway %s", time.Since(started).Round(100*time.Millisecond), emu.FrontendURL, emu.BackendURL, emu.GatewayURL)
	env := map[string]string{
		handler.EnvAPIKey:         emu.APIKey,
		handler.EnvBackendAPIURL:  emu.BackendURL,
		handler.EnvPublishableKey: emu.PublishableKey,
		handler.EnvGatewayURL:     emu.GatewayURL,
		handler.EnvWebhookSecret:  emu.WebhookSecret(),
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listening on %s (another make dev running? try -addr 127.0.0.1:0): %w", o.addr, err)
	}
	base := "http://" + ln.Addr().String()

	step(stderr, "wiring samples/server (plain net/http) under %s/server", base)
	serverKit := handler.New(handler.Options{Env: lookup, Logger: logger.With("sample", "server")})
	mux := http.NewServeMux()
	serverMux := http.NewServeMux()
	serverMux.Handle("/agents/", agentrun.Routes(serverKit))
	serverMux.Handle("/", functions.Routes(serverKit))
	mux.Handle("/server/", http.StripPrefix("/server", serverKit.Handler(serverMux)))

	lambdaFns := map[string]func(*handler.Kit) http.Handler{
		"admin-users":      functions.AdminUsers,
		"machine-users":    functions.MachineUsers,
		"webhook-receiver": functions.WebhookReceiver,
	}
	api := &httpAPI{routes: templateRoutes, functions: map[string]invoker{}}
	if o.lambdaMode == "auto" {
		o.lambdaMode = "adapter"
		if runtime.GOOS == "linux" {
			o.lambdaMode = "rie"
		}
	}
	if o.lambdaMode == "rie" {
		step(stderr, "wiring samples/lambda/* under %s/lambda: built bootstraps under the AWS Lambda Runtime Interface Emulator", base)
		fns, stop, err := startRIE(ctx, stderr, env, lambdaFnNames(), o.verbose)
		switch {
		case err == nil:
			defer stop()
			for name, fn := range fns {
				api.functions[name] = fn
			}
		case o.explicitLambda || ctx.Err() != nil:
			ln.Close()
			return err
		default:
			step(stderr, "the Runtime Interface Emulator is not available (%v); serving the Lambda samples in process instead", err)
			o.lambdaMode = "adapter"
		}
	}
	if o.lambdaMode == "adapter" {
		step(stderr, "wiring samples/lambda/* under %s/lambda: API Gateway HTTP API events served by platforms/lambda in process", base)
		for name, fn := range lambdaFns {
			kit := handler.New(handler.Options{Env: lookup, Logger: logger.With("sample", "lambda/"+name)})
			api.functions[name] = lambda.NewHandler(kit.Handler(fn(kit)))
		}
	}
	mux.Handle("/lambda/", http.StripPrefix("/lambda", api))

	netlifyNote := ""
	switch {
	case !o.netlify:
		netlifyNote = "-netlify=false"
	case o.lambdaMode != "rie":
		netlifyNote = "the Netlify functions run under the Runtime Interface Emulator, which is not in use (-lambda=" + o.lambdaMode + ")"
	default:
		step(stderr, "wiring samples/netlify under %s/netlify: Netlify-shaped events to each function built as a bootstrap under the Runtime Interface Emulator", base)
		h, stop, err := startNetlify(ctx, stderr, env, o.verbose)
		switch {
		case err == nil:
			defer stop()
			mux.Handle("/netlify/", http.StripPrefix("/netlify", h))
		case ctx.Err() != nil:
			ln.Close()
			return err
		default:
			netlifyNote = err.Error()
			step(stderr, "leaving the Netlify samples out: %v", err)
		}
	}

	gcfNote := ""
	if o.gcf {
		step(stderr, "wiring samples/gcf under %s/gcf: the Functions Framework serving each entry point at /gcf/<EntryPoint>", base)
		h, stop, err := startGCF(ctx, stderr, env)
		switch {
		case err == nil:
			defer stop()
			mux.Handle("/gcf/", http.StripPrefix("/gcf", h))
		case ctx.Err() != nil:
			ln.Close()
			return err
		default:
			gcfNote = err.Error()
			step(stderr, "leaving the Cloud Functions samples out: %v", err)
		}
	} else {
		gcfNote = "-gcf=false"
	}

	tokenOpts := wachttest.TokenOptions{
		UserID:                  wachttest.SeedUserID,
		OrganizationID:          wachttest.SeedOrganizationID,
		OrganizationPermissions: []string{functions.PermissionUserRead},
		Lifetime:                o.tokenLifetime,
	}
	token, err := emu.MintToken(tokenOpts)
	if err != nil {
		ln.Close()
		return fmt.Errorf("minting the session token: %w", err)
	}
	mux.HandleFunc("GET /dev/token", func(w http.ResponseWriter, r *http.Request) {
		tok, err := emu.MintToken(tokenOpts)
		if err != nil {
			handler.WriteError(w, r, err)
			return
		}
		handler.WriteJSON(w, http.StatusOK, map[string]any{"token": tok, "expires_in": int(o.tokenLifetime.Seconds())})
	})
	mux.HandleFunc("POST /dev/deliver-webhook", func(w http.ResponseWriter, r *http.Request) {
		deliverWebhook(w, r, emu, base)
	})
	info := newReadyInfo(base, token, o, env, gcfNote, netlifyNote)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		info.writeText(w)
	})

	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	if o.jsonOut {
		if err := info.writeJSON(stdout); err != nil {
			return err
		}
	} else {
		info.writeText(stdout)
	}

	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	step(stderr, "stopping")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("stopping: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}

func lambdaFnNames() []string {
	return []string{"admin-users", "machine-users", "webhook-receiver"}
}

// deliverWebhook signs an event with the emulator's webhook secret and
// delivers it to ?to= (a path on this server, or a loopback URL such as your
// own function's), then answers with the receiver's status and body.
func deliverWebhook(w http.ResponseWriter, r *http.Request, emu *wachttest.Server, base string) {
	q := r.URL.Query()
	to := q.Get("to")
	eventType := q.Get("type")
	if eventType == "" {
		eventType = "user.created"
	}
	target, err := webhookTarget(base, to)
	if err != nil {
		handler.WriteJSON(w, http.StatusBadRequest, handler.ErrorBody{Error: handler.CodeBadRequest, Message: err.Error()})
		return
	}
	data := map[string]any{
		"id":         wachttest.SeedUserID,
		"first_name": "Ada",
		"last_name":  "Lovelace",
	}
	d, err := emu.DeliverWebhook(r.Context(), target, eventType, data)
	if err != nil {
		handler.WriteJSON(w, http.StatusBadGateway, handler.ErrorBody{Error: handler.CodeUpstream, Message: "delivering to " + target + ": " + err.Error()})
		return
	}
	w.Header().Set("Webhook-Id", d.ID)
	w.Header().Set("X-Delivered-To", target)
	if len(d.Body) > 0 && json.Valid(d.Body) {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(d.StatusCode)
	_, _ = w.Write(d.Body)
}

func webhookTarget(base, to string) (string, error) {
	switch {
	case to == "":
		return "", errors.New("?to= is required: a path on this server such as /server/webhooks/wacht, or a loopback URL")
	case strings.HasPrefix(to, "/") && !strings.HasPrefix(to, "//"):
		return base + to, nil
	}
	u, err := url.Parse(to)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("?to= %q is neither a path nor an http URL", to)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("?to= %q: webhooks are only delivered to loopback addresses", to)
	}
	return u.String(), nil
}
