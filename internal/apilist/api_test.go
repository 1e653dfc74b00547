package apilist

import (
	"errors"
	"flag"
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite api/*.txt from the current code")

const module = "github.com/wacht-platform/serverless-go"

// A listing per public package and build context. Workers is listed for
// both the js/wasm build it ships as and the build everywhere else.
var listings = []struct {
	dir, file  string
	goos, arch string
}{
	{dir: "auth"},
	{dir: "handler"},
	{dir: "wacht"},
	{dir: "wacht/ai"},
	{dir: "wacht/wachttest"},
	{dir: "platforms/lambda"},
	{dir: "platforms/gcf"},
	{dir: "platforms/netlify"},
	{dir: "platforms/workers"},
	{dir: "platforms/workers", file: "platforms_workers.js-wasm.txt", goos: "js", arch: "wasm"},
}

func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPublicAPIIsRecorded fails when the exported API of a public package
// differs from its listing in api/: review the change, then record it with
// go test ./internal/apilist -update.
func TestPublicAPIIsRecorded(t *testing.T) {
	rootDir := root(t)
	for _, l := range listings {
		ctx := build.Default
		ctx.GOOS, ctx.GOARCH = "linux", "amd64"
		if l.goos != "" {
			ctx.GOOS, ctx.GOARCH = l.goos, l.arch
		}
		ctx.CgoEnabled = false
		got, err := List(ctx, filepath.Join(rootDir, l.dir), module+"/"+l.dir)
		if err != nil {
			t.Fatalf("%s: %v", l.dir, err)
		}
		file := l.file
		if file == "" {
			file = strings.ReplaceAll(l.dir, "/", "_") + ".txt"
		}
		path := filepath.Join(rootDir, "api", file)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (record it with go test ./internal/apilist -update)", l.dir, err)
		}
		if string(want) != got {
			t.Errorf("the exported API of %s changed; review it and record it with go test ./internal/apilist -update:\n%s", l.dir, diff(string(want), got))
		}
	}
}

// diff lists the lines only one side has.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

// TestEveryPublicPackageIsListed: a new public package of the module must
// get a listing too. The samples and commands are demonstrations, not API.
func TestEveryPublicPackageIsListed(t *testing.T) {
	rootDir := root(t)
	err := filepath.WalkDir(rootDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(rootDir, path)
		rel = filepath.ToSlash(rel)
		base := d.Name()
		if rel != "." && (base == "internal" || base == "testdata" || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") ||
			base == "node_modules" || rel == "samples" || rel == "cmd") {
			return filepath.SkipDir
		}
		if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && rel != "." {
			return filepath.SkipDir // another module
		}
		ctx := build.Default
		bp, err := ctx.ImportDir(path, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil // a directory of other files
		}
		if err != nil {
			return err
		}
		if bp.Name == "main" {
			return nil
		}
		if !slices.ContainsFunc(listings, func(l struct{ dir, file, goos, arch string }) bool { return l.dir == rel }) {
			t.Errorf("public package %s has no API listing; add it to listings", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
