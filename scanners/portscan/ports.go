// Package portscan discovers open ports: a TCP connect scanner that needs no
// privilege (this file's package also holds the raw SYN and UDP sweepers).
//
//go:generate ./genports.sh
package portscan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Spec is a parsed port specification.
type Spec struct {
	TCP []uint16
	UDP []uint16
}

// Extra holds ports a posture scan must never miss although they are rare
// in nmap's frequency table: databases, caches, consoles and legacy admin
// services (service.database, service.cleartext-admin).
var Extra = []uint16{
	512, 513, 514, 873, 1433, 1521, 2049, 2375, 2376, 3306, 3389, 5432, 5601, 5900, 5984,
	6379, 7001, 8086, 9042, 9200, 9300, 11211, 27017, 27018, 28017, 50000,
}

// ParseSpec parses a port specification: comma-separated tokens, each a
// port ("22"), a range ("1-1024"), or a list name ("top100", "top1000",
// "all", "extra"). A "U:" prefix switches the following tokens to UDP and
// "T:" back to TCP ("top1000,U:53,161"). Ports are deduplicated and kept in
// the order given, so frequent ports are probed first.
func ParseSpec(s string) (Spec, error) {
	var sp Spec
	seen := map[string]bool{}
	add := func(udp bool, ps ...uint16) {
		for _, p := range ps {
			k := "t" + strconv.Itoa(int(p))
			if udp {
				k = "u" + k[1:]
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			if udp {
				sp.UDP = append(sp.UDP, p)
			} else {
				sp.TCP = append(sp.TCP, p)
			}
		}
	}
	udp := false
	if strings.TrimSpace(s) == "" {
		return sp, fmt.Errorf("portscan: empty port specification")
	}
	for _, tok := range strings.Split(s, ",") {
		tok = strings.ToLower(strings.TrimSpace(tok))
		switch {
		case strings.HasPrefix(tok, "u:"):
			udp, tok = true, tok[2:]
		case strings.HasPrefix(tok, "t:"):
			udp, tok = false, tok[2:]
		}
		switch tok {
		case "":
			return sp, fmt.Errorf("portscan: empty item in port specification %q", s)
		case "top100":
			if udp {
				add(true, topUDP...)
			} else {
				add(false, topTCP[:100]...)
			}
		case "top1000":
			if udp {
				add(true, topUDP...)
			} else {
				add(false, topTCP...)
			}
		case "extra":
			add(udp, Extra...)
		case "all", "-":
			all := make([]uint16, 0, 65535)
			for p := 1; p <= 65535; p++ {
				all = append(all, uint16(p))
			}
			add(udp, all...)
		default:
			lo, hi, isRange := strings.Cut(tok, "-")
			a, err := parsePort(lo)
			if err != nil {
				return sp, err
			}
			b := a
			if isRange {
				if b, err = parsePort(hi); err != nil {
					return sp, err
				}
				if b < a {
					return sp, fmt.Errorf("portscan: range %q runs backwards", tok)
				}
			}
			for p := a; ; p++ {
				add(udp, p)
				if p == b {
					break
				}
			}
		}
	}
	return sp, nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("portscan: %q is not a port (1-65535), a range or one of top100, top1000, extra, all", s)
	}
	return uint16(n), nil
}

// String renders a spec compactly for logs and reports.
func (sp Spec) String() string {
	var parts []string
	if len(sp.TCP) > 0 {
		parts = append(parts, "tcp:"+compact(sp.TCP))
	}
	if len(sp.UDP) > 0 {
		parts = append(parts, "udp:"+compact(sp.UDP))
	}
	return strings.Join(parts, " ")
}

func compact(ps []uint16) string {
	s := slices.Clone(ps)
	slices.Sort(s)
	var out []string
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		if j > i {
			out = append(out, fmt.Sprintf("%d-%d", s[i], s[j]))
		} else {
			out = append(out, strconv.Itoa(int(s[i])))
		}
		i = j + 1
	}
	return strings.Join(out, ",")
}
