package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract/corrections"
)

// TestApplyOrdered checks that the generator's corrections keep the
// document's key order (struct fields follow it) and agree with the
// validator's applier on the result.
func TestApplyOrdered(t *testing.T) {
	src := `{"components":{"schemas":{"Page":{"properties":{"data":{},"total":{},"limit":{}}},"E":{"enum":["Asc","Desc"]}}},"list":[1,2,3]}`
	v, err := parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	doc := v.(*object)
	for _, c := range []corrections.Correction{
		{Op: "remove", Path: "/components/schemas/Page/properties/total"},
		{Op: "add", Path: "/components/schemas/Page/properties/has_more", Value: json.RawMessage(`{"type":"boolean"}`)},
		{Op: "replace", Path: "/components/schemas/E/enum", Value: json.RawMessage(`["asc","desc"]`)},
		{Op: "remove", Path: "/list/0"},
		{Op: "add", Path: "/list/-", Value: json.RawMessage(`4`)},
		{Op: "add", Path: "/list/0", Value: json.RawMessage(`0`)},
	} {
		if err := applyOrdered(doc, c); err != nil {
			t.Fatalf("%s %s: %v", c.Op, c.Path, err)
		}
	}
	props := doc.obj("components").obj("schemas").obj("Page").obj("properties")
	if got := strings.Join(props.keys, ","); got != "data,limit,has_more" {
		t.Errorf("keys %s, want data,limit,has_more", got)
	}
	if got := doc.obj("components").obj("schemas").obj("E").list("enum"); len(got) != 2 || got[0] != "asc" {
		t.Errorf("enum %v", got)
	}
	if got := doc.list("list"); len(got) != 4 || got[0] != json.Number("0") || got[3] != json.Number("4") {
		t.Errorf("list %v", got)
	}
	for _, bad := range []corrections.Correction{
		{Op: "replace", Path: "/components/schemas/Nope", Value: json.RawMessage(`1`)},
		{Op: "remove", Path: "/list/9"},
		{Op: "add", Path: "/missing/x", Value: json.RawMessage(`1`)},
	} {
		if err := applyOrdered(doc, bad); err == nil {
			t.Errorf("%s %s applied", bad.Op, bad.Path)
		}
	}
}
