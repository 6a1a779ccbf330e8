package engine

import (
	"net/netip"
)

// resume takes over what an interrupted scan finished: its hosts are not
// probed again, their findings and assets are kept (and not streamed
// again: the sinks have them), and what they left for the cross-target
// checks is fed back.
func (e *engine) resume() {
	r := e.cfg.Resume
	if r == nil {
		return
	}
	done, keep := map[string]bool{}, map[string]bool{}
	for _, u := range r.Units {
		a, err := netip.ParseAddr(u.Host)
		if err != nil || !e.set.Allow(a) {
			continue // not a host of this scan's targets
		}
		done[a.String()] = true
		e.finished.add(a)
		e.hostsDone.Add(1)
		if u.Alive {
			e.res.alive++
		}
		for _, id := range u.FindingIDs {
			keep[id] = true
		}
		for _, o := range u.Observations {
			e.global.add(o)
		}
	}
	for _, f := range r.Findings {
		if keep[f.ID] {
			e.res.findings = append(e.res.findings, f)
		}
	}
	for _, a := range r.Assets {
		if done[a.Host] {
			e.res.assets = append(e.res.assets, a)
		}
	}
	e.log.Info("resuming", "scan", r.ScanID, "hosts_done", len(done), "findings_kept", len(e.res.findings))
}
