package tlsscan

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"math/big"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/cryptobyte"
)

// TLS 1.3 encrypts the certificate. crypto/tls can read it only from
// servers it can handshake with (not x448/ffdhe-only ones, not stacks that
// drop its status_request), so the chain is read here: one key share for a
// group the server accepted, the handshake keys derived (RFC 8446 §7.1),
// the server's encrypted flight decrypted up to its Certificate. Nothing is
// sent after the ClientHello; the handshake is abandoned there.

// keyShare is an ephemeral key for one TLS 1.3 group.
type keyShare struct {
	group  uint16
	public []byte
	shared func(peer []byte) ([]byte, error)
}

// newKeyShare makes a key for g: the ECDH curves of crypto/ecdh, or an
// RFC 7919 finite-field group. Other groups (x448, hybrids) give nil.
func newKeyShare(g uint16) *keyShare {
	var c ecdh.Curve
	switch g {
	case 0x001D:
		c = ecdh.X25519()
	case 0x0017:
		c = ecdh.P256()
	case 0x0018:
		c = ecdh.P384()
	case 0x0019:
		c = ecdh.P521()
	}
	if c != nil {
		k, err := c.GenerateKey(rand.Reader)
		if err != nil {
			return nil
		}
		return &keyShare{group: g, public: k.PublicKey().Bytes(), shared: func(peer []byte) ([]byte, error) {
			pk, err := c.NewPublicKey(peer)
			if err != nil {
				return nil, fmt.Errorf("%w: server key share: %v", errMalformed, err)
			}
			return k.ECDH(pk)
		}}
	}
	hexP, ok := ffdhePrimes[g]
	if !ok {
		return nil
	}
	p, _ := new(big.Int).SetString(hexP, 16)
	size := (p.BitLen() + 7) / 8
	// A 512-bit exponent: twice the strength of the largest group offered
	// here (RFC 7919 §5.2).
	x, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 512))
	if err != nil {
		return nil
	}
	y := new(big.Int).Exp(big.NewInt(2), x, p)
	pm1 := new(big.Int).Sub(p, big.NewInt(1))
	return &keyShare{group: g, public: y.FillBytes(make([]byte, size)), shared: func(peer []byte) ([]byte, error) {
		ys := new(big.Int).SetBytes(peer)
		if len(peer) != size || ys.Cmp(big.NewInt(1)) <= 0 || ys.Cmp(pm1) >= 0 {
			return nil, fmt.Errorf("%w: server DH share out of range", errMalformed)
		}
		return new(big.Int).Exp(ys, x, p).FillBytes(make([]byte, size)), nil
	}}
}

// tls13Suite is an AEAD suite this reader can decrypt.
type tls13Suite struct {
	hash   func() hash.Hash
	keyLen int
	aead   func(key []byte) (cipher.AEAD, error)
}

// gcm is AES-GCM with the key length the suite gives (RFC 8446 §B.4).
func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// tls13Suites are the suites the Certificate reader can decrypt:
// TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and
// TLS_CHACHA20_POLY1305_SHA256. The CCM suites (0x1304, 0x1305) are left
// out; a server that accepts only those yields errNoTLS13Reader.
var tls13Suites = map[uint16]tls13Suite{
	0x1301: {sha256.New, 16, gcm},
	0x1302: {sha512.New384, 32, gcm},
	0x1303: {sha256.New, 32, chacha20poly1305.New},
}

// expandLabel is HKDF-Expand-Label (RFC 8446 §7.1).
func expandLabel(h func() hash.Hash, secret []byte, label string, context []byte, n int) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddUint16(uint16(n))
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte("tls13 " + label)) })
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(context) })
	return hkdf.Expand(h, secret, string(must(b.Bytes())), n)
}

// serverHandshakeKeys derives the server_handshake_traffic_secret's key
// and IV from the shared secret and the transcript ClientHello‖ServerHello.
func serverHandshakeKeys(su tls13Suite, shared, transcript []byte) (key, iv []byte, err error) {
	hl := su.hash().Size()
	early, err := hkdf.Extract(su.hash, make([]byte, hl), nil)
	if err != nil {
		return nil, nil, err
	}
	empty := su.hash().Sum(nil)
	derived, err := expandLabel(su.hash, early, "derived", empty, hl)
	if err != nil {
		return nil, nil, err
	}
	hs, err := hkdf.Extract(su.hash, shared, derived)
	if err != nil {
		return nil, nil, err
	}
	th := su.hash()
	th.Write(transcript)
	sts, err := expandLabel(su.hash, hs, "s hs traffic", th.Sum(nil), hl)
	if err != nil {
		return nil, nil, err
	}
	if key, err = expandLabel(su.hash, sts, "key", nil, su.keyLen); err != nil {
		return nil, nil, err
	}
	iv, err = expandLabel(su.hash, sts, "iv", nil, 12)
	return key, iv, err
}

// errNoTLS13Reader means the server accepted none of the groups and
// suites this reader implements; the caller then falls back to
// crypto/tls rather than report the chain as unreadable.
var errNoTLS13Reader = errors.New("tlsscan: no accepted TLS 1.3 group or suite this reader implements")

// tls13Chain reads the certificate chain of a TLS 1.3 server (and its
// stapled OCSP response when ocsp is set) with one key share of a group in
// groups and a suite in suites, both as the server accepted them.
func (s *scanner) tls13Chain(ctx context.Context, groups, suites []uint16, ocsp bool) (certs [][]byte, staple []byte, err error) {
	var ks *keyShare
	for _, g := range groups {
		if ks = newKeyShare(g); ks != nil {
			break
		}
	}
	var offer []uint16
	for _, c := range suites {
		if _, ok := tls13Suites[c]; ok {
			offer = append(offer, c)
		}
	}
	if ks == nil || len(offer) == 0 {
		return nil, nil, errNoTLS13Reader
	}
	h := s.baseHello(VersionTLS13, offer)
	h.groups, h.keyShares = []uint16{ks.group}, []uint16{ks.group}
	h.shares = map[uint16][]byte{ks.group: ks.public}
	h.ocsp = ocsp
	rec := h.marshal()

	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	defer func() { <-s.sem }()
	c, err := s.conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	if _, err := c.Write(rec); err != nil {
		return nil, nil, err
	}
	rr := newRecordReader(c)
	shMsg, err := readServerHelloMsg(rr)
	if err != nil {
		return nil, nil, err
	}
	sh, err := parseServerHello(shMsg[4:])
	if err != nil {
		return nil, nil, err
	}
	su, ok := tls13Suites[sh.Suite]
	if sh.HRR || sh.Version != VersionTLS13 || !ok {
		return nil, nil, fmt.Errorf("%w: ServerHello %s suite 0x%04X (HRR %v) to a TLS 1.3 hello with one key share", errMalformed, ProtocolName(sh.Version), sh.Suite, sh.HRR)
	}
	d := cryptobyte.String(sh.Extensions[extKeyShare])
	var g uint16
	var peer cryptobyte.String
	if !d.ReadUint16(&g) || !d.ReadUint16LengthPrefixed(&peer) || g != ks.group {
		return nil, nil, fmt.Errorf("%w: key share for group 0x%04X, offered 0x%04X", errMalformed, g, ks.group)
	}
	shared, err := ks.shared(peer)
	if err != nil {
		return nil, nil, err
	}
	key, iv, err := serverHandshakeKeys(su, shared, append(append([]byte(nil), rec[5:]...), shMsg...))
	if err != nil {
		return nil, nil, err
	}
	aead, err := su.aead(key)
	if err != nil {
		return nil, nil, err
	}
	return readEncryptedCertificate(rr, aead, iv)
}

// readServerHelloMsg returns the ServerHello handshake message (header
// included) as sent, for the transcript.
func readServerHelloMsg(rr *recordReader) ([]byte, error) {
	var buf []byte
	for {
		typ, _, payload, err := rr.next()
		if err != nil {
			return nil, err
		}
		switch typ {
		case recAlert:
			if len(payload) < 2 {
				return nil, errMalformed
			}
			return nil, &AlertError{Level: payload[0], Desc: payload[1]}
		case recHandshake:
		default:
			return nil, fmt.Errorf("%w: record type %d before ServerHello", errMalformed, typ)
		}
		buf = append(buf, payload...)
		if len(buf) >= 4 {
			if buf[0] != hsServerHello {
				return nil, fmt.Errorf("%w: handshake type %d before ServerHello", errMalformed, buf[0])
			}
			n := int(buf[1])<<16 | int(buf[2])<<8 | int(buf[3])
			if n > maxHandshakeMsg {
				return nil, fmt.Errorf("%w: ServerHello of %d bytes", errMalformed, n)
			}
			if len(buf) >= 4+n {
				return buf[:4+n], nil
			}
		}
	}
}

// Encrypted handshake message types before the Certificate.
const (
	hsEncryptedExtensions = 8
	hsCertificateRequest  = 13
)

// readEncryptedCertificate decrypts the server's records until the
// Certificate message and returns its chain and stapled OCSP response.
func readEncryptedCertificate(rr *recordReader, aead cipher.AEAD, iv []byte) ([][]byte, []byte, error) {
	var seq uint64
	var buf []byte
	for {
		typ, ver, payload, err := rr.next()
		if err != nil {
			return nil, nil, err
		}
		switch typ {
		case recChangeCipherSpec:
			continue // middlebox compatibility (RFC 8446 §D.4)
		case recAlert:
			if len(payload) < 2 {
				return nil, nil, errMalformed
			}
			return nil, nil, &AlertError{Level: payload[0], Desc: payload[1]}
		case recApplicationData:
		default:
			return nil, nil, fmt.Errorf("%w: record type %d in the encrypted flight", errMalformed, typ)
		}
		nonce := make([]byte, 12)
		copy(nonce, iv)
		for i := 0; i < 8; i++ {
			nonce[4+i] ^= byte(seq >> (56 - 8*i))
		}
		seq++
		aad := []byte{typ, byte(ver >> 8), byte(ver), byte(len(payload) >> 8), byte(len(payload))}
		plain, err := aead.Open(nil, nonce, payload, aad)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: cannot decrypt the server's flight: %v", errMalformed, err)
		}
		i := len(plain) - 1
		for i >= 0 && plain[i] == 0 {
			i--
		}
		if i < 0 {
			return nil, nil, fmt.Errorf("%w: empty inner record", errMalformed)
		}
		if plain[i] == recAlert {
			if i < 2 {
				return nil, nil, errMalformed
			}
			return nil, nil, &AlertError{Level: plain[0], Desc: plain[1]}
		}
		if plain[i] != recHandshake {
			return nil, nil, fmt.Errorf("%w: inner record type %d before the Certificate", errMalformed, plain[i])
		}
		buf = append(buf, plain[:i]...)
		for len(buf) >= 4 {
			n := int(buf[1])<<16 | int(buf[2])<<8 | int(buf[3])
			if n > maxHandshakeMsg {
				return nil, nil, fmt.Errorf("%w: handshake message of %d bytes", errMalformed, n)
			}
			if len(buf) < 4+n {
				break
			}
			mt, body := buf[0], buf[4:4+n]
			buf = buf[4+n:]
			switch mt {
			case hsEncryptedExtensions, hsCertificateRequest:
			case hsCertificate:
				return parseCertificate13(body)
			default:
				return nil, nil, fmt.Errorf("%w: handshake type %d before the Certificate", errMalformed, mt)
			}
		}
	}
}

// parseCertificate13 splits a TLS 1.3 Certificate message body (RFC 8446
// §4.4.2) into DER certificates and the leaf's stapled OCSP response.
func parseCertificate13(b []byte) ([][]byte, []byte, error) {
	s := cryptobyte.String(b)
	var reqCtx, list cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&reqCtx) || !s.ReadUint24LengthPrefixed(&list) || !s.Empty() {
		return nil, nil, errMalformed
	}
	var certs [][]byte
	var staple []byte
	for !list.Empty() {
		var der, exts cryptobyte.String
		if !list.ReadUint24LengthPrefixed(&der) || len(der) == 0 || !list.ReadUint16LengthPrefixed(&exts) {
			return nil, nil, errMalformed
		}
		if len(certs) == maxChainCerts {
			return nil, nil, fmt.Errorf("%w: more than %d certificates", errMalformed, maxChainCerts)
		}
		for len(certs) == 0 && !exts.Empty() {
			var typ uint16
			var data cryptobyte.String
			if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
				return nil, nil, errMalformed
			}
			if typ == extStatusRequest {
				if r, err := parseCertificateStatus(data); err == nil {
					staple = r
				}
			}
		}
		certs = append(certs, []byte(der))
	}
	if len(certs) == 0 {
		return nil, nil, fmt.Errorf("%w: empty certificate list", errMalformed)
	}
	return certs, staple, nil
}
