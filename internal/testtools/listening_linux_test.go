package testtools

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// A port counts as the program's only when the program itself holds it.
func TestListening(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if !Listening(os.Getpid(), port) {
		t.Fatalf("this process's listener on %d not seen", port)
	}
	other := StartGroup(t, exec.Command("sleep", "60"), "sleep")
	if other.Listening(port) {
		t.Fatalf("port %d, held by this process, counted as the child's", port)
	}
	// A connection, not a listener, on the port is not listening.
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if Listening(os.Getpid(), c.LocalAddr().(*net.TCPAddr).Port) {
		t.Fatal("a connected socket counted as a listener")
	}
	l.Close()
	if Listening(os.Getpid(), port) {
		t.Fatalf("port %d still counted after its listener closed", port)
	}
}

// listenPortEnv makes TestHelperListen listen on the port it names.
const listenPortEnv = "TESTTOOLS_LISTEN_PORT"

// TestHelperListen is the program TestStartOnATakenPort starts: it
// listens on $TESTTOOLS_LISTEN_PORT until it is stopped, or exits saying
// why it cannot.
func TestHelperListen(t *testing.T) {
	port := os.Getenv(listenPortEnv)
	if port == "" {
		t.Skip("a helper program for TestStartOnATakenPort")
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer l.Close()
	select {}
}

// A program told to use a port another process took first is not taken
// for ready although the port accepts connections; it fails, and is
// started again on another port.
func TestStartOnATakenPort(t *testing.T) {
	var starts []int
	var taken net.Listener
	var p *Process
	ports := StartOnFreePorts(t, 1, func(ports []int) error {
		starts = append(starts, ports[0])
		if taken == nil {
			l, err := net.Listen("tcp", Loopback(ports[0]))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			taken = l
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperListen$")
		cmd.Env = append(os.Environ(), listenPortEnv+"="+strconv.Itoa(ports[0]))
		p = StartGroup(t, cmd, "helper")
		return p.Await(time.Minute, func() bool { return p.Listening(ports[0]) })
	})
	if len(starts) != 2 || ports[0] != starts[1] || ports[0] == starts[0] {
		t.Fatalf("started on %v, serving on %v; want a second start on another port", starts, ports)
	}
	if p.Exited() || !p.Listening(ports[0]) {
		t.Fatalf("the second start is not serving on %d", ports[0])
	}
}

// An in-process server that can only be told a port is served on another
// port when another process took the first one.
func TestServeOnFreePort(t *testing.T) {
	var mu sync.Mutex
	var ports []int
	port := ServeOnFreePort(t, func(port int) error {
		mu.Lock()
		ports = append(ports, port)
		first := len(ports) == 1
		mu.Unlock()
		if first {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperListen$")
			cmd.Env = append(os.Environ(), listenPortEnv+"="+strconv.Itoa(port))
			p := StartGroup(t, cmd, "helper")
			if err := p.Await(time.Minute, func() bool { return p.Listening(port) }); err != nil {
				t.Error(err)
			}
		}
		srv := &http.Server{Addr: Loopback(port), Handler: http.NotFoundHandler()}
		t.Cleanup(func() { srv.Close() })
		return srv.ListenAndServe()
	})
	mu.Lock()
	defer mu.Unlock()
	if len(ports) != 2 || port != ports[1] {
		t.Fatalf("served on %v, returned %d; want a second port", ports, port)
	}
	res, err := http.Get("http://" + Loopback(port))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", res.StatusCode)
	}
}
