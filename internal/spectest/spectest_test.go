package spectest

import (
	"strconv"
	"testing"
)

// noNulls fails for every null in v: the examples feed request and
// response bodies whose schemas seldom allow one.
func noNulls(t *testing.T, where string, v any) {
	t.Helper()
	switch v := v.(type) {
	case nil:
		t.Errorf("%s is null", where)
	case map[string]any:
		for k, e := range v {
			noNulls(t, where+"."+k, e)
		}
	case []any:
		for i, e := range v {
			noNulls(t, where+"["+strconv.Itoa(i)+"]", e)
		}
	}
}

func TestExampleRecursiveSchema(t *testing.T) {
	x := NewExampler(t)
	// SchemaField refers to itself through items_schema and properties; the
	// inner copies carry only what SchemaField requires.
	f := x.Component("SchemaField").(map[string]any)
	noNulls(t, "SchemaField", f)
	if _, ok := f["name"]; !ok {
		t.Errorf("outer SchemaField lacks its optional name: %v", f)
	}
	inner, ok := f["items_schema"].(map[string]any)
	if !ok {
		t.Fatalf("items_schema = %#v, want an object", f["items_schema"])
	}
	if len(inner) != 0 {
		t.Errorf("nested SchemaField = %v, want only its (no) required properties", inner)
	}
	tool := x.Component("AiToolWithDetails").(map[string]any)
	noNulls(t, "AiToolWithDetails", tool)
}

func TestExampleArrayBounds(t *testing.T) {
	x := NewExampler(t)
	d := x.Component("AgentDetailsResponse").(map[string]any)
	for _, k := range []string{"tools", "knowledge_bases"} {
		if got, ok := d[k].([]any); !ok || len(got) != 0 {
			t.Errorf("%s = %#v, want an empty array (maxItems 0)", k, d[k])
		}
	}
	got := x.Example(map[string]any{"type": "array", "minItems": 3.0, "items": map[string]any{"type": "integer"}}, 0)
	if a, _ := got.([]any); len(a) != 3 {
		t.Errorf("minItems 3 gave %#v", got)
	}
}

func TestExampleExactlyOne(t *testing.T) {
	x := NewExampler(t)
	e := x.Component("ExecuteAgentRequestType").(map[string]any)
	if len(e) != 1 || e["new_message"] == nil {
		t.Errorf("ExecuteAgentRequestType = %v, want exactly new_message", e)
	}
	noNulls(t, "ExecuteAgentRequestType", e)
}
