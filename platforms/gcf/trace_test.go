package gcf

import (
	"log/slog"
	"strings"
	"testing"
)

func TestParseTraceparent(t *testing.T) {
	const trace, span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	for _, tc := range []struct {
		in      string
		ok      bool
		sampled bool
	}{
		{"00-" + trace + "-" + span + "-01", true, true},
		{"00-" + trace + "-" + span + "-00", true, false},
		{" 00-" + trace + "-" + span + "-03 ", true, true},
		{"01-" + trace + "-" + span + "-01-extra", true, true}, // a later version may add fields
		{"00-" + trace + "-" + span + "-01-extra", false, false},
		{"ff-" + trace + "-" + span + "-01", false, false},
		{"00-" + strings.ToUpper(trace) + "-" + span + "-01", false, false},
		{"00-" + strings.Repeat("0", 32) + "-" + span + "-01", false, false},
		{"00-" + trace + "-" + strings.Repeat("0", 16) + "-01", false, false},
		{"00-" + trace[:31] + "-" + span + "-01", false, false},
		{"00-" + trace + "-" + span + "-0g", false, false},
		{"00_" + trace + "-" + span + "-01", false, false},
		{"", false, false},
	} {
		tc2, ok := parseTraceparent(tc.in)
		if ok != tc.ok {
			t.Errorf("parseTraceparent(%q) ok = %v, want %v", tc.in, ok, tc.ok)
			continue
		}
		if ok && (tc2.traceID != trace || tc2.spanID != span || tc2.sampled != tc.sampled || !tc2.hasSampled) {
			t.Errorf("parseTraceparent(%q) = %+v", tc.in, tc2)
		}
	}
}

func TestParseCloudTraceContext(t *testing.T) {
	const trace = "105445aa7843bc8bf206b12000100000"
	for _, tc := range []struct {
		in   string
		ok   bool
		want traceContext
	}{
		{trace + "/1;o=1", true, traceContext{traceID: trace, spanID: "0000000000000001", sampled: true, hasSampled: true}},
		{trace + "/18446744073709551615;o=0", true, traceContext{traceID: trace, spanID: "ffffffffffffffff", hasSampled: true}},
		{strings.ToUpper(trace) + "/255", true, traceContext{traceID: trace, spanID: "00000000000000ff"}},
		{trace, true, traceContext{traceID: trace}},
		{trace + "/0;o=1", true, traceContext{traceID: trace, sampled: true, hasSampled: true}},
		{trace + "/;o=2", true, traceContext{traceID: trace}},
		{trace + "/18446744073709551616", false, traceContext{}},
		{trace + "/12ab", false, traceContext{}},
		{trace[:30], false, traceContext{}},
		{strings.Repeat("0", 32) + "/1", false, traceContext{}},
		{"zz" + trace[2:] + "/1", false, traceContext{}},
		{"", false, traceContext{}},
	} {
		got, ok := parseCloudTraceContext(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseCloudTraceContext(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestTraceAttrs(t *testing.T) {
	tc := traceContext{traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7", sampled: true, hasSampled: true}
	got := map[string]slog.Value{}
	for _, a := range tc.attrs("proj") {
		got[a.Key] = a.Value
	}
	if got[LogFieldTrace].String() != "projects/proj/traces/4bf92f3577b34da6a3ce929d0e0e4736" ||
		got[LogFieldSpanID].String() != "00f067aa0ba902b7" || !got[LogFieldTraceSampled].Bool() {
		t.Fatalf("attrs %v", got)
	}
	bare := traceContext{traceID: "4bf92f3577b34da6a3ce929d0e0e4736"}.attrs("")
	if len(bare) != 1 || bare[0].Key != LogFieldTrace || bare[0].Value.String() != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Fatalf("attrs without project or span: %v", bare)
	}
}

func TestValidID(t *testing.T) {
	for _, id := range []string{"abc123", "x7Yq-9_a.b:c", "1234567890123456", strings.Repeat("a", maxIDLength)} {
		if !validID(id) {
			t.Errorf("validID(%q) = false", id)
		}
	}
	for _, id := range []string{"", "has space", "new\nline", "<script>", "ünï", "a/b", strings.Repeat("a", maxIDLength+1)} {
		if validID(id) {
			t.Errorf("validID(%q) = true", id)
		}
	}
}
