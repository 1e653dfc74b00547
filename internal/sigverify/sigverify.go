// Package sigverify lets a platform check JWS signatures with its own
// cryptography instead of Go's. On Cloudflare Workers the kit runs as
// WebAssembly, where Go's P-256 and RSA code is plain Wasm: one ES256 check
// takes milliseconds, while the runtime's WebCrypto does it natively.
// platforms/workers installs a Func; package auth asks it first.
package sigverify

import (
	"crypto"
	"sync/atomic"
)

// Func checks sig, a JWS signature as it appears in the token (for ECDSA
// the fixed-width r||s), over signed with pub for the JWS algorithm alg.
// handled false leaves the check to Go: the platform does not support the
// algorithm or key, or could not run the check.
type Func func(alg string, pub crypto.PublicKey, signed, sig []byte) (valid, handled bool)

var platform atomic.Pointer[Func]

// Set installs f; nil goes back to Go's own verification.
func Set(f Func) {
	if f == nil {
		platform.Store(nil)
		return
	}
	platform.Store(&f)
}

// Get returns the installed Func, or nil.
func Get() Func {
	if f := platform.Load(); f != nil {
		return *f
	}
	return nil
}
