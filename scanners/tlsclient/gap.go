package tlsclient

import (
	"crypto/tls"
	"net"
	"time"

	"shindan/scanners"
	"shindan/scanners/tlsscan"
)

// rawHello sends tlsscan's identification hello (broad or short) on conn and reads
// the answer up to the ServerHello, within wait and one record's size.
func rawHello(conn net.Conn, sni string, short bool, wait time.Duration) (tlsscan.IdentReply, bool) {
	if err := conn.SetDeadline(time.Now().Add(wait)); err != nil {
		return tlsscan.IdentReply{}, false
	}
	if _, err := conn.Write(tlsscan.IdentHello(sni, short)); err != nil {
		return tlsscan.IdentReply{}, false
	}
	buf := make([]byte, 0, 5+16<<10)
	for !tlsscan.IdentDone(buf) && len(buf) < cap(buf) {
		n, err := conn.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			break
		}
	}
	return tlsscan.ParseIdentReply(buf)
}

// goGroups are the key-exchange groups crypto/tls implements.
var goGroups = map[uint16]bool{
	uint16(tls.X25519): true, uint16(tls.CurveP256): true, uint16(tls.CurveP384): true, uint16(tls.CurveP521): true,
	uint16(tls.X25519MLKEM768): true, uint16(tls.SecP256r1MLKEM768): true, uint16(tls.SecP384r1MLKEM1024): true,
}

// goSuite reports whether crypto/tls implements suite at version v.
func goSuite(suite, v uint16) bool {
	if v == tls.VersionTLS13 {
		return suite == tls.TLS_AES_128_GCM_SHA256 || suite == tls.TLS_AES_256_GCM_SHA384 || suite == tls.TLS_CHACHA20_POLY1305_SHA256
	}
	for _, id := range legacySuites {
		if id == suite {
			return true
		}
	}
	return false
}

// gapOf names what the server's answer to the raw hello needs and
// crypto/tls lacks. When crypto/tls implements everything the server
// chose, the gap is in crypto/tls's own hello (Kind "hello"): it always
// asks for an OCSP staple and SCTs, which the raw hello does not.
func gapOf(rep tlsscan.IdentReply, sni string) *scanners.TLSGap {
	g := &scanners.TLSGap{Server: rep.Summary(), NoSNI: sni == ""}
	switch {
	case rep.Alert != nil && rep.Alert.Desc == 70: // protocol_version
		g.Kind, g.What = scanners.GapProtocol, "SSL"
	case rep.Alert != nil:
		g.Kind, g.What = scanners.GapAlert, tlsscan.AlertName(rep.Alert.Desc)
	case rep.Version < tls.VersionTLS10:
		g.Kind, g.What = scanners.GapProtocol, tlsscan.ProtocolName(rep.Version)
	case rep.HRR && !goGroups[rep.Group], rep.Version == tls.VersionTLS13 && rep.Group != 0 && !goGroups[rep.Group]:
		g.Kind, g.What = scanners.GapGroup, tlsscan.GroupName(rep.Group)
	case !rep.HRR && !goSuite(rep.Suite, rep.Version):
		s := tlsscan.LookupSuite(rep.Suite)
		g.Kind, g.What = scanners.GapCipher, s.Name
		switch s.Kx {
		case "DHE", "DH", "ECDH", "DH_anon", "ECDH_anon", "NULL":
			g.Kind = scanners.GapKeyExchange
		}
	default:
		g.Kind = scanners.GapHello
	}
	return g
}
