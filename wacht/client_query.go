package wacht

import (
	"net/url"
	"strconv"
	"time"
)

// Helpers that add optional query parameters only when they are set.

func setString(q url.Values, name, v string) {
	if v != "" {
		q.Set(name, v)
	}
}

func setInt(q url.Values, name string, v int64) {
	if v != 0 {
		q.Set(name, strconv.FormatInt(v, 10))
	}
}

func setBool(q url.Values, name string, v bool) {
	if v {
		q.Set(name, "true")
	}
}

// setTime sends a time as RFC 3339 in UTC, the spec's date-time format.
func setTime(q url.Values, name string, v time.Time) {
	if !v.IsZero() {
		q.Set(name, v.UTC().Format(time.RFC3339Nano))
	}
}
