package corrections

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

func doc(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestApply(t *testing.T) {
	root := doc(t, `{"paths":{"/users":{"get":{"parameters":[{"name":"a"},{"name":"b"}]}}},"components":{"schemas":{"S":{"enum":["Asc","Desc"],"x~y":1}}}}`)
	set := &Set{Corrections: []Correction{
		{Op: "replace", Path: "/components/schemas/S/enum", Value: json.RawMessage(`["asc","desc"]`)},
		{Op: "remove", Path: "/components/schemas/S/x~0y"},
		{Op: "add", Path: "/paths/~1users/get/parameters/1", Value: json.RawMessage(`{"name":"between"}`)},
		{Op: "add", Path: "/paths/~1users/get/parameters/-", Value: json.RawMessage(`{"name":"last"}`)},
		{Op: "remove", Path: "/paths/~1users/get/parameters/0"},
		{Op: "add", Path: "/paths/~1users/get/responses", Value: json.RawMessage(`{"204":{"description":"No Content"}}`)},
	}}
	if err := set.Apply(root); err != nil {
		t.Fatal(err)
	}
	want := doc(t, `{"paths":{"/users":{"get":{"parameters":[{"name":"between"},{"name":"b"},{"name":"last"}],"responses":{"204":{"description":"No Content"}}}}},"components":{"schemas":{"S":{"enum":["asc","desc"]}}}}`)
	if !reflect.DeepEqual(root, want) {
		got, _ := json.Marshal(root)
		t.Fatalf("got %s", got)
	}
}

func TestApplyRejects(t *testing.T) {
	for name, c := range map[string]Correction{
		"replace missing key":  {Op: "replace", Path: "/components/schemas/Nope", Value: json.RawMessage(`1`)},
		"remove missing key":   {Op: "remove", Path: "/components/schemas/Nope"},
		"missing parent":       {Op: "add", Path: "/nope/deeper", Value: json.RawMessage(`1`)},
		"index past end":       {Op: "replace", Path: "/list/5", Value: json.RawMessage(`1`)},
		"not an index":         {Op: "remove", Path: "/list/x"},
		"relative pointer":     {Op: "add", Path: "list", Value: json.RawMessage(`1`)},
		"whole document":       {Op: "add", Path: "", Value: json.RawMessage(`{}`)},
		"into a scalar":        {Op: "add", Path: "/n/x", Value: json.RawMessage(`1`)},
		"value not json":       {Op: "add", Path: "/x", Value: json.RawMessage(`{`)},
		"add past end of list": {Op: "add", Path: "/list/3", Value: json.RawMessage(`1`)},
	} {
		t.Run(name, func(t *testing.T) {
			root := doc(t, `{"components":{"schemas":{}},"list":[1,2],"n":1}`)
			c.File, c.Source, c.Why = "t.json", "src.rs:1", "test"
			err := (&Set{Corrections: []Correction{c}}).Apply(root)
			if err == nil {
				t.Fatal("applied")
			}
			if !strings.Contains(err.Error(), "t.json") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for name, body := range map[string]string{
		"area mismatch":   `{"area":"other","audit":[],"corrections":[]}`,
		"unknown field":   `{"area":"a","extra":1}`,
		"bad verdict":     `{"area":"a","audit":[{"operation":"GET /x","verdict":"unknown"}]}`,
		"no source":       `{"area":"a","corrections":[{"op":"remove","path":"/x","why":"w"}]}`,
		"no why":          `{"area":"a","corrections":[{"op":"remove","path":"/x","source":"s.rs:1"}]}`,
		"no value to add": `{"area":"a","corrections":[{"op":"add","path":"/x","source":"s.rs:1","why":"w"}]}`,
		"unknown op":      `{"area":"a","corrections":[{"op":"move","path":"/x","source":"s.rs:1","why":"w"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parse(fstest.MapFS{"a.json": {Data: []byte(body)}})
			if err == nil {
				t.Fatal("parsed")
			}
		})
	}
}

func TestOverlaps(t *testing.T) {
	set := &Set{Corrections: []Correction{
		{File: "a.json", Op: "replace", Path: "/components/schemas/S"},
		{File: "a.json", Op: "replace", Path: "/components/schemas/S/enum"}, // same file: sequential edits
		{File: "b.json", Op: "replace", Path: "/components/schemas/S/enum"},
		{File: "b.json", Op: "replace", Path: "/components/schemas/Sx"},
	}}
	got := set.Overlaps()
	if len(got) != 2 {
		t.Fatalf("overlaps %q, want the two a.json/b.json pairs on S", got)
	}
}
