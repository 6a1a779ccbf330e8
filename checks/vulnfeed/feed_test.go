package vulnfeed

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"9.2p1", "9.3p2", -1},
		{"9.2", "9.2p1", -1},
		{"9.3p2", "9.3p2", 0},
		{"1.22.1", "1.22.10", -1},
		{"1.22.10", "1.9", 1},
		{"7.0.15", "7.0.12", 1},
		{"2.4.057", "2.4.57", 0},
		{"1.0.1", "1.0.beta", 1},
		{"10.11.6", "10.11.6-MariaDB", -1},
	} {
		if got := Compare(tc.a, tc.b); got != tc.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Compare(tc.b, tc.a); got != -tc.want {
			t.Errorf("Compare(%q, %q) = %d, want %d (antisymmetry)", tc.b, tc.a, got, -tc.want)
		}
	}
}

func TestParseCPE(t *testing.T) {
	c, ok := ParseCPE(`cpe:2.3:a:openbsd:openssh:7.4:p1:*:*:*:*:*:*`)
	if !ok || c.Vendor != "openbsd" || c.Product != "openssh" || c.Version != "7.4p1" {
		t.Errorf("got %+v %v", c, ok)
	}
	c, ok = ParseCPE(`cpe:2.3:a:microsoft:internet_information_services:10.0:*:*:*:*:*:*:*`)
	if !ok || c.Version != "10.0" {
		t.Errorf("got %+v %v", c, ok)
	}
	if _, ok := ParseCPE("cpe:/a:openbsd:openssh:7.4"); ok {
		t.Error("CPE 2.2 URIs are not CPE 2.3 formatted strings")
	}
}

func TestLoadAndLookup(t *testing.T) {
	f, err := Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Files) != 2 || !strings.HasPrefix(f.Digest, "sha256:") {
		t.Fatalf("files %v digest %q", f.Files, f.Digest)
	}
	ids := func(cpe string) []string {
		var out []string
		for _, v := range f.Lookup(cpe) {
			out = append(out, v.ID+"/"+v.Severity)
		}
		return out
	}
	for _, tc := range []struct {
		name, cpe string
		want      []string
	}{
		{"openssh in range", "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*", []string{"CVE-2099-0001/critical"}},
		{"openssh at the fixed version", "cpe:2.3:a:openbsd:openssh:9.3p2:*:*:*:*:*:*:*", nil},
		{"openssh below the range", "cpe:2.3:a:openbsd:openssh:5.4:*:*:*:*:*:*:*", nil},
		{"openssh, other vendor", "cpe:2.3:a:other:openssh:9.2p1:*:*:*:*:*:*:*", nil},
		{"nginx exact", "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*", []string{"CVE-2099-0002/medium"}},
		{"nginx other version", "cpe:2.3:a:f5:nginx:1.22.10:*:*:*:*:*:*:*", nil},
		{"redis via OSV, any vendor", "cpe:2.3:a:redis:redis:7.0.11:*:*:*:*:*:*:*", []string{"OSV-TEST-0001/high"}},
		{"redis fixed", "cpe:2.3:a:redis:redis:7.0.15:*:*:*:*:*:*:*", nil},
		{"no version", "cpe:2.3:a:redis:redis:*:*:*:*:*:*:*:*", nil},
	} {
		if got := ids(tc.cpe); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "",
		"not json":       "{oops",
		"wrong document": `{"cves": []}`,
		"osv without id": `{"affected": []}`,
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	dir := t.TempDir()
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "no .json") {
		t.Errorf("empty folder: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"vulnerabilities": 3}`), 0o644)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("bad file: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/nvd-openssh.json", "testdata/osv-redis.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*")
	}
	f.Add([]byte(`{"id":"x","affected":[{"package":{"name":"a"},"ranges":[{"events":[{"fixed":"1"},{"introduced":"2"}]}]}]}`), "cpe:2.3:a:a:a:1.5")
	f.Fuzz(func(t *testing.T, b []byte, cpe string) {
		vs, err := Parse(b)
		if err != nil {
			return
		}
		feed := &Feed{Vulns: vs}
		for _, v := range feed.Lookup(cpe) {
			if v.ID == "" {
				t.Fatal("an entry without an ID matched")
			}
		}
	})
}
