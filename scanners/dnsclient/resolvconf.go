package dnsclient

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
)

// SystemConfig is the system resolver's configuration (resolv.conf(5)).
const SystemConfig = "/etc/resolv.conf"

// maxConfLine bounds one line of a resolver configuration; resolv.conf
// lines are short, a longer one is not a configuration.
const maxConfLine = 4096

// SystemServer is the first nameserver of /etc/resolv.conf as "ip:53", the
// server the probes ask for the scanner's own lookups when --resolver is
// not given.
func SystemServer() (string, error) { return ServerFromFile(SystemConfig) }

// ServerFromFile is SystemServer for the configuration file at path.
func ServerFromFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("dnsclient: system resolver: %w", err)
	}
	defer f.Close()
	ap, err := ReadResolvConf(f)
	var ce *ConfError
	if errors.As(err, &ce) {
		if ce.Line > 0 {
			return "", fmt.Errorf("dnsclient: %s:%d: %s", path, ce.Line, ce.Reason)
		}
		return "", fmt.Errorf("dnsclient: %s: %s", path, ce.Reason)
	}
	if err != nil {
		return "", fmt.Errorf("dnsclient: %s: %w", path, err)
	}
	return ap.String(), nil
}

// ConfError is a resolver configuration without a usable nameserver.
type ConfError struct {
	Line   int // the first unusable nameserver line; 0 when there is none
	Reason string
}

func (e *ConfError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("dnsclient: resolv.conf line %d: %s", e.Line, e.Reason)
	}
	return "dnsclient: resolv.conf: " + e.Reason
}

// ReadResolvConf returns the first usable nameserver of a resolv.conf as
// address and port 53. Comments (';' or '#' first on a line), other
// keywords and fields after the address are passed over, as the C library
// does. An IPv6 address keeps its zone ("fe80::1%eth0"): a link-local
// server is reachable only through it. Without a usable nameserver the
// error is a *ConfError naming the first unusable nameserver line, if any.
func ReadResolvConf(r io.Reader) (netip.AddrPort, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxConfLine)
	var bad *ConfError
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "nameserver" {
			continue
		}
		if len(f) < 2 {
			if bad == nil {
				bad = &ConfError{Line: n, Reason: "nameserver without an address (and no usable nameserver line)"}
			}
			continue
		}
		a, err := netip.ParseAddr(f[1])
		if err != nil {
			if bad == nil {
				bad = &ConfError{Line: n, Reason: fmt.Sprintf("nameserver %q is not an IP address (and no usable nameserver line)", f[1])}
			}
			continue
		}
		return netip.AddrPortFrom(a, 53), nil
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return netip.AddrPort{}, &ConfError{Reason: fmt.Sprintf("a line longer than %d bytes", maxConfLine)}
		}
		return netip.AddrPort{}, fmt.Errorf("dnsclient: read resolv.conf: %w", err)
	}
	if bad != nil {
		return netip.AddrPort{}, bad
	}
	return netip.AddrPort{}, &ConfError{Reason: "no nameserver line"}
}
