// Package contract checks HTTP traffic against Wacht's published OpenAPI
// documents. The kit's tests use it on both sides of the wire: the backend
// client's requests and the responses it decodes, and everything the
// emulator in wacht/wachttest receives and serves.
//
// The published documents are OpenAPI 3.1 but carry a few 3.0 habits that a
// strict 3.1 validator reads differently from what the authors meant. Load
// fixes a copy in memory before validation; Fixes lists every change, so no
// rule is ever weakened silently.
package contract

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
)

//go:embed platform-api.json
var platformJSON []byte

//go:embed frontend-api.json
var frontendJSON []byte

// Operation is one operation of a document.
type Operation struct {
	Method      string // upper case, e.g. "GET"
	Path        string // templated path, e.g. "/users/{user_id}"
	OperationID string
	Tags        []string
}

// Document validates requests and responses against one OpenAPI document.
// It is safe for concurrent use.
type Document struct {
	name  string
	v     validator.Validator
	ops   []Operation
	fixes []string
	// mu serialises calls into the validator: its schema caches are not
	// documented as safe for concurrent use, and correctness matters more
	// than speed in tests.
	mu sync.Mutex
}

// Violation is a request or response that breaks the contract.
type Violation struct {
	Document string // "platform-api" or "frontend-api"
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

var (
	platformOnce sync.Once
	platformDoc  *Document
	platformErr  error

	frontendOnce sync.Once
	frontendDoc  *Document
	frontendErr  error
)

// Platform returns the validator for the backend (platform) API, built once
// per process.
func Platform() (*Document, error) {
	platformOnce.Do(func() { platformDoc, platformErr = load("platform-api", platformJSON) })
	return platformDoc, platformErr
}

// Frontend returns the validator for the frontend API, built once per process.
func Frontend() (*Document, error) {
	frontendOnce.Do(func() { frontendDoc, frontendErr = load("frontend-api", frontendJSON) })
	return frontendDoc, frontendErr
}

// PlatformJSON returns the published platform API document, unmodified.
func PlatformJSON() []byte { return bytes.Clone(platformJSON) }

// Fixes lists the changes made to the published documents before
// validation, one line each, with how often each applied.
func Fixes() []string {
	var out []string
	for _, load := range []func() (*Document, error){Platform, Frontend} {
		d, err := load()
		if err != nil {
			continue
		}
		for _, f := range d.fixes {
			out = append(out, d.name+": "+f)
		}
	}
	return out
}

func load(name string, raw []byte) (*Document, error) {
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("contract: parse %s: %w", name, err)
	}
	fixes := fix(root)
	fixed, err := json.Marshal(root)
	if err != nil {
		return nil, fmt.Errorf("contract: re-encode %s: %w", name, err)
	}
	doc, err := libopenapi.NewDocument(fixed)
	if err != nil {
		return nil, fmt.Errorf("contract: load %s: %w", name, err)
	}
	v, errs := validator.NewValidator(doc, config.WithFormatAssertions())
	if len(errs) > 0 {
		return nil, fmt.Errorf("contract: build validator for %s: %w", name, errors.Join(errs...))
	}
	return &Document{name: name, v: v, ops: operations(root), fixes: fixes}, nil
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
	d.mu.Lock()
	ok, errs := d.v.ValidateHttpRequestSync(r)
	d.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if ok {
		return nil
	}
	return &Violation{Document: d.name, Kind: "request", Method: r.Method, Path: r.URL.Path, Problems: problems(errs)}
}

// ValidateResponse checks res (status, headers and body) as the answer to
// req. The body is read and put back.
func (d *Document) ValidateResponse(req *http.Request, res *http.Response) error {
	if _, err := rewind(&res.Body); err != nil {
		return err
	}
	d.mu.Lock()
	ok, errs := d.v.ValidateHttpResponse(req, res)
	d.mu.Unlock()
	if _, err := rewind(&res.Body); err != nil {
		return err
	}
	if ok {
		return nil
	}
	return &Violation{Document: d.name, Kind: "response", Method: req.Method, Path: req.URL.Path, Status: res.StatusCode, Problems: problems(errs)}
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

func problems(errs []*verrors.ValidationError) []string {
	var out []string
	for _, e := range errs {
		msg := e.Message
		if e.Reason != "" && e.Reason != e.Message {
			msg += " (" + e.Reason + ")"
		}
		for _, s := range e.SchemaValidationErrors {
			loc := s.FieldPath
			if loc == "" {
				loc = s.KeywordLocation
			}
			msg += fmt.Sprintf(" [%s: %s]", loc, s.Reason)
		}
		out = append(out, msg)
	}
	return out
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func operations(root map[string]any) []Operation {
	paths, _ := root["paths"].(map[string]any)
	var ops []Operation
	for p, item := range paths {
		m, _ := item.(map[string]any)
		for _, method := range methods {
			op, ok := m[method].(map[string]any)
			if !ok {
				continue
			}
			id, _ := op["operationId"].(string)
			var tags []string
			if ts, ok := op["tags"].([]any); ok {
				for _, t := range ts {
					if s, ok := t.(string); ok {
						tags = append(tags, s)
					}
				}
			}
			ops = append(ops, Operation{Method: strings.ToUpper(method), Path: p, OperationID: id, Tags: tags})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	return ops
}
