package tlsscan

import (
	"fmt"
	"slices"
)

// Identification asks "is this TLS?" with one raw ClientHello rather than a
// crypto/tls handshake: Go refuses DHE-only, x448/ffdhe-only, Camellia and
// CBC-SHA384 servers, and reads a refusal as "not TLS", while any
// well-formed TLS record (a ServerHello, a HelloRetryRequest or an alert)
// proves the port speaks TLS.

// wellKnown are suites nearly every TLS ≤ 1.2 stack implements, strongest
// first. Intolerant servers (pitfalls §4.2: resets on unknown code points or
// on hellos past 255 bytes) still answer a hello made of these alone.
var wellKnown = []uint16{
	0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0x009E, 0x009F,
	0xC009, 0xC013, 0xC00A, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035,
	0x000A,
}

// shortGroups keep a short hello short: the curves every ECDHE stack has.
var shortGroups = []uint16{0x001D, 0x0017, 0x0018}

// IdentHello returns a ClientHello for identification. The broad one offers
// TLS 1.0 to 1.3 through supported_versions, every suite the policy names
// and every group, with an x25519 key share (a server preferring another
// group answers HelloRetryRequest, which is TLS too); no status_request,
// since some stacks drop hellos asking for OCSP. The short one is under 256
// bytes, for servers that reset long hellos.
func IdentHello(sni string, short bool) []byte {
	tables()
	h := &hello{version: VersionTLS13, sni: sni, renegInfo: true, keyShares: []uint16{0x001D}, alsoLegacy: true}
	if short {
		h.suites = slices.Concat(tls13[:3], wellKnown)
		h.groups = shortGroups
		h.short = true
	} else {
		h.suites = slices.Concat(tls13, legacyNamed())
	}
	return h.marshal()
}

// legacyNamed lists the policy's named TLS ≤ 1.2 suites (no sweep codes).
func legacyNamed() []uint16 {
	tables()
	var out []uint16
	for _, s := range policySuites {
		if s.Kx != "TLS13" {
			out = append(out, s.Code)
		}
	}
	return out
}

// IdentReply is what the first bytes of the answer to IdentHello say.
type IdentReply struct {
	// TLS is true for a ServerHello, a HelloRetryRequest or an alert record.
	TLS     bool
	Version uint16 // negotiated protocol (0 for an alert)
	Suite   uint16
	HRR     bool
	// Group is the TLS 1.3 key-share group: the one the server's key share
	// uses, or the one a HelloRetryRequest asks for (0 below TLS 1.3).
	Group uint16
	Alert *AlertError
}

// Summary is a one-line description for transcripts and attributes.
func (r IdentReply) Summary() string {
	switch {
	case r.Alert != nil:
		return fmt.Sprintf("alert %d (%s)", r.Alert.Desc, alertName(r.Alert.Desc))
	case r.HRR:
		return fmt.Sprintf("HelloRetryRequest %s %s", ProtocolName(r.Version), LookupSuite(r.Suite).Name)
	}
	return fmt.Sprintf("ServerHello %s %s", ProtocolName(r.Version), LookupSuite(r.Suite).Name)
}

// IdentDone reports whether b holds enough of a reply to decide: the first
// record header is not TLS, or a whole alert, or a whole ServerHello
// message, arrived. A record may carry the ServerHello together with the
// certificate chain; only the ServerHello is waited for.
func IdentDone(b []byte) bool {
	if len(b) < 5 {
		return false
	}
	if checkRecordHeader([5]byte(b[:5])) != nil {
		return true
	}
	switch b[0] {
	case recAlert:
		return len(b) >= 7
	case recHandshake:
		if len(b) < 9 {
			return false
		}
		n := int(b[6])<<16 | int(b[7])<<8 | int(b[8])
		return b[5] != hsServerHello || len(b) >= 9+n || n > maxRecordLen
	}
	return true
}

// ParseIdentReply reads the answer to IdentHello. ok is false when b is not
// the beginning of a TLS answer (a banner, an HTTP error, garbage).
func ParseIdentReply(b []byte) (r IdentReply, ok bool) {
	if len(b) < 5 || checkRecordHeader([5]byte(b[:5])) != nil {
		return r, false
	}
	body := b[5:]
	if n := int(b[3])<<8 | int(b[4]); len(body) > n {
		body = body[:n]
	}
	switch b[0] {
	case recAlert:
		if len(body) < 2 || body[0] < 1 || body[0] > 2 {
			return r, false
		}
		return IdentReply{TLS: true, Alert: &AlertError{Level: body[0], Desc: body[1]}}, true
	case recHandshake:
		if len(body) < 4 || body[0] != hsServerHello {
			return r, false
		}
		n := int(body[1])<<16 | int(body[2])<<8 | int(body[3])
		if len(body) < 4+n {
			return r, false
		}
		sh, err := parseServerHello(body[4 : 4+n])
		if err != nil {
			return r, false
		}
		return IdentReply{TLS: true, Version: sh.Version, Suite: sh.Suite, HRR: sh.HRR, Group: sh.KeyShare}, true
	}
	return r, false
}

// AlertName names a TLS AlertDescription ("handshake_failure").
func AlertName(desc uint8) string { return alertName(desc) }
