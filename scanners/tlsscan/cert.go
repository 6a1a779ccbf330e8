package tlsscan

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	_ "crypto/md5" // registers MD5 for selfSigned
	"crypto/rsa"
	_ "crypto/sha1" // registers SHA-1 for selfSigned
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"time"

	"shindan/scanners"
)

// summarizeChain parses the served chain and verifies it against roots
// (nil = system roots) for name at time now.
func summarizeChain(ders [][]byte, name string, roots *x509.CertPool, store string, now time.Time) *scanners.TLSChain {
	ch := &scanners.TLSChain{TrustStore: store, NameChecked: name}
	var parsed []*x509.Certificate
	for _, der := range ders {
		c, err := x509.ParseCertificate(der)
		tc := scanners.TLSCert{PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
		sum := sha256.Sum256(der)
		tc.SHA256 = hex.EncodeToString(sum[:])
		if err != nil {
			tc.ParseError = err.Error()
			ch.Certs = append(ch.Certs, tc)
			parsed = append(parsed, nil)
			continue
		}
		tc.Subject, tc.Issuer = c.Subject.String(), c.Issuer.String()
		tc.SANs = append(tc.SANs, c.DNSNames...)
		for _, ip := range c.IPAddresses {
			tc.SANs = append(tc.SANs, ip.String())
		}
		tc.Serial = c.SerialNumber.Text(16)
		tc.NotBefore, tc.NotAfter = c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339)
		tc.KeyType, tc.KeyBits = keyInfo(c)
		tc.SigAlg = c.SignatureAlgorithm.String()
		tc.SigAlgOID = sigAlgOID(c.Raw)
		tc.IsCA = c.IsCA
		tc.SelfIssued = bytes.Equal(c.RawIssuer, c.RawSubject)
		ch.Certs = append(ch.Certs, tc)
		parsed = append(parsed, c)
	}
	if len(parsed) == 0 || parsed[0] == nil {
		ch.TrustError = "leaf certificate missing or unparsable"
		return ch
	}
	leaf := parsed[0]
	ch.SelfSigned = ch.Certs[0].SelfIssued && selfSigned(leaf)
	if name != "" {
		ch.NameMatch = leaf.VerifyHostname(name) == nil
	}
	// Order: each certificate must certify its predecessor. RFC 5246
	// §7.4.2 requires it; RFC 8446 §4.4.2 only asks for it (SHOULD) and
	// wants clients to cope, but older clients do not.
	seen := map[string]bool{}
	for i, c := range parsed {
		if c == nil {
			ch.OrderProblems = append(ch.OrderProblems, fmt.Sprintf("certificate %d is unparsable", i))
			continue
		}
		if seen[ch.Certs[i].SHA256] {
			ch.OrderProblems = append(ch.OrderProblems, fmt.Sprintf("certificate %d is a duplicate", i))
		}
		seen[ch.Certs[i].SHA256] = true
		if i > 0 && parsed[i-1] != nil && !bytes.Equal(parsed[i-1].RawIssuer, c.RawSubject) {
			ch.OrderProblems = append(ch.OrderProblems, fmt.Sprintf("certificate %d (%s) does not issue certificate %d", i, c.Subject, i-1))
		}
	}
	inter := x509.NewCertPool()
	for _, c := range parsed[1:] {
		if c != nil {
			inter.AddCert(c)
		}
	}
	// Trust is judged inside the leaf's validity period: dates are graded
	// on their own, and an expired certificate from a trusted CA must not
	// also read as "untrusted".
	at := now
	if at.Before(leaf.NotBefore) || at.After(leaf.NotAfter) {
		at = leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		ch.TrustError = err.Error()
	} else {
		ch.Trusted = true
		// A root the server sends along is the trust anchor itself: its
		// self-signature is not graded (tls-policy.yaml certificate.exempt).
		anchor := chains[0][len(chains[0])-1]
		for i, c := range parsed {
			if c != nil && c.Equal(anchor) {
				ch.Certs[i].IsTrustAnchor = true
			}
		}
	}
	return ch
}

// keyInfo names the key type and size that tls.certificate grades (RSA
// below 2048 and EC below 256 bits fail); for other key types the size is
// 0, i.e. not measured.
func keyInfo(c *x509.Certificate) (string, int) {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "EC", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	switch c.PublicKeyAlgorithm {
	case x509.DSA:
		return "DSA", 0
	}
	return c.PublicKeyAlgorithm.String(), 0
}

// sigAlgOID reads the signatureAlgorithm OID from the raw certificate,
// since Go names only the algorithms it implements.
func sigAlgOID(raw []byte) string {
	var c struct {
		TBS    asn1.RawValue
		SigAlg pkix.AlgorithmIdentifier
		Sig    asn1.BitString
	}
	if _, err := asn1.Unmarshal(raw, &c); err != nil {
		return ""
	}
	return c.SigAlg.Algorithm.String()
}

// hostForName returns the name to match: the target name, or the address.
func hostForName(sni, addr string) string {
	if sni != "" {
		return sni
	}
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// selfSigned reports whether c's signature verifies with its own key.
// CheckSignatureFrom would demand a CA and refuse SHA-1, and an old
// self-signed SHA-1 server certificate is exactly what must be reported.
func selfSigned(c *x509.Certificate) bool {
	err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature)
	if err == nil {
		return true
	}
	var insecure x509.InsecureAlgorithmError
	if !errors.As(err, &insecure) {
		return false
	}
	var h crypto.Hash
	switch c.SignatureAlgorithm {
	case x509.SHA1WithRSA, x509.ECDSAWithSHA1:
		h = crypto.SHA1
	case x509.MD5WithRSA:
		h = crypto.MD5
	default:
		return false
	}
	d := h.New()
	d.Write(c.RawTBSCertificate)
	sum := d.Sum(nil)
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, h, sum, c.Signature) == nil
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(k, sum, c.Signature)
	}
	return false
}
