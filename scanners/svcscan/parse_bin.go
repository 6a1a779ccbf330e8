package svcscan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// mysqlClientSSL is CLIENT_SSL in the MySQL capability flags.
const mysqlClientSSL = 0x0800

var mariaVer = regexp.MustCompile(`^(?:5\.5\.5-)?([0-9]+\.[0-9]+\.[0-9]+)-MariaDB`)
var mysqlVer = regexp.MustCompile(`^([0-9]+\.[0-9]+\.[0-9]+)`)

// ParseMySQLGreeting reads the server-first packet of MySQL/MariaDB: a
// protocol-10 handshake (version string, capability flags) or an error
// packet (0xff, e.g. 1130 "host is not allowed to connect").
func ParseMySQLGreeting(b []byte) (id Ident, ok bool) {
	if len(b) < 5 {
		return id, false
	}
	n := int(b[0]) | int(b[1])<<8 | int(b[2])<<16
	if b[3] != 0 || n < 1 || n > 1<<16 || len(b) < 4+n {
		return id, false
	}
	p := b[4 : 4+n]
	switch p[0] {
	case 0xff:
		if len(p) < 3 {
			return id, false
		}
		code := binary.LittleEndian.Uint16(p[1:3])
		if code < 1000 || code > 5000 {
			return id, false
		}
		msg := p[3:]
		if len(msg) > 0 && msg[0] == '#' && len(msg) >= 6 {
			msg = msg[6:]
		}
		id.Name = "mysql"
		id.set("error", strconv.Itoa(int(code))+" "+Printable(msg, 200))
		if bytes.Contains(msg, []byte("MariaDB")) {
			id.Product = "MariaDB"
		}
		return id, true
	case 0x0a:
		end := bytes.IndexByte(p[1:], 0)
		if end < 1 || 1+end+1+4+8+1+2 > len(p) {
			return id, false
		}
		ver := string(p[1 : 1+end])
		if !mysqlVer.MatchString(ver) {
			return id, false
		}
		id.Name = "mysql"
		id.set("server-version", Printable([]byte(ver), 100))
		if m := mariaVer.FindStringSubmatch(ver); m != nil {
			id.Product, id.Version = "MariaDB", m[1]
		} else {
			id.Product, id.Version = "MySQL", mysqlVer.FindStringSubmatch(ver)[1]
		}
		off := 1 + end + 1 + 4 + 8 + 1
		caps := binary.LittleEndian.Uint16(p[off : off+2])
		id.StartTLS = caps&mysqlClientSSL != 0
		return id, true
	}
	return id, false
}

// mysqlDone is a read predicate: one whole MySQL packet is in b.
func mysqlDone(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	n := int(b[0]) | int(b[1])<<8 | int(b[2])<<16
	return len(b) >= 4+n
}

var rfbVersion = regexp.MustCompile(`^RFB (\d{3})\.(\d{3})\n`)

// ParseRFBVersion reads a VNC server's ProtocolVersion message (RFC 6143
// §7.1.1) and returns major and minor.
func ParseRFBVersion(b []byte) (major, minor int, ok bool) {
	m := rfbVersion.FindSubmatch(b)
	if m == nil {
		return 0, 0, false
	}
	major, _ = strconv.Atoi(string(m[1]))
	minor, _ = strconv.Atoi(string(m[2]))
	return major, minor, true
}

// ParseRFBSecurity reads the security handshake after the version: RFB 3.3
// sends one uint32 type; 3.7+ sends a count and that many type bytes. A
// zero count or type means failure, followed by a reason string.
func ParseRFBSecurity(b []byte, minor int) (types []int, reason string, ok bool) {
	if minor < 7 {
		if len(b) < 4 {
			return nil, "", false
		}
		t := binary.BigEndian.Uint32(b)
		if t == 0 {
			return nil, rfbReason(b[4:]), true
		}
		return []int{int(t)}, "", true
	}
	if len(b) < 1 {
		return nil, "", false
	}
	n := int(b[0])
	if n == 0 {
		return nil, rfbReason(b[1:]), true
	}
	if len(b) < 1+n {
		return nil, "", false
	}
	for _, t := range b[1 : 1+n] {
		types = append(types, int(t))
	}
	return types, "", true
}

func rfbReason(b []byte) string {
	if len(b) < 4 {
		return ""
	}
	n := int(binary.BigEndian.Uint32(b))
	b = b[4:]
	if n < len(b) {
		b = b[:n]
	}
	return Printable(b, 200)
}

// RFB security types that protect the session with TLS (VeNCrypt, Anonymous
// TLS) rather than sending the VNC challenge or nothing in the clear.
const (
	rfbTLS      = 18
	rfbVeNCrypt = 19
)

// rdpRequest is an X.224 Connection Request with an RDP Negotiation Request
// asking for TLS and CredSSP ([MS-RDPBCGR] 2.2.1.1).
var rdpRequest = []byte{
	0x03, 0x00, 0x00, 0x13, // TPKT v3, length 19
	0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, // X.224 CR
	0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00, // RDP_NEG_REQ: TLS|CredSSP
}

// ParseRDPConfirm reads the X.224 Connection Confirm of an RDP server and
// the negotiation response: selected protocol (0 standard RDP security, 1
// TLS, 2 CredSSP, 8 RDSTLS...) or a failure code.
func ParseRDPConfirm(b []byte) (id Ident, ok bool) {
	if len(b) < 11 || b[0] != 3 || b[1] != 0 {
		return id, false
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n < 11 || n > len(b) || b[5]&0xf0 != 0xd0 {
		return id, false
	}
	id.Name = "rdp"
	if n >= 19 {
		neg := b[11:19]
		v := binary.LittleEndian.Uint32(neg[4:8])
		switch neg[0] {
		case 0x02:
			id.set("rdp-protocol", strconv.Itoa(int(v)))
			id.StartTLS = v != 0
		case 0x03:
			id.set("rdp-failure", strconv.Itoa(int(v)))
		}
	} else {
		id.set("rdp-protocol", "0")
	}
	return id, true
}

// tpktDone is a read predicate: one whole TPKT is in b.
func tpktDone(b []byte) bool {
	return len(b) >= 4 && len(b) >= int(binary.BigEndian.Uint16(b[2:4]))
}

// smbNegotiate builds an SMB2 NEGOTIATE request (MS-SMB2 2.2.3) offering
// dialects 2.0.2 through 3.0.2, inside a NetBIOS session header.
func smbNegotiate() []byte {
	dialects := []uint16{0x0202, 0x0210, 0x0300, 0x0302}
	h := make([]byte, 64)
	copy(h, "\xfeSMB")
	binary.LittleEndian.PutUint16(h[4:], 64) // StructureSize
	binary.LittleEndian.PutUint16(h[14:], 1) // CreditRequest
	body := make([]byte, 36, 36+2*len(dialects))
	binary.LittleEndian.PutUint16(body[0:], 36)
	binary.LittleEndian.PutUint16(body[2:], uint16(len(dialects)))
	binary.LittleEndian.PutUint16(body[4:], 1) // SecurityMode: signing enabled
	copy(body[12:28], "shindan-svcscan!")      // ClientGuid
	for _, d := range dialects {
		body = binary.LittleEndian.AppendUint16(body, d)
	}
	msg := append(h, body...)
	out := []byte{0, 0, 0, 0}
	binary.BigEndian.PutUint32(out, uint32(len(msg)))
	return append(out, msg...)
}

// ParseSMB reads a NetBIOS-framed SMB reply: an SMB2 NEGOTIATE response
// (the chosen dialect) or an SMB1 reply from a server that does not speak
// SMB2 at all.
func ParseSMB(b []byte) (id Ident, ok bool) {
	if len(b) < 8 || b[0] != 0 {
		return id, false
	}
	p := b[4:]
	switch {
	case bytes.HasPrefix(p, []byte("\xfeSMB")):
		id.Name = "smb"
		if len(p) >= 64+6 && binary.LittleEndian.Uint16(p[12:14]) == 0 { // Command NEGOTIATE
			d := binary.LittleEndian.Uint16(p[64+4:])
			id.set("smb-dialect", fmt.Sprintf("%x.%x.%x", d>>8, (d>>4)&0xf, d&0xf))
		}
		return id, true
	case bytes.HasPrefix(p, []byte("\xffSMB")):
		id.Name = "smb"
		id.set("smb-dialect", "1")
		return id, true
	}
	return id, false
}

// nbDone is a read predicate: one whole NetBIOS session message is in b.
func nbDone(b []byte) bool {
	return len(b) >= 4 && len(b) >= 4+int(binary.BigEndian.Uint32(b)&0xffffff)
}

// ldapRootDSE is an anonymous LDAPv3 searchRequest (RFC 4511 §4.5.1) for
// the root DSE: base "", scope base, filter (objectClass=*), a few
// attributes. It reads nothing but the server's self-description.
var ldapRootDSE = func() []byte {
	attrs := berSeq(0x30, berStr(0x04, "supportedLDAPVersion"), berStr(0x04, "supportedExtension"),
		berStr(0x04, "vendorName"), berStr(0x04, "vendorVersion"))
	req := berSeq(0x63,
		berStr(0x04, ""), []byte{0x0a, 1, 0}, []byte{0x0a, 1, 0},
		[]byte{0x02, 1, 0}, []byte{0x02, 1, 5}, []byte{0x01, 1, 0},
		berStr(0x87, "objectClass"), attrs)
	return berSeq(0x30, []byte{0x02, 1, 1}, req)
}()

func berStr(tag byte, s string) []byte { return append([]byte{tag, byte(len(s))}, s...) }

func berSeq(tag byte, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	if len(body) < 128 {
		return append([]byte{tag, byte(len(body))}, body...)
	}
	return append([]byte{tag, 0x81, byte(len(body))}, body...)
}

// berHeader reads a BER tag and definite length; it returns the header size.
func berHeader(b []byte) (tag byte, n, hdr int, ok bool) {
	if len(b) < 2 {
		return 0, 0, 0, false
	}
	tag, l := b[0], int(b[1])
	if l < 0x80 {
		return tag, l, 2, true
	}
	k := l & 0x7f
	if k == 0 || k > 4 || len(b) < 2+k {
		return 0, 0, 0, false
	}
	n = 0
	for _, c := range b[2 : 2+k] {
		n = n<<8 | int(c)
	}
	if n < 0 || n > 1<<24 {
		return 0, 0, 0, false
	}
	return tag, n, 2 + k, true
}

// ldapStartTLSOID is the StartTLS extended operation (RFC 4511 §4.14).
const ldapStartTLSOID = "1.3.6.1.4.1.1466.20037"

// ParseLDAPResponse reads the first LDAPMessage of a reply to ldapRootDSE:
// a SEQUENCE with message ID 1 and a searchResEntry (0x64), searchResDone
// (0x65) or a notice of disconnection (extendedResp 0x78). StartTLS is
// taken from the supportedExtension values of the entry.
func ParseLDAPResponse(b []byte) (id Ident, ok bool) {
	tag, n, h, ok := berHeader(b)
	if !ok || tag != 0x30 || n < 5 {
		return id, false
	}
	msg := b[h:min(len(b), h+n)]
	if len(msg) < 5 || msg[0] != 0x02 || msg[1] < 1 || msg[1] > 4 || len(msg) < 2+int(msg[1])+1 {
		return id, false
	}
	op := msg[2+int(msg[1])]
	if op != 0x64 && op != 0x65 && op != 0x78 {
		return id, false
	}
	id.Name = "ldap"
	if bytes.Contains(b, []byte(ldapStartTLSOID)) {
		id.StartTLS = true
	}
	return id, true
}

// ldapDone is a read predicate: a searchResDone (or disconnection notice)
// has arrived, or the first message is complete and is not an entry.
func ldapDone(b []byte) bool {
	for len(b) > 0 {
		_, n, h, ok := berHeader(b)
		if !ok || len(b) < h+n {
			return false
		}
		m := b[h : h+n]
		if len(m) > 2 && len(m) > 2+int(m[1]) && m[2+int(m[1])] != 0x64 {
			return true
		}
		b = b[h+n:]
	}
	return false
}

// dnsQuery is ". IN NS" with RD=0, framed for TCP (RFC 1035 §4.2.2): an
// authoritative question any DNS server can answer or refuse harmlessly.
var dnsQuery = []byte{
	0x00, 0x11, // length 17
	0x5d, 0x1a, // ID
	0x00, 0x00, // flags: query, RD=0
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // QD=1
	0x00,       // root name
	0x00, 0x02, // NS
	0x00, 0x01, // IN
}

// ParseDNSTCP reads a length-framed DNS response to dnsQuery: the ID must
// match, QR must be set and the opcode must be QUERY.
func ParseDNSTCP(b []byte) (id Ident, ok bool) {
	if len(b) < 2+12 {
		return id, false
	}
	n := int(binary.BigEndian.Uint16(b))
	m := b[2:]
	if n < 12 || m[0] != dnsQuery[2] || m[1] != dnsQuery[3] || m[2]&0x80 == 0 || m[2]&0x78 != 0 {
		return id, false
	}
	id.Name = "dns"
	id.set("rcode", strconv.Itoa(int(m[3]&0x0f)))
	return id, true
}

// lenDone is a read predicate for 2-byte length framing.
func lenDone(b []byte) bool {
	return len(b) >= 2 && len(b) >= 2+int(binary.BigEndian.Uint16(b))
}

// pgSSLRequest is PostgreSQL's SSLRequest (protocol docs, 55.2.10).
var pgSSLRequest = []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}

// ParsePostgresSSLReply reads the one-byte answer to pgSSLRequest: 'S'
// (TLS offered), 'N' (no TLS) or an ErrorResponse ('E') from servers that
// predate SSLRequest.
func ParsePostgresSSLReply(b []byte) (id Ident, ok bool) {
	if len(b) != 1 && !(len(b) > 5 && b[0] == 'E' && bytes.Contains(b, []byte("SFATAL"))) {
		return id, false
	}
	switch b[0] {
	case 'S':
		id.StartTLS = true
	case 'N', 'E':
	default:
		return id, false
	}
	id.Name, id.Product = "postgresql", "PostgreSQL"
	return id, true
}

// ParseRedisReply reads the first RESP line of a reply to PING: +PONG, or
// an error that only Redis sends (NOAUTH, DENIED protected mode, WRONGPASS).
func ParseRedisReply(b []byte) (id Ident, ok bool) {
	l := firstLine(b)
	switch {
	case l == "+PONG":
	case strings.HasPrefix(l, "-NOAUTH"), strings.HasPrefix(l, "-DENIED"),
		strings.HasPrefix(l, "-WRONGPASS"), strings.HasPrefix(l, "-ERR operation not permitted"):
		id.set("auth", "required")
	default:
		return id, false
	}
	id.Name, id.Product = "redis", "Redis"
	return id, true
}

// ParseRedisInfo reads a RESP bulk string from INFO and returns its fields.
func ParseRedisInfo(b []byte) (map[string]string, bool) {
	if len(b) < 4 || b[0] != '$' {
		return nil, false
	}
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		return nil, false
	}
	if _, err := strconv.Atoi(string(b[1:i])); err != nil {
		return nil, false
	}
	out := map[string]string{}
	for _, l := range lines(b[i+2:]) {
		if k, v, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(k, "#") {
			out[k] = v
		}
	}
	return out, len(out) > 0
}

// redisDone is a read predicate for one RESP reply (simple, error or bulk).
func redisDone(b []byte) bool {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		return false
	}
	if b[0] != '$' {
		return true
	}
	n, err := strconv.Atoi(string(b[1:i]))
	return err != nil || n < 0 || len(b) >= i+2+n+2
}

var memcachedVer = regexp.MustCompile(`^VERSION ([0-9][0-9A-Za-z.\-]*)\r?$`)

// ParseMemcachedVersion reads the reply to "version".
func ParseMemcachedVersion(b []byte) (id Ident, ok bool) {
	m := memcachedVer.FindStringSubmatch(firstLine(b))
	if m == nil {
		return id, false
	}
	return Ident{Name: "memcached", Product: "memcached", Version: m[1]}, true
}

// lineDone is a read predicate: a full line is in b.
func lineDone(b []byte) bool { return bytes.IndexByte(b, '\n') >= 0 }
