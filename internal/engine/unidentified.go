package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"shindan/scanners"
)

// An endpoint probe runs only where svc.ident named a service it wants. On
// an open port that stayed silent (tarpit, a greeting slower than the
// wait), reset, or answered garbage, it would not run at all, and its
// checks would say nothing: a report with no finding reads like a pass
// (issue 13 item 1). So every endpoint probe whose services the port number
// implies (scanners.ImpliedServices) gets, instead of a run, an observation
// that carries why identification failed; its checks turn that into an
// error finding with the reason.

// unidentified returns the observation the endpoint probe described by
// info owes the endpoint of ident (a svc.ident observation), and false when
// it owes none: the probe runs there, the port implies nothing it wants, or
// identification named another service.
func unidentified(info scanners.ProbeInfo, ident scanners.Observation, at time.Time) (scanners.Observation, bool) {
	t := ident.Target
	if info.Level != scanners.LevelEndpoint || info.ID == scanners.ProbeSvcIdent || len(info.Services) == 0 ||
		ident.Probe != scanners.ProbeSvcIdent || t.Port == 0 || (t.Proto != "" && t.Proto != scanners.TCP) ||
		!scanners.Implies(t.Port, info.Services) {
		return scanners.Observation{}, false
	}
	implied := strings.Join(scanners.ImpliedServices(t.Port), "/")
	o := scanners.Observation{Probe: info.ID, Target: t, At: at, Evidence: ident.Evidence}
	svc, _ := ident.Data.(*scanners.Service)
	switch {
	case ident.Status != scanners.OK:
		o.Status = ident.Status
		o.Reason = fmt.Sprintf("tcp/%d is open and implies %s, but the service could not be identified: %s",
			t.Port, implied, ident.Reason)
	case svc == nil:
		o.Status = scanners.ProtocolError
		o.Reason = fmt.Sprintf("tcp/%d is open and implies %s, but identification recorded nothing", t.Port, implied)
	case svc.Wanted(info.Services) || svc.Name != "":
		// The probe runs on this endpoint, or the port serves something
		// else and the service checks say so.
		return scanners.Observation{}, false
	default:
		o.Status = scanners.ProtocolError
		what := "sent nothing usable"
		switch {
		case svc.TLS && svc.Banner != "":
			what = fmt.Sprintf("speaks TLS, but what answered inside was not recognised (%q)", clip(svc.Banner, 80))
		case svc.TLS:
			what = "speaks TLS, but nothing recognisable answered inside"
		case svc.Banner != "":
			what = fmt.Sprintf("answered something unrecognised: %q", clip(svc.Banner, 80))
		}
		o.Reason = fmt.Sprintf("tcp/%d is open and implies %s, but it %s", t.Port, implied, what)
	}
	return o, true
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// owedJobs lists, for one endpoint probe, a job per endpoint of a host's
// observations that the probe owes an unidentified-endpoint observation
// (see unidentified).
func (e *engine) owedJobs(p scanners.Probe, obs []scanners.Observation) []job {
	info := p.Info()
	var out []job
	for _, o := range obs {
		if u, ok := unidentified(info, o, e.now()); ok {
			out = append(out, job{owed{info: info, o: u}, u.Target})
		}
	}
	return out
}

// owed stands in for a probe on an endpoint where it cannot run: its Run
// returns the prepared observation and sends nothing, so the job flows
// through the same path (store, progress, sinks) as a real run.
type owed struct {
	info scanners.ProbeInfo
	o    scanners.Observation
}

func (w owed) Info() scanners.ProbeInfo { return w.info }

func (w owed) Run(context.Context, *scanners.Env, scanners.Target) ([]scanners.Observation, error) {
	return []scanners.Observation{w.o}, nil
}
