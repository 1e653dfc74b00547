package wacht

import (
	"io"

	"github.com/wacht-platform/serverless-go/wacht/internal/core"
)

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

// formWriter adds the File type of this package to the shared form builder.
type formWriter struct{ *core.Form }

func newForm() formWriter { return formWriter{core.NewForm()} }

func (f formWriter) file(name string, file *File) {
	if file != nil {
		f.File(name, file.Name, file.ContentType, file.Content)
	}
}
