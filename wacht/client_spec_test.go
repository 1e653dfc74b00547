package wacht

import (
	"errors"
	"net/http"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/spectest"
)

// The operation-by-operation coverage of both this package and wacht/ai
// runs in wacht/internal/speccalls (TestSpecCoverage), which can import
// both.

// TestContractCatchesBadRequests makes sure the contract check used by
// TestSpecCoverage is not a rubber stamp: a request that breaks the spec is
// reported.
func TestContractCatchesBadRequests(t *testing.T) {
	url, hc, _, v := spectest.Start(t)
	// limit must be an integer; send a string by hand through the checking
	// transport.
	req, _ := http.NewRequest(http.MethodGet, url+"/users?limit=many", nil)
	req.Header.Set("Authorization", "Bearer sk_test_contract")
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	errs := v.Take()
	if len(errs) == 0 {
		t.Fatal("a request with limit=many passed contract validation")
	}
	var viol *contract.Violation
	if !errors.As(errs[0], &viol) || viol.Kind != "request" {
		t.Fatalf("violation = %v, want a request violation", errs[0])
	}
}
