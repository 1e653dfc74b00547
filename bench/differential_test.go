package bench

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	awslambda "github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/wacht-platform/serverless-go/platforms/lambda"
)

// view is what a handler can observe of a request, flattened for comparison.
type view map[string]string

func observe(r *http.Request) view {
	body, _ := io.ReadAll(r.Body)
	hdr := make([]string, 0, len(r.Header))
	for k, vs := range r.Header {
		hdr = append(hdr, fmt.Sprintf("%s=%q", k, vs))
	}
	sort.Strings(hdr)
	q := r.URL.Query()
	return view{
		"method":        r.Method,
		"url.path":      r.URL.Path,
		"url.rawPath":   r.URL.RawPath,
		"url.scheme":    r.URL.Scheme,
		"url.host":      r.URL.Host,
		"query":         q.Encode(),
		"rawQuery":      r.URL.RawQuery,
		"requestURI":    r.RequestURI,
		"host":          r.Host,
		"remoteAddr":    r.RemoteAddr,
		"header":        strings.Join(hdr, " "),
		"cookies":       fmt.Sprint(r.Cookies()),
		"body":          string(body),
		"contentLength": fmt.Sprint(r.ContentLength),
		"proto":         r.Proto,
	}
}

// replier records the request view and answers a fixed response that
// exercises multi-value headers, cookies and a JSON body.
func replier(seen *view) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*seen = observe(r)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Multi", "one")
		w.Header().Add("X-Multi", "two")
		w.Header().Add("Set-Cookie", "a=1; Path=/")
		w.Header().Add("Set-Cookie", "b=2; Path=/")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"ok":true}`)
	})
}

// respView flattens any of the response shapes.
func respView(t *testing.T, out []byte) view {
	t.Helper()
	var r struct {
		StatusCode        int                 `json:"statusCode"`
		StatusDescription string              `json:"statusDescription"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Cookies           []string            `json:"cookies"`
		Body              string              `json:"body"`
		IsBase64Encoded   bool                `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	body := r.Body
	if r.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			t.Fatal(err)
		}
		body = string(b)
	}
	var hdr []string
	for k, v := range r.Headers {
		hdr = append(hdr, fmt.Sprintf("%s=%q", k, v))
	}
	sort.Strings(hdr)
	var mv []string
	for k, v := range r.MultiValueHeaders {
		mv = append(mv, fmt.Sprintf("%s=%q", k, v))
	}
	sort.Strings(mv)
	return view{
		"resp.status":            fmt.Sprint(r.StatusCode),
		"resp.statusDescription": r.StatusDescription,
		"resp.headers":           strings.Join(hdr, " "),
		"resp.multiValueHeaders": strings.Join(mv, " "),
		"resp.cookies":           fmt.Sprint(r.Cookies),
		"resp.body":              body,
		"resp.base64":            fmt.Sprint(r.IsBase64Encoded),
	}
}

// apiProxyFor returns api-proxy's adapter for a sample's event type. It has
// no Function URL adapter; the v2 one handles that payload shape.
func apiProxyFor(src lambda.Source, h http.Handler) awslambda.Handler {
	switch src {
	case lambda.SourceAPIGatewayV1:
		return awslambda.NewHandler(httpadapter.New(h).ProxyWithContext)
	case lambda.SourceALB:
		return awslambda.NewHandler(httpadapter.NewALB(h).ProxyWithContext)
	default:
		return awslambda.NewHandler(httpadapter.NewV2(h).ProxyWithContext)
	}
}

// Differences on purpose. Each key is "<field>"; every sample of the listed
// sources must differ from aws-lambda-go-api-proxy in exactly these fields
// (a difference that disappears fails the test too, keeping the table true).
// The same table, with reasons, is in platforms/lambda's package doc.
var intended = []struct {
	field   string
	sources []lambda.Source
	samples []string // nil: every sample of the sources
	why     string
}{
	{"remoteAddr", all, nil,
		`kit "ip:0", api-proxy "ip" (ALB: empty): net/http sets RemoteAddr to host:port and code relies on it (net.SplitHostPort); for ALB the kit uses the last X-Forwarded-For entry, the address the load balancer saw`},
	{"url.scheme", all, nil,
		`kit "", api-proxy "https": a server request's URL holds only path and query; net/http leaves Scheme and Host empty`},
	{"url.host", []lambda.Source{lambda.SourceAPIGatewayV1, lambda.SourceAPIGatewayV2, lambda.SourceFunctionURL}, nil,
		`kit "", api-proxy the domain name: as above; the host is in Request.Host`},
	{"url.host", []lambda.Source{lambda.SourceALB}, []string{"alb-lambda-target-request-headers-only.json"},
		`as above`},
	{"header", all, nil,
		`kit moves Host out of Header into Request.Host, as net/http does (api-proxy leaves it in Header); for payload 2.0 api-proxy also splits every header value on commas ("value1,value2" becomes two values, corrupting dates, user agents and quoted strings) and adds one Cookie header per cookie, where the kit keeps values whole and sends one Cookie header ("a; b") as RFC 6265 requires`},
	{"host", []lambda.Source{lambda.SourceAPIGatewayV1}, nil,
		`kit takes the Host header the client sent; api-proxy takes requestContext.domainName (they differ in the sample)`},
	{"host", []lambda.Source{lambda.SourceALB}, []string{"alb-lambda-target-request-multivalue-headers.json"},
		`api-proxy reads the host only from single-value headers, so multi-value ALB events get an empty Host`},
	{"resp.headers", []lambda.Source{lambda.SourceAPIGatewayV2, lambda.SourceFunctionURL}, nil,
		`payload 2.0 responses join repeated header values with ", " (the RFC 9110 list form); api-proxy joins with ","`},
	{"resp.statusDescription", []lambda.Source{lambda.SourceALB}, nil,
		`kit sends "201 Created" (status code and reason, as in AWS's ALB examples); api-proxy sends only "Created"`},
	{"resp.headers", []lambda.Source{lambda.SourceALB}, []string{"alb-lambda-target-request-headers-only.json"},
		`an ALB target group without multi-value headers needs single-value "headers": the kit answers in the form the request came in (values joined with ", ", first Set-Cookie only); api-proxy sends only multiValueHeaders`},
	{"resp.multiValueHeaders", []lambda.Source{lambda.SourceALB}, []string{"alb-lambda-target-request-headers-only.json"},
		`as above: ALB rejects multiValueHeaders unless the target group enables them`},
}

var all = []lambda.Source{lambda.SourceAPIGatewayV1, lambda.SourceAPIGatewayV2, lambda.SourceALB, lambda.SourceFunctionURL}

var httpSamples = []struct {
	file   string
	source lambda.Source
}{
	{"apigw-request.json", lambda.SourceAPIGatewayV1},
	{"apigw-restapi-openapi-request.json", lambda.SourceAPIGatewayV1},
	{"apigw-v2-request-iam.json", lambda.SourceAPIGatewayV2},
	{"apigw-v2-request-jwt-authorizer.json", lambda.SourceAPIGatewayV2},
	{"apigw-v2-request-lambda-authorizer.json", lambda.SourceAPIGatewayV2},
	{"apigw-v2-request-no-authorizer.json", lambda.SourceAPIGatewayV2},
	{"alb-lambda-target-request-headers-only.json", lambda.SourceALB},
	{"alb-lambda-target-request-multivalue-headers.json", lambda.SourceALB},
	{"lambda-urls-request.json", lambda.SourceFunctionURL},
}

func expectedFields(file string, src lambda.Source) map[string]string {
	want := map[string]string{}
	for _, d := range intended {
		if !slices.Contains(d.sources, src) || (d.samples != nil && !slices.Contains(d.samples, file)) {
			continue
		}
		want[d.field] = d.why
	}
	return want
}

// TestDifferentialAgainstAPIProxy runs every HTTP sample event from
// aws-lambda-go's events/testdata through the kit and through
// aws-lambda-go-api-proxy's httpadapter and compares what the handler sees
// and what goes back to Lambda.
func TestDifferentialAgainstAPIProxy(t *testing.T) {
	ctx := context.Background()
	for _, tc := range httpSamples {
		t.Run(tc.file, func(t *testing.T) {
			payload := mustSample(t, tc.file)
			var kitSaw, proxySaw view
			kitOut, err := lambda.NewHandler(replier(&kitSaw)).Invoke(ctx, payload)
			if err != nil {
				t.Fatalf("kit: %v", err)
			}
			proxyOut, err := apiProxyFor(tc.source, replier(&proxySaw)).Invoke(ctx, payload)
			if err != nil {
				t.Fatalf("api-proxy: %v", err)
			}
			kit, proxy := kitSaw, proxySaw
			for k, v := range respView(t, kitOut) {
				kit[k] = v
			}
			for k, v := range respView(t, proxyOut) {
				proxy[k] = v
			}
			want := expectedFields(tc.file, tc.source)
			var fields []string
			for k := range kit {
				fields = append(fields, k)
			}
			sort.Strings(fields)
			for _, f := range fields {
				_, expected := want[f]
				switch differs := kit[f] != proxy[f]; {
				case differs && !expected:
					t.Errorf("unexpected difference in %s:\n  kit:       %s\n  api-proxy: %s", f, kit[f], proxy[f])
				case !differs && expected:
					t.Errorf("documented difference in %s did not occur (both %s); update the table", f, kit[f])
				case differs:
					t.Logf("%s differs on purpose:\n  kit:       %s\n  api-proxy: %s", f, kit[f], proxy[f])
				}
			}
		})
	}
}

// TestDifferentialEdgeCases covers the api-proxy defects the kit fixes, on
// events built for the purpose.
func TestDifferentialEdgeCases(t *testing.T) {
	ctx := context.Background()
	run := func(t *testing.T, src lambda.Source, payload []byte) (kit, proxy view, proxyErr error) {
		t.Helper()
		if _, err := lambda.NewHandler(replier(&kit)).Invoke(ctx, payload); err != nil {
			t.Fatalf("kit: %v", err)
		}
		_, proxyErr = apiProxyFor(src, replier(&proxy)).Invoke(ctx, payload)
		return kit, proxy, proxyErr
	}
	t.Run("ALB query strings are decoded exactly once", func(t *testing.T) {
		ev := events.ALBTargetGroupRequest{HTTPMethod: "GET", Path: "/search",
			QueryStringParameters: map[string]string{"q": "a%20b%26c"},
			Headers:               map[string]string{"host": "lb.example.com"},
			RequestContext:        events.ALBTargetGroupRequestContext{ELB: events.ELBContext{TargetGroupArn: "arn"}}}
		kit, proxy, _ := run(t, lambda.SourceALB, mustJSON(t, ev))
		if kit["query"] != "q=a+b%26c" {
			t.Errorf("kit query %s", kit["query"])
		}
		if proxy["query"] == kit["query"] {
			t.Errorf("api-proxy no longer double-encodes ALB queries (%s): update the docs", proxy["query"])
		}
	})
	t.Run("ALB event without headers", func(t *testing.T) {
		ev := events.ALBTargetGroupRequest{HTTPMethod: "GET", Path: "/",
			RequestContext: events.ALBTargetGroupRequestContext{ELB: events.ELBContext{TargetGroupArn: "arn"}}}
		kit, proxy, err := run(t, lambda.SourceALB, mustJSON(t, ev))
		if kit["url.path"] != "/" || kit["method"] != "GET" {
			t.Errorf("kit %v", kit)
		}
		t.Logf("api-proxy: error %v, saw %v", err, proxy)
	})
	t.Run("encoded slash in a REST API path", func(t *testing.T) {
		ev := events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/files/a%2Fb",
			RequestContext: events.APIGatewayProxyRequestContext{DomainName: "api.example.com"}}
		kit, proxy, _ := run(t, lambda.SourceAPIGatewayV1, mustJSON(t, ev))
		if kit["url.rawPath"] != "/files/a%2Fb" || kit["url.path"] != "/files/a/b" {
			t.Errorf("kit path %s raw %s", kit["url.path"], kit["url.rawPath"])
		}
		t.Logf("api-proxy path %s raw %s", proxy["url.path"], proxy["url.rawPath"])
	})
	t.Run("v2 header values with commas", func(t *testing.T) {
		ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: "/",
			Headers:        map[string]string{"if-modified-since": "Wed, 21 Oct 2015 07:28:00 GMT", "x-list": "a, b"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}}}
		kit, proxy, _ := run(t, lambda.SourceAPIGatewayV2, mustJSON(t, ev))
		if !strings.Contains(kit["header"], `X-List=["a, b"]`) {
			t.Errorf("kit header %s", kit["header"])
		}
		if !strings.Contains(proxy["header"], `X-List=["a" "b"]`) {
			t.Errorf("api-proxy no longer splits header values (%s): update the docs", proxy["header"])
		}
	})
	t.Run("client header cannot shadow the gateway context", func(t *testing.T) {
		ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: "/",
			Headers: map[string]string{"x-golambdaproxy-apigw-context": `{"authorizer":{"lambda":{"sub":"attacker"}}}`},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"},
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"sub": "real"}}}}
		var sub any
		h := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			e, _ := lambda.EventFromContext(r.Context())
			ev, err := e.APIGatewayV2()
			if err != nil {
				t.Fatal(err)
			}
			sub = ev.RequestContext.Authorizer.Lambda["sub"]
		})
		if _, err := lambda.NewHandler(h).Invoke(ctx, mustJSON(t, ev)); err != nil {
			t.Fatal(err)
		}
		if sub != "real" {
			t.Errorf("kit: authorizer sub %v", sub)
		}
		// api-proxy's Proxy path adds its context header next to the
		// client's, and its accessor reads the first: the client's.
		var proxySub any
		adapter := httpadapter.NewV2(nil)
		adapter = httpadapter.NewV2(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c, err := adapter.GetAPIGatewayContextV2(r); err == nil && c.Authorizer != nil {
				proxySub = c.Authorizer.Lambda["sub"]
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		if _, err := awslambda.NewHandler(adapter.Proxy).Invoke(ctx, mustJSON(t, ev)); err != nil {
			t.Fatal(err)
		}
		t.Logf("api-proxy Proxy: authorizer sub read back through its context header: %v", proxySub)
	})
	t.Run("handler that writes nothing", func(t *testing.T) {
		payload := mustSample(t, "apigw-v2-request-no-authorizer.json")
		out, err := lambda.NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).Invoke(ctx, payload)
		if err != nil || respView(t, out)["resp.status"] != "200" {
			t.Errorf("kit: %s %v", out, err)
		}
		_, err = awslambda.NewHandler(httpadapter.NewV2(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ProxyWithContext).Invoke(ctx, payload)
		if err == nil {
			t.Log("api-proxy now answers handlers that write nothing")
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
