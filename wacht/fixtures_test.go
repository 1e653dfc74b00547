package wacht

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/internal/contract/corrections"
	"github.com/wacht-platform/serverless-go/internal/spectest"
)

// fixtureExceptions lists the fixture operations whose body the client
// deliberately does not keep, with why. Everything else a fixture carries
// must survive a decode into the client's type and an encode back.
var fixtureExceptions = map[string]string{
	// ApiSuccess flattens json!({"success": true}) into the body
	// (commands return it, platform/src/api/segments.rs); the methods
	// return only an error, since a 200 already says it worked.
	"DELETE /segments/{id}":      "{success: true} is reported as a nil error",
	"POST /segments/{id}/assign": "{success: true} is reported as a nil error",
	"POST /segments/{id}/remove": "{success: true} is reported as a nil error",
}

// TestServerFixturesSurviveDecoding decodes every server-shaped fixture of
// internal/contract/corrections (bodies written from the server's
// serializers) into the Go type the client decodes that operation's answer
// into, encodes it again and checks that every key and value of the fixture
// is still there: a field the client drops, renames or mistypes fails here.
// The operation -> type table is specResults, written by the generator
// alongside specCalls.
func TestServerFixturesSurviveDecoding(t *testing.T) {
	set, err := corrections.Load()
	if err != nil {
		t.Fatal(err)
	}
	ids := operationIDs(t)
	checked := 0
	for i, fx := range set.Fixtures {
		if fx.Status >= 400 {
			t.Run(fmt.Sprintf("%s/%d/%s/%d", fx.Area, i, fx.Operation, fx.Status), func(t *testing.T) {
				checkErrorFixture(t, fx)
			})
			continue
		}
		newResult, typed := specResults[fx.Operation]
		if !typed {
			// AI answers are typed in package wacht/ai; its tests decode them.
			covered := ids[fx.Operation] != "" && !strings.Contains(fx.Operation, " /ai/")
			empty := bytes.Equal(bytes.Join(bytes.Fields(fx.Body), nil), []byte("{}"))
			if _, excepted := fixtureExceptions[fx.Operation]; covered && !excepted && !empty {
				t.Errorf("%s: the server answers a body but the client method returns only an error", fx.Operation)
			}
			continue
		}
		t.Run(fmt.Sprintf("%s/%d/%s", fx.Area, i, fx.Operation), func(t *testing.T) {
			out := newResult()
			if err := json.Unmarshal(fx.Body, out); err != nil {
				t.Fatalf("decode into %T: %v\nbody: %s", out, err, fx.Body)
			}
			again, err := json.Marshal(out)
			if err != nil {
				t.Fatalf("encode %T: %v", out, err)
			}
			want, got := generic(t, fx.Body), generic(t, again)
			var lost []string
			survives("$", want, got, &lost)
			sort.Strings(lost)
			for _, l := range lost {
				t.Errorf("%T loses %s (source: %s)", out, l, fx.Source)
			}
		})
		checked++
	}
	t.Logf("%d fixtures decoded into the client's types", checked)
	if checked == 0 {
		t.Fatal("no fixture of a covered operation: the table or the corrections are missing")
	}
}

// operationIDs maps "METHOD /path" to the operationId of the corrected
// document.
func operationIDs(t *testing.T) map[string]string {
	out := map[string]string{}
	for p, item := range spectest.CorrectedPlatform(t)["paths"].(map[string]any) {
		for m, op := range item.(map[string]any) {
			if o, ok := op.(map[string]any); ok {
				if id, ok := o["operationId"].(string); ok {
					out[strings.ToUpper(m)+" "+p] = id
				}
			}
		}
	}
	return out
}

func generic(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // ids beyond 2^53 compare exactly
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("parse %s: %v", data, err)
	}
	return v
}

// survives records in lost every path of want whose value got does not
// carry. Objects may gain keys (a Go zero value written back) but not lose
// any; date-times compare as instants, since Go writes RFC 3339 in its own
// spelling.
func survives(path string, want, got any, lost *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*lost = append(*lost, fmt.Sprintf("%s (object became %v)", path, got))
			return
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				*lost = append(*lost, fmt.Sprintf("%s.%s = %v (key missing)", path, k, wv))
				continue
			}
			survives(path+"."+k, wv, gv, lost)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			*lost = append(*lost, fmt.Sprintf("%s (array of %d became %v)", path, len(w), got))
			return
		}
		for i := range w {
			survives(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], lost)
		}
	case string:
		if g, ok := got.(string); ok && (g == w || sameInstant(w, g)) {
			return
		}
		*lost = append(*lost, fmt.Sprintf("%s = %q (became %v)", path, w, got))
	case json.Number:
		g, ok := got.(json.Number)
		if ok && (g == w || sameNumber(w, g)) {
			return
		}
		*lost = append(*lost, fmt.Sprintf("%s = %s (became %v)", path, w, got))
	default: // bool, nil
		if want != got {
			*lost = append(*lost, fmt.Sprintf("%s = %v (became %v)", path, want, got))
		}
	}
}

func sameInstant(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.Equal(tb)
}

func sameNumber(a, b json.Number) bool {
	fa, errA := a.Float64()
	fb, errB := b.Float64()
	return errA == nil && errB == nil && fa == fb
}

// checkErrorFixture reads an error body the server writes
// ({"errors":[{"message", "code"}]}, platform/src/application/response.rs)
// the way the client reads any error answer, and checks that the status,
// every message and the code reach the *APIError.
func checkErrorFixture(t *testing.T, fx corrections.Fixture) {
	res := &http.Response{StatusCode: fx.Status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(fx.Body))}
	e := newAPIError(http.MethodGet, "/x", res)
	if e.StatusCode != fx.Status {
		t.Errorf("status = %d, want %d", e.StatusCode, fx.Status)
	}
	var body struct {
		Errors []struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(fx.Body, &body); err != nil || len(body.Errors) == 0 {
		t.Fatalf("fixture is not an {errors:[...]} body: %s", fx.Body)
	}
	for i, d := range body.Errors {
		if i >= len(e.Details) || e.Details[i].Message != d.Message || e.Details[i].Code != strconv.Itoa(d.Code) {
			t.Errorf("detail %d = %+v, want message %q code %d", i, e.Details, d.Message, d.Code)
		}
	}
	if !strings.Contains(e.Error(), body.Errors[0].Message) {
		t.Errorf("Error() = %q does not carry %q", e.Error(), body.Errors[0].Message)
	}
}
