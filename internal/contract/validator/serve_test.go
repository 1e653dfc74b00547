package validator

import (
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract"
)

// The kit's tests reach this validator through package contract's Conn and
// a process boundary: a verdict must come back to the exchange that asked
// for it, with the violation intact, however many are in flight.
func TestServeAnswersEachExchange(t *testing.T) {
	toServer, fromClient := io.Pipe()
	toClient, fromServer := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- Serve(toServer, fromServer)
		_ = fromServer.Close()
	}()
	conn := contract.NewConn(fromClient, toClient, nil)
	if err := conn.Load("no-such-api"); err == nil || !strings.Contains(err.Error(), "no-such-api") {
		t.Fatalf("loading an unknown document: %v", err)
	}
	if err := conn.Load(contract.PlatformAPI); err != nil {
		t.Fatal(err)
	}
	doc, err := contract.NewDocument(contract.PlatformAPI, contract.PlatformJSON(), conn.Remote(contract.PlatformAPI))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			limit := fmt.Sprint(i + 1)
			if i%2 == 1 {
				limit = "x" + limit
			}
			req := httptest.NewRequest("GET", "/users?limit="+limit, nil)
			req.Header.Set("Authorization", "Bearer k")
			err := doc.ValidateRequest(req)
			var v *contract.Violation
			switch {
			case i%2 == 0 && err != nil:
				t.Errorf("limit=%s rejected: %v", limit, err)
			case i%2 == 1 && (!errors.As(err, &v) || v.Kind != "request" || v.Path != "/users" || len(v.Problems) == 0):
				t.Errorf("limit=%s: got %v, want a request violation of /users", limit, err)
			}
		})
	}
	wg.Wait()

	req := httptest.NewRequest("GET", "/users", nil)
	req.Header.Set("Authorization", "Bearer k")
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Type", "application/json")
	rec.WriteHeader(200)
	_, _ = rec.WriteString(`{"data":"not a list"}`)
	var v *contract.Violation
	if err := doc.ValidateResponse(req, rec.Result()); !errors.As(err, &v) || v.Kind != "response" || v.Status != 200 {
		t.Fatalf("broken response: %v", err)
	}

	_ = fromClient.Close()
	if err := <-served; err != nil {
		t.Fatalf("Serve after its input closed: %v", err)
	}
	if err := doc.ValidateRequest(req); err == nil || !strings.Contains(err.Error(), "validator") {
		t.Fatalf("after the validator is gone: %v, want an error saying so", err)
	}
}
