package suite

import (
	"fmt"
	"runtime"
	"slices"
	"syscall"
	"time"
)

// Op is one operation to time; an error stops the measurement.
type Op func() error

// NamedOp is a contender in an interleaved measurement.
type NamedOp struct {
	Name string
	Op   Op
}

// Sample is one timed run of an Op: the averages over its iterations.
// NsPerOp is the CPU time the process spent (user plus system, all threads,
// so garbage collection is charged to whoever allocated), which stays
// meaningful on a machine shared with other work; WallNsPerOp is the
// elapsed time.
type Sample struct {
	NsPerOp     float64 `json:"ns_per_op"`
	WallNsPerOp float64 `json:"wall_ns_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
}

// Result is the summary of one contender over all rounds: medians of the
// per-round samples, and the spread of ns/op.
type Result struct {
	Name string `json:"name"`
	// NsPerOp is process CPU time per operation (see Sample).
	NsPerOp     float64   `json:"ns_per_op"`
	WallNsPerOp float64   `json:"wall_ns_per_op"`
	BytesPerOp  float64   `json:"bytes_per_op"`
	AllocsPerOp float64   `json:"allocs_per_op"`
	NsMin       float64   `json:"ns_min"`
	NsMax       float64   `json:"ns_max"`
	Iterations  int       `json:"iterations_per_round"`
	RoundsNs    []float64 `json:"rounds_ns"`
}

// run times n iterations of op, counting allocations as testing does
// (runtime.MemStats deltas over the run).
func run(op Op, n int) (Sample, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cpu0, err := processCPU()
	if err != nil {
		return Sample{}, err
	}
	start := time.Now()
	for range n {
		if err := op(); err != nil {
			return Sample{}, err
		}
	}
	elapsed := time.Since(start)
	cpu1, err := processCPU()
	if err != nil {
		return Sample{}, err
	}
	runtime.ReadMemStats(&after)
	return Sample{
		NsPerOp:     float64(cpu1-cpu0) / float64(n),
		WallNsPerOp: float64(elapsed.Nanoseconds()) / float64(n),
		BytesPerOp:  float64(after.TotalAlloc-before.TotalAlloc) / float64(n),
		AllocsPerOp: float64(after.Mallocs-before.Mallocs) / float64(n),
	}, nil
}

// processCPU is the user plus system CPU time of this process so far.
func processCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// calibrate finds an iteration count for which one run of op takes about d.
func calibrate(op Op, d time.Duration) (int, error) {
	n := 1
	for {
		s, err := run(op, n)
		if err != nil {
			return 0, err
		}
		total := time.Duration(s.WallNsPerOp * float64(n))
		if total >= d/4 || n >= 1<<30 {
			want := int(float64(n) * float64(d) / float64(max(total, 1)))
			return max(1, min(want, 100*n)), nil
		}
		n *= 10
	}
}

// Interleave measures the contenders in rounds: in each round every
// contender runs once for about perRun, in an order rotated by one each
// round, so slow phases of a shared machine fall on all of them alike.
// Each contender's result is the median of its rounds.
func Interleave(ops []NamedOp, rounds int, perRun time.Duration) ([]Result, error) {
	if rounds < 1 {
		rounds = 1
	}
	iters := make([]int, len(ops))
	for i, o := range ops {
		// Warm up (caches, pools, lazily built state) before calibrating.
		for range 3 {
			if err := o.Op(); err != nil {
				return nil, fmt.Errorf("%s: %w", o.Name, err)
			}
		}
		n, err := calibrate(o.Op, perRun)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Name, err)
		}
		iters[i] = n
	}
	samples := make([][]Sample, len(ops))
	for r := range rounds {
		for k := range ops {
			i := (k + r) % len(ops)
			s, err := run(ops[i].Op, iters[i])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", ops[i].Name, err)
			}
			samples[i] = append(samples[i], s)
		}
	}
	out := make([]Result, len(ops))
	for i, o := range ops {
		out[i] = summarize(o.Name, iters[i], samples[i])
	}
	return out, nil
}

func summarize(name string, iters int, ss []Sample) Result {
	ns := make([]float64, len(ss))
	wall := make([]float64, len(ss))
	bs := make([]float64, len(ss))
	as := make([]float64, len(ss))
	for i, s := range ss {
		ns[i], wall[i], bs[i], as[i] = s.NsPerOp, s.WallNsPerOp, s.BytesPerOp, s.AllocsPerOp
	}
	r := Result{Name: name, Iterations: iters, RoundsNs: slices.Clone(ns),
		NsPerOp: Median(ns), WallNsPerOp: Median(wall), BytesPerOp: Median(bs), AllocsPerOp: Median(as)}
	if len(ns) > 0 {
		r.NsMin, r.NsMax = slices.Min(ns), slices.Max(ns)
	}
	return r
}

// Median returns the median of xs (the mean of the middle two for an even
// count); zero for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// PairedRatio is ours ÷ theirs in ns/op, as the median of the per-round
// ratios: each round measured both within a few hundred milliseconds of each
// other, so the ratio of a round is less exposed to machine-wide slowdowns
// than the ratio of the two overall medians.
func PairedRatio(ours, theirs Result) float64 {
	n := min(len(ours.RoundsNs), len(theirs.RoundsNs))
	if n == 0 {
		if theirs.NsPerOp == 0 {
			return 0
		}
		return ours.NsPerOp / theirs.NsPerOp
	}
	rs := make([]float64, 0, n)
	for i := range n {
		if theirs.RoundsNs[i] > 0 {
			rs = append(rs, ours.RoundsNs[i]/theirs.RoundsNs[i])
		}
	}
	return Median(rs)
}
