package targets

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		kind    Kind
		want    string // canonical rendering of what was parsed
		port    uint16
		wantErr string
	}{
		{in: "198.51.100.7", kind: KindAddr, want: "198.51.100.7"},
		{in: "2001:DB8::1", kind: KindAddr, want: "2001:db8::1"},
		{in: "::ffff:198.51.100.7", kind: KindAddr, want: "198.51.100.7"},
		{in: "198.51.100.7:8443", kind: KindAddr, want: "198.51.100.7", port: 8443},
		{in: "[2001:db8::1]:25", kind: KindAddr, want: "2001:db8::1", port: 25},
		{in: "198.51.100.0/24", kind: KindPrefix, want: "198.51.100.0/24"},
		{in: "2001:db8:100::/64", kind: KindPrefix, want: "2001:db8:100::/64"},
		{in: "198.51.100.10-20", kind: KindRange, want: "198.51.100.10-198.51.100.20"},
		{in: "198.51.100.10-198.51.100.12", kind: KindRange, want: "198.51.100.10-198.51.100.12"},
		{in: "2001:db8::1-2001:db8::3", kind: KindRange, want: "2001:db8::1-2001:db8::3"},
		{in: "Mail.Example.JP.", kind: KindName, want: "mail.example.jp"},
		{in: "www.example.jp:8080", kind: KindName, want: "www.example.jp", port: 8080},
		{in: "https://www.example.jp/login", kind: KindName, want: "www.example.jp", port: 443},
		{in: "http://198.51.100.7:8080/", kind: KindAddr, want: "198.51.100.7", port: 8080},
		// issue 13: IPv6 literals in URLs and bare in brackets.
		{in: "http://[::1]/", kind: KindAddr, want: "::1", port: 80},
		{in: "https://[2001:db8::1]:8443/x", kind: KindAddr, want: "2001:db8::1", port: 8443},
		{in: "[::1]", kind: KindAddr, want: "::1"},
		{in: "[2001:db8::7]", kind: KindAddr, want: "2001:db8::7"},
		{in: "[198.51.100.7]", wantErr: "brackets hold an IPv6 address"},
		{in: "[::1", wantErr: "port"},
		{in: "198.51.100.1/24", wantErr: "host bits set"},
		{in: "198.51.100.0/33", wantErr: "not a valid CIDR"},
		{in: "198.51.100.20-10", wantErr: "backwards"},
		{in: "198.51.100.10-300", wantErr: "range end"},
		{in: "198.51.100.300", wantErr: "not a valid address"},
		{in: "198.51.100.1-2001:db8::1", wantErr: "mixes"},
		{in: "localhost.", kind: KindName, want: "localhost"},
		{in: "intranet", wantErr: "fully qualified"},
		{in: "bad_label-.example.jp", wantErr: "label"},
		{in: "gopher://x.example.jp", wantErr: "scheme"},
		{in: "host.example.jp:0", wantErr: "port"},
		{in: "fe80::1%eth0", wantErr: "zoned"},
		{in: "", wantErr: "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			sp, err := Parse(tc.in, "arg")
			if tc.wantErr != "" {
				var pe *ParseError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want *ParseError containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got string
			switch sp.Kind {
			case KindAddr:
				got = sp.Addr.String()
			case KindPrefix:
				got = sp.Prefix.String()
			case KindRange:
				got = sp.First.String() + "-" + sp.Last.String()
			case KindName:
				got = sp.Name
			}
			if sp.Kind != tc.kind || got != tc.want || sp.Port != tc.port {
				t.Fatalf("Parse(%q) = kind %d %q port %d; want kind %d %q port %d", tc.in, sp.Kind, got, sp.Port, tc.kind, tc.want, tc.port)
			}
		})
	}
}

func TestParseReaderLines(t *testing.T) {
	in := "# lab\n198.51.100.10, 198.51.100.11  # two\n\nmail.example.jp\n198.51.100.0/33\n"
	_, err := ParseReader(strings.NewReader(in), "targets.txt")
	if err == nil || !strings.Contains(err.Error(), "targets.txt:5") {
		t.Fatalf("error %v should name targets.txt:5", err)
	}
	specs, err := ParseReader(strings.NewReader(in[:strings.Index(in, "198.51.100.0/33")]), "t")
	if err != nil || len(specs) != 3 {
		t.Fatalf("got %d specs, %v", len(specs), err)
	}
	if _, err := ParseReader(strings.NewReader(strings.Repeat("a", 10000)), "long"); err == nil {
		t.Fatal("an over-long line must be rejected")
	}
	// A UTF-8 byte order mark (Windows editors) starts the file, not a target.
	specs, err = ParseReader(strings.NewReader("\ufeff198.51.100.10\r\n[2001:db8::1]\r\n"), "bom.txt")
	if err != nil || len(specs) != 2 || specs[0].Addr.String() != "198.51.100.10" {
		t.Fatalf("BOM file: %v %v", specs, err)
	}
	if _, err := ParseReader(strings.NewReader("198.51.100.10\n\ufeff198.51.100.11\n"), "mid.txt"); err == nil {
		t.Fatal("a BOM inside the file is not a target")
	}
}

type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	v, ok := f[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range v {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func (f fakeResolver) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	var out []*net.MX
	for _, h := range f["MX "+name] {
		out = append(out, &net.MX{Host: h + ".", Pref: 10})
	}
	return out, nil
}

func (f fakeResolver) LookupNS(_ context.Context, name string) ([]*net.NS, error) {
	var out []*net.NS
	for _, h := range f["NS "+name] {
		out = append(out, &net.NS{Host: h + "."})
	}
	return out, nil
}

func mustParse(t *testing.T, toks ...string) []Spec {
	t.Helper()
	var out []Spec
	for _, s := range toks {
		sp, err := Parse(s, "arg")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sp)
	}
	return out
}

func TestBuildScope(t *testing.T) {
	res := fakeResolver{
		"example.jp":      {"198.51.100.80"},
		"MX example.jp":   {"mx.example.jp"},
		"NS example.jp":   {"ns1.example.jp", "ns2.example.jp"},
		"mx.example.jp":   {"198.51.100.81", "2001:db8:100::81"},
		"ns1.example.jp":  {"198.51.100.82"},
		"ns2.example.jp":  {"198.51.100.12"}, // excluded below
		"www.example.jp":  {"198.51.100.80"},
		"skip.example.jp": {"198.51.100.13"},
	}
	targets := mustParse(t, "198.51.100.10-14", "198.51.100.12", "example.jp", "2001:db8:100::/64", "198.51.100.14/32")
	excl := mustParse(t, "198.51.100.12", "skip.example.jp")
	s, err := Build(context.Background(), targets, excl, Options{Resolver: res})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for h := range s.Hosts() {
		got = append(got, h.Addr.String())
	}
	want := "198.51.100.10 198.51.100.11 198.51.100.14 198.51.100.80 198.51.100.81 198.51.100.82 2001:db8:100::81"
	if strings.Join(got, " ") != want {
		t.Fatalf("hosts = %v\nwant    %v", got, want)
	}
	for addr, allowed := range map[string]bool{
		"198.51.100.10": true, "198.51.100.12": false, "198.51.100.13": false,
		"198.51.100.81": true, "2001:db8:100::dead": true, "2001:db8:101::1": false,
		"203.0.113.5": false, "198.51.100.15": false,
	} {
		if s.Allow(netip.MustParseAddr(addr)) != allowed {
			t.Errorf("Allow(%s) = %v, want %v", addr, !allowed, allowed)
		}
	}
	for h := range s.Hosts() {
		// .10, .11 come only from the range; .14 was also named alone.
		wantNamed := h.Addr.String() != "198.51.100.10" && h.Addr.String() != "198.51.100.11"
		if h.Named != wantNamed {
			t.Errorf("%s: Named = %v, want %v", h.Addr, h.Named, wantNamed)
		}
	}
	if len(s.Sparse) != 1 || s.Sparse[0].String() != "2001:db8:100::/64" {
		t.Errorf("sparse = %v", s.Sparse)
	}
	if len(s.Names) == 0 || s.Names[0].Name != "example.jp" || !s.Names[0].Domain || s.Names[0].Derived {
		t.Errorf("names = %+v", s.Names)
	}
	for _, n := range s.Names[1:] {
		if !n.Derived {
			t.Errorf("%s came from the domain and must be marked derived", n.Name)
		}
	}
	if !strings.Contains(strings.Join(s.Notes, "\n"), "ns2.example.jp (198.51.100.12): excluded") {
		t.Errorf("notes should report the excluded name server: %v", s.Notes)
	}
}

func TestBuildCap(t *testing.T) {
	_, err := Build(context.Background(), mustParse(t, "198.51.100.0/24"), nil, Options{MaxHosts: 100})
	if err == nil || !strings.Contains(err.Error(), "--max-hosts") {
		t.Fatalf("err = %v, want a --max-hosts error", err)
	}
	// A huge IPv6 range fails fast instead of walking.
	_, err = Build(context.Background(), mustParse(t, "2001:db8::-2001:db8::ffff:ffff:ffff"), nil, Options{})
	if err == nil {
		t.Fatal("expected a cap error for a huge IPv6 range")
	}
	// A /112 is enumerated (65536 addresses = the default cap).
	s, err := Build(context.Background(), mustParse(t, "2001:db8::/112"), nil, Options{})
	if err != nil || s.Len() != 65536 {
		t.Fatalf("/112: %d hosts, %v", s.Len(), err)
	}
}

func TestBuildUnresolvableExclusion(t *testing.T) {
	_, err := Build(context.Background(), mustParse(t, "198.51.100.1"), mustParse(t, "gone.example.jp"), Options{Resolver: fakeResolver{}})
	if err == nil {
		t.Fatal("an exclusion that does not resolve must stop the scan")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"198.51.100.1", "198.51.100.0/24", "198.51.100.1-9", "a.example.jp:25", "https://[2001:db8::1]:8443/x", "2001:db8::1-2001:db8::9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := Parse(s, "fuzz")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			return
		}
		if sp.Kind == KindRange && sp.Last.Less(sp.First) {
			t.Fatalf("backwards range accepted: %q", s)
		}
		if sp.Kind == KindName && (sp.Name == "" || strings.ContainsAny(sp.Name, " /")) {
			t.Fatalf("bad name accepted: %q", s)
		}
	})
}

func FuzzParseReader(f *testing.F) {
	f.Add("198.51.100.1 # c\nexample.jp,198.51.100.0/30\n")
	f.Fuzz(func(t *testing.T, s string) {
		specs, err := ParseReader(strings.NewReader(s), "fuzz")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz") {
				t.Fatalf("error %q does not name its source", err)
			}
			return
		}
		for _, sp := range specs {
			again, err := Parse(sp.Raw, "again")
			if err != nil || again.Kind != sp.Kind {
				t.Fatalf("token %q parsed in a file but not alone: %v", sp.Raw, err)
			}
		}
	})
}

// A URL names one endpoint: its host is scanned on the URL's port alone,
// unless another target names the host too.
func TestBuildURLEndpoint(t *testing.T) {
	res := fakeResolver{
		"www.example.jp":    {"198.51.100.80"},
		"MX www.example.jp": {"mx.example.jp"},
		"mx.example.jp":     {"198.51.100.81"},
		"app.example.jp":    {"198.51.100.90"},
	}
	targets := mustParse(t, "http://www.example.jp:8080/", "https://198.51.100.70/", "http://198.51.100.71:81/", "198.51.100.71",
		"app.example.jp", "http://app.example.jp:8000/")
	s, err := Build(context.Background(), targets, nil, Options{Resolver: res})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for h := range s.Hosts() {
		got[h.Addr.String()] = fmt.Sprint(h.OnlyPorts, h.Ports)
	}
	want := map[string]string{
		"198.51.100.80": "true [8080]", // no MX expansion from a URL
		"198.51.100.70": "true [443]",
		"198.51.100.71": "false [81]", // also named as an address: scanned in full
		"198.51.100.90": "false [8000]",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("hosts %v\nwant  %v", got, want)
	}
}
