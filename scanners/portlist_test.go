package scanners

import "testing"

func TestFormatPorts(t *testing.T) {
	l := FormatPorts([]uint16{443, 21, 22, 23, 25, 80, 22, 65535})
	if l != "21-23,25,80,443,65535" {
		t.Fatalf("got %q", l)
	}
	for p, want := range map[uint16]bool{21: true, 22: true, 24: false, 80: true, 6379: false, 65535: true, 0: false} {
		if PortsContain(l, p) != want {
			t.Errorf("contains %d: %v", p, !want)
		}
	}
	if FormatPorts(nil) != "" || PortsContain("", 80) || PortsContain("x-y,,", 80) {
		t.Error("empty or malformed lists contain nothing")
	}
}

func FuzzPortsContain(f *testing.F) {
	f.Add("21-23,25,80", uint16(22))
	f.Fuzz(func(t *testing.T, list string, p uint16) {
		PortsContain(list, p) // must not panic on any input
		if l := FormatPorts([]uint16{p}); !PortsContain(l, p) {
			t.Fatalf("%q does not contain %d", l, p)
		}
	})
}
