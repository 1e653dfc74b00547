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
	"syscall/js"
)

// Serve serves h, usually kit.Handler(mux), for the Worker's fetch events
// and never returns. The JavaScript entry (worker.mjs, written by
// make build-workers) starts the Go program once per isolate and
// dispatches every request, concurrent ones included, into it: main runs
// once, and what h keeps in memory (the kit's clients, the verifier's key
// set) serves every later request of the isolate.
//
// Each request runs in its own goroutine. A panic in it is answered 500 and
// logged (as net/http's server does); a panic in any other goroutine ends
// the Go program, and the entry answers the requests it still owed 500 and
// starts a fresh instance for the next ones.
func Serve(h http.Handler) {
	h = adapt(h)
	runtimeContext.Get("binding").Set("serve", js.FuncOf(func(_ js.Value, args []js.Value) any {
		// method, url, headers, body (Uint8Array or null), env, ctx, done
		if len(args) != 7 {
			panic("workers: serve called with " + strconv.Itoa(len(args)) + " arguments")
		}
		done := args[6]
		req, err := newRequest(args[0].String(), args[1].String(), args[2].String(), bytesFrom(args[3]))
		if err != nil {
			status, hdr, body := plainError(http.StatusBadRequest, "bad_request", err.Error())
			done.Invoke(status, hdr, body)
			return nil
		}
		go serveOne(h, req, done)
		return nil
	}))
	ready()
	select {}
}

//go:wasmimport workers ready
func ready()

// serveOne runs h for req and hands the answer to done, whatever happens.
func serveOne(h http.Handler, req *http.Request, done js.Value) {
	ctx, cancel := context.WithCancel(context.Background())
	w := &bufferedWriter{header: http.Header{}}
	defer func() {
		cancel()
		if p := recover(); p != nil {
			slog.Error("workers: panic serving a request", "path", req.URL.Path, "panic", fmt.Sprint(p))
			status, hdr, body := plainError(http.StatusInternalServerError, "internal_error", "internal error")
			done.Invoke(status, hdr, body)
			return
		}
		status := w.status
		if status == 0 {
			status = http.StatusOK
		}
		done.Invoke(status, headerText(w.header), bytesTo(w.body.Bytes()))
	}()
	h.ServeHTTP(w, req.WithContext(ctx))
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

func plainError(status int, code, message string) (int, string, js.Value) {
	b := fmt.Appendf(nil, `{"error":%q,"message":%q}`, code, message)
	return status, "content-type\napplication/json\n", bytesTo(b)
}

func newRequest(method, rawURL, headers string, body []byte) (*http.Request, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	r := &http.Request{
		Method:     method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     parseHeaderText(headers),
		Host:       u.Host,
		Body:       http.NoBody,
	}
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	return r, nil
}

var uint8Array = js.Global().Get("Uint8Array")

func bytesFrom(v js.Value) []byte {
	if v.IsNull() || v.IsUndefined() {
		return nil
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

func bytesTo(b []byte) js.Value {
	v := uint8Array.New(len(b))
	js.CopyBytesToJS(v, b)
	return v
}

// host is the entry's I/O service (see worker.mjs): each call runs a whole
// exchange in JavaScript and calls back with plain values.
var host = runtimeContext.Get("host")

// hostCall calls host's method with args and a callback, and waits for the
// callback's arguments. The wait ends only with the callback: callers
// bound it with their context (transport.send does).
func hostCall(method string, args ...any) []js.Value {
	ch := make(chan []js.Value, 1)
	var cb js.Func
	cb = js.FuncOf(func(_ js.Value, a []js.Value) any {
		cb.Release()
		ch <- append([]js.Value(nil), a...)
		return nil
	})
	host.Call(method, append(args, cb)...)
	return <-ch
}

func hostErr(v js.Value) error {
	if v.IsNull() || v.IsUndefined() {
		return nil
	}
	return fetchError(v.String())
}

// fetchError is a failure the Workers runtime reported for a subrequest or
// a cache operation (a network error, a refused URL), not an HTTP status.
type fetchError string

func (e fetchError) Error() string { return "workers: fetch: " + string(e) }

// hostTransport sends through the Workers fetch API, reading the whole
// answer in the entry (redirect: manual; the Go client follows redirects).
type hostTransport struct{}

func platformTransport() http.RoundTripper { return hostTransport{} }

func (hostTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body any
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = bytesTo(b)
	}
	h := req.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if req.Host != "" && req.Host != req.URL.Host {
		h.Set("Host", req.Host)
	}
	r := hostCall("fetch", req.Method, req.URL.String(), headerText(h), body)
	if err := hostErr(r[0]); err != nil {
		return nil, err
	}
	return hostResponse(req, r[1].Int(), r[2].String(), bytesFrom(r[3])), nil
}

func hostResponse(req *http.Request, status int, headers string, body []byte) *http.Response {
	return &http.Response{
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        parseHeaderText(headers),
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// hostStore keeps the key set in caches.default through the entry.
type hostStore struct{}

func platformStore() jwksStore { return hostStore{} }

func (hostStore) Match(req *http.Request) (*http.Response, error) {
	r := hostCall("cacheMatch", req.URL.String())
	if err := hostErr(r[0]); err != nil {
		return nil, err
	}
	if len(r) < 4 || r[1].Int() == 0 {
		return nil, nil
	}
	return hostResponse(req, r[1].Int(), r[2].String(), bytesFrom(r[3])), nil
}

// Put stores res without waiting: the entry keeps the write alive with the
// request's waitUntil, so the answer does not wait for the cache.
func (hostStore) Put(req *http.Request, res *http.Response) error {
	b, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return err
	}
	var cb js.Func
	cb = js.FuncOf(func(_ js.Value, a []js.Value) any {
		cb.Release()
		if len(a) > 0 && !a[0].IsNull() && !a[0].IsUndefined() {
			slog.Warn("workers: could not store the key set in the cache", "error", a[0].String())
		}
		return nil
	})
	host.Call("cachePut", req.URL.String(), headerText(res.Header), bytesTo(b), cb)
	return nil
}
