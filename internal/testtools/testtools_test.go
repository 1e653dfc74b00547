package testtools

import (
	"os"
	"path/filepath"
	"strconv"
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

func TestLoopbackAddr(t *testing.T) {
	addr := LoopbackAddr(t)
	host, port, ok := strings.Cut(addr, ":")
	if n, err := strconv.Atoi(port); !ok || host != "127.0.0.1" || err != nil || n == 0 {
		t.Fatalf("LoopbackAddr = %q", addr)
	}
	if p := FreePort(t); p <= 0 || p > 65535 {
		t.Fatalf("FreePort = %d", p)
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
