package wacht

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

// maxUploadBytes bounds a file sent in a multipart request.
const maxUploadBytes = 10 << 20

// File is a file sent in a multipart/form-data request, such as a profile
// image. Content is read once, when the request is built.
type File struct {
	// Name is the file name reported to the server, e.g. "avatar.png".
	Name string
	// ContentType is the media type, e.g. "image/png". Empty means
	// application/octet-stream.
	ContentType string
	// Content supplies the bytes (at most 10 MiB).
	Content io.Reader
}

// formBody is an encoded multipart/form-data body.
type formBody struct {
	data        []byte
	contentType string
}

// formWriter builds a multipart body, keeping the first error.
type formWriter struct {
	buf bytes.Buffer
	w   *multipart.Writer
	err error
}

func newForm() *formWriter {
	f := &formWriter{}
	f.w = multipart.NewWriter(&f.buf)
	return f
}

func (f *formWriter) field(name, value string) {
	if f.err == nil {
		f.err = f.w.WriteField(name, value)
	}
}

func (f *formWriter) optString(name string, v *string) {
	if v != nil {
		f.field(name, *v)
	}
}

func (f *formWriter) optBool(name string, v *bool) {
	if v != nil {
		f.field(name, strconv.FormatBool(*v))
	}
}

// json sends a structured field (metadata, scope definitions) as a JSON
// string, the way the API expects it in a form.
func (f *formWriter) json(name string, v any) {
	if f.err != nil {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		f.err = fmt.Errorf("wacht: encode form field %s: %w", name, err)
		return
	}
	f.field(name, string(data))
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

func (f *formWriter) file(name string, file *File) {
	if f.err != nil || file == nil {
		return
	}
	if file.Content == nil {
		f.err = fmt.Errorf("wacht: form field %s: File.Content is nil: %w", name, ErrInvalidParams)
		return
	}
	filename := file.Name
	if filename == "" {
		filename = name
	}
	ct := file.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, quoteEscaper.Replace(name), quoteEscaper.Replace(filename)))
	h.Set("Content-Type", ct)
	part, err := f.w.CreatePart(h)
	if err != nil {
		f.err = err
		return
	}
	n, err := io.Copy(part, io.LimitReader(file.Content, maxUploadBytes+1))
	if err != nil {
		f.err = fmt.Errorf("wacht: read form file %s: %w", name, err)
		return
	}
	if n > maxUploadBytes {
		f.err = fmt.Errorf("wacht: form file %s is larger than %d bytes: %w", name, maxUploadBytes, ErrInvalidParams)
	}
}

func (f *formWriter) finish() (*formBody, error) {
	if f.err != nil {
		return nil, f.err
	}
	if err := f.w.Close(); err != nil {
		return nil, err
	}
	if f.buf.Len() == 0 {
		return nil, errors.New("wacht: empty form")
	}
	return &formBody{data: f.buf.Bytes(), contentType: f.w.FormDataContentType()}, nil
}
