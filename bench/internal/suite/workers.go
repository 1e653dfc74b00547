package suite

import (
	"fmt"
	"strconv"
	"strings"
)

// WorkersReport is item 6: the Cloudflare Workers entry under wrangler dev
// --local, as platforms/workers' TestBenchWorkers (make bench-workers)
// measures it: the kit with one Go instance per isolate, a constant
// JavaScript Worker, and the per-request entry used before.
type WorkersReport struct {
	// Medians in milliseconds, per request after the first.
	KitNoTokenMS float64 `json:"kit_notoken_ms"`
	KitTokenMS   float64 `json:"kit_token_ms"`
	JSMS         float64 `json:"js_ms"`
	PerRequestMS float64 `json:"per_request_ms"`
	// KitTokenNewMS is the median with a token the Worker has not seen on
	// every request (no signature cache); 0 when the output has no such
	// row.
	KitTokenNewMS float64 `json:"kit_token_new_ms,omitempty"`
	// Lines is the measurement's own report (sizes, first requests, the
	// table, the machine's load), as printed.
	Lines []string `json:"lines"`
}

// ParseWorkersOutput reads TestBenchWorkers' output: every line it printed
// and the closing "workers-median-ms kit-notoken X kit-token Y js Z
// per-request W" line.
func ParseWorkersOutput(out string) (*WorkersReport, error) {
	r := &WorkersReport{}
	found := false
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "workers-median-ms ") {
			f := strings.Fields(l)
			if len(f) != 9 {
				return nil, fmt.Errorf("workers: malformed line %q", l)
			}
			dst := map[string]*float64{"kit-notoken": &r.KitNoTokenMS, "kit-token": &r.KitTokenMS, "js": &r.JSMS, "per-request": &r.PerRequestMS}
			for i := 1; i+1 < len(f); i += 2 {
				p, ok := dst[f[i]]
				if !ok {
					return nil, fmt.Errorf("workers: unknown field %q in %q", f[i], l)
				}
				v, err := strconv.ParseFloat(f[i+1], 64)
				if err != nil {
					return nil, fmt.Errorf("workers: %q: %w", l, err)
				}
				*p = v
			}
			found = true
			continue
		}
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "kit-token-new" && f[1] == "median" {
			if v, err := strconv.ParseFloat(f[2], 64); err == nil {
				r.KitTokenNewMS = v
			}
		}
		if l == "" || strings.HasPrefix(l, "=== RUN") || strings.HasPrefix(l, "--- ") || l == "PASS" || strings.HasPrefix(l, "ok ") {
			continue
		}
		r.Lines = append(r.Lines, l)
	}
	if !found {
		return nil, fmt.Errorf("workers: no workers-median-ms line in the output")
	}
	return r, nil
}

func (r *WorkersReport) markdown(w func(string, ...any)) {
	w("## 6. Cloudflare Workers\n\n")
	w("Under `wrangler dev --local` (workerd on this machine), measured by `make bench-workers` (platforms/workers TestBenchWorkers): the probe Worker (kit, one Go instance per isolate) with no token (401), with one valid session token sent on every request (verification only, no backend call; after the first request the verifier's signature cache skips the signature check), with a new valid token on every request (each signature checked, by WebCrypto), a JavaScript Worker answering a constant, and the same probe on the per-request entry used before (a fresh Go instance per request). Requests take turns, so load falls on all alike; medians per request after the first, in ms.\n\n")
	w("| kit, no token | kit, token | kit, new token each request | constant JS Worker | per-request entry, no token |\n| ---: | ---: | ---: | ---: | ---: |\n")
	w("| %.2f | %.2f | %.2f | %.2f | %.2f |\n\n", r.KitNoTokenMS, r.KitTokenMS, r.KitTokenNewMS, r.JSMS, r.PerRequestMS)
	w("```\n%s\n```\n\n", strings.Join(r.Lines, "\n"))
}
