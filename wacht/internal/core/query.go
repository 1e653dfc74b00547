package core

import (
	"net/url"
	"strconv"
	"time"
)

// Helpers that add optional query parameters only when they are set.

// SetString sets name when v is not empty.
func SetString(q url.Values, name, v string) {
	if v != "" {
		q.Set(name, v)
	}
}

// SetInt sets name when v is not 0.
func SetInt(q url.Values, name string, v int64) {
	if v != 0 {
		q.Set(name, strconv.FormatInt(v, 10))
	}
}

// SetBool sets name to true when v is true.
func SetBool(q url.Values, name string, v bool) {
	if v {
		q.Set(name, "true")
	}
}

// SetTime sends a time as RFC 3339 in UTC, the spec's date-time format.
func SetTime(q url.Values, name string, v time.Time) {
	if !v.IsZero() {
		q.Set(name, v.UTC().Format(time.RFC3339Nano))
	}
}
