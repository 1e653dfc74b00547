package suite

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BuildBootstrap builds pkg (a package path, relative to dir or a module
// path) the way a Lambda custom runtime is deployed: CGO_ENABLED=0,
// -tags lambda.norpc, -trimpath, -ldflags "-s -w", for linux on the host's
// architecture (so the emulator can run it), as out. It returns the size of
// the stripped binary.
func BuildBootstrap(ctx context.Context, dir, pkg, out string) (int64, error) {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("building %s: %w\n%s", pkg, err, b)
	}
	st, err := os.Stat(out)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// logBuffer collects the emulator's output.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Emulator is one running AWS Lambda Runtime Interface Emulator serving one
// bootstrap. It starts the bootstrap on the first invocation.
type Emulator struct {
	cmd    *exec.Cmd
	url    string
	logs   *logBuffer
	client *http.Client
	// Started is when the emulator process was started.
	Started time.Time
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// StartEmulator starts rie serving bootstrap with env added to the process
// environment, and waits until it accepts invocations.
func StartEmulator(rie, bootstrap string, env ...string) (*Emulator, error) {
	invokeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	runtimeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	e := &Emulator{logs: &logBuffer{}, url: "http://" + invokeAddr + "/2015-03-31/functions/function/invocations",
		client: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}}
	e.cmd = exec.Command(rie, "--runtime-interface-emulator-address", invokeAddr, "--runtime-api-address", runtimeAddr, bootstrap)
	e.cmd.Dir = filepath.Dir(bootstrap)
	e.cmd.Env = append(os.Environ(), append([]string{"AWS_LAMBDA_FUNCTION_TIMEOUT=30", "AWS_LAMBDA_FUNCTION_NAME=bench",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128"}, env...)...)
	e.cmd.Stdout, e.cmd.Stderr = e.logs, e.logs
	e.Started = time.Now()
	if err := e.cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", invokeAddr, time.Second)
		if err == nil {
			_ = c.Close()
			return e, nil
		}
		if time.Now().After(deadline) {
			e.Close()
			return nil, fmt.Errorf("emulator did not listen on %s: %w\n%s", invokeAddr, err, e.logs.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Invoke sends one invocation and returns the function's answer.
func (e *Emulator) Invoke(payload []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	res, err := e.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("emulator answered %d: %s", res.StatusCode, b)
	}
	return b, nil
}

// Logs returns the emulator's and the bootstrap's output so far.
func (e *Emulator) Logs() string { return e.logs.String() }

// BootstrapPID finds the bootstrap process the emulator spawned (its child
// whose command name is "bootstrap").
func (e *Emulator) BootstrapPID() (int, error) {
	return childNamed(e.cmd.Process.Pid, "bootstrap")
}

// Close stops the emulator (and with it the bootstrap).
func (e *Emulator) Close() {
	if pid, err := e.BootstrapPID(); err == nil {
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill()
		}
	}
	_ = e.cmd.Process.Kill()
	_ = e.cmd.Wait()
}

// childNamed scans /proc for a process whose parent is ppid and whose
// command name (/proc/<pid>/stat, field 2) is name.
func childNamed(ppid int, name string) (int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "stat"))
		if err != nil {
			continue
		}
		comm, parent, err := ParseStat(string(b))
		if err == nil && parent == ppid && comm == name {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no child process %q of %d", name, ppid)
}

// ParseStat reads the command name and parent pid from the text of
// /proc/<pid>/stat ("pid (comm) state ppid ..."; comm may hold spaces and
// parentheses, so it ends at the last ')').
func ParseStat(stat string) (comm string, ppid int, err error) {
	open := strings.IndexByte(stat, '(')
	closing := strings.LastIndexByte(stat, ')')
	if open < 0 || closing < open {
		return "", 0, errors.New("malformed stat")
	}
	fields := strings.Fields(stat[closing+1:])
	if len(fields) < 2 {
		return "", 0, errors.New("malformed stat")
	}
	ppid, err = strconv.Atoi(fields[1])
	return stat[open+1 : closing], ppid, err
}

// ProcessCPU returns the CPU time all threads of a process have spent
// running so far, from /proc/<pid>/task/*/schedstat (first field,
// nanoseconds on the CPU). Unlike elapsed time it does not grow while the
// process waits for a CPU that other work holds.
func ProcessCPU(pid int) (time.Duration, error) {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "task")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, ent := range ents {
		b, err := os.ReadFile(filepath.Join(dir, ent.Name(), "schedstat"))
		if err != nil {
			continue // the thread exited
		}
		d, err := ParseSchedstat(string(b))
		if err != nil {
			return 0, err
		}
		total += d
	}
	return total, nil
}

// ParseSchedstat reads the on-CPU time (the first of three fields) from
// the text of /proc/<pid>/schedstat.
func ParseSchedstat(s string) (time.Duration, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return 0, fmt.Errorf("malformed schedstat %q", s)
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, err
	}
	return time.Duration(n), nil
}

// PeakRSS returns VmHWM (the peak resident set size) of a process in bytes.
func PeakRSS(pid int) (int64, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return ParseVmHWM(f)
}

// ParseVmHWM reads the "VmHWM:  1234 kB" line of /proc/<pid>/status.
func ParseVmHWM(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmHWM line %q", line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, err
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmHWM line")
}

var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// ParseInitDuration finds the emulator's "INIT REPORT(durationMs: x)" line:
// the time from starting the bootstrap to its first request for work.
func ParseInitDuration(logs string) (time.Duration, error) {
	m := initReport.FindStringSubmatch(logs)
	if m == nil {
		return 0, errors.New("no INIT REPORT line in the emulator's output")
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, err
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}
