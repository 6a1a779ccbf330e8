package svcscan

import (
	"bytes"
	"testing"
	"time"

	"shindan/scanners"
)

// TestHostilePeers checks that tarpits and floods cost bounded time and
// memory: the whole identification must end within about twice IOTimeout.
func TestHostilePeers(t *testing.T) {
	const timeout = time.Second
	flood := bytes.Repeat([]byte("A"), 64<<10)
	tests := []struct {
		name string
		srv  fake
	}{
		{"banner one byte per second", fake{greeting: bytes.Repeat([]byte("220 "), 100), drip: time.Second}},
		{"replies one byte per second", fake{drip: time.Second, respond: func([]byte) ([]byte, bool) {
			return bytes.Repeat([]byte("+"), 100), false
		}}},
		{"smtp that drips after the greeting", fake{greeting: []byte("220 mx ESMTP\r\n"), respond: func([]byte) ([]byte, bool) {
			return []byte("250-mx\r\n250-mx\r\n250-mx\r\n250-mx\r\n250-mx\r\n"), false
		}, drip: 300 * time.Millisecond}},
		{"endless banner", fake{greeting: flood, respond: func([]byte) ([]byte, bool) { return flood, false }}},
		{"endless replies", fake{respond: func([]byte) ([]byte, bool) { return flood, false }}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := tc.srv.start(t)
			start := time.Now()
			o := identify(t, testEnv(timeout), tg)
			d := time.Since(start)
			if d > 2*timeout+500*time.Millisecond {
				t.Errorf("took %s, want ≤ ~%s", d, 2*timeout)
			}
			if s, ok := o.Data.(*scanners.Service); ok && len(s.Banner) > maxBanner {
				t.Errorf("banner %d bytes", len(s.Banner))
			}
			if len(o.Evidence) == 0 || len(o.Evidence[0].Data) > maxTranscript {
				t.Errorf("evidence unbounded: %d", len(o.Evidence[0].Data))
			}
			t.Logf("%s: %s %s in %s", tc.name, o.Status, o.Reason, d.Round(time.Millisecond))
		})
	}
}
