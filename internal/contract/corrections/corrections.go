// Package corrections holds what Wacht's published platform OpenAPI document
// gets wrong, as data: one JSON file per area of the API, each with an audit
// row per operation (checked against the server's source at ServerCommit), the
// patches that make the document say what the server does, and response
// bodies written from the server's serializers.
//
// The document is produced by a regex parser over the server's Rust code, so
// it misses serde attributes (flatten, skip_serializing_if, rename_all), query
// parsers written with FromStr, list envelopes and empty answers. Everything
// in the kit that derives from the document (the generated client, the
// emulator, the contract validator) reads it through Apply, so a correction
// made here reaches all three at once.
//
// Each file has the shape
//
//	{"area": "...", "audit": [Row...], "corrections": [Correction...], "fixtures": [Fixture...]}
//
// Corrections are RFC 6902 operations (add, replace, remove) on the published
// document, applied in order, files in name order, before the contract
// package rewrites OpenAPI 3.0 habits ("nullable") for its 3.1 validator.
package corrections

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ServerCommit is the commit of github.com/wacht-platform/platform whose
// source every row and correction here was checked against.
const ServerCommit = "14c45dc78f5a6d13e968c8738ec643f409d6c2c6"

// Verdicts of an audit row.
const (
	VerdictMatches   = "matches"   // the document says what the server does
	VerdictCorrected = "corrected" // it did not; corrections make it so
	VerdictAmbiguous = "ambiguous" // the source does not settle it; notes say what is open
)

// Row is the audit of one operation.
type Row struct {
	Area        string `json:"-"`
	Operation   string `json:"operation"`    // "GET /users"
	OperationID string `json:"operation_id"` // as in the document
	Route       string `json:"route"`        // server file:line of the route
	Handler     string `json:"handler"`      // server file:line of the handler
	Verdict     string `json:"verdict"`
	Notes       string `json:"notes"`
}

// Correction is one RFC 6902 operation on the published document, with the
// server source line that justifies it.
type Correction struct {
	File   string          `json:"-"`
	Op     string          `json:"op"`   // add, replace or remove
	Path   string          `json:"path"` // JSON Pointer
	Value  json.RawMessage `json:"value,omitempty"`
	Source string          `json:"source"`
	Why    string          `json:"why"`
}

func (c Correction) String() string {
	return fmt.Sprintf("%s %s %s (%s: %s)", c.File, c.Op, c.Path, c.Source, c.Why)
}

// Fixture is a response body written from the server's serializers.
type Fixture struct {
	Area      string          `json:"-"`
	Operation string          `json:"operation"` // "GET /users"
	Status    int             `json:"status"`
	Body      json.RawMessage `json:"body"`
	Source    string          `json:"source"`
}

// Set is every file's content, in file name order.
type Set struct {
	Rows        []Row
	Corrections []Correction
	Fixtures    []Fixture
}

type file struct {
	Area        string       `json:"area"`
	Audit       []Row        `json:"audit"`
	Corrections []Correction `json:"corrections"`
	Fixtures    []Fixture    `json:"fixtures"`
}

//go:embed *.json
var files embed.FS

var (
	loadOnce sync.Once
	loaded   *Set
	loadErr  error
)

// Load returns the embedded set, parsed once per process. An error names
// the file and what is wrong with it.
func Load() (*Set, error) {
	loadOnce.Do(func() { loaded, loadErr = parse(files) })
	return loaded, loadErr
}

func parse(fsys fs.FS) (*Set, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	set := &Set{}
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var f file
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("corrections: %s: %w", name, err)
		}
		area := strings.TrimSuffix(path.Base(name), ".json")
		if f.Area != area {
			return nil, fmt.Errorf("corrections: %s: area %q does not match the file name", name, f.Area)
		}
		for i, r := range f.Audit {
			r.Area = area
			switch r.Verdict {
			case VerdictMatches, VerdictCorrected, VerdictAmbiguous:
			default:
				return nil, fmt.Errorf("corrections: %s: audit row %d (%s): verdict %q is not matches, corrected or ambiguous", name, i, r.Operation, r.Verdict)
			}
			set.Rows = append(set.Rows, r)
		}
		for i, c := range f.Corrections {
			c.File = name
			if c.Source == "" || c.Why == "" {
				return nil, fmt.Errorf("corrections: %s: correction %d (%s %s) needs a source and a why", name, i, c.Op, c.Path)
			}
			switch c.Op {
			case "add", "replace":
				if len(c.Value) == 0 {
					return nil, fmt.Errorf("corrections: %s: correction %d (%s %s) has no value", name, i, c.Op, c.Path)
				}
			case "remove":
			default:
				return nil, fmt.Errorf("corrections: %s: correction %d: op %q is not add, replace or remove", name, i, c.Op)
			}
			set.Corrections = append(set.Corrections, c)
		}
		for _, fx := range f.Fixtures {
			fx.Area = area
			set.Fixtures = append(set.Fixtures, fx)
		}
	}
	return set, nil
}

// Apply patches root, a document decoded with encoding/json into
// map[string]any, in place. It stops at the first correction that does not
// apply and names it.
func (s *Set) Apply(root map[string]any) error {
	for _, c := range s.Corrections {
		if err := apply(root, c); err != nil {
			return fmt.Errorf("corrections: %s: %w", c, err)
		}
	}
	return nil
}

func apply(root map[string]any, c Correction) error {
	tokens, err := pointer(c.Path)
	if err != nil {
		return err
	}
	if len(tokens) == 0 {
		return fmt.Errorf("cannot %s the whole document", c.Op)
	}
	var value any
	if c.Op != "remove" {
		if err := json.Unmarshal(c.Value, &value); err != nil {
			return fmt.Errorf("value: %w", err)
		}
	}
	var parent any = root
	for i, tok := range tokens[:len(tokens)-1] {
		next, err := child(parent, tok)
		if err != nil {
			return fmt.Errorf("at /%s: %w", strings.Join(tokens[:i+1], "/"), err)
		}
		parent = next
	}
	last := tokens[len(tokens)-1]
	switch p := parent.(type) {
	case map[string]any:
		_, exists := p[last]
		if (c.Op == "replace" || c.Op == "remove") && !exists {
			return fmt.Errorf("%q does not exist", last)
		}
		if c.Op == "remove" {
			delete(p, last)
		} else {
			p[last] = value
		}
		return nil
	case []any:
		// Arrays are reached through their parent so the slice can grow or
		// shrink in place.
		return applyArray(root, tokens, p, c.Op, value)
	default:
		return fmt.Errorf("parent of %q is not an object or array", last)
	}
}

func applyArray(root map[string]any, tokens []string, arr []any, op string, value any) error {
	last := tokens[len(tokens)-1]
	idx := len(arr)
	if last != "-" {
		n, err := strconv.Atoi(last)
		if err != nil || n < 0 {
			return fmt.Errorf("%q is not an array index", last)
		}
		idx = n
	}
	switch op {
	case "add":
		if idx > len(arr) {
			return fmt.Errorf("index %d past the end (%d)", idx, len(arr))
		}
		arr = append(arr[:idx], append([]any{value}, arr[idx:]...)...)
	case "replace":
		if idx >= len(arr) {
			return fmt.Errorf("index %d past the end (%d)", idx, len(arr))
		}
		arr[idx] = value
		return nil
	case "remove":
		if idx >= len(arr) {
			return fmt.Errorf("index %d past the end (%d)", idx, len(arr))
		}
		arr = append(arr[:idx], arr[idx+1:]...)
	}
	// Store the resized slice back in its container.
	var container any = root
	for _, tok := range tokens[:len(tokens)-2] {
		container, _ = child(container, tok)
	}
	key := tokens[len(tokens)-2]
	switch c := container.(type) {
	case map[string]any:
		c[key] = arr
	case []any:
		n, _ := strconv.Atoi(key)
		c[n] = arr
	}
	return nil
}

func child(node any, tok string) (any, error) {
	switch n := node.(type) {
	case map[string]any:
		v, ok := n[tok]
		if !ok {
			return nil, fmt.Errorf("%q does not exist", tok)
		}
		return v, nil
	case []any:
		i, err := strconv.Atoi(tok)
		if err != nil || i < 0 || i >= len(n) {
			return nil, fmt.Errorf("%q is not an index of an array of %d", tok, len(n))
		}
		return n[i], nil
	default:
		return nil, fmt.Errorf("%q: not an object or array", tok)
	}
}

// pointer splits an RFC 6901 JSON Pointer into unescaped tokens.
func pointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("pointer %q does not start with /", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

// Overlaps reports pairs of corrections from different files whose paths are
// equal or one inside the other: the later would silently undo or depend on
// the earlier, so each such pair needs one owner.
func (s *Set) Overlaps() []string {
	var out []string
	for i, a := range s.Corrections {
		for _, b := range s.Corrections[i+1:] {
			if a.File == b.File {
				continue
			}
			if a.Path == b.Path || strings.HasPrefix(b.Path, a.Path+"/") || strings.HasPrefix(a.Path, b.Path+"/") {
				out = append(out, a.String()+" <-> "+b.String())
			}
		}
	}
	return out
}
