//go:build unix

package testtools

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Process is a program a test started with StartGroup: its output, and
// whether it has exited.
type Process struct {
	// Output collects the program's stdout and stderr.
	Output Buffer
	done   chan struct{}
}

// Exited reports whether the program has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// StartGroup starts cmd in a process group of its own, collecting its
// output, and stops the whole group when the test ends (SIGTERM, SIGKILL
// after 10 s): dev servers such as netlify dev and wrangler dev start
// children that would otherwise outlive the test. The output is logged
// under name when the test failed.
func StartGroup(t testing.TB, cmd *exec.Cmd, name string) *Process {
	t.Helper()
	p := &Process{done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.Output, &p.Output
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.Output.String())
		}
	})
	return p
}
