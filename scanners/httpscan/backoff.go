package httpscan

import (
	"context"
	"errors"
	"io"
	"syscall"
	"time"

	"shindan/scanners"
	"shindan/scanners/tlsclient"
)

// backoff is the pause before each new GET / after one that looked like a
// saturated server rather than a dead one. Small servers (tinyproxy,
// embedded web UIs) stop accepting or answering at their worker cap while
// the scan's other probes hold connections to them.
var backoff = []time.Duration{time.Second, 3 * time.Second}

// saturated reports a failed GET / worth retrying later: the server reset
// or closed the connection without a response, or it said nothing in time
// while the scan held other connections to that port (on any address: a
// dual-stack daemon shares its workers). A lone silent endpoint is not
// retried, so a tarpit costs no more than before.
func saturated(env *scanners.Env, t scanners.Target, err error) bool {
	var he *tlsclient.HandshakeError
	if errors.Is(err, context.Canceled) || errors.As(err, &he) && he.Gap != nil {
		return false // a server that answers a raw hello is not saturated
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	if scanners.StatusOf(err) != scanners.Timeout {
		return false
	}
	return env.OpenOnPort != nil && env.OpenOnPort(t.Port) > 0
}

// sleep waits d unless ctx ends first; it reports whether the wait ran out.
func sleep(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}
