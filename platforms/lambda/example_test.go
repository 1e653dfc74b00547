package lambda_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/lambda"
)

func ExampleNewHandler() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ev, _ := lambda.EventFromContext(r.Context())
		fmt.Fprintf(w, "hello %s from %s", r.PathValue("name"), ev.Source())
	})
	h := lambda.NewHandler(mux)

	// An API Gateway HTTP API (payload 2.0) event, as Lambda delivers it.
	event := `{
		"version": "2.0",
		"rawPath": "/hello/gopher",
		"rawQueryString": "",
		"headers": {"host": "api.example.com"},
		"requestContext": {
			"requestId": "req-1",
			"stage": "$default",
			"http": {"method": "GET", "path": "/hello/gopher", "sourceIp": "203.0.113.7"}
		},
		"isBase64Encoded": false
	}`
	out, err := h.Invoke(context.Background(), []byte(event))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {"statusCode":200,"headers":{"Content-Type":"text/plain; charset=utf-8"},"body":"hello gopher from apigateway-v2","isBase64Encoded":false}
}

func ExampleStart() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	// In a Lambda function's main: serves every invocation, never returns.
	// Outside Lambda it exits, so this example is compiled but not run.
	lambda.Start(mux, lambda.WithStripStage())
}

func ExampleEventFromContext() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The original event, decoded on demand into aws-lambda-go's type.
		ev, ok := lambda.EventFromContext(r.Context())
		if !ok {
			http.Error(w, "not a Lambda invocation", http.StatusInternalServerError)
			return
		}
		req, err := ev.APIGatewayV1()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "stage=%s principal=%v", req.RequestContext.Stage, req.RequestContext.Authorizer["principalId"])
	})
	event := `{"httpMethod":"GET","path":"/","requestContext":{"stage":"prod","authorizer":{"principalId":"user-1"}}}`
	out, _ := lambda.NewHandler(h).Invoke(context.Background(), []byte(event))
	fmt.Println(string(out))
	// Output:
	// {"statusCode":200,"multiValueHeaders":{"Content-Type":["text/plain; charset=utf-8"]},"body":"stage=prod principal=user-1","isBase64Encoded":false}
}

func ExampleWithResponseStreaming() {
	h := lambda.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "first chunk\n")
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, "second chunk\n")
	}), lambda.WithResponseStreaming())

	event := `{"version":"2.0","rawPath":"/","requestContext":{"domainName":"abc.lambda-url.us-east-1.on.aws","http":{"method":"GET"}}}`
	rd, err := h.InvokeStream(context.Background(), []byte(event))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	b, _ := io.ReadAll(rd)
	fmt.Printf("%q\n", b)
	// Output:
	// "{\"statusCode\":200,\"headers\":{\"Content-Type\":\"text/plain\"}}\x00\x00\x00\x00\x00\x00\x00\x00first chunk\nsecond chunk\n"
}

func ExampleRequestID() {
	h := lambda.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The same id is the kit's request id: kit.Handler logs it.
		kitID, _ := handler.RequestIDFromContext(r.Context())
		fmt.Fprintf(w, "id=%s kit=%s", lambda.RequestID(r.Context()), kitID)
	}))
	// Without a Lambda context (as here), the id is the gateway's requestId.
	event := `{"version":"2.0","rawPath":"/","requestContext":{"requestId":"gw-42","http":{"method":"GET"}}}`
	out, _ := h.Invoke(context.Background(), []byte(event))
	fmt.Println(string(out))
	// Output:
	// {"statusCode":200,"headers":{"Content-Type":"text/plain; charset=utf-8"},"body":"id=gw-42 kit=gw-42","isBase64Encoded":false}
}

func ExampleWithBinaryRule() {
	// Send every body as text, for example behind a REST API without
	// binaryMediaTypes, where base64 bodies would reach clients undecoded.
	h := lambda.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		_, _ = io.WriteString(w, "<svg/>")
	}), lambda.WithBinaryRule(func(http.Header, []byte) bool { return false }))
	out, _ := h.Invoke(context.Background(), []byte(`{"httpMethod":"GET","path":"/logo.svg"}`))
	fmt.Println(string(out))
	// Output:
	// {"statusCode":200,"multiValueHeaders":{"Content-Type":["image/svg+xml"]},"body":"<svg/>","isBase64Encoded":false}
}

func ExampleDefaultBinaryRule() {
	h := http.Header{"Content-Type": {"image/png"}}
	fmt.Println(lambda.DefaultBinaryRule(h, []byte("\x89PNG")))
	h.Set("Content-Type", "application/json")
	fmt.Println(lambda.DefaultBinaryRule(h, []byte(`{"ok":true}`)))
	h.Set("Content-Encoding", "gzip")
	fmt.Println(lambda.DefaultBinaryRule(h, []byte(`{"ok":true}`)))
	// Output:
	// true
	// false
	// true
}

func ExampleWithStripStage() {
	h := lambda.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.URL.Path)
	}), lambda.WithStripStage())
	// An HTTP API with a named stage puts the stage in rawPath.
	event := `{"version":"2.0","rawPath":"/prod/users/7","requestContext":{"stage":"prod","http":{"method":"GET"}}}`
	out, _ := h.Invoke(context.Background(), []byte(event))
	fmt.Println(string(out))
	// Output:
	// {"statusCode":200,"headers":{"Content-Type":"text/plain; charset=utf-8"},"body":"/users/7","isBase64Encoded":false}
}
