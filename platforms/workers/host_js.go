//go:build js && wasm && !wacht_perrequest

package workers

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"syscall/js"
	"unsafe"
)

// The entry (worker.mjs) is the Go program's I/O service: Go starts a
// whole exchange with one import call (a fetch and its body read, a cache
// read or write, a signature check), the entry runs it in the request
// context that was running Go at that moment, and reports back with
// numbers only, through binding.complete: the call's id, a code, and the
// byte lengths of the result's two parts, which Go then copies in
// (takeResult). No promise, stream, Response or other JavaScript object
// crosses into Go.

//go:wasmimport workers fetch
func hostFetch(id int32, method, url, headers, body string, hasBody bool)

//go:wasmimport workers cacheMatch
func hostCacheMatch(id int32, url string)

//go:wasmimport workers cachePut
func hostCachePut(id int32, url, headers, body string)

//go:wasmimport workers verify
func hostVerify(id int32, alg, jwk, data, sig string)

// takeResult copies the result of host call id into buf (its first part,
// then its second) and lets the entry drop it.
//
//go:wasmimport workers takeResult
func takeResult(id int32, buf unsafe.Pointer, size int32)

// hostReply is what a host call reports. code is the call's own (an HTTP
// status; 0 for a cache miss; 1 or 0 for a signature check), or -1 when
// the call failed, and then head holds the runtime's message.
type hostReply struct {
	code       int
	head, body []byte
}

func (r hostReply) err() error {
	if r.code == -1 {
		return fetchError(r.head)
	}
	return nil
}

// hostReady reports that the entry's runtime context is there and its
// binding.complete leads to completeHostCall.
var hostReady = func() bool {
	if runtimeContext.Type() != js.TypeObject {
		return false
	}
	b := runtimeContext.Get("binding")
	if b.Type() != js.TypeObject {
		return false
	}
	b.Set("complete", js.FuncOf(completeHostCall))
	return true
}()

var hostCalls = struct {
	sync.Mutex
	next    int32
	waiting map[int32]chan hostReply
}{waiting: map[int32]chan hostReply{}}

// hostCall starts a call with start and waits for its reply. The wait ends
// only with the reply: callers bound it with their context (transport.send
// does).
func hostCall(start func(id int32)) hostReply {
	return <-startHostCall(start)
}

// startHostCall starts a call with start, now, in the request context Go
// is running in, and returns where its reply will arrive.
func startHostCall(start func(id int32)) <-chan hostReply {
	ch := make(chan hostReply, 1)
	if !hostReady {
		ch <- hostReply{code: -1, head: []byte("not running under the package's entry (worker.mjs)")}
		return ch
	}
	hostCalls.Lock()
	hostCalls.next++
	id := hostCalls.next
	hostCalls.waiting[id] = ch
	hostCalls.Unlock()
	start(id)
	return ch
}

// completeHostCall is binding.complete: (id, code, head length, body
// length).
func completeHostCall(_ js.Value, args []js.Value) any {
	if len(args) != 4 {
		panic("workers: complete called with " + strconv.Itoa(len(args)) + " arguments")
	}
	id, code, headLen, bodyLen := int32(args[0].Int()), args[1].Int(), args[2].Int(), args[3].Int()
	buf := make([]byte, headLen+bodyLen)
	takeResult(id, unsafe.Pointer(unsafe.SliceData(buf)), int32(len(buf)))
	hostCalls.Lock()
	ch := hostCalls.waiting[id]
	delete(hostCalls.waiting, id)
	hostCalls.Unlock()
	if ch != nil {
		ch <- hostReply{code: code, head: buf[:headLen:headLen], body: buf[headLen:]}
	}
	return nil
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
	var body []byte
	hasBody := req.Body != nil && req.Body != http.NoBody
	if hasBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	h := req.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if req.Host != "" && req.Host != req.URL.Host {
		h.Set("Host", req.Host)
	}
	method, url, headers := req.Method, req.URL.String(), headerText(h)
	r := hostCall(func(id int32) { hostFetch(id, method, url, headers, asString(body), hasBody) })
	if err := r.err(); err != nil {
		return nil, err
	}
	return hostResponse(req, r), nil
}

func hostResponse(req *http.Request, r hostReply) *http.Response {
	return &http.Response{
		Status:        strconv.Itoa(r.code) + " " + http.StatusText(r.code),
		StatusCode:    r.code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        parseHeaderText(string(r.head)),
		Body:          io.NopCloser(bytes.NewReader(r.body)),
		ContentLength: int64(len(r.body)),
		Request:       req,
	}
}

// asString passes b to an import without a copy; the entry copies it
// before the import returns.
func asString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// hostStore keeps the key set in caches.default through the entry.
type hostStore struct{}

func platformStore() jwksStore { return hostStore{} }

func (hostStore) Match(req *http.Request) (*http.Response, error) {
	url := req.URL.String()
	r := hostCall(func(id int32) { hostCacheMatch(id, url) })
	if err := r.err(); err != nil {
		return nil, err
	}
	if r.code == 0 {
		return nil, nil
	}
	return hostResponse(req, r), nil
}

// Put stores res without waiting: the entry keeps the write alive with the
// request's waitUntil, so the answer does not wait for the cache.
func (hostStore) Put(req *http.Request, res *http.Response) error {
	b, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return err
	}
	url, headers := req.URL.String(), headerText(res.Header)
	reply := startHostCall(func(id int32) { hostCachePut(id, url, headers, asString(b)) })
	go func() {
		if err := (<-reply).err(); err != nil {
			slog.Warn("workers: could not store the key set in the cache", "error", err.Error())
		}
	}()
	return nil
}
