package wachttest

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
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
	var he *httpError
	if errors.As(err, &he) {
		writeError(w, he.status, he.msg)
		return
	}
	writeError(w, http.StatusInternalServerError, err.Error())
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
