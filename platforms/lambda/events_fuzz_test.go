package lambda_test

// Fuzz targets for each HTTP event source (issue 11). Each target builds an
// event of one source from fuzzed parts with aws-lambda-go's own types, so the
// payload is what Lambda could deliver, invokes a Handler and checks that the
// request the handler sees round-trips the event (method, body, a header, the
// query) and that the response converts back into the source's response type
// with the handler's status and body. Seeds come from aws-lambda-go's
// events/testdata samples in the module cache.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wacht-platform/serverless-go/platforms/lambda"
)

// fuzzParts are the fuzzed parts of one HTTP event.
type fuzzParts struct {
	method, path     string
	qkey, qval       string
	hkey, hval       string
	body             []byte
	b64, garbageBody bool
}

// seen is what the echo handler observed.
type seen struct {
	called bool
	method string
	path   string
	query  url.Values
	raw    string
	header http.Header
	host   string
	body   []byte
}

// echoHandler records the request and answers 201 with the request body as
// application/octet-stream.
func echoHandler(s *seen) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		*s = seen{called: true, method: r.Method, path: r.URL.Path, query: r.URL.Query(), raw: r.URL.RawQuery,
			header: r.Header.Clone(), host: r.Host, body: b}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("X-Echo", "ok")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(b)
	})
}

// awsTestdata returns aws-lambda-go's events/testdata directory, or "" when
// the module cache cannot be located (seeds from it are then skipped, the
// hand-written seeds remain).
func awsTestdata(tb testing.TB) string {
	tb.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
	if err != nil {
		tb.Logf("aws-lambda-go testdata not found: %v", err)
		return ""
	}
	return filepath.Join(strings.TrimSpace(string(out)), "events", "testdata")
}

// seedFrom decodes each named sample into v and adds the parts it yields.
func seedFrom[T any](f *testing.F, files []string, parts func(T) fuzzParts) {
	dir := awsTestdata(f)
	for _, name := range files {
		if dir == "" {
			break
		}
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Logf("seed %s: %v", name, err)
			continue
		}
		var e T
		if err := json.Unmarshal(raw, &e); err != nil {
			f.Fatalf("seed %s: %v", name, err)
		}
		p := parts(e)
		addParts(f, p)
	}
	addParts(f, fuzzParts{method: "GET", path: "/a%2Fb/c", qkey: "q", qval: "a b&c", hkey: "X-Test", hval: "v, w", body: nil})
	addParts(f, fuzzParts{method: "POST", path: "/users", hkey: "Content-Type", hval: "application/json", body: []byte(`{"a":1}`)})
	addParts(f, fuzzParts{method: "PUT", path: "/bin", body: []byte{0, 0xff, 0xfe, 'x'}, b64: true})
	addParts(f, fuzzParts{method: "POST", path: "/bad", body: []byte("!!not base64!!"), garbageBody: true})
	addParts(f, fuzzParts{method: "GET", path: "/caf\xc3\xa9/\xff", hkey: "X-Bad", hval: "\xff\xfe", body: []byte("\xff")})
	addParts(f, fuzzParts{method: "G(T", path: "", hkey: "Host", hval: "example.com"})
}

func addParts(f *testing.F, p fuzzParts) {
	f.Add(p.method, p.path, p.qkey, p.qval, p.hkey, p.hval, p.body, p.b64, p.garbageBody)
}

func firstKV(m map[string]string) (string, string) {
	for k, v := range m {
		return k, v
	}
	return "", ""
}

// bodyField returns the event's body field and isBase64Encoded flag.
func bodyField(p fuzzParts) (string, bool) {
	switch {
	case p.garbageBody:
		return string(p.body), true
	case p.b64:
		return base64.StdEncoding.EncodeToString(p.body), true
	default:
		return string(p.body), false
	}
}

// redeliver marshals e and decodes it again: the result is the event exactly
// as Lambda would deliver it (invalid UTF-8 replaced, as encoding/json does).
func redeliver[T any](t *testing.T, e T) ([]byte, T) {
	t.Helper()
	payload, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var back T
	if err := json.Unmarshal(payload, &back); err != nil {
		t.Fatal(err)
	}
	return payload, back
}

// invokeChecked invokes h and checks the outcome common to every source.
// It returns the response payload, or nil when the event was rejected.
func invokeChecked(t *testing.T, h *lambda.Handler, s *seen, payload []byte, method, body string, b64 bool) []byte {
	t.Helper()
	*s = seen{}
	out, err := h.Invoke(context.Background(), payload)
	if err != nil {
		var ee *lambda.EventError
		if !errors.As(err, &ee) {
			t.Fatalf("error %v is not an *EventError", err)
		}
		if s.called {
			t.Fatalf("handler called for a rejected event (%v)", err)
		}
		if !errors.Is(err, lambda.ErrMalformedEvent) && !errors.Is(err, lambda.ErrUnsupportedEvent) {
			t.Fatalf("error %v wraps neither sentinel", err)
		}
		// The sentinels' fixed text is not a quote even when a fuzzed body
		// happens to spell part of it.
		fixed := lambda.ErrMalformedEvent.Error() + "\n" + lambda.ErrUnsupportedEvent.Error()
		if len(body) > 8 && strings.Contains(err.Error(), body) && !strings.Contains(fixed, body) {
			t.Fatalf("error %q quotes the body", err)
		}
		return nil
	}
	if !s.called {
		t.Fatalf("handler not called, answer %s", out)
	}
	if s.method != method {
		t.Fatalf("method %q, want %q", s.method, method)
	}
	want := []byte(body)
	if b64 && body != "" {
		var derr error
		want, derr = base64.StdEncoding.DecodeString(body)
		if derr != nil {
			t.Fatalf("garbage base64 body %q accepted", body)
		}
	}
	if !bytes.Equal(s.body, want) {
		t.Fatalf("body %q, want %q", s.body, want)
	}
	return out
}

// checkHeader checks that a delivered header reached the handler.
func checkHeader(t *testing.T, s *seen, k, v string) {
	t.Helper()
	if k == "" {
		return
	}
	ck := textproto.CanonicalMIMEHeaderKey(k)
	switch ck {
	case "Host":
		if s.host != v {
			t.Fatalf("host %q, want %q", s.host, v)
		}
		return
	case "Cookie":
		// payload 2.0 cookies merge into Cookie; checked only for presence.
		if !strings.Contains(strings.Join(s.header.Values(ck), "; "), v) {
			t.Fatalf("cookie header %q lacks %q", s.header.Values(ck), v)
		}
		return
	}
	for _, got := range s.header.Values(ck) {
		if got == v {
			return
		}
	}
	t.Fatalf("header %q = %q, want it to hold %q", ck, s.header.Values(ck), v)
}

// checkResponse checks the converted response: status 201, the echoed body.
func checkResponse(t *testing.T, status int, body string, b64 bool, want []byte) {
	t.Helper()
	if status != http.StatusCreated {
		t.Fatalf("status %d, want 201", status)
	}
	got := []byte(body)
	if b64 {
		var err error
		if got, err = base64.StdEncoding.DecodeString(body); err != nil {
			t.Fatalf("response body is not base64: %v", err)
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("response body %q, want %q", got, want)
	}
}

// encodedPathOK reports whether p is a path the adapters deliver unchanged:
// starting with '/', printable ASCII, escapes well formed.
func encodedPathOK(p string) (string, bool) {
	if p == "" || p[0] != '/' {
		return "", false
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] >= 0x7f || p[i] == '?' || p[i] == '#' {
			return "", false
		}
	}
	dec, err := url.PathUnescape(p)
	return dec, err == nil
}

func FuzzAPIGatewayV1(f *testing.F) {
	seedFrom(f, []string{"apigw-request.json", "apigw-restapi-openapi-request.json"}, func(e events.APIGatewayProxyRequest) fuzzParts {
		qk, qv := firstKV(e.QueryStringParameters)
		hk, hv := firstKV(e.Headers)
		return fuzzParts{method: e.HTTPMethod, path: e.Path, qkey: qk, qval: qv, hkey: hk, hval: hv, body: []byte(e.Body), b64: e.IsBase64Encoded}
	})
	var s seen
	h := lambda.NewHandler(echoHandler(&s))
	f.Fuzz(func(t *testing.T, method, path, qk, qv, hk, hv string, body []byte, b64, garbage bool) {
		p := fuzzParts{method, path, qk, qv, hk, hv, body, b64, garbage}
		b, isB64 := bodyField(p)
		e := events.APIGatewayProxyRequest{HTTPMethod: method, Path: path, Body: b, IsBase64Encoded: isB64,
			RequestContext: events.APIGatewayProxyRequestContext{RequestID: "fuzz", Identity: events.APIGatewayRequestIdentity{SourceIP: "203.0.113.1"}}}
		if hk != "" {
			e.Headers = map[string]string{hk: hv}
		}
		if qk != "" {
			e.QueryStringParameters = map[string]string{qk: qv}
		}
		payload, d := redeliver(t, e)
		out := invokeChecked(t, h, &s, payload, d.HTTPMethod, d.Body, d.IsBase64Encoded)
		if out == nil {
			return
		}
		for k, v := range d.Headers {
			checkHeader(t, &s, k, v)
		}
		for k, v := range d.QueryStringParameters {
			if got := s.query[k]; len(got) != 1 || got[0] != v {
				t.Fatalf("query %q = %q, want %q (raw %q)", k, got, v, s.raw)
			}
		}
		if dec, ok := encodedPathOK(d.Path); ok && s.path != dec {
			t.Fatalf("path %q, want %q", s.path, dec)
		}
		var res events.APIGatewayProxyResponse
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("response %s: %v", out, err)
		}
		checkResponse(t, res.StatusCode, res.Body, res.IsBase64Encoded, s.body)
		if got := res.MultiValueHeaders["X-Echo"]; len(got) != 1 || got[0] != "ok" {
			t.Fatalf("response headers %v", res.MultiValueHeaders)
		}
	})
}

func FuzzAPIGatewayV2(f *testing.F) {
	seedFrom(f, []string{"apigw-v2-request-iam.json", "apigw-v2-request-jwt-authorizer.json", "apigw-v2-request-lambda-authorizer.json", "apigw-v2-request-no-authorizer.json"}, func(e events.APIGatewayV2HTTPRequest) fuzzParts {
		hk, hv := firstKV(e.Headers)
		qk, qv := firstKV(e.QueryStringParameters)
		return fuzzParts{method: e.RequestContext.HTTP.Method, path: e.RawPath, qkey: qk, qval: qv, hkey: hk, hval: hv, body: []byte(e.Body), b64: e.IsBase64Encoded}
	})
	var s seen
	h := lambda.NewHandler(echoHandler(&s))
	f.Fuzz(func(t *testing.T, method, path, qk, qv, hk, hv string, body []byte, b64, garbage bool) {
		fuzzV2(t, h, &s, "abc123.execute-api.us-east-1.amazonaws.com", fuzzParts{method, path, qk, qv, hk, hv, body, b64, garbage})
	})
}

func FuzzFunctionURL(f *testing.F) {
	seedFrom(f, []string{"lambda-urls-request.json"}, func(e events.LambdaFunctionURLRequest) fuzzParts {
		hk, hv := firstKV(e.Headers)
		qk, qv := firstKV(e.QueryStringParameters)
		return fuzzParts{method: e.RequestContext.HTTP.Method, path: e.RawPath, qkey: qk, qval: qv, hkey: hk, hval: hv, body: []byte(e.Body), b64: e.IsBase64Encoded}
	})
	var s seen
	h := lambda.NewHandler(echoHandler(&s))
	f.Fuzz(func(t *testing.T, method, path, qk, qv, hk, hv string, body []byte, b64, garbage bool) {
		fuzzV2(t, h, &s, "abcdefg.lambda-url.us-east-1.on.aws", fuzzParts{method, path, qk, qv, hk, hv, body, b64, garbage})
	})
}

// fuzzV2 covers payload 2.0: HTTP APIs and (by domain name) Function URLs,
// which share the event and response shapes.
func fuzzV2(t *testing.T, h *lambda.Handler, s *seen, domain string, p fuzzParts) {
	b, isB64 := bodyField(p)
	raw := ""
	if p.qkey != "" {
		raw = url.QueryEscape(p.qkey) + "=" + url.QueryEscape(p.qval)
	}
	e := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default", RawPath: p.path, RawQueryString: raw,
		Body: b, IsBase64Encoded: isB64,
		RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: domain, RequestID: "fuzz",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: p.method, Path: p.path, SourceIP: "203.0.113.1", Protocol: "HTTP/1.1"}}}
	if p.hkey != "" {
		e.Headers = map[string]string{p.hkey: p.hval}
	}
	payload, d := redeliver(t, e)
	out := invokeChecked(t, h, s, payload, d.RequestContext.HTTP.Method, d.Body, d.IsBase64Encoded)
	if out == nil {
		return
	}
	for k, v := range d.Headers {
		checkHeader(t, s, k, v)
	}
	if s.raw != d.RawQueryString {
		t.Fatalf("raw query %q, want %q", s.raw, d.RawQueryString)
	}
	if p.qkey != "" && d.RawQueryString == raw {
		if got := s.query[p.qkey]; len(got) != 1 || got[0] != p.qval {
			t.Fatalf("query %q = %q, want %q", p.qkey, got, p.qval)
		}
	}
	var res events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	checkResponse(t, res.StatusCode, res.Body, res.IsBase64Encoded, s.body)
	if res.Headers["X-Echo"] != "ok" {
		t.Fatalf("response headers %v", res.Headers)
	}
}

func FuzzALB(f *testing.F) {
	seedFrom(f, []string{"alb-lambda-target-request-headers-only.json", "alb-lambda-target-request-multivalue-headers.json"}, func(e events.ALBTargetGroupRequest) fuzzParts {
		hk, hv := firstKV(e.Headers)
		if mk, mv := firstKVs(e.MultiValueHeaders); hk == "" && mk != "" {
			hk, hv = mk, mv
		}
		qk, qv := firstKV(e.QueryStringParameters)
		return fuzzParts{method: e.HTTPMethod, path: e.Path, qkey: qk, qval: qv, hkey: hk, hval: hv, body: []byte(e.Body), b64: e.IsBase64Encoded}
	})
	var s seen
	h := lambda.NewHandler(echoHandler(&s))
	f.Fuzz(func(t *testing.T, method, path, qk, qv, hk, hv string, body []byte, b64, multi bool) {
		// ALB's last fuzzed flag picks the multi-value form; garbage base64
		// is covered by the other sources (same code path).
		p := fuzzParts{method, path, qk, qv, hk, hv, body, b64, false}
		b, isB64 := bodyField(p)
		e := events.ALBTargetGroupRequest{HTTPMethod: method, Path: path, Body: b, IsBase64Encoded: isB64,
			RequestContext: events.ALBTargetGroupRequestContext{ELB: events.ELBContext{TargetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1"}}}
		// ALB passes the query as the client sent it: use an encoded form.
		ek, ev := url.QueryEscape(qk), url.QueryEscape(qv)
		if multi {
			if hk != "" {
				e.MultiValueHeaders = map[string][]string{hk: {hv}}
			}
			if qk != "" {
				e.MultiValueQueryStringParameters = map[string][]string{ek: {ev}}
			}
		} else {
			if hk != "" {
				e.Headers = map[string]string{hk: hv}
			}
			if qk != "" {
				e.QueryStringParameters = map[string]string{ek: ev}
			}
		}
		payload, d := redeliver(t, e)
		out := invokeChecked(t, h, &s, payload, d.HTTPMethod, d.Body, d.IsBase64Encoded)
		if out == nil {
			return
		}
		for k, v := range d.Headers {
			checkHeader(t, &s, k, v)
		}
		for k, vs := range d.MultiValueHeaders {
			for _, v := range vs {
				checkHeader(t, &s, k, v)
			}
		}
		if qk != "" {
			if got := s.query[qk]; len(got) != 1 || got[0] != qv {
				t.Fatalf("query %q = %q, want %q (raw %q)", qk, got, qv, s.raw)
			}
		}
		var res events.ALBTargetGroupResponse
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("response %s: %v", out, err)
		}
		checkResponse(t, res.StatusCode, res.Body, res.IsBase64Encoded, s.body)
		if res.StatusDescription != "201 Created" {
			t.Fatalf("statusDescription %q", res.StatusDescription)
		}
		if multi && hk != "" {
			if got := res.MultiValueHeaders["X-Echo"]; len(got) != 1 || got[0] != "ok" {
				t.Fatalf("multi-value response headers %v", res.MultiValueHeaders)
			}
		}
	})
}

func firstKVs(m map[string][]string) (string, string) {
	for k, v := range m {
		if len(v) > 0 {
			return k, v[0]
		}
	}
	return "", ""
}
