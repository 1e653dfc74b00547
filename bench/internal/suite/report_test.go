package suite

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestMedianAndGeoMean(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := Median(tc.in); !near(got, tc.want) {
			t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := GeoMean([]float64{0.25, 1, 4}); !near(got, 1) {
		t.Errorf("GeoMean = %v", got)
	}
	if got := GeoMean([]float64{0, -1}); got != 0 {
		t.Errorf("GeoMean of non-positive = %v", got)
	}
}

func TestPairedRatio(t *testing.T) {
	// Round 2 ran on a slow machine for both; the paired ratio ignores it.
	ours := Result{NsPerOp: 100, RoundsNs: []float64{100, 300, 110}}
	theirs := Result{NsPerOp: 200, RoundsNs: []float64{200, 600, 200}}
	if got := PairedRatio(ours, theirs); !near(got, 0.5) {
		t.Errorf("PairedRatio = %v, want 0.5", got)
	}
	if got := PairedRatio(Result{NsPerOp: 30}, Result{NsPerOp: 60}); !near(got, 0.5) {
		t.Errorf("PairedRatio without rounds = %v", got)
	}
}

func TestInterleaveCountsAllocations(t *testing.T) {
	var sink []byte
	ops := []NamedOp{
		{"alloc", func() error { sink = make([]byte, 1024); return nil }},
		{"none", func() error { return nil }},
	}
	rs, err := Interleave(ops, 3, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	_ = sink
	if len(rs) != 2 || rs[0].Name != "alloc" || len(rs[0].RoundsNs) != 3 {
		t.Fatalf("results %+v", rs)
	}
	if rs[0].AllocsPerOp < 0.9 || rs[0].BytesPerOp < 1024 {
		t.Errorf("alloc: %.2f allocs, %.0f B per op", rs[0].AllocsPerOp, rs[0].BytesPerOp)
	}
	if rs[1].AllocsPerOp > 0.1 {
		t.Errorf("none: %.2f allocs per op", rs[1].AllocsPerOp)
	}
	if rs[0].Iterations < 1 || rs[0].WallNsPerOp <= 0 {
		t.Errorf("alloc: %+v", rs[0])
	}
}

func TestRatioLines(t *testing.T) {
	mk := func(name string, rounds ...float64) Result {
		return Result{Name: name, NsPerOp: Median(rounds), RoundsNs: rounds}
	}
	var ss []AdapterScenario
	for _, s := range Scenarios() {
		f := 1.0
		if s.Version == "v2" {
			f = 2
		}
		ss = append(ss, NewAdapterScenario(s, []Result{mk(Kit, 100*f), mk(APIProxy, 400), mk(Algnhsa, 300), mk(Raw, 200)}))
	}
	lines := AdapterRatios(ss)
	want := map[string]float64{
		"adapter-v1 api-proxy": 0.25, "adapter-v2 api-proxy": 0.5, "adapter-v2 raw": 1,
		"adapter-v1 raw": 0.5, "adapter-v2-get algnhsa": 200.0 / 300,
	}
	got := map[string]float64{}
	for _, l := range lines {
		got[l.Metric+" "+l.Anchor] = l.Value
		if !strings.HasPrefix(l.String(), "ratio "+l.Metric+" "+l.Anchor+" ") {
			t.Errorf("line %q", l)
		}
	}
	for k, v := range want {
		if !near(got[k], v) {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	a := NewAuthReport([]Result{mk(AuthKit, 110), mk(AuthFloor, 100), mk(AuthGoJose, 200), mk(AuthGolangJWT, 105)})
	al := AuthRatios(a)
	if len(al) != 3 || al[0].String() != "ratio authenticate floor 1.100" {
		t.Errorf("auth lines %v", al)
	}
	r := &Report{Ratios: append(lines, al...), Auth: a}
	r.Goals = EvaluateGoals(r)
	goals := map[string]Goal{}
	for _, g := range r.Goals {
		goals[g.Name] = g
	}
	if g := goals["adapter-v1 vs api-proxy"]; !g.Met {
		t.Errorf("v1 goal %+v", g)
	}
	if g := goals["adapter-v2 vs api-proxy"]; !g.Met { // 0.5 is on the line
		t.Errorf("v2 goal %+v", g)
	}
	if g := goals["authenticate vs floor"]; !g.Met {
		t.Errorf("floor goal %+v", g)
	}
	if g := goals["authenticate vs every library"]; g.Met || !strings.Contains(g.Measured, AuthGolangJWT) {
		t.Errorf("library goal %+v", g)
	}
	md := r.Markdown()
	for _, s := range []string{"## Goals", "ratio adapter-v2 api-proxy 0.500", "| authenticate vs every library | < 1.00× each | 1.05× (closest: golang-jwt-v5) | **no** |"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Error(err)
	}
}

func TestSystemGoals(t *testing.T) {
	ms := func(xs ...float64) Spread {
		var ds []time.Duration
		for _, x := range xs {
			ds = append(ds, time.Duration(x*float64(time.Millisecond)))
		}
		return NewSpread(ds)
	}
	r := &Report{
		ColdStart: &ColdStartReport{RunsEach: 3, Functions: []ColdStartFunction{
			{Name: ColdHello, FirstResponse: ms(10, 12, 11)},
			{Name: ColdAdminUsers, FirstResponse: ms(13, 14, 15)},
			{Name: ColdAdminUsersAnon, FirstResponse: ms(12, 11, 13)},
		}, Sizes: map[string]int64{ColdAdminUsers: 15 << 20, ColdHello: 10 << 20}},
		Warm: &WarmReport{InProcess: WarmCounts{Invocations: 1000, ClientBuilds: 1, JWKSFetches: 1, BackendConnections: 1},
			Bootstrap: WarmCounts{JWKSFetches: 1, BackendConnections: 2}},
		Pagination: &PaginationReport{Runs: []PaginationResult{
			{Users: 1000, AllocsPerUser: 7, PeakHeapInuseBytes: 2 << 20},
			{Users: 10000, AllocsPerUser: 6.5, PeakHeapInuseBytes: 2 << 20},
			{Users: 1000, Live: true, PeakLiveHeapBytes: 300 << 10},
			{Users: 10000, Live: true, PeakLiveHeapBytes: 5 << 20},
		}},
	}
	got := map[string]bool{}
	for _, g := range EvaluateGoals(r) {
		got[g.Name] = g.Met
	}
	want := map[string]bool{
		"cold start admin-users vs hello":                 false, // 14 / 11
		"cold start admin-users (401, no token) vs hello": true,  // 12 / 11
		"stripped bootstrap vs hello":                     true,  // 1.5
		"client builds over warm invocations":             true,
		"JWKS fetches over warm invocations":              true,
		"backend connections over warm invocations":       false, // the bootstrap opened 2
		"pagination memory flat (1000 vs 10000 users)":    false, // the live heap grew
	}
	for k, v := range want {
		if met, ok := got[k]; !ok || met != v {
			t.Errorf("goal %q: met=%v present=%v, want met=%v (all: %v)", k, met, ok, v, got)
		}
	}
	if s := ms(1, 2, 3, 4, 5); s.Median != 3 || s.P25 != 2 || s.P75 != 4 || s.Min != 1 || s.Max != 5 {
		t.Errorf("spread %+v", s)
	}
	if md := r.Markdown(); !strings.Contains(md, "## 5. Pagination") || !strings.Contains(md, "live (GC per page)") {
		t.Errorf("markdown:\n%s", md)
	}
}

func TestProcParsers(t *testing.T) {
	comm, ppid, err := ParseStat("4242 (boot strap) (x)) S 17 4242 4242 0 -1 4194560")
	if err != nil || comm != "boot strap) (x)" || ppid != 17 {
		t.Errorf("ParseStat = %q %d %v", comm, ppid, err)
	}
	if _, _, err := ParseStat("garbage"); err == nil {
		t.Error("ParseStat accepted garbage")
	}
	status := "Name:\tbootstrap\nVmPeak:\t  1000 kB\nVmHWM:\t    9492 kB\nVmRSS:\t    9000 kB\n"
	if n, err := ParseVmHWM(strings.NewReader(status)); err != nil || n != 9492*1024 {
		t.Errorf("ParseVmHWM = %d %v", n, err)
	}
	if _, err := ParseVmHWM(strings.NewReader("Name:\tx\n")); err == nil {
		t.Error("ParseVmHWM without the line")
	}
	if d, err := ParseSchedstat("12345678 999 12\n"); err != nil || d != 12345678 {
		t.Errorf("ParseSchedstat = %v %v", d, err)
	}
	logs := "26 Nov 2026 15:30:12,451 [INFO] (rapid) INIT RTDONE(status: success)\n" +
		"26 Nov 2026 15:30:12,451 [INFO] (rapid) INIT REPORT(durationMs: 9.280000)\n"
	if d, err := ParseInitDuration(logs); err != nil || d != 9280*time.Microsecond {
		t.Errorf("ParseInitDuration = %v %v", d, err)
	}
	if _, err := ParseInitDuration("nothing"); err == nil {
		t.Error("ParseInitDuration without the line")
	}
}

func TestParseWorkersOutput(t *testing.T) {
	out := "=== RUN   TestBenchWorkers\nprobe (shared entry): 1 bytes\n  kit-notoken          median   13.19 ms\n  kit-token-new        median   27.50 ms  p10 20.00 ms\n--- PASS: TestBenchWorkers (80.18s)\nPASS\nok  \tx\t80.2s\nworkers-median-ms kit-notoken 13.19 kit-token 25.04 js 6.24 per-request 92.77\n"
	r, err := ParseWorkersOutput(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.KitNoTokenMS != 13.19 || r.KitTokenMS != 25.04 || r.JSMS != 6.24 || r.PerRequestMS != 92.77 || r.KitTokenNewMS != 27.5 {
		t.Errorf("parsed %+v", r)
	}
	if len(r.Lines) != 3 || !strings.Contains(r.Lines[1], "kit-notoken") {
		t.Errorf("lines %q", r.Lines)
	}
	if _, err := ParseWorkersOutput("PASS\n"); err == nil {
		t.Error("no summary line: no error")
	}
	if _, err := ParseWorkersOutput("workers-median-ms kit-notoken x kit-token 1 js 1 per-request 1\n"); err == nil {
		t.Error("malformed number: no error")
	}
	rep := &Report{Workers: r}
	md := rep.Markdown()
	if !strings.Contains(md, "## 6. Cloudflare Workers") || !strings.Contains(md, "| 13.19 | 25.04 | 27.50 | 6.24 | 92.77 |") {
		t.Errorf("markdown:\n%s", md)
	}
	goal := func() Goal {
		for _, g := range EvaluateGoals(rep) {
			if strings.HasPrefix(g.Name, "Workers median") {
				return g
			}
		}
		t.Fatal("no Workers goal")
		return Goal{}
	}
	if g := goal(); g.Met {
		t.Errorf("21 ms over the JavaScript Worker counted as within 2 ms: %+v", g)
	}
	r.KitNoTokenMS, r.KitTokenMS, r.KitTokenNewMS = 7.5, 7.0, 8.2
	if g := goal(); !g.Met {
		t.Errorf("within 2 ms counted as missed: %+v", g)
	}
}
