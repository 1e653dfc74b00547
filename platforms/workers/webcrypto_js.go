//go:build js && wasm && !wacht_perrequest

package workers

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"sync"

	"github.com/wacht-platform/serverless-go/internal/sigverify"
)

func init() {
	// Go's P-256 and RSA code runs as plain Wasm here: an ES256 check
	// costs milliseconds. The runtime's WebCrypto does it natively, so the
	// kit's verifier asks the entry (worker.mjs, verify) first.
	sigverify.Set(webCryptoVerify)
}

// webCryptoAlgs are the JWS algorithms the entry maps to WebCrypto.
var webCryptoAlgs = map[string]bool{"ES256": true, "ES384": true, "ES512": true, "RS256": true, "RS384": true, "RS512": true}

// publicJWKs caches the JWK text of each key the verifier hands over (the
// verifier keeps one *ecdsa.PublicKey or *rsa.PublicKey per key of its key
// set, so the pointer identifies the key). Rotations and tenants add keys
// over an isolate's life, so the cache is emptied when it passes 256.
var publicJWKs = struct {
	sync.Mutex
	m map[crypto.PublicKey]string
}{m: map[crypto.PublicKey]string{}}

func webCryptoVerify(alg string, pub crypto.PublicKey, signed, sig []byte) (valid, handled bool) {
	if !webCryptoAlgs[alg] || !hostReady {
		return false, false
	}
	jwk, ok := publicJWK(pub)
	if !ok {
		return false, false
	}
	r := hostCall(func(id int32) { hostVerify(id, alg, jwk, asString(signed), asString(sig)) })
	if r.err() != nil {
		// The runtime refused the key or the check: Go decides.
		return false, false
	}
	return r.code == 1, true
}

func publicJWK(pub crypto.PublicKey) (string, bool) {
	publicJWKs.Lock()
	defer publicJWKs.Unlock()
	if v, ok := publicJWKs.m[pub]; ok {
		return v, true
	}
	b64 := base64.RawURLEncoding.EncodeToString
	var doc map[string]string
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		// The uncompressed point: 0x04, then X and Y at the curve's width.
		point, err := k.Bytes()
		if err != nil || len(point) < 3 || point[0] != 4 {
			return "", false
		}
		half := (len(point) - 1) / 2
		doc = map[string]string{"kty": "EC", "crv": k.Curve.Params().Name, "x": b64(point[1 : 1+half]), "y": b64(point[1+half:])}
	case *rsa.PublicKey:
		doc = map[string]string{"kty": "RSA", "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
	default:
		return "", false
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", false
	}
	if len(publicJWKs.m) >= 256 {
		clear(publicJWKs.m)
	}
	publicJWKs.m[pub] = string(b)
	return string(b), true
}
