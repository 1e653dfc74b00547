package validator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/contract/corrections"
)

// TestCorrections checks the overlay as data: every correction applies to
// the published document, rows name real operations once, no two files
// patch the same place, and every fixture (a body written from the server's
// serializers) is valid under the corrected document.
func TestCorrections(t *testing.T) {
	set, err := corrections.Load()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Platform()
	if err != nil {
		t.Fatal(err) // a correction that does not apply fails here, named
	}
	for _, o := range set.Overlaps() {
		t.Errorf("two files patch the same place: %s", o)
	}
	ops := map[string]contract.Operation{}
	for _, op := range doc.Operations() {
		ops[op.Method+" "+op.Path] = op
	}
	seen := map[string]string{}
	for _, r := range set.Rows {
		op, ok := ops[r.Operation]
		if !ok {
			t.Errorf("%s: audit row for %q, which is no operation of the document", r.Area, r.Operation)
			continue
		}
		if r.OperationID != op.OperationID {
			t.Errorf("%s: %s: operation_id %q, the document says %q", r.Area, r.Operation, r.OperationID, op.OperationID)
		}
		if prev, dup := seen[r.Operation]; dup {
			t.Errorf("%s: %s audited twice (also in %s)", r.Area, r.Operation, prev)
		}
		seen[r.Operation] = r.Area
		if r.Handler == "" || r.Notes == "" && r.Verdict != corrections.VerdictMatches {
			t.Errorf("%s: %s: a %s row needs the handler and notes", r.Area, r.Operation, r.Verdict)
		}
	}
	for i, fx := range set.Fixtures {
		t.Run(fmt.Sprintf("fixture/%s/%d %s", fx.Area, i, fx.Operation), func(t *testing.T) {
			method, path, ok := strings.Cut(fx.Operation, " ")
			if _, known := ops[fx.Operation]; !ok || !known {
				t.Fatalf("fixture for %q, which is no operation of the document", fx.Operation)
			}
			req := httptest.NewRequest(method, "https://api.wacht.dev"+fillPath(path), nil)
			req.Header.Set("Authorization", "Bearer sk_test_fixture")
			res := &http.Response{
				StatusCode: fx.Status,
				Header:     http.Header{"Content-Type": {"application/json"}},
				Body:       io.NopCloser(bytes.NewReader(fx.Body)),
				Request:    req,
			}
			if !json.Valid(fx.Body) {
				t.Fatal("body is not JSON")
			}
			if err := doc.ValidateResponse(req, res); err != nil {
				t.Errorf("the corrected document rejects the server-shaped body (%s): %v", fx.Source, err)
			}
		})
	}
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// fillPath gives each path parameter a value of the shape ids have on the
// wire (decimal strings), so the fixture's request routes like a real one.
func fillPath(tmpl string) string { return pathParam.ReplaceAllString(tmpl, "1234567890") }

// TestAuditComplete holds the audit to its promise: one row for each of the
// document's operations, none unknown.
func TestAuditComplete(t *testing.T) {
	set, err := corrections.Load()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Platform()
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	verdicts := map[string]int{}
	for _, r := range set.Rows {
		rows[r.Operation] = true
		verdicts[r.Verdict]++
	}
	var missing []string
	for _, op := range doc.Operations() {
		if !rows[op.Method+" "+op.Path] {
			missing = append(missing, op.Method+" "+op.Path)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d operations have no audit row: %s", len(missing), len(doc.Operations()), strings.Join(missing, ", "))
	}
	t.Logf("audit: %d rows; %v; %d corrections; %d fixtures", len(set.Rows), verdicts, len(set.Corrections), len(set.Fixtures))
}
