// Command testbootstrap is a Lambda function used by the platforms/lambda
// end-to-end test: built as "bootstrap" and run under the AWS Lambda Runtime
// Interface Emulator, it echoes as JSON what its http.Handler saw.
//
// GET /panic panics; GET /stream writes two flushed chunks. Setting
// TESTBOOTSTRAP_STREAMING=1 starts it with lambda.WithResponseStreaming.
package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"

	"github.com/wacht-platform/serverless-go/platforms/lambda"
)

// Seen is the echo document.
type Seen struct {
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

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("testbootstrap: requested panic") })
	mux.HandleFunc("/stream", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "chunk-1\n")
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, "chunk-2\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ctx := r.Context()
		_, hasDeadline := ctx.Deadline()
		ev, _ := lambda.EventFromContext(ctx)
		s := Seen{
			Method: r.Method, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery,
			Host: r.Host, RemoteAddr: r.RemoteAddr, Header: r.Header, Body: string(body),
			Source:      ev.Source().String(),
			RequestID:   lambda.RequestID(ctx),
			HasDeadline: hasDeadline,
		}
		if lc, ok := lambda.LambdaContext(ctx); ok {
			s.FunctionARN = lc.InvokedFunctionArn
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "seen=1; Path=/")
		w.Header().Add("Set-Cookie", "again=2; Path=/")
		_ = json.NewEncoder(w).Encode(s)
	})
	return mux
}

func main() {
	var opts []lambda.Option
	if os.Getenv("TESTBOOTSTRAP_STREAMING") == "1" {
		opts = append(opts, lambda.WithResponseStreaming())
	}
	lambda.Start(handler(), opts...)
}
