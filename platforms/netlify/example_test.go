package netlify_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/netlify"
	"github.com/wacht-platform/serverless-go/wacht"
)

func ExampleStart() {
	kit := handler.New(handler.Options{}) // the site's env vars, read per invocation
	mux := http.NewServeMux()
	mux.Handle("GET /admin/users", kit.Protect(handler.Require{AnyPermission: []string{"user:read"}})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			client, _ := handler.ClientFromContext(r.Context())
			users, err := client.Users.List(r.Context(), wacht.ListUsersParams{})
			if err != nil {
				handler.WriteError(w, r, err)
				return
			}
			handler.WriteJSON(w, http.StatusOK, users)
		})))
	// netlify.toml: from = "/api/*", to = "/.netlify/functions/api/:splat", status = 200
	netlify.Start(kit.Handler(mux), netlify.WithBasePath("/api"))
}

func ExampleNewHandler() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		ev, _ := netlify.EventFromContext(r.Context())
		id, _ := handler.RequestIDFromContext(r.Context())
		fmt.Fprintf(w, "hello %s from %s (%s, %s)", r.PathValue("name"), ev.FunctionName, r.RemoteAddr, id)
	})
	h := netlify.NewHandler(mux)

	// The event Netlify sends for GET /.netlify/functions/greet/hello/gopher.
	event := `{
		"path": "/.netlify/functions/greet/hello/gopher",
		"httpMethod": "GET",
		"headers": {"host": "site.netlify.app", "x-nf-client-connection-ip": "203.0.113.7", "x-nf-request-id": "01HNF0EXAMPLE"},
		"multiValueHeaders": {"host": ["site.netlify.app"], "x-nf-client-connection-ip": ["203.0.113.7"], "x-nf-request-id": ["01HNF0EXAMPLE"]},
		"queryStringParameters": {},
		"multiValueQueryStringParameters": {},
		"body": "",
		"isBase64Encoded": false,
		"rawUrl": "https://site.netlify.app/.netlify/functions/greet/hello/gopher",
		"rawQuery": ""
	}`
	out, err := h.Invoke(context.Background(), []byte(event))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {"statusCode":200,"multiValueHeaders":{"Content-Type":["text/plain; charset=utf-8"]},"body":"hello gopher from greet (203.0.113.7:0, 01HNF0EXAMPLE)","isBase64Encoded":false}
}

func ExampleWithBasePath() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "users") })
	h := netlify.NewHandler(mux, netlify.WithFunctionName("api"), netlify.WithBasePath("/api"))

	// /api/users, rewritten to the "api" function by netlify.toml, and the
	// function's own path reach the same route.
	for _, path := range []string{"/api/users", "/.netlify/functions/api/users"} {
		event := fmt.Sprintf(`{"path":%q,"httpMethod":"GET","rawUrl":"https://site.netlify.app%s"}`, path, path)
		out, _ := h.Invoke(context.Background(), []byte(event))
		fmt.Println(string(out))
	}
	// Output:
	// {"statusCode":200,"multiValueHeaders":{"Content-Type":["text/plain; charset=utf-8"]},"body":"users","isBase64Encoded":false}
	// {"statusCode":200,"multiValueHeaders":{"Content-Type":["text/plain; charset=utf-8"]},"body":"users","isBase64Encoded":false}
}

func ExampleEvent_ClientContext() {
	h := netlify.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, ok := netlify.EventFromContext(r.Context())
		if !ok {
			fmt.Println("not a Netlify invocation")
			return
		}
		cc, err := ev.ClientContext()
		if err != nil {
			fmt.Println("no client context:", err)
			return
		}
		fmt.Println("site:", cc.SiteURL)
		fmt.Println("identity:", cc.Identity.URL)
		fmt.Println("user:", cc.User["email"])
	}))

	// Netlify's client context, as the runtime delivers it.
	lc := &lambdacontext.LambdaContext{AwsRequestID: "req-1"}
	lc.ClientContext.Custom = map[string]string{"netlify": base64.StdEncoding.EncodeToString([]byte(
		`{"identity":{"url":"https://site.netlify.app/.netlify/identity","token":"admin-token"},"user":{"email":"ada@example.com"},"site_url":"https://site.netlify.app"}`))}
	ctx := lambdacontext.NewContext(context.Background(), lc)
	_, _ = h.Invoke(ctx, []byte(`{"path":"/.netlify/functions/me","httpMethod":"GET"}`))
	// Output:
	// site: https://site.netlify.app
	// identity: https://site.netlify.app/.netlify/identity
	// user: ada@example.com
}

func ExampleIsBackground() {
	h := netlify.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("background:", netlify.IsBackground(r.Context()))
		// The job runs under the invocation's deadline (up to 15 minutes).
		w.WriteHeader(http.StatusNoContent)
	}))
	out, _ := h.Invoke(context.Background(), []byte(`{"path":"/.netlify/functions/report-background","httpMethod":"POST"}`))
	// Netlify has already answered the caller 202; Invoke returns the same.
	fmt.Println(string(out))
	// Output:
	// background: true
	// {"statusCode":202,"headers":{},"multiValueHeaders":{},"body":"","isBase64Encoded":false}
}

func ExampleRequestID() {
	h := netlify.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("netlify:", netlify.RequestID(r.Context()))
		// The same id is the kit's request id: kit.Handler logs it.
		id, _ := handler.RequestIDFromContext(r.Context())
		fmt.Println("kit:", id)
	}))
	_, _ = h.Invoke(context.Background(), []byte(`{"path":"/","httpMethod":"GET","headers":{"x-nf-request-id":"01HNF"}}`))
	// Output:
	// netlify: 01HNF
	// kit: 01HNF
}
