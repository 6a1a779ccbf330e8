package scanners

import "slices"

// impliedServices is what a TCP port number promises when identification
// could not tell: the service names (and "tls") of ProbeInfo.Services that
// the port's IANA assignment or common use implies. It decides which
// endpoint checks owe a verdict on an open port that stayed silent, reset
// or sent garbage (a tarpit on 25 must still give smtp.* an error, not
// silence). The list is deliberately short: only ports whose service a
// reader of the report would expect to see checked.
var impliedServices = map[uint16][]string{
	// Mail: SMTP relay, submission (RFC 6409), submissions (RFC 8314).
	25: {"smtp"}, 587: {"smtp", "submission"}, 465: {"smtp", "smtps", "tls"},
	// Web, cleartext and TLS.
	80: {"http"}, 8000: {"http"}, 8008: {"http"}, 8080: {"http"}, 8081: {"http"}, 8888: {"http"},
	443: {"http", "https", "tls"}, 8443: {"http", "https", "tls"}, 4443: {"http", "https", "tls"}, 9443: {"http", "https", "tls"},
	// Implicit-TLS mail retrieval, LDAP, FTP and WinRM.
	993: {"imaps", "tls"}, 995: {"pop3s", "tls"}, 636: {"ldaps", "tls"}, 990: {"ftps", "tls"},
	3269: {"ldaps", "tls"}, 5986: {"tls"},
	53: {"dns"},
	// Databases and caches that svc.dbauth asks.
	3306: {"mysql"}, 5432: {"postgresql"}, 6379: {"redis"}, 9200: {"elasticsearch", "http"},
	11211: {"memcached"}, 27017: {"mongodb"},
}

// ImpliedServices returns the services TCP port p implies (nil for a port
// with no firm expectation). The result must not be modified.
func ImpliedServices(p uint16) []string { return impliedServices[p] }

// Implies reports whether port p implies one of services (a
// ProbeInfo.Services list): a probe with that list owes a verdict on p
// even when identification failed there.
func Implies(p uint16, services []string) bool {
	for _, s := range impliedServices[p] {
		if slices.Contains(services, s) {
			return true
		}
	}
	return false
}
