package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"strconv"
	"strings"
)

// MaxUploadBytes bounds a file sent in a multipart request.
const MaxUploadBytes = 10 << 20

// FormBody is an encoded multipart/form-data body; Do sends it as it is.
type FormBody struct {
	Data        []byte
	ContentType string
}

// Form builds a multipart body, keeping the first error.
type Form struct {
	buf bytes.Buffer
	w   *multipart.Writer
	err error
}

// NewForm starts an empty form.
func NewForm() *Form {
	f := &Form{}
	f.w = multipart.NewWriter(&f.buf)
	return f
}

// Field adds a text part.
func (f *Form) Field(name, value string) {
	if f.err == nil {
		f.err = f.w.WriteField(name, value)
	}
}

// OptString adds a text part when v is not nil.
func (f *Form) OptString(name string, v *string) {
	if v != nil {
		f.Field(name, *v)
	}
}

// OptBool adds "true" or "false" when v is not nil.
func (f *Form) OptBool(name string, v *bool) {
	if v != nil {
		f.Field(name, strconv.FormatBool(*v))
	}
}

// JSON sends a structured field (metadata, scope definitions) as a JSON
// string, the way the API expects it in a form.
func (f *Form) JSON(name string, v any) {
	if f.err != nil {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		f.err = fmt.Errorf("wacht: encode form field %s: %w", name, err)
		return
	}
	f.Field(name, string(data))
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

// File adds a file part of at most MaxUploadBytes. A nil content is an
// error: the caller set a file without bytes.
func (f *Form) File(name, filename, contentType string, content io.Reader) {
	if f.err != nil {
		return
	}
	if content == nil {
		f.err = fmt.Errorf("wacht: form field %s: File.Content is nil: %w", name, ErrInvalidParams)
		return
	}
	if filename == "" {
		filename = name
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, quoteEscaper.Replace(name), quoteEscaper.Replace(filename)))
	h.Set("Content-Type", contentType)
	part, err := f.w.CreatePart(h)
	if err != nil {
		f.err = err
		return
	}
	n, err := io.Copy(part, io.LimitReader(content, MaxUploadBytes+1))
	if err != nil {
		f.err = fmt.Errorf("wacht: read form file %s: %w", name, err)
		return
	}
	if n > MaxUploadBytes {
		f.err = fmt.Errorf("wacht: form file %s is larger than %d bytes: %w", name, MaxUploadBytes, ErrInvalidParams)
	}
}

// Finish closes the form and returns its body, or the first error.
func (f *Form) Finish() (*FormBody, error) {
	if f.err != nil {
		return nil, f.err
	}
	if err := f.w.Close(); err != nil {
		return nil, err
	}
	if f.buf.Len() == 0 {
		return nil, errors.New("wacht: empty form")
	}
	return &FormBody{Data: f.buf.Bytes(), ContentType: f.w.FormDataContentType()}, nil
}
