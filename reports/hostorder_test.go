package reports

import (
	"fmt"
	"strings"
	"testing"
)

// sscanfCompare is the ordering compareHosts had before its fast path:
// the fast path must not change any report's order.
func sscanfCompare(a, b string) int {
	key := func(h string) string {
		var p [4]int
		if n, _ := fmt.Sscanf(h, "%d.%d.%d.%d", &p[0], &p[1], &p[2], &p[3]); n == 4 {
			return fmt.Sprintf("4:%03d.%03d.%03d.%03d", p[0], p[1], p[2], p[3])
		}
		if strings.Contains(h, ":") {
			return "6:" + h
		}
		return "n:" + h
	}
	return strings.Compare(key(a), key(b))
}

func TestCompareHostsOrder(t *testing.T) {
	hosts := []string{"", "1.2.3.4", "1.2.3.40", "1.2.3.5", "10.0.0.1", "9.255.255.255", "198.51.100.7", "198.51.100.70",
		"01.2.3.4", "1.2.3.4:443", "1.2.3.4.5", "1.2.3", "1.2.3.", "1234.1.1.1", "1.2.3.45678", "999.999.999.999",
		"-1.2.3.4", "+1.2.3.4", " 1.2.3.4", "2001:db8::1", "2001:db8::10", "::1", "example.org", "a", "1.2.3.4x"}
	for _, a := range hosts {
		for _, b := range hosts {
			if got, want := compareHosts(a, b), sscanfCompare(a, b); got != want {
				t.Errorf("compareHosts(%q, %q) = %d, the Sscanf order gives %d", a, b, got, want)
			}
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	r := &Report{}
	for i := range 2000 {
		h := fmt.Sprintf("198.51.%d.%d", i/250, i%250)
		r.Assets = append(r.Assets, Asset{Host: h})
		r.Findings = append(r.Findings, Finding{ID: fmt.Sprint(i), Check: "service.exposed", Host: h, Status: "info"})
	}
	for b.Loop() {
		r.Normalize()
	}
}
