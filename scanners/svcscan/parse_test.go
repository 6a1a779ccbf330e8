package svcscan

import (
	"testing"
	"time"
)

func TestParseSSHBanner(t *testing.T) {
	tests := []struct {
		name, in               string
		ok                     bool
		product, version, attr string
	}{
		{name: "openssh debian", in: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", ok: true, product: "OpenSSH", version: "9.2p1", attr: "Debian-2+deb12u3"},
		{name: "dropbear", in: "SSH-2.0-dropbear_2022.83\r\n", ok: true, product: "Dropbear", version: "2022.83"},
		{name: "ssh 1.99", in: "SSH-1.99-Cisco-1.25", ok: true, product: "Cisco", version: "1.25"},
		{name: "no version", in: "SSH-2.0-libssh", ok: true, product: "libssh"},
		{name: "bad protocol", in: "SSH-3.0-x", ok: false},
		{name: "not ssh", in: "220 hello", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, ok := ParseSSHBanner(tc.in)
			if ok != tc.ok || (ok && (id.Name != "ssh" || id.Product != tc.product || id.Version != tc.version || id.Attrs["comment"] != tc.attr)) {
				t.Errorf("got %+v %v", id, ok)
			}
		})
	}
}

func TestParseReply(t *testing.T) {
	tests := []struct {
		name, in string
		code     int
		n        int
		complete bool
	}{
		{name: "single", in: "220 ready\r\n", code: 220, n: 1, complete: true},
		{name: "multi", in: "250-a\r\n250-STARTTLS\r\n250 b\r\n", code: 250, n: 3, complete: true},
		{name: "unfinished", in: "250-a\r\n250-b\r\n", code: 250, n: 2},
		{name: "ftp free lines", in: "211-Features:\r\n AUTH TLS\r\n211 End\r\n", code: 211, n: 3, complete: true},
		{name: "garbage", in: "hello\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, complete := ParseReply([]byte(tc.in))
			if r.Code != tc.code || len(r.Lines) != tc.n || complete != tc.complete {
				t.Errorf("got %+v %v", r, complete)
			}
		})
	}
}

func TestParseSMTPGreeting(t *testing.T) {
	tests := []struct {
		name, in         string
		product, version string
		date             string
	}{
		{name: "postfix", in: "220 mx.example.jp ESMTP Postfix (Debian/GNU)\r\n", product: "Postfix"},
		{name: "exim with date", in: "220 mx ESMTP Exim 4.96 Thu, 26 Nov 2026 17:03:00 +0900\r\n", product: "Exim", version: "4.96", date: "2026-11-26T08:03:00Z"},
		{name: "sendmail", in: "220 h ESMTP Sendmail 8.15.2/8.15.2; Tue, 3 Mar 2026 10:00:00 GMT\r\n", product: "Sendmail", version: "8.15.2", date: "2026-03-03T10:00:00Z"},
		{name: "multi-line", in: "220-mx\r\n220 ESMTP\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, d, ok := ParseSMTPGreeting([]byte(tc.in))
			got := ""
			if !d.IsZero() {
				got = d.UTC().Format(time.RFC3339)
			}
			if !ok || id.Name != "smtp" || id.Product != tc.product || id.Version != tc.version || got != tc.date {
				t.Errorf("got %+v %s %v", id, got, ok)
			}
		})
	}
	if _, _, ok := ParseSMTPGreeting([]byte("220-unfinished\r\n")); ok {
		t.Error("unfinished greeting accepted")
	}
}

func TestParseFTPAndMail(t *testing.T) {
	if id, ok := ParseFTPGreeting([]byte("220 ProFTPD 1.3.8 Server (Debian)\r\n")); !ok || id.Product != "ProFTPD" || id.Version != "1.3.8" {
		t.Errorf("proftpd: %+v", id)
	}
	if id, ok := ParseFTPGreeting([]byte("421 too many\r\n")); !ok || id.Attrs["greeting-code"] != "421" {
		t.Errorf("421: %+v", id)
	}
	if SMTPLike(Reply{Lines: []string{"(vsFTPd 3.0.3)"}}) != "ftp" || SMTPLike(Reply{Lines: []string{"x ESMTP"}}) != "smtp" || SMTPLike(Reply{Lines: []string{"hi"}}) != "" {
		t.Error("SMTPLike")
	}
	if _, ok := ParsePOP3Greeting([]byte("-ERR no\r\n")); ok {
		t.Error("pop3 -ERR accepted")
	}
	id, caps, ok := ParseIMAPGreeting([]byte("* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n"))
	if !ok || id.Product != "Dovecot" || len(caps) != 2 || !HasCapability(caps, "starttls", true) {
		t.Errorf("imap %+v %v", id, caps)
	}
}

func TestParseTelnet(t *testing.T) {
	text, ok := ParseTelnet([]byte{iac, do, 24, iac, sb, 24, 1, iac, se, 'l', 'o', 'g', 'i', 'n', iac, iac})
	if !ok || string(text) != "login\xff" {
		t.Errorf("got %q %v", text, ok)
	}
	if _, ok := ParseTelnet([]byte("login:")); ok {
		t.Error("plain text taken for telnet")
	}
	if got := telnetRefuse([]byte{iac, do, 24, iac, will, 1}); string(got) != string([]byte{iac, wont, 24, iac, dont, 1}) {
		t.Errorf("refuse %x", got)
	}
}

func TestParseBinary(t *testing.T) {
	if id, ok := ParseMySQLGreeting(mysqlGreeting("8.0.36-0ubuntu0.22.04.1", 0xffff)); !ok || id.Product != "MySQL" || id.Version != "8.0.36" || !id.StartTLS {
		t.Errorf("mysql %+v", id)
	}
	errPkt := append([]byte{0x48, 0, 0, 0, 0xff, 0x6a, 0x04}, "Host '203.0.113.130' is not allowed to connect to this MariaDB server"...)
	errPkt[0] = byte(len(errPkt) - 4)
	if id, ok := ParseMySQLGreeting(errPkt); !ok || id.Product != "MariaDB" || id.Attrs["error"] == "" {
		t.Errorf("mysql error %+v %v", id, ok)
	}
	if _, _, ok := ParseRFBVersion([]byte("RFB 003.889\n")); !ok {
		t.Error("rfb apple")
	}
	if types, _, ok := ParseRFBSecurity([]byte{0, 0, 0, 2}, 3); !ok || len(types) != 1 || types[0] != 2 {
		t.Errorf("rfb 3.3 %v", types)
	}
	if _, reason, ok := ParseRFBSecurity([]byte{0, 0, 0, 0, 4, 'b', 'u', 's', 'y'}, 8); !ok || reason != "busy" {
		t.Errorf("rfb refused %q", reason)
	}
	if id, ok := ParseRDPConfirm([]byte{3, 0, 0, 19, 14, 0xd0, 0, 0, 0, 0, 0, 3, 0, 8, 0, 5, 0, 0, 0}); !ok || id.Attrs["rdp-failure"] != "5" {
		t.Errorf("rdp failure %+v", id)
	}
	if id, ok := ParseSMB(append([]byte{0, 0, 0, 40}, append([]byte("\xffSMB"), make([]byte, 36)...)...)); !ok || id.Attrs["smb-dialect"] != "1" {
		t.Errorf("smb1 %+v", id)
	}
	if id, ok := ParsePostgresSSLReply([]byte("S")); !ok || !id.StartTLS {
		t.Errorf("pg %+v", id)
	}
	if _, ok := ParsePostgresSSLReply([]byte("X")); ok {
		t.Error("pg X accepted")
	}
	if id, ok := ParseRedisReply([]byte("-NOAUTH Authentication required.\r\n")); !ok || id.Attrs["auth"] != "required" {
		t.Errorf("redis %+v", id)
	}
	if _, ok := ParseRedisReply([]byte("-ERR unknown command\r\n")); ok {
		t.Error("generic -ERR taken for redis")
	}
	if id, ok := ParseMemcachedVersion([]byte("VERSION 1.6.18\r\n")); !ok || id.Version != "1.6.18" {
		t.Errorf("memcached %+v", id)
	}
	if id, ok := ParseElasticsearch([]byte(`{"cluster_name":"c","version":{"number":"2.11.0","distribution":"opensearch"}}`)); !ok || id.Product != "OpenSearch" {
		t.Errorf("opensearch %+v", id)
	}
	if p, v := ParseServerHeader("Apache/2.4.57 (Debian)"); p != "Apache httpd" || v != "2.4.57" {
		t.Errorf("server %q %q", p, v)
	}
	for _, tc := range []struct{ product, version, want string }{
		{"OpenSSH", "9.2p1", "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*"},
		{"OpenSSH", "9.2p1 Debian", "cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*"}, // not a plain version: unnamed
		{"nginx", "", "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*"},
		{"Some Server", "1.2", "cpe:2.3:a:some_server:some_server:1.2:*:*:*:*:*:*:*"},
		{"", "1.2", ""},
	} {
		if got := CPE(tc.product, tc.version); got != tc.want {
			t.Errorf("CPE(%q, %q) = %q, want %q", tc.product, tc.version, got, tc.want)
		}
	}
	if got := Printable([]byte("a\x00\xff\r\nb"), 100); got != `a\x00\xff\r\nb` {
		t.Errorf("printable %q", got)
	}
	if got := Printable([]byte("日本語テキスト"), 7); got != "日本" {
		t.Errorf("printable cut %q", got)
	}
}

func TestMongoRoundTrip(t *testing.T) {
	doc := bsonDoc("ok", 0, "errmsg", "requires authentication", "code", 13, "sub", bsonDoc("x", true))
	msg := mongoOpMsg(5, doc)
	msg[8] = 5 // responseTo
	m, err := ParseMongoReply(msg, 5)
	if err != nil || mongoOK(m) || mongoCode(m) != 13 || m["sub"].(map[string]any)["x"] != true {
		t.Fatalf("got %v %v", m, err)
	}
	if _, err := ParseMongoReply(msg, 6); err == nil {
		t.Error("reply to another request accepted")
	}
}
