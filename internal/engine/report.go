package engine

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"shindan/checks"
	"shindan/reports"
	"shindan/scanners"
)

// FindingID is the stable finding identifier: the same check, target and
// subject give the same ID in every scan, so scans can be diffed.
func FindingID(check, target, subject string) string {
	return reports.FindingID(check, target, subject)
}

// scanMeta is the scan's metadata as known before the first packet.
func (e *engine) scanMeta(started time.Time) reports.Scan {
	s := reports.Scan{
		ID: e.scanID, StartedAt: started.UTC(), Profile: e.cfg.Profile, Vantage: vantage(),
		Targets: slices.Clone(e.cfg.RawTargets), Excluded: slices.Clone(e.cfg.RawExcludes),
		Policy: e.policy.Name,
	}
	if e.policy.Digest != "" {
		s.Policy = e.policy.Name + " (" + e.policy.Digest + ")"
	}
	for _, c := range e.cfg.Checks {
		s.Checks = append(s.Checks, c.Info().ID)
	}
	return s
}

// begin announces the scan to every sink.
func (e *engine) begin(ctx context.Context, started time.Time) error {
	meta := e.scanMeta(started)
	for _, s := range e.cfg.Sinks {
		if err := s.Begin(ctx, meta); err != nil {
			return fmt.Errorf("engine: sink: %w", err)
		}
	}
	return nil
}

// end hands the final report to every sink; assets and findings were
// streamed as each host finished.
func (e *engine) end(ctx context.Context, r *reports.Report) error {
	e.sinkMu.Lock()
	defer e.sinkMu.Unlock()
	for _, s := range e.cfg.Sinks {
		if err := s.End(ctx, r); err != nil {
			return fmt.Errorf("engine: sink: %w", err)
		}
	}
	return nil
}

// report assembles the final report from what was streamed.
func (e *engine) report(started time.Time, interrupted string) *reports.Report {
	finished := e.now()
	r := &reports.Report{
		SchemaVersion: reports.SchemaVersion,
		Tool:          reports.Tool{Name: "shindan", Version: e.cfg.ToolVersion, NucleiTemplates: e.templateSets()},
		Scan:          e.scanMeta(started),
		Findings:      []reports.Finding{},
	}
	r.Scan.FinishedAt = finished.UTC()
	r.Scan.Complete, r.Scan.InterruptedReason = interrupted == "", interrupted
	r.Scan.Excluded = append(r.Scan.Excluded, e.set.Notes...)
	// Addresses probes learned (MX, NS, redirects, CNAMEs) that fall
	// outside the targets are reported here, never probed.
	refused := e.guard.Refused()
	slices.SortFunc(refused, netip.Addr.Compare)
	for _, a := range refused {
		r.Scan.Excluded = append(r.Scan.Excluded, a.String()+": outside the scan scope, not probed")
	}
	e.res.mu.Lock()
	r.Assets = slices.Clone(e.res.assets)
	r.Findings = append(r.Findings, e.res.findings...)
	alive := e.res.alive
	r.Scan.Incomplete = slices.Clone(e.res.incomplete)
	e.res.mu.Unlock()
	slices.SortFunc(r.Scan.Incomplete, func(a, b reports.IncompleteHost) int { return compareHosts(a.Host, b.Host) })
	if interrupted != "" && e.plan.needsPorts {
		r.Scan.NotScanned = e.notScanned(interrupted)
	}
	open := 0
	for _, a := range r.Assets {
		open += len(a.Services)
	}
	r.Scan.Stats = &reports.Stats{HostsAlive: alive, HostsSilent: int(e.silent.Load()), PortsOpen: open,
		ProbesSent: e.guard.Sent(), DurationMS: finished.Sub(started).Milliseconds()}
	if e.cfg.Resume != nil {
		r.Scan.ResumedFrom = e.cfg.Resume.ScanID
		r.Scan.Stats.ProbesSent += e.cfg.Resume.ProbesSent
	}
	r.Scan.Timings = e.timings.report()
	r.Scan.Distributed = e.distributed()
	if e.cfg.Resume != nil {
		r.Findings = dedupe(r.Findings)
	}
	r.Findings = reports.Group(r.Findings, e.groupWaiver)
	r.Normalize()
	return r
}

func compareHosts(a, b string) int {
	x, errx := netip.ParseAddr(a)
	y, erry := netip.ParseAddr(b)
	if errx == nil && erry == nil {
		return x.Compare(y)
	}
	return strings.Compare(a, b)
}

// dedupe keeps one finding per ID: a unit that ran twice (a resumed host
// finished again) is merged, not counted twice; the later one wins.
func dedupe(fs []reports.Finding) []reports.Finding {
	seen := make(map[string]int, len(fs))
	out := fs[:0]
	for _, f := range fs {
		if i, ok := seen[f.ID]; ok {
			out[i] = f
			continue
		}
		seen[f.ID] = len(out)
		out = append(out, f)
	}
	return out
}

// notScanned counts, as address ranges, the hosts an interrupted scan
// never reached: a line per range instead of a finding per planned probe.
func (e *engine) notScanned(reason string) *reports.NotScanned {
	e.mu.Lock()
	defer e.mu.Unlock()
	ns := &reports.NotScanned{Reason: reason}
	var first, last netip.Addr
	flush := func() {
		if !first.IsValid() {
			return
		}
		if len(ns.Ranges) < 100 {
			if first == last {
				ns.Ranges = append(ns.Ranges, first.String())
			} else {
				ns.Ranges = append(ns.Ranges, first.String()+"-"+last.String())
			}
		}
		first = netip.Addr{}
	}
	incomplete := map[string]bool{}
	for _, h := range e.res.incomplete {
		incomplete[h.Host] = true
	}
	for h := range e.set.Hosts() {
		if e.finished.has(h.Addr) || incomplete[h.Addr.String()] {
			flush()
			continue
		}
		ns.Hosts++
		if first.IsValid() && last.Next() == h.Addr {
			last = h.Addr
			continue
		}
		flush()
		first, last = h.Addr, h.Addr
	}
	flush()
	if ns.Hosts == 0 {
		return nil
	}
	return ns
}

func text(t checks.Text) *reports.Text {
	if t.JA == "" && t.EN == "" {
		return nil
	}
	return &reports.Text{JA: t.JA, EN: t.EN}
}

func (e *engine) toReport(f checks.Finding) reports.Finding {
	target := f.Target.String()
	rf := reports.Finding{
		ID: FindingID(f.Check, target, f.Subject), Check: f.Check, Articles: f.Articles, Target: target, Subject: f.Subject,
		Host: f.Target.Host(), Port: int(f.Target.Port), Proto: string(f.Target.Proto),
		Status: string(f.Status), Severity: string(f.Severity),
		Title: text(f.Title), Detail: text(f.Detail), Remediation: text(f.Remediation), Source: f.Source,
		Vantage: e.dist.vantage,
	}
	if rf.Severity == "" {
		rf.Severity = string(checks.None)
	}
	if f.Source == "" {
		rf.Source = "builtin"
	}
	if f.Target.Port == 0 && f.Target.Proto == scanners.TCP {
		rf.Proto = ""
	}
	if !f.At.IsZero() {
		at := f.At.UTC()
		rf.ObservedAt = &at
	}
	for _, ev := range f.Evidence {
		rf.Evidence = append(rf.Evidence, reports.Evidence{Kind: ev.Kind, Summary: ev.Summary, Data: ev.Data})
	}
	if w := e.policy.WaiverFor(rf.ID, rf.Check, rf.Target, e.now()); w != nil {
		rf.Waiver = &reports.Waiver{Reason: w.Reason, Until: w.Until.Format(time.DateOnly), By: w.By}
	}
	return rf
}

// assetOf builds a host's inventory entry from its discovery and
// identification; nil when it has no open service.
func (e *engine) assetOf(addr netip.Addr, obs []scanners.Observation) *reports.Asset {
	a := &reports.Asset{Host: addr.String(), Names: slices.Clone(e.names[addr])}
	seen := map[string]bool{}
	for _, o := range obs {
		if sv, ok := o.Data.(*scanners.Service); ok && o.Probe == scanners.ProbeSvcIdent {
			key := o.Target.String() + "/" + string(sv.Proto)
			if seen[key] {
				continue
			}
			seen[key] = true
			a.Services = append(a.Services, reports.Service{
				Port: int(o.Target.Port), Proto: string(o.Target.Proto), Service: sv.Name, Product: sv.Product,
				Version: sv.Version, CPE: sv.CPE, TLS: sv.TLS, Banner: sv.Banner,
			})
		}
	}
	for _, o := range obs {
		ps, ok := o.Data.(*scanners.PortState)
		if !ok || o.Target.Port == 0 || !strings.HasPrefix(ps.State, "open") {
			continue
		}
		key := o.Target.String() + "/" + string(ps.Proto)
		if seen[key] {
			continue
		}
		seen[key] = true
		a.Services = append(a.Services, reports.Service{Port: int(ps.Port), Proto: string(ps.Proto)})
	}
	if len(a.Services) == 0 {
		return nil
	}
	return a
}
