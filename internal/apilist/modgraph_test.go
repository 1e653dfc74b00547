package apilist

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A user's module inherits the kit's requirements. One that imports only
// the runtime packages must not inherit the contract validator's OpenAPI
// libraries (internal/contract/validator is a module of its own) or the
// JOSE library the interop tests compare against (internal/interop).
func TestUserModuleGraphHasNoTestDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module with the go command")
	}
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/fn\n\ngo 1.26.0\n\nrequire "+module+" v0.0.0\n\nreplace "+module+" => "+root(t)+"\n")
	write("main.go", `package main

import (
	"net/http"

	"`+module+`/handler"
	"`+module+`/platforms/lambda"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("hi")) })
	var kit handler.Kit
	lambda.Start(kit.Handler(mux))
}
`)
	gocmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	gocmd("mod", "tidy")
	gocmd("build", "-o", os.DevNull, ".")
	mods := gocmd("list", "-m", "all")
	for _, banned := range []string{"libopenapi", "pb33f", "lestrrat-go"} {
		if strings.Contains(mods, banned) {
			t.Errorf("a module importing only handler and platforms/lambda lists %s:\n%s", banned, mods)
		}
	}
	if !strings.Contains(mods, "github.com/aws/aws-lambda-go") {
		t.Errorf("go list -m all misses aws-lambda-go, so the check ran on the wrong module:\n%s", mods)
	}
}
