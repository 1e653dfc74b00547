package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	samplesOnce sync.Once
	samplesDir  string
	samplesErr  error
)

// eventsTestdata is aws-lambda-go's events/testdata in the module cache.
func eventsTestdata(tb testing.TB) string {
	tb.Helper()
	samplesOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
		if err != nil {
			samplesErr = err
			return
		}
		samplesDir = filepath.Join(strings.TrimSpace(string(out)), "events", "testdata")
	})
	if samplesErr != nil {
		tb.Fatalf("locating aws-lambda-go in the module cache: %v", samplesErr)
	}
	return samplesDir
}

func mustSample(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(eventsTestdata(tb), name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
