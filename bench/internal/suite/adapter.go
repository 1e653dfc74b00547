package suite

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/akrylysov/algnhsa"
	"github.com/aws/aws-lambda-go/events"
	awslambda "github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/wacht-platform/serverless-go/platforms/lambda"
)

// Adapter contender names, as they appear in RESULTS.md and results.json.
const (
	Kit      = "kit"
	APIProxy = "api-proxy"
	Algnhsa  = "algnhsa"
	Raw      = "raw"
)

// AdapterContenderNames lists the adapter contenders in report order.
var AdapterContenderNames = []string{Kit, APIProxy, Algnhsa, Raw}

// Paths of the three workloads the app serves.
const (
	pathItems  = "/items"
	pathIngest = "/ingest"
	pathBlob   = "/blob"
)

// Scenario is one Lambda event payload every adapter contender is invoked
// with, byte for byte.
type Scenario struct {
	// Name is "<version>-<workload>", e.g. "v2-get".
	Name string
	// Version is "v1" (API Gateway REST, payload 1.0) or "v2" (HTTP API,
	// payload 2.0).
	Version string
	// Workload is "get", "post-4k" or "binary-64k".
	Workload string
	// Payload is the event JSON.
	Payload []byte
}

// blob is the 64 KiB binary response body: deterministic and not valid
// UTF-8, so every adapter must send it base64-encoded.
var blob = func() []byte {
	b := make([]byte, 64<<10)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}()

// jsonBody is the 4 KiB JSON request body of the POST workload.
var jsonBody = func() string {
	var sb strings.Builder
	sb.WriteString(`{"items":[`)
	for i := 0; sb.Len() < 4096-64; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":%d,"sku":"SKU-%06d","qty":%d,"note":"bench"}`, i, i*7919, i%9+1)
	}
	sb.WriteString(`],"source":"bench"}`)
	s := sb.String()
	return s + strings.Repeat(" ", 4096-len(s))
}()

// The request headers of the GET workload (a dozen, as a browser behind
// CloudFront sends them), and its three query parameters.
var getHeaders = [][2]string{
	{"Accept", "application/json"},
	{"Accept-Encoding", "gzip, deflate, br"},
	{"Accept-Language", "en-US,en;q=0.9"},
	{"Cache-Control", "no-cache"},
	{"Host", "api.example.com"},
	{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"},
	{"Via", "2.0 d111111abcdef8.cloudfront.net (CloudFront)"},
	{"X-Amz-Cf-Id", "cDehVQoZnx43VYQb9j2-nvCh-9z396Uhbp027Y2JvkCPNLmGJHqlaA=="},
	{"X-Amzn-Trace-Id", "Root=1-5e66d96f-7491f09xmpl79d18acf3d050"},
	{"X-Forwarded-For", "203.0.113.7, 70.132.20.142"},
	{"X-Forwarded-Port", "443"},
	{"X-Forwarded-Proto", "https"},
}

var getQuery = [][2]string{{"q", "wacht"}, {"limit", "25"}, {"cursor", "c2VlZDox"}}

// Scenarios returns the six adapter workloads: GET with a dozen headers and
// three query parameters, POST with a 4 KiB JSON body, and GET answered with
// a 64 KiB binary body, as API Gateway v1 and v2 events.
func Scenarios() []Scenario {
	var out []Scenario
	for _, v := range []string{"v1", "v2"} {
		for _, w := range []string{"get", "post-4k", "binary-64k"} {
			out = append(out, Scenario{Name: v + "-" + w, Version: v, Workload: w, Payload: payload(v, w)})
		}
	}
	return out
}

func payload(version, workload string) []byte {
	method, path, body := http.MethodGet, pathItems, ""
	hdr := getHeaders
	query := getQuery
	switch workload {
	case "post-4k":
		method, path, body = http.MethodPost, pathIngest, jsonBody
		hdr = append(append([][2]string(nil), getHeaders...), [2]string{"Content-Type", "application/json"})
		hdr = append(hdr, [2]string{"Content-Length", strconv.Itoa(len(body))})
		query = nil
	case "binary-64k":
		path = pathBlob
		query = nil
	}
	var ev any
	switch version {
	case "v1":
		e := events.APIGatewayProxyRequest{
			Resource:          "/{proxy+}",
			Path:              path,
			HTTPMethod:        method,
			Headers:           map[string]string{},
			MultiValueHeaders: map[string][]string{},
			PathParameters:    map[string]string{"proxy": strings.TrimPrefix(path, "/")},
			StageVariables:    map[string]string{"env": "bench"},
			RequestContext: events.APIGatewayProxyRequestContext{
				AccountID: "123456789012", ResourceID: "us4z18", Stage: "prod", RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
				Identity:     events.APIGatewayRequestIdentity{SourceIP: "203.0.113.7", UserAgent: getHeaders[5][1]},
				ResourcePath: "/{proxy+}", HTTPMethod: method, APIID: "1234567890", Protocol: "HTTP/1.1",
				DomainName: "api.example.com", RequestTimeEpoch: 1700000000000,
			},
			Body: body,
		}
		for _, h := range hdr {
			e.Headers[h[0]] = h[1]
			e.MultiValueHeaders[h[0]] = []string{h[1]}
		}
		if query != nil {
			e.QueryStringParameters = map[string]string{}
			e.MultiValueQueryStringParameters = map[string][]string{}
			for _, q := range query {
				e.QueryStringParameters[q[0]] = q[1]
				e.MultiValueQueryStringParameters[q[0]] = []string{q[1]}
			}
		}
		ev = e
	default:
		e := events.APIGatewayV2HTTPRequest{
			Version:  "2.0",
			RouteKey: "$default",
			RawPath:  path,
			Headers:  map[string]string{},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RouteKey: "$default", AccountID: "123456789012", Stage: "$default", RequestID: "JKJaXmPLvHcESHA=",
				APIID: "1234567890", DomainName: "api.example.com", DomainPrefix: "api", Time: "12/Mar/2024:19:03:58 +0000", TimeEpoch: 1700000000000,
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
					Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.7", UserAgent: getHeaders[5][1],
				},
			},
			Body: body,
		}
		for _, h := range hdr {
			e.Headers[strings.ToLower(h[0])] = h[1]
		}
		if query != nil {
			e.QueryStringParameters = map[string]string{}
			var raw []string
			for _, q := range query {
				e.QueryStringParameters[q[0]] = q[1]
				raw = append(raw, q[0]+"="+q[1])
			}
			e.RawQueryString = strings.Join(raw, "&")
		}
		ev = e
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return b
}

// itemsJSON is the GET workload's answer, built the same way by the
// net/http app and by the raw handlers.
func itemsJSON(q, limit, cursor, agent, trace string) string {
	return `{"q":"` + q + `","limit":"` + limit + `","cursor":"` + cursor + `","agent":"` + agent + `","trace":"` + trace + `"}`
}

// ingestJSON is the POST workload's answer: the body's length and CRC-32.
func ingestJSON(n int, sum uint32) string {
	return `{"bytes":` + strconv.Itoa(n) + `,"crc32":` + strconv.FormatUint(uint64(sum), 10) + `}`
}

// App is the net/http handler every adapter contender serves: the GET
// workload reads three query parameters and two headers and answers a small
// JSON document; the POST workload reads the body through a CRC-32 and
// answers 201; the binary workload answers 64 KiB of application/octet-stream.
var App http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case pathItems:
		q := r.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, itemsJSON(q.Get("q"), q.Get("limit"), q.Get("cursor"), r.Header.Get("User-Agent"), r.Header.Get("X-Amzn-Trace-Id")))
	case pathIngest:
		h := crc32.NewIEEE()
		n, _ := io.Copy(h, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, ingestJSON(int(n), h.Sum32()))
	case pathBlob:
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(blob)
	default:
		http.NotFound(w, r)
	}
})

// rawV1 is the floor for payload 1.0: aws-lambda-go decodes the typed event
// and encodes the typed response, the function does the App's work on the
// event's fields directly.
func rawV1(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	switch ev.Path {
	case pathItems:
		q := ev.QueryStringParameters
		return events.APIGatewayProxyResponse{
			StatusCode: http.StatusOK,
			Headers:    map[string]string{"Content-Type": "application/json"},
			Body:       itemsJSON(q["q"], q["limit"], q["cursor"], ev.Headers["User-Agent"], ev.Headers["X-Amzn-Trace-Id"]),
		}, nil
	case pathIngest:
		return events.APIGatewayProxyResponse{
			StatusCode: http.StatusCreated,
			Headers:    map[string]string{"Content-Type": "application/json"},
			Body:       ingestJSON(len(ev.Body), crc32.ChecksumIEEE([]byte(ev.Body))),
		}, nil
	case pathBlob:
		return events.APIGatewayProxyResponse{
			StatusCode:      http.StatusOK,
			Headers:         map[string]string{"Content-Type": "application/octet-stream"},
			Body:            base64.StdEncoding.EncodeToString(blob),
			IsBase64Encoded: true,
		}, nil
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusNotFound}, nil
}

// rawV2 is the floor for payload 2.0.
func rawV2(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	switch ev.RawPath {
	case pathItems:
		q := ev.QueryStringParameters
		return events.APIGatewayV2HTTPResponse{
			StatusCode: http.StatusOK,
			Headers:    map[string]string{"Content-Type": "application/json"},
			Body:       itemsJSON(q["q"], q["limit"], q["cursor"], ev.Headers["user-agent"], ev.Headers["x-amzn-trace-id"]),
		}, nil
	case pathIngest:
		return events.APIGatewayV2HTTPResponse{
			StatusCode: http.StatusCreated,
			Headers:    map[string]string{"Content-Type": "application/json"},
			Body:       ingestJSON(len(ev.Body), crc32.ChecksumIEEE([]byte(ev.Body))),
		}, nil
	case pathBlob:
		return events.APIGatewayV2HTTPResponse{
			StatusCode:      http.StatusOK,
			Headers:         map[string]string{"Content-Type": "application/octet-stream"},
			Body:            base64.StdEncoding.EncodeToString(blob),
			IsBase64Encoded: true,
		}, nil
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNotFound}, nil
}

// AdapterHandlers returns the four contenders for an event version ("v1"
// or "v2"), keyed by contender name, each a Lambda handler serving App (or
// its raw equivalent) as it would in a deployed function.
func AdapterHandlers(version string) map[string]awslambda.Handler {
	binary := &algnhsa.Options{BinaryContentTypes: []string{"application/octet-stream"}}
	if version == "v1" {
		binary.RequestType = algnhsa.RequestTypeAPIGatewayV1
		return map[string]awslambda.Handler{
			Kit:      lambda.NewHandler(App),
			APIProxy: awslambda.NewHandler(httpadapter.New(App).ProxyWithContext),
			Algnhsa:  algnhsa.New(App, binary),
			Raw:      awslambda.NewHandler(rawV1),
		}
	}
	binary.RequestType = algnhsa.RequestTypeAPIGatewayV2
	return map[string]awslambda.Handler{
		Kit:      lambda.NewHandler(App),
		APIProxy: awslambda.NewHandler(httpadapter.NewV2(App).ProxyWithContext),
		Algnhsa:  algnhsa.New(App, binary),
		Raw:      awslambda.NewHandler(rawV2),
	}
}

// InvokeContext is the context every adapter invocation runs with: a Lambda
// context carrying a request id, as the runtime provides.
func InvokeContext() context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		AwsRequestID:       "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
		InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:bench",
	})
}

// Answer is what a client of API Gateway receives from one invocation,
// whichever response shape the adapter produced.
type Answer struct {
	Status      int
	ContentType string
	Body        []byte
}

// DecodeAnswer reads an adapter's response payload (headers or
// multiValueHeaders, text or base64 body) into an Answer.
func DecodeAnswer(out []byte) (Answer, error) {
	var r struct {
		StatusCode        int                 `json:"statusCode"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Body              string              `json:"body"`
		IsBase64Encoded   bool                `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return Answer{}, fmt.Errorf("decoding response %.200q: %w", out, err)
	}
	a := Answer{Status: r.StatusCode, Body: []byte(r.Body)}
	for k, v := range r.Headers {
		if http.CanonicalHeaderKey(k) == "Content-Type" {
			a.ContentType = v
		}
	}
	for k, vs := range r.MultiValueHeaders {
		if http.CanonicalHeaderKey(k) == "Content-Type" && len(vs) > 0 {
			a.ContentType = vs[0]
		}
	}
	if r.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(r.Body)
		if err != nil {
			return Answer{}, fmt.Errorf("decoding base64 body: %w", err)
		}
		a.Body = b
	}
	return a, nil
}

// ExpectedAnswer is what every contender must answer for a scenario.
func ExpectedAnswer(s Scenario) Answer {
	switch s.Workload {
	case "post-4k":
		return Answer{Status: http.StatusCreated, ContentType: "application/json",
			Body: []byte(ingestJSON(len(jsonBody), crc32.ChecksumIEEE([]byte(jsonBody))))}
	case "binary-64k":
		return Answer{Status: http.StatusOK, ContentType: "application/octet-stream", Body: blob}
	}
	return Answer{Status: http.StatusOK, ContentType: "application/json",
		Body: []byte(itemsJSON(getQuery[0][1], getQuery[1][1], getQuery[2][1], getHeaders[5][1], getHeaders[8][1]))}
}
