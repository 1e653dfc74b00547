//go:build js && wasm && wacht_perrequest

package workers

import (
	"errors"
	"syscall/js"
)

// Env looks name up in the Worker's env bindings: plain-text variables and
// secrets are returned as they are; JSON variables (objects, numbers,
// booleans in wrangler.jsonc's vars) as their JSON text. Bindings that are
// not values (KV namespaces, services) are reported absent.
//
// The bindings are those handed to the request being dispatched most
// recently. Workers give every request of an isolate the same bindings (a
// new deployment or secret starts new isolates), and the kit reads its
// configuration before its first await, while that request is the latest,
// so each request's configuration is its own.
func Env(name string) (string, bool) {
	v, err := envValue(name)
	if err != nil {
		return "", false
	}
	switch v.Type() {
	case js.TypeString:
		return v.String(), true
	case js.TypeNumber, js.TypeBoolean:
		return js.Global().Get("JSON").Call("stringify", v).String(), true
	case js.TypeObject:
		obj := js.Global().Get("Object")
		if !obj.Call("getPrototypeOf", v).Equal(obj.Get("prototype")) && !js.Global().Get("Array").Call("isArray", v).Bool() {
			return "", false // a binding such as a KV namespace, not a value
		}
		return js.Global().Get("JSON").Call("stringify", v).String(), true
	}
	return "", false
}

// envValue reads one binding, turning a missing runtime context (code
// running before any request) into an error rather than a panic.
func envValue(name string) (v js.Value, err error) {
	defer func() {
		if recover() != nil {
			err = errNoRuntime
		}
	}()
	env := runtimeContext.Get("env")
	if env.IsUndefined() || env.IsNull() {
		return js.Undefined(), errNoRuntime
	}
	return env.Get(name), nil
}

// errNoRuntime is envValue's answer outside a request.
var errNoRuntime = errors.New("workers: no Worker runtime context")
