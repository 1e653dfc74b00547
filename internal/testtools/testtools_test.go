package testtools

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestRepoRoot(t *testing.T) {
	root := RepoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !strings.HasPrefix(string(b), "module "+modulePath+"\n") {
		t.Fatalf("RepoRoot = %s, its go.mod: %.60q (%v)", root, b, err)
	}
}

func TestDeclares(t *testing.T) {
	for gomod, want := range map[string]bool{
		"module " + modulePath + "\n\ngo 1.26\n":     true,
		"module \"" + modulePath + "\"\n":            true,
		"module " + modulePath + "/bench\n":          false,
		"// module " + modulePath + "\nmodule x\n":   false,
		"go 1.26\nrequire " + modulePath + " v0.0.0": false,
	} {
		if got := declares(gomod, modulePath); got != want {
			t.Errorf("declares(%q) = %v, want %v", gomod, got, want)
		}
	}
}

func TestFreePorts(t *testing.T) {
	ports := freePorts(t, 3)
	if len(ports) != 3 || ports[0] == ports[1] || ports[1] == ports[2] || ports[0] == ports[2] {
		t.Fatalf("freePorts(3) = %v, want three distinct ports", ports)
	}
	for _, p := range ports {
		if p <= 0 || p > 65535 {
			t.Fatalf("freePorts(3) = %v", ports)
		}
	}
	if got := Loopback(8080); got != "127.0.0.1:8080" {
		t.Fatalf("Loopback(8080) = %q", got)
	}
}

// fatalTB records the first Fatal or Fatalf of code under test and ends
// its goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper()                   {}
func (f *fatalTB) Logf(string, ...any)       {}
func (f *fatalTB) Fatal(args ...any)         { f.msg = fmt.Sprint(args...); runtime.Goexit() }
func (f *fatalTB) Fatalf(s string, a ...any) { f.msg = fmt.Sprintf(s, a...); runtime.Goexit() }

// fatalOf runs f and returns what it failed with, "" if it returned.
func fatalOf(t *testing.T, f func(tb testing.TB)) string {
	tb := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(tb)
	}()
	<-done
	return tb.msg
}

func TestStartOnFreePorts(t *testing.T) {
	var calls [][]int
	got := StartOnFreePorts(t, 2, func(ports []int) error {
		calls = append(calls, ports)
		if len(calls) < 3 {
			return fmt.Errorf("%w: the program said so", ErrPortInUse)
		}
		return nil
	})
	if len(calls) != 3 || !slices.Equal(got, calls[2]) || len(got) != 2 {
		t.Fatalf("returned %v after starts on %v; want the third start's two ports", got, calls)
	}

	n := 0
	msg := fatalOf(t, func(tb testing.TB) {
		StartOnFreePorts(tb, 1, func([]int) error { n++; return ErrPortInUse })
	})
	if n != portAttempts || !strings.Contains(msg, "5 times running") {
		t.Errorf("always in use: %d starts, failed with %q", n, msg)
	}
	n = 0
	msg = fatalOf(t, func(tb testing.TB) {
		StartOnFreePorts(tb, 1, func([]int) error { n++; return errors.New("no such file") })
	})
	if n != 1 || msg != "no such file" {
		t.Errorf("another failure: %d starts, failed with %q", n, msg)
	}
}

func TestAddrInUse(t *testing.T) {
	for out, want := range map[string]bool{
		"listen tcp 127.0.0.1:9001: bind: address already in use":  true,
		"Error: listen EADDRINUSE: address already in use :::8888": true,
		"EADDRINUSE": true,
		"listen tcp 127.0.0.1:9001: bind: permission denied": false,
		"": false,
	} {
		if got := addrInUse(out); got != want {
			t.Errorf("addrInUse(%q) = %v", out, got)
		}
	}
}

// A tool named by its environment variable is used as given; a missing one
// skips outside CI (the CI=true failure is the same branch with t.Fatal).
func TestFind(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TESTTOOLS_PROBE", exe)
	if got := find(t, "TESTTOOLS_PROBE", "nowhere", false, "probe", "nothing"); got != exe {
		t.Errorf("find = %q, want %q", got, exe)
	}
	t.Run("missing", func(t *testing.T) {
		t.Setenv("CI", "")
		t.Setenv("TESTTOOLS_PROBE", filepath.Join(t.TempDir(), "absent"))
		find(t, "TESTTOOLS_PROBE", "nowhere", false, "probe", "nothing")
		t.Error("find returned for a missing tool")
	})
}
