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

// end hands the final report to every sink. Until the engine streams per
// host, the assets and findings go out here in one batch.
func (e *engine) end(ctx context.Context, r *reports.Report) error {
	for _, s := range e.cfg.Sinks {
		if err := s.Assets(ctx, r.Assets); err != nil {
			return fmt.Errorf("engine: sink: %w", err)
		}
		if err := s.Findings(ctx, r.Findings); err != nil {
			return fmt.Errorf("engine: sink: %w", err)
		}
		if err := s.End(ctx, r); err != nil {
			return fmt.Errorf("engine: sink: %w", err)
		}
	}
	return nil
}

func (e *engine) report(started time.Time, fs []checks.Finding, interrupted string) *reports.Report {
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
	r.Assets = e.assets()
	open := 0
	for _, a := range r.Assets {
		open += len(a.Services)
	}
	r.Scan.Stats = &reports.Stats{HostsAlive: len(e.store.liveHosts()), HostsSilent: e.silent, PortsOpen: open,
		ProbesSent: e.guard.Sent(), DurationMS: finished.Sub(started).Milliseconds()}
	for _, f := range fs {
		r.Findings = append(r.Findings, e.toReport(f))
	}
	r.Findings = reports.Group(r.Findings, e.groupWaiver)
	r.Normalize()
	return r
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

// assets builds the inventory from discovery and identification.
func (e *engine) assets() []reports.Asset {
	byHost := map[netip.Addr]*reports.Asset{}
	get := func(a netip.Addr) *reports.Asset {
		if x := byHost[a]; x != nil {
			return x
		}
		x := &reports.Asset{Host: a.String()}
		byHost[a] = x
		return x
	}
	seen := map[string]bool{}
	obs := e.store.snapshot()
	for _, o := range obs {
		if sv, ok := o.Data.(*scanners.Service); ok && o.Probe == identProbe {
			key := o.Target.String() + "/" + string(sv.Proto)
			if seen[key] {
				continue
			}
			seen[key] = true
			a := get(o.Target.Addr)
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
		a := get(o.Target.Addr)
		a.Services = append(a.Services, reports.Service{Port: int(ps.Port), Proto: string(ps.Proto)})
	}
	for _, h := range e.set.Hosts {
		if a := byHost[h.Addr]; a != nil {
			a.Names = slices.Clone(h.Names)
		}
	}
	out := make([]reports.Asset, 0, len(byHost))
	for _, a := range byHost {
		out = append(out, *a)
	}
	return out
}
