package lambda

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"

	awslambda "github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Handler adapts an http.Handler to Lambda HTTP events. It implements
// aws-lambda-go's lambda.Handler interface (Invoke), so custom wiring can
// pass it to aws-lambda-go's StartWithOptions, and tests can invoke it
// directly with an event payload. A Handler is safe for concurrent use.
type Handler struct {
	handler http.Handler
	cfg     config
}

var _ awslambda.Handler = (*Handler)(nil)

// NewHandler returns a Handler serving h. A nil h serves
// http.DefaultServeMux, like net/http's server.
func NewHandler(h http.Handler, opts ...Option) *Handler {
	if h == nil {
		h = http.DefaultServeMux
	}
	lh := &Handler{handler: h}
	for _, o := range opts {
		if o != nil {
			o(&lh.cfg)
		}
	}
	return lh
}

// Start runs h as the Lambda function: it serves invocations from the
// Lambda runtime API and never returns. With WithResponseStreaming, Function
// URL events are answered in streaming mode.
//
// Outside Lambda (AWS_LAMBDA_RUNTIME_API unset) aws-lambda-go logs the
// problem and exits the process.
func Start(h http.Handler, opts ...Option) {
	lh := NewHandler(h, opts...)
	if lh.cfg.streaming {
		awslambda.StartWithOptions(lh.InvokeStream, lh.cfg.startOpts...)
		return
	}
	awslambda.StartWithOptions(lh, lh.cfg.startOpts...)
}

var scannedPool = sync.Pool{New: func() any { return new(scanned) }}

var outPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Invoke converts one JSON event into an *http.Request, serves it and
// returns the JSON response in the shape the event source expects. A
// payload that is not a supported HTTP event yields an *EventError, which
// Lambda reports as a function error; it never produces a 200.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	// One copy of the payload: the runtime reuses its buffer after the
	// invocation, while the request (and the Event in its context) may
	// outlive it. Every unescaped string of the event is a substring of it.
	req, src, multi, err := h.prepare(ctx, string(payload))
	if err != nil {
		return nil, err
	}
	return h.serveBuffered(req, src, multi)
}

// prepare scans the payload and builds the request.
func (h *Handler) prepare(ctx context.Context, s string) (*http.Request, Source, bool, error) {
	e := scannedPool.Get().(*scanned)
	defer func() {
		e.reset()
		scannedPool.Put(e)
	}()
	if err := scan(s, e); err != nil {
		return nil, 0, false, err
	}
	src, eerr := classify(e)
	if eerr != nil {
		return nil, 0, false, eerr
	}
	id := ""
	if lc := lambdaContextFrom(ctx); lc != nil {
		id = lc.AwsRequestID
	}
	req, eerr := h.buildRequest(ctx, s, src, e, id)
	if eerr != nil {
		return nil, 0, false, eerr
	}
	multi := src == SourceAPIGatewayV1 || (src == SourceALB && e.hasMVHeaders)
	return req, src, multi, nil
}

func (h *Handler) serveBuffered(req *http.Request, src Source, multi bool) ([]byte, error) {
	w := writerPool.Get().(*bufferedWriter)
	defer w.release()
	w.head = req.Method == http.MethodHead
	if perr := h.serve(w, req); perr != nil {
		if errors.Is(perr, http.ErrAbortHandler) {
			return nil, perr
		}
		// Nothing has left the process yet: answer a plain 500.
		w.body.Reset()
		w.header = http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
		w.wrote = false
		w.noBody = false
		w.WriteHeader(http.StatusInternalServerError)
		w.body.WriteString("Internal Server Error\n")
	}
	w.finish()
	bp := outPool.Get().(*[]byte)
	out := h.encodeResponse((*bp)[:0], src, multi, w)
	res := bytes.Clone(out)
	if cap(out) <= 1<<20 {
		*bp = out[:0]
		outPool.Put(bp)
	}
	return res, nil
}

// serve runs the handler, turning a panic into an error that is logged
// (except http.ErrAbortHandler, which is returned as is).
func (h *Handler) serve(w http.ResponseWriter, req *http.Request) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = h.recovered(req.Context(), v)
		}
	}()
	h.handler.ServeHTTP(w, req)
	return nil
}

func (h *Handler) recovered(ctx context.Context, v any) error {
	if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
		return http.ErrAbortHandler
	}
	perr := &PanicError{Value: v, Stack: debug.Stack()}
	h.logger().ErrorContext(ctx, "lambda: http handler panicked",
		slog.Any("panic", v), slog.String("request_id", RequestID(ctx)), slog.String("stack", string(perr.Stack)))
	return perr
}

func (h *Handler) logger() *slog.Logger {
	if h.cfg.logger != nil {
		return h.cfg.logger
	}
	return slog.Default()
}

func lambdaContextFrom(ctx context.Context) *lambdacontext.LambdaContext {
	lc, _ := lambdacontext.FromContext(ctx)
	return lc
}
