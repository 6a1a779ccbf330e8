package svcscan

import (
	"testing"
)

// Fuzz targets for every parser of peer bytes: none may panic, hang or
// return a banner beyond its bound.

func FuzzParseText(f *testing.F) {
	for _, s := range []string{"SSH-2.0-OpenSSH_9.2p1 Debian-2", "220 mx ESMTP Exim 4.96 Thu, 26 Nov 2026 17:03:00 +0900\r\n",
		"220-a\r\n220 b\r\n", "211-Features:\r\n AUTH TLS\r\n211 End\r\n", "+OK Dovecot\r\n", "* OK [CAPABILITY IMAP4rev1 STARTTLS]\r\n",
		"\xff\xfd\x18\xff\xfa\x18\x01\xff\xf0login", "RFB 003.008\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseSSHBanner(string(b))
		ParseReply(b)
		replyDone(b)
		ParseSMTPGreeting(b)
		ParseFTPGreeting(b)
		ParsePOP3Greeting(b)
		ParseIMAPGreeting(b)
		ParseTelnet(b)
		telnetRefuse(b)
		ParseRFBVersion(b)
		ParseMailDate(string(b))
		if p := Printable(b, maxBanner); len(p) > maxBanner {
			t.Fatalf("printable %d bytes", len(p))
		}
	})
}

func FuzzParseBinary(f *testing.F) {
	f.Add(mysqlGreeting("10.11.6-MariaDB", 0xffff))
	f.Add([]byte{3, 0, 0, 19, 14, 0xd0, 0, 0, 0, 0, 0, 2, 0, 8, 0, 2, 0, 0, 0})
	f.Add(smbNegotiate())
	f.Add(ldapRootDSE)
	f.Add(dnsQuery)
	f.Add([]byte("$20\r\n# Server\r\nredis_version:7\r\n"))
	f.Add([]byte{1, 18, 19})
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseMySQLGreeting(b)
		mysqlDone(b)
		ParseRFBSecurity(b, 3)
		ParseRFBSecurity(b, 8)
		ParseRDPConfirm(b)
		tpktDone(b)
		ParseSMB(b)
		nbDone(b)
		ParseLDAPResponse(b)
		ldapDone(b)
		ParseDNSTCP(b)
		lenDone(b)
		ParsePostgresSSLReply(b)
		ParseRedisReply(b)
		ParseRedisInfo(b)
		redisDone(b)
		ParseMemcachedVersion(b)
		bannerDone(append([]byte{0}, b...))
	})
}

func FuzzParseMongo(f *testing.F) {
	f.Add(mongoOpMsg(1, bsonDoc("ok", 1, "databases", bsonArr(bsonDoc("0", bsonDoc("name", "a"))))))
	f.Add(mongoOpQuery(1, bsonDoc("isMaster", 1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := ParseMongoReply(b, 1); err == nil {
			ParseMongoHello(m)
			mongoOK(m)
			mongoCode(m)
		}
		decodeBSON(b, 0)
		mongoDone(b)
	})
}

func FuzzParseHTTP(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 26 Nov 2026 08:00:00 GMT\r\nContent-Length: 2\r\n\r\n{}"))
	f.Add([]byte(`{"cluster_name":"c","version":{"number":"8.1.0"},"tagline":"You Know, for Search"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if h, ok := ParseHTTPResponse(b); ok {
			ParseServerHeader(h.Server)
		}
		httpDone(b)
		ParseElasticsearch(b)
		ParseServerHeader(string(b))
	})
}
