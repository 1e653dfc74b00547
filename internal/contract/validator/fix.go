package validator

import (
	"fmt"
	"sort"
)

// fix rewrites the parsed document in place so that a JSON Schema 2020-12
// validator reads it as its authors meant, and reports each kind of change
// with its count.
//
// The changes:
//   - "nullable" on a path or query parameter is dropped (see
//     dropParameterNullable);
//   - "nullable": true next to a "type" becomes a type list with "null" (and
//     null joins an "enum", if any), the 3.1 spelling of the same rule;
//   - "nullable": true next to a "$ref" becomes anyOf [the ref, null];
//   - "nullable" with no type and no ref (a schema that already accepts any
//     value), and every "nullable": false, is dropped as meaningless in 3.1;
//   - ReplayWebhookDeliveryRequest, published as a bare string enum
//     ("ByIds"|"ByDateRange"), becomes the two objects the API and the
//     JavaScript SDK actually send: {delivery_ids, idempotency_key?} or
//     {start_date, end_date?, status?, event_name?, endpoint_id?,
//     idempotency_key?};
//   - operations that list only 200/400/401/404/500 gain the error statuses
//     the API also answers (403, 409, 413, 415, 422, 429, 501, 502, 503, 504)
//     with the document's own error body, so rate limiting, conflicts and
//     outages can be validated instead of being rejected as undocumented;
//     413 and 415 are there because axum's Json extractor answers them (a
//     body over the limit, no application/json Content-Type); like every
//     framework rejection (axum 0.8.1 answers in plain text) they reach the
//     client as the JSON error body, because the platform's routers wrap
//     every route in normalize_error_responses
//     (platform/src/application/router.rs:73,99), which rewrites any error
//     that is not application/json into {"errors":[{"message","code"}]}.
//     So no error status needs a text/plain body.
func fix(root map[string]any) []string {
	counts := map[string]int{}
	dropParameterNullable(root, counts)
	walkSchemas(root, counts)
	addErrorStatuses(root, counts)
	fixReplayRequest(root, counts)
	var out []string
	for k, n := range counts {
		out = append(out, fmt.Sprintf("%s (%d)", k, n))
	}
	sort.Strings(out)
	return out
}

// dropParameterNullable removes "nullable" from the schemas of path and
// query parameters: a URL carries no JSON null (an absent optional parameter
// is just absent), and the anyOf [ref, null] that nullable would become hides
// the referenced enum from the validator's parameter checks, so a sort_key
// the server's FromStr refuses would pass.
func dropParameterNullable(root map[string]any, counts map[string]int) {
	paths, _ := root["paths"].(map[string]any)
	for _, item := range paths {
		m, _ := item.(map[string]any)
		for _, method := range methods {
			op, _ := m[method].(map[string]any)
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				param, _ := p.(map[string]any)
				schema, _ := param["schema"].(map[string]any)
				if _, ok := schema["nullable"]; ok {
					delete(schema, "nullable")
					counts[`dropped "nullable" on a path or query parameter (a URL has no null)`]++
				}
			}
		}
	}
}

func walkSchemas(node any, counts map[string]int) {
	switch n := node.(type) {
	case map[string]any:
		if nb, ok := n["nullable"].(bool); ok {
			rewriteNullable(n, nb, counts)
		}
		for _, v := range n {
			walkSchemas(v, counts)
		}
	case []any:
		for _, v := range n {
			walkSchemas(v, counts)
		}
	}
}

func rewriteNullable(s map[string]any, nullable bool, counts map[string]int) {
	delete(s, "nullable")
	if !nullable {
		counts[`dropped "nullable": false`]++
		return
	}
	switch {
	case s["type"] != nil:
		switch t := s["type"].(type) {
		case string:
			s["type"] = []any{t, "null"}
		case []any:
			if !containsNull(t) {
				s["type"] = append(t, "null")
			}
		}
		if enum, ok := s["enum"].([]any); ok && !containsNull(enum) {
			s["enum"] = append(enum, nil)
		}
		counts[`"nullable": true with "type" -> type list with "null"`]++
	case s["$ref"] != nil:
		ref := s["$ref"]
		delete(s, "$ref")
		s["anyOf"] = []any{map[string]any{"$ref": ref}, map[string]any{"type": "null"}}
		counts[`"nullable": true with "$ref" -> anyOf [ref, null]`]++
	default:
		counts[`dropped "nullable": true on a schema without type or $ref (already accepts null)`]++
	}
}

func containsNull(list []any) bool {
	for _, v := range list {
		if v == nil || v == "null" {
			return true
		}
	}
	return false
}

var extraErrorStatuses = map[string]string{
	"403": "Forbidden",
	"409": "Conflict",
	"413": "Content Too Large",
	"415": "Unsupported Media Type",
	"422": "Unprocessable Entity",
	"429": "Too Many Requests",
	"501": "Not Implemented",
	"502": "Bad Gateway",
	"503": "Service Unavailable",
	"504": "Gateway Timeout",
}

func addErrorStatuses(root map[string]any, counts map[string]int) {
	paths, _ := root["paths"].(map[string]any)
	components, _ := root["components"].(map[string]any)
	if components == nil {
		components = map[string]any{}
		root["components"] = components
	}
	shared, _ := components["responses"].(map[string]any)
	if shared == nil {
		shared = map[string]any{}
		components["responses"] = shared
	}
	defined := false
	for _, item := range paths {
		m, _ := item.(map[string]any)
		for _, method := range methods {
			op, ok := m[method].(map[string]any)
			if !ok {
				continue
			}
			responses, _ := op["responses"].(map[string]any)
			template, ok := responses["500"].(map[string]any)
			if !ok {
				continue
			}
			if !defined {
				// One shared definition per status, all pointing at one
				// schema, so the validator compiles the error body once.
				schemas, _ := components["schemas"].(map[string]any)
				if schemas == nil {
					schemas = map[string]any{}
					components["schemas"] = schemas
				}
				content, _ := template["content"].(map[string]any)
				media, _ := content["application/json"].(map[string]any)
				schemas["KitErrorBody"] = deepCopy(media["schema"])
				for code, desc := range extraErrorStatuses {
					shared["KitError"+code] = map[string]any{
						"description": desc,
						"content": map[string]any{"application/json": map[string]any{
							"schema": map[string]any{"$ref": "#/components/schemas/KitErrorBody"},
						}},
					}
				}
				defined = true
			}
			for code := range extraErrorStatuses {
				if _, exists := responses[code]; exists {
					continue
				}
				responses[code] = map[string]any{"$ref": "#/components/responses/KitError" + code}
				counts["added error statuses 403/409/413/415/422/429/501/502/503/504 with the document's 500 body (operations x statuses)"]++
			}
		}
	}
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(t))
		for k, x := range t {
			c[k] = deepCopy(x)
		}
		return c
	case []any:
		c := make([]any, len(t))
		for i, x := range t {
			c[i] = deepCopy(x)
		}
		return c
	default:
		return v
	}
}

func fixReplayRequest(root map[string]any, counts map[string]int) {
	components, _ := root["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	cur, ok := schemas["ReplayWebhookDeliveryRequest"].(map[string]any)
	if !ok || cur["type"] != "string" {
		return
	}
	str := map[string]any{"type": "string"}
	schemas["ReplayWebhookDeliveryRequest"] = map[string]any{
		"oneOf": []any{
			map[string]any{
				"type":     "object",
				"required": []any{"delivery_ids"},
				"properties": map[string]any{
					"delivery_ids":    map[string]any{"type": "array", "items": str},
					"idempotency_key": str,
				},
			},
			map[string]any{
				"type":     "object",
				"required": []any{"start_date"},
				"properties": map[string]any{
					"start_date":      str,
					"end_date":        str,
					"status":          str,
					"event_name":      str,
					"endpoint_id":     str,
					"idempotency_key": str,
				},
			},
		},
	}
	counts[`ReplayWebhookDeliveryRequest: bare string enum -> oneOf [{delivery_ids}, {start_date, ...}] as the API takes it`]++
}
