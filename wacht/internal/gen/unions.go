package main

import (
	"bytes"
	"fmt"
	"strings"
)

// unionInfo describes a oneOf whose alternatives each carry a constant
// discriminator property: a serde internally tagged enum.
type unionInfo struct {
	tag      string // discriminator property, "type" or "kind"
	variants []unionVariant
}

type unionVariant struct {
	value  string  // the discriminator's value
	schema *object // properties of the variant, discriminator excluded
}

// union reports whether s is an internally tagged union and returns its
// variants with their properties merged (allOf of a component and the tag).
func (g *generator) union(s *object) *unionInfo {
	alts := s.list("oneOf")
	if len(alts) == 0 {
		return nil
	}
	u := &unionInfo{}
	for _, a := range alts {
		parts := []*object{a.(*object)}
		if all := a.(*object).list("allOf"); len(all) > 0 {
			parts = nil
			for _, p := range all {
				po := p.(*object)
				if n := refName(po); n != "" {
					po = g.schemas.obj(n)
				}
				parts = append(parts, po)
			}
		}
		merged := &object{vals: map[string]any{}}
		props := &object{vals: map[string]any{}}
		var required []any
		tag, value := "", ""
		for _, p := range parts {
			pp := p.obj("properties")
			if pp == nil {
				continue
			}
			for _, k := range pp.keys {
				ps := pp.obj(k)
				if c, ok := ps.get("const").(string); ok {
					tag, value = k, c
					continue
				}
				if _, dup := props.vals[k]; !dup {
					props.keys = append(props.keys, k)
				}
				props.vals[k] = ps
			}
			for _, r := range p.list("required") {
				if r != tag {
					required = append(required, r)
				}
			}
		}
		if tag == "" || (u.tag != "" && tag != u.tag) {
			return nil
		}
		u.tag = tag
		merged.keys = []string{"type", "properties", "required"}
		merged.vals["type"] = "object"
		merged.vals["properties"] = props
		merged.vals["required"] = required
		u.variants = append(u.variants, unionVariant{value: value, schema: merged})
	}
	return u
}

// writeUnion writes a tagged union as a struct with one pointer per
// variant, exactly one of which is set after decoding. A discriminator the
// client does not know yet is kept whole in Unknown, so a newer server
// does not break decoding of the answer around it.
func (g *generator) writeUnion(b *bytes.Buffer, name, component string, u *unionInfo) {
	var names []string
	for _, v := range u.variants {
		names = append(names, fmt.Sprintf("%q", v.value))
	}
	src := unionSources[component]
	if src == "" {
		panic("no server source recorded for union " + component)
	}
	src = "platform/" + src
	writeDoc(b, "", fmt.Sprintf("%s is a union the server tags by its %s field (%s; serde internally tagged enum, %s). Exactly one variant field is set; Unknown holds a variant this client does not know.",
		name, "`"+u.tag+"`", strings.Join(names, ", "), src))
	fmt.Fprintf(b, "type %s struct {\n", name)
	for _, v := range u.variants {
		fmt.Fprintf(b, "\t%s *%s%s\n", exported(v.value), name, exported(v.value))
	}
	b.WriteString("\t// Unknown is the raw JSON of a variant whose tag the client does not know.\n\tUnknown json.RawMessage\n}\n\n")

	fmt.Fprintf(b, "// %s returns the discriminator of the variant that is set.\nfunc (u %s) %s() string {\n\tswitch {\n", exported(u.tag), name, exported(u.tag))
	for _, v := range u.variants {
		fmt.Fprintf(b, "\tcase u.%s != nil:\n\t\treturn %q\n", exported(v.value), v.value)
	}
	fmt.Fprintf(b, "\t}\n\treturn unionTag(u.Unknown, %q)\n}\n\n", u.tag)

	fmt.Fprintf(b, "// UnmarshalJSON decodes the variant named by %s.\nfunc (u *%s) UnmarshalJSON(data []byte) error {\n", "`"+u.tag+"`", name)
	fmt.Fprintf(b, "\t*u = %s{}\n\tswitch unionTag(data, %q) {\n", name, u.tag)
	for _, v := range u.variants {
		fmt.Fprintf(b, "\tcase %q:\n\t\tu.%s = new(%s%s)\n\t\treturn json.Unmarshal(data, u.%s)\n", v.value, exported(v.value), name, exported(v.value), exported(v.value))
	}
	b.WriteString("\t}\n\tu.Unknown = append(json.RawMessage(nil), data...)\n\treturn nil\n}\n\n")

	fmt.Fprintf(b, "// MarshalJSON encodes the variant that is set with its %s.\nfunc (u %s) MarshalJSON() ([]byte, error) {\n\tswitch {\n", "`"+u.tag+"`", name)
	for _, v := range u.variants {
		fmt.Fprintf(b, "\tcase u.%s != nil:\n\t\treturn marshalTagged(%q, %q, u.%s)\n", exported(v.value), u.tag, v.value, exported(v.value))
	}
	b.WriteString("\tcase u.Unknown != nil:\n\t\treturn u.Unknown, nil\n\t}\n")
	fmt.Fprintf(b, "\treturn nil, errors.New(\"wacht: %s has no variant set\")\n}\n\n", name)

	for _, v := range u.variants {
		vn := name + exported(v.value)
		g.writeStruct(b, vn, v.schema, g.request[component], fmt.Sprintf("%s is the %q variant of %s.", vn, v.value, name))
	}
}

// unionSources cites the server type each union is generated from.
var unionSources = map[string]string{
	"AnswerValue":           "models/src/ask_user.rs:63",
	"ComposioEnableAppAuth": "models/src/composio.rs:134",
	"AiToolConfiguration":   "models/src/ai_tool.rs:86",
	"McpAuthConfig":         "models/src/mcp_server.rs:82",
	"ConversationContent":   "models/src/conversation.rs:62",
}
