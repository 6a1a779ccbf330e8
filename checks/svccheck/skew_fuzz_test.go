package svccheck

import (
	"testing"
	"time"

	"shindan/checks"
	"shindan/scanners"
)

// FuzzSkew feeds server-chosen Date values (an HTTP Date header, an SMTP
// greeting's time) through time.skew: no panic, one verdict per endpoint,
// and a clock the check cannot read is an error, never a pass.
func FuzzSkew(f *testing.F) {
	local := at.Format(time.RFC3339Nano)
	for _, s := range []string{"Thu, 26 Nov 2026 08:00:30 GMT", "Thu, 26 Nov 2026 09:00:00 +0100", local, "", "yesterday", "Mon, 99 Foo 0000 99:99:99 GMT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, date string) {
		o := svc(legacy, 80, scanners.Service{Name: "http", Date: date, Local: local})
		fs := skew{}.Evaluate(&checks.Input{Obs: []scanners.Observation{o}, Policy: checks.DefaultPolicy(), Now: at})
		if date == "" {
			if len(fs) != 0 {
				t.Fatalf("no Date, yet %d findings", len(fs))
			}
			return
		}
		if len(fs) != 1 {
			t.Fatalf("%d findings for one endpoint", len(fs))
		}
		if _, err := parseClock(date); err != nil && fs[0].Status != checks.Error {
			t.Fatalf("unreadable %q gave %s", date, fs[0].Status)
		}
	})
}
