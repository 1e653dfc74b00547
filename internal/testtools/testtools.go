// Package testtools finds the outside programs the kit's end-to-end tests
// drive (the AWS Lambda Runtime Interface Emulator, the Netlify CLI and
// wrangler), with one policy for all of them: a missing program skips the
// test on a developer's machine and fails it under CI=true, because make
// test installs every program before it runs the tests, so a missing one
// there is a broken set-up, not an option. It also starts programs on ports
// of their own (StartOnFreePorts).
package testtools

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// modulePath is the kit's module, whose root holds .tools.
const modulePath = "github.com/wacht-platform/serverless-go"

// RepoRoot returns the absolute path of the kit's repository: the nearest
// directory above the working directory whose go.mod declares the kit's
// module.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && declares(string(b), modulePath) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("testtools: no go.mod declaring %s above the working directory", modulePath)
		}
		dir = parent
	}
}

func declares(gomod, module string) bool {
	for line := range strings.Lines(gomod) {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == module {
			return true
		}
	}
	return false
}

// RIE returns the absolute path of the Runtime Interface Emulator:
// $AWS_LAMBDA_RIE, else the copy scripts/install-rie.sh builds into .tools.
func RIE(t testing.TB) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the AWS Lambda Runtime Interface Emulator runs on linux only")
	}
	return find(t, "AWS_LAMBDA_RIE", filepath.Join(".tools", "aws-lambda-rie"), false,
		"the AWS Lambda Runtime Interface Emulator", "scripts/install-rie.sh")
}

// NetlifyCLI returns the Netlify CLI: $NETLIFY_CLI, else the copy
// scripts/install-netlify-cli.sh puts in .tools. It needs node on PATH.
func NetlifyCLI(t testing.TB) string {
	t.Helper()
	return find(t, "NETLIFY_CLI", filepath.Join(".tools", "netlify-cli", "node_modules", ".bin", "netlify"), true,
		"the Netlify CLI", "scripts/install-netlify-cli.sh")
}

// Wrangler returns Cloudflare's wrangler: $WRANGLER, else the copy
// scripts/install-wrangler.sh puts in .tools. It needs node on PATH.
func Wrangler(t testing.TB) string {
	t.Helper()
	return find(t, "WRANGLER", filepath.Join(".tools", "wrangler", "node_modules", ".bin", "wrangler"), true,
		"wrangler", "scripts/install-wrangler.sh")
}

func find(t testing.TB, envVar, rel string, needsNode bool, what, install string) string {
	t.Helper()
	p := os.Getenv(envVar)
	if p == "" {
		p = filepath.Join(RepoRoot(t), rel)
	}
	msg := ""
	if _, err := os.Stat(p); err != nil {
		msg = what + " not found at " + p + " (run " + install + ", or set " + envVar + ")"
	} else if _, err := exec.LookPath("node"); needsNode && err != nil {
		msg = what + " needs node, which is not on PATH"
	}
	if msg != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// ErrPortInUse reports that a program could not listen on a port it was
// told to use, because another process had taken it.
var ErrPortInUse = errors.New("testtools: port already in use")

// portAttempts bounds the starts of StartOnFreePorts.
const portAttempts = 5

// StartOnFreePorts is for programs that must be told which ports to listen
// on, rather than binding port 0 and saying which port they got. It calls
// start with n loopback ports that were free a moment before; start runs the
// program and waits until it serves. Another process may take a port
// between the moment it is found free and the moment the program binds it,
// so when start fails with ErrPortInUse StartOnFreePorts calls it again
// with new ports, up to 5 times in all. start must leave nothing running
// when it fails. Any other error, or running out of attempts, fails the
// test. StartOnFreePorts returns the ports start succeeded with.
func StartOnFreePorts(t testing.TB, n int, start func(ports []int) error) []int {
	t.Helper()
	var err error
	for range portAttempts {
		ports := freePorts(t, n)
		if err = start(ports); err == nil {
			return ports
		}
		if !errors.Is(err, ErrPortInUse) {
			t.Fatal(err)
		}
		t.Logf("%v (ports %v); trying other ports", err, ports)
	}
	t.Fatalf("testtools: another process took a port before the program listened on it, %d times running; last: %v", portAttempts, err)
	return nil
}

// ServeOnFreePort runs serve, an in-process server that can only be told a
// port such as funcframework.StartHostPort, in a goroutine of its own on a
// free loopback port, and returns the port once this process listens on
// it. serve must serve until the test binary exits; when it fails because
// another process took the port first, it is run again on another
// (StartOnFreePorts). A server that takes a net.Listener should be given
// one on 127.0.0.1:0 instead.
func ServeOnFreePort(t testing.TB, serve func(port int) error) int {
	t.Helper()
	ports := StartOnFreePorts(t, 1, func(ports []int) error {
		port := ports[0]
		errc := make(chan error, 1)
		go func() { errc <- serve(port) }()
		deadline := time.Now().Add(time.Minute)
		for !Listening(os.Getpid(), port) {
			select {
			case err := <-errc:
				if addrInUse(fmt.Sprint(err)) {
					return fmt.Errorf("%w: %w", ErrPortInUse, err)
				}
				return fmt.Errorf("testtools: serving on port %d: %w", port, err)
			case <-time.After(10 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("testtools: nothing listens on port %d after a minute", port)
			}
		}
		return nil
	})
	return ports[0]
}

// freePorts returns n distinct loopback ports that were free a moment ago.
// Their listeners are closed only once all n are chosen, so no port is
// handed out twice.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// Loopback returns "127.0.0.1:<port>".
func Loopback(port int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// addrInUse reports whether a program's output says it could not listen
// because the address was in use: the text of EADDRINUSE (Go, C) or the
// name Node.js gives it.
func addrInUse(output string) bool {
	return strings.Contains(output, "address already in use") || strings.Contains(output, "EADDRINUSE")
}

// Buffer is a bytes.Buffer that concurrent writers may share: a logger used
// by concurrent requests, or a child process's stdout and stderr.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what has been written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
