package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
)

// startGCF builds samples/gcf's local runner (the Functions Framework serving
// every registered function at /<EntryPoint>, as `go run ./cmd/local` in that
// folder does) into .dev/gcf and runs it with env as the functions'
// environment. The returned handler proxies to it; stop ends it.
func startGCF(ctx context.Context, progress io.Writer, env map[string]string) (h http.Handler, stop func(), err error) {
	root, err := repoRoot()
	if err != nil {
		return nil, nil, err
	}
	dir := filepath.Join(root, "samples", "gcf")
	bin := filepath.Join(root, ".dev", "gcf", "local")
	step(progress, "building samples/gcf/cmd/local (the Functions Framework runner; its own module, first run downloads it from the module proxy)")
	// -mod=readonly: build from go.mod even when a deploy left a vendor/
	// directory behind.
	build := exec.CommandContext(ctx, goTool(), "build", "-mod=readonly", "-o", bin, "./cmd/local")
	build.Dir = dir
	build.Stdout, build.Stderr = progress, progress
	if err := build.Run(); err != nil {
		return nil, nil, fmt.Errorf("building samples/gcf/cmd/local: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	_, port, _ := splitHostPort(addr)
	cmd := exec.Command(bin)
	cmd.Dir = dir
	// FUNCTION_TARGET unset: every function is served at /<name>.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PORT=" + port}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out := &prefixWriter{w: progress, prefix: "[gcf] "}
	cmd.Stdout, cmd.Stderr = out, out
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting samples/gcf/cmd/local: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); out.flush(); close(exited) }()
	stop = func() { stopProcess(cmd, exited) }
	if err := waitListening(ctx, addr); err != nil {
		stop()
		return nil, nil, fmt.Errorf("samples/gcf/cmd/local: %w", err)
	}
	target := &url.URL{Scheme: "http", Host: addr}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			writeGatewayError(w, http.StatusBadGateway, "the Functions Framework runner did not answer: "+err.Error())
		},
	}
	return proxy, stop, nil
}
