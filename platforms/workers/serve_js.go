//go:build js && wasm && !wacht_perrequest

package workers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"syscall/js"
	"unsafe"
)

// Serve serves h, usually kit.Handler(mux), for the Worker's fetch events
// and never returns. The JavaScript entry (worker.mjs, written by
// make build-workers) starts the Go program once per isolate and
// dispatches every request, concurrent ones included, into it: main runs
// once, and what h keeps in memory (the kit's clients, the verifier's key
// set) serves every later request of the isolate.
//
// Each request runs in a goroutine of its own. A panic in it is answered
// 500 and logged (as net/http's server does); a panic in any other
// goroutine ends the Go program, and the entry answers the requests it
// still owed 500 and starts a fresh instance for the next ones.
func Serve(h http.Handler) {
	h = adapt(h)
	if !hostReady {
		panic("workers: Serve runs only under the package's entry (worker.mjs); see make build-workers")
	}
	runtimeContext.Get("binding").Set("serve", js.FuncOf(func(_ js.Value, args []js.Value) any {
		// Only numbers cross here (see worker.mjs): the request number,
		// the byte lengths of its head and body (-1: no body), and the id
		// and byte length of its env snapshot. Go then copies the bytes
		// in with one call (takeRequest), so no JavaScript value is held
		// per request.
		if len(args) != 5 {
			panic("workers: serve called with " + strconv.Itoa(len(args)) + " arguments")
		}
		n := int32(args[0].Int())
		headLen, bodyLen := args[1].Int(), args[2].Int()
		loadEnv(n, args[3].Int(), args[4].Int())
		buf := make([]byte, headLen+max(bodyLen, 0))
		takeRequest(n, unsafe.Pointer(unsafe.SliceData(buf)), int32(len(buf)))
		var body []byte
		if bodyLen >= 0 {
			body = buf[headLen:]
		}
		req, err := newRequest(buf[:headLen], body)
		if err != nil {
			status, hdr, b := plainError(http.StatusBadRequest, "bad_request", err.Error())
			respond(n, int32(status), hdr, b)
			return nil
		}
		dispatch(job{h: h, req: req, n: n})
		return nil
	}))
	ready()
	select {}
}

// The entry's imports (worker.mjs, the "workers" module of the instance).
// Strings cross as a pointer and a length into Go's memory, which the
// entry reads (or, for the take calls, writes) before the call returns.

//go:wasmimport workers ready
func ready()

// takeRequest copies the head (method, URL and headers, one per line) and
// then the body of request n into buf.
//
//go:wasmimport workers takeRequest
func takeRequest(n int32, buf unsafe.Pointer, size int32)

// respond hands the answer to request n to the entry.
//
//go:wasmimport workers respond
func respond(n int32, status int32, headers string, body string)

// job is one request waiting for a goroutine.
type job struct {
	h   http.Handler
	req *http.Request
	n   int32
}

// Requests are served by a small set of goroutines that stay between
// requests: a fresh goroutine per request grew its stack again on every
// request, which under Wasm costs as much as the kit's own work.
var (
	jobs        = make(chan job)
	idleServers atomic.Int32
)

// maxIdleServers bounds the goroutines kept waiting after a burst.
const maxIdleServers = 16

func dispatch(j job) {
	select {
	case jobs <- j:
	default:
		go serveLoop(j)
	}
}

func serveLoop(j job) {
	for {
		serveOne(j)
		if idleServers.Add(1) > maxIdleServers {
			idleServers.Add(-1)
			return
		}
		j = <-jobs
		idleServers.Add(-1)
	}
}

// serveOne runs j's handler and hands the answer to the entry, whatever
// happens.
func serveOne(j job) {
	ctx, cancel := context.WithCancel(context.Background())
	w := &bufferedWriter{header: http.Header{}}
	defer func() {
		cancel()
		if p := recover(); p != nil {
			slog.Error("workers: panic serving a request", "path", j.req.URL.Path, "panic", fmt.Sprint(p))
			status, hdr, body := plainError(http.StatusInternalServerError, "internal_error", "internal error")
			respond(j.n, int32(status), hdr, body)
			return
		}
		status := w.status
		if status == 0 {
			status = http.StatusOK
		}
		b := w.body.Bytes()
		respond(j.n, int32(status), headerText(w.header), asString(b))
	}()
	j.h.ServeHTTP(w, j.req.WithContext(ctx))
}

// bufferedWriter collects the answer: the entry builds the Response when
// the handler returns (Flush does not send early).
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferedWriter) Header() http.Header { return w.header }

// WriteHeader keeps the first final status; informational ones (1xx) are
// not sent, and one a Response cannot carry (above 599) becomes 500.
func (w *bufferedWriter) WriteHeader(status int) {
	if w.status != 0 || status < 200 {
		return
	}
	if status > 599 {
		status = http.StatusInternalServerError
	}
	w.status = status
}

func (w *bufferedWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(p)
}

// Flush is accepted for handlers that call it; the answer is sent whole.
func (w *bufferedWriter) Flush() {}

func plainError(status int, code, message string) (int, string, string) {
	return status, "content-type\napplication/json\n", fmt.Sprintf(`{"error":%q,"message":%q}`, code, message)
}

// newRequest parses the head the entry sends (method and URL, each on a
// line, then the headers as headerText writes them).
func newRequest(head, body []byte) (*http.Request, error) {
	method, rest, ok1 := bytes.Cut(head, []byte{'\n'})
	rawURL, headers, ok2 := bytes.Cut(rest, []byte{'\n'})
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("workers: malformed request head from the entry")
	}
	u, err := url.Parse(string(rawURL))
	if err != nil {
		return nil, err
	}
	r := &http.Request{
		Method:     string(method),
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     parseHeaderText(string(headers)),
		Host:       u.Host,
		Body:       http.NoBody,
	}
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	return r, nil
}
