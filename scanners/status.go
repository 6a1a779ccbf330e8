package scanners

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// Status classifies what happened on the wire. A per-target failure is data,
// carried in an Observation, never a Go error (zgrab2's ScanStatus idea).
type Status string

// The statuses an observation can carry.
const (
	OK              Status = "ok"
	Refused         Status = "refused"          // RST / ICMP port unreachable
	Timeout         Status = "timeout"          // no answer within the deadline
	Filtered        Status = "filtered"         // ICMP admin-prohibited, no route
	HandshakeFailed Status = "handshake-failed" // protocol handshake refused (TLS alert, 5xx greeting)
	ProtocolError   Status = "protocol-error"   // the peer spoke, but not the expected protocol
	RateLimited     Status = "rate-limited"     // the peer told us to go away (421, 4xx, too many connections)
	Interrupted     Status = "interrupted"      // the scan was cancelled before the probe finished
	OutOfScope      Status = "out-of-scope"     // the scope guard refused the address
	Unavailable     Status = "unavailable"      // the probe cannot run here (no --iface, no raw-socket privilege)
	Internal        Status = "internal"         // a bug: a probe panicked
)

// ErrOutOfScope is returned by Env.Dial for an address the scope guard refuses.
var ErrOutOfScope = errors.New("scanners: address outside the scan scope")

// StatusOf maps a network error to a Status. It is the single place where
// Go's error zoo becomes the small vocabulary checks reason about.
func StatusOf(err error) Status {
	switch {
	case err == nil:
		return OK
	case errors.Is(err, ErrOutOfScope):
		return OutOfScope
	case errors.Is(err, context.Canceled):
		return Interrupted
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return Timeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return Refused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return Filtered
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ProtocolError
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return Timeout
	}
	return ProtocolError
}
