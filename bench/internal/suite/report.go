package suite

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Env records where and how the numbers were measured.
type Env struct {
	Date      string `json:"date"`
	GoVersion string `json:"go_version"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	CPU       string `json:"cpu"`
	NumCPU    int    `json:"num_cpu"`
	Commit    string `json:"commit,omitempty"`
	Mode      string `json:"mode"`
	Rounds    int    `json:"rounds"`
	PerRunMS  int    `json:"per_run_ms"`
	Seconds   int    `json:"seconds,omitempty"`
}

// RatioLine is one "ours ÷ theirs" figure in ns/op.
type RatioLine struct {
	Metric string  `json:"metric"`
	Anchor string  `json:"anchor"`
	Value  float64 `json:"value"`
}

// String is the quick mode's line: "ratio <metric> <anchor> <value>".
func (r RatioLine) String() string {
	return fmt.Sprintf("ratio %s %s %.3f", r.Metric, r.Anchor, r.Value)
}

// AdapterScenario is one workload's interleaved measurement.
type AdapterScenario struct {
	Scenario string   `json:"scenario"`
	Version  string   `json:"version"`
	Workload string   `json:"workload"`
	Results  []Result `json:"results"`
	// KitOver is the kit's paired ns/op ratio to each other contender.
	KitOver map[string]float64 `json:"kit_over"`
}

// AuthReport is the authentication measurement.
type AuthReport struct {
	Results []Result           `json:"results"`
	KitOver map[string]float64 `json:"kit_over"`
}

// Spread summarises repeated timings in milliseconds.
type Spread struct {
	Median float64   `json:"median_ms"`
	Min    float64   `json:"min_ms"`
	Max    float64   `json:"max_ms"`
	P25    float64   `json:"p25_ms"`
	P75    float64   `json:"p75_ms"`
	Runs   []float64 `json:"runs_ms"`
}

// NewSpread summarises ds.
func NewSpread(ds []time.Duration) Spread {
	ms := make([]float64, len(ds))
	for i, d := range ds {
		ms[i] = float64(d.Microseconds()) / 1000
	}
	s := Spread{Runs: ms}
	if len(ms) == 0 {
		return s
	}
	sorted := slices.Clone(ms)
	slices.Sort(sorted)
	s.Median, s.Min, s.Max = Median(ms), sorted[0], sorted[len(sorted)-1]
	s.P25, s.P75 = quantile(sorted, 0.25), quantile(sorted, 0.75)
	return s
}

// quantile interpolates linearly in sorted data.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
}

// ColdStartFunction is one function's cold starts.
type ColdStartFunction struct {
	Name string `json:"name"`
	// Request describes the first invocation.
	Request       string `json:"request"`
	FirstResponse Spread `json:"first_response"`
	Total         Spread `json:"total_with_emulator_start"`
	Init          Spread `json:"init_report"`
	// CPU is the bootstrap's own CPU time up to its first answer.
	CPU Spread `json:"bootstrap_cpu"`
}

// ColdStartReport is item 3: cold starts and stripped sizes.
type ColdStartReport struct {
	RunsEach  int                 `json:"runs_each"`
	Functions []ColdStartFunction `json:"functions"`
	// Sizes are the stripped bootstrap sizes in bytes.
	Sizes map[string]int64 `json:"sizes_bytes"`
}

// WarmReport is item 4.
type WarmReport struct {
	// InProcess is the admin-users handler through platforms/lambda in the
	// runner's process (handler.Kit.Stats is readable there).
	InProcess WarmCounts `json:"in_process"`
	// Bootstrap is the admin-users bootstrap under the emulator.
	Bootstrap WarmCounts `json:"bootstrap"`
	// Hello is the bare aws-lambda-go hello under the emulator.
	Hello WarmCounts `json:"hello"`
}

// PaginationReport is item 5.
type PaginationReport struct {
	Runs []PaginationResult `json:"runs"`
}

// Goal is one of issue 10's targets and where the measurement stands.
type Goal struct {
	Name     string `json:"name"`
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

// Report is everything one benchrun writes.
type Report struct {
	Env        Env               `json:"env"`
	Ratios     []RatioLine       `json:"ratios"`
	Adapter    []AdapterScenario `json:"adapter,omitempty"`
	Auth       *AuthReport       `json:"auth,omitempty"`
	ColdStart  *ColdStartReport  `json:"cold_start,omitempty"`
	Warm       *WarmReport       `json:"warm,omitempty"`
	Pagination *PaginationReport `json:"pagination,omitempty"`
	Workers    *WorkersReport    `json:"workers,omitempty"`
	Goals      []Goal            `json:"goals"`
	Notes      []string          `json:"notes,omitempty"`
}

func find(rs []Result, name string) (Result, bool) {
	for _, r := range rs {
		if r.Name == name {
			return r, true
		}
	}
	return Result{}, false
}

// kitOver computes the kit's paired ratio to every other result.
func kitOver(rs []Result, kit string) map[string]float64 {
	k, ok := find(rs, kit)
	if !ok {
		return nil
	}
	out := map[string]float64{}
	for _, r := range rs {
		if r.Name != kit {
			out[r.Name] = PairedRatio(k, r)
		}
	}
	return out
}

// NewAdapterScenario wraps one scenario's results with the kit's ratios.
func NewAdapterScenario(s Scenario, rs []Result) AdapterScenario {
	return AdapterScenario{Scenario: s.Name, Version: s.Version, Workload: s.Workload, Results: rs, KitOver: kitOver(rs, Kit)}
}

// NewAuthReport wraps the authentication results with the kit's ratios.
func NewAuthReport(rs []Result) *AuthReport {
	return &AuthReport{Results: rs, KitOver: kitOver(rs, AuthKit)}
}

// GeoMean is the geometric mean of positive xs (0 if there are none).
func GeoMean(xs []float64) float64 {
	var sum float64
	n := 0
	for _, x := range xs {
		if x > 0 {
			sum += math.Log(x)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return math.Exp(sum / float64(n))
}

// AdapterRatios returns, per event version, the geometric mean over its
// workloads of the kit's ratio to each anchor ("adapter-v2 api-proxy"),
// then each workload's own ratios ("adapter-v2-get api-proxy").
func AdapterRatios(ss []AdapterScenario) []RatioLine {
	var out []RatioLine
	for _, v := range []string{"v1", "v2"} {
		for _, anchor := range []string{APIProxy, Algnhsa, Raw} {
			var xs []float64
			for _, s := range ss {
				if s.Version == v {
					if x, ok := s.KitOver[anchor]; ok {
						xs = append(xs, x)
					}
				}
			}
			if len(xs) > 0 {
				out = append(out, RatioLine{"adapter-" + v, anchor, GeoMean(xs)})
			}
		}
	}
	for _, s := range ss {
		for _, anchor := range []string{APIProxy, Algnhsa, Raw} {
			if x, ok := s.KitOver[anchor]; ok {
				out = append(out, RatioLine{"adapter-" + s.Scenario, anchor, x})
			}
		}
	}
	return out
}

// AuthRatios returns "authenticate <anchor>" for every anchor.
func AuthRatios(a *AuthReport) []RatioLine {
	if a == nil {
		return nil
	}
	var out []RatioLine
	for _, name := range AuthContenderNames {
		if x, ok := a.KitOver[name]; ok {
			out = append(out, RatioLine{"authenticate", name, x})
		}
	}
	return out
}

func ratio(lines []RatioLine, metric, anchor string) (float64, bool) {
	for _, l := range lines {
		if l.Metric == metric && l.Anchor == anchor {
			return l.Value, true
		}
	}
	return 0, false
}

// Coldstart names.
const (
	ColdAdminUsers     = "admin-users"
	ColdAdminUsersAnon = "admin-users (401, no token)"
	ColdHello          = "hello"
)

func coldFunc(c *ColdStartReport, name string) (ColdStartFunction, bool) {
	for _, f := range c.Functions {
		if f.Name == name {
			return f, true
		}
	}
	return ColdStartFunction{}, false
}

// EvaluateGoals checks the report against issue 10's goals, for the parts
// it holds.
func EvaluateGoals(r *Report) []Goal {
	var gs []Goal
	for _, v := range []string{"v1", "v2"} {
		if x, ok := ratio(r.Ratios, "adapter-"+v, APIProxy); ok {
			gs = append(gs, Goal{"adapter-" + v + " vs api-proxy", "≤ 0.50×", fmt.Sprintf("%.2f×", x), x <= 0.5})
		}
		if x, ok := ratio(r.Ratios, "adapter-"+v, Raw); ok {
			gs = append(gs, Goal{"adapter-" + v + " vs raw floor", "≤ 1.50×", fmt.Sprintf("%.2f×", x), x <= 1.5})
		}
	}
	if r.Auth != nil {
		if x, ok := r.Auth.KitOver[AuthFloor]; ok {
			gs = append(gs, Goal{"authenticate vs floor", "≤ 1.15×", fmt.Sprintf("%.2f×", x), x <= 1.15})
		}
		worst, worstName := 0.0, ""
		for _, name := range AuthContenderNames {
			if name == AuthKit || name == AuthFloor {
				continue
			}
			if x, ok := r.Auth.KitOver[name]; ok && x > worst {
				worst, worstName = x, name
			}
		}
		if worstName != "" {
			gs = append(gs, Goal{"authenticate vs every library", "< 1.00× each",
				fmt.Sprintf("%.2f× (closest: %s)", worst, worstName), worst < 1})
		}
	}
	if c := r.ColdStart; c != nil {
		hello, ok := coldFunc(c, ColdHello)
		for _, name := range []string{ColdAdminUsers, ColdAdminUsersAnon} {
			f, ok2 := coldFunc(c, name)
			if ok && ok2 && hello.FirstResponse.Median > 0 {
				x := f.FirstResponse.Median / hello.FirstResponse.Median
				gs = append(gs, Goal{"cold start " + name + " vs hello", "≤ 1.20×",
					fmt.Sprintf("%.2f× (%.1f ms vs %.1f ms median first response; bootstrap CPU %.1f ms vs %.1f ms)", x,
						f.FirstResponse.Median, hello.FirstResponse.Median, f.CPU.Median, hello.CPU.Median), x <= 1.2})
			}
		}
		if a, h := c.Sizes[ColdAdminUsers], c.Sizes[ColdHello]; a > 0 && h > 0 {
			x := float64(a) / float64(h)
			gs = append(gs, Goal{"stripped bootstrap vs hello", "≤ 1.50×",
				fmt.Sprintf("%.2f× (%s vs %s)", x, MiB(a), MiB(h)), x <= 1.5})
		}
	}
	if w := r.Warm; w != nil {
		ip, bs := w.InProcess, w.Bootstrap
		gs = append(gs,
			Goal{"client builds over warm invocations", "1", fmt.Sprintf("%d in %d", ip.ClientBuilds, ip.Invocations), ip.ClientBuilds == 1},
			Goal{"JWKS fetches over warm invocations", "1", fmt.Sprintf("%d in-process, %d bootstrap", ip.JWKSFetches, bs.JWKSFetches), ip.JWKSFetches == 1 && bs.JWKSFetches == 1},
			Goal{"backend connections over warm invocations", "1", fmt.Sprintf("%d in-process, %d bootstrap", ip.BackendConnections, bs.BackendConnections), ip.BackendConnections == 1 && bs.BackendConnections == 1},
		)
	}
	if p := r.Pagination; p != nil {
		small, large := paginationPair(p, false)
		ls, ll := paginationPair(p, true)
		if small.Users > 0 && large.Users > small.Users && ll.Users > ls.Users {
			// Flat: allocations per user do not grow with the count, and
			// neither does the heap with a collection at every page
			// boundary (its peak, and what survives the collection) beyond
			// a page's worth of slack (1 MiB). The natural-GC peak is not
			// used: it follows the collector's pacing (a 4 MiB minimum
			// heap target), not what the iteration keeps.
			flat := large.AllocsPerUser <= small.AllocsPerUser*1.1 &&
				ll.PeakHeapInuseBytes <= ls.PeakHeapInuseBytes+(1<<20) &&
				ll.PeakLiveHeapBytes <= ls.PeakLiveHeapBytes+(1<<20)
			gs = append(gs, Goal{fmt.Sprintf("pagination memory flat (%d vs %d users)", small.Users, large.Users), "allocs/user and heap flat",
				fmt.Sprintf("%.1f vs %.1f allocs/user; peak heap %s vs %s, live heap %s vs %s (GC per page)", small.AllocsPerUser, large.AllocsPerUser,
					MiB(ls.PeakHeapInuseBytes), MiB(ll.PeakHeapInuseBytes), MiB(ls.PeakLiveHeapBytes), MiB(ll.PeakLiveHeapBytes)), flat})
		}
	}
	if wr := r.Workers; wr != nil && wr.JSMS > 0 {
		worst := max(wr.KitNoTokenMS, wr.KitTokenMS, wr.KitTokenNewMS) - wr.JSMS
		gs = append(gs, Goal{"Workers median vs constant JS Worker", "within 2 ms",
			fmt.Sprintf("+%.2f ms no token, +%.2f ms token, +%.2f ms new token each request (%.2f / %.2f / %.2f vs %.2f ms)",
				wr.KitNoTokenMS-wr.JSMS, wr.KitTokenMS-wr.JSMS, wr.KitTokenNewMS-wr.JSMS, wr.KitNoTokenMS, wr.KitTokenMS, wr.KitTokenNewMS, wr.JSMS),
			worst <= 2})
	}
	return gs
}

// paginationPair picks the smallest and the largest run of one mode.
func paginationPair(p *PaginationReport, live bool) (small, large PaginationResult) {
	for _, r := range p.Runs {
		if r.Live != live {
			continue
		}
		if small.Users == 0 || r.Users < small.Users {
			small = r
		}
		if r.Users > large.Users {
			large = r
		}
	}
	return small, large
}

// MiB formats a byte count.
func MiB(n int64) string { return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20)) }

func ns(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.2f ms", x/1e6)
	case x >= 1e4:
		return fmt.Sprintf("%.1f µs", x/1e3)
	default:
		return fmt.Sprintf("%.0f ns", x)
	}
}

// Markdown renders the report as RESULTS.md.
func (r *Report) Markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Benchmark results\n\n")
	w("Written by `make bench` (`cd bench && go run ./cmd/benchrun`); the same numbers are in `results.json`.\n")
	w("Do not edit by hand.\n\n")
	e := r.Env
	w("- Date: %s\n- Go: %s %s/%s\n- CPU: %s (%d logical CPUs visible; the machine is shared, so absolute times are noisy)\n", e.Date, e.GoVersion, e.GOOS, e.GOARCH, e.CPU, e.NumCPU)
	if e.Commit != "" {
		w("- Commit: %s\n", e.Commit)
	}
	w("- Method: contenders run interleaved, %d rounds of ~%d ms each, order rotated every round; figures are medians over rounds, ratios are medians of per-round ratios (ours ÷ theirs, ns/op; below 1 means the kit is faster). ns/op is the process's CPU time (user + system, every thread, so garbage collection is charged to whoever allocated) per operation: on a shared machine elapsed time also counts the time other processes held the CPU. Elapsed (wall) ns/op is shown beside it.\n\n", e.Rounds, e.PerRunMS)

	if len(r.Goals) > 0 {
		w("## Goals\n\n| goal | target | measured | met |\n| --- | --- | --- | --- |\n")
		for _, g := range r.Goals {
			met := "yes"
			if !g.Met {
				met = "**no**"
			}
			w("| %s | %s | %s | %s |\n", g.Name, g.Target, g.Measured, met)
		}
		w("\n")
	}
	if len(r.Ratios) > 0 {
		w("## Ratios\n\n```\n")
		for _, l := range r.Ratios {
			w("%s\n", l)
		}
		w("```\n\n")
	}
	if len(r.Adapter) > 0 {
		w("## 1. Adapter cost per invocation\n\n")
		w("The same net/http handler behind each adapter (`kit`: platforms/lambda `NewHandler(h).Invoke`; `api-proxy`: aws-lambda-go-api-proxy httpadapter; `algnhsa`: algnhsa v1.1.0), and the floor `raw`: a typed aws-lambda-go handler doing the same work on the event struct. All receive the identical event bytes and answer identical status, content type and body (checked by `TestAdapterContendersAnswerAlike`). Workloads: `get` — a dozen headers, three query parameters, small JSON answer; `post-4k` — 4 KiB JSON body read through CRC-32, 201 answer; `binary-64k` — 64 KiB application/octet-stream answer (base64 in the response).\n\n")
		w("| scenario | contender | ns/op (CPU) | min–max | wall ns/op | B/op | allocs/op | kit ÷ this |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, s := range r.Adapter {
			for _, res := range s.Results {
				rat := "—"
				if x, ok := s.KitOver[res.Name]; ok {
					rat = fmt.Sprintf("%.2f×", x)
				}
				w("| %s | %s | %s | %s–%s | %s | %.0f | %.0f | %s |\n", s.Scenario, res.Name, ns(res.NsPerOp), ns(res.NsMin), ns(res.NsMax), ns(res.WallNsPerOp), res.BytesPerOp, res.AllocsPerOp, rat)
			}
		}
		w("\n")
	}
	if a := r.Auth; a != nil {
		w("## 2. Warm authentication (ES256, same token and key)\n\n")
		w("`kit`: `auth.Verifier.Authenticate` on a request with `Authorization: Bearer`, key set fetched once from a JWKS server on 127.0.0.1 and cached; `floor`: bare crypto/ecdsa verification with the key in hand plus `encoding/json` decoding of the claims, no checks; the libraries are each given the public key directly and check signature, algorithm, exp/nbf and issuer as their APIs do by default. Every contender extracts the same user, session, organization and permissions and rejects a tampered signature (`TestAuthContendersAgree`).\n\n")
		w("| contender | ns/op (CPU) | min–max | wall ns/op | B/op | allocs/op | kit ÷ this |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, res := range a.Results {
			rat := "—"
			if x, ok := a.KitOver[res.Name]; ok {
				rat = fmt.Sprintf("%.2f×", x)
			}
			w("| %s | %s | %s–%s | %s | %.0f | %.0f | %s |\n", res.Name, ns(res.NsPerOp), ns(res.NsMin), ns(res.NsMax), ns(res.WallNsPerOp), res.BytesPerOp, res.AllocsPerOp, rat)
		}
		w("\n")
	}
	if c := r.ColdStart; c != nil {
		w("## 3. Cold start under the Lambda Runtime Interface Emulator\n\n")
		w("%d runs each, functions alternating. A fresh emulator per run; the emulator starts the bootstrap when the first invocation arrives, so *first response* is from sending that invocation to receiving the answer (process start, runtime init, the request). *With emulator start* adds the emulator's own start-up. *Init* is the emulator's INIT REPORT (bootstrap start to its first request for work). *Bootstrap CPU* is the CPU time the bootstrap process (all threads, /proc/<pid>/task/*/schedstat) spent up to its first answer: it does not grow while the process waits for a CPU, so it is the steadier figure on a shared machine. admin-users runs against wachttest (in the runner's process) as Wacht; its authenticated first request includes the JWKS fetch and one backend call, and the emulator's OpenAPI validation of that call.\n\n", c.RunsEach)
		w("| function | first request | first response median | p25–p75 | min–max | with emulator start (median) | init (median) | bootstrap CPU median (p25–p75) |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, f := range c.Functions {
			w("| %s | %s | %.1f ms | %.1f–%.1f ms | %.1f–%.1f ms | %.1f ms | %.1f ms | %.1f ms (%.1f–%.1f) |\n", f.Name, f.Request, f.FirstResponse.Median,
				f.FirstResponse.P25, f.FirstResponse.P75, f.FirstResponse.Min, f.FirstResponse.Max, f.Total.Median, f.Init.Median,
				f.CPU.Median, f.CPU.P25, f.CPU.P75)
		}
		w("\nStripped bootstrap sizes (linux/%s, CGO_ENABLED=0, -tags lambda.norpc, -trimpath, -ldflags \"-s -w\"):\n\n| bootstrap | bytes | size |\n| --- | ---: | ---: |\n", e.GOARCH)
		for _, name := range []string{ColdAdminUsers, ColdHello} {
			if n, ok := c.Sizes[name]; ok {
				w("| %s | %d | %s |\n", name, n, MiB(n))
			}
		}
		w("\n")
	}
	if wr := r.Warm; wr != nil {
		w("## 4. Warm reuse\n\n")
		w("| instance | invocations | client builds | verifier builds | JWKS fetches | backend connections | frontend connections | backend requests | peak RSS (VmHWM) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		row := func(name string, c WarmCounts, builds bool) {
			cb, vb := "—", "—"
			if builds {
				cb, vb = fmt.Sprint(c.ClientBuilds), fmt.Sprint(c.VerifierBuilds)
			}
			rss := "—"
			if c.PeakRSSBytes > 0 {
				rss = MiB(c.PeakRSSBytes)
			}
			w("| %s | %d | %s | %s | %d | %d | %d | %d | %s |\n", name, c.Invocations, cb, vb, c.JWKSFetches, c.BackendConnections, c.FrontendConnections, c.BackendRequests, rss)
		}
		row("admin-users handler in process (platforms/lambda + handler.Kit)", wr.InProcess, true)
		row("admin-users bootstrap under the emulator", wr.Bootstrap, false)
		row("bare aws-lambda-go hello under the emulator", wr.Hello, false)
		if wr.Hello.PeakRSSBytes > 0 {
			w("\nPeak RSS, admin-users bootstrap ÷ hello: %.2f×.\n", float64(wr.Bootstrap.PeakRSSBytes)/float64(wr.Hello.PeakRSSBytes))
		}
		w("\n")
	}
	if p := r.Pagination; p != nil {
		w("## 5. Pagination\n\n")
		w("`client.Users.All` over the emulator's users, each run in a child process of its own so the heap is the iteration's; the heap is sampled (runtime.ReadMemStats) after every user; peaks are above the heap before iterating. In the *live* runs a collection is forced at every page boundary and the heap surviving it is recorded: what the iteration retains. Without forced collections the peak follows the collector's pacing (garbage piles up to the 4 MiB minimum heap target before the first cycle), so it rises with the count until that target and then stays there.\n\n")
		w("| users | page size | mode | allocs/user | bytes/user | peak HeapInuse | peak HeapAlloc | peak live heap | seconds |\n| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, pr := range p.Runs {
			mode, live := "natural GC", "—"
			if pr.Live {
				mode, live = "live (GC per page)", MiB(pr.PeakLiveHeapBytes)
			}
			w("| %d | %d | %s | %.1f | %.0f | %s | %s | %s | %.2f |\n", pr.Users, pr.PageSize, mode, pr.AllocsPerUser, pr.BytesPerUser,
				MiB(pr.PeakHeapInuseBytes), MiB(pr.PeakHeapAllocBytes), live, pr.Seconds)
		}
		w("\n")
	}
	if r.Workers != nil {
		r.Workers.markdown(w)
	}
	if len(r.Notes) > 0 {
		w("## Notes\n\n")
		for _, n := range r.Notes {
			w("- %s\n", n)
		}
	}
	return b.String()
}
