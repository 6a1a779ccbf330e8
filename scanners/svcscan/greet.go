package svcscan

import (
	"regexp"
	"time"
)

// Mail servers make clients wait for their greeting on purpose: Postfix
// postscreen sends "220-" and pauses about 6 s to catch clients that talk
// first, busy or tarpitting MTAs take longer, and RFC 5321 §4.5.3.2.1
// lets a client wait 5 minutes. A banner wait tuned for SSH (1.5 s) would
// call such a server unidentified and skip every smtp.* check, so mail
// ports wait Settings.SMTP.Greet() (30 s by default, --greet-timeout).

// greetPorts are the ports where the server speaks first with an SMTP
// greeting (465 speaks TLS first: its greeting follows the handshake).
var greetPorts = map[uint16]bool{25: true, 587: true, 2525: true}

// bannerWaitFor is the banner wait on port p.
func (c config) bannerWaitFor(p uint16) time.Duration {
	if greetPorts[p] {
		return max(c.greet, c.bannerWait)
	}
	return c.bannerWait
}

// budgetFor is the hard bound of one endpoint: the greeting wait comes on
// top of the protocol probes that follow when no greeting came.
func (c config) budgetFor(p uint16) time.Duration {
	if greetPorts[p] {
		return c.budget + c.greet
	}
	return c.budget
}

// continued matches a reply's continuation line ("220-"): the reply is
// not over, and talking now is exactly what postscreen's pregreet test
// punishes, so the wait goes on until the final line.
var continued = regexp.MustCompile(`^[0-9]{3}-`)

// greetingPending reports a multiline reply whose last line has not come.
func greetingPending(b []byte) bool {
	return continued.Match(b) && !replyDone(b)
}
