package engine

import (
	"context"
	"net/netip"
	"testing"

	"shindan/internal/targets"
	"shindan/reports"
	"shindan/scanners"
)

// replayRemote delivers canned units, as a coordinator would from its
// workers' results.
type replayRemote struct {
	units []RemoteUnit
	hosts int // hosts the engine handed over
}

func (r *replayRemote) Scan(_ context.Context, set *targets.Set, h RemoteHooks) (*reports.Distributed, error) {
	r.hosts = set.Len()
	h.Planned(len(r.units))
	for _, u := range r.units {
		h.Deliver(u)
	}
	return &reports.Distributed{Units: len(r.units), Workers: []reports.Worker{{Name: "w", Units: len(r.units)}}}, nil
}

// TestRemoteDelivery: a worker's refusal becomes an incomplete host with
// an error finding per per-host check, never silence; a host delivered
// twice counts once; a result about an address outside the scan is
// dropped; the report says it was distributed.
func TestRemoteDelivery(t *testing.T) {
	reg := scanners.NewRegistry()
	reg.Add(fakeIdent{})
	reg.Add(fakeBanner{})
	cfg := config(t, reg, 22)
	sp, _ := targets.Parse("127.0.0.2", "arg")
	cfg.Targets = append(cfg.Targets, sp)
	a1, a2 := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")
	f := reports.Finding{ID: FindingID("service.exposed", "127.0.0.1:22", "banner"), Check: "service.exposed", Target: "127.0.0.1:22",
		Host: "127.0.0.1", Port: 22, Status: "fail", Severity: "medium", Subject: "banner", Vantage: "w @ here"}
	host1 := RemoteHost{Host: a1, Alive: true, Findings: []reports.Finding{f},
		Asset: &reports.Asset{Host: "127.0.0.1", Services: []reports.Service{{Port: 22, Proto: "tcp", Service: "fake"}}}}
	rem := &replayRemote{units: []RemoteUnit{
		{Hosts: []RemoteHost{host1}, ProbesSent: 10},
		{Hosts: []RemoteHost{host1}, ProbesSent: 10}, // ran twice
		{Refused: []RemoteRefusal{{Host: a2, Reason: "127.0.0.2 is excluded from the scan; not probed"}}},
		{Hosts: []RemoteHost{{Host: netip.MustParseAddr("127.0.0.3"), Alive: true, Findings: []reports.Finding{f}}}},
	}}
	cfg.Dist.Remote = rem
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rem.hosts != 2 {
		t.Fatalf("the engine handed %d hosts to the remote, want 2", rem.hosts)
	}
	if r.Scan.Stats.HostsAlive != 1 || len(r.Assets) != 1 || r.Scan.Stats.ProbesSent != 20 {
		t.Errorf("stats %+v, assets %d", r.Scan.Stats, len(r.Assets))
	}
	var fails, errs int
	for _, x := range r.Findings {
		switch {
		case x.Status == "fail" && x.Host == "127.0.0.1":
			fails++
			if x.Vantage != "w @ here" {
				t.Errorf("the worker's vantage was lost: %q", x.Vantage)
			}
		case x.Status == "error" && x.Host == "127.0.0.2":
			errs++
			if x.Detail == nil || x.Detail.EN == "" {
				t.Errorf("refusal finding without the reason: %+v", x)
			}
		default:
			t.Errorf("unexpected finding %+v", x)
		}
	}
	if fails != 1 || errs != 1 {
		t.Errorf("%d fail findings (want 1: a duplicate counts once), %d error findings for the refused host (want 1)", fails, errs)
	}
	if len(r.Scan.Incomplete) != 1 || r.Scan.Incomplete[0].Host != "127.0.0.2" {
		t.Errorf("incomplete %+v", r.Scan.Incomplete)
	}
	if r.Scan.Distributed == nil || r.Scan.Distributed.Units != 4 {
		t.Errorf("distributed %+v", r.Scan.Distributed)
	}
}
