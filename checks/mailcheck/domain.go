package mailcheck

import (
	"shindan/checks"
	"shindan/scanners"
)

// dnsError turns a failed lookup into an error finding: a record we could
// not fetch is not an absent record.
func dnsError(c checks.Info, o scanners.Observation, what, reason string) checks.Finding {
	return checks.Observed(c, o, "", checks.Error, checks.T(
		what+" の DNS 照会に失敗したため判定できませんでした: "+checks.Raw(reason),
		"could not decide: the DNS lookup of "+what+" failed: "+reason))

}
