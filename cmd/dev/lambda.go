package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// maxLambdaPayload is Lambda's limit for a synchronous request payload; the
// local gateway refuses larger bodies the way API Gateway would.
const maxLambdaPayload = 6 << 20

// lambdaTimeout is the functions' timeout in template.yaml.
const lambdaTimeout = 15 * time.Second

// invoker runs one Lambda function: in process through platforms/lambda's
// Handler, or as a built bootstrap under the Runtime Interface Emulator.
type invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// lambdaRoute is one route of template.yaml's HTTP API: a method ("ANY" for
// all) and a path, exact or ending in "/{proxy+}".
type lambdaRoute struct {
	method, path string
	function     string
}

// match reports whether the route takes method and path.
func (r lambdaRoute) match(method, path string) bool {
	if r.method != "ANY" && r.method != method {
		return false
	}
	if prefix, ok := strings.CutSuffix(r.path, "{proxy+}"); ok {
		return strings.HasPrefix(path, prefix) && len(path) > len(prefix)
	}
	return path == r.path
}

// templateRoutes are the HttpApi events of template.yaml.
var templateRoutes = []lambdaRoute{
	{"ANY", "/admin/users", "admin-users"},
	{"ANY", "/admin/users/{proxy+}", "admin-users"},
	{"ANY", "/machine/{proxy+}", "machine-users"},
	{"POST", "/webhooks/wacht", "webhook-receiver"},
}

// httpAPI plays the part of an API Gateway HTTP API (payload format 2.0,
// stage $default) in front of the Lambda samples: it turns each request into
// the event API Gateway would send, invokes the function the route names and
// turns the function's answer back into an HTTP response.
type httpAPI struct {
	routes    []lambdaRoute
	functions map[string]invoker
}

func (a *httpAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	var route *lambdaRoute
	for i := range a.routes {
		if a.routes[i].match(r.Method, r.URL.Path) {
			route = &a.routes[i]
			break
		}
	}
	if route == nil {
		// API Gateway's own answer for a path no route takes.
		writeGatewayError(w, http.StatusNotFound, "Not Found")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxLambdaPayload))
	if err != nil {
		writeGatewayError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	requestID := newID()
	event := v2Event(r, path, route.method+" "+route.path, requestID, body)
	payload, err := json.Marshal(event)
	if err != nil {
		writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), lambdaTimeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: "arn:aws:lambda:local:000000000000:function:" + route.function,
	})
	out, err := a.functions[route.function].Invoke(ctx, payload)
	if err != nil {
		// A function error: API Gateway answers 500 without details.
		writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	var res events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &res); err != nil || res.StatusCode == 0 {
		writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	writeV2Response(w, res)
}

// v2Event builds the payload-format-2.0 event for r.
func v2Event(r *http.Request, rawPath, routeKey, requestID string, body []byte) events.APIGatewayV2HTTPRequest {
	now := time.Now().UTC()
	headers := make(map[string]string, len(r.Header)+1)
	var cookies []string
	for name, values := range r.Header {
		lower := strings.ToLower(name)
		if lower == "cookie" {
			for _, v := range values {
				for c := range strings.SplitSeq(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lower] = strings.Join(values, ",")
	}
	headers["host"] = r.Host
	var query map[string]string
	if values, err := url.ParseQuery(r.URL.RawQuery); err == nil && len(values) > 0 {
		query = make(map[string]string, len(values))
		for k, v := range values {
			query[k] = strings.Join(v, ",")
		}
	}
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              routeKey,
		RawPath:               rawPath,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     routeKey,
			AccountID:    "000000000000",
			Stage:        "$default",
			RequestID:    requestID,
			APIID:        "local",
			DomainName:   r.Host,
			DomainPrefix: strings.SplitN(r.Host, ".", 2)[0],
			Time:         now.Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev
}

// writeV2Response writes a function's payload-format-2.0 answer.
func writeV2Response(w http.ResponseWriter, res events.APIGatewayV2HTTPResponse) {
	h := w.Header()
	for k, v := range res.Headers {
		h.Set(k, v)
	}
	for k, vs := range res.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range res.Cookies {
		h.Add("Set-Cookie", c)
	}
	body := []byte(res.Body)
	if res.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(res.Body)
		if err != nil {
			writeGatewayError(w, http.StatusBadGateway, "Internal Server Error")
			return
		}
		body = b
	}
	h.Del("Content-Length")
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(body)
}

func writeGatewayError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}

// newID returns a random id in the shape of a Lambda request id.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	s := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", s[:8], s[8:12], s[12:16], s[16:20], s[20:])
}

// errFunction is returned by invokers for a function error.
var errFunction = errors.New("function error")
