package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// modulePath identifies the repository root when dev looks for it.
const modulePath = "github.com/wacht-platform/serverless-go"

// repoRoot finds the directory of this module's go.mod, from the working
// directory upwards: make dev runs from the root, go test from cmd/dev.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(b, []byte("module "+modulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("-lambda=rie builds the samples from source: run it inside the serverless-go repository")
		}
		dir = parent
	}
}

// goTool is the go command: $GO (as make passes it) or go on PATH.
func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// findRIE returns the Runtime Interface Emulator binary: $AWS_LAMBDA_RIE
// when that file exists, else <root>/.tools/aws-lambda-rie, built from the
// module proxy by scripts/install-rie.sh on first use.
func findRIE(ctx context.Context, root string, progress io.Writer) (string, error) {
	if p := os.Getenv("AWS_LAMBDA_RIE"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p := filepath.Join(root, ".tools", "aws-lambda-rie")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	step(progress, "building the AWS Lambda Runtime Interface Emulator from the module proxy into .tools (first run only)")
	cmd := exec.CommandContext(ctx, "sh", filepath.Join(root, "scripts", "install-rie.sh"))
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = progress, progress
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building aws-lambda-rie: %w", err)
	}
	return p, nil
}

// rieFunction is one Lambda sample running as a bootstrap under its own
// Runtime Interface Emulator, which serves one invocation at a time.
type rieFunction struct {
	url string
	mu  sync.Mutex
}

func (f *rieFunction) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		req.Header.Set("X-Amzn-RequestId", lc.AwsRequestID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(io.LimitReader(res.Body, maxLambdaPayload+1))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("X-Amz-Function-Error") != "" {
		return nil, fmt.Errorf("%w: emulator answered %s", errFunction, res.Status)
	}
	return out, nil
}

// startRIE builds each named sample under samples/lambda as a bootstrap
// (the deployed build, for this machine's architecture) into .dev/lambda and
// runs it under the Runtime Interface Emulator with env as the function's
// environment. stop ends the emulators.
func startRIE(ctx context.Context, progress io.Writer, env map[string]string, names []string, verbose bool) (fns map[string]invoker, stop func(), err error) {
	specs := make([]rieSpec, 0, len(names))
	for _, n := range names {
		specs = append(specs, rieSpec{name: n, logName: "lambda/" + n, dir: ".", pkg: "./samples/lambda/" + n, out: filepath.Join(".dev", "lambda", n, "bootstrap")})
	}
	return startRIESpecs(ctx, progress, env, specs, verbose)
}

// rieSpec is one function to build and run under the emulator: the package
// pkg built in dir (relative to the repository root) into out.
type rieSpec struct {
	name, logName string
	dir, pkg, out string
}

func startRIESpecs(ctx context.Context, progress io.Writer, env map[string]string, specs []rieSpec, verbose bool) (fns map[string]invoker, stop func(), err error) {
	if runtime.GOOS != "linux" {
		return nil, nil, errors.New("-lambda=rie: the AWS Lambda Runtime Interface Emulator runs on linux only; use -lambda=adapter")
	}
	root, err := repoRoot()
	if err != nil {
		return nil, nil, err
	}
	rie, err := findRIE(ctx, root, progress)
	if err != nil {
		return nil, nil, err
	}

	var cmds []*exec.Cmd
	var waits sync.WaitGroup
	stop = func() {
		for _, c := range cmds {
			_ = c.Process.Signal(syscall.SIGTERM)
		}
		done := make(chan struct{})
		go func() { waits.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			for _, c := range cmds {
				_ = c.Process.Kill()
			}
			<-done
		}
	}
	fail := func(err error) (map[string]invoker, func(), error) {
		stop()
		return nil, nil, err
	}

	fns = map[string]invoker{}
	for _, spec := range specs {
		name := spec.name
		bootstrap := filepath.Join(root, spec.out)
		step(progress, "building %s -> %s (-tags lambda.norpc, CGO_ENABLED=0)", filepath.Join(spec.dir, spec.pkg), spec.out)
		// -mod=readonly: build from go.mod even if a vendor/ directory
		// was left behind by a deploy.
		build := exec.CommandContext(ctx, goTool(), "build", "-mod=readonly", "-tags", "lambda.norpc", "-trimpath", "-o", bootstrap, spec.pkg)
		build.Dir = filepath.Join(root, spec.dir)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stdout, build.Stderr = progress, progress
		if err := build.Run(); err != nil {
			return fail(fmt.Errorf("building %s: %w", spec.pkg, err))
		}

		invokeAddr, err := freeAddr()
		if err != nil {
			return fail(err)
		}
		runtimeAddr, err := freeAddr()
		if err != nil {
			return fail(err)
		}
		cmd := exec.Command(rie, "--runtime-interface-emulator-address", invokeAddr, "--runtime-api-address", runtimeAddr, bootstrap)
		cmd.Dir = filepath.Dir(bootstrap)
		// Only what a Lambda function would see: no secrets of the shell.
		cmd.Env = []string{
			"PATH=" + os.Getenv("PATH"),
			"AWS_LAMBDA_FUNCTION_NAME=" + name,
			fmt.Sprintf("AWS_LAMBDA_FUNCTION_TIMEOUT=%d", int(lambdaTimeout.Seconds())),
			"AWS_REGION=local",
		}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out := &prefixWriter{w: progress, prefix: "[" + spec.logName + "] "}
		if !verbose {
			// The emulator's own lifecycle lines; the function's logs and
			// the START/END/REPORT lines stay.
			out.drop = func(line []byte) bool { return bytes.Contains(line, []byte("[INFO] (rapid)")) }
		}
		cmd.Stdout, cmd.Stderr = out, out
		dieWithParent(cmd)
		if err := cmd.Start(); err != nil {
			return fail(fmt.Errorf("starting aws-lambda-rie: %w", err))
		}
		cmds = append(cmds, cmd)
		waits.Add(1)
		go func() { defer waits.Done(); _ = cmd.Wait(); out.flush() }()
		if err := waitListening(ctx, invokeAddr); err != nil {
			return fail(fmt.Errorf("aws-lambda-rie for %s: %w", name, err))
		}
		fns[name] = &rieFunction{url: "http://" + invokeAddr + "/2015-03-31/functions/function/invocations"}
	}
	return fns, stop, nil
}

// stopProcess asks cmd to stop (SIGTERM), and kills it if it has not
// exited within three seconds; exited is closed when cmd.Wait returned.
func stopProcess(cmd *exec.Cmd, exited <-chan struct{}) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(3 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

func splitHostPort(addr string) (host, port string, err error) { return net.SplitHostPort(addr) }

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitListening(ctx context.Context, addr string) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening on %s after 20s: %w", addr, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// prefixWriter writes each complete line with a prefix, so the emulators'
// and functions' logs can be told apart.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	drop   func(line []byte) bool
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		if p.drop == nil || !p.drop(p.buf[:i]) {
			if _, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i]); err != nil {
				return 0, err
			}
		}
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}

func (p *prefixWriter) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, strings.TrimRight(string(p.buf), "\n"))
		p.buf = nil
	}
}
