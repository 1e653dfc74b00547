// Command probe is the Worker the platforms/workers tests and
// make bench-workers run under wrangler dev: the kit with routes that show
// what one Go instance does across requests. It is not a sample: its
// /probe routes tell any caller about the instance and can crash it.
//
//	GET /probe/instance  this Go instance's id, the requests it has served
//	                     (this one included), the kit's build counters and
//	                     the signature checks WebCrypto answered
//	GET /probe/whoami    a valid session token answers 200 with the user id
//	                     (verification only, no backend call); else 401
//	GET /probe/together?n=N
//	                     a valid session token waits until N such requests
//	                     are waiting in this instance at once, then each
//	                     answers 200 with its own user id
//	GET /probe/crash     panics in a goroutine of its own, ending the program
//	GET /probe/hang      never answers
//	anything else        200 "ok"
package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/sigverify"
	"github.com/wacht-platform/serverless-go/platforms/workers"
)

func main() {
	var served atomic.Int64
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	instance := hex.EncodeToString(id)

	// Count the verifier's key-set requests as they reach the Worker's
	// client, whichever source (binding, Cache API, network) answers them.
	var jwksRequests atomic.Int64
	client := workers.HTTPClient()
	next := client.Transport
	client.Transport = roundTripper(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/.well-known/jwks.json" {
			jwksRequests.Add(1)
		}
		return next.RoundTrip(r)
	})
	// Count the signature checks WebCrypto answers (the entry's
	// host.verify) rather than Go's own Wasm cryptography.
	var webCryptoChecks atomic.Int64
	if platform := sigverify.Get(); platform != nil {
		sigverify.Set(func(alg string, pub crypto.PublicKey, signed, sig []byte) (bool, bool) {
			valid, handled := platform(alg, pub, signed, sig)
			if handled {
				webCryptoChecks.Add(1)
			}
			return valid, handled
		})
	}
	kit := workers.New(handler.Options{HTTPClient: client})
	var gate barrier
	mux := http.NewServeMux()
	mux.HandleFunc("GET /probe/instance", func(w http.ResponseWriter, r *http.Request) {
		s := kit.Stats()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"instance":         instance,
			"requests":         served.Load(),
			"verifier_builds":  s.VerifierBuilds,
			"client_builds":    s.ClientBuilds,
			"jwks_requests":    jwksRequests.Load(),
			"webcrypto_checks": webCryptoChecks.Load(),
		})
	})
	mux.Handle("GET /probe/whoami", kit.Protect(handler.Require{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		auth, _ := handler.AuthFromContext(r.Context())
		_ = json.NewEncoder(w).Encode(map[string]string{"user_id": auth.UserID})
	})))
	mux.Handle("GET /probe/together", kit.Protect(handler.Require{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n < 1 {
			http.Error(w, "n must be a positive number", http.StatusBadRequest)
			return
		}
		if !gate.wait(r.Context(), n) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		auth, _ := handler.AuthFromContext(r.Context())
		_ = json.NewEncoder(w).Encode(map[string]string{"user_id": auth.UserID})
	})))
	mux.HandleFunc("GET /probe/crash", func(w http.ResponseWriter, r *http.Request) {
		go func() { panic("probe: forced crash") }()
		<-r.Context().Done()
	})
	mux.HandleFunc("GET /probe/hang", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})
	h := kit.Handler(mux)
	workers.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		h.ServeHTTP(w, r)
	}))
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// barrier lets requests through once n of them are waiting together.
type barrier struct {
	mu      sync.Mutex
	waiting int
	open    chan struct{}
}

func (b *barrier) wait(ctx context.Context, n int) bool {
	b.mu.Lock()
	if b.open == nil {
		b.open = make(chan struct{})
	}
	open := b.open
	b.waiting++
	if b.waiting >= n {
		close(b.open)
		b.open, b.waiting = nil, 0
	}
	b.mu.Unlock()
	select {
	case <-open:
		return true
	case <-ctx.Done():
		return false
	}
}
