package main

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

type resultKind int

const (
	resultNone resultKind = iota
	resultPage
	resultSlice
	resultPtr
	resultStream   // a file download, returned unread as an io.ReadCloser
	resultCursor   // one page of a cursor-paginated list
	resultOptional // a value, or {} when there is none
)

// result classifies what a method returns.
func (g *generator) result(o *operation) (resultKind, string, error) {
	if o.binary {
		return resultStream, "", nil
	}
	if alts := o.response.list("oneOf"); len(alts) == 2 {
		// {"oneOf": [a component, {}]}: the server writes an empty object
		// when there is nothing to return, which the method reports as nil:
		// get_latest_thread_task_graph (platform/src/api/agent_threads.rs:1113)
		// returns an Option that ApiSuccess flattens, None becoming {}
		// (platform/src/application/response.rs:19).
		if n := refName(alts[0].(*object)); n != "" && alts[1].(*object).str("type") == "object" {
			return resultOptional, g.enqueue(n), nil
		}
	}
	if n := refName(o.response); n != "" {
		// The corrected document names the answer's type; it wins over a
		// hand-written fallback in ops.go.
		return resultPtr, g.enqueue(n), nil
	}
	if o.op.result != "" {
		if s := o.response; s != nil && s.obj("properties") != nil && !g.inlineDone[o.op.result] {
			g.inlineDone[o.op.result] = true
			g.inline = append(g.inline, inlineType{name: o.op.result, schema: s,
				doc: fmt.Sprintf("%s is the result of %sService.%s.", o.op.result, o.svc, o.method)})
		}
		return resultPtr, o.op.result, nil
	}
	s := o.response
	if s == nil {
		return resultNone, "", nil
	}
	if n := refName(s); n != "" {
		return resultPtr, g.enqueue(n), nil
	}
	props := s.obj("properties")
	if props == nil || len(props.keys) == 0 {
		return resultNone, "", nil
	}
	if len(props.keys) == 1 && props.keys[0] == "success" {
		// {"success": true} is how ApiSuccess flattens a command that
		// returns json!({"success": true}) (platform/src/api/segments.rs):
		// the status already says so, so the method returns only an error.
		return resultNone, "", nil
	}
	if data := props.obj("data"); data != nil && data.str("type") == "array" {
		elem := g.goType(data.obj("items"), "", "data", false)
		if props.obj("next_cursor") != nil {
			return resultCursor, elem, nil
		}
		if o.hasQuery("limit") {
			return resultPage, elem, nil
		}
		return resultSlice, elem, nil
	}
	return 0, "", fmt.Errorf("%s: inline response schema needs a result type in ops.go", o.id)
}

func (o *operation) hasQuery(name string) bool {
	for _, q := range o.query {
		if q.str("name") == name {
			return true
		}
	}
	return false
}

func (o *operation) isPathParam(name string) bool {
	for _, p := range o.pathParams {
		if p == name {
			return true
		}
	}
	return false
}

// pathArg is the Go parameter name of a path parameter.
func pathArg(name string) string {
	return unexported(name)
}

func (g *generator) writeService(b *bytes.Buffer, svc, svcDoc string) error {
	var body bytes.Buffer
	typ := svc + "Service"
	writeDoc(&body, "", fmt.Sprintf("%s %s Use it through Client.%s.", typ, svcDoc, svc))
	fmt.Fprintf(&body, "type %s struct {\n\tclient *Client\n}\n\n", typ)

	paramsDone := map[string]bool{}
	for _, o := range g.ops {
		if o.svc != svc {
			continue
		}
		if o.params != "" && !paramsDone[o.params] && !g.paramsSeen(o.params) {
			paramsDone[o.params] = true
			g.markParams(o.params)
			if err := g.writeParams(&body, o); err != nil {
				return err
			}
		}
		if err := g.writeMethod(&body, typ, o); err != nil {
			return err
		}
	}
	b.WriteString(g.pkg.header())
	src := body.String()
	var imports []string
	for _, imp := range []struct{ pkg, use string }{
		{"context", "context."}, {"io", "io.ReadCloser"}, {"iter", "iter."}, {"net/http", "http."}, {"net/url", "url."},
		{"encoding/json", "json."}, {"strconv", "strconv."}, {"strings", "strings."}, {"time", "time."},
	} {
		if strings.Contains(src, imp.use) {
			imports = append(imports, fmt.Sprintf("%q", imp.pkg))
		}
	}
	sort.Strings(imports)
	if strings.Contains(src, "core.") {
		imports = append(imports, "", `"github.com/wacht-platform/serverless-go/wacht/internal/core"`)
	}
	fmt.Fprintf(b, "import (\n\t%s\n)\n\n", strings.Join(imports, "\n\t"))
	b.WriteString(src)
	return nil
}

var paramsWritten = map[string]bool{}

func (g *generator) paramsSeen(name string) bool { return paramsWritten[name] }
func (g *generator) markParams(name string)      { paramsWritten[name] = true }

// writeParams writes the params type of an operation: query parameters or a
// multipart form.
func (g *generator) writeParams(b *bytes.Buffer, o *operation) error {
	switch {
	case o.formBody != nil && o.jsonBody == nil:
		return g.writeFormParams(b, o)
	case len(o.query) > 0:
		return g.writeQueryParams(b, o)
	}
	return fmt.Errorf("%s: ops.go names params %s but the operation has neither query parameters nor a form", o.id, o.params)
}

type queryField struct {
	name, goName, goType string
	required             bool
	id                   bool // a decimal id, carried as a string
	doc                  string
	enum                 string // first value of an inline enumeration
}

func (g *generator) queryFields(o *operation) []queryField {
	var out []queryField
	for _, q := range o.query {
		name := q.str("name")
		if o.isPathParam(name) {
			continue // sent with the path argument's value
		}
		s := q.obj("schema")
		f := queryField{name: name, goName: exported(name), required: q.boolean("required"), doc: strings.TrimSpace(q.str("description"))}
		if e := s.list("enum"); len(e) > 0 {
			f.enum, _ = e[0].(string)
			var vals []string
			for _, v := range e {
				if str, ok := v.(string); ok {
					vals = append(vals, strconv.Quote(str))
				}
			}
			if f.doc == "" {
				f.doc = "one of " + strings.Join(vals, ", ")
			}
		}
		switch name {
		case "limit":
			f.goType = "int"
			f.doc = fmt.Sprintf("Limit is the page size, from 1 to %s; 0 means %s. Anything else is an error, never silently clamped.",
				g.pkg.ref("MaxPageSize"), g.pkg.ref("DefaultPageSize"))
		case "offset":
			f.goType = "int"
			f.doc = "Offset is the number of items to skip; it must not be negative."
		default:
			f.goType = g.goType(s, o.params, name, true)
			// Ids are strings everywhere else in the client (models,
			// path arguments); an id sent as a query parameter is one too,
			// so a caller passes Actor.ID as it is.
			if f.goType == "int64" && strings.HasSuffix(name, "_id") {
				f.goType, f.id = "string", true
			}
		}
		if d, ok := queryDocs[name]; ok {
			// The shared sentence first; what the audit found about this
			// operation's parser follows.
			if wire := strings.TrimSuffix(f.doc, "."); wire != "" && name != "limit" && name != "offset" {
				f.doc = f.goName + " " + d + " Server: " + wire + "."
			} else if name != "limit" && name != "offset" {
				f.doc = f.goName + " " + d
			}
		} else if f.doc != "" && name != "limit" && name != "offset" {
			f.doc = fmt.Sprintf("%s is sent as the %s query parameter: %s.", f.goName, "`"+name+"`", strings.TrimSuffix(f.doc, "."))
		}
		if f.doc == "" {
			req := "Optional"
			if f.required {
				req = "Required"
			}
			f.doc = fmt.Sprintf("%s is sent as the %s query parameter. %s.", f.goName, "`"+name+"`", req)
		}
		out = append(out, f)
	}
	// Limit and Offset lead, whatever order the spec lists them in.
	rank := func(f queryField) int {
		switch f.name {
		case "limit":
			return 0
		case "offset":
			return 1
		}
		return 2
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

func (g *generator) writeQueryParams(b *bytes.Buffer, o *operation) error {
	users := g.opsUsingParams(o.params)
	writeDoc(b, "", fmt.Sprintf("%s holds the query parameters of %s.", o.params, strings.Join(users, ", ")))
	fmt.Fprintf(b, "type %s struct {\n", o.params)
	fields := g.queryFields(o)
	for _, f := range fields {
		writeDoc(b, "\t", f.doc)
		fmt.Fprintf(b, "\t%s %s\n", f.goName, f.goType)
	}
	b.WriteString("}\n\n")

	fmt.Fprintf(b, "func (p %s) values() (url.Values, error) {\n\tq := url.Values{}\n", o.params)
	switch {
	case o.hasQuery("limit") && o.hasQuery("offset"):
		b.WriteString("\tif err := setPage(q, p.Limit, p.Offset); err != nil {\n\t\treturn nil, err\n\t}\n")
	case o.hasQuery("limit"):
		b.WriteString("\tif err := setPage(q, p.Limit, 0); err != nil {\n\t\treturn nil, err\n\t}\n")
	}
	for _, f := range fields {
		if f.name == "limit" || f.name == "offset" {
			continue
		}
		switch {
		case f.goType == "time.Time":
			if f.required {
				fmt.Fprintf(b, "\tif p.%s.IsZero() {\n\t\treturn nil, errRequired(%q)\n\t}\n", f.goName, o.params+"."+f.goName)
			}
			fmt.Fprintf(b, "\tsetTime(q, %q, p.%s)\n", f.name, f.goName)
		case f.goType == "int64":
			if f.required {
				fmt.Fprintf(b, "\tq.Set(%q, strconv.FormatInt(p.%s, 10))\n", f.name, f.goName)
			} else {
				fmt.Fprintf(b, "\tsetInt(q, %q, p.%s)\n", f.name, f.goName)
			}
		case f.goType == "bool":
			if f.required {
				fmt.Fprintf(b, "\tq.Set(%q, strconv.FormatBool(p.%s))\n", f.name, f.goName)
			} else {
				fmt.Fprintf(b, "\tsetBool(q, %q, p.%s)\n", f.name, f.goName)
			}
		case f.goType == "string":
			if f.required {
				fmt.Fprintf(b, "\tq.Set(%q, p.%s)\n", f.name, f.goName)
			} else {
				fmt.Fprintf(b, "\tsetString(q, %q, p.%s)\n", f.name, f.goName)
			}
		default: // enum
			if f.required {
				fmt.Fprintf(b, "\tq.Set(%q, string(p.%s))\n", f.name, f.goName)
			} else {
				fmt.Fprintf(b, "\tsetString(q, %q, string(p.%s))\n", f.name, f.goName)
			}
		}
	}
	b.WriteString("\treturn q, nil\n}\n\n")
	return nil
}

func (g *generator) opsUsingParams(params string) []string {
	var out []string
	for _, o := range g.ops {
		if o.params == params {
			out = append(out, o.svc+"Service."+o.method)
		}
	}
	return out
}

type formField struct {
	name, goName, goType, kind string
	required                   bool
	doc                        string
}

func (g *generator) formFields(o *operation) []formField {
	s := o.formBody
	req := map[string]bool{}
	for _, r := range s.list("required") {
		req[r.(string)] = true
	}
	var out []formField
	props := s.obj("properties")
	for _, p := range props.keys {
		ps := props.obj(p)
		f := formField{name: p, goName: exported(p), required: req[p], doc: strings.TrimSpace(ps.str("description"))}
		switch {
		case p == "supported_scopes":
			f.goType, f.kind = "[]string", "list"
			f.doc = "SupportedScopes are the scopes the app offers (sent comma-separated)."
		case p == "allow_dynamic_client_registration":
			// A text part the server compares against 1|true|yes|on
			// (platform/src/api/oauth/app_handlers.rs:55); "true" and "false" say it plainly.
			f.goType, f.kind = "*bool", "bool"
			f.doc = "AllowDynamicClientRegistration lets clients register themselves (sent as true or false)."
		case p == "scope_definitions":
			f.goType, f.kind = "[]OAuthScopeDefinition", "json"
			f.doc = "ScopeDefinitions describe each scope (sent as a JSON string)."
		case ps.str("format") == "binary":
			f.goType, f.kind = "*File", "file"
			if f.required && f.doc == "" {
				f.doc = fmt.Sprintf("%s is the file uploaded as the %s part (required).", f.goName, "`"+p+"`")
			}
			if f.doc == "" {
				f.doc = fmt.Sprintf("%s is an image file uploaded as the %s part.", f.goName, "`"+p+"`")
			}
		case ps.str("type") == "object":
			f.goType, f.kind = "map[string]any", "json"
			if f.doc == "" {
				f.doc = fmt.Sprintf("%s is sent as a JSON string in the %s part; nil leaves it unchanged.", f.goName, "`"+p+"`")
			}
		case ps.str("type") == "boolean":
			f.goType, f.kind = "*bool", "bool"
		case ps.str("type") == "string":
			f.goType, f.kind = "*string", "string"
			if f.required {
				f.goType = "string"
			}
		default:
			panic(fmt.Sprintf("%s: form field %s has an unsupported type", o.id, p))
		}
		if f.doc == "" {
			if f.required {
				f.doc = fmt.Sprintf("%s is required.", f.goName)
			} else {
				f.doc = fmt.Sprintf("%s is sent only when set.", f.goName)
			}
		} else if !strings.HasSuffix(f.doc, ".") {
			f.doc += "."
		}
		out = append(out, f)
	}
	return out
}

func (g *generator) writeFormParams(b *bytes.Buffer, o *operation) error {
	writeDoc(b, "", fmt.Sprintf("%s is the multipart/form-data body of %s.", o.params, strings.Join(g.opsUsingParams(o.params), ", ")))
	fmt.Fprintf(b, "type %s struct {\n", o.params)
	fields := g.formFields(o)
	for _, f := range fields {
		writeDoc(b, "\t", f.doc)
		fmt.Fprintf(b, "\t%s %s\n", f.goName, f.goType)
	}
	b.WriteString("}\n\n")
	fmt.Fprintf(b, "func (p %s) form() (*core.FormBody, error) {\n\tf := newForm()\n", o.params)
	for _, f := range fields {
		switch f.kind {
		case "string":
			if f.required {
				fmt.Fprintf(b, "\tf.Field(%q, p.%s)\n", f.name, f.goName)
			} else {
				fmt.Fprintf(b, "\tf.OptString(%q, p.%s)\n", f.name, f.goName)
			}
		case "bool":
			fmt.Fprintf(b, "\tf.OptBool(%q, p.%s)\n", f.name, f.goName)
		case "list":
			fmt.Fprintf(b, "\tif len(p.%s) > 0 {\n\t\tf.Field(%q, strings.Join(p.%s, \",\"))\n\t}\n", f.goName, f.name, f.goName)
		case "json":
			fmt.Fprintf(b, "\tif p.%s != nil {\n\t\tf.JSON(%q, p.%s)\n\t}\n", f.goName, f.name, f.goName)
		case "file":
			fmt.Fprintf(b, "\tf.file(%q, p.%s)\n", f.name, f.goName)
		}
	}
	b.WriteString("\treturn f.Finish()\n}\n\n")
	return nil
}

// writeMethod writes one service method (and its iterator, for paginated
// lists).
func (g *generator) writeMethod(b *bytes.Buffer, typ string, o *operation) error {
	kind, elem, err := g.result(o)
	if err != nil {
		return err
	}
	args := []string{"ctx context.Context"}
	var callArgs []string
	for _, p := range o.pathParams {
		callArgs = append(callArgs, pathArg(p))
	}
	if len(callArgs) > 0 {
		args = append(args, strings.Join(callArgs, ", ")+" string")
	}
	var bodyType, queryType string
	if o.jsonBody != nil && len(o.query) > 0 {
		// A JSON body and query parameters: both are arguments.
		queryType = o.params
		args = append(args, "params "+queryType)
	}
	switch {
	case o.op.body != "":
		bodyType = o.op.body
	case o.jsonBody != nil:
		n := refName(o.jsonBody)
		if n == "" {
			return fmt.Errorf("%s: inline JSON request bodies are not supported", o.id)
		}
		bodyType = g.enqueue(n)
	case o.formBody != nil:
		bodyType = o.params
	case len(o.query) > 0:
		if o.params == "" {
			return fmt.Errorf("%s: query parameters need a params type in ops.go", o.id)
		}
		bodyType = o.params
	}
	if bodyType != "" && queryType == "" {
		args = append(args, "params "+bodyType)
	} else if bodyType != "" {
		args = append(args, "body "+bodyType)
	}
	if o.takesAttachments() {
		args = append(args, "attachments ...*File")
	}
	var ret, zero string
	switch kind {
	case resultNone:
		ret, zero = "error", ""
	case resultPage:
		ret, zero = "(*Page["+elem+"], error)", "nil, "
	case resultSlice:
		ret, zero = "(["+"]"+elem+", error)", "nil, "
	case resultPtr, resultOptional:
		ret, zero = "(*"+elem+", error)", "nil, "
	case resultCursor:
		ret, zero = "(*CursorPage["+elem+"], error)", "nil, "
	case resultStream:
		ret, zero = "(io.ReadCloser, error)", "nil, "
	}

	doc := fmt.Sprintf("%s %s\n\nIt calls %s %s (%s).", o.method, o.doc, o.httpMethod, o.path, o.id)
	if kind == resultPage {
		doc += " Params.Limit and Params.Offset are validated; see " + g.pkg.ref("MaxPageSize") + "."
	}
	if o.takesAttachments() {
		doc += " With attachments the request is sent as multipart/form-data, each file an `attachments` part of at most 10 MiB " +
			"and the other fields as text; without, as JSON."
	}
	writeDoc(b, "", doc)
	fmt.Fprintf(b, "func (s *%s) %s(%s) %s {\n", typ, o.method, strings.Join(args, ", "), ret)
	pathExpr := fmt.Sprintf("%q", o.path)
	if len(o.pathParams) > 0 {
		fmt.Fprintf(b, "\tpath, err := buildPath(%q, %s)\n\tif err != nil {\n\t\treturn %serr\n\t}\n", o.path, strings.Join(callArgs, ", "), zero)
		pathExpr = "path"
	}
	queryExpr, bodyExpr := "nil", "nil"
	switch {
	case queryType != "":
		fmt.Fprintf(b, "\tquery, err := params.values()\n\tif err != nil {\n\t\treturn %serr\n\t}\n", zero)
		queryExpr, bodyExpr = "query", "body"
	case o.formBody != nil && o.jsonBody == nil:
		fmt.Fprintf(b, "\tbody, err := params.form()\n\tif err != nil {\n\t\treturn %serr\n\t}\n", zero)
		bodyExpr = "body"
	case bodyType != "" && len(o.query) == 0:
		bodyExpr = "params"
	case len(o.query) > 0:
		fmt.Fprintf(b, "\tquery, err := params.values()\n\tif err != nil {\n\t\treturn %serr\n\t}\n", zero)
		for _, q := range o.query {
			if o.isPathParam(q.str("name")) {
				fmt.Fprintf(b, "\tquery.Set(%q, %s)\n", q.str("name"), pathArg(q.str("name")))
			}
		}
		queryExpr = "query"
	}
	if o.takesAttachments() {
		// The server reads either body, telling them apart by Content-Type;
		// only the multipart one carries files.
		fmt.Fprintf(b, "\tvar payload any = %s\n\tif len(attachments) > 0 {\n\t\tform, err := attachmentForm(%s, attachments)\n"+
			"\t\tif err != nil {\n\t\t\treturn %serr\n\t\t}\n\t\tpayload = form\n\t}\n", bodyExpr, bodyExpr, zero)
		bodyExpr = "payload"
	}
	verb := "http.Method" + strings.ToUpper(o.httpMethod[:1]) + strings.ToLower(o.httpMethod[1:])
	switch kind {
	case resultNone:
		fmt.Fprintf(b, "\treturn s.client.do(ctx, %s, %s, %s, %s, nil)\n}\n\n", verb, pathExpr, queryExpr, bodyExpr)
	case resultPage:
		fmt.Fprintf(b, "\tvar out Page[%s]\n\tif err := s.client.do(ctx, %s, %s, %s, %s, &out); err != nil {\n\t\treturn nil, err\n\t}\n\treturn &out, nil\n}\n\n", elem, verb, pathExpr, queryExpr, bodyExpr)
	case resultSlice:
		fmt.Fprintf(b, "\tvar out Page[%s]\n\tif err := s.client.do(ctx, %s, %s, %s, %s, &out); err != nil {\n\t\treturn nil, err\n\t}\n\treturn out.Data, nil\n}\n\n", elem, verb, pathExpr, queryExpr, bodyExpr)
	case resultStream:
		fmt.Fprintf(b, "\treturn s.client.stream(ctx, %s, %s, %s)\n}\n\n", verb, pathExpr, queryExpr)
	case resultCursor:
		fmt.Fprintf(b, "\tvar out CursorPage[%s]\n\tif err := s.client.do(ctx, %s, %s, %s, %s, &out); err != nil {\n\t\treturn nil, err\n\t}\n\treturn &out, nil\n}\n\n", elem, verb, pathExpr, queryExpr, bodyExpr)
	case resultOptional:
		fmt.Fprintf(b, "\tvar raw json.RawMessage\n\tif err := s.client.do(ctx, %s, %s, %s, %s, &raw); err != nil {\n\t\treturn nil, err\n\t}\n", verb, pathExpr, queryExpr, bodyExpr)
		fmt.Fprintf(b, "\treturn decodeOptional[%s](raw, %s, %s)\n}\n\n", elem, verb, pathExpr)
	case resultPtr:
		target := "&out"
		if o.op.result != "" && o.response != nil && refName(o.response) == "" && o.response.obj("properties") == nil {
			target = "unwrapData(&out)" // the spec leaves this response untyped
		}
		fmt.Fprintf(b, "\tvar out %s\n\tif err := s.client.do(ctx, %s, %s, %s, %s, %s); err != nil {\n\t\treturn nil, err\n\t}\n\treturn &out, nil\n}\n\n", elem, verb, pathExpr, queryExpr, bodyExpr, target)
	}

	if o.all != "" && kind == resultCursor {
		idoc := fmt.Sprintf("%s returns an iterator over all results of %s matching params, starting at params.Cursor. "+
			"It follows NextCursor from page to page as the loop asks for more, stops after the last page, and yields a "+
			"non-nil error (then stops) when a page cannot be fetched.", o.all, o.method)
		writeDoc(b, "", idoc)
		pathArgs := ""
		if len(callArgs) > 0 {
			pathArgs = strings.Join(callArgs, ", ") + ", "
		}
		fmt.Fprintf(b, "func (s *%s) %s(ctx context.Context, %s) iter.Seq2[%s, error] {\n", typ, o.all, strings.Join(args[1:], ", "), elem)
		fmt.Fprintf(b, "\treturn cursorPaginate(params.Cursor, func(cursor string) (*CursorPage[%s], error) {\n", elem)
		fmt.Fprintf(b, "\t\tparams.Cursor = cursor\n\t\treturn s.%s(ctx, %sparams)\n\t})\n}\n\n", o.method, pathArgs)
		return nil
	}
	if o.all != "" {
		if kind != resultPage {
			return fmt.Errorf("%s: iterator %s on a method that does not return a page", o.id, o.all)
		}
		noun := strings.ToLower(strings.Join(words(strings.TrimPrefix(o.method, "List")), " "))
		if noun == "" {
			noun = strings.ToLower(strings.Join(words(o.svc), " "))
		}
		idoc := fmt.Sprintf("%s returns an iterator over all %s matching params, starting at params.Offset. "+
			"It fetches pages of params.Limit items ("+g.pkg.ref("DefaultPageSize")+" when 0) through %s as the loop asks for more, "+
			"stops after the last page, and yields a non-nil error (then stops) when a page cannot be fetched.", o.all, noun, o.method)
		writeDoc(b, "", idoc)
		pathArgs := ""
		if len(callArgs) > 0 {
			pathArgs = strings.Join(callArgs, ", ") + ", "
		}
		argsNoCtx := strings.Join(args[1:], ", ")
		fmt.Fprintf(b, "func (s *%s) %s(ctx context.Context, %s) iter.Seq2[%s, error] {\n", typ, o.all, argsNoCtx, elem)
		fmt.Fprintf(b, "\treturn paginate(params.Limit, params.Offset, func(limit, offset int) (*Page[%s], error) {\n", elem)
		fmt.Fprintf(b, "\t\tparams.Limit, params.Offset = limit, offset\n\t\treturn s.%s(ctx, %sparams)\n\t})\n}\n\n", o.method, pathArgs)
	}
	return nil
}

// queryDocs documents query parameters that recur across operations.
var queryDocs = map[string]string{
	"search":           "filters the list by a free-text match; empty means no filter.",
	"sort_key":         "chooses the field the list is sorted by; empty leaves the server's default.",
	"sort_order":       "chooses ascending or descending order; empty leaves the server's default.",
	"include_inactive": "also lists inactive entries when true.",
	"include_expired":  "also lists expired sessions when true.",
	"include_deleted":  "also lists deleted invitations when true.",
	"workspace_id":     "limits the list to one workspace; empty means all.",
	"from":             "is the start of the time range (required).",
	"to":               "is the end of the time range (required).",
	"granularity":      "is the bucket size of the series (for example \"day\"); empty leaves the server's default.",
	"tz":               "is the IANA time zone buckets are aligned to; empty means UTC.",
	"start_date":       "is the start of the time range; zero means unbounded.",
	"end_date":         "is the end of the time range; zero means unbounded.",
	"key_id":           "limits the result to one API key; empty means all.",
	"endpoint_id":      "limits the result to one endpoint; empty means all.",
	"app_id":           "limits the result to one app; empty means all.",
	"cursor":           "is the NextCursor of the previous page; empty starts at the newest entry.",
	"outcome":          "filters by outcome, as the gateway logs it: \"VALID\" or \"BLOCKED\"; empty means all.",
	"event_name":       "filters by event name; empty means all.",
	"status":           "filters by delivery status; empty means all.",
	"since":            "limits the list to deliveries at or after this time; zero means unbounded.",
	"until":            "limits the list to deliveries before this time; zero means unbounded.",
	"interval":         "is the bucket size of the series.",
	"deployment_id":    "is the deployment the figures belong to (required).",
	"top_limit":        "is how many entries each top list holds.",
}

// takesAttachments reports whether the operation accepts a JSON body or a
// multipart one whose `attachments` parts are files (the task board item
// and comment calls): the method then takes the files as a variadic
// argument and picks the encoding by whether any are given.
func (o *operation) takesAttachments() bool {
	if o.jsonBody == nil || o.formBody == nil {
		return false
	}
	a := o.formBody.obj("properties").obj("attachments")
	return a != nil && a.str("type") == "array" && a.obj("items").str("format") == "binary"
}
