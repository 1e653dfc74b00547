package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill cmd if dev itself dies without
// stopping it (kill -9), so no emulator outlives make dev.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
