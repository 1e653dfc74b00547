package wacht

import (
	"net/url"
	"time"

	"github.com/wacht-platform/serverless-go/wacht/internal/core"
)

// Helpers that add optional query parameters only when they are set; the
// generated services call them by these short names.

func setString(q url.Values, name, v string)         { core.SetString(q, name, v) }
func setInt(q url.Values, name string, v int64)      { core.SetInt(q, name, v) }
func setBool(q url.Values, name string, v bool)      { core.SetBool(q, name, v) }
func setTime(q url.Values, name string, v time.Time) { core.SetTime(q, name, v) }
func setPage(q url.Values, limit, offset int) error  { return core.SetPage(q, limit, offset) }
func errRequired(field string) error                 { return core.ErrRequired(field) }

func buildPath(template string, values ...string) (string, error) {
	return core.BuildPath(template, values...)
}
