package portscan

import (
	"slices"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		tcp     []uint16
		udp     []uint16
		wantErr string
	}{
		{name: "list and range", in: "22,80-82,22", tcp: []uint16{22, 80, 81, 82}},
		{name: "udp switch", in: "25,U:53,161,T:443", tcp: []uint16{25, 443}, udp: []uint16{53, 161}},
		{name: "single top end", in: "65535", tcp: []uint16{65535}},
		{name: "zero", in: "0", wantErr: "not a port"},
		{name: "too big", in: "65536", wantErr: "not a port"},
		{name: "backwards", in: "90-80", wantErr: "backwards"},
		{name: "garbage", in: "http", wantErr: "not a port"},
		{name: "empty item", in: "22,,23", wantErr: "empty item"},
		{name: "empty", in: " ", wantErr: "empty port"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sp, err := ParseSpec(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseSpec(%q) error = %v, want %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(sp.TCP, tc.tcp) || !slices.Equal(sp.UDP, tc.udp) {
				t.Fatalf("ParseSpec(%q) = %v / %v, want %v / %v", tc.in, sp.TCP, sp.UDP, tc.tcp, tc.udp)
			}
		})
	}
}

func TestParseSpecLists(t *testing.T) {
	for name, want := range map[string]int{"top100": 100, "top1000": 1000, "all": 65535, "U:top100": 100} {
		sp, err := ParseSpec(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(sp.TCP) + len(sp.UDP); got != want {
			t.Errorf("%s: %d ports, want %d", name, got, want)
		}
	}
	sp, _ := ParseSpec("top100")
	if sp.TCP[0] != 80 {
		t.Errorf("top100 should start with the most frequent port 80, got %d", sp.TCP[0])
	}
	sp, _ = ParseSpec("top1000,extra")
	if !slices.Contains(sp.TCP, 6379) || !slices.Contains(sp.TCP, 11211) {
		t.Error("extra must add database ports")
	}
	if got := (Spec{TCP: []uint16{5, 1, 2, 3, 9}}).String(); got != "tcp:1-3,5,9" {
		t.Errorf("String = %q", got)
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"22", "1-1024", "top100,U:53", "all", "T:80,U:1-3", "5-", "-5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := ParseSpec(s)
		if err != nil {
			return
		}
		for _, p := range append(sp.TCP, sp.UDP...) {
			if p == 0 {
				t.Fatalf("ParseSpec(%q) produced port 0", s)
			}
		}
	})
}
