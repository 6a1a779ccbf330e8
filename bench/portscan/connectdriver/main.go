// Command connectdriver runs shindan's TCP connect sweeper alone against
// one host for benchmarks: it prints the open ports, one per line, and the
// elapsed time on stderr.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sync"
	"time"

	"shindan/internal/scope"
	"shindan/scanners"
	"shindan/scanners/portscan"
)

func main() {
	ports := flag.String("p", "all", "port spec")
	rate := flag.Int("rate", 0, "packets per second (0 = unlimited)")
	per := flag.Int("concurrency", 512, "connections in flight")
	retries := flag.Int("retries", 0, "retries of ports that timed out")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: connectdriver [-p SPEC] [-rate N] ADDR")
		os.Exit(2)
	}
	addr := netip.MustParseAddr(flag.Arg(0))
	sp, err := portscan.ParseSpec(*ports)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	g := scope.New(func(a netip.Addr) bool { return a == addr }, *rate)
	env := g.Env(time.Second)
	c := &portscan.Connect{Ports: sp.TCP, PerHost: *per, Retries: *retries}
	var mu sync.Mutex
	var open []uint16
	start := time.Now()
	err = c.Sweep(context.Background(), env, slices.Values([]scanners.Target{{Addr: addr}}), func(o scanners.Observation) {
		if o.Target.Port == 0 {
			if ps, ok := o.Data.(*scanners.PortState); ok {
				fmt.Fprintln(os.Stderr, "summary:", ps.Reason)
			}
			return
		}
		{
			mu.Lock()
			open = append(open, o.Target.Port)
			mu.Unlock()
		}
	})
	el := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	slices.Sort(open)
	for _, p := range open {
		fmt.Println(p)
	}
	fmt.Fprintf(os.Stderr, "elapsed %.3f s\n", el.Seconds())
}
