package lambda

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// The comparison with aws-lambda-go-api-proxy lives in the bench module
// (it would pull api-proxy's dependencies into this one); these measure the
// adapter alone on aws-lambda-go's sample events.

var benchApp = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Path", r.URL.Path)
	_, _ = io.WriteString(w, `{"ok":true,"agent":"`+r.Header.Get("User-Agent")+`","name":"`+r.URL.Query().Get("name")+`"}`)
})

func benchInvoke(b *testing.B, sample string, opts ...Option) {
	payload := readSample(b, sample)
	h := NewHandler(benchApp, opts...)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "bench"})
	if _, err := h.Invoke(ctx, payload); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInvokeAPIGatewayV1(b *testing.B) { benchInvoke(b, "apigw-request.json") }
func BenchmarkInvokeAPIGatewayV2(b *testing.B) { benchInvoke(b, "apigw-v2-request-iam.json") }
func BenchmarkInvokeALB(b *testing.B) {
	benchInvoke(b, "alb-lambda-target-request-multivalue-headers.json")
}
func BenchmarkInvokeFunctionURL(b *testing.B) { benchInvoke(b, "lambda-urls-request.json") }

// BenchmarkScan measures the one-pass event scan alone.
func BenchmarkScan(b *testing.B) {
	payload := string(readSample(b, "apigw-request.json"))
	var e scanned
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		e.reset()
		if err := scan(payload, &e); err != nil {
			b.Fatal(err)
		}
	}
}
