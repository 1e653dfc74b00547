// Command benchrun measures the kit beside the alternatives a user would
// pick, in one run on one machine, and writes bench/RESULTS.md and
// bench/results.json (make bench). With -quick it measures only the adapter
// and authentication ratios and prints one line per ratio,
// "ratio <metric> <anchor> <value>" (make bench-quick).
//
// Run it from the bench directory:
//
//	go run ./cmd/benchrun            # everything, writes RESULTS.md and results.json
//	go run ./cmd/benchrun -quick     # ratio lines for items 1 and 2, under a minute
//	go run ./cmd/benchrun -only cold,warm -out /tmp/b   # a subset, elsewhere
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/wacht-platform/serverless-go/bench/internal/suite"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

type options struct {
	quick           bool
	only            map[string]bool
	out             string
	root            string
	rie             string
	rounds          int
	perRun          time.Duration
	coldRuns        int
	warmInvocations int
	users           int
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-paginate-child" {
		os.Exit(paginateChild(os.Args[2:]))
	}
	var o options
	var only string
	flag.BoolVar(&o.quick, "quick", false, "measure only items 1 and 2 and print ratio lines; write no files")
	flag.StringVar(&only, "only", "", "comma-separated subset of adapter,auth,cold,warm,paginate,workers")
	flag.StringVar(&o.out, "out", ".", "directory for RESULTS.md and results.json")
	flag.StringVar(&o.root, "root", "..", "the kit's repository root (samples are built from there)")
	flag.StringVar(&o.rie, "rie", "", "aws-lambda-rie binary (default $AWS_LAMBDA_RIE, else <root>/.tools/aws-lambda-rie)")
	flag.IntVar(&o.rounds, "rounds", 0, "interleaved rounds per contender (default 12, quick 5)")
	flag.DurationVar(&o.perRun, "per-run", 0, "time per contender per round (default 150ms, quick 80ms)")
	flag.IntVar(&o.coldRuns, "cold-runs", 15, "cold starts per function")
	flag.IntVar(&o.warmInvocations, "warm", 1000, "invocations of one warm instance")
	flag.IntVar(&o.users, "users", 10000, "users to create and iterate")
	flag.Parse()
	if o.rounds == 0 {
		o.rounds = 12
		if o.quick {
			o.rounds = 5
		}
	}
	if o.perRun == 0 {
		o.perRun = 150 * time.Millisecond
		if o.quick {
			o.perRun = 80 * time.Millisecond
		}
	}
	o.only = map[string]bool{}
	items := []string{"adapter", "auth", "cold", "warm", "paginate", "workers"}
	if o.quick {
		items = items[:2]
	}
	if only != "" {
		items = strings.Split(only, ",")
	}
	for _, it := range items {
		o.only[strings.TrimSpace(it)] = true
	}
	if o.rie == "" {
		o.rie = os.Getenv("AWS_LAMBDA_RIE")
	}
	if o.rie == "" {
		o.rie = filepath.Join(o.root, ".tools", "aws-lambda-rie")
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s benchrun: %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(o options) error {
	start := time.Now()
	r := &suite.Report{Env: environment(o)}
	if o.only["adapter"] {
		if err := measureAdapters(o, r); err != nil {
			return fmt.Errorf("adapter: %w", err)
		}
	}
	if o.only["auth"] {
		if err := measureAuth(o, r); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	r.Ratios = append(suite.AdapterRatios(r.Adapter), suite.AuthRatios(r.Auth)...)
	if o.quick {
		for _, l := range r.Ratios {
			fmt.Println(l)
		}
		return nil
	}
	if o.only["cold"] || o.only["warm"] || o.only["paginate"] {
		if err := measureSystem(o, r); err != nil {
			return err
		}
	}
	if o.only["workers"] {
		if err := measureWorkers(o, r); err != nil {
			return fmt.Errorf("workers: %w", err)
		}
	}
	r.Goals = suite.EvaluateGoals(r)
	r.Env.Seconds = int(time.Since(start).Seconds())
	if err := write(o, r); err != nil {
		return err
	}
	for _, l := range r.Ratios {
		fmt.Println(l)
	}
	for _, g := range r.Goals {
		met := "met"
		if !g.Met {
			met = "MISSED"
		}
		fmt.Printf("goal %-45s target %-12s measured %-40s %s\n", g.Name, g.Target, g.Measured, met)
	}
	return nil
}

func environment(o options) suite.Env {
	e := suite.Env{
		Date:      time.Now().UTC().Format(time.RFC3339),
		GoVersion: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		NumCPU: runtime.NumCPU(), CPU: cpuModel(),
		Mode: "full", Rounds: o.rounds, PerRunMS: int(o.perRun / time.Millisecond),
	}
	if o.quick {
		e.Mode = "quick"
	}
	if out, err := exec.Command("git", "-C", o.root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		e.Commit = strings.TrimSpace(string(out))
	}
	return e
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func measureAdapters(o options, r *suite.Report) error {
	ctx := suite.InvokeContext()
	for _, s := range suite.Scenarios() {
		hs := suite.AdapterHandlers(s.Version)
		want := suite.ExpectedAnswer(s)
		var ops []suite.NamedOp
		for _, name := range suite.AdapterContenderNames {
			h := hs[name]
			out, err := h.Invoke(ctx, s.Payload)
			if err != nil {
				return fmt.Errorf("%s/%s: %w", s.Name, name, err)
			}
			got, err := suite.DecodeAnswer(out)
			if err != nil {
				return fmt.Errorf("%s/%s: %w", s.Name, name, err)
			}
			if got.Status != want.Status || got.ContentType != want.ContentType || string(got.Body) != string(want.Body) {
				return fmt.Errorf("%s/%s answers differently from the others; the comparison would not be fair", s.Name, name)
			}
			payload := s.Payload
			ops = append(ops, suite.NamedOp{Name: name, Op: func() error { _, err := h.Invoke(ctx, payload); return err }})
		}
		logf("adapter %s: %d contenders × %d rounds", s.Name, len(ops), o.rounds)
		res, err := suite.Interleave(ops, o.rounds, o.perRun)
		if err != nil {
			return err
		}
		r.Adapter = append(r.Adapter, suite.NewAdapterScenario(s, res))
	}
	return nil
}

func measureAuth(o options, r *suite.Report) error {
	f, err := suite.NewAuthFixture()
	if err != nil {
		return err
	}
	defer f.Close()
	fns := f.AuthOps()
	want, err := f.AuthFloor()
	if err != nil {
		return err
	}
	var ops []suite.NamedOp
	for _, name := range suite.AuthContenderNames {
		fn := fns[name]
		got, err := fn()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if !got.Equal(want) {
			return fmt.Errorf("%s extracted %+v, want %+v", name, got, want)
		}
		ops = append(ops, suite.NamedOp{Name: name, Op: func() error { _, err := fn(); return err }})
	}
	logf("authenticate: %d contenders × %d rounds", len(ops), o.rounds)
	res, err := suite.Interleave(ops, o.rounds, o.perRun)
	if err != nil {
		return err
	}
	if n := f.JWKSFetches(); n != 1 {
		return fmt.Errorf("the kit fetched the key set %d times during the run; the measurement is not of the warm path", n)
	}
	r.Auth = suite.NewAuthReport(res)
	return nil
}

func measureSystem(o options, r *suite.Report) error {
	ctx := context.Background()
	logf("starting the wachttest emulator")
	emu, err := wachttest.NewServer(wachttest.Options{Seed: true})
	if err != nil {
		return err
	}
	defer emu.Close()
	token, err := emu.MintToken(wachttest.TokenOptions{OrganizationPermissions: []string{"user:read"}, Lifetime: 2 * time.Hour})
	if err != nil {
		return err
	}
	root, err := filepath.Abs(o.root)
	if err != nil {
		return err
	}
	benchDir, err := os.Getwd()
	if err != nil {
		return err
	}
	if o.only["cold"] || o.only["warm"] {
		if _, err := os.Stat(o.rie); err != nil {
			return fmt.Errorf("the Lambda Runtime Interface Emulator is needed (make tools, or ./scripts/install-rie.sh): %w", err)
		}
		rie, err := filepath.Abs(o.rie)
		if err != nil {
			return err
		}
		tmp, err := os.MkdirTemp("", "benchrun-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		adminBin := filepath.Join(tmp, "admin-users", "bootstrap")
		helloBin := filepath.Join(tmp, "hello", "bootstrap")
		logf("building bootstraps")
		adminSize, err := suite.BuildBootstrap(ctx, root, "./samples/lambda/admin-users", adminBin)
		if err != nil {
			return err
		}
		helloSize, err := suite.BuildBootstrap(ctx, benchDir, "./cmd/hello", helloBin)
		if err != nil {
			return err
		}
		env := suite.AdminUsersEnv(emu)
		if o.only["cold"] {
			if err := measureCold(o, r, rie, adminBin, helloBin, env, token); err != nil {
				return fmt.Errorf("cold start: %w", err)
			}
			r.ColdStart.Sizes = map[string]int64{suite.ColdAdminUsers: adminSize, suite.ColdHello: helloSize}
		}
		if o.only["warm"] {
			if err := measureWarm(o, r, emu, rie, adminBin, helloBin, env, token); err != nil {
				return fmt.Errorf("warm reuse: %w", err)
			}
		}
	}
	if o.only["paginate"] {
		if err := measurePagination(ctx, o, r, emu); err != nil {
			return fmt.Errorf("pagination: %w", err)
		}
	}
	return nil
}

func measureCold(o options, r *suite.Report, rie, adminBin, helloBin string, env []string, token string) error {
	type fn struct {
		name, request, bin string
		env                []string
		payload            []byte
		check              func([]byte) error
		runs               []suite.ColdStartRun
	}
	fns := []*fn{
		{name: suite.ColdHello, request: "any HTTP API event → 200", bin: helloBin, payload: suite.AdminUsersEvent(""), check: suite.CheckStatus(200)},
		{name: suite.ColdAdminUsers, request: "GET /admin/users with a user:read token → 200 (JWKS fetch + one backend call)", bin: adminBin, env: env,
			payload: suite.AdminUsersEvent(token), check: suite.CheckStatus(200)},
		{name: suite.ColdAdminUsersAnon, request: "GET /admin/users without a token → 401 (no network)", bin: adminBin, env: env,
			payload: suite.AdminUsersEvent(""), check: suite.CheckStatus(401)},
	}
	logf("cold starts: %d functions × %d runs, alternating", len(fns), o.coldRuns)
	for i := range o.coldRuns {
		for k := range fns {
			f := fns[(k+i)%len(fns)]
			run, err := suite.ColdStart(rie, f.bin, f.env, f.payload, f.check)
			if err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			f.runs = append(f.runs, run)
		}
	}
	c := &suite.ColdStartReport{RunsEach: o.coldRuns}
	for _, f := range fns {
		var first, total, init, cpu []time.Duration
		for _, run := range f.runs {
			first, total, init, cpu = append(first, run.FirstResponse), append(total, run.Total), append(init, run.Init), append(cpu, run.CPU)
		}
		c.Functions = append(c.Functions, suite.ColdStartFunction{Name: f.name, Request: f.request,
			FirstResponse: suite.NewSpread(first), Total: suite.NewSpread(total), Init: suite.NewSpread(init), CPU: suite.NewSpread(cpu)})
	}
	r.ColdStart = c
	return nil
}

func measureWarm(o options, r *suite.Report, emu *wachttest.Server, rie, adminBin, helloBin string, env []string, token string) error {
	n := o.warmInvocations
	w := &suite.WarmReport{}
	var err error
	logf("warm: %d invocations in process", n)
	if w.InProcess, err = suite.WarmInProcess(emu, token, n); err != nil {
		return err
	}
	logf("warm: %d invocations of the admin-users bootstrap under the emulator", n)
	if w.Bootstrap, err = suite.WarmUnderEmulator(rie, adminBin, env, suite.AdminUsersEvent(token), suite.CheckStatus(200), n, emu); err != nil {
		return err
	}
	logf("warm: %d invocations of hello under the emulator", n)
	if w.Hello, err = suite.WarmUnderEmulator(rie, helloBin, nil, suite.AdminUsersEvent(""), suite.CheckStatus(200), n, nil); err != nil {
		return err
	}
	r.Warm = w
	return nil
}

func measurePagination(ctx context.Context, o options, r *suite.Report, emu *wachttest.Server) error {
	logf("pagination: creating %d users in the emulator", o.users)
	t0 := time.Now()
	if err := suite.CreateUsers(ctx, emu, o.users); err != nil {
		return err
	}
	logf("pagination: created in %s", time.Since(t0).Round(time.Millisecond))
	self, err := os.Executable()
	if err != nil {
		return err
	}
	p := &suite.PaginationReport{}
	type run struct {
		n    int
		mode string
	}
	runs := []run{{o.users / 10, "natural"}, {o.users / 2, "natural"}, {o.users, "natural"}, {o.users / 10, "live"}, {o.users, "live"}}
	for _, rn := range runs {
		n := rn.n
		if n < 1 {
			continue
		}
		cmd := exec.CommandContext(ctx, self, "-paginate-child", strconv.Itoa(n), "100", rn.mode)
		cmd.Env = append(os.Environ(), "WACHT_BACKEND_API_URL="+emu.BackendURL, "WACHT_API_KEY="+emu.APIKey)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("pagination child (%d users): %w", n, err)
		}
		var res suite.PaginationResult
		if err := json.Unmarshal(out, &res); err != nil {
			return fmt.Errorf("pagination child output %q: %w", out, err)
		}
		logf("pagination: %d users (%s), %.1f allocs/user, peak heap %s, live heap %s", res.Users, rn.mode, res.AllocsPerUser,
			suite.MiB(res.PeakHeapInuseBytes), suite.MiB(res.PeakLiveHeapBytes))
		p.Runs = append(p.Runs, res)
	}
	r.Pagination = p
	return nil
}

// paginateChild runs in its own process: it iterates n users (page size
// from the second argument, "live" or "natural" mode from the third) and
// prints the PaginationResult as JSON.
func paginateChild(args []string) int {
	if len(args) != 3 || (args[2] != "live" && args[2] != "natural") {
		fmt.Fprintln(os.Stderr, "usage: benchrun -paginate-child <users> <page size> live|natural")
		return 2
	}
	n, err1 := strconv.Atoi(args[0])
	size, err2 := strconv.Atoi(args[1])
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "benchrun: bad -paginate-child arguments")
		return 2
	}
	res, err := suite.Paginate(context.Background(), os.Getenv("WACHT_BACKEND_API_URL"), os.Getenv("WACHT_API_KEY"), n, size, args[2] == "live")
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun: pagination:", err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 1
	}
	return 0
}

func write(o options, r *suite.Report) error {
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.out, "results.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.out, "RESULTS.md"), []byte(r.Markdown()), 0o644); err != nil {
		return err
	}
	logf("wrote %s and %s", filepath.Join(o.out, "RESULTS.md"), filepath.Join(o.out, "results.json"))
	return nil
}

// measureWorkers runs platforms/workers' TestBenchWorkers (what
// make bench-workers runs) from the kit's root and keeps its report. It
// needs wrangler (scripts/install-wrangler.sh); without it the item is
// left out with a note.
func measureWorkers(o options, r *suite.Report) error {
	logf("workers: building two Wasm Workers and running them under wrangler dev (a few minutes)")
	cmd := exec.Command("go", "test", "./platforms/workers/", "-run", "^TestBenchWorkers$", "-count=1", "-v", "-timeout", "15m")
	cmd.Dir = o.root
	cmd.Env = append(os.Environ(), "WACHT_BENCH_WORKERS=1")
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "--- SKIP: TestBenchWorkers") {
		r.Notes = append(r.Notes, "Cloudflare Workers (item 6) not measured: wrangler is not installed (scripts/install-wrangler.sh).")
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w\n%s", err, out)
	}
	w, err := suite.ParseWorkersOutput(string(out))
	if err != nil {
		return err
	}
	r.Workers = w
	return nil
}
