package testtools

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// BuildBootstrap builds the package pkg the way a Lambda function is
// deployed (linux, CGO_ENABLED=0, -tags lambda.norpc, stripped) into a file
// named bootstrap, for the host's architecture so the Runtime Interface
// Emulator can run it.
func BuildBootstrap(t testing.TB, pkg string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-trimpath", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building bootstrap %s: %v\n%s", pkg, err, b)
	}
	return out
}

// StartRIE runs bootstrap under the Runtime Interface Emulator (found by
// RIE) as the function named function, with env added to the process
// environment, waits until it listens and stops it, and the bootstrap, when
// the test ends. It returns the invoke URL and the emulator's output (the
// bootstrap's included). The emulator takes one invoke at a time.
//
// The emulator must be told both its ports: it tells the bootstrap the
// runtime API address it was given, not the one it bound, and never says
// which invoke port it bound. So it is started on free ports and started
// again on others when one was taken first (StartOnFreePorts), and it is
// ready when it holds both ports itself: it logs nothing when it is.
func StartRIE(t testing.TB, bootstrap, function string, env ...string) (invokeURL string, output *Buffer) {
	t.Helper()
	rie := RIE(t)
	var p *Process
	ports := StartOnFreePorts(t, 2, func(ports []int) error {
		invoke, runtimeAPI := ports[0], ports[1]
		cmd := exec.Command(rie,
			"--runtime-interface-emulator-address", Loopback(invoke),
			"--runtime-api-address", Loopback(runtimeAPI),
			bootstrap)
		cmd.Dir = filepath.Dir(bootstrap)
		cmd.Env = append(append(os.Environ(), "AWS_LAMBDA_FUNCTION_TIMEOUT=30", "AWS_LAMBDA_FUNCTION_NAME="+function), env...)
		p = StartGroup(t, cmd, "Runtime Interface Emulator")
		return p.Await(20*time.Second, func() bool { return p.Listening(invoke) && p.Listening(runtimeAPI) })
	})
	return "http://" + Loopback(ports[0]) + "/2015-03-31/functions/function/invocations", &p.Output
}
