package dnsclient

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadResolvConf(t *testing.T) {
	cases := []struct {
		name, conf string
		want       string // server, or "" when an error is expected
		errHas     string
	}{
		{"plain", "nameserver 198.51.100.53\n", "198.51.100.53:53", ""},
		{"comments and options first", "# generated\n; old style comment\noptions edns0 trust-ad\nsearch lab.test\nnameserver 203.0.113.9\nnameserver 198.51.100.1\n", "203.0.113.9:53", ""},
		{"commented nameserver is no nameserver", "#nameserver 198.51.100.7\n; nameserver 198.51.100.8\nnameserver 198.51.100.9\n", "198.51.100.9:53", ""},
		{"indented and tabbed", "  nameserver\t2001:db8::53   # trailing words\n", "[2001:db8::53]:53", ""},
		{"ipv6 with zone keeps the zone", "nameserver fe80::1%eth0\n", "[fe80::1%eth0]:53", ""},
		{"no final newline", "nameserver 198.51.100.2", "198.51.100.2:53", ""},
		{"bad line skipped for a good one", "nameserver dns.example\nnameserver 198.51.100.3\n", "198.51.100.3:53", ""},
		{"no nameserver line", "search lab.test\noptions ndots:2\n", "", "resolv.conf: no nameserver line"},
		{"empty", "", "", "no nameserver line"},
		{"only a hostname", "search x\nnameserver dns.example\n", "", `line 2: nameserver "dns.example" is not an IP address`},
		{"nameserver without address", "nameserver\n", "", "line 1: nameserver without an address"},
		{"keyword must be whole", "nameservers 198.51.100.4\n", "", "no nameserver line"},
		{"overlong line", "nameserver " + strings.Repeat("1", maxConfLine) + "\n", "", "longer than 4096 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ap, err := ReadResolvConf(strings.NewReader(c.conf))
			if c.want != "" {
				if err != nil || ap.String() != c.want {
					t.Fatalf("got %v, %v; want %s", ap, err, c.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.errHas) || !strings.HasPrefix(err.Error(), "dnsclient: ") {
				t.Fatalf("got %v, %v; want an error with %q", ap, err, c.errHas)
			}
		})
	}
}

func TestServerFromFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := ServerFromFile(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("missing file: %v", err)
	}
	p := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(p, []byte("search x\n\nnameserver 999.1.1.1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ServerFromFile(p)
	if want := "dnsclient: " + p + `:3: nameserver "999.1.1.1" is not an IP address`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want %s...", err, want)
	}
	if err := os.WriteFile(p, []byte("options rotate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ServerFromFile(p); err == nil || err.Error() != "dnsclient: "+p+": no nameserver line" {
		t.Fatalf("no nameserver: %v", err)
	}
	if err := os.WriteFile(p, []byte("nameserver 2001:db8::1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := ServerFromFile(p); err != nil || s != "[2001:db8::1]:53" {
		t.Fatalf("got %s, %v", s, err)
	}
}
