package drift

import (
	"slices"
	"strconv"

	"shindan/reports"
	"shindan/scanners/portscan"
)

// Coverage is what a scan tested, to tell "fixed" from "not tested" for
// a baseline finding the scan no longer reports.
type Coverage struct {
	// Ports is the port specification the scan swept; "" = unknown (an
	// imported report), in which case only ports seen open count.
	Ports string
}

// Mark compares cur against base and records the result in cur: each
// finding's Baseline state, and cur.Baseline with the baseline's failing
// findings that cur no longer reports, each fixed or not tested.
func Mark(cur, base *reports.Report, cov Coverage) {
	baseF := reports.Flatten(base.Findings)
	before := make(map[string]*reports.Finding, len(baseF))
	for i := range baseF {
		before[baseF[i].ID] = &baseF[i]
	}
	counts := map[string]int{}
	for i := range cur.Findings {
		f := &cur.Findings[i]
		if len(f.Items) == 0 {
			f.Baseline = state(before[f.ID], f)
		} else {
			f.Baseline = groupState(f, before)
		}
		counts[f.Baseline]++
	}
	t := newTester(cur, cov)
	b := &reports.Baseline{ScanID: base.Scan.ID, StartedAt: base.Scan.StartedAt}
	now := map[string]bool{}
	for _, f := range reports.Flatten(cur.Findings) {
		now[f.ID] = true
	}
	for _, f := range cur.Findings {
		now[f.ID] = true
	}
	for _, o := range baseF {
		if now[o.ID] || !bad(o.Status) {
			continue
		}
		g := reports.GoneFinding{ID: o.ID, Check: o.Check, Target: o.Target, Status: o.Status, Severity: o.Severity, Title: o.Title}
		if why := t.untested(&o); why != nil {
			g.State, g.Reason = reports.BaselineNotTested, why
		} else {
			g.State = reports.BaselineFixed
			g.Reason = &reports.Text{JA: "新しい診断で対象を検査し、この指摘は出ませんでした", EN: "the new scan tested the target and no longer reports this finding"}
		}
		counts[g.State]++
		b.Gone = append(b.Gone, g)
	}
	b.Counts = counts
	cur.Baseline = b
}

// state is a present finding's comparison with its baseline version.
func state(o, f *reports.Finding) string {
	switch {
	case o == nil:
		return reports.BaselineNew
	case bad(o.Status) && bad(f.Status):
		return reports.BaselineUnchanged
	case bad(o.Status) && (f.Status == "pass" || f.Status == "info"):
		return reports.BaselineFixed
	case (f.Status == "error" || f.Status == "skipped") && o.Status != f.Status:
		return reports.BaselineNotTested
	case bad(f.Status) && !bad(o.Status):
		return reports.BaselineNew
	}
	return reports.BaselineUnchanged
}

// groupState sums up a grouped finding's items: new when any item
// newly fails, else fixed when any item was fixed, else not tested when
// any was not, else unchanged.
func groupState(f *reports.Finding, before map[string]*reports.Finding) string {
	seen := map[string]bool{}
	for _, u := range reports.Flatten([]reports.Finding{*f}) {
		seen[state(before[u.ID], &u)] = true
	}
	for _, s := range []string{reports.BaselineNew, reports.BaselineFixed, reports.BaselineNotTested} {
		if seen[s] {
			return s
		}
	}
	return reports.BaselineUnchanged
}

type tester struct {
	cur     *reports.Report
	checks  map[string]bool
	hosts   map[string]bool // hosts with any asset or finding in cur
	open    map[string]bool // "host proto/port" open in cur
	ports   *portscan.Spec
	decided map[string]bool // "check host" pairs cur decided (pass/fail/warn/info)
}

func newTester(cur *reports.Report, cov Coverage) *tester {
	t := &tester{cur: cur, checks: map[string]bool{}, hosts: map[string]bool{}, open: map[string]bool{}, decided: map[string]bool{}}
	for _, c := range cur.Scan.Checks {
		t.checks[c] = true
	}
	for _, a := range cur.Assets {
		t.hosts[a.Host] = true
		for _, s := range a.Services {
			t.open[key(a.Host, s.Proto, s.Port)] = true
		}
	}
	for _, f := range reports.Flatten(cur.Findings) {
		if f.Host != "" {
			t.hosts[f.Host] = true
		}
		if rank(f.Status) >= 0 {
			t.decided[f.Check+" "+f.Host] = true
		}
	}
	if cov.Ports != "" {
		if sp, err := portscan.ParseSpec(cov.Ports); err == nil {
			t.ports = &sp
		}
	}
	return t
}

func key(host, proto string, port int) string {
	if proto == "" {
		proto = "tcp"
	}
	return host + " " + proto + "/" + strconv.Itoa(port)
}

// untested says why cur did not test what o was about, or nil when it did.
func (t *tester) untested(o *reports.Finding) *reports.Text {
	switch {
	case !t.cur.Scan.Complete:
		return &reports.Text{JA: "新しい診断が中断されたため未検査", EN: "not tested: the new scan was interrupted"}
	case len(t.checks) > 0 && !t.checks[o.Check]:
		return &reports.Text{JA: "新しい診断ではこの検査項目を選択していないため未検査", EN: "not tested: the new scan did not select this check"}
	case o.Host != "" && !t.hosts[o.Host]:
		return &reports.Text{JA: "新しい診断でホストが応答しなかった（停止中または対象外）ため未検査", EN: "not tested: the host did not answer the new scan (down or not scanned)"}
	}
	if o.Port == 0 {
		if o.Host != "" && !t.decided[o.Check+" "+o.Host] {
			return &reports.Text{JA: "新しい診断でこの検査項目がホストを判定しなかったため未検査", EN: "not tested: the new scan reached no verdict of this check on the host"}
		}
		return nil
	}
	if t.open[key(o.Host, o.Proto, o.Port)] {
		// The port is open and the check ran but no longer reports the
		// finding: the condition is gone.
		return nil
	}
	if t.ports == nil {
		return &reports.Text{JA: "新しい診断でこのポートを走査したか不明なため未検査", EN: "not tested: the new scan's port list is unknown and the port was not seen open"}
	}
	list := t.ports.TCP
	if o.Proto == "udp" {
		list = t.ports.UDP
	}
	if o.Port < 1 || o.Port > 65535 || !slices.Contains(list, uint16(o.Port)) {
		return &reports.Text{JA: "新しい診断ではこのポートを走査していないため未検査", EN: "not tested: the new scan did not scan this port"}
	}
	// Scanned and found closed: the exposed service is gone.
	return nil
}
