package mailcheck

import (
	"testing"
	"time"

	"shindan/checks"
	"shindan/scanners"
)

func domObsv(st scanners.Status, d *scanners.MailDomain) scanners.Observation {
	o := scanners.Observation{Probe: scanners.ProbeMailDomain, At: time.Unix(0, 0), Target: scanners.Target{Name: "good.test"}, Status: st,
		Evidence: []scanners.Evidence{{Kind: "dns", Data: "TXT good.test"}}}
	if d != nil {
		d.Domain = "good.test"
		o.Data = d
	} else {
		o.Reason = "scan interrupted"
	}
	return o
}

func TestDomainChecks(t *testing.T) {
	goodSPF := scanners.SPFResult{Records: []string{"v=spf1 mx -all"}, All: "-", Lookups: 1}
	tests := []struct {
		name     string
		c        checks.Check
		d        *scanners.MailDomain
		want     checks.Status
		contains string
	}{
		{"spf pass", spf{}, &scanners.MailDomain{SPF: goodSPF}, checks.Pass, "one SPF record"},
		{"spf none", spf{}, &scanners.MailDomain{}, checks.Fail, "no SPF record"},
		{"spf +all", spf{}, &scanners.MailDomain{SPF: scanners.SPFResult{Records: []string{"v=spf1 +all"}, All: "+"}}, checks.Fail, "+all"},
		{"spf ?all", spf{}, &scanners.MailDomain{SPF: scanners.SPFResult{Records: []string{"v=spf1 ?all"}, All: "?"}}, checks.Fail, "?all"},
		{"spf two", spf{}, &scanners.MailDomain{SPF: scanners.SPFResult{Records: []string{"v=spf1 -all", "v=spf1 ~all"}, All: "-", Errors: []string{"2 SPF records"}}}, checks.Fail, "2 SPF records"},
		{"spf no all", spf{}, &scanners.MailDomain{SPF: scanners.SPFResult{Records: []string{"v=spf1 mx"}}}, checks.Warn, "no all"},
		{"spf dns down", spf{}, &scanners.MailDomain{DNSErrors: map[string]string{"spf": "SERVFAIL"}}, checks.Error, "SERVFAIL"},
		{"spf temperror inside the tree", spf{}, &scanners.MailDomain{SPF: scanners.SPFResult{Records: []string{"v=spf1 include:x.test -all"}, All: "-", Lookups: 1,
			TempErrors: []string{"include x.test: mailscan: TXT x.test: i/o timeout"}}}, checks.Error, "temperror"},
		{"spf permerror wins over temperror", spf{}, &scanners.MailDomain{SPF: scanners.SPFResult{Records: []string{"v=spf1 a/33 -all"}, All: "-",
			Errors: []string{`"a/33": CIDR length`}, TempErrors: []string{"x"}}}, checks.Fail, "permerror: \"a/33\""},
		{"spf pass names what it covered", spf{}, &scanners.MailDomain{SPF: scanners.SPFResult{Records: []string{"v=spf1 ptr -all"}, All: "-", Lookups: 1,
			Notes: []string{"ptr is counted"}}}, checks.Pass, "not evaluated: ptr is counted"},
		{"dmarc pass", dmarc{}, &scanners.MailDomain{DMARC: scanners.DMARCResult{Domain: "good.test", Records: []string{"v=DMARC1; p=reject"}, Tags: map[string]string{"p": "reject"}}}, checks.Pass, "p=reject"},
		{"dmarc none", dmarc{}, &scanners.MailDomain{}, checks.Fail, "no DMARC"},
		{"dmarc p=none", dmarc{}, &scanners.MailDomain{DMARC: scanners.DMARCResult{Records: []string{"v=DMARC1; p=none"}, Tags: map[string]string{"p": "none"}}}, checks.Warn, "p=none"},
		{"dmarc syntax", dmarc{}, &scanners.MailDomain{DMARC: scanners.DMARCResult{Records: []string{"v=DMARC1; p=bogus"}, Errors: []string{"p=\"bogus\""}}}, checks.Fail, "syntax"},
		{"dmarc dns down", dmarc{}, &scanners.MailDomain{DNSErrors: map[string]string{"dmarc": "timeout"}}, checks.Error, "timeout"},
		{"dkim pass", dkim{}, &scanners.MailDomain{DKIM: []scanners.DKIMKey{{Selector: "lab", KeyType: "rsa", Bits: 2048}}}, checks.Pass, "lab (rsa 2048"},
		{"dkim weak", dkim{}, &scanners.MailDomain{DKIM: []scanners.DKIMKey{{Selector: "old", KeyType: "rsa", Bits: 512}}}, checks.Fail, "512"},
		{"dkim none", dkim{}, &scanners.MailDomain{Selectors: []string{"default"}}, checks.InfoS, "no DKIM key"},
		{"dkim dns down", dkim{}, &scanners.MailDomain{DNSErrors: map[string]string{"dkim": "REFUSED"}}, checks.Error, "REFUSED"},
		{"mta-sts inventory", mtaSTS{}, &scanners.MailDomain{TLSRPT: []string{"v=TLSRPTv1; rua=mailto:x@good.test"}}, checks.InfoS, "TLS-RPT: v=TLSRPTv1"},
		{"mta-sts broken", mtaSTS{}, &scanners.MailDomain{MTASTS: scanners.MTASTS{Records: []string{"v=STSv1; id=1"}, PolicyError: "no address"}}, checks.Warn, "cannot be fetched"},
		{"mta-sts testing", mtaSTS{}, &scanners.MailDomain{MTASTS: scanners.MTASTS{Records: []string{"v=STSv1; id=1"}, PolicyOK: true, Mode: "testing"}}, checks.Warn, "testing"},
		{"mta-sts dns down", mtaSTS{}, &scanners.MailDomain{DNSErrors: map[string]string{"mta-sts": "timeout"}}, checks.Error, "timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { one(t, run(t, tc.c, domObsv(scanners.OK, tc.d)), tc.want, tc.contains) })
	}
	for _, c := range []checks.Check{spf{}, dmarc{}, dkim{}, mtaSTS{}} {
		one(t, run(t, c, domObsv(scanners.Interrupted, nil)), checks.Error, "scan interrupted")
	}
}
