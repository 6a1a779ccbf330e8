package portscan

import (
	"sync"
	"time"
)

// rttEstimator sets the connect timeout from measured round trips, as TCP
// (RFC 6298) and nmap's timing do: the smoothed RTT and its variance from
// every answer (SYN-ACK or RST), the timeout srtt + 4·rttvar within
// [minRTO, max]. Until the first answer it is the initial timeout. A
// filtered port thus costs a few round trips on a responsive network, not
// the full --connect-timeout, while a slow network still gets its due.
type rttEstimator struct {
	mu           sync.Mutex
	srtt, rttvar time.Duration
	samples      int
	initial, max time.Duration
}

// minRTO is the floor of the timeout (nmap's --min-rtt-timeout at -T4):
// below it, scheduling jitter on the scanner itself would read as loss.
const minRTO = 100 * time.Millisecond

func newRTT(max time.Duration) *rttEstimator {
	return &rttEstimator{initial: min(max, time.Second), max: max}
}

// sample records the round trip of one answered attempt.
func (e *rttEstimator) sample(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.samples == 0 {
		e.srtt, e.rttvar = d, d/2
	} else {
		diff := e.srtt - d
		if diff < 0 {
			diff = -diff
		}
		e.rttvar = (3*e.rttvar + diff) / 4
		e.srtt = (7*e.srtt + d) / 8
	}
	e.samples++
}

// rto is the current timeout of one attempt.
func (e *rttEstimator) rto() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.samples == 0 {
		return e.initial
	}
	return min(e.max, max(minRTO, e.srtt+4*e.rttvar))
}
