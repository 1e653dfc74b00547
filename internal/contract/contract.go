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
	"github.com/wacht-platform/serverless-go/internal/contract/corrections"
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
//
// Compiling every schema of a large document up front costs seconds (close
// to a minute under the race detector), and most test binaries touch a
// handful of paths. So a Document builds one validator per path on first
// use, over a copy of the document holding that path and only the
// components it reaches.
type Document struct {
	name   string
	root   map[string]any // the fixed document; read-only after load
	ops    []Operation
	fixes  []string
	routes []route

	mu     sync.Mutex
	byPath map[string]*pathValidator
}

type route struct {
	template string
	segments []string // "" marks a {parameter}
	literals int
}

type pathValidator struct {
	once sync.Once
	v    validator.Validator
	err  error
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
// Platform validates against it with the corrections of package
// corrections applied.
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
	var fixes []string
	if name == "platform-api" {
		set, err := corrections.Load()
		if err != nil {
			return nil, err
		}
		if err := set.Apply(root); err != nil {
			return nil, err
		}
		if n := len(set.Corrections); n > 0 {
			fixes = append(fixes, fmt.Sprintf("server-source corrections from internal/contract/corrections (%d)", n))
		}
	}
	fixes = append(fixes, fix(root)...)
	d := &Document{name: name, root: root, ops: operations(root), fixes: fixes, byPath: map[string]*pathValidator{}}
	paths, _ := root["paths"].(map[string]any)
	for tmpl := range paths {
		rt := route{template: tmpl}
		for _, seg := range splitPath(tmpl) {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				seg = ""
			} else {
				rt.literals++
			}
			rt.segments = append(rt.segments, seg)
		}
		d.routes = append(d.routes, rt)
	}
	return d, nil
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match finds the path template of a request path, preferring the template
// with the most literal segments (/deliveries/replay over
// /deliveries/{delivery_id}).
func (d *Document) match(escapedPath string) (string, bool) {
	segs := splitPath(escapedPath)
	best, bestLiterals := "", -1
	for _, rt := range d.routes {
		if len(rt.segments) != len(segs) || rt.literals <= bestLiterals {
			continue
		}
		ok := true
		for i, want := range rt.segments {
			if want != "" && want != segs[i] || want == "" && segs[i] == "" {
				ok = false
				break
			}
		}
		if ok {
			best, bestLiterals = rt.template, rt.literals
		}
	}
	return best, bestLiterals >= 0
}

// validatorFor returns the validator of the path template r reaches,
// building it on first use.
func (d *Document) validatorFor(r *http.Request) (*pathValidator, error) {
	tmpl, ok := d.match(r.URL.EscapedPath())
	if !ok {
		return nil, nil
	}
	d.mu.Lock()
	pv := d.byPath[tmpl]
	if pv == nil {
		pv = &pathValidator{}
		d.byPath[tmpl] = pv
	}
	d.mu.Unlock()
	pv.once.Do(func() { pv.v, pv.err = d.build(tmpl) })
	return pv, pv.err
}

// build compiles a validator for one path template over a document holding
// that path and the components it reaches.
func (d *Document) build(tmpl string) (validator.Validator, error) {
	paths := d.root["paths"].(map[string]any)
	item := paths[tmpl]
	components, _ := d.root["components"].(map[string]any)
	sub := map[string]any{}
	var visit func(node any)
	visit = func(node any) {
		switch n := node.(type) {
		case map[string]any:
			if ref, ok := n["$ref"].(string); ok && strings.HasPrefix(ref, "#/components/") {
				parts := strings.SplitN(strings.TrimPrefix(ref, "#/components/"), "/", 2)
				if len(parts) == 2 {
					kind, _ := sub[parts[0]].(map[string]any)
					if kind == nil {
						kind = map[string]any{}
						sub[parts[0]] = kind
					}
					if _, seen := kind[parts[1]]; !seen {
						src, _ := components[parts[0]].(map[string]any)
						target := src[parts[1]]
						kind[parts[1]] = target
						visit(target)
					}
				}
			}
			for _, v := range n {
				visit(v)
			}
		case []any:
			for _, v := range n {
				visit(v)
			}
		}
	}
	visit(item)
	if schemes, ok := components["securitySchemes"]; ok {
		sub["securitySchemes"] = schemes
	}
	doc := map[string]any{"paths": map[string]any{tmpl: item}, "components": sub}
	for _, k := range []string{"openapi", "info", "servers", "security", "jsonSchemaDialect"} {
		if v, ok := d.root[k]; ok {
			doc[k] = v
		}
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("contract: encode %s %s: %w", d.name, tmpl, err)
	}
	model, err := libopenapi.NewDocument(raw)
	if err != nil {
		return nil, fmt.Errorf("contract: load %s %s: %w", d.name, tmpl, err)
	}
	v, errs := validator.NewValidator(model, config.WithFormatAssertions())
	if len(errs) > 0 {
		return nil, fmt.Errorf("contract: build validator for %s %s: %w", d.name, tmpl, errors.Join(errs...))
	}
	return v, nil
}

func (d *Document) noRoute(kind string, r *http.Request, status int) error {
	return &Violation{Document: d.name, Kind: kind, Method: r.Method, Path: r.URL.Path, Status: status,
		Problems: []string{"no path of the document matches this request"}}
}

// Operations lists the document's operations sorted by path, then method.
func (d *Document) Operations() []Operation {
	return append([]Operation(nil), d.ops...)
}

// ValidateRequest checks the path, query, headers, security and body of r.
// The body is read and put back, so r can still be sent or served.
func (d *Document) ValidateRequest(r *http.Request) error {
	pv, err := d.validatorFor(r)
	if err != nil {
		return err
	}
	if pv == nil {
		return d.noRoute("request", r, 0)
	}
	body, err := rewind(&r.Body)
	if err != nil {
		return err
	}
	pv.mu.Lock()
	ok, errs := pv.v.ValidateHttpRequestSync(r)
	pv.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if ok {
		return nil
	}
	return &Violation{Document: d.name, Kind: "request", Method: r.Method, Path: r.URL.Path, Problems: problems(errs)}
}

// ValidateResponse checks res (status, headers and body) as the answer to
// req. The body is read and put back.
func (d *Document) ValidateResponse(req *http.Request, res *http.Response) error {
	pv, err := d.validatorFor(req)
	if err != nil {
		return err
	}
	if pv == nil {
		return d.noRoute("response", req, res.StatusCode)
	}
	if _, err := rewind(&res.Body); err != nil {
		return err
	}
	pv.mu.Lock()
	ok, errs := pv.v.ValidateHttpResponse(req, res)
	pv.mu.Unlock()
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
