package ai_test

import (
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract"
)

// TestExamplesFollowContract runs the examples with the contract validator
// in front of their backend, so what they show is what the platform sends
// and accepts: every request and answer is checked against the corrected
// platform contract.
func TestExamplesFollowContract(t *testing.T) {
	doc, err := contract.Platform()
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu         sync.Mutex
		violations []error
	)
	checkBackend = func(h http.Handler) http.Handler {
		return doc.Middleware(h, func(err error) {
			mu.Lock()
			violations = append(violations, err)
			mu.Unlock()
		})
	}
	t.Cleanup(func() { checkBackend = func(h http.Handler) http.Handler { return h } })

	// The examples print; their output is checked by `go test` as examples.
	stdout := os.Stdout
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	for name, run := range map[string]func(){
		"AgentsService_All":            ExampleAgentsService_All,
		"KnowledgeBasesService_Upload": ExampleKnowledgeBasesService_UploadDocument,
		"ThreadsService_Run":           ExampleThreadsService_Run,
	} {
		os.Stdout = devnull
		run()
		os.Stdout = stdout
		mu.Lock()
		for _, v := range violations {
			t.Errorf("%s: %v", name, v)
		}
		violations = nil
		mu.Unlock()
	}
}
