//go:build unix

package testtools

import (
	"errors"
	"os/exec"
	"testing"
	"time"
)

func TestAwait(t *testing.T) {
	p := StartGroup(t, exec.Command("sleep", "60"), "sleep")
	if err := p.Await(time.Minute, func() bool { return true }); err != nil {
		t.Fatalf("ready at once: %v", err)
	}
	if err := p.Await(100*time.Millisecond, func() bool { return false }); err == nil || errors.Is(err, ErrPortInUse) || !p.Exited() {
		t.Fatalf("never ready: %v; exited %v, want a timeout and the program stopped", err, p.Exited())
	}

	p = StartGroup(t, exec.Command("sh", "-c", "echo 'listen tcp 127.0.0.1:9001: bind: address already in use' >&2; exit 1"), "sh")
	if err := p.Await(time.Minute, func() bool { return false }); !errors.Is(err, ErrPortInUse) {
		t.Fatalf("port taken: %v, want ErrPortInUse", err)
	}
	p = StartGroup(t, exec.Command("sh", "-c", "echo 'no such file' >&2; exit 1"), "sh")
	if err := p.Await(time.Minute, func() bool { return false }); err == nil || errors.Is(err, ErrPortInUse) {
		t.Fatalf("another failure: %v", err)
	}
}
