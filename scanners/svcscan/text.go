package svcscan

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxBanner bounds Service.Banner (bytes).
const maxBanner = 512

// Printable turns untrusted bytes into one line a report can show: printable
// text stays, CR/LF become "\r\n" escapes, every other control or invalid
// byte becomes \xNN, and the result is cut at max bytes on a rune boundary.
func Printable(b []byte, max int) string {
	var sb strings.Builder
	for len(b) > 0 && sb.Len() < max {
		r, n := utf8.DecodeRune(b)
		var s string
		switch {
		case r == '\r':
			s = `\r`
		case r == '\n':
			s = `\n`
		case r == '\t':
			s = `\t`
		case r == utf8.RuneError && n <= 1, r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
			s = fmt.Sprintf(`\x%02x`, b[0])
			n = 1
		default:
			s = string(b[:n])
		}
		if sb.Len()+len(s) > max {
			break
		}
		sb.WriteString(s)
		b = b[n:]
	}
	return sb.String()
}

// firstLine returns the first line of b without its line ending.
func firstLine(b []byte) string {
	s := string(b)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s
}

// lines splits text into lines without their endings.
func lines(b []byte) []string {
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

var cpeSafe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// cpeVendors maps our product names to NVD vendor:product pairs.
var cpeVendors = map[string]string{
	"OpenSSH":            "openbsd:openssh",
	"Dropbear":           "dropbear_ssh_project:dropbear_ssh",
	"vsftpd":             "beasts:vsftpd",
	"ProFTPD":            "proftpd:proftpd",
	"Pure-FTPd":          "pureftpd:pure-ftpd",
	"Postfix":            "postfix:postfix",
	"Exim":               "exim:exim",
	"Sendmail":           "sendmail:sendmail",
	"Dovecot":            "dovecot:dovecot",
	"nginx":              "f5:nginx",
	"Apache httpd":       "apache:http_server",
	"lighttpd":           "lighttpd:lighttpd",
	"Microsoft IIS":      "microsoft:internet_information_services",
	"Redis":              "redis:redis",
	"memcached":          "memcached:memcached",
	"MySQL":              "oracle:mysql",
	"MariaDB":            "mariadb:mariadb",
	"PostgreSQL":         "postgresql:postgresql",
	"Elasticsearch":      "elastic:elasticsearch",
	"OpenSearch":         "amazon:opensearch",
	"MongoDB":            "mongodb:mongodb",
	"OpenSMTPD":          "openbsd:opensmtpd",
	"Microsoft Exchange": "microsoft:exchange_server",
	"Microsoft IIS FTP":  "microsoft:internet_information_services",
	"Apache Tomcat":      "apache:tomcat",
	"Jetty":              "eclipse:jetty",
	"Caddy":              "caddyserver:caddy",
}

// CPE returns the CPE 2.3 name of a product and version. Products in our
// table get their NVD vendor and product; others are named after
// themselves (vendor = product, the NVD convention for single-product
// projects such as lighttpd:lighttpd), so every identified product has a
// name in the inventory. A version that is missing or not a plain version
// string ("9.2p1 Debian") becomes "*": the name then says what runs, not
// which release. "" only when there is no product.
func CPE(product, version string) string {
	if product == "" {
		return ""
	}
	vp, ok := cpeVendors[product]
	if !ok {
		p := cpeComponent(product)
		if p == "" {
			return ""
		}
		vp = p + ":" + p
	}
	v := "*"
	if cpeSafe.MatchString(version) {
		v = version
	}
	return "cpe:2.3:a:" + vp + ":" + v + ":*:*:*:*:*:*:*"
}

// cpeComponent lower-cases a product name into a CPE component: letters,
// digits, '.', '-' and '_' kept, runs of anything else become one '_'.
func cpeComponent(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
			under = false
		case !under && b.Len() > 0:
			b.WriteByte('_')
			under = true
		}
		if b.Len() >= 64 {
			break
		}
	}
	return strings.Trim(b.String(), "_")
}
