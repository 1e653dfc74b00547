package bench

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	awslambda "github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/wacht-platform/serverless-go/platforms/lambda"
)

// app is the same small handler for every adapter: it reads a header, a
// query parameter and the body, and answers JSON.
var app = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Path", r.URL.Path)
	_, _ = io.WriteString(w, `{"ok":true,"agent":"`+r.Header.Get("User-Agent")+`","name":"`+r.URL.Query().Get("name")+`"}`)
})

// Expected bodies: the v1 sample has a User-Agent and ?name=me, the v2
// sample neither.
const (
	v1Body = `{"ok":true,"agent":"PostmanRuntime/2.4.5","name":"me"}`
	v2Body = `{"ok":true,"agent":"","name":""}`
)

func benchCtx() context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "bench-request"})
}

func runBench(b *testing.B, h awslambda.Handler, payload []byte, want string) {
	ctx := benchCtx()
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		b.Fatal(err)
	}
	// Every contender must do the same work: check the answer once.
	var res struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(out, &res); err != nil || res.StatusCode != 200 || res.Body != want {
		b.Fatalf("unexpected response %s (%v)", out, err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAdapterV1Kit(b *testing.B) {
	runBench(b, lambda.NewHandler(app), mustSample(b, "apigw-request.json"), v1Body)
}

func BenchmarkAdapterV1APIProxy(b *testing.B) {
	runBench(b, awslambda.NewHandler(httpadapter.New(app).ProxyWithContext), mustSample(b, "apigw-request.json"), v1Body)
}

func BenchmarkAdapterV1RawFloor(b *testing.B) {
	runBench(b, awslambda.NewHandler(func(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{
			StatusCode:        200,
			MultiValueHeaders: map[string][]string{"Content-Type": {"application/json"}, "X-Request-Path": {ev.Path}},
			Body:              `{"ok":true,"agent":"` + ev.Headers["User-Agent"] + `","name":"` + ev.QueryStringParameters["name"] + `"}`,
		}, nil
	}), mustSample(b, "apigw-request.json"), v1Body)
}

func BenchmarkAdapterV2Kit(b *testing.B) {
	runBench(b, lambda.NewHandler(app), mustSample(b, "apigw-v2-request-iam.json"), v2Body)
}

func BenchmarkAdapterV2APIProxy(b *testing.B) {
	runBench(b, awslambda.NewHandler(httpadapter.NewV2(app).ProxyWithContext), mustSample(b, "apigw-v2-request-iam.json"), v2Body)
}

func BenchmarkAdapterV2RawFloor(b *testing.B) {
	runBench(b, awslambda.NewHandler(func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{
			StatusCode: 200,
			Headers:    map[string]string{"Content-Type": "application/json", "X-Request-Path": ev.RawPath},
			Body:       `{"ok":true,"agent":"` + ev.Headers["user-agent"] + `","name":"` + ev.QueryStringParameters["name"] + `"}`,
		}, nil
	}), mustSample(b, "apigw-v2-request-iam.json"), v2Body)
}
