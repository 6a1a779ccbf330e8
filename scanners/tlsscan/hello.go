package tlsscan

import (
	"crypto/ecdh"
	"crypto/rand"

	"golang.org/x/crypto/cryptobyte"
)

// Extension code points used in ClientHellos.
const (
	extServerName          uint16 = 0
	extStatusRequest       uint16 = 5
	extSupportedGroups     uint16 = 10
	extECPointFormats      uint16 = 11
	extSignatureAlgorithms uint16 = 13
	extHeartbeat           uint16 = 15
	extPadding             uint16 = 21
	extSupportedVersions   uint16 = 43
	extKeyShare            uint16 = 51
	extRenegotiationInfo   uint16 = 0xFF01
)

// hello describes one ClientHello.
type hello struct {
	version     uint16   // protocol offered (record/legacy version or supported_versions)
	suites      []uint16 // in order of preference
	groups      []uint16 // supported_groups; nil = offeredGroups()
	keyShares   []uint16 // TLS 1.3: groups to send a share for (x25519, secp256r1)
	sni         string
	compression bool // offer DEFLATE before null
	heartbeat   bool
	ocsp        bool
	renegInfo   bool // renegotiation_info extension (empty)
	noExts      bool // SSLv3 style: no extensions at all
	// alsoLegacy offers TLS 1.0-1.2 next to 1.3 in supported_versions, so
	// one hello reaches any protocol a server speaks (identification).
	alsoLegacy bool
	// short keeps the hello under 256 bytes: no session ID, a few
	// signature algorithms, no padding (intolerant servers).
	short bool
	// shares holds key-share public keys made by the caller (who keeps
	// the private half); groups without one get a throwaway key.
	shares map[uint16][]byte
}

// shortSigAlgs are the signature algorithms of a short hello: ECDSA, PSS
// and PKCS#1 with SHA-256/384, and SHA-1 for old TLS 1.0/1.1-era stacks.
var shortSigAlgs = []uint16{0x0403, 0x0503, 0x0804, 0x0805, 0x0401, 0x0501, 0x0201, 0x0203}

// sigAlgs is the full hello's signature_algorithms (RFC 8446 §4.2.3 code
// points): pairs down to SHA-224, SHA-1 and DSA, so that a server
// whose only certificate is legacy still completes the hello and its
// suites are enumerated instead of refused for the signature.
var sigAlgs = []uint16{
	0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807, 0x0808, 0x0809, 0x080A, 0x080B,
	0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602, 0x0203, 0x0201, 0x0202,
}

// tls13SigAlgs leaves out the PKCS#1 v1.5 and SHA-1 pairs a TLS 1.3 server
// must not pick for CertificateVerify; OpenSSL rejects nothing for their
// presence, but some stacks do.
var tls13SigAlgs = []uint16{0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807, 0x0808, 0x0809, 0x080A, 0x080B, 0x0401, 0x0501, 0x0601}

// marshal builds the handshake record(s) carrying the ClientHello.
func (h *hello) marshal() []byte {
	var random [32]byte
	_, _ = rand.Read(random[:])
	// TLS 1.3 hides in a TLS 1.2 hello: legacy_version stays 0x0303 and
	// the real offer is supported_versions (RFC 8446 §4.1.2, §4.2.1).
	legacyVersion := h.version
	if h.version >= VersionTLS13 {
		legacyVersion = VersionTLS12
	}
	groups := h.groups
	if groups == nil {
		groups = offeredGroups()
	}
	body := func(padTo int) []byte {
		var b cryptobyte.Builder
		b.AddUint16(legacyVersion)
		b.AddBytes(random[:])
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
			if h.version >= VersionTLS13 && !h.short {
				// A legacy_session_id makes middleboxes treat 1.3 like a resumption.
				b.AddBytes(random[:])
			}
		})
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, s := range h.suites {
				b.AddUint16(s)
			}
		})
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
			if h.compression {
				b.AddUint8(1) // DEFLATE (RFC 3749)
			}
			b.AddUint8(0) // null, which every hello must offer (RFC 5246 §7.4.1.2)
		})
		if h.noExts {
			return must(b.Bytes())
		}
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			if h.sni != "" {
				ext(b, extServerName, func(b *cryptobyte.Builder) {
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
						b.AddUint8(0)
						b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(h.sni)) })
					})
				})
			}
			ext(b, extSupportedGroups, func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					for _, g := range groups {
						b.AddUint16(g)
					}
				})
			})
			// uncompressed, the only point format RFC 8422 §5.1.2 keeps
			ext(b, extECPointFormats, func(b *cryptobyte.Builder) {
				b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })
			})
			// RFC 5246 §7.4.1.4.1: a client offering only older versions
			// must not send signature_algorithms.
			if h.version >= VersionTLS12 {
				algs := sigAlgs
				switch {
				case h.short:
					algs = shortSigAlgs
				case h.version >= VersionTLS13 && !h.alsoLegacy:
					algs = tls13SigAlgs
				}
				ext(b, extSignatureAlgorithms, func(b *cryptobyte.Builder) {
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
						for _, a := range algs {
							b.AddUint16(a)
						}
					})
				})
			}
			if h.ocsp {
				ext(b, extStatusRequest, func(b *cryptobyte.Builder) {
					b.AddUint8(1)  // status_type ocsp (RFC 6066 §8)
					b.AddUint16(0) // no responder_id_list
					b.AddUint16(0) // no request_extensions
				})
			}
			if h.heartbeat {
				// mode peer_allowed_to_send (RFC 6520 §2): the server may
				// answer heartbeats, which is what the test needs.
				ext(b, extHeartbeat, func(b *cryptobyte.Builder) { b.AddUint8(1) })
			}
			if h.renegInfo && (h.version < VersionTLS13 || h.alsoLegacy) {
				// Empty renegotiated_connection: an initial handshake
				// (RFC 5746 §3.4); the ServerHello must echo the extension.
				ext(b, extRenegotiationInfo, func(b *cryptobyte.Builder) { b.AddUint8(0) })
			}
			if h.version >= VersionTLS13 {
				ext(b, extSupportedVersions, func(b *cryptobyte.Builder) {
					b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
						b.AddUint16(VersionTLS13)
						if h.alsoLegacy {
							b.AddUint16(VersionTLS12)
							b.AddUint16(VersionTLS11)
							b.AddUint16(VersionTLS10)
						}
					})
				})
				ext(b, extKeyShare, func(b *cryptobyte.Builder) {
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
						for _, g := range h.keyShares {
							pub := h.shares[g]
							if pub == nil {
								pub = keySharePublic(g)
							}
							if pub != nil {
								b.AddUint16(g)
								b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(pub) })
							}
						}
					})
				})
			}
			if padTo > 0 {
				ext(b, extPadding, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, padTo)) })
			}
		})
		return must(b.Bytes())
	}
	msg := body(0)
	// Hellos of 256-511 bytes hang some F5 stacks (RFC 7685 §1); pad them
	// past 512 when extensions are allowed.
	if n := len(msg) + 4; !h.noExts && !h.short && n >= 256 && n < 512 {
		pad := 512 - n - 4
		if pad < 1 {
			pad = 1
		}
		msg = body(pad)
	}
	var b cryptobyte.Builder
	b.AddUint8(22)
	recVersion := legacyVersion
	if recVersion > VersionTLS10 {
		// RFC 8446 §5.1 / common practice: TLS 1.0 in the record layer of
		// the first flight, which every stack accepts.
		recVersion = VersionTLS10
	}
	b.AddUint16(recVersion)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint8(1)
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(msg) })
	})
	return must(b.Bytes())
}

// ext writes one extension: its type and a 2-byte length-prefixed body
// (RFC 8446 §4.2, the same layout since RFC 5246 §7.4.1.4).
func ext(b *cryptobyte.Builder, typ uint16, f cryptobyte.BuilderContinuation) {
	b.AddUint16(typ)
	b.AddUint16LengthPrefixed(f)
}

// must unwraps a cryptobyte build of a message we construct ourselves.
func must(b []byte, err error) []byte {
	if err != nil {
		// Only reachable through a length overflow, which the bounded
		// suite chunks rule out.
		panic("tlsscan: " + err.Error())
	}
	return b
}

// keySharePublic returns a fresh public key for a TLS 1.3 key share; the
// private half is dropped, since no handshake is completed.
func keySharePublic(g uint16) []byte {
	var c ecdh.Curve
	switch g {
	case 0x001D:
		c = ecdh.X25519()
	case 0x0017:
		c = ecdh.P256()
	case 0x0018:
		c = ecdh.P384()
	default:
		return nil
	}
	k, err := c.GenerateKey(rand.Reader)
	if err != nil {
		return nil
	}
	return k.PublicKey().Bytes()
}

// sslv2Hello builds an SSLv2 CLIENT-HELLO offering every SSLv2 kind.
func sslv2Hello() []byte {
	var challenge [16]byte
	_, _ = rand.Read(challenge[:])
	var m cryptobyte.Builder
	m.AddUint8(1)
	m.AddUint16(VersionSSL20)
	m.AddUint16(uint16(3 * len(sslv2Suites)))
	m.AddUint16(0)
	m.AddUint16(uint16(len(challenge)))
	for _, s := range sslv2Suites {
		m.AddUint8(uint8(s.Code >> 16))
		m.AddUint16(uint16(s.Code))
	}
	m.AddBytes(challenge[:])
	body := must(m.Bytes())
	return append([]byte{0x80 | byte(len(body)>>8), byte(len(body))}, body...)
}

// heartbeatRequest is a heartbeat request record whose payload_length (16)
// exceeds the bytes actually sent (none): a patched server drops it, a
// vulnerable one answers with 16 bytes of its memory plus padding, of
// which only the length is kept (RFC 6520 §4, CVE-2014-0160).
func heartbeatRequest(version uint16) []byte {
	return []byte{24, byte(version >> 8), byte(version), 0, 3, 1, 0, 16}
}

// shorten makes h a short hello: the few curves every ECDHE stack has and,
// at TLS 1.3, one key share.
func (h *hello) shorten() {
	h.short = true
	h.groups = shortGroups
	if len(h.keyShares) > 1 {
		h.keyShares = h.keyShares[:1]
	}
}
