package testtools

import (
	"net"
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
// environment, waits until it listens and stops it when the test ends. It
// returns the invoke URL and the emulator's output (the bootstrap's
// included). The emulator takes one invoke at a time.
func StartRIE(t testing.TB, bootstrap, function string, env ...string) (invokeURL string, output *Buffer) {
	t.Helper()
	rie := RIE(t)
	invokeAddr, runtimeAddr := LoopbackAddr(t), LoopbackAddr(t)
	output = &Buffer{}
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", runtimeAddr,
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = append(append(os.Environ(), "AWS_LAMBDA_FUNCTION_TIMEOUT=30", "AWS_LAMBDA_FUNCTION_NAME="+function), env...)
	cmd.Stdout, cmd.Stderr = output, output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("Runtime Interface Emulator output:\n%s", output.String())
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", invokeAddr, time.Second)
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Runtime Interface Emulator did not listen on %s: %v\n%s", invokeAddr, err, output.String())
		}
	}
	return "http://" + invokeAddr + "/2015-03-31/functions/function/invocations", output
}
