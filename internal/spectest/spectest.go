// Package spectest serves Wacht's corrected platform contract for the
// client tests of package wacht and package wacht/ai: example values built
// from the spec's schemas, a server that answers every operation with one,
// and a collector of contract violations.
package spectest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/contract/corrections"
)

// ExampleTime is the date-time every example uses.
var ExampleTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Exampler builds example values from the platform spec's schemas: every
// property (optional ones too), the first enum value, RFC 3339 date-times.
type Exampler struct {
	t       testing.TB
	schemas map[string]any
	Results []any
}

// CorrectedPlatform returns the platform document with the server-source
// corrections of internal/contract/corrections applied: the contract the
// generated client and the validator follow.
func CorrectedPlatform(t testing.TB) map[string]any {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(contract.PlatformJSON(), &root); err != nil {
		t.Fatalf("parse platform spec: %v", err)
	}
	set, err := corrections.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Apply(root); err != nil {
		t.Fatal(err)
	}
	return root
}

func NewExampler(t testing.TB) *Exampler {
	root := CorrectedPlatform(t)
	comps := root["components"].(map[string]any)["schemas"].(map[string]any)
	return &Exampler{t: t, schemas: comps}
}

func (x *Exampler) Component(name string) any {
	s, ok := x.schemas[name]
	if !ok {
		x.t.Fatalf("spec has no component %s", name)
	}
	return x.Example(s, 0)
}

func (x *Exampler) Example(node any, depth int) any {
	s, _ := node.(map[string]any)
	if s == nil || depth > 12 {
		return nil
	}
	if ref, ok := s["$ref"].(string); ok {
		return x.Example(x.schemas[strings.TrimPrefix(ref, "#/components/schemas/")], depth+1)
	}
	if c, ok := s["const"]; ok {
		return c
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		if alts, ok := s[k].([]any); ok && len(alts) > 0 {
			// An id read as a number or a decimal string (FlexibleI64): the
			// client sends the string form.
			for _, a := range alts {
				if m, _ := a.(map[string]any); m["type"] == "string" && m["pattern"] != nil {
					return x.Example(a, depth+1)
				}
			}
			return x.Example(alts[0], depth+1)
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		out := map[string]any{}
		for _, part := range all {
			if m, ok := x.Example(part, depth+1).(map[string]any); ok {
				for k, v := range m {
					out[k] = v
				}
			}
		}
		return out
	}
	typ, _ := s["type"].(string)
	if types, ok := s["type"].([]any); ok {
		for _, tv := range types {
			if ts, _ := tv.(string); ts != "null" {
				typ = ts
				break
			}
		}
	}
	switch typ {
	case "string":
		switch s["format"] {
		case "date-time":
			return ExampleTime.Format(time.RFC3339)
		case "date":
			return "2026-01-02"
		case "email":
			return "ada@example.com"
		case "uri", "url":
			return "https://example.com/a"
		case "uuid":
			return "0b7c8e8a-1a44-4d8e-9a5f-2f4d1f0c9d11"
		}
		if p, _ := s["pattern"].(string); strings.Contains(p, "[0-9]+$") {
			return "4242" // an i64 written as a string (i64_as_string)
		}
		return "example"
	case "integer":
		if m, ok := s["minimum"].(float64); ok && m > 3 {
			return int(m)
		}
		return 3
	case "number":
		return 1.5
	case "boolean":
		return true
	case "array":
		return []any{x.Example(s["items"], depth+1)}
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		for k, v := range props {
			out[k] = x.Example(v, depth+1)
		}
		if len(props) == 0 {
			if _, ok := s["additionalProperties"].(map[string]any); ok || s["additionalProperties"] == true {
				out["plan"] = "pro"
			}
		}
		return out
	}
	if len(s) == 0 || (len(s) == 1 && s["description"] != nil) {
		return map[string]any{"plan": "pro"} // an untyped value, e.g. metadata
	}
	return nil
}

// ExampleOf decodes the example of a component into T.
func ExampleOf[T any](x *Exampler, component string) T {
	var out T
	data, err := json.Marshal(x.Component(component))
	if err != nil {
		x.t.Fatalf("encode example %s: %v", component, err)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		x.t.Fatalf("example %s does not decode into %T: %v", component, out, err)
	}
	return out
}

// decoded records a method's result, so the test can check it is populated.
func (x *Exampler) Decoded(v any) { x.Results = append(x.Results, v) }

// specRoute is one operation of the spec as the test server serves it.
type specRoute struct {
	method, path, id string
	literal          int // literal segments: more literal wins ambiguities
	re               *regexp.Regexp
	response         any
	noContent        bool // the operation answers 204 and no 200
	binary           bool // the operation answers a file
}

// Server answers every operation of the platform spec with an example
// built from the operation's 200 response schema, and records which
// operations were called.
type Server struct {
	routes []specRoute
	X      *Exampler

	mu   sync.Mutex
	hits []string
	reqs []*http.Request
}

var placeholder = regexp.MustCompile(`\{[^}]+\}`)

func NewServer(t testing.TB, x *Exampler) *Server {
	root := CorrectedPlatform(t)
	s := &Server{X: x}
	for p, item := range root["paths"].(map[string]any) {
		for m, raw := range item.(map[string]any) {
			op, ok := raw.(map[string]any)
			if !ok {
				continue
			}
			r := specRoute{method: strings.ToUpper(m), path: p, id: op["operationId"].(string)}
			parts := placeholder.Split(p, -1)
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			r.re = regexp.MustCompile("^" + strings.Join(parts, `[^/]+`) + "$")
			for _, seg := range strings.Split(p, "/") {
				if seg != "" && !strings.HasPrefix(seg, "{") {
					r.literal++
				}
			}
			r.response = map[string]any{}
			responses := op["responses"].(map[string]any)
			_, has200 := responses["200"]
			_, has204 := responses["204"]
			r.noContent = has204 && !has200
			if res, ok := responses["200"].(map[string]any); ok {
				if c, ok := res["content"].(map[string]any)["application/json"].(map[string]any); ok {
					r.response = c["schema"]
				}
				_, r.binary = res["content"].(map[string]any)["*/*"]
			}
			s.routes = append(s.routes, r)
		}
	}
	sort.Slice(s.routes, func(i, j int) bool { return s.routes[i].literal > s.routes[j].literal })
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	for _, rt := range s.routes {
		if rt.method != r.Method || !rt.re.MatchString(path) {
			continue
		}
		s.mu.Lock()
		s.hits = append(s.hits, rt.id)
		s.reqs = append(s.reqs, r)
		s.mu.Unlock()
		if rt.noContent {
			w.Header().Set("X-Request-Id", "req_"+rt.id)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		body := s.X.Example(rt.response, 0)
		if body == nil {
			body = map[string]any{}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req_"+rt.id)
		json.NewEncoder(w).Encode(body)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprint(w, `{"errors":[{"message":"no such operation","code":404}]}`)
}

func (s *Server) Take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hits
	s.hits = nil
	return h
}

// Violations collects contract Violations from both sides of the wire.
type Violations struct {
	mu   sync.Mutex
	errs []error
}

func (v *Violations) Add(err error) {
	v.mu.Lock()
	v.errs = append(v.errs, err)
	v.mu.Unlock()
}

func (v *Violations) Take() []error {
	v.mu.Lock()
	defer v.mu.Unlock()
	e := v.errs
	v.errs = nil
	return e
}

// DecodedStream reads a download to its end and records its bytes, so the
// test can check the stream carried the answer.
func (x *Exampler) DecodedStream(rc io.ReadCloser) error {
	defer rc.Close()
	data, err := io.ReadAll(rc)
	x.Results = append(x.Results, data)
	return err
}

// Empty reports the recorded results that decoded to a zero value.
func (x *Exampler) Empty() []any {
	var out []any
	for _, d := range x.Results {
		if rv := reflect.ValueOf(d); !rv.IsValid() || rv.IsZero() {
			out = append(out, d)
		}
	}
	return out
}

// Start serves the spec behind the contract middleware and returns its URL
// and an HTTP client whose transport validates every request it sends and
// every response it reads. Both ends check: the server validates what
// arrives and what it answers, the client's transport what it sends and
// what it decodes.
func Start(t testing.TB) (url string, hc *http.Client, srv *Server, v *Violations) {
	t.Helper()
	doc, err := contract.Platform()
	if err != nil {
		t.Fatalf("load platform contract: %v", err)
	}
	x := NewExampler(t)
	srv = NewServer(t, x)
	v = &Violations{}
	ts := httptest.NewServer(doc.Middleware(srv, func(err error) { v.Add(fmt.Errorf("server side: %w", err)) }))
	t.Cleanup(ts.Close)
	base := http.DefaultTransport.(*http.Transport).Clone()
	hc = &http.Client{Transport: doc.Transport(base, func(err error) { v.Add(fmt.Errorf("client side: %w", err)) })}
	return ts.URL, hc, srv, v
}
