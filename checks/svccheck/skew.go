package svccheck

import (
	"fmt"
	"time"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(skew{}) }

var _ checks.Check = skew{}

// skew implements time.skew (Art. 54-5, 56-4): a server clock (HTTP Date,
// SMTP greeting) further from the scanner's than Policy.ClockSkew (default
// 60s) fails; within it passes. A service that tells no time yields no
// finding: silence is not a pass.
type skew struct{}

func (skew) Info() checks.Info {
	return checks.Info{
		ID: "time.skew", Articles: []string{"54-5", "56-4"},
		Needs: []string{scanners.ProbeSvcIdent}, Severity: checks.Medium,
		Title: checks.T("サーバ時刻のずれ", "Server clock skew"),
		Remediation: checks.T(
			"NTP（chrony 等）で信頼できる時刻源に同期させてください。ログの時刻が正しくないと事象の追跡ができません。",
			"Synchronise the clock with a trusted time source over NTP (chrony or similar); logs with wrong times cannot be correlated."),
	}
}

// parseClock reads the probe's RFC 3339 times, and RFC 1123 for fixtures.
func parseClock(s string) (time.Time, error) {
	for _, l := range []string{time.RFC3339Nano, time.RFC1123, time.RFC1123Z} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable time %q", s)
}

// Evaluate compares the server's clock with the scanner's clock read at the
// same moment by the probe (svc.Local), not with the scan's Now: a scan
// of many hosts takes minutes, which would read as skew. Art. 54-5/56-4
// require clocks synchronised to the system's reference time; the 60 s
// default is far above network delay and the one-second resolution of
// HTTP Date.
func (c skew) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	limit := in.EffectivePolicy().ClockSkew
	var out []checks.Finding
	for _, o := range in.ByProbe(scanners.ProbeSvcIdent) {
		svc, ok := serviceOf(o)
		if !ok || svc.Date == "" {
			continue
		}
		sub := subject(o.Target.Proto, o.Target.Port)
		f := checks.New(info, o.Target, sub)
		f.At, f.Evidence = o.At, o.Evidence
		srv, err1 := parseClock(svc.Date)
		local, err2 := parseClock(svc.Local)
		if err1 != nil || err2 != nil || svc.Local == "" {
			f = f.Decided(checks.Error)
			f.Detail = checks.T(fmt.Sprintf("時刻を読めません（サーバ %q、スキャナ %q）", svc.Date, svc.Local),
				fmt.Sprintf("cannot read the clocks (server %q, local %q)", svc.Date, svc.Local))
			out = append(out, f)
			continue
		}
		d := srv.Sub(local)
		abs := d.Abs()
		src := svc.Name
		if src == "" {
			src = sub
		}
		if abs > limit {
			f = f.Decided(checks.Fail)
			f.Detail = checks.T(
				fmt.Sprintf("%s のサーバ時刻がスキャナより %s ずれています（許容 %s）: サーバ %s、スキャナ %s", src, d.Round(time.Second), limit, svc.Date, svc.Local),
				fmt.Sprintf("%s clock is off by %s (limit %s): server %s, scanner %s", src, d.Round(time.Second), limit, svc.Date, svc.Local))
		} else {
			f = f.Decided(checks.Pass)
			f.Detail = checks.T(
				fmt.Sprintf("%s のサーバ時刻のずれは %s で許容範囲（%s）内です", src, d.Round(time.Second), limit),
				fmt.Sprintf("%s clock is within %s of the scanner's (%s)", src, limit, d.Round(time.Second)))
		}
		out = append(out, f)
	}
	return out
}
