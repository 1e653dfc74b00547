package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/testtools"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// emulator is one running RIE instance. It serves one invoke at a time.
type emulator struct{ url string }

func startEmulator(t *testing.T, bootstrap string, env ...string) *emulator {
	t.Helper()
	url, _ := testtools.StartRIE(t, bootstrap, "testbootstrap", env...)
	return &emulator{url: url}
}

func (e *emulator) invoke(t *testing.T, payload []byte) []byte {
	t.Helper()
	out, status := e.invokeStatus(t, payload)
	if status != http.StatusOK {
		t.Fatalf("emulator answered %d: %s", status, out)
	}
	return out
}

func (e *emulator) invokeStatus(t *testing.T, payload []byte) ([]byte, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, res.StatusCode
}

// seen mirrors testbootstrap's echo document.
type seen struct {
	Method      string              `json:"method"`
	Path        string              `json:"path"`
	RawPath     string              `json:"rawPath"`
	RawQuery    string              `json:"rawQuery"`
	Host        string              `json:"host"`
	RemoteAddr  string              `json:"remoteAddr"`
	Header      map[string][]string `json:"header"`
	Body        string              `json:"body"`
	Source      string              `json:"source"`
	RequestID   string              `json:"requestId"`
	HasDeadline bool                `json:"hasDeadline"`
	FunctionARN string              `json:"functionArn"`
}

func TestRuntimeInterfaceEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a bootstrap and runs the emulator")
	}
	bootstrap := testtools.BuildBootstrap(t, "./internal/testbootstrap")

	t.Run("buffered", func(t *testing.T) {
		emu := startEmulator(t, bootstrap)
		pathEvent := albEvent("/files/a%2Fb")
		pathEvent.QueryStringParameters = map[string]string{"q": "a%20b"}
		cases := []struct {
			name    string
			payload []byte
			source  Source
			check   func(t *testing.T, res response, s seen)
		}{
			{"apigateway-v1", readSample(t, "apigw-request.json"), SourceAPIGatewayV1, func(t *testing.T, res response, s seen) {
				if s.Method != "POST" || s.Path != "/hello/world" || s.RawQuery != "name=me" || s.RemoteAddr != "192.168.196.186:0" {
					t.Errorf("seen %+v", s)
				}
				if !slices.Equal(res.MultiValueHeaders["Set-Cookie"], []string{"seen=1; Path=/", "again=2; Path=/"}) {
					t.Errorf("multiValueHeaders %v", res.MultiValueHeaders)
				}
			}},
			{"apigateway-v2", readSample(t, "apigw-v2-request-no-authorizer.json"), SourceAPIGatewayV2, func(t *testing.T, res response, s seen) {
				if s.Method != "GET" || s.Host != "aaaaaaaaaa.execute-api.us-west-2.amazonaws.com" || s.RemoteAddr != "1.2.3.4:0" {
					t.Errorf("seen %+v", s)
				}
				if !slices.Equal(res.Cookies, []string{"seen=1; Path=/", "again=2; Path=/"}) || res.Headers["Content-Type"] != "application/json" {
					t.Errorf("headers %v cookies %v", res.Headers, res.Cookies)
				}
			}},
			{"alb-multi-value", readSample(t, "alb-lambda-target-request-multivalue-headers.json"), SourceALB, func(t *testing.T, res response, s seen) {
				if s.RemoteAddr != "72.21.198.67:0" || res.StatusDescription != "200 OK" || len(res.MultiValueHeaders["Set-Cookie"]) != 2 {
					t.Errorf("seen %+v response %+v", s, res)
				}
			}},
			{"alb-single-value", marshal(t, pathEvent), SourceALB, func(t *testing.T, res response, s seen) {
				if s.Path != "/files/a/b" || s.RawPath != "/files/a%2Fb" || s.RawQuery != "q=a%20b" || s.RemoteAddr != "192.0.2.9:0" {
					t.Errorf("seen %+v", s)
				}
				if res.Headers["Set-Cookie"] != "seen=1; Path=/" || res.MultiValueHeaders != nil {
					t.Errorf("response %+v", res)
				}
			}},
			{"function-url", readSample(t, "lambda-urls-request.json"), SourceFunctionURL, func(t *testing.T, res response, s seen) {
				if s.Method != "POST" || s.Body != "Hello from client!" || s.Header["Cookie"][0] != "cookie1; cookie2" {
					t.Errorf("seen %+v", s)
				}
				if len(res.Cookies) != 2 {
					t.Errorf("cookies %v", res.Cookies)
				}
			}},
		}
		for _, tc := range cases {
			out := emu.invoke(t, tc.payload)
			var res response
			if err := json.Unmarshal(out, &res); err != nil || res.StatusCode != 200 {
				t.Errorf("%s: response %s (%v)", tc.name, out, err)
				continue
			}
			var s seen
			if err := json.Unmarshal(res.body(t), &s); err != nil {
				t.Errorf("%s: body %q: %v", tc.name, res.Body, err)
				continue
			}
			if s.Source != tc.source.String() || !s.HasDeadline || s.RequestID == "" || !strings.Contains(s.FunctionARN, "function:testbootstrap") {
				t.Errorf("%s: invocation context: %+v", tc.name, s)
			}
			if s.RequestID == "gw-1" || strings.Contains(string(tc.payload), `"`+s.RequestID+`"`) {
				t.Errorf("%s: request id %q should be the Lambda request id, not the gateway's", tc.name, s.RequestID)
			}
			tc.check(t, res, s)
		}

		// An unsupported event is a function error, not a 200.
		out := emu.invoke(t, readSample(t, "s3-event.json"))
		var fe struct{ ErrorMessage, ErrorType string }
		if err := json.Unmarshal(out, &fe); err != nil || fe.ErrorType != "EventError" || !strings.Contains(fe.ErrorMessage, "not an API Gateway") {
			t.Errorf("unsupported event: %s", out)
		}
		// A panicking handler answers 500 and the function keeps serving.
		panicking := v2Event("/panic")
		out = emu.invoke(t, marshal(t, panicking))
		var res response
		if err := json.Unmarshal(out, &res); err != nil || res.StatusCode != 500 {
			t.Errorf("panic: %s", out)
		}
		out = emu.invoke(t, marshal(t, v2Event("/after-panic")))
		if err := json.Unmarshal(out, &res); err != nil || res.StatusCode != 200 {
			t.Errorf("after panic: %s", out)
		}
	})

	t.Run("streaming", func(t *testing.T) {
		emu := startEmulator(t, bootstrap, "TESTBOOTSTRAP_STREAMING=1")
		out := emu.invoke(t, marshal(t, furlEvent("/stream")))
		prelude, body, err := readStream(t, bytes.NewReader(out))
		if err != nil || prelude.StatusCode != 200 || prelude.Headers["Content-Type"] != "text/plain" || body != "chunk-1\nchunk-2\n" {
			t.Errorf("streamed response %q", out)
		}
		out = emu.invoke(t, marshal(t, furlEvent("/panic")))
		prelude, _, _ = readStream(t, bytes.NewReader(out))
		if prelude.StatusCode != 500 {
			t.Errorf("streamed panic %q", out)
		}
		// Other sources are still answered with buffered JSON.
		out = emu.invoke(t, readSample(t, "apigw-request.json"))
		var res response
		if err := json.Unmarshal(out, &res); err != nil || res.StatusCode != 200 {
			t.Errorf("buffered response in streaming mode: %s", out)
		}
	})
}

// TestRuntimeInterfaceEmulatorAdminUsers runs the admin-users sample, built
// as its bootstrap, under the emulator with wachttest acting as Wacht, and
// asks it for users through every event source, with and without a session.
func TestRuntimeInterfaceEmulatorAdminUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a bootstrap and runs the emulator")
	}
	bootstrap := testtools.BuildBootstrap(t, "../../samples/lambda/admin-users")
	wacht := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	emu := startEmulator(t, bootstrap,
		"WACHT_API_KEY="+wacht.APIKey,
		"WACHT_BACKEND_API_URL="+wacht.BackendURL,
		"WACHT_PUBLISHABLE_KEY="+wacht.PublishableKey,
		"NEXT_PUBLIC_WACHT_PUBLISHABLE_KEY=")
	reader, err := wacht.MintToken(wachttest.TokenOptions{OrganizationPermissions: []string{"user:read"}, Lifetime: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	outsider, err := wacht.MintToken(wachttest.TokenOptions{Lifetime: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	events := map[string]func(token string) []byte{
		"apigateway-v1": func(token string) []byte {
			ev := v1Event("/admin/users")
			if token != "" {
				ev.MultiValueHeaders = map[string][]string{"Authorization": {"Bearer " + token}, "Host": {"api.example.com"}}
			}
			return marshal(t, ev)
		},
		"apigateway-v2": func(token string) []byte {
			ev := v2Event("/admin/users")
			if token != "" {
				ev.Headers["authorization"] = "Bearer " + token
			}
			return marshal(t, ev)
		},
		"alb": func(token string) []byte {
			ev := albEvent("/admin/users")
			if token != "" {
				ev.Headers["authorization"] = "Bearer " + token
			}
			return marshal(t, ev)
		},
		"function-url": func(token string) []byte {
			ev := furlEvent("/admin/users")
			if token != "" {
				ev.Headers["authorization"] = "Bearer " + token
			}
			return marshal(t, ev)
		},
	}
	for _, name := range []string{"apigateway-v1", "apigateway-v2", "alb", "function-url"} {
		for _, tc := range []struct {
			who    string
			token  string
			status int
		}{
			{"anonymous", "", http.StatusUnauthorized},
			{"without user:read", outsider, http.StatusForbidden},
			{"with user:read", reader, http.StatusOK},
		} {
			out := emu.invoke(t, events[name](tc.token))
			var res response
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("%s %s: %s (%v)", name, tc.who, out, err)
			}
			if res.StatusCode != tc.status {
				t.Errorf("%s %s: status %d, want %d: %s", name, tc.who, res.StatusCode, tc.status, res.body(t))
				continue
			}
			var body struct {
				Users []struct {
					ID string `json:"id"`
				} `json:"users"`
				Error string `json:"error"`
			}
			if err := json.Unmarshal(res.body(t), &body); err != nil {
				t.Errorf("%s %s: body %q: %v", name, tc.who, res.body(t), err)
				continue
			}
			switch tc.status {
			case http.StatusOK:
				if len(body.Users) == 0 {
					t.Errorf("%s: no users in %s", name, res.body(t))
				}
			case http.StatusUnauthorized:
				if body.Error != "unauthenticated" {
					t.Errorf("%s: error %q", name, body.Error)
				}
			case http.StatusForbidden:
				if body.Error != "forbidden" {
					t.Errorf("%s: error %q", name, body.Error)
				}
			}
		}
	}
}

// The README's first snippet, built as a bootstrap (internal/readme), logs
// and answers with the Lambda request id under the Runtime Interface
// Emulator: no option is needed for it.
func TestREADMESnippetUsesLambdaRequestID(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a bootstrap and runs the emulator")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"kit := handler.New(handler.Options{})", "lambda.Start(kit.Handler(mux))", `kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})`} {
		if !strings.Contains(string(readme), line) {
			t.Fatalf("the README no longer shows %q; update internal/readme to match its snippet", line)
		}
	}
	bootstrap := testtools.BuildBootstrap(t, "./internal/readme")
	w := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	url, output := testtools.StartRIE(t, bootstrap, "readme",
		"WACHT_API_KEY="+w.APIKey,
		"WACHT_BACKEND_API_URL="+w.BackendURL,
		"WACHT_PUBLISHABLE_KEY="+w.PublishableKey)
	emu := &emulator{url: url}
	token, err := w.MintToken(wachttest.TokenOptions{OrganizationPermissions: []string{"user:read"}, Lifetime: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	startLine := regexp.MustCompile(`START RequestId: ([0-9a-f-]{36})`)
	// A rejected token is logged (a request with no token is not: see
	// handler.WriteError).
	const bogus = "eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJlLXRoYXQtaXMtbm90LXZhbGlk"
	for _, tc := range []struct {
		token  string
		status int
	}{{"", http.StatusUnauthorized}, {bogus, http.StatusUnauthorized}, {token, http.StatusOK}} {
		before := len(startLine.FindAllStringSubmatch(output.String(), -1))
		ev := v2Event("/admin/users")
		if tc.token != "" {
			ev.Headers["authorization"] = "Bearer " + tc.token
		}
		var res response
		if out := emu.invoke(t, marshal(t, ev)); json.Unmarshal(out, &res) != nil || res.StatusCode != tc.status {
			t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, out)
		}
		starts := startLine.FindAllStringSubmatch(output.String(), -1)
		if len(starts) != before+1 {
			t.Fatalf("want one new START line from the emulator, output:\n%s", output.String())
		}
		lambdaID := starts[len(starts)-1][1]
		if got := res.Headers["X-Request-Id"]; got != lambdaID {
			t.Errorf("X-Request-Id %q, want the Lambda request id %q", got, lambdaID)
		}
		if tc.status == http.StatusUnauthorized {
			var body struct {
				RequestID string `json:"request_id"`
			}
			if err := json.Unmarshal(res.body(t), &body); err != nil || body.RequestID != lambdaID {
				t.Errorf("error body request_id %q, want %q (%v)", body.RequestID, lambdaID, err)
			}
			// The kit's log line for a refused token carries the id. The
			// function's output reaches the emulator's through a pipe, after
			// the answer: wait for the line where one is due, and for the
			// emulator's END line of the invocation where none is.
			logged := func() bool {
				for _, line := range strings.Split(output.String(), "\n") {
					if strings.Contains(line, "request failed") && strings.Contains(line, "request_id="+lambdaID) {
						return true
					}
				}
				return false
			}
			ended := func() bool { return strings.Contains(output.String(), "END RequestId: "+lambdaID) }
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if tc.token == bogus && logged() || tc.token != bogus && ended() {
					break
				}
			}
			if logged := logged(); logged != (tc.token == bogus) {
				t.Errorf("token %q: logged with request_id=%s: %v, want %v:\n%s", tc.token, lambdaID, logged, tc.token == bogus, output.String())
			}
		}
	}
}
