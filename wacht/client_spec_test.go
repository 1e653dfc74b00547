package wacht

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// exampleTime is the date-time every example uses.
var exampleTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// exampler builds example values from the platform spec's schemas: every
// property (optional ones too), the first enum value, RFC 3339 date-times.
type exampler struct {
	t       testing.TB
	schemas map[string]any
	results []any
}

// correctedPlatform returns the platform document with the server-source
// corrections of internal/contract/corrections applied: the contract the
// generated client and the validator follow.
func correctedPlatform(t testing.TB) map[string]any {
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

func newExampler(t testing.TB) *exampler {
	root := correctedPlatform(t)
	comps := root["components"].(map[string]any)["schemas"].(map[string]any)
	return &exampler{t: t, schemas: comps}
}

func (x *exampler) component(name string) any {
	s, ok := x.schemas[name]
	if !ok {
		x.t.Fatalf("spec has no component %s", name)
	}
	return x.example(s, 0)
}

func (x *exampler) example(node any, depth int) any {
	s, _ := node.(map[string]any)
	if s == nil || depth > 12 {
		return nil
	}
	if ref, ok := s["$ref"].(string); ok {
		return x.example(x.schemas[strings.TrimPrefix(ref, "#/components/schemas/")], depth+1)
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
					return x.example(a, depth+1)
				}
			}
			return x.example(alts[0], depth+1)
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		out := map[string]any{}
		for _, part := range all {
			if m, ok := x.example(part, depth+1).(map[string]any); ok {
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
			return exampleTime.Format(time.RFC3339)
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
		return []any{x.example(s["items"], depth+1)}
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		for k, v := range props {
			out[k] = x.example(v, depth+1)
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

// exampleOf decodes the example of a component into T.
func exampleOf[T any](x *exampler, component string) T {
	var out T
	data, err := json.Marshal(x.component(component))
	if err != nil {
		x.t.Fatalf("encode example %s: %v", component, err)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		x.t.Fatalf("example %s does not decode into %T: %v", component, out, err)
	}
	return out
}

// decoded records a method's result, so the test can check it is populated.
func (x *exampler) decoded(v any) { x.results = append(x.results, v) }

// specRoute is one operation of the spec as the test server serves it.
type specRoute struct {
	method, path, id string
	literal          int // literal segments: more literal wins ambiguities
	re               *regexp.Regexp
	response         any
	noContent        bool // the operation answers 204 and no 200
}

// specServer answers every operation of the platform spec with an example
// built from the operation's 200 response schema, and records which
// operations were called.
type specServer struct {
	routes []specRoute
	x      *exampler

	mu   sync.Mutex
	hits []string
	reqs []*http.Request
}

var placeholder = regexp.MustCompile(`\{[^}]+\}`)

func newSpecServer(t testing.TB, x *exampler) *specServer {
	root := correctedPlatform(t)
	s := &specServer{x: x}
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
			}
			s.routes = append(s.routes, r)
		}
	}
	sort.Slice(s.routes, func(i, j int) bool { return s.routes[i].literal > s.routes[j].literal })
	return s
}

func (s *specServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
		body := s.x.example(rt.response, 0)
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

func (s *specServer) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hits
	s.hits = nil
	return h
}

// violations collects contract violations from both sides of the wire.
type violations struct {
	mu   sync.Mutex
	errs []error
}

func (v *violations) add(err error) {
	v.mu.Lock()
	v.errs = append(v.errs, err)
	v.mu.Unlock()
}

func (v *violations) take() []error {
	v.mu.Lock()
	defer v.mu.Unlock()
	e := v.errs
	v.errs = nil
	return e
}

// contractClient starts the spec server behind the contract middleware and
// returns a client whose transport validates every request it sends and
// every response it decodes.
func contractClient(t testing.TB) (*Client, *specServer, *violations) {
	t.Helper()
	doc, err := contract.Platform()
	if err != nil {
		t.Fatalf("load platform contract: %v", err)
	}
	x := newExampler(t)
	spec := newSpecServer(t, x)
	v := &violations{}
	// Both ends check: the server validates what arrives and what it
	// answers, the client's transport what it sends and what it decodes.
	srv := httptest.NewServer(doc.Middleware(spec, func(err error) { v.add(fmt.Errorf("server side: %w", err)) }))
	t.Cleanup(srv.Close)
	base := newHTTPClient()
	c, err := NewClient(Config{
		APIKey:     "sk_test_contract",
		BaseURL:    srv.URL,
		HTTPClient: &http.Client{Transport: doc.Transport(base.Transport, func(err error) { v.add(fmt.Errorf("client side: %w", err)) })},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, spec, v
}

// TestSpecCoverage reads the platform spec, lists its operations and fails
// when an operation outside the AI tag has no client method. It then calls
// every covered operation once against a server that follows the spec, with
// contract validation of each request (path, query, body) and each response
// on both sides, and checks that the call reached exactly its operation and
// decoded a result.
func TestSpecCoverage(t *testing.T) {
	doc, err := contract.Platform()
	if err != nil {
		t.Fatal(err)
	}
	c, spec, v := contractClient(t)
	x := spec.x
	ops := doc.Operations()
	inSpec := map[string]bool{}
	covered, nonAI := 0, 0
	ctx := context.Background()
	for _, op := range ops {
		inSpec[op.OperationID] = true
		if isAI(op.Tags) {
			continue
		}
		nonAI++
		call, ok := specCalls[op.OperationID]
		if !ok {
			t.Errorf("%s %s (%s) has no client method", op.Method, op.Path, op.OperationID)
			continue
		}
		x.results = nil
		spec.take()
		v.take()
		if err := call(ctx, c, x); err != nil {
			t.Errorf("%s: call failed: %v", op.OperationID, err)
			continue
		}
		hits := spec.take()
		if len(hits) != 1 || hits[0] != op.OperationID {
			t.Errorf("%s: the call reached %v, want exactly [%s]", op.OperationID, hits, op.OperationID)
			continue
		}
		if errs := v.take(); len(errs) > 0 {
			for _, e := range errs {
				t.Errorf("%s: contract violation: %v", op.OperationID, e)
			}
			continue
		}
		for _, d := range x.results {
			if rv := reflect.ValueOf(d); !rv.IsValid() || rv.IsZero() {
				t.Errorf("%s: decoded result is empty: %#v", op.OperationID, d)
			}
		}
		covered++
	}
	for id := range specCalls {
		if !inSpec[id] {
			t.Errorf("client covers %s, which the spec does not have", id)
		}
	}
	t.Logf("covered %d/%d (all %d operations outside the AI tag)", covered, len(ops), nonAI)
	if covered < 164 {
		t.Errorf("covered %d operations, want at least 164", covered)
	}
}

func isAI(tags []string) bool {
	for _, t := range tags {
		if t == "AI" {
			return true
		}
	}
	return false
}

// TestContractCatchesBadRequests makes sure the contract check used by
// TestSpecCoverage is not a rubber stamp: a request that breaks the spec is
// reported.
func TestContractCatchesBadRequests(t *testing.T) {
	c, _, v := contractClient(t)
	// limit must be an integer; send a string by hand through the client's
	// transport.
	req, _ := http.NewRequest(http.MethodGet, c.baseURL+"/users?limit=many", nil)
	req.Header.Set("Authorization", "Bearer sk_test_contract")
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	errs := v.take()
	if len(errs) == 0 {
		t.Fatal("a request with limit=many passed contract validation")
	}
	var viol *contract.Violation
	if !errors.As(errs[0], &viol) || viol.Kind != "request" {
		t.Fatalf("violation = %v, want a request violation", errs[0])
	}
}
