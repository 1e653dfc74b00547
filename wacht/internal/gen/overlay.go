package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/wacht-platform/serverless-go/internal/contract/corrections"
)

// applyCorrections patches the ordered document with the server-source
// corrections of internal/contract/corrections, the same ones the contract
// validator and the emulator load, so the generated client speaks what the
// server speaks. New object keys go last, so fields keep the document's
// order and corrected fields follow it.
func applyCorrections(doc *object) error {
	set, err := corrections.Load()
	if err != nil {
		return err
	}
	for _, c := range set.Corrections {
		if err := applyOrdered(doc, c); err != nil {
			return fmt.Errorf("%s: %w", c, err)
		}
	}
	return nil
}

func applyOrdered(doc *object, c corrections.Correction) error {
	if !strings.HasPrefix(c.Path, "/") {
		return fmt.Errorf("pointer %q does not start with /", c.Path)
	}
	toks := strings.Split(c.Path[1:], "/")
	for i, s := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	var value any
	if c.Op != "remove" {
		v, err := parse(bytes.NewReader(c.Value))
		if err != nil {
			return err
		}
		value = v
	}
	// set replaces the node at toks[:n] (used to store a resized array).
	var node any = doc
	var set func(any)
	for i, tok := range toks {
		last := i == len(toks)-1
		switch n := node.(type) {
		case *object:
			_, exists := n.vals[tok]
			if !last {
				if !exists {
					return fmt.Errorf("%q does not exist", tok)
				}
				key := tok
				set = func(v any) { n.vals[key] = v }
				node = n.vals[tok]
				continue
			}
			switch {
			case c.Op == "remove" && exists:
				delete(n.vals, tok)
				for j, k := range n.keys {
					if k == tok {
						n.keys = append(n.keys[:j], n.keys[j+1:]...)
						break
					}
				}
			case c.Op == "replace" && exists, c.Op == "add":
				if !exists {
					n.keys = append(n.keys, tok)
				}
				n.vals[tok] = value
			default:
				return fmt.Errorf("%q does not exist", tok)
			}
			return nil
		case []any:
			idx := len(n)
			if !(last && tok == "-") {
				k, err := strconv.Atoi(tok)
				if err != nil || k < 0 {
					return fmt.Errorf("%q is not an array index", tok)
				}
				idx = k
			}
			if !last {
				if idx >= len(n) {
					return fmt.Errorf("index %d past the end", idx)
				}
				arr, j := n, idx
				set = func(v any) { arr[j] = v }
				node = n[idx]
				continue
			}
			switch {
			case c.Op == "add" && idx <= len(n):
				set(append(n[:idx:idx], append([]any{value}, n[idx:]...)...))
			case c.Op == "replace" && idx < len(n):
				n[idx] = value
			case c.Op == "remove" && idx < len(n):
				set(append(n[:idx:idx], n[idx+1:]...))
			default:
				return fmt.Errorf("index %d out of range", idx)
			}
			return nil
		default:
			return fmt.Errorf("%q: not an object or array", tok)
		}
	}
	return fmt.Errorf("empty pointer")
}
