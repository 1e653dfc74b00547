package lambda

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/wacht-platform/serverless-go/handler"
)

// partialThenPanic starts its answer and then panics, behind kit.Handler as
// a deployed function would be.
func partialThenPanic() http.Handler {
	kit := handler.New(handler.Options{
		Env:    func(string) (string, bool) { return "", false },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return kit.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "partial")
		panic("died half way through the answer")
	}))
}

// A panic after the answer started must fail the invocation (Lambda's own
// error, which API Gateway answers 502), never return a 200 whose body is
// cut short.
func TestPanicAfterFirstByteFailsTheInvocation(t *testing.T) {
	out, err := NewHandler(partialThenPanic()).Invoke(context.Background(), marshal(t, v2Event("/")))
	if !errors.Is(err, http.ErrAbortHandler) {
		t.Fatalf("buffered: Invoke returned %s, %v; want an ErrAbortHandler failure", out, err)
	}

	h := NewHandler(partialThenPanic(), WithResponseStreaming())
	rd, err := h.InvokeStream(context.Background(), marshal(t, furlEvent("/")))
	if err != nil {
		t.Fatal(err)
	}
	prelude, body, err := readStream(t, rd)
	if !errors.Is(err, http.ErrAbortHandler) {
		t.Fatalf("streamed: %+v %q ended with %v; want the stream to fail", prelude, body, err)
	}
}
