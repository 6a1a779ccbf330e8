// Package tlsscan enumerates a server's TLS configuration with hand-built
// ClientHellos: protocols SSLv2 to TLS 1.3, every accepted suite per
// protocol in the server's order, groups and key-exchange sizes, the
// certificate chain as served, and the Heartbleed, renegotiation,
// compression and fallback-SCSV probes. It speaks implicit TLS and
// STARTTLS (SMTP, IMAP, POP3, FTP).
//
// crypto/tls cannot offer SSLv3, finite-field DHE or most legacy suites
// (pitfalls §4.1), so handshakes stop after the server's first flight: the
// ServerHello says protocol and suite, ServerKeyExchange the group and
// size, Certificate the chain. No handshake is completed. Only a TLS
// 1.3-only server's certificate needs keys: the handshake keys are derived
// from an own key share (tls13cert.go), crypto/tls being the fallback.
// IdentHello and ParseIdentReply are svc.ident's "is this TLS?" question.
package tlsscan

//go:generate go run ./internal/gensuites -in ../../../shared/spec/tls-policy.yaml -out suites_gen.go

import (
	"fmt"
	"slices"
	"sync"
)

// Protocol versions on the wire.
const (
	VersionSSL20 uint16 = 0x0002
	VersionSSL30 uint16 = 0x0300
	VersionTLS10 uint16 = 0x0301
	VersionTLS11 uint16 = 0x0302
	VersionTLS12 uint16 = 0x0303
	VersionTLS13 uint16 = 0x0304
)

// Suite.protos bits: the protocols a suite may be offered in.
const (
	maskSSL30 = 1 << iota
	maskTLS10
	maskTLS11
	maskTLS12
	maskTLS13
)

// ProtocolName is the name tls-policy.yaml and the checks use ("TLS1.2").
func ProtocolName(v uint16) string {
	switch v {
	case VersionSSL20:
		return "SSL2.0"
	case VersionSSL30:
		return "SSL3.0"
	case VersionTLS10:
		return "TLS1.0"
	case VersionTLS11:
		return "TLS1.1"
	case VersionTLS12:
		return "TLS1.2"
	case VersionTLS13:
		return "TLS1.3"
	}
	return fmt.Sprintf("0x%04X", v)
}

// Suite is one cipher suite code point.
type Suite struct {
	Code    uint16
	Name    string // IANA name; "0xXXXX" for a code point the policy does not name
	OpenSSL string
	protos  int
	Kx      string // TLS13, ECDHE, DHE, ECDH, DH, ECDH_anon, DH_anon, RSA, NULL; "" unknown
	Auth    string
}

// Group is a named group (supported_groups code point).
type Group struct {
	Code uint16
	Name string
}

// SSLv2 cipher kinds (3-byte codes), RFC draft-hickman-netscape-ssl-00.
var sslv2Suites = []struct {
	Code uint32
	Name string
}{
	{0x010080, "SSL_CK_RC4_128_WITH_MD5"},
	{0x020080, "SSL_CK_RC4_128_EXPORT40_WITH_MD5"},
	{0x030080, "SSL_CK_RC2_128_CBC_WITH_MD5"},
	{0x040080, "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5"},
	{0x050080, "SSL_CK_IDEA_128_CBC_WITH_MD5"},
	{0x060040, "SSL_CK_DES_64_CBC_WITH_MD5"},
	{0x0700C0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5"},
}

// Signalling suite values: TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746
// §3.3) and TLS_FALLBACK_SCSV (RFC 7507). They are not suites a server
// can choose, so the sweep never offers them as such.
const (
	scsvRenegotiation uint16 = 0x00FF
	scsvFallback      uint16 = 0x5600
)

// The lookup tables are built once, on first use (tables), from the
// generated policy tables; concurrent scans only read them afterwards.
var (
	tableOnce sync.Once
	byCode    map[uint16]Suite
	legacy    []uint16 // every code offered for SSLv3..TLS 1.2
	tls13     []uint16
	groupName map[uint16]string
)

// The IANA registry assigns suites in these ranges; besides the policy's
// named suites every code point in them is offered, so a server that picks
// a suite the policy does not list (PSK, ARIA, SEED, GOST drafts ...) is
// still seen, and graded by the policy's rule for unknown suites.
var sweepRanges = [][2]uint16{{0x0000, 0x00FF}, {0xC000, 0xC0FF}, {0xCCA8, 0xCCAE}, {0xD001, 0xD005}}

// tables fills the lookup tables: the policy's suites by code, the legacy
// offer list (policy suites plus every unnamed code point of sweepRanges)
// and the group names.
func tables() {
	tableOnce.Do(func() {
		byCode = map[uint16]Suite{}
		groupName = map[uint16]string{}
		for _, s := range policySuites {
			byCode[s.Code] = s
			if s.Kx == "TLS13" {
				tls13 = append(tls13, s.Code)
			} else {
				legacy = append(legacy, s.Code)
			}
		}
		for _, r := range sweepRanges {
			for c := int(r[0]); c <= int(r[1]); c++ {
				if _, ok := byCode[uint16(c)]; ok || uint16(c) == scsvRenegotiation {
					continue
				}
				legacy = append(legacy, uint16(c))
			}
		}
		for _, g := range policyGroups {
			groupName[g.Code] = g.Name
		}
		for c, n := range extraGroups {
			if _, ok := groupName[c]; !ok {
				groupName[c] = n
			}
		}
	})
}

// LookupSuite returns the suite with code c; unknown codes get a hex name.
func LookupSuite(c uint16) Suite {
	tables()
	if s, ok := byCode[c]; ok {
		return s
	}
	return Suite{Code: c, Name: fmt.Sprintf("0x%04X", c)}
}

// GroupName names a supported_groups code point.
func GroupName(c uint16) string {
	tables()
	if n, ok := groupName[c]; ok {
		return n
	}
	return fmt.Sprintf("0x%04X", c)
}

// extraGroups are groups the policy lists only as forbidden ranges; they
// are offered so a server that prefers them is caught.
var extraGroups = map[uint16]string{
	1: "sect163k1", 2: "sect163r1", 3: "sect163r2", 4: "sect193r1", 5: "sect193r2", 6: "sect233k1",
	7: "sect233r1", 8: "sect239k1", 9: "sect283k1", 10: "sect283r1", 11: "sect409k1", 12: "sect409r1",
	13: "sect571k1", 14: "sect571r1", 15: "secp160k1", 16: "secp160r1", 17: "secp160r2", 18: "secp192k1",
	20: "secp224k1",
}

// offeredGroups lists every group offered in supported_groups for TLS ≤ 1.2
// and as acceptable for TLS 1.3, strongest classic ones first.
func offeredGroups() []uint16 {
	tables()
	gs := []uint16{0x001D, 0x0017, 0x0018, 0x0019, 0x001E}
	var rest []uint16
	for c := range groupName {
		if !slices.Contains(gs, c) {
			rest = append(rest, c)
		}
	}
	slices.Sort(rest)
	return append(gs, rest...)
}

// ecGroupBits is the strength class of an elliptic-curve group in bits
// (the field size), used for key-exchange grading.
func ecGroupBits(c uint16) int {
	switch c {
	case 0x001D:
		return 253
	case 0x001E:
		return 448
	case 0x0017, 0x001A, 0x0016, 0x11EB:
		return 256
	case 0x0018, 0x001B, 0x11ED:
		return 384
	case 0x0019:
		return 521
	case 0x001C:
		return 512
	case 0x0015, 0x0014, 0x0006, 0x0007:
		return 224
	case 0x0013, 0x0012:
		return 192
	case 0x0100:
		return 2048
	case 0x0101:
		return 3072
	case 0x0102:
		return 4096
	case 0x0103:
		return 6144
	case 0x0104:
		return 8192
	case 0x11EC:
		return 253
	}
	return 0
}
