package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// InvokeStream serves one event for a Function URL in RESPONSE_STREAM mode.
// Its signature fits aws-lambda-go's handler rules, so custom wiring can
// call awslambda.StartWithOptions(h.InvokeStream); Start does this when
// WithResponseStreaming is set.
//
// For a Function URL event it returns as soon as the handler writes, flushes
// or returns; the body then streams from the handler as the runtime reads
// it. Events from other sources get their buffered JSON response. A panic
// before anything was sent becomes a 500 response; a panic after that ends
// the stream with an error reported to Lambda.
func (h *Handler) InvokeStream(ctx context.Context, payload json.RawMessage) (io.Reader, error) {
	req, src, multi, err := h.prepare(ctx, string(payload))
	if err != nil {
		return nil, err
	}
	if src != SourceFunctionURL {
		out, err := h.serveBuffered(req, src, multi)
		if err != nil {
			return nil, err
		}
		return &jsonResponse{bytes.NewReader(out)}, nil
	}
	pr, pw := io.Pipe()
	sw := &streamWriter{
		pw:    pw,
		resp:  &events.LambdaFunctionURLStreamingResponse{Body: pr},
		ready: make(chan struct{}),
		head:  req.Method == http.MethodHead,
	}
	go func() {
		defer func() {
			if v := recover(); v != nil {
				perr := h.recovered(req.Context(), v)
				if !sw.committed {
					sw.header = http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
					sw.wroteHeader = false
					sw.WriteHeader(http.StatusInternalServerError)
					sw.commit(nil)
					if !errors.Is(perr, http.ErrAbortHandler) {
						_, _ = io.WriteString(pw, "Internal Server Error\n")
					}
					_ = pw.Close()
					return
				}
				_ = pw.CloseWithError(perr)
			}
		}()
		h.handler.ServeHTTP(sw, req)
		sw.Flush()
		_ = pw.Close()
	}()
	select {
	case <-sw.ready:
		return sw.resp, nil
	case <-ctx.Done():
		_ = pr.CloseWithError(ctx.Err())
		return nil, ctx.Err()
	}
}

// jsonResponse carries a buffered response through aws-lambda-go's
// reflective handler path unchanged.
type jsonResponse struct{ *bytes.Reader }

func (*jsonResponse) ContentType() string { return "application/json" }

func (*jsonResponse) MarshalJSON() ([]byte, error) {
	return nil, errors.New("lambda: response is raw JSON")
}

// streamWriter is the http.ResponseWriter for streamed responses. It is
// used from the handler's goroutine only; ready publishes the prelude.
type streamWriter struct {
	header      http.Header
	sent        http.Header
	status      int
	wroteHeader bool
	committed   bool
	head        bool
	noBody      bool
	pw          *io.PipeWriter
	resp        *events.LambdaFunctionURLStreamingResponse
	ready       chan struct{}
}

func (w *streamWriter) Header() http.Header {
	if w.header == nil {
		w.header = make(http.Header)
	}
	return w.header
}

func (w *streamWriter) WriteHeader(code int) {
	if w.wroteHeader || code < 200 {
		return
	}
	w.wroteHeader = true
	w.status = code
	w.sent = w.header.Clone()
	if w.sent == nil {
		w.sent = http.Header{}
	}
	w.noBody = !bodyAllowed(code)
}

func (w *streamWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(p)
	}
	if w.noBody {
		return 0, http.ErrBodyNotAllowed
	}
	if w.head {
		return len(p), nil
	}
	return w.pw.Write(p)
}

// Flush sends the status and headers if they were not sent yet. Body bytes
// are never held back: each Write reaches the runtime as it is read.
func (w *streamWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(nil)
	}
}

// commit fixes the prelude (status, headers, cookies) and releases it.
func (w *streamWriter) commit(first []byte) {
	w.committed = true
	if _, ok := w.sent["Content-Type"]; !ok && len(first) > 0 && !w.noBody {
		w.sent.Set("Content-Type", http.DetectContentType(first))
	}
	headers := make(map[string]string, len(w.sent))
	for k, vs := range w.sent {
		if len(vs) == 0 {
			continue
		}
		if k == "Set-Cookie" {
			w.resp.Cookies = append(w.resp.Cookies, vs...)
			continue
		}
		headers[k] = strings.Join(vs, ", ")
	}
	w.resp.StatusCode = w.status
	w.resp.Headers = headers
	close(w.ready)
}
