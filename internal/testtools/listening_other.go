//go:build !linux

package testtools

import (
	"net"
	"time"
)

// Listening reports whether port accepts connections on 127.0.0.1. Only
// Linux tells whose listener it is: elsewhere pid is not checked, and
// another process that took the port counts too.
func Listening(pid, port int) bool {
	c, err := net.DialTimeout("tcp", Loopback(port), time.Second)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}
