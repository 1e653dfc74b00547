package wachttest

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// maxBody bounds every request body the emulator reads.
const maxBody = 8 << 20

type errorBody struct {
	Errors []errorItem `json:"errors"`
}

type errorItem struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
}

// writeError answers in the spec's error shape.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Errors: []errorItem{{Message: msg, Code: status}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Errors: []errorItem{{Message: "wachttest: encode response: " + err.Error(), Code: status}}})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// httpError is an error that carries the status to answer with.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(msg string) error { return &httpError{http.StatusBadRequest, msg} }
func notFound(msg string) error   { return &httpError{http.StatusNotFound, msg} }
func conflict(msg string) error   { return &httpError{http.StatusConflict, msg} }

func writeErr(w http.ResponseWriter, err error) {
	var rj *rejection
	if errors.As(err, &rj) {
		writeError(w, rj.status, normalizedMessage(rj.status))
		return
	}
	var he *httpError
	if errors.As(err, &he) {
		writeError(w, he.status, he.msg)
		return
	}
	writeError(w, http.StatusInternalServerError, err.Error())
}

// rejection is an answer of the server's web framework rather than of the
// application: axum's Json, Query and Path extractors refuse a request
// before a handler runs. axum (0.8.1 in the server's Cargo.lock) answers
// those in plain text, but every platform router wraps its routes in
// normalize_error_responses (platform/src/application/router.rs:73,99;
// the backend router at router/backend_router.rs:21), which replaces any
// error answer that is not application/json by the JSON error body with a
// fixed message for its status. So the client sees {"errors":[{"message":
// "Bad request","code":400}]} for a malformed body or query, "Invalid
// request payload" for a body that does not fit (422), and never axum's
// text. text keeps axum's wording for the emulator's log only.
type rejection struct {
	status int
	text   string
}

func (e *rejection) Error() string { return e.text }

// normalizedMessage is default_error_message_for_status
// (platform/src/application/router.rs:59).
func normalizedMessage(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "Bad request"
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return "Not found"
	case http.StatusMethodNotAllowed:
		return "Method not allowed"
	case http.StatusUnprocessableEntity:
		return "Invalid request payload"
	case http.StatusTooManyRequests:
		return "Rate limit exceeded"
	}
	if status >= 500 {
		return "Something went wrong"
	}
	return "Request failed"
}

// jsonRejection is axum 0.8's answer for a body its Json extractor cannot
// take (axum/src/extract/rejection.rs, axum/src/json.rs):
//   - no "Content-Type: application/json" (or +json): 415
//     "Expected request with `Content-Type: application/json`";
//   - a body that is not JSON (syntax or early end): 400
//     "Failed to parse the request body as JSON: ...";
//   - JSON that does not fit the target type (a missing required key, a
//     wrong type, an unknown enum value): 422
//     "Failed to deserialize the JSON body into the target type: ...".
func jsonSyntax(detail string) error {
	return &rejection{http.StatusBadRequest, "Failed to parse the request body as JSON: " + detail}
}

func jsonData(detail string) error {
	return &rejection{http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: " + detail}
}

// queryRejection is axum's Query extractor refusing the query string
// (FailedToDeserializeQueryString, 400).
func queryRejection(detail string) error {
	return &rejection{http.StatusBadRequest, "Failed to deserialize query string: " + detail}
}

// pathRejection is axum's Path extractor failing to parse a segment into
// the handler's type (ErrorKind::ParseErrorAtKey, 400,
// axum/src/extract/path/mod.rs).
func pathRejection(key, value, typ string) error {
	return &rejection{http.StatusBadRequest, fmt.Sprintf("Invalid URL: Cannot parse `%s` with value `%s` to a `%s`", key, value, typ)}
}

// bindJSON reads the body as axum's Json<T> extractor does for a serde
// struct: the body must be declared as JSON and be JSON, every key in
// required must be present and not null (a non-Option field without
// #[serde(default)]), and every value must fit v's Go type. A path in
// required may descend into arrays: "rules[].unit" requires unit in each
// element of rules, and "rules?[].unit" the same only when rules is sent.
// An empty body is not JSON: handlers whose server
// counterpart takes a Json body need one, even "{}".
func bindJSON(r *http.Request, v any, required ...string) error {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !(ct == "application/json" || strings.HasPrefix(ct, "application/") && strings.HasSuffix(ct, "+json")) {
		return &rejection{http.StatusUnsupportedMediaType, "Expected request with `Content-Type: application/json`"}
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return jsonSyntax(err.Error())
	}
	if len(b) > maxBody {
		return &rejection{http.StatusRequestEntityTooLarge, "Failed to buffer the request body: length limit exceeded"}
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return jsonData(err.Error())
		}
		return jsonSyntax(err.Error())
	}
	for _, path := range required {
		if missing := missingKey(doc, path); missing != "" {
			return jsonData("missing field `" + missing + "` (or null where a value is required)")
		}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return jsonData(err.Error())
	}
	return nil
}

// missingKey reports the first part of path absent (or null) in doc, or
// "" if path is there. Values of the wrong kind are left to the typed
// decode.
func missingKey(doc any, path string) string {
	head, rest, _ := strings.Cut(path, ".")
	each := strings.HasSuffix(head, "[]")
	head = strings.TrimSuffix(head, "[]")
	optional := strings.HasSuffix(head, "?")
	head = strings.TrimSuffix(head, "?")
	obj, ok := doc.(map[string]any)
	if !ok {
		return ""
	}
	v, ok := obj[head]
	if !ok || v == nil {
		if optional {
			return ""
		}
		return head
	}
	if rest == "" {
		return ""
	}
	if !each {
		return missingKey(v, rest)
	}
	items, _ := v.([]any)
	for _, it := range items {
		if m := missingKey(it, rest); m != "" {
			return m
		}
	}
	return ""
}

// flexID is a request id the server reads with its i64_as_string
// deserializers (models/src/utils/serde.rs) or FlexibleI64
// (dto/src/json/flexible_i64.rs): a JSON number or a string of decimal
// digits. It holds the canonical decimal string.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	var raw any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	var text string
	switch v := raw.(type) {
	case json.Number:
		text = v.String()
	case string:
		text = v
	default:
		return fmt.Errorf("invalid type: %s, expected an id as a number or a string", b)
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return fmt.Errorf("invalid id %q", text)
	}
	*f = flexID(strconv.FormatInt(n, 10))
	return nil
}

func flexIDs(ids []flexID) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, string(id))
	}
	return out
}

// decodeJSON reads a JSON body into v; an empty body leaves v unchanged.
func decodeJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return badRequest("read body: " + err.Error())
	}
	if len(b) > maxBody {
		return badRequest("request body too large")
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return badRequest("invalid JSON body: " + err.Error())
	}
	return nil
}

// form is a parsed multipart (or urlencoded) body.
type form struct {
	values map[string][]string
}

func parseForm(r *http.Request) (*form, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return nil, badRequest("invalid multipart body: " + err.Error())
		}
		return &form{values: r.MultipartForm.Value}, nil
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, badRequest("invalid form body: " + err.Error())
		}
		return &form{values: r.PostForm}, nil
	case "":
		return &form{values: map[string][]string{}}, nil
	default:
		return nil, badRequest("expected a multipart/form-data body, got " + ct)
	}
}

func (f *form) str(name string) (string, bool) {
	v, ok := f.values[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

func (f *form) boolean(name string) (bool, bool, error) {
	s, ok := f.str(name)
	if !ok {
		return false, false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, true, badRequest(name + ": not a boolean")
	}
	return b, true, nil
}

// object reads a field sent as a JSON object string (metadata).
func (f *form) object(name string) (map[string]any, bool, error) {
	s, ok := f.str(name)
	if !ok {
		return nil, false, nil
	}
	m := map[string]any{}
	if strings.TrimSpace(s) == "" {
		return m, true, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, true, badRequest(name + ": not a JSON object")
	}
	return m, true, nil
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return ""
	}
	return strings.TrimSpace(h[7:])
}

func constantEq(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// statusWriter records the status for logs.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
