//go:build unix

package workers_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/testtools"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// TestBenchWorkers is make bench-workers: under wrangler dev --local it
// measures the probe Worker (the kit, one Go instance per isolate) with no
// token, with a valid session token sent again and again (verification
// only: the probe's /probe/whoami makes no backend call), with a new valid
// token on every request (kit-token-new: no signature cache), and a plain
// route behind Kit.Handler (kit-ok); a minimal JavaScript Worker that
// answers a constant (js) or the kit's 401 (js-401); and the same probe
// built with the previous per-request entry (WORKERS_ENTRY=per-request:
// syumai/workers' glue, a fresh Go instance for every request). The cases
// take turns, in an order rotated every round, so load on the machine
// falls on all of them alike; 200 rounds by default (WACHT_BENCH_WORKERS_N
// sets another number). It prints first-request times apart, the median
// of each kit case's difference from the JavaScript Worker in the same
// round, and ends with one line:
//
//	workers-median-ms kit-notoken X kit-token Y js Z per-request W
//
// where W is the per-request entry's no-token median. It runs only with
// WACHT_BENCH_WORKERS=1.
func TestBenchWorkers(t *testing.T) {
	if os.Getenv("WACHT_BENCH_WORKERS") != "1" {
		t.Skip("a benchmark: make bench-workers runs it (WACHT_BENCH_WORKERS=1)")
	}
	n := 200
	if v, err := strconv.Atoi(os.Getenv("WACHT_BENCH_WORKERS_N")); err == nil && v >= 10 {
		n = v // more rounds, for a steadier median
	}
	repo := testtools.RepoRoot(t)
	cli := testtools.Wrangler(t)
	tree := t.TempDir()
	build := func(entry, out string) {
		cmd := exec.Command(filepath.Join(repo, "scripts", "build-workers.sh"), out, "platforms/workers/testdata/probe")
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "WORKERS_ENTRY="+entry)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("build-workers (%s): %v\n%s", entry, err, b)
		}
		fmt.Printf("%s\n", bytes.TrimSpace(b))
	}
	build("shared", filepath.Join(tree, "shared"))
	build("per-request", filepath.Join(tree, "per-request"))
	perDir := filepath.Join(tree, "per-request", "probe")
	cfg := filepath.Join(perDir, "wrangler.jsonc")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, bytes.Replace(b, []byte(`"wacht-probe"`), []byte(`"wacht-probe-per-request"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	jsDir := filepath.Join(tree, "js")
	if err := os.MkdirAll(jsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"worker.mjs":     "export default { fetch(r) { return r.url.endsWith(\"/401\") ? new Response('{\"error\":\"unauthenticated\",\"message\":\"a signed-in user is required\",\"request_id\":\"8e9f3c0d2a1b4c5d\"}', {status: 401, headers: {\"content-type\": \"application/json\", \"www-authenticate\": \"Bearer\", \"x-request-id\": \"8e9f3c0d2a1b4c5d\", \"cache-control\": \"no-store\"}}) : new Response(\"ok\"); } };\n",
		"wrangler.jsonc": `{"name": "wacht-bench-js", "main": "./worker.mjs", "compatibility_date": "2026-04-01"}` + "\n",
	} {
		if err := os.WriteFile(filepath.Join(jsDir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	wt := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	vars := map[string]string{
		"WACHT_API_KEY":         wt.APIKey,
		"WACHT_BACKEND_API_URL": wt.BackendURL,
		"WACHT_PUBLISHABLE_KEY": wt.PublishableKey,
	}
	kit := startWorker(t, cli, tree, filepath.Join(tree, "shared", "probe"), vars)
	per := startWorker(t, cli, tree, perDir, vars)
	js := startWorker(t, cli, tree, jsDir, nil)
	// Long enough for many rounds (the default lifetime is a minute).
	tok, err := wt.MintToken(wachttest.TokenOptions{Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	bearer := http.Header{"Authorization": {"Bearer " + tok}}
	// kit-token sends one token throughout, as a browser does until it
	// refreshes its token: after the first request the verifier's
	// signature cache skips the signature check. kit-token-new sends a
	// token the Worker has not seen on every request, so each is checked
	// (by WebCrypto).
	fresh := make([]http.Header, n)
	for i := range fresh {
		ft, err := wt.MintToken(wachttest.TokenOptions{UserID: fmt.Sprintf("user_bench_%d", i), Lifetime: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		fresh[i] = http.Header{"Authorization": {"Bearer " + ft}}
	}

	type benchCase struct {
		name, url string
		header    http.Header
		fresh     []http.Header // one per round, instead of header
		status    int
		took      []time.Duration
	}
	cases := []*benchCase{
		{name: "kit-notoken", url: kit.base + "/probe/whoami", status: http.StatusUnauthorized},
		{name: "kit-ok", url: kit.base + "/ok", status: http.StatusOK},
		{name: "kit-token", url: kit.base + "/probe/whoami", header: bearer, status: http.StatusOK},
		{name: "kit-token-new", url: kit.base + "/probe/whoami", fresh: fresh, status: http.StatusOK},
		{name: "js", url: js.base + "/", status: http.StatusOK},
		{name: "js-401", url: js.base + "/401", status: http.StatusUnauthorized},
		{name: "per-request-notoken", url: per.base + "/probe/whoami", status: http.StatusUnauthorized},
		{name: "per-request-token", url: per.base + "/probe/whoami", header: bearer, status: http.StatusOK},
	}
	// The first token request of each Go Worker builds the verifier and
	// fetches the key set (then puts it in the Cache API).
	fmt.Printf("first request (isolate and Go start): kit %.1f ms, per-request %.1f ms, js %.1f ms\n", ms(kit.first), ms(per.first), ms(js.first))
	for _, c := range []*benchCase{cases[2], cases[7]} {
		r := call(t, c.url, c.header)
		if r.status != c.status {
			t.Fatalf("%s: status %d body %s", c.name, r.status, r.body)
		}
		fmt.Printf("first token request (verifier built, key set fetched): %s %.1f ms\n", c.name, ms(r.took))
	}
	for i := range n {
		// Each round starts one case later: whichever case follows the
		// costly per-request entry (whose fresh Go instance leaves the
		// machine's caches cold) changes from round to round.
		for k := range cases {
			c := cases[(i+k)%len(cases)]
			h := c.header
			if c.fresh != nil {
				h = c.fresh[i]
			}
			r := call(t, c.url, h)
			if r.status != c.status {
				t.Fatalf("%s: status %d body %s", c.name, r.status, r.body)
			}
			c.took = append(c.took, r.took)
		}
	}
	// The same round's kit and JavaScript requests ran back to back, so
	// their difference is steadier than the difference of the medians when
	// the machine's load drifts during the run.
	byName := map[string]*benchCase{}
	for _, c := range cases {
		byName[c.name] = c
	}
	paired := func(name string) float64 {
		d := make([]time.Duration, n)
		for i := range n {
			d[i] = byName[name].took[i] - byName["js"].took[i]
		}
		slices.Sort(d)
		return ms(d[n/2])
	}
	pairs := fmt.Sprintf("paired with js in each round, median difference: kit-notoken %+.2f ms, kit-ok %+.2f ms, kit-token %+.2f ms, kit-token-new %+.2f ms",
		paired("kit-notoken"), paired("kit-ok"), paired("kit-token"), paired("kit-token-new"))
	median := map[string]float64{}
	fmt.Printf("%d requests each after the first, under wrangler dev --local (%s/%s, GOMAXPROCS %d):\n", n, runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	for _, c := range cases {
		sort.Slice(c.took, func(i, j int) bool { return c.took[i] < c.took[j] })
		median[c.name] = ms(c.took[len(c.took)/2])
		fmt.Printf("  %-20s median %7.2f ms  p10 %7.2f ms  p90 %7.2f ms\n", c.name, median[c.name], ms(c.took[len(c.took)/10]), ms(c.took[len(c.took)*9/10]))
	}
	fmt.Println(pairs)
	if up, err := exec.Command("uptime").Output(); err == nil {
		fmt.Printf("load: %s\n", bytes.TrimSpace(up))
	}
	fmt.Printf("workers-median-ms kit-notoken %.2f kit-token %.2f js %.2f per-request %.2f\n",
		median["kit-notoken"], median["kit-token"], median["js"], median["per-request-notoken"])
}
