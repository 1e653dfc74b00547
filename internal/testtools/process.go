package testtools

import (
	"fmt"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// Process is a program a test started with StartGroup: its output, and
// whether it has exited.
type Process struct {
	// Output collects the program's stdout and stderr.
	Output Buffer
	name   string
	pid    int
	done   chan struct{}
	err    error // cmd.Wait's, once done is closed
	stop   sync.Once
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

// Listening reports whether the program itself, not a child of it or
// another process, listens on port (see the function Listening).
func (p *Process) Listening(port int) bool { return Listening(p.pid, port) }

// Await polls ready until it reports true. If the program exits first, or
// timeout passes, Await stops the program and returns an error, which wraps
// ErrPortInUse when the output says an address was already in use.
func (p *Process) Await(timeout time.Duration, ready func() bool) error {
	deadline := time.Now().Add(timeout)
	var err error
	for !ready() {
		if p.Exited() {
			err = fmt.Errorf("%s exited before it was ready", p.name)
			if p.err != nil {
				err = fmt.Errorf("%w: %w", err, p.err)
			}
			break
		}
		if time.Now().After(deadline) {
			err = fmt.Errorf("%s was not ready after %v", p.name, timeout)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err == nil {
		return nil
	}
	p.Stop()
	if addrInUse(p.Output.String()) {
		return fmt.Errorf("%w: %w", ErrPortInUse, err)
	}
	return err
}

// Stop ends the program's process group: SIGTERM, then SIGKILL after 10 s
// (outside unix, where there are no groups, the program is killed). It
// returns once the program has exited.
func (p *Process) Stop() {
	p.stop.Do(func() {
		terminate(p.pid)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			kill(p.pid)
			<-p.done
		}
	})
}

// StartGroup starts cmd in a process group of its own, collecting its
// output, and stops the whole group when the test ends (see Stop): dev
// servers such as netlify dev and wrangler dev start children that would
// otherwise outlive the test. The output is logged under name when the
// test failed.
func StartGroup(t testing.TB, cmd *exec.Cmd, name string) *Process {
	t.Helper()
	p := &Process{name: name, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.Output, &p.Output
	newGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.pid = cmd.Process.Pid
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.Output.String())
		}
	})
	return p
}
