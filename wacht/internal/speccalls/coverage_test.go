package speccalls

import (
	"context"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/spectest"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/ai"
)

// TestSpecCoverage reads the platform spec and fails when one of its
// operations has no client method, in package wacht or (for the AI tag)
// in package wacht/ai. It then calls every operation once against a server
// that follows the corrected spec, with contract validation of each request
// (path, query, body) and each response on both sides, and checks that the
// call reached exactly its operation and decoded a non-empty result.
func TestSpecCoverage(t *testing.T) {
	doc, err := contract.Platform()
	if err != nil {
		t.Fatal(err)
	}
	url, hc, srv, v := spectest.Start(t)
	c, err := wacht.NewClient(wacht.Config{APIKey: "sk_test_contract", BaseURL: url, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	a := ai.New(c)
	x := srv.X
	ops := doc.Operations()
	inSpec := map[string]bool{}
	covered, stable, beta := 0, 0, 0
	ctx := context.Background()
	for _, op := range ops {
		inSpec[op.OperationID] = true
		calls, where := Stable, "package wacht"
		if isAI(op.Tags) {
			calls, where = AI, "package wacht/ai"
		}
		call, ok := calls[op.OperationID]
		if !ok {
			t.Errorf("%s %s (%s) has no method in %s", op.Method, op.Path, op.OperationID, where)
			continue
		}
		x.Results = nil
		srv.Take()
		v.Take()
		if err := call(ctx, c, a, x); err != nil {
			t.Errorf("%s: call failed: %v", op.OperationID, err)
			continue
		}
		hits := srv.Take()
		if len(hits) != 1 || hits[0] != op.OperationID {
			t.Errorf("%s: the call reached %v, want exactly [%s]", op.OperationID, hits, op.OperationID)
			continue
		}
		if errs := v.Take(); len(errs) > 0 {
			for _, e := range errs {
				t.Errorf("%s: contract violation: %v", op.OperationID, e)
			}
			continue
		}
		if empty := x.Empty(); len(empty) > 0 {
			t.Errorf("%s: decoded result is empty: %#v", op.OperationID, empty)
			continue
		}
		covered++
		if isAI(op.Tags) {
			beta++
		} else {
			stable++
		}
	}
	for _, m := range []map[string]Call{Stable, AI} {
		for id := range m {
			if !inSpec[id] {
				t.Errorf("client covers %s, which the spec does not have", id)
			}
		}
	}
	t.Logf("covered %d/%d (%d in package wacht, %d in package wacht/ai)", covered, len(ops), stable, beta)
	if covered != len(ops) {
		t.Errorf("covered %d of %d operations", covered, len(ops))
	}
}

func isAI(tags []string) bool {
	for _, t := range tags {
		if t == "AI" {
			return true
		}
	}
	return false
}
