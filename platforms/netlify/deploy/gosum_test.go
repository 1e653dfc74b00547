package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLambdaUserGoSumGainsNothing shows that a user of the kit's Lambda
// platform inherits none of this deploy module's dependencies: a scratch
// module importing only platforms/lambda (and the handler it wraps) is
// tidied against this repository, and its go.sum must name no module that
// only the deploy tool needs (github.com/netlify/open-api and its ~237
// modules).
func TestLambdaUserGoSumGainsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod tidy")
	}
	repo, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	kitMods := listModules(t, repo)
	deployMods := listModules(t, ".")
	deployOnly := map[string]bool{}
	for m := range deployMods {
		if !kitMods[m] {
			deployOnly[m] = true
		}
	}
	if !deployOnly["github.com/netlify/open-api/v2"] || len(deployOnly) < 50 {
		t.Fatalf("deploy-only modules = %d (open-api among them: %v); the check would prove nothing", len(deployOnly), deployOnly["github.com/netlify/open-api/v2"])
	}
	t.Logf("%d modules are needed by the deploy tool only", len(deployOnly))

	// The kit itself never gains them.
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(repo, f))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("github.com/netlify/")) {
			t.Errorf("the kit's %s mentions github.com/netlify/", f)
		}
	}

	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/lambdauser\n\ngo 1.26.0\n\nrequire github.com/wacht-platform/serverless-go v0.0.0\n\nreplace github.com/wacht-platform/serverless-go => "+repo+"\n")
	write("main.go", `package main

import (
	"net/http"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/lambda"
)

func main() {
	kit := handler.New(handler.Options{})
	lambda.Start(kit.Handler(http.NotFoundHandler()))
}
`)
	cmd := exec.Command("go", "mod", "tidy")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy in the scratch module: %v\n%s", err, out)
	}
	sum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(sum, []byte("github.com/aws/aws-lambda-go ")) {
		t.Fatalf("scratch go.sum lacks aws-lambda-go; tidy did not resolve the kit:\n%s", sum)
	}
	sc := bufio.NewScanner(bytes.NewReader(sum))
	lines := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		lines++
		if deployOnly[f[0]] || strings.HasPrefix(f[0], "github.com/netlify/") {
			t.Errorf("a Lambda-only user's go.sum gains %s %s from the deploy tool", f[0], f[1])
		}
	}
	t.Logf("scratch go.sum: %d lines, none from the deploy tool", lines)
}

// listModules returns the module paths of the build list of the module in dir.
func listModules(t *testing.T, dir string) map[string]bool {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Path}}", "all")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		t.Fatalf("go list -m all in %s: %v\n%s", dir, err, stderr)
	}
	mods := map[string]bool{}
	for _, l := range strings.Fields(string(out)) {
		mods[l] = true
	}
	return mods
}
