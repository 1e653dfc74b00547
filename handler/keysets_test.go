package handler_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/handler"
)

// Key sets outlive the instances that use them: with more tenant
// configurations than MaxInstances, every request evicts an instance, yet
// the issuer's key set is fetched once, not once per rebuilt verifier.
func TestKeySetsSurviveInstanceEviction(t *testing.T) {
	hosts := []string{"a.example", "b.example", "c.example", "d.example", "e.example"}
	f := newFixture(t, handler.Options{MaxInstances: 2, Resolve: func(r *http.Request, c handler.Config) (handler.Config, error) {
		// One issuer, five configurations: each host gets its own
		// backend client timeout, so each is a distinct warm instance.
		for i, h := range hosts {
			if r.Host == h {
				c.Client.Timeout = time.Duration(i+1) * time.Second
			}
		}
		return c, nil
	}})
	base := f.serve(t)
	tok := f.token(t)
	for round := range 3 {
		for _, h := range hosts {
			req, _ := http.NewRequest("GET", base+"/whoami", nil)
			req.Host = h
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("round %d host %s: %d", round, h, res.StatusCode)
			}
		}
	}
	st := f.kit.Stats()
	if st.VerifierBuilds < 15 {
		t.Fatalf("%d verifier builds: the instances were not evicted, so this test proves nothing", st.VerifierBuilds)
	}
	if n := f.emu.Stats().JWKSFetches; n != 1 {
		t.Fatalf("%d key-set fetches for 15 requests over 5 evicted configurations of one issuer, want 1", n)
	}
}
