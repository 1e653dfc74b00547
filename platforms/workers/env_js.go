//go:build js && wasm && !wacht_perrequest

package workers

import (
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"unsafe"
)

// Env looks name up in the Worker's env bindings: plain-text variables and
// secrets are returned as they are; JSON variables (objects, numbers,
// booleans in wrangler.jsonc's vars) as their JSON text. Bindings that are
// not values (KV namespaces, services) are reported absent.
//
// The bindings are those of the request dispatched most recently. Workers
// give every request of an isolate the same bindings (a new deployment or
// secret starts new isolates), and the kit reads its configuration before
// its first await, while that request is the latest, so each request's
// configuration is its own.
//
// The entry turns each distinct env object into one snapshot of its value
// bindings, so a lookup is a map read in Go, not a call into JavaScript.
func Env(name string) (string, bool) {
	s := currentEnv.Load()
	if s == nil {
		return "", false
	}
	v, ok := s.vars[name]
	return v, ok
}

type envSnapshot struct {
	id   int
	vars map[string]string
}

var currentEnv atomic.Pointer[envSnapshot]

// takeEnv copies the snapshot (a JSON object of strings) of request n's
// env into buf.
//
//go:wasmimport workers takeEnv
func takeEnv(n int32, buf unsafe.Pointer, size int32)

// loadEnv makes request n's env current: id names the env object (the
// entry numbers each one it sees), size is its snapshot's byte length.
func loadEnv(n int32, id, size int) {
	if s := currentEnv.Load(); s != nil && s.id == id {
		return
	}
	buf := make([]byte, size)
	takeEnv(n, unsafe.Pointer(unsafe.SliceData(buf)), int32(size))
	vars := map[string]string{}
	if err := json.Unmarshal(buf, &vars); err != nil {
		// The entry wrote it; this cannot happen short of a mismatched
		// worker.mjs. Say so without echoing the bindings' values.
		slog.Error("workers: unreadable env snapshot from the entry; is worker.mjs from this version of the package?")
	}
	currentEnv.Store(&envSnapshot{id: id, vars: vars})
}
