package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/wacht-platform/serverless-go/handler"
)

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func v1Event(path string) events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{
		HTTPMethod: "GET",
		Path:       path,
		Headers:    map[string]string{"Host": "api.example.com"},
		RequestContext: events.APIGatewayProxyRequestContext{
			Stage: "prod", RequestID: "gw-1",
			Identity: events.APIGatewayRequestIdentity{SourceIP: "203.0.113.7"},
		},
	}
}

func v2Event(rawPath string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RawPath: rawPath,
		Headers: map[string]string{"host": "api.example.com"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			Stage: "$default", RequestID: "gw-2", DomainName: "api.example.com",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: rawPath, SourceIP: "2001:db8::1", Protocol: "HTTP/1.1"},
		},
	}
}

func albEvent(path string) events.ALBTargetGroupRequest {
	return events.ALBTargetGroupRequest{
		HTTPMethod: "GET",
		Path:       path,
		Headers:    map[string]string{"host": "lb.example.com", "x-forwarded-for": "198.51.100.1, 192.0.2.9"},
		RequestContext: events.ALBTargetGroupRequestContext{
			ELB: events.ELBContext{TargetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1"},
		},
	}
}

func furlEvent(rawPath string) events.LambdaFunctionURLRequest {
	return events.LambdaFunctionURLRequest{
		Version: "2.0", RawPath: rawPath,
		Headers: map[string]string{"host": "abc.lambda-url.us-east-1.on.aws"},
		RequestContext: events.LambdaFunctionURLRequestContext{
			RequestID: "furl-1", DomainName: "abc.lambda-url.us-east-1.on.aws",
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: "GET", Path: rawPath, SourceIP: "192.0.2.1"},
		},
	}
}

// capture serves payload and returns the request the handler saw.
func capture(t *testing.T, payload []byte, opts ...Option) (*http.Request, requestDump) {
	t.Helper()
	var got *http.Request
	var d requestDump
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		d = dumpRequest(r)
	}), opts...)
	if _, err := h.Invoke(context.Background(), payload); err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	return got, d
}

func TestPathKeepsEscaping(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload any
	}{
		{"v1", v1Event("/files/a%2Fb c")},
		{"v2", v2Event("/files/a%2Fb c")},
		{"alb", albEvent("/files/a%2Fb c")},
		{"function-url", furlEvent("/files/a%2Fb c")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := capture(t, marshal(t, tc.payload))
			if r.URL.Path != "/files/a/b c" || r.URL.EscapedPath() != "/files/a%2Fb%20c" {
				t.Errorf("Path=%q EscapedPath=%q", r.URL.Path, r.URL.EscapedPath())
			}
			mux := http.NewServeMux()
			var name string
			mux.HandleFunc("GET /files/{name}", func(_ http.ResponseWriter, r *http.Request) { name = r.PathValue("name") })
			h := NewHandler(mux)
			if _, err := h.Invoke(context.Background(), marshal(t, tc.payload)); err != nil {
				t.Fatal(err)
			}
			if name != "a/b c" {
				t.Errorf("ServeMux saw {name} = %q, want %q: %%2F must not split the segment", name, "a/b c")
			}
		})
	}
	// HTTP APIs deliver the path decoded; a literal '%' then is not an escape.
	r, _ := capture(t, marshal(t, v2Event("/discount/100%")))
	if r.URL.Path != "/discount/100%" {
		t.Errorf("decoded path with a literal %%: Path=%q", r.URL.Path)
	}
}

func TestStageAndBasePathStripping(t *testing.T) {
	named := func(path, stage string) []byte {
		ev := v2Event(path)
		ev.RequestContext.Stage = stage
		return marshal(t, ev)
	}
	for _, tc := range []struct {
		payload []byte
		opts    []Option
		want    string
	}{
		{named("/prod/users", "prod"), nil, "/prod/users"},
		{named("/prod/users", "prod"), []Option{WithStripStage()}, "/users"},
		{named("/prod", "prod"), []Option{WithStripStage()}, "/"},
		{named("/production/users", "prod"), []Option{WithStripStage()}, "/production/users"},
		{named("/$default/x", "$default"), []Option{WithStripStage()}, "/$default/x"},
		{named("/api/v1/users", "$default"), []Option{WithBasePath("api")}, "/v1/users"},
		{named("/api/v1/users", "$default"), []Option{WithBasePath("/api/v1/")}, "/users"},
		{named("/apix/users", "$default"), []Option{WithBasePath("/api")}, "/apix/users"},
		{named("/prod/api/users", "prod"), []Option{WithStripStage(), WithBasePath("/api")}, "/users"},
		{marshal(t, v1Event("/api/users")), []Option{WithBasePath("/api")}, "/users"},
		{marshal(t, albEvent("/api")), []Option{WithBasePath("/api")}, "/"},
	} {
		r, _ := capture(t, tc.payload, tc.opts...)
		if r.URL.Path != tc.want {
			t.Errorf("%s with %d options: Path = %q, want %q", tc.payload[:40], len(tc.opts), r.URL.Path, tc.want)
		}
	}
}

func TestQueryStrings(t *testing.T) {
	t.Run("v1 multi-value, decoded values re-encoded in order", func(t *testing.T) {
		ev := v1Event("/")
		ev.QueryStringParameters = map[string]string{"q": "last"}
		ev.MultiValueQueryStringParameters = map[string][]string{"q": {"a b&c=d", "é+%"}}
		r, _ := capture(t, marshal(t, ev))
		if got := r.URL.Query()["q"]; !slices.Equal(got, []string{"a b&c=d", "é+%"}) {
			t.Errorf("q = %q (RawQuery %q)", got, r.URL.RawQuery)
		}
	})
	t.Run("v1 single-value only", func(t *testing.T) {
		ev := v1Event("/")
		ev.QueryStringParameters = map[string]string{"x": "1 2"}
		r, _ := capture(t, marshal(t, ev))
		if r.URL.Query().Get("x") != "1 2" {
			t.Errorf("RawQuery %q", r.URL.RawQuery)
		}
	})
	t.Run("alb values decoded exactly once", func(t *testing.T) {
		ev := albEvent("/")
		ev.QueryStringParameters = map[string]string{"q": "a%20b", "p": "%2520", "e": "caf%C3%A9"}
		r, _ := capture(t, marshal(t, ev))
		q := r.URL.Query()
		if q.Get("q") != "a b" || q.Get("p") != "%20" || q.Get("e") != "café" {
			t.Errorf("query = %v (RawQuery %q)", q, r.URL.RawQuery)
		}
		ev.QueryStringParameters = nil
		ev.MultiValueQueryStringParameters = map[string][]string{"k": {"1%2C2", "x+y"}}
		ev.MultiValueHeaders = map[string][]string{"host": {"lb"}}
		r, _ = capture(t, marshal(t, ev))
		if got := r.URL.Query()["k"]; !slices.Equal(got, []string{"1,2", "x y"}) {
			t.Errorf("k = %q", got)
		}
	})
	t.Run("v2 raw query verbatim", func(t *testing.T) {
		ev := v2Event("/")
		ev.RawQueryString = "a=1&a=2&b=%2F+x"
		ev.QueryStringParameters = map[string]string{"a": "1,2", "b": "/ x"}
		r, _ := capture(t, marshal(t, ev))
		if r.URL.RawQuery != ev.RawQueryString || r.RequestURI != "/?a=1&a=2&b=%2F+x" {
			t.Errorf("RawQuery %q RequestURI %q", r.URL.RawQuery, r.RequestURI)
		}
	})
}

func TestHeadersHostAndRemoteAddr(t *testing.T) {
	t.Run("v2 values are never split on commas", func(t *testing.T) {
		ev := v2Event("/")
		ev.Headers["accept"] = "text/html, application/json"
		ev.Headers["if-modified-since"] = "Wed, 21 Oct 2015 07:28:00 GMT"
		ev.Cookies = []string{"s=1", "t=2"}
		r, _ := capture(t, marshal(t, ev))
		if got := r.Header.Values("Accept"); len(got) != 1 || got[0] != "text/html, application/json" {
			t.Errorf("Accept = %q", got)
		}
		if got := r.Header.Get("If-Modified-Since"); got != "Wed, 21 Oct 2015 07:28:00 GMT" {
			t.Errorf("If-Modified-Since = %q", got)
		}
		if c, err := r.Cookie("t"); err != nil || c.Value != "2" {
			t.Errorf("cookie t: %v %v", c, err)
		}
		if r.Host != "api.example.com" || r.RemoteAddr != "[2001:db8::1]:0" {
			t.Errorf("Host %q RemoteAddr %q", r.Host, r.RemoteAddr)
		}
	})
	t.Run("v1 multi-value headers win", func(t *testing.T) {
		ev := v1Event("/")
		ev.Headers["X-Tag"] = "b"
		ev.MultiValueHeaders = map[string][]string{"x-tag": {"a", "b"}, "host": {"mv.example.com"}}
		r, _ := capture(t, marshal(t, ev))
		if got := r.Header.Values("X-Tag"); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("X-Tag = %q", got)
		}
		if r.Host != "mv.example.com" || r.RemoteAddr != "203.0.113.7:0" {
			t.Errorf("Host %q RemoteAddr %q", r.Host, r.RemoteAddr)
		}
	})
	t.Run("empty multiValueHeaders does not hide headers", func(t *testing.T) {
		ev := v1Event("/")
		ev.Headers["X-Only-Single"] = "1"
		ev.MultiValueHeaders = map[string][]string{}
		r, _ := capture(t, marshal(t, ev))
		if r.Header.Get("X-Only-Single") != "1" || r.Host != "api.example.com" {
			t.Errorf("Header %v Host %q", r.Header, r.Host)
		}
	})
	t.Run("alb remote address is the last X-Forwarded-For entry", func(t *testing.T) {
		r, _ := capture(t, marshal(t, albEvent("/")))
		if r.RemoteAddr != "192.0.2.9:0" || r.Host != "lb.example.com" {
			t.Errorf("RemoteAddr %q Host %q", r.RemoteAddr, r.Host)
		}
	})
	t.Run("alb event without headers", func(t *testing.T) {
		ev := albEvent("/")
		ev.Headers = nil
		r, _ := capture(t, marshal(t, ev))
		if r.RemoteAddr != "" || r.Host != "" || len(r.Header) != 0 {
			t.Errorf("RemoteAddr %q Host %q Header %v", r.RemoteAddr, r.Host, r.Header)
		}
	})
	t.Run("host falls back to the domain name", func(t *testing.T) {
		ev := v2Event("/")
		delete(ev.Headers, "host")
		r, _ := capture(t, marshal(t, ev))
		if r.Host != "api.example.com" {
			t.Errorf("Host %q", r.Host)
		}
	})
}

func TestBodies(t *testing.T) {
	bin := []byte{0, 1, 2, 0xff, 0xfe, 'x'}
	ev := v2Event("/upload")
	ev.RequestContext.HTTP.Method = "POST"
	ev.Body = base64.StdEncoding.EncodeToString(bin)
	ev.IsBase64Encoded = true
	payload := marshal(t, ev)

	serve := func(ct, ce string, body []byte, opts ...Option) response {
		h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, _ := io.ReadAll(r.Body)
			if !bytes.Equal(got, bin) || r.ContentLength != int64(len(bin)) {
				t.Errorf("request body %q (length %d), want %q", got, r.ContentLength, bin)
			}
			if ct != "" {
				w.Header().Set("Content-Type", ct)
			}
			if ce != "" {
				w.Header().Set("Content-Encoding", ce)
			}
			_, _ = w.Write(body)
		}), opts...)
		return invoke(t, h, payload)
	}
	for _, tc := range []struct {
		ct, ce string
		body   []byte
		opts   []Option
		b64    bool
	}{
		{"application/octet-stream", "", bin, nil, true},
		{"image/png", "", []byte("looks like text"), nil, true},
		{"application/json", "", []byte(`{"é":"✓"}`), nil, false},
		{"application/problem+json", "", []byte(`{}`), nil, false},
		{"text/plain; charset=utf-8", "", []byte("ok\n"), nil, false},
		{"text/plain", "", bin, nil, true},
		{"text/html", "gzip", []byte("not really gzip"), nil, true},
		{"", "", []byte("plain words"), nil, false},
		{"image/png", "", []byte("forced text"), []Option{WithBinaryRule(func(http.Header, []byte) bool { return false })}, false},
		{"text/plain", "", []byte("forced binary"), []Option{WithBinaryRule(func(http.Header, []byte) bool { return true })}, true},
	} {
		res := serve(tc.ct, tc.ce, tc.body, tc.opts...)
		if res.IsBase64Encoded != tc.b64 || !bytes.Equal(res.body(t), tc.body) {
			t.Errorf("Content-Type %q Content-Encoding %q: isBase64Encoded=%v body=%q, want %v %q", tc.ct, tc.ce, res.IsBase64Encoded, res.body(t), tc.b64, tc.body)
		}
	}
	// A body with characters JSON must escape survives the text path.
	odd := "quote\" backslash\\ nl\n tab\t ctl\x01 ls\u2028 emoji😀"
	res := serve("text/plain; charset=utf-8", "", []byte(odd))
	if res.IsBase64Encoded || res.Body != odd {
		t.Errorf("escaped text body = %q", res.Body)
	}
}

func TestResponseSemantics(t *testing.T) {
	payload := marshal(t, v2Event("/"))
	run := func(f http.HandlerFunc) response { return invoke(t, NewHandler(f), payload) }

	if res := run(func(http.ResponseWriter, *http.Request) {}); res.StatusCode != 200 || res.Body != "" {
		t.Errorf("empty handler: %+v", res)
	}
	res := run(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
		if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrBodyNotAllowed) {
			t.Errorf("Write after 204: %v", err)
		}
	})
	if res.StatusCode != 204 || res.Body != "" {
		t.Errorf("204: %+v", res)
	}
	res = run(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Before", "1")
		w.WriteHeader(http.StatusAccepted)
		w.Header().Set("X-After", "1")
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, "<html><body>hi</body></html>")
	})
	if res.StatusCode != 202 || res.Headers["X-Before"] != "1" || res.Headers["X-After"] != "" {
		t.Errorf("header snapshot at WriteHeader: %+v", res)
	}
	if res.Headers["Content-Type"] != "text/html; charset=utf-8" {
		t.Errorf("sniffed Content-Type = %q", res.Headers["Content-Type"])
	}
	head := v2Event("/")
	head.RequestContext.HTTP.Method = "HEAD"
	res = invoke(t, NewHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "dropped")
	})), marshal(t, head))
	if res.Body != "" || res.Headers["Content-Type"] != "text/plain" {
		t.Errorf("HEAD: %+v", res)
	}
}

func TestContextAccessors(t *testing.T) {
	ev := v1Event("/ctx")
	ev.StageVariables = map[string]string{"env": "test"}
	ev.RequestContext.Authorizer = map[string]any{"principalId": "user-1"}
	ev.Headers["X-GoLambdaProxy-ApiGw-Context"] = `{"authorizer":{"principalId":"attacker"}}`
	deadline := time.Now().Add(42 * time.Second).Truncate(time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "lambda-req-9", InvokedFunctionArn: "arn:aws:lambda:us-east-1:1:function:f"})

	var checked bool
	h := NewHandler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		checked = true
		ctx := r.Context()
		if d, ok := ctx.Deadline(); !ok || !d.Equal(deadline) {
			t.Errorf("deadline = %v %v, want %v", d, ok, deadline)
		}
		if kitID, _ := handler.RequestIDFromContext(ctx); RequestID(ctx) != "lambda-req-9" || kitID != "lambda-req-9" {
			t.Errorf("RequestID = %q, the kit's request id %q", RequestID(ctx), kitID)
		}
		if lc, ok := LambdaContext(ctx); !ok || lc.InvokedFunctionArn != "arn:aws:lambda:us-east-1:1:function:f" {
			t.Errorf("LambdaContext = %+v %v", lc, ok)
		}
		e, ok := EventFromContext(ctx)
		if !ok {
			t.Fatal("EventFromContext: no event")
		}
		if e.Source() != SourceAPIGatewayV1 {
			t.Errorf("Source = %v", e.Source())
		}
		req, err := e.APIGatewayV1()
		if err != nil {
			t.Fatal(err)
		}
		if req.RequestContext.Authorizer["principalId"] != "user-1" || req.StageVariables["env"] != "test" {
			t.Errorf("typed event: authorizer %v stage vars %v", req.RequestContext.Authorizer, req.StageVariables)
		}
		if again, _ := e.APIGatewayV1(); again != req {
			t.Error("typed event decoded twice")
		}
		if _, err := e.APIGatewayV2(); !errors.Is(err, ErrEventSource) {
			t.Errorf("APIGatewayV2 on a v1 event: %v", err)
		}
		if !bytes.Equal(e.Payload(), marshal(t, ev)) {
			t.Error("Payload differs from the invocation payload")
		}
	}))
	if _, err := h.Invoke(ctx, marshal(t, ev)); err != nil {
		t.Fatal(err)
	}
	if !checked {
		t.Error("handler did not run")
	}
	// Outside an invocation the accessors report absence without panicking.
	bg := context.Background()
	e, ok := EventFromContext(bg)
	if ok || e != nil || RequestID(bg) != "" {
		t.Error("accessors on a plain context")
	}
	if _, err := e.ALB(); !errors.Is(err, ErrNoEvent) {
		t.Errorf("nil Event: %v", err)
	}
}

func TestUnsupportedAndMalformedPayloads(t *testing.T) {
	called := false
	h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	for _, tc := range []struct {
		payload string
		want    error
	}{
		{`{}`, ErrUnsupportedEvent},
		{`[]`, ErrUnsupportedEvent},
		{`"GET"`, ErrUnsupportedEvent},
		{`{"Records":[{"eventSource":"aws:s3"}]}`, ErrUnsupportedEvent},
		{`{"httpMethod":"GET","path":"/","type":"REQUEST","methodArn":"arn"}`, ErrUnsupportedEvent},
		{`{"httpMethod":"GET","requestContext":{"connectionId":"c1","eventType":"MESSAGE"}}`, ErrUnsupportedEvent},
		{`{"httpMethod":"GET"`, ErrMalformedEvent},
		{`{"httpMethod":1}`, ErrMalformedEvent},
		{`{"httpMethod":"GET","headers":{"a":1}}`, ErrMalformedEvent},
		{`{"httpMethod":"GE T","path":"/"}`, ErrMalformedEvent},
		{`{"httpMethod":"POST","body":"***","isBase64Encoded":true}`, ErrMalformedEvent},
		{`{"httpMethod":"GET"} {}`, ErrMalformedEvent},
		{`{"requestContext":{"elb":{}},"path":"/"}`, ErrMalformedEvent},
		{``, ErrUnsupportedEvent},
	} {
		out, err := h.Invoke(context.Background(), []byte(tc.payload))
		var ee *EventError
		if out != nil || !errors.As(err, &ee) || !errors.Is(err, tc.want) {
			t.Errorf("%s: got (%q, %v), want an *EventError wrapping %v", tc.payload, out, err, tc.want)
		}
	}
	if called {
		t.Error("handler called for an unsupported payload")
	}
	// Error messages never quote the payload (it may carry credentials).
	_, err := h.Invoke(context.Background(), []byte(`{"headers":{"authorization":"Bearer secret-token"},"httpMethod":7}`))
	if err == nil || strings.Contains(err.Error(), "secret-token") {
		t.Errorf("error %v", err)
	}
}

func TestPanicRecovery(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Partial", "1")
		_, _ = io.WriteString(w, "partial")
		panic("boom")
	}), WithLogger(logger))
	res := invoke(t, h, marshal(t, v2Event("/")))
	if res.StatusCode != 500 || strings.Contains(res.Body, "partial") || res.Headers["X-Partial"] != "" {
		t.Errorf("panic response: %+v", res)
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic not logged: %s", logs.String())
	}
	abort := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	if _, err := abort.Invoke(context.Background(), marshal(t, v2Event("/"))); !errors.Is(err, http.ErrAbortHandler) {
		t.Errorf("ErrAbortHandler: %v", err)
	}
}

func TestScannerStrings(t *testing.T) {
	// Escapes decode exactly as encoding/json decodes them.
	raw := `{"httpMethod":"GET","path":"/caf\u00e9/\ud83d\ude00/\ud800x","headers":{"X-Q":"say \"hi\"\\\/\b\f\n\r\t","X\u002dK":"v"},"requestContext":{"identity":{"sourceIp":"10.0.0.1"},"nested":[1,-2.5e+3,true,false,null,{"a":[[]]}]}}`
	var want events.APIGatewayProxyRequest
	mustUnmarshal(t, []byte(raw), &want)
	r, _ := capture(t, []byte(raw))
	if r.URL.Path != want.Path {
		t.Errorf("path %q, want %q", r.URL.Path, want.Path)
	}
	if r.Header.Get("X-Q") != want.Headers["X-Q"] || r.Header.Get("X-K") != "v" {
		t.Errorf("headers %q", r.Header)
	}
}

func FuzzScan(f *testing.F) {
	f.Add([]byte(`{"httpMethod":"GET","path":"/a%2Fb","headers":{"h":"v"}}`))
	f.Add([]byte(`{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"POST"}},"body":"\u00e9","cookies":["a=1"]}`))
	f.Add([]byte(`{"requestContext":{"elb":{"targetGroupArn":"x"}},"httpMethod":"GET","multiValueQueryStringParameters":{"a":["1",null]}}`))
	f.Add([]byte(`[1,2,{"a":-0.5e10}]`))
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(w, r.Body)
	}))
	f.Fuzz(func(t *testing.T, payload []byte) {
		var e scanned
		if err := scan(string(payload), &e); err == nil && !json.Valid(payload) {
			t.Fatalf("accepted invalid JSON %q", payload)
		}
		out, err := h.Invoke(context.Background(), payload)
		if err == nil && !json.Valid(out) {
			t.Fatalf("invalid response JSON %q for %q", out, payload)
		}
	})
}
