// Package validator checks HTTP exchanges against Wacht's OpenAPI documents
// with libopenapi. It is a module of its own so that the kit's module does
// not name libopenapi: the kit's tests reach it through package contract,
// which runs cmd/contract-validator as a separate process.
//
// The published documents are OpenAPI 3.1 but carry a few 3.0 habits that a
// strict 3.1 validator reads differently from what the authors meant. Load
// fixes a copy in memory before validation; Fixes lists every change, so no
// rule is ever weakened silently.
package validator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/contract/corrections"
)

// Checker validates exchanges against one document. It is safe for
// concurrent use.
//
// Compiling every schema of a large document up front costs seconds (close
// to a minute under the race detector), and most test binaries touch a
// handful of paths. So a Checker builds one validator per path on first
// use, over a copy of the document holding that path and only the
// components it reaches.
type Checker struct {
	name   string
	root   map[string]any // the fixed document; read-only after load
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

var (
	platformOnce    sync.Once
	platformChecker *Checker
	platformErr     error

	frontendOnce    sync.Once
	frontendChecker *Checker
	frontendErr     error
)

// Load returns the checker of the document named name (contract.PlatformAPI
// or contract.FrontendAPI), built once per process.
func Load(name string) (*Checker, error) {
	switch name {
	case contract.PlatformAPI:
		platformOnce.Do(func() { platformChecker, platformErr = load(name, contract.PlatformJSON()) })
		return platformChecker, platformErr
	case contract.FrontendAPI:
		frontendOnce.Do(func() { frontendChecker, frontendErr = load(name, contract.FrontendJSON()) })
		return frontendChecker, frontendErr
	}
	return nil, fmt.Errorf("validator: no document named %q", name)
}

// Platform returns the corrected platform API document, validated in this
// process.
func Platform() (*contract.Document, error) { return document(contract.PlatformAPI) }

// Frontend returns the frontend API document, validated in this process.
func Frontend() (*contract.Document, error) { return document(contract.FrontendAPI) }

func document(name string) (*contract.Document, error) {
	c, err := Load(name)
	if err != nil {
		return nil, err
	}
	raw := contract.PlatformJSON()
	if name == contract.FrontendAPI {
		raw = contract.FrontendJSON()
	}
	return contract.NewDocument(name, raw, c)
}

// Fixes lists the changes made to the published documents before
// validation, one line each, with how often each applied.
func Fixes() []string {
	var out []string
	for _, name := range []string{contract.PlatformAPI, contract.FrontendAPI} {
		c, err := Load(name)
		if err != nil {
			continue
		}
		for _, f := range c.fixes {
			out = append(out, c.name+": "+f)
		}
	}
	return out
}

func load(name string, raw []byte) (*Checker, error) {
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("validator: parse %s: %w", name, err)
	}
	var fixes []string
	if name == contract.PlatformAPI {
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
	d := &Checker{name: name, root: root, fixes: fixes, byPath: map[string]*pathValidator{}}
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
func (d *Checker) match(escapedPath string) (string, bool) {
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
func (d *Checker) validatorFor(r *http.Request) (*pathValidator, error) {
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
func (d *Checker) build(tmpl string) (validator.Validator, error) {
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
		return nil, fmt.Errorf("validator: encode %s %s: %w", d.name, tmpl, err)
	}
	model, err := libopenapi.NewDocument(raw)
	if err != nil {
		return nil, fmt.Errorf("validator: load %s %s: %w", d.name, tmpl, err)
	}
	v, errs := validator.NewValidator(model, config.WithFormatAssertions())
	if len(errs) > 0 {
		return nil, fmt.Errorf("validator: build validator for %s %s: %w", d.name, tmpl, errors.Join(errs...))
	}
	return v, nil
}

func (d *Checker) noRoute(kind string, r *http.Request, status int) error {
	return &contract.Violation{Document: d.name, Kind: kind, Method: r.Method, Path: r.URL.Path, Status: status,
		Problems: []string{"no path of the document matches this request"}}
}

// CheckRequest implements contract.Checker: the path, query, headers,
// security and body of r.
func (d *Checker) CheckRequest(r *http.Request) error {
	pv, err := d.validatorFor(r)
	if err != nil {
		return err
	}
	if pv == nil {
		return d.noRoute("request", r, 0)
	}
	pv.mu.Lock()
	ok, errs := pv.v.ValidateHttpRequestSync(r)
	pv.mu.Unlock()
	if ok {
		return nil
	}
	return &contract.Violation{Document: d.name, Kind: "request", Method: r.Method, Path: r.URL.Path, Problems: problems(errs)}
}

// CheckResponse implements contract.Checker: the status, headers and body
// of res as the answer to req.
func (d *Checker) CheckResponse(req *http.Request, res *http.Response) error {
	pv, err := d.validatorFor(req)
	if err != nil {
		return err
	}
	if pv == nil {
		return d.noRoute("response", req, res.StatusCode)
	}
	pv.mu.Lock()
	ok, errs := pv.v.ValidateHttpResponse(req, res)
	pv.mu.Unlock()
	if ok {
		return nil
	}
	return &contract.Violation{Document: d.name, Kind: "response", Method: req.Method, Path: req.URL.Path, Status: res.StatusCode, Problems: problems(errs)}
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
