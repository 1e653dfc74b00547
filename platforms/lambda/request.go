package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/internal/eventext"
)

// classify decides the event source from the scanned fields.
func classify(e *scanned) (Source, *EventError) {
	switch {
	case e.authorizer:
		return SourceUnknown, &EventError{Reason: "API Gateway authorizer event", Err: ErrUnsupportedEvent}
	case e.websocket:
		return SourceUnknown, &EventError{Reason: "API Gateway WebSocket event", Err: ErrUnsupportedEvent}
	case e.hasELB:
		if e.httpMethod == "" {
			return SourceUnknown, &EventError{Reason: "ALB event without httpMethod", Err: ErrMalformedEvent}
		}
		return SourceALB, nil
	case e.hasHTTPCtx && e.httpCtxMethod != "":
		if strings.Contains(e.rcDomainName, ".lambda-url.") {
			return SourceFunctionURL, nil
		}
		return SourceAPIGatewayV2, nil
	case e.httpMethod != "":
		return SourceAPIGatewayV1, nil
	}
	return SourceUnknown, &EventError{Reason: "no HTTP method in the event", Err: ErrUnsupportedEvent}
}

// validMethod reports whether m is an HTTP token.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// stripPrefix removes prefix (which starts with '/') from p when it ends on
// a segment boundary.
func stripPrefix(p, prefix string) string {
	if !strings.HasPrefix(p, prefix) {
		return p
	}
	rest := p[len(prefix):]
	switch {
	case rest == "":
		return "/"
	case rest[0] == '/':
		return rest
	}
	return p
}

type stringBody struct{ strings.Reader }

func (*stringBody) Close() error { return nil }

type bytesBody struct{ bytes.Reader }

func (*bytesBody) Close() error { return nil }

// requestParts are allocated together: one allocation instead of three.
type requestParts struct {
	url  url.URL
	inv  invocation
	sb   stringBody
	bb   bytesBody
	hdrs [16]string
}

// buildRequest turns a scanned event into a server-side *http.Request.
func (h *Handler) buildRequest(ctx context.Context, payload string, src Source, e *scanned, requestID string) (*http.Request, *EventError) {
	method := e.httpMethod
	if src == SourceAPIGatewayV2 || src == SourceFunctionURL {
		method = e.httpCtxMethod
	}
	if !validMethod(method) {
		return nil, &EventError{Reason: "invalid HTTP method", Err: ErrMalformedEvent}
	}
	parts := new(requestParts)

	// Headers. v1 and ALB events with multi-value headers carry every value
	// there; the single-value map then holds only the last of each. An empty
	// multiValueHeaders object next to a non-empty headers one (hand-made
	// test events) does not hide the headers.
	list := e.headers
	if (src == SourceAPIGatewayV1 || src == SourceALB) && e.hasMVHeaders && (len(e.mvHeaders) > 0 || len(e.headers) == 0) {
		list = e.mvHeaders
	}
	var backing []string
	if n := len(list) + 1; n <= len(parts.hdrs) {
		backing = parts.hdrs[:n]
	} else {
		backing = make([]string, n)
	}
	header := make(http.Header, len(list)+1)
	host := ""
	j := 0
	for _, f := range list {
		k := textproto.CanonicalMIMEHeaderKey(f.k)
		if k == "Host" {
			if host == "" {
				host = f.v
			}
			continue
		}
		if vs, ok := header[k]; ok {
			header[k] = append(vs, f.v)
			continue
		}
		backing[j] = f.v
		header[k] = backing[j : j+1 : j+1]
		j++
	}
	if len(e.cookies) > 0 {
		c := strings.Join(e.cookies, "; ")
		if old := header.Get("Cookie"); old != "" {
			c = old + "; " + c
		}
		backing[j] = c
		header["Cookie"] = backing[j : j+1 : j+1]
	}
	if host == "" {
		host = e.rcDomainName
	}

	// Path.
	p := e.path
	if src == SourceAPIGatewayV2 || src == SourceFunctionURL {
		p = e.rawPath
		if p == "" {
			p = e.httpCtxPath
		}
	}
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	if h.cfg.stripStage && e.rcStage != "" && e.rcStage != "$default" && strings.HasPrefix(p[1:], e.rcStage) {
		p = stripPrefix(p, p[:1+len(e.rcStage)])
	}
	if h.cfg.basePath != "" {
		p = stripPrefix(p, h.cfg.basePath)
	}
	u := &parts.url
	if raw, ok := encodedPath(p); ok {
		u.Path = p
	} else {
		// Keep the delivered percent-encoded form as RawPath so %2F
		// survives (REST APIs, ALB and Function URLs deliver the path
		// encoded; HTTP APIs deliver it decoded, and then the two agree).
		dec, _ := url.PathUnescape(raw) // raw is always well formed
		u.Path, u.RawPath, p = dec, raw, raw
	}

	// Query.
	switch src {
	case SourceAPIGatewayV2, SourceFunctionURL:
		if e.hasRawQuery {
			u.RawQuery = e.rawQuery
		} else {
			u.RawQuery = encodeQuery(e.query, true)
		}
	case SourceAPIGatewayV1:
		if e.hasMVQuery && len(e.mvQuery) > 0 {
			u.RawQuery = encodeQuery(e.mvQuery, true)
		} else {
			u.RawQuery = encodeQuery(e.query, true)
		}
	case SourceALB:
		// ALB passes query strings exactly as the client sent them (still
		// percent-encoded): join them without encoding again.
		if e.hasMVQuery && len(e.mvQuery) > 0 {
			u.RawQuery = encodeQuery(e.mvQuery, false)
		} else {
			u.RawQuery = encodeQuery(e.query, false)
		}
	}
	requestURI := p
	if u.RawQuery != "" {
		requestURI = p + "?" + u.RawQuery
	}

	// Remote address.
	ip := ""
	switch src {
	case SourceAPIGatewayV1:
		ip = e.rcIdentitySourceIP
	case SourceAPIGatewayV2, SourceFunctionURL:
		ip = e.httpCtxSourceIP
	case SourceALB:
		// ALB appends the address it saw to X-Forwarded-For: the last entry
		// is the one a client cannot forge.
		if xff := header["X-Forwarded-For"]; len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			ip = strings.TrimSpace(last)
		}
	}
	remote := ""
	if ip != "" {
		remote = net.JoinHostPort(ip, "0")
	}

	// Protocol.
	proto := e.rcProtocol
	if src == SourceAPIGatewayV2 || src == SourceFunctionURL {
		proto = e.httpCtxProtocol
	}
	major, minor, ok := http.ParseHTTPVersion(proto)
	if !ok {
		proto, major, minor = "HTTP/1.1", 1, 1
	}

	// Body.
	var body interface {
		Read([]byte) (int, error)
		Close() error
	} = http.NoBody
	length := int64(0)
	if e.b64 && e.body != "" {
		b, err := base64.StdEncoding.DecodeString(e.body)
		if err != nil {
			return nil, &EventError{Reason: "body is not valid base64", Err: ErrMalformedEvent}
		}
		parts.bb.Reset(b)
		body, length = &parts.bb, int64(len(b))
	} else if e.body != "" {
		parts.sb.Reset(e.body)
		body, length = &parts.sb, int64(len(e.body))
	}

	// Context: one value holds the event, the Lambda context and the id.
	if requestID == "" {
		requestID = e.rcRequestID
	}
	inv := &parts.inv
	inv.event.source = src
	inv.event.payload = payload
	inv.requestID = requestID
	inv.lc = lambdaContextFrom(ctx)
	ctx = context.WithValue(ctx, invocationKey{}, inv)
	if e.hasNetlify {
		inv.netlify = e.netlify
		inv.netlify.Path = e.path
		ctx = eventext.WithNetlify(ctx, &inv.netlify)
	}
	// The kit's request id: kit.Handler logs it and names it in error
	// bodies and X-Request-Id, instead of generating one of its own.
	ctx = handler.WithRequestID(ctx, requestID)

	r := &http.Request{
		Method:        method,
		URL:           u,
		Proto:         proto,
		ProtoMajor:    major,
		ProtoMinor:    minor,
		Header:        header,
		Body:          body,
		ContentLength: length,
		Host:          host,
		RemoteAddr:    remote,
		RequestURI:    requestURI,
	}
	return r.WithContext(ctx), nil
}

// encodeQuery joins pairs into a query string, escaping keys and values
// when escape is set (they arrive decoded) and copying them as they are
// otherwise (ALB delivers them still encoded).
func encodeQuery(pairs []kv, escape bool) string {
	if len(pairs) == 0 {
		return ""
	}
	n := 0
	for _, f := range pairs {
		n += len(f.k) + len(f.v) + 2
	}
	var b strings.Builder
	if escape {
		n += n / 4
	}
	b.Grow(n)
	for i, f := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		if escape {
			b.WriteString(url.QueryEscape(f.k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(f.v))
		} else {
			b.WriteString(f.k)
			b.WriteByte('=')
			b.WriteString(f.v)
		}
	}
	return b.String()
}

// encodedPath returns p as a well-formed percent-encoded path. Escapes
// already in p are kept; bytes that can never appear literally in an
// encoded path (space, '?', '#', non-ASCII, a '%' not starting an escape,
// ...) are escaped. ok reports that p needs no decoding at all (no escapes,
// nothing to escape), the common case, which costs no allocation.
func encodedPath(p string) (string, bool) {
	clean := true
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' || !pathByte(c) {
			clean = false
			break
		}
	}
	if clean {
		return p, true
	}
	var b strings.Builder
	b.Grow(len(p) + 16)
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			b.WriteString(p[i : i+3])
			i += 2
		case c != '%' && pathByte(c):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte("0123456789ABCDEF"[c>>4])
			b.WriteByte("0123456789ABCDEF"[c&15])
		}
	}
	return b.String(), false
}

// pathByte reports whether c may appear unescaped in a URL path.
func pathByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/%", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
