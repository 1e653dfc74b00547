package lambda

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// bufferedWriter is the http.ResponseWriter for buffered responses.
type bufferedWriter struct {
	header http.Header
	sent   http.Header // snapshot taken when the status was written
	status int
	body   bytes.Buffer
	head   bool // HEAD request: the body is dropped
	noBody bool // the status forbids a body
	wrote  bool
}

var writerPool = sync.Pool{New: func() any { return new(bufferedWriter) }}

func (w *bufferedWriter) Header() http.Header {
	if w.header == nil {
		w.header = make(http.Header)
	}
	return w.header
}

// WriteHeader records the status and snapshots the header, as net/http
// does: later header changes are not sent. Informational (1xx) statuses
// cannot be relayed through Lambda and are ignored.
func (w *bufferedWriter) WriteHeader(code int) {
	if w.wrote || code < 200 {
		if code < 100 || code > 999 {
			panic("lambda: invalid WriteHeader code " + strconv.Itoa(code))
		}
		return
	}
	w.wrote = true
	w.status = code
	w.sent = w.header.Clone()
	if w.sent == nil {
		w.sent = http.Header{}
	}
	if !bodyAllowed(code) {
		w.noBody = true
	}
}

func (w *bufferedWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.noBody {
		return 0, http.ErrBodyNotAllowed
	}
	if w.head {
		return len(p), nil // accepted and dropped, as net/http does
	}
	return w.body.Write(p)
}

func (w *bufferedWriter) WriteString(s string) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.noBody {
		return 0, http.ErrBodyNotAllowed
	}
	if w.head {
		return len(s), nil
	}
	return w.body.WriteString(s)
}

// Flush is a no-op: a buffered response is sent when the handler returns.
func (w *bufferedWriter) Flush() {}

func bodyAllowed(status int) bool {
	return !(status >= 100 && status <= 199 || status == 204 || status == 304)
}

// finish settles status and headers after the handler returned.
func (w *bufferedWriter) finish() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	// Like net/http: sniff a Content-Type when none was set (a present but
	// empty Content-Type suppresses sniffing).
	if _, ok := w.sent["Content-Type"]; !ok && w.body.Len() > 0 && w.sent.Get("Transfer-Encoding") == "" {
		b := w.body.Bytes()
		if len(b) > 512 {
			b = b[:512]
		}
		w.sent.Set("Content-Type", http.DetectContentType(b))
	}
}

func (w *bufferedWriter) release() {
	if w.body.Cap() > 1<<20 {
		return // do not keep huge buffers alive
	}
	clear(w.header)
	h := w.header
	body := w.body
	body.Reset()
	*w = bufferedWriter{header: h, body: body}
	writerPool.Put(w)
}

var keysPool = sync.Pool{New: func() any { s := make([]string, 0, 32); return &s }}

// encodeResponse renders the response in the JSON shape the source expects.
func (h *Handler) encodeResponse(dst []byte, src Source, multiValue bool, w *bufferedWriter) []byte {
	body := w.body.Bytes()
	binary := false
	if len(body) > 0 {
		rule := h.cfg.binary
		if rule == nil {
			rule = DefaultBinaryRule
		}
		binary = rule(w.sent, body)
	}

	kp := keysPool.Get().(*[]string)
	keys := (*kp)[:0]
	for k := range w.sent {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	dst = append(dst, `{"statusCode":`...)
	dst = strconv.AppendInt(dst, int64(w.status), 10)
	if src == SourceALB {
		dst = append(dst, `,"statusDescription":`...)
		desc := strconv.Itoa(w.status)
		if text := http.StatusText(w.status); text != "" {
			desc += " " + text
		}
		dst = appendString(dst, desc)
	}
	switch {
	case src == SourceAPIGatewayV2 || src == SourceFunctionURL:
		// Payload 2.0: one value per header (joined with ", "), cookies in
		// their own array.
		dst = append(dst, `,"headers":{`...)
		first := true
		for _, k := range keys {
			vs := w.sent[k]
			if k == "Set-Cookie" || len(vs) == 0 {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendJoined(dst, vs)
		}
		dst = append(dst, '}')
		if cookies := w.sent["Set-Cookie"]; len(cookies) > 0 {
			dst = append(dst, `,"cookies":[`...)
			for i, c := range cookies {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendString(dst, c)
			}
			dst = append(dst, ']')
		}
	case multiValue:
		dst = append(dst, `,"multiValueHeaders":{`...)
		first := true
		for _, k := range keys {
			vs := w.sent[k]
			if len(vs) == 0 {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendString(dst, k)
			dst = append(dst, ":["...)
			for i, v := range vs {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendString(dst, v)
			}
			dst = append(dst, ']')
		}
		dst = append(dst, '}')
	default:
		// Single-value headers (ALB without multi-value headers): values are
		// joined with ", ", except Set-Cookie, which cannot be joined; only
		// its first value is sent. Enable multi-value headers on the target
		// group to send several cookies.
		dst = append(dst, `,"headers":{`...)
		first := true
		for _, k := range keys {
			vs := w.sent[k]
			if len(vs) == 0 {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendString(dst, k)
			dst = append(dst, ':')
			if k == "Set-Cookie" {
				vs = vs[:1]
			}
			dst = appendJoined(dst, vs)
		}
		dst = append(dst, '}')
	}
	*kp = keys[:0]
	keysPool.Put(kp)

	dst = append(dst, `,"body":"`...)
	if binary {
		dst = base64.StdEncoding.AppendEncode(dst, body)
		dst = append(dst, `","isBase64Encoded":true}`...)
	} else {
		dst = appendEscaped(dst, unsafe.String(unsafe.SliceData(body), len(body)))
		dst = append(dst, `","isBase64Encoded":false}`...)
	}
	return dst
}

func appendJoined(dst []byte, vs []string) []byte {
	dst = append(dst, '"')
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = appendEscaped(dst, v)
	}
	return append(dst, '"')
}

func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendEscaped appends s as the inside of a JSON string, escaping like
// encoding/json without HTML escaping (aws-lambda-go's default): quotes,
// backslashes, control characters, U+2028 and U+2029; invalid UTF-8 becomes
// U+FFFD.
func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}
