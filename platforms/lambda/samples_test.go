package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

var (
	testdataOnce sync.Once
	testdataDir  string
	testdataErr  error
)

// eventsTestdata returns aws-lambda-go's events/testdata directory in the
// module cache: the samples are read in place, never copied.
func eventsTestdata(tb testing.TB) string {
	tb.Helper()
	testdataOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
		if err != nil {
			testdataErr = err
			return
		}
		testdataDir = filepath.Join(strings.TrimSpace(string(out)), "events", "testdata")
	})
	if testdataErr != nil {
		tb.Fatalf("locating aws-lambda-go in the module cache: %v", testdataErr)
	}
	return testdataDir
}

func readSample(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(eventsTestdata(tb), name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// httpSamples are every HTTP request event shipped in aws-lambda-go's
// events/testdata, with the source each must be detected as.
var httpSamples = []struct {
	file   string
	source Source
}{
	{"apigw-request.json", SourceAPIGatewayV1},
	{"apigw-restapi-openapi-request.json", SourceAPIGatewayV1},
	{"apigw-v2-request-iam.json", SourceAPIGatewayV2},
	{"apigw-v2-request-jwt-authorizer.json", SourceAPIGatewayV2},
	{"apigw-v2-request-lambda-authorizer.json", SourceAPIGatewayV2},
	{"apigw-v2-request-no-authorizer.json", SourceAPIGatewayV2},
	{"alb-lambda-target-request-headers-only.json", SourceALB},
	{"alb-lambda-target-request-multivalue-headers.json", SourceALB},
	{"lambda-urls-request.json", SourceFunctionURL},
}

// requestDump is what the echo handler saw; golden files hold it.
type requestDump struct {
	Source        string              `json:"source"`
	Method        string              `json:"method"`
	Path          string              `json:"path"`
	RawPath       string              `json:"rawPath,omitempty"`
	RawQuery      string              `json:"rawQuery,omitempty"`
	RequestURI    string              `json:"requestURI"`
	Proto         string              `json:"proto"`
	Host          string              `json:"host"`
	RemoteAddr    string              `json:"remoteAddr"`
	Header        map[string][]string `json:"header"`
	ContentLength int64               `json:"contentLength"`
	Body          string              `json:"body"`
	RequestID     string              `json:"requestId"`
}

func dumpRequest(r *http.Request) requestDump {
	body, _ := io.ReadAll(r.Body)
	ev, _ := EventFromContext(r.Context())
	return requestDump{
		Source:        ev.Source().String(),
		Method:        r.Method,
		Path:          r.URL.Path,
		RawPath:       r.URL.RawPath,
		RawQuery:      r.URL.RawQuery,
		RequestURI:    r.RequestURI,
		Proto:         r.Proto,
		Host:          r.Host,
		RemoteAddr:    r.RemoteAddr,
		Header:        r.Header,
		ContentLength: r.ContentLength,
		Body:          string(body),
		RequestID:     RequestID(r.Context()),
	}
}

// echo answers with the request dump as JSON and sets two cookies.
func echo(seen *requestDump) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := dumpRequest(r)
		if seen != nil {
			*seen = d
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "a=1; Path=/")
		w.Header().Add("Set-Cookie", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT")
		w.Header().Add("X-Multi", "one")
		w.Header().Add("X-Multi", "two")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(d)
	})
}

// response is the union of the response shapes, for assertions.
type response struct {
	StatusCode        int                 `json:"statusCode"`
	StatusDescription string              `json:"statusDescription"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

func (r response) body(t *testing.T) []byte {
	t.Helper()
	if !r.IsBase64Encoded {
		return []byte(r.Body)
	}
	b, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		t.Fatalf("response body is not base64: %v", err)
	}
	return b
}

func invoke(t *testing.T, h *Handler, payload []byte) response {
	t.Helper()
	out, err := h.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var res response
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, out)
	}
	return res
}

func TestSampleEventsGolden(t *testing.T) {
	for _, tc := range httpSamples {
		t.Run(tc.file, func(t *testing.T) {
			payload := readSample(t, tc.file)
			var seen requestDump
			h := NewHandler(echo(&seen))
			res := invoke(t, h, payload)

			if got := seen.Source; got != tc.source.String() {
				t.Fatalf("source = %s, want %s", got, tc.source)
			}
			var buf strings.Builder
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(seen); err != nil {
				t.Fatal(err)
			}
			got := buf.String()
			golden := filepath.Join("testdata", strings.TrimSuffix(tc.file, ".json")+".golden.json")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestSampleEventsGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("converted request differs from %s:\n got: %s\nwant: %s", golden, got, want)
			}

			// The request matches what aws-lambda-go's own types say.
			checkAgainstTypedEvent(t, tc.source, payload, seen)

			// Round trip: the response carries what the handler wrote.
			checkEchoResponse(t, tc.source, payload, res, seen)
		})
	}
}

// checkAgainstTypedEvent compares the converted request with the event as
// decoded by encoding/json into aws-lambda-go's types.
func checkAgainstTypedEvent(t *testing.T, src Source, payload []byte, seen requestDump) {
	t.Helper()
	var method, body, host string
	var b64 bool
	switch src {
	case SourceAPIGatewayV1:
		var ev events.APIGatewayProxyRequest
		mustUnmarshal(t, payload, &ev)
		method, body, b64 = ev.HTTPMethod, ev.Body, ev.IsBase64Encoded
		host = ev.Headers["Host"]
		for k, vs := range ev.MultiValueHeaders {
			if http.CanonicalHeaderKey(k) == "Host" {
				continue
			}
			if !slices.Equal(seen.Header[http.CanonicalHeaderKey(k)], vs) {
				t.Errorf("header %s = %q, want %q", k, seen.Header[http.CanonicalHeaderKey(k)], vs)
			}
		}
		if want := ev.RequestContext.Identity.SourceIP + ":0"; seen.RemoteAddr != want {
			t.Errorf("RemoteAddr = %q, want %q", seen.RemoteAddr, want)
		}
		if seen.RequestID != ev.RequestContext.RequestID {
			t.Errorf("request id = %q, want the event's %q", seen.RequestID, ev.RequestContext.RequestID)
		}
	case SourceAPIGatewayV2, SourceFunctionURL:
		var ev events.APIGatewayV2HTTPRequest
		mustUnmarshal(t, payload, &ev)
		method, body, b64 = ev.RequestContext.HTTP.Method, ev.Body, ev.IsBase64Encoded
		host = ev.Headers["host"]
		if host == "" {
			host = ev.RequestContext.DomainName
		}
		if seen.RawQuery != ev.RawQueryString {
			t.Errorf("RawQuery = %q, want rawQueryString %q", seen.RawQuery, ev.RawQueryString)
		}
		for k, v := range ev.Headers {
			ck := http.CanonicalHeaderKey(k)
			if ck == "Host" {
				continue
			}
			if got := seen.Header[ck]; len(got) != 1 || got[0] != v {
				t.Errorf("header %s = %q, want the single value %q (never split on commas)", k, got, v)
			}
		}
		if len(ev.Cookies) > 0 {
			if got, want := seen.Header["Cookie"], []string{strings.Join(ev.Cookies, "; ")}; !slices.Equal(got, want) {
				t.Errorf("Cookie = %q, want %q", got, want)
			}
		}
		if want := ev.RequestContext.HTTP.SourceIP + ":0"; seen.RemoteAddr != want {
			t.Errorf("RemoteAddr = %q, want %q", seen.RemoteAddr, want)
		}
	case SourceALB:
		var ev events.ALBTargetGroupRequest
		mustUnmarshal(t, payload, &ev)
		method, body, b64 = ev.HTTPMethod, ev.Body, ev.IsBase64Encoded
		host = ev.Headers["host"]
		if host == "" && len(ev.MultiValueHeaders["host"]) > 0 {
			host = ev.MultiValueHeaders["host"][0]
		}
	}
	if seen.Method != method {
		t.Errorf("method = %q, want %q", seen.Method, method)
	}
	if seen.Host != host {
		t.Errorf("Host = %q, want %q", seen.Host, host)
	}
	if _, ok := seen.Header["Host"]; ok {
		t.Error("Host must move to Request.Host, not stay in Header")
	}
	if b64 {
		dec, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			t.Fatal(err)
		}
		body = string(dec)
	}
	if seen.Body != body || seen.ContentLength != int64(len(body)) {
		t.Errorf("body = %q (length %d), want %q", seen.Body, seen.ContentLength, body)
	}
}

func checkEchoResponse(t *testing.T, src Source, payload []byte, res response, seen requestDump) {
	t.Helper()
	if res.StatusCode != http.StatusCreated {
		t.Errorf("statusCode = %d, want 201", res.StatusCode)
	}
	var got requestDump
	if err := json.Unmarshal(res.body(t), &got); err != nil {
		t.Fatalf("response body: %v", err)
	}
	if g, w := mustJSON(t, got), mustJSON(t, seen); g != w {
		t.Errorf("response body does not round-trip:\n got %s\nwant %s", g, w)
	}
	cookies := []string{"a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT"}
	switch src {
	case SourceAPIGatewayV2, SourceFunctionURL:
		if !slices.Equal(res.Cookies, cookies) {
			t.Errorf("cookies = %q, want %q", res.Cookies, cookies)
		}
		if _, ok := res.Headers["Set-Cookie"]; ok {
			t.Error("Set-Cookie must travel in the cookies array, not in headers")
		}
		if res.Headers["X-Multi"] != "one, two" || res.Headers["Content-Type"] != "application/json" {
			t.Errorf("headers = %v", res.Headers)
		}
		if res.MultiValueHeaders != nil {
			t.Error("payload 2.0 responses have no multiValueHeaders")
		}
	case SourceAPIGatewayV1:
		if !slices.Equal(res.MultiValueHeaders["Set-Cookie"], cookies) || !slices.Equal(res.MultiValueHeaders["X-Multi"], []string{"one", "two"}) {
			t.Errorf("multiValueHeaders = %v", res.MultiValueHeaders)
		}
	case SourceALB:
		if res.StatusDescription != "201 Created" {
			t.Errorf("statusDescription = %q", res.StatusDescription)
		}
		if strings.Contains(string(payload), `"multiValueHeaders"`) {
			if !slices.Equal(res.MultiValueHeaders["Set-Cookie"], cookies) || res.Headers != nil {
				t.Errorf("multi-value ALB response: headers=%v multiValueHeaders=%v", res.Headers, res.MultiValueHeaders)
			}
		} else if res.Headers["Set-Cookie"] != cookies[0] || res.Headers["X-Multi"] != "one, two" || res.MultiValueHeaders != nil {
			t.Errorf("single-value ALB response: headers=%v multiValueHeaders=%v", res.Headers, res.MultiValueHeaders)
		}
	}
}

// TestSampleResponsesRoundTrip replays aws-lambda-go's sample responses
// through a handler and checks the adapter produces them again.
func TestSampleResponsesRoundTrip(t *testing.T) {
	cases := []struct{ response, request string }{
		{"apigw-response.json", "apigw-request.json"},
		{"alb-lambda-target-response.json", "alb-lambda-target-request-multivalue-headers.json"},
		{"lambda-urls-response.json", "lambda-urls-request.json"},
	}
	for _, tc := range cases {
		t.Run(tc.response, func(t *testing.T) {
			var want response
			mustUnmarshal(t, readSample(t, tc.response), &want)
			h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if want.MultiValueHeaders != nil {
					for k, vs := range want.MultiValueHeaders {
						for _, v := range vs {
							w.Header().Add(k, v)
						}
					}
				} else {
					for k, v := range want.Headers {
						w.Header().Set(k, v)
					}
				}
				for _, c := range want.Cookies {
					w.Header().Add("Set-Cookie", c)
				}
				if _, ok := w.Header()["Content-Type"]; !ok {
					w.Header()["Content-Type"] = nil // no sniffing, as in net/http
				}
				w.WriteHeader(want.StatusCode)
				_, _ = io.WriteString(w, want.Body)
			}))
			got := invoke(t, h, readSample(t, tc.request))
			if got.StatusCode != want.StatusCode || got.Body != want.Body || got.IsBase64Encoded != want.IsBase64Encoded {
				t.Errorf("got status %d body %q b64 %v, want %d %q %v", got.StatusCode, got.Body, got.IsBase64Encoded, want.StatusCode, want.Body, want.IsBase64Encoded)
			}
			if want.StatusDescription != "" && got.StatusDescription != want.StatusDescription {
				t.Errorf("statusDescription = %q, want %q", got.StatusDescription, want.StatusDescription)
			}
			canon := func(m map[string][]string) map[string][]string {
				out := map[string][]string{}
				for k, v := range m {
					out[http.CanonicalHeaderKey(k)] = v
				}
				return out
			}
			if want.MultiValueHeaders != nil {
				if g, w := mustJSON(t, canon(got.MultiValueHeaders)), mustJSON(t, canon(want.MultiValueHeaders)); g != w {
					t.Errorf("multiValueHeaders:\n got %s\nwant %s", g, w)
				}
			} else {
				for k, v := range want.Headers {
					if got.Headers[http.CanonicalHeaderKey(k)] != v {
						t.Errorf("header %s = %q, want %q", k, got.Headers[http.CanonicalHeaderKey(k)], v)
					}
				}
				if !slices.Equal(got.Cookies, want.Cookies) {
					t.Errorf("cookies = %q, want %q", got.Cookies, want.Cookies)
				}
			}
		})
	}
}

// TestNonHTTPSamplesRejected runs every other sample in events/testdata:
// none may be served; each gets an *EventError.
func TestNonHTTPSamplesRejected(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(eventsTestdata(t), "*.json"))
	if err != nil || len(files) < 50 {
		t.Fatalf("found %d sample files (%v)", len(files), err)
	}
	called := false
	h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	checked := 0
	for _, f := range files {
		name := filepath.Base(f)
		if slices.ContainsFunc(httpSamples, func(s struct {
			file   string
			source Source
		}) bool {
			return s.file == name
		}) {
			continue
		}
		payload, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out, err := h.Invoke(context.Background(), payload)
		var ee *EventError
		if !errors.As(err, &ee) || out != nil {
			t.Errorf("%s: got (%q, %v), want an *EventError", name, out, err)
			continue
		}
		if !errors.Is(err, ErrUnsupportedEvent) && !errors.Is(err, ErrMalformedEvent) {
			t.Errorf("%s: error %v wraps neither sentinel", name, err)
		}
		if json.Valid(payload) && errors.Is(err, ErrMalformedEvent) {
			t.Errorf("%s: valid JSON reported as malformed: %v", name, err)
		}
		checked++
	}
	if called {
		t.Error("the handler was called for a non-HTTP event")
	}
	t.Logf("%d non-HTTP samples rejected", checked)
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
