//go:build netlab

package portscan

import (
	"os/exec"
	"strings"
	"testing"
)

// portRange is lo..hi as a port list.
func portRange(lo, hi int) []uint16 {
	ports := make([]uint16, 0, hi-lo+1)
	for p := lo; p <= hi; p++ {
		ports = append(ports, uint16(p))
	}
	return ports
}

// nftTable replaces the scanner namespace's nftables table "ip table"
// with one holding rules, and removes it when the test ends; a namespace
// without nftables skips the test. The loss tests pin their source port
// and match on it, so the rules touch only their own traffic on the
// shared CI lab.
func nftTable(t *testing.T, table, rules string) {
	t.Helper()
	_ = exec.Command("nft", "delete", "table", "ip", table).Run()
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader("table ip " + table + " {" + rules + "}")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("nftables in the scanner namespace: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("nft", "delete", "table", "ip", table).Run() })
}
