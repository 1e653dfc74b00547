package netlify

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/lambda"
)

// netlifyEvent returns an event in the shape the Netlify CLI 27 builds
// (lib/functions/server.js, lib/functions/local-proxy.js) and Netlify
// delivers: API Gateway v1 plus rawUrl, rawQuery and route.
func netlifyEvent(method, path, rawQuery string, headers map[string][]string, mutate func(map[string]any)) []byte {
	mvq := map[string][]string{}
	q := map[string]string{}
	for _, kv := range strings.Split(rawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		mvq[k] = append(mvq[k], v)
		q[k] = strings.Join(mvq[k], ", ")
	}
	h := map[string]string{}
	for k, vs := range headers {
		h[k] = strings.Join(vs, ", ")
	}
	rawURL := "https://example.netlify.app" + path
	if rawQuery != "" {
		rawURL += "?" + rawQuery
	}
	ev := map[string]any{
		"resource":                        "",
		"path":                            path,
		"httpMethod":                      method,
		"headers":                         h,
		"multiValueHeaders":               headers,
		"queryStringParameters":           q,
		"multiValueQueryStringParameters": mvq,
		"isBase64Encoded":                 false,
		"rawUrl":                          rawURL,
		"rawQuery":                        rawQuery,
		"requestContext":                  map[string]any{"httpMethod": method, "requestTimeEpoch": 0},
	}
	if mutate != nil {
		mutate(ev)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return b
}

type seen struct {
	Method, Path, RawPath, RawQuery, RequestURI, RemoteAddr, Host string
	Header                                                        http.Header
	Body                                                          string
	RequestID, KitRequestID                                       string
	Event                                                         Event
	Deadline                                                      time.Time
	Background                                                    bool
}

func recorder(dst *seen, respond func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		kitID, _ := handler.RequestIDFromContext(r.Context())
		*dst = seen{
			Method: r.Method, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery,
			RequestURI: r.RequestURI, RemoteAddr: r.RemoteAddr, Host: r.Host, Header: r.Header.Clone(),
			Body: string(b), RequestID: RequestID(r.Context()), KitRequestID: kitID,
			Background: IsBackground(r.Context()),
		}
		if ev, ok := EventFromContext(r.Context()); ok {
			dst.Event = *ev
			dst.Event.cc = nil // compared by value below
		}
		dst.Deadline, _ = r.Context().Deadline()
		if respond != nil {
			respond(w, r)
		}
	})
}

type response struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

func invoke(t *testing.T, h *Handler, ctx context.Context, payload []byte) response {
	t.Helper()
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var res response
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	return res
}

func TestFunctionPathQueryHeaders(t *testing.T) {
	var got seen
	h := NewHandler(recorder(&got, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "ok")
	}))
	payload := netlifyEvent("POST", "/.netlify/functions/api/users/a%2Fb", "tag=x&tag=y%20z&q=1", map[string][]string{
		"host":                      {"example.netlify.app"},
		"x-multi":                   {"one", "two"},
		"x-nf-client-connection-ip": {"203.0.113.9"},
		"client-ip":                 {"198.51.100.1"},
		"x-nf-request-id":           {"01HNFREQUESTID"},
		"content-type":              {"text/plain"},
	}, func(ev map[string]any) { ev["body"] = "hello" })
	res := invoke(t, h, context.Background(), payload)

	if res.StatusCode != 201 || res.Body != "ok" {
		t.Fatalf("response = %d %q", res.StatusCode, res.Body)
	}
	if c := res.MultiValueHeaders["Set-Cookie"]; len(c) != 2 {
		t.Errorf("Set-Cookie = %q, want both cookies", c)
	}
	if got.Method != "POST" || got.Body != "hello" {
		t.Errorf("method/body = %s %q", got.Method, got.Body)
	}
	if got.Path != "/users/a/b" || got.RawPath != "/users/a%2Fb" {
		t.Errorf("path = %q raw %q, want the functions prefix removed and %%2F kept", got.Path, got.RawPath)
	}
	if got.RawQuery != "tag=x&tag=y%20z&q=1" || got.RequestURI != "/users/a%2Fb?tag=x&tag=y%20z&q=1" {
		t.Errorf("query = %q, RequestURI = %q", got.RawQuery, got.RequestURI)
	}
	if vs := got.Header["X-Multi"]; len(vs) != 2 || vs[0] != "one" || vs[1] != "two" {
		t.Errorf("X-Multi = %q", vs)
	}
	if got.Host != "example.netlify.app" {
		t.Errorf("Host = %q", got.Host)
	}
	if got.RemoteAddr != "203.0.113.9:0" {
		t.Errorf("RemoteAddr = %q, want x-nf-client-connection-ip", got.RemoteAddr)
	}
	if got.RequestID != "01HNFREQUESTID" || got.KitRequestID != "01HNFREQUESTID" {
		t.Errorf("request id = %q, kit %q", got.RequestID, got.KitRequestID)
	}
	want := Event{FunctionName: "api", Path: "/.netlify/functions/api/users/a%2Fb",
		RawURL: "https://example.netlify.app/.netlify/functions/api/users/a%2Fb?tag=x&tag=y%20z&q=1", RawQuery: "tag=x&tag=y%20z&q=1"}
	if got.Event != want {
		t.Errorf("event = %+v\nwant   %+v", got.Event, want)
	}
	if got.Background {
		t.Error("IsBackground = true for a plain function")
	}
}

func TestRewritePaths(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []Option
		path     string
		wantPath string
	}{
		{"direct call", nil, "/.netlify/functions/api/admin/users", "/admin/users"},
		{"function root", nil, "/.netlify/functions/api", "/"},
		{"not on a segment boundary", []Option{WithFunctionName("api")}, "/.netlify/functions/apix/users", "/.netlify/functions/apix/users"},
		{"keep prefix", []Option{WithKeepFunctionsPrefix()}, "/.netlify/functions/api/admin/users", "/.netlify/functions/api/admin/users"},
		{"rewrite keeps the original path", []Option{WithFunctionName("api")}, "/api/admin/users", "/api/admin/users"},
		{"rewrite with base path", []Option{WithFunctionName("api"), WithBasePath("api/")}, "/api/admin/users", "/admin/users"},
		{"direct call with base path", []Option{WithBasePath("/api")}, "/.netlify/functions/api/admin/users", "/admin/users"},
		{"base path on a segment boundary", []Option{WithBasePath("/api")}, "/apix/users", "/apix/users"},
		{"base path disabled", []Option{WithBasePath("/")}, "/api/users", "/api/users"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got seen
			h := NewHandler(recorder(&got, nil), tc.opts...)
			invoke(t, h, context.Background(), netlifyEvent("GET", tc.path, "", nil, nil))
			if got.Path != tc.wantPath {
				t.Errorf("path = %q, want %q", got.Path, tc.wantPath)
			}
		})
	}
}

// Without rawUrl and rawQuery (hand-made events, older tooling) the v1
// fields decide, as platforms/lambda reads them.
func TestWithoutNetlifyFields(t *testing.T) {
	var got seen
	h := NewHandler(recorder(&got, nil))
	payload := netlifyEvent("GET", "/.netlify/functions/fn/x", "a=1&a=2", map[string][]string{"client-ip": {"2001:db8::1"}}, func(ev map[string]any) {
		delete(ev, "rawUrl")
		delete(ev, "rawQuery")
	})
	invoke(t, h, context.Background(), payload)
	if got.Path != "/x" || got.RawQuery != "a=1&a=2" {
		t.Errorf("path %q query %q", got.Path, got.RawQuery)
	}
	if got.RemoteAddr != "[2001:db8::1]:0" {
		t.Errorf("RemoteAddr = %q, want client-ip", got.RemoteAddr)
	}
	if got.RequestID != "" {
		// Neither x-nf-request-id nor a Lambda context nor requestContext.requestId.
		t.Errorf("request id = %q", got.RequestID)
	}
}

// Netlify's members are not part of the AWS shape: a member of the wrong
// type is ignored (the request is still served from the v1 fields), while
// escaped strings are decoded like any other JSON string.
func TestNetlifyFieldTypes(t *testing.T) {
	var got seen
	h := NewHandler(recorder(&got, nil))
	payload := netlifyEvent("GET", "/.netlify/functions/fn/x", "a=1", nil, func(ev map[string]any) {
		ev["rawUrl"] = 42
		ev["rawQuery"] = map[string]any{"a": "2"}
		ev["route"] = []any{"/x"}
	})
	invoke(t, h, context.Background(), payload)
	if got.Path != "/x" || got.RawQuery != "a=1" || got.Event.RawURL != "" || got.Event.Route != "" {
		t.Errorf("mistyped members: path %q query %q event %+v", got.Path, got.RawQuery, got.Event)
	}

	payload = netlifyEvent("GET", "/.netlify/functions/fn/x", "", nil, func(ev map[string]any) {
		ev["rawUrl"] = "https://example.netlify.app/api/caf\u00e9?q=<1>"
		ev["rawQuery"] = "q=%3C1%3E&x=\u0026"
		ev["route"] = "/api/*"
	})
	// json.Marshal escapes < and >; the \u sequences above are literal
	// backslashes: unescape them into JSON escapes.
	payload = bytes.ReplaceAll(payload, []byte(`\\u`), []byte(`\u`))
	invoke(t, h, context.Background(), payload)
	if got.Event.RawURL != "https://example.netlify.app/api/café?q=<1>" || got.Event.Route != "/api/*" {
		t.Errorf("event %+v", got.Event)
	}
	if got.Path != "/api/café" || got.RawQuery != "q=%3C1%3E&x=&" {
		t.Errorf("path %q query %q", got.Path, got.RawQuery)
	}
}

func TestClientIPAndRequestIDValidation(t *testing.T) {
	var got seen
	h := NewHandler(recorder(&got, nil))
	lc := &lambdacontext.LambdaContext{AwsRequestID: "aws-req-1"}
	payload := netlifyEvent("GET", "/.netlify/functions/fn", "", map[string][]string{
		"x-nf-client-connection-ip": {"203.0.113.1, 10.0.0.1"}, // not one address: ignored
		"client-ip":                 {"not-an-ip"},
		"x-nf-request-id":           {"bad id\nwith newline"},
	}, func(ev map[string]any) {
		ev["requestContext"].(map[string]any)["identity"] = map[string]any{"sourceIp": "192.0.2.7"}
	})
	invoke(t, h, lambdacontext.NewContext(context.Background(), lc), payload)
	if got.RemoteAddr != "192.0.2.7:0" {
		t.Errorf("RemoteAddr = %q, want the event's sourceIp when the headers are unusable", got.RemoteAddr)
	}
	if got.RequestID != "aws-req-1" || got.KitRequestID != "aws-req-1" {
		t.Errorf("request id = %q/%q, want the Lambda id when x-nf-request-id is unusable", got.RequestID, got.KitRequestID)
	}
}

// Through the adapter and kit.Handler, with no option, the kit logs and
// answers with Netlify's x-nf-request-id, else the Lambda request id.
func TestKitSeesNetlifyRequestID(t *testing.T) {
	var logs bytes.Buffer
	kit := handler.New(handler.Options{
		Env:    func(string) (string, bool) { return "", false },
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	var seenID string
	h := NewHandler(kit.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenID, _ = handler.RequestIDFromContext(r.Context())
		handler.LoggerFromContext(r.Context()).InfoContext(r.Context(), "served")
	})))
	lc := &lambdacontext.LambdaContext{AwsRequestID: "aws-req-7"}
	for _, tc := range []struct {
		name   string
		header map[string][]string
		want   string
	}{
		{"x-nf-request-id", map[string][]string{"x-nf-request-id": {"01HNFREQ"}}, "01HNFREQ"},
		{"Lambda request id", nil, "aws-req-7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			res := invoke(t, h, lambdacontext.NewContext(context.Background(), lc), netlifyEvent("GET", "/.netlify/functions/fn", "", tc.header, nil))
			var rec struct {
				Msg       string `json:"msg"`
				RequestID string `json:"request_id"`
			}
			if err := json.Unmarshal(logs.Bytes(), &rec); err != nil || rec.Msg != "served" || rec.RequestID != tc.want {
				t.Errorf("log %s: request_id %q, want %q (%v)", logs.String(), rec.RequestID, tc.want, err)
			}
			if seenID != tc.want {
				t.Errorf("handler.RequestIDFromContext = %q, want %q", seenID, tc.want)
			}
			if got := res.MultiValueHeaders["X-Request-Id"]; len(got) != 1 || got[0] != tc.want {
				t.Errorf("X-Request-Id = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBackgroundFunction(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	var got seen
	h := NewHandler(recorder(&got, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "ignored body")
	}), WithLogger(logger))
	deadline := time.Now().Add(15 * time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	res := invoke(t, h, ctx, netlifyEvent("POST", "/.netlify/functions/report-background", "", map[string][]string{"x-nf-request-id": {"bg-1"}}, nil))
	if res.StatusCode != http.StatusAccepted || res.Body != "" || res.IsBase64Encoded {
		t.Errorf("response = %+v, want 202 without a body", res)
	}
	if !got.Background || got.Event.FunctionName != "report-background" || !got.Event.Background {
		t.Errorf("background not detected: %+v", got)
	}
	if !got.Deadline.Equal(deadline) {
		t.Errorf("handler deadline = %v, want the invocation's %v", got.Deadline, deadline)
	}
	if s := logs.String(); !strings.Contains(s, "background function failed") || !strings.Contains(s, "status=503") || !strings.Contains(s, "bg-1") {
		t.Errorf("log = %q, want the failure logged with its request id", s)
	}

	// WithBackground marks functions of any name; a 2xx is not logged.
	logs.Reset()
	h = NewHandler(recorder(&got, nil), WithBackground(), WithLogger(logger))
	res = invoke(t, h, context.Background(), netlifyEvent("GET", "/.netlify/functions/plain", "", nil, nil))
	if res.StatusCode != http.StatusAccepted || !got.Background {
		t.Errorf("WithBackground: status %d background %v", res.StatusCode, got.Background)
	}
	if logs.Len() != 0 {
		t.Errorf("unexpected log %q", logs.String())
	}
}

func TestBinaryResponse(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0xff}
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(png)
	}))
	res := invoke(t, h, context.Background(), netlifyEvent("GET", "/.netlify/functions/fn/logo.png", "", nil, nil))
	if !res.IsBase64Encoded {
		t.Fatal("isBase64Encoded = false for image/png")
	}
	if b, err := base64.StdEncoding.DecodeString(res.Body); err != nil || !bytes.Equal(b, png) {
		t.Errorf("body = %q (%v)", res.Body, err)
	}
}

func TestBinaryRequestBody(t *testing.T) {
	var got seen
	h := NewHandler(recorder(&got, nil))
	body := []byte{0, 1, 2, 0xfe}
	invoke(t, h, context.Background(), netlifyEvent("POST", "/.netlify/functions/fn", "", nil, func(ev map[string]any) {
		ev["body"] = base64.StdEncoding.EncodeToString(body)
		ev["isBase64Encoded"] = true
	}))
	if got.Body != string(body) {
		t.Errorf("body = %q", got.Body)
	}
}

func encodeCC(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestClientContext(t *testing.T) {
	t.Setenv("URL", "")
	const token = "admin-token-secret"
	custom := encodeCC(t, map[string]any{
		"identity": map[string]any{"url": "https://site.example/.netlify/identity", "token": token},
		"user":     map[string]any{"sub": "u1", "email": "a@example.com"},
	})
	var cc *ClientContext
	var ccErr error
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, ok := EventFromContext(r.Context())
		if !ok {
			t.Fatal("no Netlify event")
		}
		cc, ccErr = ev.ClientContext()
		again, _ := ev.ClientContext()
		if again != cc {
			t.Error("client context decoded twice")
		}
	}))
	payload := netlifyEvent("GET", "/.netlify/functions/fn", "", nil, nil)

	t.Run("production: Lambda client context", func(t *testing.T) {
		lc := &lambdacontext.LambdaContext{AwsRequestID: "r1"}
		lc.ClientContext.Custom = map[string]string{"netlify": custom}
		invoke(t, h, lambdacontext.NewContext(context.Background(), lc), payload)
		if ccErr != nil {
			t.Fatal(ccErr)
		}
		if cc.Identity == nil || cc.Identity.URL != "https://site.example/.netlify/identity" || cc.Identity.Token != token {
			t.Errorf("identity = %+v", cc.Identity)
		}
		if cc.User["email"] != "a@example.com" {
			t.Errorf("user = %v", cc.User)
		}
		if cc.SiteURL != "https://site.example" {
			t.Errorf("site URL = %q, want it derived from the Identity URL", cc.SiteURL)
		}
	})
	t.Run("site_url member and URL variable", func(t *testing.T) {
		lc := &lambdacontext.LambdaContext{}
		lc.ClientContext.Custom = map[string]string{"netlify": encodeCC(t, map[string]any{"site_url": "https://a.example"})}
		invoke(t, h, lambdacontext.NewContext(context.Background(), lc), payload)
		if ccErr != nil || cc.SiteURL != "https://a.example" || cc.Identity != nil || cc.User != nil {
			t.Errorf("cc = %+v, err %v", cc, ccErr)
		}
		t.Setenv("URL", "https://env.example")
		lc.ClientContext.Custom = map[string]string{"netlify": encodeCC(t, map[string]any{"user": map[string]any{"sub": "x"}})}
		invoke(t, h, lambdacontext.NewContext(context.Background(), lc), payload)
		if ccErr != nil || cc.SiteURL != "https://env.example" {
			t.Errorf("cc = %+v, err %v", cc, ccErr)
		}
	})
	t.Run("Netlify CLI: requestContext.custom", func(t *testing.T) {
		t.Setenv("URL", "")
		local := netlifyEvent("GET", "/.netlify/functions/fn", "", nil, func(ev map[string]any) {
			rc := ev["requestContext"].(map[string]any)
			rc["identity"] = map[string]any{"url": "https://netlify-dev-locally-emulated-identity.netlify.app/.netlify/identity", "token": "t"}
			rc["custom"] = map[string]any{"netlify": custom}
		})
		invoke(t, h, context.Background(), local)
		if ccErr != nil || cc.User["sub"] != "u1" {
			t.Errorf("cc = %+v, err %v", cc, ccErr)
		}
	})
	t.Run("plain JSON object", func(t *testing.T) {
		lc := &lambdacontext.LambdaContext{}
		lc.ClientContext.Custom = map[string]string{"netlify": `{"user":{"sub":"j"}}`}
		invoke(t, h, lambdacontext.NewContext(context.Background(), lc), payload)
		if ccErr != nil || cc.User["sub"] != "j" {
			t.Errorf("cc = %+v, err %v", cc, ccErr)
		}
	})
	t.Run("absent", func(t *testing.T) {
		invoke(t, h, context.Background(), payload)
		if !errors.Is(ccErr, ErrNoClientContext) || cc != nil {
			t.Errorf("cc = %+v, err = %v, want ErrNoClientContext", cc, ccErr)
		}
	})
	for name, raw := range map[string]string{
		"not base64": "%%%" + token,
		"not JSON":   base64.StdEncoding.EncodeToString([]byte("[" + token)),
		"wrong type": base64.StdEncoding.EncodeToString([]byte(`{"identity":"` + token + `"}`)),
	} {
		t.Run("malformed: "+name, func(t *testing.T) {
			lc := &lambdacontext.LambdaContext{}
			lc.ClientContext.Custom = map[string]string{"netlify": raw}
			invoke(t, h, lambdacontext.NewContext(context.Background(), lc), payload)
			var ce *ClientContextError
			if !errors.As(ccErr, &ce) || !errors.Is(ccErr, ErrMalformedClientContext) {
				t.Fatalf("err = %v, want a *ClientContextError wrapping ErrMalformedClientContext", ccErr)
			}
			if strings.Contains(ccErr.Error(), token) {
				t.Errorf("error %q quotes the client context", ccErr)
			}
		})
	}
	if _, err := (*Event)(nil).ClientContext(); !errors.Is(err, ErrNoInvocation) {
		t.Errorf("nil event: err = %v", err)
	}
	if _, err := (&Event{}).ClientContext(); !errors.Is(err, ErrNoInvocation) {
		t.Errorf("event made by hand: err = %v", err)
	}
	if _, ok := EventFromContext(context.Background()); ok || IsBackground(context.Background()) || RequestID(context.Background()) != "" {
		t.Error("accessors report an invocation on a plain context")
	}
}

func TestBadInput(t *testing.T) {
	called := false
	h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	for name, tc := range map[string]struct {
		payload string
		want    error
	}{
		"not JSON":             {`{"httpMethod":`, lambda.ErrMalformedEvent},
		"not an object":        {`[]`, lambda.ErrUnsupportedEvent},
		"no method":            {`{"path":"/.netlify/functions/fn","rawUrl":"https://x/"}`, lambda.ErrUnsupportedEvent},
		"scheduled event":      {`{"next_run":"2026-01-01T00:00:00Z"}`, lambda.ErrUnsupportedEvent},
		"bad method":           {`{"httpMethod":"G ET","path":"/"}`, lambda.ErrMalformedEvent},
		"bad base64 body":      {`{"httpMethod":"POST","path":"/","body":"***","isBase64Encoded":true}`, lambda.ErrMalformedEvent},
		"rawUrl of wrong type": {`{"httpMethod":"GET","path":"/","rawUrl":7}`, nil},
	} {
		t.Run(name, func(t *testing.T) {
			called = false
			out, err := h.Invoke(context.Background(), []byte(tc.payload))
			if tc.want == nil {
				// Netlify's extra fields are optional: a wrong type is
				// ignored, the request still served from the v1 fields.
				if err != nil || !called {
					t.Fatalf("err = %v, called = %v", err, called)
				}
				return
			}
			var ee *lambda.EventError
			if !errors.As(err, &ee) || !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want a *lambda.EventError wrapping %v", err, tc.want)
			}
			if out != nil || called {
				t.Errorf("out = %s, handler called = %v", out, called)
			}
		})
	}
}

func TestPanicIs500(t *testing.T) {
	h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	res := invoke(t, h, context.Background(), netlifyEvent("GET", "/.netlify/functions/fn", "", nil, nil))
	if res.StatusCode != 500 {
		t.Errorf("status = %d", res.StatusCode)
	}
}

// A panic after the answer started fails the invocation instead of
// answering a 200 with a truncated body.
func TestPanicAfterFirstByteFailsTheInvocation(t *testing.T) {
	kit := handler.New(handler.Options{
		Env:    func(string) (string, bool) { return "", false },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	h := NewHandler(kit.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "partial")
		panic("died half way through the answer")
	})), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	out, err := h.Invoke(context.Background(), netlifyEvent("GET", "/.netlify/functions/fn", "", nil, nil))
	if !errors.Is(err, http.ErrAbortHandler) {
		t.Fatalf("Invoke returned %s, %v; want an ErrAbortHandler failure", out, err)
	}
}
