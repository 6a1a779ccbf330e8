package engine

import (
	"context"
	"iter"
	"strings"
	"testing"

	"shindan/checks"
	"shindan/scanners"
)

// openSweep reports fixed ports open without touching the network.
type openSweep struct{ ports []uint16 }

func (openSweep) ID() string { return "port.tcp" }
func (s openSweep) Sweep(_ context.Context, env *scanners.Env, ts iter.Seq[scanners.Target], emit func(scanners.Observation)) error {
	for t := range ts {
		for _, p := range s.ports {
			emit(scanners.Observation{Probe: "port.tcp", Target: t.Endpoint(scanners.TCP, p), At: env.Clock(), Status: scanners.OK,
				Data: &scanners.PortState{Proto: scanners.TCP, Port: p, State: "open", Method: "test"}})
		}
		emit(scanners.Observation{Probe: "port.tcp", Target: t.Endpoint(scanners.TCP, 0), At: env.Clock(), Status: scanners.OK,
			Data: &scanners.PortState{Proto: scanners.TCP, State: "up", Method: "test"}})
	}
	return nil
}

// scriptedIdent answers per port: 25 a tarpit (timeout), 443 garbage, 8080
// TLS with nothing inside, 22 ssh, 587 a named smtp service.
type scriptedIdent struct{}

func (scriptedIdent) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: "svc.ident", Level: scanners.LevelEndpoint}
}
func (scriptedIdent) Run(_ context.Context, _ *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	o := scanners.Observation{Target: t, Status: scanners.OK}
	switch t.Port {
	case 25:
		o.Status, o.Reason = scanners.Timeout, "svcscan: connected 2 times but the service sent nothing to any probe within 30s"
	case 443:
		o.Data = &scanners.Service{Proto: scanners.TCP, Port: t.Port, Banner: `\x16\x03garbage`, Method: "banner"}
	case 8080:
		o.Data = &scanners.Service{Proto: scanners.TCP, Port: t.Port, TLS: true}
	case 22:
		o.Data = &scanners.Service{Proto: scanners.TCP, Port: t.Port, Name: "ssh"}
	case 587:
		o.Data = &scanners.Service{Proto: scanners.TCP, Port: t.Port, Name: "smtp"}
	}
	return []scanners.Observation{o}, nil
}

// wantProbe is an endpoint probe for some services; it records where it ran.
type wantProbe struct {
	id       string
	services []string
}

func (w wantProbe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: w.id, Level: scanners.LevelEndpoint, Services: w.services}
}
func (w wantProbe) Run(_ context.Context, _ *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	return []scanners.Observation{{Target: t, Status: scanners.OK, Reason: "ran"}}, nil
}

// verdictCheck passes what its probe saw and errs on what it could not.
type verdictCheck struct{ id, probe string }

func (c verdictCheck) Info() checks.Info {
	return checks.Info{ID: c.id, Needs: []string{c.probe}, Severity: checks.High, Title: checks.T(c.id, c.id)}
}
func (c verdictCheck) Evaluate(in *checks.Input) []checks.Finding {
	var out []checks.Finding
	for _, o := range in.ByProbe(c.probe) {
		if o.Status != scanners.OK {
			out = append(out, checks.Undecided(c.Info(), o, ""))
			continue
		}
		out = append(out, checks.New(c.Info(), o.Target, "").Decided(checks.Pass))
	}
	return out
}

func TestUnidentifiedEndpointsGetVerdicts(t *testing.T) {
	reg := scanners.NewRegistry()
	reg.Add(scriptedIdent{})
	reg.Add(wantProbe{"smtp.session", []string{"smtp", "submission", "smtps"}})
	reg.Add(wantProbe{"web.site", []string{"http", "https"}})
	reg.Add(wantProbe{"tls.scan", []string{"tls"}})
	cfg := config(t, reg)
	cfg.Discovery = openSweep{[]uint16{22, 25, 443, 587, 8080}}
	cfg.Checks = []checks.Check{
		verdictCheck{"smtp.open-relay", "smtp.session"},
		verdictCheck{"http.security-headers", "web.site"},
		verdictCheck{"tls.protocols", "tls.scan"},
	}
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range r.Findings {
		d := ""
		if f.Detail != nil {
			d = ": " + f.Detail.EN
		}
		got[f.Check+" "+f.Target] = f.Status + d
	}
	want := map[string]string{
		// The tarpit on 25: smtp.* owes an error naming the timeout.
		"smtp.open-relay 127.0.0.1:25": "error: could not decide (timeout): tcp/25 is open and implies smtp, but the service could not be identified: svcscan: connected 2 times",
		// The smtp service on 587 was identified: the probe ran.
		"smtp.open-relay 127.0.0.1:587": "pass",
		// Garbage on 443: both http.* and tls.* owe an error.
		"http.security-headers 127.0.0.1:443": `error: could not decide (protocol-error): tcp/443 is open and implies http/https/tls, but it answered something unrecognised: "\\x16\\x03garbage"`,
		"tls.protocols 127.0.0.1:443":         "error: could not decide (protocol-error): tcp/443",
		// 8080 speaks TLS: tls.* runs, http.* owes an error.
		"tls.protocols 127.0.0.1:8080":         "pass",
		"http.security-headers 127.0.0.1:8080": "error: could not decide (protocol-error): tcp/8080 is open and implies http, but it speaks TLS, but nothing recognisable answered inside",
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || !strings.HasPrefix(g, w) {
			t.Errorf("%s: got %q, want prefix %q", k, g, w)
		}
	}
	// ssh on 22 implies none of these; nothing may be invented there.
	for k := range got {
		if strings.HasSuffix(k, ":22") {
			t.Errorf("unexpected finding %s: %s", k, got[k])
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d findings, want %d: %v", len(got), len(want), got)
	}
}

func TestUnidentifiedOwesNothingElsewhere(t *testing.T) {
	smtp := scanners.ProbeInfo{ID: "smtp.session", Level: scanners.LevelEndpoint, Services: []string{"smtp"}}
	silent := scanners.Observation{Probe: "svc.ident", Target: scanners.Target{Port: 2222, Proto: scanners.TCP}, Status: scanners.Timeout, Reason: "x"}
	if _, ok := unidentified(smtp, silent, silent.At); ok {
		t.Error("a port that implies no smtp owes no smtp observation")
	}
	silent.Target.Port = 25
	if _, ok := unidentified(scanners.ProbeInfo{ID: "any.probe", Level: scanners.LevelEndpoint}, silent, silent.At); ok {
		t.Error("a probe for every endpoint (no Services) owes nothing: it is not implied by a port")
	}
	o, ok := unidentified(smtp, silent, silent.At)
	if !ok || o.Status != scanners.Timeout || o.Probe != "smtp.session" {
		t.Errorf("tarpit on 25: %+v %v", o, ok)
	}
}
