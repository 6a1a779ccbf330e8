// Command syndriver runs shindan's raw SYN sweeper alone for benchmarks:
// it prints "addr port" for every open port, sorted, and on stderr the
// elapsed time and the probes sent. Targets are addresses or CIDRs.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"shindan/internal/scope"
	"shindan/scanners"
	"shindan/scanners/ndpscan"
	"shindan/scanners/portscan"
)

func ndp(iface string, window time.Duration) {
	var lines []string
	start := time.Now()
	err := (&ndpscan.Segment{Window: window}).Sweep(context.Background(), &scanners.Env{},
		slices.Values([]scanners.Target{{Segment: iface}}), func(o scanners.Observation) {
			if h, ok := o.Data.(*scanners.IPv6Host); ok {
				lines = append(lines, strings.ReplaceAll(h.MAC, ":", "")+" "+strings.Join(h.Addrs, ",")+" ipv4="+strings.Join(h.IPv4, ","))
			}
		})
	if err != nil {
		fmt.Fprintln(os.Stderr, "syndriver:", err)
		os.Exit(1)
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Fprintf(os.Stderr, "syndriver: ndp.segment on %s: %d IPv6 hosts in %s\n", iface, len(lines), time.Since(start).Round(time.Millisecond))
}

func main() {
	ports := flag.String("p", "all", "port spec (portscan.ParseSpec)")
	rate := flag.Int("rate", 0, "packets per second (0 = unlimited)")
	wait := flag.Duration("wait", 300*time.Millisecond, "listen for late replies after each round")
	retries := flag.Int("retries", 1, "retransmissions of unanswered probes")
	segment := flag.String("segment", "", "instead: listen on this interface with ndp.segment and print the MAC and IPv6 addresses of every IPv6-speaking host")
	window := flag.Duration("window", 5*time.Second, "ndp.segment capture window")
	flag.Parse()
	if *segment != "" {
		ndp(*segment, *window)
		return
	}
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: syndriver [-p SPEC] [-rate N] [-wait D] ADDR|CIDR...")
		os.Exit(2)
	}
	var ts []scanners.Target
	var pfxs []netip.Prefix
	for _, a := range flag.Args() {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			ad, err := netip.ParseAddr(a)
			if err != nil {
				fmt.Fprintln(os.Stderr, "syndriver:", err)
				os.Exit(2)
			}
			p = netip.PrefixFrom(ad, ad.BitLen())
		}
		pfxs = append(pfxs, p)
		for ad := p.Masked().Addr(); p.Contains(ad); ad = ad.Next() {
			ts = append(ts, scanners.Target{Addr: ad})
		}
	}
	sp, err := portscan.ParseSpec(*ports)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	g := scope.New(func(a netip.Addr) bool {
		return slices.ContainsFunc(pfxs, func(p netip.Prefix) bool { return p.Contains(a) })
	}, *rate)
	env := g.Env(time.Second)
	r := *retries
	if r == 0 {
		r = -1
	}
	s := &portscan.SYN{Ports: sp.TCP, Wait: *wait, Retries: r}
	var mu sync.Mutex
	var open []netip.AddrPort
	start := time.Now()
	err = s.Sweep(context.Background(), env, slices.Values(ts), func(o scanners.Observation) {
		if ps, ok := o.Data.(*scanners.PortState); ok && o.Target.Port != 0 && ps.State == "open" {
			mu.Lock()
			open = append(open, netip.AddrPortFrom(o.Target.Addr, o.Target.Port))
			mu.Unlock()
		}
	})
	el := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "syndriver:", err)
		os.Exit(1)
	}
	slices.SortFunc(open, func(a, b netip.AddrPort) int {
		return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Port(), b.Port()))
	})
	var b strings.Builder
	for _, ap := range open {
		fmt.Fprintf(&b, "%s %d\n", ap.Addr(), ap.Port())
	}
	os.Stdout.WriteString(b.String())
	fmt.Fprintf(os.Stderr, "syndriver: %d targets × %d ports, %d probes sent, %s (%.0f pps)\n",
		len(ts), len(sp.TCP), g.Sent(), el.Round(time.Millisecond), float64(g.Sent())/el.Seconds())
}
