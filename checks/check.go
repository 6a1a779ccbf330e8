package checks

import (
	"slices"
	"time"

	"shindan/scanners"
)

// Text is a user-facing text in Japanese and English.
type Text struct {
	JA string `json:"ja"`
	EN string `json:"en"`
}

// T builds a Text from its Japanese and English forms.
func T(ja, en string) Text { return Text{JA: ja, EN: en} }

// Lang returns the text in "ja" or "en" (English for anything else).
func (t Text) Lang(lang string) string {
	if lang == "ja" {
		return t.JA
	}
	return t.EN
}

// Status is a finding's verdict (checks.md "Statuses").
type Status string

// Verdicts, from the check catalog.
const (
	Pass    Status = "pass"
	Fail    Status = "fail"
	Warn    Status = "warn"
	InfoS   Status = "info"
	Error   Status = "error"
	Skipped Status = "skipped"
)

// Severity grades a fail or warn.
type Severity string

// Severities, most severe first.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	None     Severity = "none"
)

// Rank orders severities: critical 4 … none 0; an unknown value ranks 0.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 4
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	}
	return 0
}

// Info describes a check. ID and Articles are public (shared/spec/checks.md):
// never renamed, only added.
type Info struct {
	ID       string   // "smtp.open-relay"
	Articles []string // "59-1", "61-1-1", "44の2-1"
	Needs    []string // probe IDs whose observations Evaluate reads
	Severity Severity // default for fail/warn; the policy may override
	Title    Text
	// Detail and Remediation are the defaults a finding inherits when it
	// does not set its own.
	Detail      Text
	Remediation Text
}

// Check turns observations into findings. Evaluate must be deterministic and
// free of I/O, clocks and globals. A check that cannot decide returns an
// Error finding with the reason; it never guesses Pass.
type Check interface {
	Info() Info
	Evaluate(in *Input) []Finding
}

// Input is what a check sees: the observations of the probes it Needs,
// sorted by target and time, and the policy.
type Input struct {
	Obs    []scanners.Observation
	Policy *Policy
	// Now is the scan's reference time (certificate expiry, waivers).
	Now time.Time
}

// ByProbe returns the observations of one probe.
func (in *Input) ByProbe(id string) []scanners.Observation {
	var out []scanners.Observation
	for _, o := range in.Obs {
		if o.Probe == id {
			out = append(out, o)
		}
	}
	return out
}

// Finding is one verdict about one subject on one target.
type Finding struct {
	Check    string
	Target   scanners.Target
	Subject  string // what inside Target (suite, header, port); part of the stable ID
	Articles []string
	Status   Status
	Severity Severity
	Title    Text
	Detail   Text
	// Remediation says how to fix a fail or warn.
	Remediation Text
	Evidence    []scanners.Evidence
	Source      string // "builtin" or "nuclei:<template-id>"
	At          time.Time
}

// New starts a finding of check c on target t with c's defaults; the caller
// sets Status, Detail and Evidence.
func New(c Info, t scanners.Target, subject string) Finding {
	return Finding{
		Check: c.ID, Target: t, Subject: subject,
		Articles: slices.Clone(c.Articles), Severity: c.Severity,
		Title: c.Title, Detail: c.Detail, Remediation: c.Remediation,
		Source: "builtin",
	}
}

// Decided returns f with status s; pass, info, error and skipped carry
// severity none, since severity grades only what is wrong.
func (f Finding) Decided(s Status) Finding {
	f.Status = s
	if s != Fail && s != Warn {
		f.Severity = None
	}
	return f
}

// Undecided builds the error finding for an observation that could not be
// read: the probe's status and reason become the detail, so "timeout" is
// never mistaken for "pass".
// An OK observation handed here carried no readable payload (a probe bug),
// and that must not pass either: it is reported as internal.
func Undecided(c Info, o scanners.Observation, subject string) Finding {
	if o.Status == scanners.OK {
		o.Status, o.Reason = scanners.Internal, "observation without payload"
	}
	return undecided(c, o, subject, T(Raw(o.Reason), o.Reason))
}

func undecided(c Info, o scanners.Observation, subject string, reason Text) Finding {
	f := New(c, o.Target, subject).Decided(Error)
	f.Detail = T(
		"判定できませんでした（"+StatusJA(o.Status)+"）: "+reason.JA,
		"could not decide ("+string(o.Status)+"): "+reason.EN)
	f.Evidence = o.Evidence
	f.At = o.At
	return f
}

// StatusJA names a probe status in Japanese; the English text keeps the
// status token itself.
func StatusJA(s scanners.Status) string {
	switch s {
	case scanners.Refused:
		return "接続拒否"
	case scanners.Timeout:
		return "タイムアウト"
	case scanners.Filtered:
		return "遮断"
	case scanners.HandshakeFailed:
		return "ハンドシェイク失敗"
	case scanners.ProtocolError:
		return "想定外の応答"
	case scanners.RateLimited:
		return "接続制限"
	case scanners.Interrupted:
		return "診断の中断"
	case scanners.OutOfScope:
		return "診断範囲外"
	case scanners.Unavailable:
		return "この環境では実行不可"
	case scanners.Internal:
		return "内部エラー"
	}
	return string(s)
}

// Raw marks text a probe or a server wrote (a Go error such as "i/o
// timeout", a banner, a record) inside a Japanese text: it is quoted
// as it was recorded, in 「」, so a reader sees it is a log line and not an
// untranslated sentence. English texts carry such text unquoted.
func Raw(s string) string {
	if s == "" {
		return ""
	}
	return "「" + s + "」"
}

// Observed builds the decided finding of check c about subject, on the
// observation's target and carrying its evidence and time, so every check
// reports what it saw the same way. A zero detail keeps c's default.
func Observed(c Info, o scanners.Observation, subject string, st Status, detail Text) Finding {
	f := New(c, o.Target, subject).Decided(st)
	if detail != (Text{}) {
		f.Detail = detail
	}
	f.Evidence = o.Evidence
	f.At = o.At
	return f
}

// EffectivePolicy is the scan's policy, or the default policy when the
// input carries none (a check evaluated outside the engine).
func (in *Input) EffectivePolicy() *Policy {
	if in.Policy != nil {
		return in.Policy
	}
	return DefaultPolicy()
}

// Each evaluates with fn every observation of probe that carries a P, and
// turns every other one into the error finding about subject: a probe that
// failed or was interrupted decides nothing, and an OK observation without
// its payload is a probe bug that must not pass either (reported as
// internal, naming the payload kind). The findings keep the order of the
// observations.
func Each[T any, P interface {
	*T
	scanners.Payload
}](in *Input, c Info, probe, subject string, fn func(o scanners.Observation, p P) []Finding) []Finding {
	return EachOf(in, c, []string{probe}, subject, fn)
}

// EachOf is Each over the observations of several probes that deliver the
// same payload (dns.server over TCP and dns.udp), in input order.
func EachOf[T any, P interface {
	*T
	scanners.Payload
}](in *Input, c Info, probes []string, subject string, fn func(o scanners.Observation, p P) []Finding) []Finding {
	var out []Finding
	for _, o := range in.Obs {
		if !slices.Contains(probes, o.Probe) {
			continue
		}
		p, ok := o.Data.(P)
		if o.Status != scanners.OK || !ok || p == nil {
			if o.Status == scanners.OK {
				var zero P // Kind reads no field: a nil P names its kind
				o.Status, o.Reason = scanners.Internal, "observation carries no "+zero.Kind()+" payload"
			}
			out = append(out, Undecided(c, o, subject))
			continue
		}
		out = append(out, fn(o, p)...)
	}
	return out
}

// Unsure is the error finding about subject for an OK observation whose
// payload still leaves that subject open (one protocol version that timed
// out, one test that did not run): reason says which part and why.
func Unsure(c Info, o scanners.Observation, subject, reason string) Finding {
	o.Status, o.Reason = scanners.ProtocolError, reason
	return Undecided(c, o, subject)
}

// UnsureT is Unsure with a reason the check words in both languages
// (what part stayed open), rather than a probe's English record.
func UnsureT(c Info, o scanners.Observation, subject string, reason Text) Finding {
	o.Status, o.Reason = scanners.ProtocolError, reason.EN
	return undecided(c, o, subject, reason)
}

// Graded returns f with the severity and remediation of this one subject
// where the check's defaults do not fit it (SSLv3 is graver than TLS 1.0,
// a default page lighter than a database dump). A zero value keeps the
// default, and a verdict other than fail or warn keeps severity none.
func (f Finding) Graded(sev Severity, fix Text) Finding {
	if sev != "" && (f.Status == Fail || f.Status == Warn) {
		f.Severity = sev
	}
	if fix != (Text{}) {
		f.Remediation = fix
	}
	return f
}

// WithEvidence returns f carrying exactly ev instead of the observation's
// evidence: the one exchange that shows the verdict, not the whole visit.
func (f Finding) WithEvidence(ev ...scanners.Evidence) Finding {
	f.Evidence = ev
	return f
}
