// Package spectest serves Wacht's corrected platform contract for the
// client tests of package wacht and package wacht/ai: example values built
// from the spec's schemas, a server that answers every operation with one,
// and a collector of contract violations.
package spectest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"path"
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
// A schema that refers to itself (SchemaField's items_schema, for one) is
// expanded once in full; inside that expansion it and everything deeper get
// only what the schema requires, so the example is finite without putting a
// null where the contract wants a value.
type Exampler struct {
	t       testing.TB
	schemas map[string]any
	Results []any
}

const (
	// fullDepth bounds how deep optional properties are filled in; past it
	// only required ones are, which keeps examples small.
	fullDepth = 24
	// maxDepth is deeper than any finite example of the spec needs: reaching
	// it means a schema requires itself, which no example can satisfy.
	maxDepth = 96
)

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
	if _, ok := x.schemas[name]; !ok {
		x.t.Fatalf("spec has no component %s", name)
	}
	// Through a reference, so a component that contains itself is
	// expanded in full once, like one a body refers to.
	return x.Example(map[string]any{"$ref": "#/components/schemas/" + name}, 0)
}

// Example returns an example of the schema node; depth is how deep node
// sits in the example being built (0 for a whole body).
func (x *Exampler) Example(node any, depth int) any {
	w := walk{x: x, refs: map[string]int{}}
	return w.example(node, depth, false)
}

// walk is one example being built: refs counts the components being
// expanded on the current path, to notice a schema inside itself.
type walk struct {
	x    *Exampler
	refs map[string]int
}

// example builds a value of schema node. minimal asks for the smallest
// value the schema allows: required properties only, minItems items.
func (w *walk) example(node any, depth int, minimal bool) any {
	s, _ := node.(map[string]any)
	if s == nil {
		return nil
	}
	if depth > maxDepth {
		w.x.t.Fatalf("spectest: example deeper than %d levels: a schema requires itself", maxDepth)
	}
	minimal = minimal || depth > fullDepth
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target, ok := w.x.schemas[name]
		if !ok {
			w.x.t.Fatalf("spectest: unresolved reference %s", ref)
		}
		w.refs[name]++
		defer func() { w.refs[name]-- }()
		return w.example(target, depth+1, minimal || w.refs[name] > 1)
	}
	if c, ok := s["const"]; ok {
		return c
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	if all, ok := s["allOf"].([]any); ok {
		out := map[string]any{}
		for _, part := range all {
			if m, ok := w.example(part, depth+1, minimal).(map[string]any); ok {
				for k, v := range m {
					out[k] = v
				}
			}
		}
		return out
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		alts, ok := s[k].([]any)
		if !ok || len(alts) == 0 {
			continue
		}
		if _, own := s["properties"]; own {
			// The alternatives constrain the object the schema describes
			// (ExecuteAgentRequestType: exactly one of three keys).
			return w.oneOfObject(s, alts, depth, minimal)
		}
		// An id read as a number or a decimal string (FlexibleI64): the
		// client sends the string form.
		for _, a := range alts {
			if m, _ := a.(map[string]any); m["type"] == "string" && m["pattern"] != nil {
				return w.example(a, depth+1, minimal)
			}
		}
		return w.example(alts[0], depth+1, minimal)
	}
	switch schemaType(s) {
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
		n := 1
		if minimal {
			n = 0
		}
		if lo, ok := s["minItems"].(float64); ok && n < int(lo) {
			n = int(lo)
		}
		if hi, ok := s["maxItems"].(float64); ok && n > int(hi) {
			n = int(hi)
		}
		out := make([]any, 0, n)
		for range n {
			out = append(out, w.example(s["items"], depth+1, minimal))
		}
		return out
	case "object":
		return w.object(s, depth, minimal)
	}
	if len(s) == 0 || (len(s) == 1 && s["description"] != nil) {
		return map[string]any{"plan": "pro"} // an untyped value, e.g. metadata
	}
	return nil
}

// object builds an object of schema s: its required properties, and unless
// minimal the optional ones too, up to maxProperties.
func (w *walk) object(s map[string]any, depth int, minimal bool) map[string]any {
	props, _ := s["properties"].(map[string]any)
	required := stringSet(s["required"])
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	// Required properties first, so a maxProperties cap drops optional ones.
	sort.Slice(names, func(i, j int) bool {
		if required[names[i]] != required[names[j]] {
			return required[names[i]]
		}
		return names[i] < names[j]
	})
	limit := len(names)
	if hi, ok := s["maxProperties"].(float64); ok && int(hi) < limit {
		limit = int(hi)
	}
	out := map[string]any{}
	for _, k := range names {
		if len(out) == limit {
			break
		}
		if minimal && !required[k] {
			continue
		}
		out[k] = w.example(props[k], depth+1, minimal)
	}
	if len(props) == 0 && limit > 0 {
		if _, ok := s["additionalProperties"].(map[string]any); ok || s["additionalProperties"] == true {
			out["plan"] = "pro"
		}
	}
	return out
}

// oneOfObject builds an object of schema s that matches exactly one of
// alts, the first: it has the keys that alternative requires and none of
// the keys only the others require.
func (w *walk) oneOfObject(s map[string]any, alts []any, depth int, minimal bool) map[string]any {
	out := w.object(s, depth, minimal)
	chosen, _ := alts[0].(map[string]any)
	keep := stringSet(chosen["required"])
	for _, a := range alts[1:] {
		m, _ := a.(map[string]any)
		for k := range stringSet(m["required"]) {
			if !keep[k] {
				delete(out, k)
			}
		}
	}
	props, _ := s["properties"].(map[string]any)
	altProps, _ := chosen["properties"].(map[string]any)
	for k := range keep {
		if _, ok := out[k]; ok {
			continue
		}
		if p, ok := props[k]; ok {
			out[k] = w.example(p, depth+1, minimal)
		} else {
			out[k] = w.example(altProps[k], depth+1, minimal)
		}
	}
	return out
}

// schemaType returns the type of s, the non-null one of a type list.
func schemaType(s map[string]any) string {
	if t, ok := s["type"].(string); ok {
		return t
	}
	types, _ := s["type"].([]any)
	for _, tv := range types {
		if ts, _ := tv.(string); ts != "null" {
			return ts
		}
	}
	return ""
}

func stringSet(v any) map[string]bool {
	out := map[string]bool{}
	list, _ := v.([]any)
	for _, e := range list {
		if s, ok := e.(string); ok {
			out[s] = true
		}
	}
	return out
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
	noContent        bool   // the operation answers 204 and no 200
	binary           string // the media type of the file the operation answers, if it does
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
				content, _ := res["content"].(map[string]any)
				if c, ok := content["application/json"].(map[string]any); ok {
					r.response = c["schema"]
				}
				r.binary = binaryMediaType(content)
			}
			s.routes = append(s.routes, r)
		}
	}
	sort.Slice(s.routes, func(i, j int) bool { return s.routes[i].literal > s.routes[j].literal })
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	urlPath := r.URL.EscapedPath()
	for _, rt := range s.routes {
		if rt.method != r.Method || !rt.re.MatchString(urlPath) {
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
		if rt.binary != "" {
			// A file goes out as its bytes with the media type the contract
			// declares; under a wildcard, the type the server would guess
			// for FileName.
			ct := rt.binary
			if strings.Contains(ct, "*") {
				ct = mime.TypeByExtension(path.Ext(FileName))
			}
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": FileName}))
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("X-Request-Id", "req_"+rt.id)
			_, _ = io.WriteString(w, FileContent) // a failed write shows as the client's error
			return
		}
		body := s.X.Example(rt.response, 0)
		if body == nil {
			body = map[string]any{}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req_"+rt.id)
		_ = json.NewEncoder(w).Encode(body) // a failed write shows as the client's error
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprint(w, `{"errors":[{"message":"no such operation","code":404}]}`)
}

// FileName and FileContent are the file every download answers with.
const (
	FileName    = "notes.txt"
	FileContent = "first line\nsecond line\n"
)

// binaryMediaType returns the media type of content whose schema is a
// binary string (a file download), or "" when content is not a file.
func binaryMediaType(content map[string]any) string {
	for mt, raw := range content {
		m, _ := raw.(map[string]any)
		if schema, _ := m["schema"].(map[string]any); schema["type"] == "string" && schema["format"] == "binary" {
			return mt
		}
	}
	return ""
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

// DecodedStream reads a download to its end and records its bytes; it
// fails unless the stream carried the served file unchanged.
func (x *Exampler) DecodedStream(rc io.ReadCloser) error {
	defer rc.Close()
	data, err := io.ReadAll(rc)
	x.Results = append(x.Results, data)
	if err != nil {
		return err
	}
	if string(data) != FileContent {
		return fmt.Errorf("download carried %q, want %q", data, FileContent)
	}
	return nil
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
