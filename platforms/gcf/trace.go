package gcf

import (
	"log/slog"
	"strconv"
	"strings"
)

// Cloud Logging's special fields in a structured (JSON) log line. A record
// carrying them is linked to its trace and grouped under its request in the
// Logs Explorer.
const (
	LogFieldTrace        = "logging.googleapis.com/trace"
	LogFieldSpanID       = "logging.googleapis.com/spanId"
	LogFieldTraceSampled = "logging.googleapis.com/trace_sampled"
	LogFieldLabels       = "logging.googleapis.com/labels"
)

// Headers the platform sets on an HTTP invocation.
const (
	// HeaderExecutionID carries the execution id Cloud Functions gives each
	// invocation; the same id labels the platform's own log lines.
	HeaderExecutionID = "Function-Execution-Id"
	// HeaderTraceparent is the W3C Trace Context header.
	HeaderTraceparent = "Traceparent"
	// HeaderCloudTraceContext is Google's older trace header,
	// "TRACE_ID/SPAN_ID;o=OPTIONS" with a decimal span id.
	HeaderCloudTraceContext = "X-Cloud-Trace-Context"
)

// traceContext is a validated trace: a 32-digit lowercase hex trace id, an
// optional 16-digit hex span id and, when the sender said, the sampling
// decision.
type traceContext struct {
	traceID    string
	spanID     string
	sampled    bool
	hasSampled bool
}

// parseTraceparent reads a W3C traceparent value:
// "VV-TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT-SSSSSSSSSSSSSSSS-FF". Version 00 must
// be exactly that long; later versions may append "-..." fields.
func parseTraceparent(v string) (traceContext, bool) {
	v = strings.TrimSpace(v)
	if len(v) < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-' {
		return traceContext{}, false
	}
	version := v[0:2]
	if !isLowerHex(version) || version == "ff" || (version == "00" && len(v) != 55) || (len(v) > 55 && v[55] != '-') {
		return traceContext{}, false
	}
	trace, span, flags := v[3:35], v[36:52], v[53:55]
	if !isLowerHex(trace) || !isLowerHex(span) || !isLowerHex(flags) || allZero(trace) || allZero(span) {
		return traceContext{}, false
	}
	f, _ := strconv.ParseUint(flags, 16, 8)
	return traceContext{traceID: trace, spanID: span, sampled: f&1 == 1, hasSampled: true}, true
}

// parseCloudTraceContext reads an X-Cloud-Trace-Context value:
// "TRACE_ID[/SPAN_ID][;o=OPTIONS]" with a 32-digit hex trace id and a decimal
// span id, which Cloud Logging wants as 16 hex digits.
func parseCloudTraceContext(v string) (traceContext, bool) {
	v = strings.TrimSpace(v)
	rest, opts, hasOpts := strings.Cut(v, ";")
	trace, span, hasSpan := strings.Cut(rest, "/")
	trace = strings.ToLower(trace)
	if len(trace) != 32 || !isLowerHex(trace) || allZero(trace) {
		return traceContext{}, false
	}
	tc := traceContext{traceID: trace}
	if hasSpan && span != "" {
		n, err := strconv.ParseUint(span, 10, 64)
		if err != nil {
			return traceContext{}, false
		}
		if n != 0 {
			tc.spanID = leftPad16(strconv.FormatUint(n, 16))
		}
	}
	if hasOpts {
		switch opts {
		case "o=1":
			tc.sampled, tc.hasSampled = true, true
		case "o=0":
			tc.hasSampled = true
		}
	}
	return tc, true
}

// attrs renders tc as Cloud Logging's fields. With a project the trace is
// the resource name Cloud Logging links to Cloud Trace
// ("projects/P/traces/T"); without one only the bare id can be given.
func (tc traceContext) attrs(project string) []slog.Attr {
	trace := tc.traceID
	if project != "" {
		trace = "projects/" + project + "/traces/" + tc.traceID
	}
	attrs := make([]slog.Attr, 0, 3)
	attrs = append(attrs, slog.String(LogFieldTrace, trace))
	if tc.spanID != "" {
		attrs = append(attrs, slog.String(LogFieldSpanID, tc.spanID))
	}
	if tc.hasSampled {
		attrs = append(attrs, slog.Bool(LogFieldTraceSampled, tc.sampled))
	}
	return attrs
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return s != ""
}

func allZero(s string) bool {
	return strings.Trim(s, "0") == ""
}

func leftPad16(s string) string {
	if len(s) >= 16 {
		return s
	}
	return strings.Repeat("0", 16-len(s)) + s
}

// maxIDLength bounds the ids taken from the platform (execution ids, event
// ids) before they become request ids in logs and answers.
const maxIDLength = 128

// validID accepts the ids platforms hand out (letters, digits, '-', '_',
// '.', ':') and rejects anything else, so a spoofed header cannot put
// arbitrary text into logs or the X-Request-Id answer header.
func validID(s string) bool {
	if s == "" || len(s) > maxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}
