// Package contract checks HTTP traffic against Wacht's published OpenAPI
// documents, as corrected from the servers' source (package corrections).
// The kit's tests use it on both sides of the wire: the backend client's
// requests and the responses it decodes, and everything the emulator in
// wacht/wachttest receives and serves.
//
// The schema validation itself (libopenapi) lives in its own module,
// internal/contract/validator, and runs in a separate process: this module,
// whose go.mod every user of the kit inherits, then names no OpenAPI
// library. Platform and Frontend start that process on first use, from
// WACHT_CONTRACT_VALIDATOR (a built cmd/contract-validator) or with
// `go run` from this checkout.
package contract

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
)

//go:embed platform-api.json
var platformJSON []byte

//go:embed frontend-api.json
var frontendJSON []byte

// Document names of the two published documents.
const (
	PlatformAPI = "platform-api"
	FrontendAPI = "frontend-api"
)

// PlatformJSON returns the published platform API document, unmodified.
func PlatformJSON() []byte { return bytes.Clone(platformJSON) }

// FrontendJSON returns the published frontend API document, unmodified.
func FrontendJSON() []byte { return bytes.Clone(frontendJSON) }

// Operation is one operation of a document.
type Operation struct {
	Method      string // upper case, e.g. "GET"
	Path        string // templated path, e.g. "/users/{user_id}"
	OperationID string
	Tags        []string
}

// Violation is a request or response that breaks the contract.
type Violation struct {
	Document string // PlatformAPI or FrontendAPI
	Kind     string // "request" or "response"
	Method   string
	Path     string
	Status   int // responses only
	Problems []string
}

func (v *Violation) Error() string {
	where := v.Method + " " + v.Path
	if v.Kind == "response" {
		where += fmt.Sprintf(" -> %d", v.Status)
	}
	return fmt.Sprintf("%s %s violates %s: %s", v.Kind, where, v.Document, strings.Join(v.Problems, "; "))
}

// A Checker validates single exchanges against one document. Bodies are
// readable when it is called and are put back afterwards by Document, so a
// Checker may consume them. It returns a *Violation for traffic that breaks
// the document and any other error when it could not decide.
type Checker interface {
	CheckRequest(r *http.Request) error
	CheckResponse(req *http.Request, res *http.Response) error
}

// Document validates requests and responses against one OpenAPI document.
// It is safe for concurrent use if its Checker is.
type Document struct {
	ops     []Operation
	checker Checker
}

// NewDocument returns a Document named name over the published document raw
// (for its operation list), validating with c.
func NewDocument(name string, raw []byte, c Checker) (*Document, error) {
	ops, err := Operations(raw)
	if err != nil {
		return nil, fmt.Errorf("contract: %s: %w", name, err)
	}
	return &Document{ops: ops, checker: c}, nil
}

// Operations lists the document's operations sorted by path, then method.
func (d *Document) Operations() []Operation {
	return append([]Operation(nil), d.ops...)
}

// ValidateRequest checks the path, query, headers, security and body of r.
// The body is read and put back, so r can still be sent or served.
func (d *Document) ValidateRequest(r *http.Request) error {
	body, err := rewind(&r.Body)
	if err != nil {
		return err
	}
	err = d.checker.CheckRequest(r)
	r.Body = io.NopCloser(bytes.NewReader(body))
	return err
}

// ValidateResponse checks res (status, headers and body) as the answer to
// req. The body is read and put back.
func (d *Document) ValidateResponse(req *http.Request, res *http.Response) error {
	body, err := rewind(&res.Body)
	if err != nil {
		return err
	}
	err = d.checker.CheckResponse(req, res)
	res.Body = io.NopCloser(bytes.NewReader(body))
	return err
}

// Transport returns a RoundTripper that validates each request before
// sending it and each response before handing it back. onViolation gets
// every violation; the exchange itself goes ahead unchanged, so the code
// under test sees exactly what it would have seen.
func (d *Document) Transport(base http.RoundTripper, onViolation func(error)) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		if err := d.ValidateRequest(req); err != nil {
			onViolation(err)
		}
		res, err := base.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		if verr := d.ValidateResponse(req, res); verr != nil {
			onViolation(verr)
		}
		return res, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Middleware validates each request next receives and each response it
// writes. Responses are buffered so they can be checked before they leave;
// handlers that hijack the connection (to drop it on purpose) are passed
// through unchecked.
func (d *Document) Middleware(next http.Handler, onViolation func(error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := d.ValidateRequest(r); err != nil {
			onViolation(err)
		}
		rec := &recorder{ResponseWriter: w, header: http.Header{}}
		next.ServeHTTP(rec, r)
		if rec.hijacked {
			return
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		res := &http.Response{
			StatusCode: rec.status,
			Header:     rec.header,
			Body:       io.NopCloser(bytes.NewReader(rec.body.Bytes())),
			Request:    r,
		}
		if err := d.ValidateResponse(r, res); err != nil {
			onViolation(err)
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
	})
}

type recorder struct {
	http.ResponseWriter
	header   http.Header
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}

// Hijack hands the connection to the handler (the emulator drops
// connections on purpose); nothing is validated after that.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.hijacked = true
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

func rewind(body *io.ReadCloser) ([]byte, error) {
	if *body == nil || *body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(*body)
	_ = (*body).Close()
	*body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("contract: read body: %w", err)
	}
	return b, nil
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Operations lists the operations of the OpenAPI document raw, sorted by
// path, then method.
func Operations(raw []byte) ([]Operation, error) {
	var root struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("parse document: %w", err)
	}
	var ops []Operation
	for p, item := range root.Paths {
		for _, method := range methods {
			rawOp, ok := item[method]
			if !ok {
				continue
			}
			var op struct {
				OperationID string   `json:"operationId"`
				Tags        []string `json:"tags"`
			}
			if err := json.Unmarshal(rawOp, &op); err != nil {
				return nil, fmt.Errorf("parse %s %s: %w", strings.ToUpper(method), p, err)
			}
			ops = append(ops, Operation{Method: strings.ToUpper(method), Path: p, OperationID: op.OperationID, Tags: op.Tags})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	return ops, nil
}

// Validate checks the traffic of the document named api (PlatformAPI or
// FrontendAPI) that next serves, reporting each violation to report. It is
// what the kit's tests give wacht/wachttest as Options.Validate. A document
// that cannot be loaded is reported on every request, so a test cannot
// pass unchecked.
func Validate(api string, next http.Handler, report func(error)) http.Handler {
	var doc *Document
	var err error
	switch api {
	case PlatformAPI:
		doc, err = Platform()
	case FrontendAPI:
		doc, err = Frontend()
	default:
		err = fmt.Errorf("contract: no document named %q", api)
	}
	if err != nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			report(err)
			next.ServeHTTP(w, r)
		})
	}
	return doc.Middleware(next, report)
}
