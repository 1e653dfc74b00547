package lambda

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/wacht-platform/serverless-go/platforms/internal/eventext"
)

// kv is one name/value pair read from an event object, in payload order.
type kv struct{ k, v string }

// scanned holds the fields of every supported event shape, filled by one
// pass over the payload. Strings are substrings of the payload unless they
// contained JSON escapes.
type scanned struct {
	httpMethod, path, rawPath, rawQuery, body string
	hasRawQuery, b64, authorizer              bool

	headers, mvHeaders, query, mvQuery []kv
	hasHeaders, hasMVHeaders           bool
	hasQuery, hasMVQuery               bool
	cookies                            []string

	rcStage, rcRequestID, rcDomainName, rcProtocol string
	rcIdentitySourceIP                             string
	httpCtxMethod, httpCtxPath, httpCtxProtocol    string
	httpCtxSourceIP                                string
	hasHTTPCtx, hasELB, websocket                  bool

	// Netlify's additions to the v1 shape, read in the same pass for
	// platforms/netlify (hasNetlify when any was present).
	netlify    eventext.Netlify
	hasNetlify bool
}

func (e *scanned) reset() {
	h, mh, q, mq, c := e.headers[:0], e.mvHeaders[:0], e.query[:0], e.mvQuery[:0], e.cookies[:0]
	*e = scanned{headers: h, mvHeaders: mh, query: q, mvQuery: mq, cookies: c}
}

// maxDepth bounds nesting while skipping values we do not need.
const maxDepth = 256

type scanner struct {
	s   string
	i   int
	err *EventError
}

func (p *scanner) fail(reason string) {
	if p.err == nil {
		p.err = &EventError{Offset: p.i, Reason: reason, Err: ErrMalformedEvent}
	}
	p.i = len(p.s)
}

func (p *scanner) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte (0 at the end).
func (p *scanner) peek() byte {
	p.ws()
	if p.i >= len(p.s) {
		return 0
	}
	return p.s[p.i]
}

func (p *scanner) expect(c byte) bool {
	if p.peek() != c {
		p.fail("expected '" + string(c) + "'")
		return false
	}
	p.i++
	return true
}

// null consumes a JSON null if one is next.
func (p *scanner) null() bool {
	if p.peek() == 'n' && strings.HasPrefix(p.s[p.i:], "null") {
		p.i += 4
		return true
	}
	return false
}

// str reads a JSON string. Strings without escapes are returned as
// substrings of the payload, so they cost no allocation.
func (p *scanner) str() string {
	if p.peek() != '"' {
		p.fail("expected a string")
		return ""
	}
	p.i++
	start := p.i
	s, i := p.s, p.i
	for i < len(s) && !strStop[s[i]] {
		i++
	}
	switch {
	case i >= len(s):
		p.i = i
		p.fail("unterminated string")
		return ""
	case s[i] == '"':
		p.i = i + 1
		return s[start:i]
	case s[i] == '\\':
		p.i = i
		return p.escaped(start)
	}
	p.i = i
	p.fail("control character in string")
	return ""
}

// strStop marks the bytes that end the fast path of str.
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func (p *scanner) escaped(start int) string {
	b := make([]byte, 0, p.i-start+16)
	b = append(b, p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b)
		case c < 0x20:
			p.fail("control character in string")
			return ""
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			break
		}
		p.i += 2
		switch p.s[p.i-1] {
		case '"', '\\', '/':
			b = append(b, p.s[p.i-1])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return ""
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if strings.HasPrefix(p.s[p.i:], `\u`) {
					save := p.i
					p.i += 2
					if x, ok := p.hex4(); ok {
						if d := utf16.DecodeRune(r, x); d != utf8.RuneError {
							r2 = d
						} else {
							p.i = save
						}
					} else {
						return ""
					}
				}
				r = r2
			}
			b = utf8.AppendRune(b, r)
		default:
			p.i--
			p.fail("invalid escape in string")
			return ""
		}
	}
	p.fail("unterminated string")
	return ""
}

func (p *scanner) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		p.fail("short \\u escape")
		return 0, false
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		p.fail("invalid \\u escape")
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

func (p *scanner) boolean() bool {
	switch p.peek() {
	case 't':
		if strings.HasPrefix(p.s[p.i:], "true") {
			p.i += 4
			return true
		}
	case 'f':
		if strings.HasPrefix(p.s[p.i:], "false") {
			p.i += 5
			return false
		}
	case 'n':
		if p.null() {
			return false
		}
	}
	p.fail("expected a boolean")
	return false
}

// optStr reads a string or null.
func (p *scanner) optStr() string {
	if p.null() {
		return ""
	}
	return p.str()
}

// lenientStr reads a string, or skips any other value and returns "": for
// members that are not part of the AWS shapes, where a wrong type is
// ignored rather than rejected.
func (p *scanner) lenientStr() string {
	if p.peek() == '"' {
		return p.str()
	}
	p.skip(1)
	return ""
}

// skip consumes any JSON value.
func (p *scanner) skip(depth int) {
	if depth > maxDepth {
		p.fail("nesting too deep")
		return
	}
	switch c := p.peek(); {
	case c == '"':
		p.str()
	case c == '{':
		p.i++
		if p.peek() == '}' {
			p.i++
			return
		}
		for p.err == nil {
			p.str()
			if !p.expect(':') {
				return
			}
			p.skip(depth + 1)
			if !p.more('}') {
				return
			}
		}
	case c == '[':
		p.i++
		if p.peek() == ']' {
			p.i++
			return
		}
		for p.err == nil {
			p.skip(depth + 1)
			if !p.more(']') {
				return
			}
		}
	case c == 't' || c == 'f':
		p.boolean()
	case c == 'n':
		if !p.null() {
			p.fail("invalid literal")
		}
	case c == '-' || (c >= '0' && c <= '9'):
		p.number()
	default:
		p.fail("unexpected character")
	}
}

// number consumes a JSON number, validating its grammar.
func (p *scanner) number() {
	s, i := p.s, p.i
	digits := func() bool {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case !digits():
		p.fail("invalid number")
		return
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			p.fail("invalid number")
			return
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			p.fail("invalid number")
			return
		}
	}
	p.i = i
}

// more consumes the separator after an element: it reports true when a ','
// was read and another element follows, false at the closing byte or on error.
func (p *scanner) more(closer byte) bool {
	switch p.peek() {
	case ',':
		p.i++
		return true
	case closer:
		p.i++
		return false
	}
	p.fail("expected ',' or '" + string(closer) + "'")
	return false
}

// object iterates over the members of an object, calling member for each
// key with the scanner positioned at the value. It reports false when the
// value was null.
func (p *scanner) object(member func(key string)) bool {
	if p.null() {
		return false
	}
	if !p.expect('{') {
		return false
	}
	if p.peek() == '}' {
		p.i++
		return true
	}
	for p.err == nil {
		k := p.str()
		if !p.expect(':') {
			break
		}
		member(k)
		if !p.more('}') {
			break
		}
	}
	return true
}

// strMap appends the members of a {"k":"v"} object to dst; null values are
// dropped. It reports whether the object was present (not null).
func (p *scanner) strMap(dst *[]kv) bool {
	if p.null() {
		return false
	}
	if !p.expect('{') {
		return false
	}
	if p.peek() == '}' {
		p.i++
		return true
	}
	for p.err == nil {
		k := p.str()
		if !p.expect(':') {
			break
		}
		if !p.null() {
			*dst = append(*dst, kv{k, p.str()})
		}
		if !p.more('}') {
			break
		}
	}
	return true
}

// strListMap appends the members of a {"k":["v1","v2"]} object to dst, one
// pair per value.
func (p *scanner) strListMap(dst *[]kv) bool {
	if p.null() {
		return false
	}
	if !p.expect('{') {
		return false
	}
	if p.peek() == '}' {
		p.i++
		return true
	}
	for p.err == nil {
		k := p.str()
		if !p.expect(':') {
			break
		}
		if !p.null() && p.expect('[') {
			if p.peek() == ']' {
				p.i++
			} else {
				for p.err == nil {
					if !p.null() {
						*dst = append(*dst, kv{k, p.str()})
					}
					if !p.more(']') {
						break
					}
				}
			}
		}
		if !p.more('}') {
			break
		}
	}
	return true
}

func (p *scanner) strList(dst *[]string) {
	if p.null() {
		return
	}
	if !p.expect('[') {
		return
	}
	if p.peek() == ']' {
		p.i++
		return
	}
	for p.err == nil {
		if !p.null() {
			*dst = append(*dst, p.str())
		}
		if !p.more(']') {
			return
		}
	}
}

// scan reads every field the adapter needs from payload in one pass.
func scan(payload string, e *scanned) *EventError {
	p := scanner{s: payload}
	if p.peek() != '{' {
		return &EventError{Offset: p.i, Reason: "payload is not a JSON object", Err: ErrUnsupportedEvent}
	}
	p.object(func(k string) {
		switch k {
		case "httpMethod":
			e.httpMethod = p.optStr()
		case "path":
			e.path = p.optStr()
		case "rawPath":
			e.rawPath = p.optStr()
		case "rawQueryString":
			e.hasRawQuery = !p.null()
			if e.hasRawQuery {
				e.rawQuery = p.str()
			}
		case "body":
			e.body = p.optStr()
		case "isBase64Encoded":
			e.b64 = p.boolean()
		case "headers":
			e.headers = e.headers[:0]
			e.hasHeaders = p.strMap(&e.headers)
		case "multiValueHeaders":
			e.mvHeaders = e.mvHeaders[:0]
			e.hasMVHeaders = p.strListMap(&e.mvHeaders)
		case "queryStringParameters":
			e.query = e.query[:0]
			e.hasQuery = p.strMap(&e.query)
		case "multiValueQueryStringParameters":
			e.mvQuery = e.mvQuery[:0]
			e.hasMVQuery = p.strListMap(&e.mvQuery)
		case "cookies":
			e.cookies = e.cookies[:0]
			p.strList(&e.cookies)
		case "requestContext":
			p.object(func(k string) { scanRequestContext(&p, e, k) })
		case "rawUrl":
			e.netlify.RawURL, e.hasNetlify = p.lenientStr(), true
		case "rawQuery":
			e.hasNetlify = true
			if p.peek() == '"' {
				e.netlify.RawQuery, e.netlify.HasRawQuery = p.str(), true
			} else {
				p.skip(1)
			}
		case "route":
			e.netlify.Route, e.hasNetlify = p.lenientStr(), true
		case "methodArn", "routeArn", "authorizationToken":
			// Present only in API Gateway authorizer events.
			e.authorizer = true
			p.skip(1)
		default:
			p.skip(1)
		}
	})
	if p.err != nil {
		return p.err
	}
	if p.ws(); p.i != len(p.s) {
		return &EventError{Offset: p.i, Reason: "data after the event object", Err: ErrMalformedEvent}
	}
	return nil
}

func scanRequestContext(p *scanner, e *scanned, k string) {
	switch k {
	case "stage":
		e.rcStage = p.optStr()
	case "requestId":
		e.rcRequestID = p.optStr()
	case "domainName":
		e.rcDomainName = p.optStr()
	case "protocol":
		e.rcProtocol = p.optStr()
	case "identity":
		p.object(func(k string) {
			if k == "sourceIp" {
				e.rcIdentitySourceIP = p.optStr()
			} else {
				p.skip(3)
			}
		})
	case "http":
		e.hasHTTPCtx = p.object(func(k string) {
			switch k {
			case "method":
				e.httpCtxMethod = p.optStr()
			case "path":
				e.httpCtxPath = p.optStr()
			case "protocol":
				e.httpCtxProtocol = p.optStr()
			case "sourceIp":
				e.httpCtxSourceIP = p.optStr()
			default:
				p.skip(3)
			}
		})
	case "elb":
		e.hasELB = !p.null()
		if e.hasELB {
			p.skip(2)
		}
	case "custom":
		// The Netlify CLI spreads the function's client context here.
		if p.peek() != '{' {
			p.skip(2)
			return
		}
		p.object(func(k string) {
			if k != "netlify" {
				p.skip(3)
				return
			}
			p.ws()
			start := p.i
			p.skip(3)
			e.netlify.Custom, e.hasNetlify = p.s[start:p.i], true
		})
	case "connectionId", "eventType", "messageDirection":
		// WebSocket API events carry these; HTTP events never do.
		e.websocket = true
		p.skip(2)
	default:
		p.skip(2)
	}
}
