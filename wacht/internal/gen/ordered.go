package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// object is a JSON object that remembers the order of its keys, so the
// generated structs list fields in the order the spec writes them.
type object struct {
	keys []string
	vals map[string]any
}

func (o *object) get(key string) any {
	if o == nil {
		return nil
	}
	return o.vals[key]
}

func (o *object) obj(key string) *object {
	v, _ := o.get(key).(*object)
	return v
}

func (o *object) str(key string) string {
	v, _ := o.get(key).(string)
	return v
}

func (o *object) boolean(key string) bool {
	v, _ := o.get(key).(bool)
	return v
}

func (o *object) list(key string) []any {
	v, _ := o.get(key).([]any)
	return v
}

func (o *object) has(key string) bool {
	if o == nil {
		return false
	}
	_, ok := o.vals[key]
	return ok
}

// parse decodes JSON into *object, []any, string, json.Number, bool or nil.
func parse(r io.Reader) (any, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	return parseValue(dec)
}

func parseValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is %T", kt)
				}
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				if _, dup := o.vals[k]; !dup {
					o.keys = append(o.keys, k)
				}
				o.vals[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			var out []any
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			if out == nil {
				out = []any{}
			}
			return out, nil
		}
		return nil, fmt.Errorf("unexpected delimiter %v", t)
	default:
		return t, nil
	}
}

// refName returns the component name a "$ref" points to, or "".
func refName(s *object) string {
	ref := s.str("$ref")
	const prefix = "#/components/schemas/"
	if !strings.HasPrefix(ref, prefix) {
		return ""
	}
	return strings.TrimPrefix(ref, prefix)
}
