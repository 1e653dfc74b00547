package testtools

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Listening reports whether the process pid itself (not a child of it) has
// a TCP socket listening on port. It asks the kernel, through /proc, rather
// than connecting: a connection would also succeed to another process that
// took the port, before the program told to use it fails to.
func Listening(pid, port int) bool {
	inodes := listeners(port)
	if len(inodes) == 0 {
		return false
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err != nil {
			continue
		}
		if inode, ok := strings.CutPrefix(link, "socket:["); ok && inodes[strings.TrimSuffix(inode, "]")] {
			return true
		}
	}
	return false
}

// listeners returns the inodes of the TCP sockets listening on port, on
// any address.
func listeners(port int) map[string]bool {
	suffix := fmt.Sprintf(":%04X", port)
	inodes := map[string]bool{}
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
		for line := range strings.Lines(string(b)) {
			f := strings.Fields(line)
			const listen = "0A"
			if len(f) >= 10 && f[3] == listen && strings.HasSuffix(f[1], suffix) {
				inodes[f[9]] = true
			}
		}
	}
	return inodes
}
