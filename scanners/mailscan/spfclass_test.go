package mailscan

import "shindan/scanners"

// spfClass names what check_host() would return for a client that
// matches no mechanism, as far as a record check can tell: "none" (no
// record), "permerror", "temperror" or "ok" (evaluates to a result).
func spfClass(res scanners.SPFResult, err error) string {
	switch {
	case err != nil:
		return "temperror"
	case len(res.Records) == 0:
		return "none"
	case len(res.Errors) > 0:
		return "permerror"
	case len(res.TempErrors) > 0:
		return "temperror"
	}
	return "ok"
}
