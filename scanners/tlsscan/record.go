package tlsscan

import (
	"errors"
	"fmt"
	"io"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
)

// Bounds on what a server may make us read. A record longer than TLS
// allows is refused from its header, before anything is allocated.
const (
	maxRecordLen    = 16384 + 2048 // TLSCiphertext upper bound (RFC 5246 §6.2.3)
	maxHandshakeMsg = 1 << 18      // a certificate chain far beyond any real one
	maxConnBytes    = 1 << 20      // everything read on one connection
	maxChainCerts   = 16
)

// Content types.
const (
	recChangeCipherSpec = 20
	recAlert            = 21
	recHandshake        = 22
	recApplicationData  = 23
	recHeartbeat        = 24
)

// Handshake message types.
const (
	hsServerHello       = 2
	hsCertificate       = 11
	hsServerKeyExchange = 12
	hsServerHelloDone   = 14
	hsCertificateStatus = 22
)

// AlertError is a TLS alert the server sent.
type AlertError struct {
	Level, Desc uint8
}

// Error names the alert, since "handshake_failure" versus
// "protocol_version" is what tells a refused suite from a refused version.
func (e *AlertError) Error() string {
	return fmt.Sprintf("tlsscan: server sent alert %d (%s)", e.Desc, alertName(e.Desc))
}

// alertName names the AlertDescription values (RFC 5246 §7.2, RFC 8446
// §6) that servers send to scanner hellos; the rest print as "other"
// beside their number.
func alertName(d uint8) string {
	switch d {
	case 0:
		return "close_notify"
	case 10:
		return "unexpected_message"
	case 20:
		return "bad_record_mac"
	case 40:
		return "handshake_failure"
	case 47:
		return "illegal_parameter"
	case 50:
		return "decode_error"
	case 70:
		return "protocol_version"
	case 71:
		return "insufficient_security"
	case 80:
		return "internal_error"
	case 86:
		return "inappropriate_fallback"
	case 109:
		return "missing_extension"
	case 112:
		return "unrecognized_name"
	}
	return "other"
}

// errMalformed is any server message that does not parse: undecided, not
// a refusal. errSSLv2AnsweredTLS means the server took the SSLv2
// CLIENT-HELLO as a backwards-compatible hello and answered in SSLv3/TLS,
// so it does not speak SSLv2 itself.
var (
	errMalformed        = errors.New("tlsscan: malformed server message")
	errSSLv2AnsweredTLS = errors.New("tlsscan: server answered SSLv2 with an SSLv3/TLS record")
)

// recordReader reads TLS records with a byte budget.
type recordReader struct {
	r    io.Reader
	left int // bytes we still accept on this connection
}

// newRecordReader starts a connection's budget at maxConnBytes.
func newRecordReader(r io.Reader) *recordReader { return &recordReader{r: r, left: maxConnBytes} }

// readFull charges the budget before reading, so a server that streams
// forever is cut off at maxConnBytes rather than read to the deadline.
func (rr *recordReader) readFull(b []byte) error {
	if len(b) > rr.left {
		return fmt.Errorf("tlsscan: server sent more than %d bytes", maxConnBytes)
	}
	rr.left -= len(b)
	_, err := io.ReadFull(rr.r, b)
	return err
}

// next returns one record. A header whose length exceeds maxRecordLen, or
// whose type or version is not TLS, is an error: garbage is not buffered.
func (rr *recordReader) next() (typ uint8, ver uint16, payload []byte, err error) {
	var h [5]byte
	if err := rr.readFull(h[:]); err != nil {
		return 0, 0, nil, err
	}
	typ, ver = h[0], uint16(h[1])<<8|uint16(h[2])
	n := int(h[3])<<8 | int(h[4])
	if err := checkRecordHeader(h); err != nil {
		return typ, ver, nil, err
	}
	payload = make([]byte, n)
	if err := rr.readFull(payload); err != nil {
		return typ, ver, nil, err
	}
	return typ, ver, payload, nil
}

// checkRecordHeader accepts content types 20-24 (change_cipher_spec to
// heartbeat, RFC 6520) and major version 3 (SSL 3.0 to TLS 1.3 all write
// 3.x in the record layer), so an HTTP reply or a banner on a supposed TLS
// port fails at the first five bytes instead of being read as a length.
func checkRecordHeader(h [5]byte) error {
	if h[0] < recChangeCipherSpec || h[0] > recHeartbeat {
		return fmt.Errorf("%w: record type %d (not TLS)", errMalformed, h[0])
	}
	if h[1] != 3 {
		return fmt.Errorf("%w: record version %d.%d", errMalformed, h[1], h[2])
	}
	if n := int(h[3])<<8 | int(h[4]); n > maxRecordLen {
		return fmt.Errorf("%w: record length %d exceeds %d", errMalformed, n, maxRecordLen)
	}
	return nil
}

// ServerHello is the parsed ServerHello (or HelloRetryRequest).
type ServerHello struct {
	Version     uint16 // negotiated: supported_versions when present
	Suite       uint16
	Compression uint8
	Extensions  map[uint16][]byte
	HRR         bool   // a TLS 1.3 HelloRetryRequest
	KeyShare    uint16 // TLS 1.3: group of the key share (or HRR selected group)
}

// hrrRandom is the fixed ServerHello.random that marks a TLS 1.3
// HelloRetryRequest, SHA-256 of "HelloRetryRequest" (RFC 8446 §4.1.3):
// an HRR has the ServerHello's shape and only this tells them apart.
var hrrRandom = [32]byte{0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C}

// parseServerHello parses a ServerHello body (after type and length).
func parseServerHello(b []byte) (*ServerHello, error) {
	s := cryptobyte.String(b)
	var sh ServerHello
	var random, sid []byte
	if !s.ReadUint16(&sh.Version) || !s.ReadBytes(&random, 32) || !s.ReadUint8LengthPrefixed((*cryptobyte.String)(&sid)) ||
		!s.ReadUint16(&sh.Suite) || !s.ReadUint8(&sh.Compression) {
		return nil, errMalformed
	}
	sh.HRR = [32]byte(random) == hrrRandom
	sh.Extensions = map[uint16][]byte{}
	if s.Empty() {
		return &sh, nil
	}
	var exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, errMalformed
	}
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil, errMalformed
		}
		if _, dup := sh.Extensions[typ]; dup {
			return nil, fmt.Errorf("%w: duplicate extension %d", errMalformed, typ)
		}
		sh.Extensions[typ] = data
	}
	if v, ok := sh.Extensions[extSupportedVersions]; ok {
		d := cryptobyte.String(v)
		if !d.ReadUint16(&sh.Version) || !d.Empty() {
			return nil, errMalformed
		}
	}
	if v, ok := sh.Extensions[extKeyShare]; ok {
		d := cryptobyte.String(v)
		if !d.ReadUint16(&sh.KeyShare) {
			return nil, errMalformed
		}
	}
	return &sh, nil
}

// KeyExchange is what a ServerKeyExchange says about the ephemeral key.
type KeyExchange struct {
	Kind  string // "ECDHE" or "DHE"
	Group uint16 // named curve for ECDHE
	Bits  int    // DH prime size, or the curve's size
}

// parseServerKeyExchange reads the parameters of an ECDHE or DHE
// ServerKeyExchange. kx is the suite's class; "" tries both layouts.
func parseServerKeyExchange(b []byte, kx string) (*KeyExchange, error) {
	s := cryptobyte.String(b)
	isEC := kx == "ECDHE" || kx == "ECDH_anon"
	if kx == "" {
		isEC = len(b) > 3 && b[0] == 3
	}
	if isEC {
		var curveType uint8
		var group uint16
		var point cryptobyte.String
		if !s.ReadUint8(&curveType) || curveType != 3 || !s.ReadUint16(&group) || !s.ReadUint8LengthPrefixed(&point) || len(point) == 0 {
			return nil, fmt.Errorf("%w: ECDHE parameters", errMalformed)
		}
		return &KeyExchange{Kind: "ECDHE", Group: group, Bits: ecGroupBits(group)}, nil
	}
	var p, g, y cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&p) || !s.ReadUint16LengthPrefixed(&g) || !s.ReadUint16LengthPrefixed(&y) || len(p) == 0 {
		return nil, fmt.Errorf("%w: DHE parameters", errMalformed)
	}
	return &KeyExchange{Kind: "DHE", Bits: new(big.Int).SetBytes(p).BitLen()}, nil
}

// parseCertificateMsg splits a TLS ≤ 1.2 Certificate message body into DER
// certificates (at most maxChainCerts).
func parseCertificateMsg(b []byte) ([][]byte, error) {
	s := cryptobyte.String(b)
	var list cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&list) || !s.Empty() {
		return nil, errMalformed
	}
	var out [][]byte
	for !list.Empty() {
		var der cryptobyte.String
		if !list.ReadUint24LengthPrefixed(&der) || len(der) == 0 {
			return nil, errMalformed
		}
		if len(out) == maxChainCerts {
			return nil, fmt.Errorf("%w: more than %d certificates", errMalformed, maxChainCerts)
		}
		out = append(out, []byte(der))
	}
	return out, nil
}

// parseCertificateStatus returns the stapled OCSP response.
func parseCertificateStatus(b []byte) ([]byte, error) {
	s := cryptobyte.String(b)
	var typ uint8
	var resp cryptobyte.String
	if !s.ReadUint8(&typ) || typ != 1 || !s.ReadUint24LengthPrefixed(&resp) || !s.Empty() {
		return nil, errMalformed
	}
	return resp, nil
}

// flight is the server's first flight up to ServerHelloDone (TLS ≤ 1.2) or
// the ServerHello (TLS 1.3, whose rest is encrypted).
type flight struct {
	Hello       *ServerHello
	Certs       [][]byte
	KeyExchange []byte
	OCSP        []byte
	Done        bool // ServerHelloDone seen
}

// readFlight reads records until the flight is complete. An alert before
// the ServerHello is returned as *AlertError.
func readFlight(rr *recordReader, full bool) (*flight, error) {
	var f flight
	var buf []byte
	for {
		typ, _, payload, err := rr.next()
		if err != nil {
			return &f, err
		}
		switch typ {
		case recAlert:
			if len(payload) < 2 {
				return &f, errMalformed
			}
			return &f, &AlertError{Level: payload[0], Desc: payload[1]}
		case recChangeCipherSpec:
			continue
		case recHandshake:
		default:
			if f.Hello != nil {
				return &f, nil // encrypted TLS 1.3 records follow the ServerHello
			}
			return &f, fmt.Errorf("%w: record type %d before ServerHello", errMalformed, typ)
		}
		buf = append(buf, payload...)
		for len(buf) >= 4 {
			mt := buf[0]
			n := int(buf[1])<<16 | int(buf[2])<<8 | int(buf[3])
			if n > maxHandshakeMsg {
				return &f, fmt.Errorf("%w: handshake message of %d bytes", errMalformed, n)
			}
			if len(buf) < 4+n {
				break
			}
			body := buf[4 : 4+n]
			buf = buf[4+n:]
			if f.Hello == nil && mt != hsServerHello {
				return &f, fmt.Errorf("%w: handshake type %d before ServerHello", errMalformed, mt)
			}
			switch mt {
			case hsServerHello:
				if f.Hello != nil {
					return &f, fmt.Errorf("%w: second ServerHello", errMalformed)
				}
				sh, err := parseServerHello(body)
				if err != nil {
					return &f, err
				}
				f.Hello = sh
				if !full || sh.HRR || sh.Version >= VersionTLS13 {
					return &f, nil
				}
			case hsCertificate:
				certs, err := parseCertificateMsg(body)
				if err != nil {
					return &f, err
				}
				f.Certs = certs
			case hsServerKeyExchange:
				f.KeyExchange = append([]byte(nil), body...)
			case hsCertificateStatus:
				if r, err := parseCertificateStatus(body); err == nil {
					f.OCSP = r
				}
			case hsServerHelloDone:
				f.Done = true
				return &f, nil
			}
		}
	}
}

// SSLv2ServerHello is the parsed SSLv2 SERVER-HELLO.
type SSLv2ServerHello struct {
	Version uint16
	Ciphers []uint32
	Cert    []byte
}

// readSSLv2ServerHello reads one SSLv2 record and parses a SERVER-HELLO.
func readSSLv2ServerHello(rr *recordReader) (*SSLv2ServerHello, error) {
	var h [2]byte
	if err := rr.readFull(h[:]); err != nil {
		return nil, err
	}
	if h[0]&0x80 == 0 {
		if h[0] == recAlert || h[0] == recHandshake {
			return nil, errSSLv2AnsweredTLS
		}
		return nil, fmt.Errorf("%w: not an SSLv2 record", errMalformed)
	}
	n := int(h[0]&0x7F)<<8 | int(h[1])
	body := make([]byte, n) // n < 32768 by construction
	if err := rr.readFull(body); err != nil {
		return nil, err
	}
	return parseSSLv2ServerHello(body)
}

// parseSSLv2ServerHello parses an SSLv2 SERVER-HELLO body (message type
// 4, draft-hickman-netscape-ssl-00): the certificate and the 3-byte
// cipher kinds the server shares with the hello; lengths are checked
// against the body, never trusted.
func parseSSLv2ServerHello(b []byte) (*SSLv2ServerHello, error) {
	s := cryptobyte.String(b)
	var typ, hit, certType uint8
	var sh SSLv2ServerHello
	var certLen, specLen, connLen uint16
	if !s.ReadUint8(&typ) || typ != 4 || !s.ReadUint8(&hit) || !s.ReadUint8(&certType) || !s.ReadUint16(&sh.Version) ||
		!s.ReadUint16(&certLen) || !s.ReadUint16(&specLen) || !s.ReadUint16(&connLen) {
		return nil, fmt.Errorf("%w: SSLv2 SERVER-HELLO", errMalformed)
	}
	var cert, specs []byte
	if !s.ReadBytes(&cert, int(certLen)) || !s.ReadBytes(&specs, int(specLen)) || specLen%3 != 0 {
		return nil, fmt.Errorf("%w: SSLv2 SERVER-HELLO", errMalformed)
	}
	sh.Cert = cert
	for i := 0; i+3 <= len(specs); i += 3 {
		sh.Ciphers = append(sh.Ciphers, uint32(specs[i])<<16|uint32(specs[i+1])<<8|uint32(specs[i+2]))
	}
	return &sh, nil
}
