package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// readStream splits a streamed Function URL response into its prelude and
// body, as Lambda does: JSON prelude, eight NUL bytes, then the body.
func readStream(t *testing.T, r io.Reader) (prelude response, body string, err error) {
	t.Helper()
	all, err := io.ReadAll(r)
	i := bytes.Index(all, make([]byte, 8))
	if i < 0 {
		t.Fatalf("no prelude separator in %q", all)
	}
	if jerr := json.Unmarshal(all[:i], &prelude); jerr != nil {
		t.Fatalf("prelude %q: %v", all[:i], jerr)
	}
	return prelude, string(all[i+8:]), err
}

func TestStreamingFunctionURL(t *testing.T) {
	step := make(chan struct{})
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Add("Set-Cookie", "s=1")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		_, _ = io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		<-step // the prelude and first chunk are out before the handler goes on
		_, _ = io.WriteString(w, "data: two\n\n")
	}), WithResponseStreaming())
	rd, err := h.InvokeStream(context.Background(), marshal(t, furlEvent("/events")))
	if err != nil {
		t.Fatal(err)
	}
	if ct, ok := rd.(interface{ ContentType() string }); !ok || ct.ContentType() != "application/vnd.awslambda.http-integration-response" {
		t.Fatalf("streamed response content type: %T", rd)
	}
	first := make([]byte, 512)
	n, err := io.ReadAtLeast(rd, first, 1)
	if err != nil {
		t.Fatal(err)
	}
	close(step)
	prelude, body, err := readStream(t, io.MultiReader(bytes.NewReader(first[:n]), rd))
	if err != nil {
		t.Fatal(err)
	}
	if prelude.StatusCode != 200 || prelude.Headers["Content-Type"] != "text/event-stream" || prelude.Headers["X-Multi"] != "a, b" || !slices.Equal(prelude.Cookies, []string{"s=1"}) {
		t.Errorf("prelude %+v", prelude)
	}
	if body != "data: one\n\ndata: two\n\n" {
		t.Errorf("body %q", body)
	}
	if c, ok := rd.(io.Closer); ok {
		_ = c.Close()
	}
}

func TestStreamingPanics(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	t.Run("before the prelude: 500", func(t *testing.T) {
		h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Lost", "1")
			panic("early")
		}), WithResponseStreaming(), WithLogger(logger))
		rd, err := h.InvokeStream(context.Background(), marshal(t, furlEvent("/")))
		if err != nil {
			t.Fatal(err)
		}
		prelude, body, err := readStream(t, rd)
		if err != nil || prelude.StatusCode != 500 || prelude.Headers["X-Lost"] != "" || !strings.Contains(body, "Internal Server Error") {
			t.Errorf("prelude %+v body %q err %v", prelude, body, err)
		}
	})
	t.Run("mid-stream: the stream fails", func(t *testing.T) {
		h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "partial")
			panic("late")
		}), WithResponseStreaming(), WithLogger(logger))
		rd, err := h.InvokeStream(context.Background(), marshal(t, furlEvent("/")))
		if err != nil {
			t.Fatal(err)
		}
		prelude, body, err := readStream(t, rd)
		var pe *PanicError
		if prelude.StatusCode != 200 || body != "partial" || !errors.As(err, &pe) || pe.Value != "late" {
			t.Errorf("prelude %+v body %q err %v", prelude, body, err)
		}
	})
}

func TestStreamingOtherSourcesBuffered(t *testing.T) {
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "buffered")
	}), WithResponseStreaming())
	rd, err := h.InvokeStream(context.Background(), marshal(t, v2Event("/")))
	if err != nil {
		t.Fatal(err)
	}
	if ct, ok := rd.(interface{ ContentType() string }); !ok || ct.ContentType() != "application/json" {
		t.Fatalf("buffered response in streaming mode: %T", rd)
	}
	b, _ := io.ReadAll(rd)
	var res response
	if err := json.Unmarshal(b, &res); err != nil || res.Body != "buffered" || res.StatusCode != 200 {
		t.Errorf("response %s (%v)", b, err)
	}
	if _, err := h.InvokeStream(context.Background(), []byte(`{"Records":[]}`)); !errors.Is(err, ErrUnsupportedEvent) {
		t.Errorf("unsupported payload in streaming mode: %v", err)
	}
}
