// Command server serves the three sample functions (samples/functions) from
// one plain net/http server: the entry point for running the kit as a
// long-lived process, in a container (Cloud Run, Fly, ECS) or locally.
//
//	WACHT_API_KEY=... WACHT_PUBLISHABLE_KEY=... go run ./samples/server
//
// It listens on 127.0.0.1:$PORT (8080 when PORT is unset); set ADDR to a full
// listen address (for example ":8080" inside a container) to change the
// interface. The configuration is read from the process environment on each
// request (see handler.ConfigFromEnv). SIGINT or SIGTERM drains the server
// before it exits.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/samples/agentrun"
	"github.com/wacht-platform/serverless-go/samples/functions"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(ctx, logger, nil); err != nil {
		logger.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

func listenAddr() string {
	if addr := os.Getenv("ADDR"); addr != "" {
		return addr
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// routes serves the three sample functions and, under /agents/, the agent
// run sample.
func routes(kit *handler.Kit) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/agents/", agentrun.Routes(kit))
	mux.Handle("/", functions.Routes(kit))
	return mux
}

// run serves until ctx is done, then drains. listening, when set, is told
// the address once the server accepts connections.
func run(ctx context.Context, logger *slog.Logger, listening func(addr string)) error {
	kit := handler.New(handler.Options{Logger: logger})
	srv := &http.Server{
		Addr:              listenAddr(),
		Handler:           kit.Handler(routes(kit)),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return err
	}
	logger.Info("serving the sample functions", "url", "http://"+ln.Addr().String())
	if listening != nil {
		listening(ln.Addr().String())
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
