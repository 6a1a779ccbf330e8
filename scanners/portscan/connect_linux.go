package portscan

import "golang.org/x/sys/unix"

// bindSrcPort binds a connect scan socket to a fixed source port (any
// address). SO_REUSEADDR lets many sockets share it: none listens, and
// each goes to another destination port, so every 4-tuple is distinct.
func bindSrcPort(fd, family int, port uint16) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return err
	}
	if family == unix.AF_INET6 {
		return unix.Bind(fd, &unix.SockaddrInet6{Port: int(port)})
	}
	return unix.Bind(fd, &unix.SockaddrInet4{Port: int(port)})
}
