package netlify_test

// FuzzNetlifyEvent (issue 11): Netlify's API Gateway v1-shaped event with
// rawUrl and rawQuery, built from fuzzed parts. The handler must never be
// called for a rejected event; an accepted one round-trips the method, the
// body (base64 or not), a header and the raw query, and the response converts
// back with the handler's status and body.

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
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wacht-platform/serverless-go/platforms/lambda"
	"github.com/wacht-platform/serverless-go/platforms/netlify"
)

type fuzzSeen struct {
	called         bool
	method, path   string
	rawQuery, host string
	header         http.Header
	body           []byte
}

func FuzzNetlifyEvent(f *testing.F) {
	f.Add("GET", "/api/users", "a=1&a=2&b=x%20y", "X-Test", "v", []byte(nil), false, false)
	f.Add("POST", "/.netlify/functions/fn/users", "", "Content-Type", "application/json", []byte(`{"a":1}`), false, false)
	f.Add("PUT", "/bin", "", "", "", []byte{0, 0xff, 1}, true, false)
	f.Add("POST", "/bad", "", "", "", []byte("%%%not-base64"), true, true)
	f.Add("GET", "/caf\xc3\xa9/%2F", "q=\xff", "X-Nf-Client-Connection-Ip", "203.0.113.9", []byte("\xff"), false, false)
	f.Add("", "", "", "", "", []byte(nil), false, false)

	var s fuzzSeen
	h := netlify.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s = fuzzSeen{called: true, method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery, host: r.Host, header: r.Header.Clone(), body: b}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(b)
	}), netlify.WithFunctionName("fn"))

	f.Fuzz(func(t *testing.T, method, path, rawQuery, hk, hv string, body []byte, b64, garbage bool) {
		bodyField, isB64 := string(body), false
		switch {
		case garbage:
			isB64 = true
		case b64:
			bodyField, isB64 = base64.StdEncoding.EncodeToString(body), true
		}
		ev := events.APIGatewayProxyRequest{HTTPMethod: method, Path: path, Body: bodyField, IsBase64Encoded: isB64,
			RequestContext: events.APIGatewayProxyRequestContext{HTTPMethod: method}}
		if hk != "" {
			ev.Headers = map[string]string{hk: hv}
			ev.MultiValueHeaders = map[string][]string{hk: {hv}}
		}
		raw, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		rawURL := "https://example.netlify.app" + path
		if rawQuery != "" {
			rawURL += "?" + rawQuery
		}
		m["rawUrl"], m["rawQuery"] = rawURL, rawQuery
		payload, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			events.APIGatewayProxyRequest
			RawQuery string `json:"rawQuery"`
		}
		if err := json.Unmarshal(payload, &d); err != nil {
			t.Fatal(err)
		}

		s = fuzzSeen{}
		out, err := h.Invoke(context.Background(), payload)
		if err != nil {
			var ee *lambda.EventError
			if !errors.As(err, &ee) && !errors.Is(err, lambda.ErrMalformedEvent) && !errors.Is(err, lambda.ErrUnsupportedEvent) {
				t.Fatalf("rejection %T %v is not an event error", err, err)
			}
			if s.called {
				t.Fatalf("handler called for a rejected event: %v", err)
			}
			return
		}
		if !s.called {
			t.Fatalf("handler not called; answer %s", out)
		}
		if s.method != d.HTTPMethod {
			t.Fatalf("method %q, want %q", s.method, d.HTTPMethod)
		}
		want := []byte(d.Body)
		if d.IsBase64Encoded && d.Body != "" {
			if want, err = base64.StdEncoding.DecodeString(d.Body); err != nil {
				t.Fatalf("garbage base64 body %q accepted", d.Body)
			}
		}
		if !bytes.Equal(s.body, want) {
			t.Fatalf("body %q, want %q", s.body, want)
		}
		for dk, dv := range d.Headers { // the key as delivered (invalid UTF-8 replaced)
			ck := textproto.CanonicalMIMEHeaderKey(dk)
			if ck == "Host" {
				if s.host != dv {
					t.Fatalf("host %q, want %q", s.host, dv)
				}
			} else if got := s.header.Values(ck); len(got) == 0 {
				t.Fatalf("header %q lost", ck)
			}
		}
		if _, err := url.ParseQuery(d.RawQuery); err == nil && validQuery(d.RawQuery) && s.rawQuery != d.RawQuery {
			t.Fatalf("raw query %q, want %q", s.rawQuery, d.RawQuery)
		}
		var res events.APIGatewayProxyResponse
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("response %s: %v", out, err)
		}
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("status %d, want 201 (%s)", res.StatusCode, out)
		}
		got := []byte(res.Body)
		if res.IsBase64Encoded {
			if got, err = base64.StdEncoding.DecodeString(res.Body); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, s.body) {
			t.Fatalf("response body %q, want %q", got, s.body)
		}
	})
}

// validQuery reports whether q is printable ASCII without '#', the form a
// client's query string takes on the wire.
func validQuery(q string) bool {
	for i := 0; i < len(q); i++ {
		if q[i] <= ' ' || q[i] >= 0x7f || q[i] == '#' {
			return false
		}
	}
	return true
}
