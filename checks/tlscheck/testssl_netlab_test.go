//go:build netlab

package tlscheck_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"shindan/internal/netlab"
	"shindan/scanners/tlsscan"
)

var testsslID = regexp.MustCompile(`^cipher-(ssl2|ssl3|tls1|tls1_1|tls1_2|tls1_3)_x([0-9a-fA-F]+)$`)

// testsslPairs runs testssl.sh -E on addr and returns its accepted
// "PROTO,0xCODE" pairs.
func testsslPairs(t *testing.T, bin, addr string) []string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "testssl.json")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--quiet", "--warnings", "off", "--color", "0", "--ip", "one", "-E", "--jsonfile", out, addr)
	if b, err := cmd.CombinedOutput(); err != nil && ctx.Err() != nil {
		t.Fatalf("testssl.sh: %v\n%s", err, b)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("testssl.sh wrote no JSON: %v", err)
	}
	var entries []struct{ ID, Finding string }
	if err := json.Unmarshal(raw, &entries); err != nil {
		t.Fatalf("testssl.sh JSON: %v", err)
	}
	names := map[string]string{"ssl2": "SSL2.0", "ssl3": "SSL3.0", "tls1": "TLS1.0", "tls1_1": "TLS1.1", "tls1_2": "TLS1.2", "tls1_3": "TLS1.3"}
	var pairs []string
	for _, e := range entries {
		m := testsslID.FindStringSubmatch(e.ID)
		if m == nil || strings.Contains(e.Finding, "not offered") {
			continue
		}
		code, _ := strconv.ParseUint(m[2], 16, 32)
		pairs = append(pairs, fmt.Sprintf("%s,0x%04X", names[m[1]], code))
	}
	slices.Sort(pairs)
	return slices.Compact(pairs)
}

// TestLabAgreesWithTestssl: on stacks Go cannot speak, every (protocol,
// suite) pair testssl.sh finds, tlsscan finds too. lab install brings
// testssl.sh (tlsdhe's PACKAGES).
func TestLabAgreesWithTestssl(t *testing.T) {
	l := netlab.Require(t)
	bin, err := exec.LookPath("testssl")
	if err != nil {
		t.Fatalf("testssl.sh is not installed (lab install puts it in): %v", err)
	}
	for _, host := range []string{"tlsdhe"} { // testssl.sh -E takes 1-2 min per host: bench/tls/compare.sh does the rest
		t.Run(host, func(t *testing.T) {
			t.Parallel()
			addr := fmt.Sprintf("%s:443", l.Host(host).IPv4)
			want := testsslPairs(t, bin, addr)
			if len(want) == 0 {
				t.Fatalf("testssl.sh found no pair on %s: nothing to agree with", addr)
			}
			res, err := tlsscan.Scan(context.Background(), tlsscan.Config{Addr: addr, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range res.Protocols {
				for _, s := range p.Suites {
					got = append(got, p.Name+","+s.Code)
				}
			}
			for _, p := range want {
				if !slices.Contains(got, p) {
					t.Errorf("testssl.sh finds %s, tlsscan does not", p)
				}
			}
			t.Logf("%s: testssl.sh %d pairs, tlsscan %d", host, len(want), len(got))
		})
	}
}
