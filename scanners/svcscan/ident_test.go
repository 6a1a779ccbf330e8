package svcscan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"shindan/scanners"
)

// mongoFake answers hello/buildInfo/listDatabases in the OP_MSG format the
// MongoDB wire protocol reference describes.
func mongoFake(authRequired bool) fake {
	return fake{respond: func(req []byte) ([]byte, bool) {
		if !mongoDone(req) || len(req) < 21 {
			return nil, false
		}
		reqID := binary.LittleEndian.Uint32(req[4:])
		var doc []byte
		switch {
		case bytes.Contains(req, []byte("hello")), bytes.Contains(req, []byte("isMaster")):
			doc = bsonDoc("isWritablePrimary", true, "maxWireVersion", 17, "ok", 1)
		case bytes.Contains(req, []byte("buildInfo")):
			doc = bsonDoc("version", "6.0.5", "ok", 1)
		case bytes.Contains(req, []byte("listDatabases")) && authRequired:
			doc = bsonDoc("ok", 0, "errmsg", "command listDatabases requires authentication", "code", 13)
		case bytes.Contains(req, []byte("listDatabases")):
			dbs := bsonArr(bsonDoc("0", bsonDoc("name", "admin"), "1", bsonDoc("name", "secrets")))
			doc = bsonDoc("databases", dbs, "ok", 1)
		default:
			return nil, true
		}
		out := mongoOpMsg(99, doc)
		binary.LittleEndian.PutUint32(out[8:], reqID)
		return out, false
	}}
}

func mysqlGreeting(ver string, caps uint16) []byte {
	p := []byte{0x0a}
	p = append(append(p, ver...), 0)
	p = append(p, 1, 0, 0, 0)    // thread id
	p = append(p, "abcdefgh"...) // auth data 1
	p = append(p, 0)             // filler
	p = binary.LittleEndian.AppendUint16(p, caps)
	p = append(p, 0x21, 2, 0, 0, 0)    // charset, status
	p = append(p, make([]byte, 13)...) // upper caps, len, reserved
	h := []byte{byte(len(p)), byte(len(p) >> 8), 0, 0}
	return append(h, p...)
}

func TestIdentify(t *testing.T) {
	exim := fmt.Sprintf("220 mx.example.jp ESMTP Exim 4.96 %s\r\n", time.Now().Add(-5*time.Minute).Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	tests := []struct {
		name  string
		srv   fake
		check func(t *testing.T, s *scanners.Service)
	}{
		{"ssh", fake{greeting: []byte("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")}, func(t *testing.T, s *scanners.Service) {
			want(t, s.Name == "ssh" && s.Product == "OpenSSH" && s.Version == "9.2p1" && s.Method == "banner", s)
			want(t, s.CPE == "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*", s)
		}},
		{"smtp postfix starttls", lineServer("220 mail.example.jp ESMTP Postfix (Debian/GNU)\r\n", map[string]string{
			"EHLO": "250-mail.example.jp\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n", "QUIT": "221 bye\r\n"}),
			func(t *testing.T, s *scanners.Service) {
				want(t, s.Name == "smtp" && s.Product == "Postfix" && s.StartTLS && s.Date == "", s)
			}},
		{"smtp exim date", lineServer(exim, map[string]string{"EHLO": "250 mx\r\n", "QUIT": "221 bye\r\n"}),
			func(t *testing.T, s *scanners.Service) {
				want(t, s.Name == "smtp" && s.Product == "Exim" && s.Version == "4.96" && !s.StartTLS && s.Date != "" && s.Local != "", s)
			}},
		{"ftp vsftpd auth tls anonymous", lineServer("220 (vsFTPd 3.0.3)\r\n", map[string]string{
			"FEAT": "211-Features:\r\n AUTH TLS\r\n EPSV\r\n211 End\r\n", "USER": "331 Please specify the password.\r\n",
			"PASS": "230 Login successful.\r\n", "QUIT": "221 Goodbye.\r\n"}),
			func(t *testing.T, s *scanners.Service) {
				want(t, s.Name == "ftp" && s.Product == "vsftpd" && s.Version == "3.0.3" && s.StartTLS, s)
				want(t, s.Attrs["auth-tls"] == "yes" && s.Attrs["anonymous"] == "yes", s)
			}},
		{"ftp unmarked greeting on odd port", lineServer("220 welcome\r\n", map[string]string{
			"FEAT": "211-Features:\r\n MDTM\r\n211 End\r\n", "USER": "530 no\r\n", "QUIT": "221 bye\r\n"}),
			func(t *testing.T, s *scanners.Service) {
				want(t, s.Name == "ftp" && !s.StartTLS && s.Attrs["auth-tls"] == "no" && s.Attrs["anonymous"] == "no", s)
			}},
		{"telnet", fake{greeting: []byte{iac, do, 24, iac, do, 32, iac, will, 1}, respond: func(req []byte) ([]byte, bool) {
			return []byte("Debian GNU/Linux 12\r\nlogin: "), false
		}}, func(t *testing.T, s *scanners.Service) {
			want(t, s.Name == "telnet" && strings.Contains(s.Banner, "login:"), s)
		}},
		{"pop3 stls", lineServer("+OK Dovecot (Debian) ready.\r\n", map[string]string{"CAPA": "+OK\r\nUSER\r\nSTLS\r\n.\r\n", "QUIT": "+OK\r\n"}),
			func(t *testing.T, s *scanners.Service) {
				want(t, s.Name == "pop3" && s.Product == "Dovecot" && s.StartTLS, s)
			}},
		{"imap without starttls", lineServer("* OK IMAP4rev1 ready\r\n", map[string]string{"A1 CAPABILITY": "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na1 OK done\r\n", "A2 LOGOUT": "* BYE\r\n"}),
			func(t *testing.T, s *scanners.Service) { want(t, s.Name == "imap" && !s.StartTLS, s) }},
		{"mariadb", fake{greeting: mysqlGreeting("5.5.5-10.11.6-MariaDB-0+deb12u1", 0xfffe)}, func(t *testing.T, s *scanners.Service) {
			want(t, s.Name == "mysql" && s.Product == "MariaDB" && s.Version == "10.11.6" && s.StartTLS, s)
		}},
		{"vnc cleartext", fake{greeting: []byte("RFB 003.008\n"), respond: func(req []byte) ([]byte, bool) { return []byte{1, 2}, false }},
			func(t *testing.T, s *scanners.Service) {
				want(t, s.Name == "vnc" && s.Attrs["vnc-tls"] == "no" && s.Attrs["security-types"] == "2", s)
			}},
		{"vnc vencrypt", fake{greeting: []byte("RFB 003.008\n"), respond: func(req []byte) ([]byte, bool) { return []byte{2, 19, 2}, false }},
			func(t *testing.T, s *scanners.Service) { want(t, s.Name == "vnc" && s.Attrs["vnc-tls"] == "yes", s) }},
		{"redis", fake{respond: func(req []byte) ([]byte, bool) {
			if bytes.Contains(req, []byte("PING")) {
				return []byte("+PONG\r\n"), false
			}
			info := "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"
			return []byte(fmt.Sprintf("$%d\r\n%s\r\n", len(info), info)), false
		}}, func(t *testing.T, s *scanners.Service) {
			want(t, s.Name == "redis" && s.Version == "7.0.15" && s.Method == "probe:redis", s)
		}},
		{"memcached", fake{respond: func(req []byte) ([]byte, bool) {
			if bytes.HasPrefix(req, []byte("version")) {
				return []byte("VERSION 1.6.18\r\n"), false
			}
			return []byte("ERROR\r\n"), false
		}}, func(t *testing.T, s *scanners.Service) { want(t, s.Name == "memcached" && s.Version == "1.6.18", s) }},
		{"mongodb", mongoFake(false), func(t *testing.T, s *scanners.Service) {
			want(t, s.Name == "mongodb" && s.Version == "6.0.5" && s.CPE != "", s)
		}},
		{"postgresql", fake{respond: func(req []byte) ([]byte, bool) {
			if bytes.Equal(req, pgSSLRequest) {
				return []byte("N"), false
			}
			return nil, true
		}}, func(t *testing.T, s *scanners.Service) { want(t, s.Name == "postgresql" && !s.StartTLS, s) }},
		{"rdp", fake{respond: func(req []byte) ([]byte, bool) {
			if bytes.Equal(req, rdpRequest) {
				return []byte{3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0x1f, 8, 0, 2, 0, 0, 0}, false
			}
			return nil, true
		}}, func(t *testing.T, s *scanners.Service) {
			want(t, s.Name == "rdp" && s.Attrs["rdp-protocol"] == "2", s)
		}},
		{"smb2", fake{respond: func(req []byte) ([]byte, bool) {
			if !bytes.Contains(req, []byte("\xfeSMB")) {
				return nil, true
			}
			h := make([]byte, 64)
			copy(h, "\xfeSMB")
			body := make([]byte, 65)
			binary.LittleEndian.PutUint16(body[0:], 65)
			binary.LittleEndian.PutUint16(body[4:], 0x0302)
			msg := append(h, body...)
			return append([]byte{0, 0, 0, byte(len(msg))}, msg...), false
		}}, func(t *testing.T, s *scanners.Service) {
			want(t, s.Name == "smb" && s.Attrs["smb-dialect"] == "3.0.2", s)
		}},
		{"ldap", fake{respond: func(req []byte) ([]byte, bool) {
			if !bytes.Equal(req, ldapRootDSE) {
				return nil, true
			}
			attr := berSeq(0x30, berStr(0x04, "supportedExtension"), berSeq(0x31, berStr(0x04, ldapStartTLSOID)))
			entry := berSeq(0x30, []byte{2, 1, 1}, berSeq(0x64, berStr(0x04, ""), berSeq(0x30, attr)))
			done := berSeq(0x30, []byte{2, 1, 1}, berSeq(0x65, []byte{0x0a, 1, 0}, berStr(0x04, ""), berStr(0x04, "")))
			return append(entry, done...), false
		}}, func(t *testing.T, s *scanners.Service) { want(t, s.Name == "ldap" && s.StartTLS, s) }},
		{"dns", fake{respond: func(req []byte) ([]byte, bool) {
			if !lenDone(req) || !bytes.Equal(req, dnsQuery) {
				return nil, !lenDone(req) && len(req) > 64
			}
			resp := append([]byte(nil), dnsQuery...)
			resp[4], resp[5] = 0x80, 0x05 // QR, REFUSED
			return resp, false
		}}, func(t *testing.T, s *scanners.Service) { want(t, s.Name == "dns" && s.Attrs["rcode"] == "5", s) }},
		{"unknown banner", fake{greeting: []byte("hello from a custom daemon\n")}, func(t *testing.T, s *scanners.Service) {
			want(t, s.Name == "" && s.Banner == `hello from a custom daemon\n`, s)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := tc.srv.start(t)
			o := identify(t, testEnv(time.Second), tg)
			s := service(t, o)
			if len(o.Evidence) != 1 || o.Evidence[0].Kind != "transcript" || o.Evidence[0].Data == "" {
				t.Errorf("evidence %+v", o.Evidence)
			}
			tc.check(t, s)
		})
	}
}

func want(t *testing.T, ok bool, s *scanners.Service) {
	t.Helper()
	if !ok {
		t.Errorf("unexpected service %+v", *s)
	}
}

func TestIdentifyHTTPAndTLS(t *testing.T) {
	es := `{"name":"n1","cluster_name":"lab","version":{"number":"8.11.1"},"tagline":"You Know, for Search"}`
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "nginx/1.22.1")
		if r.URL.Path == "/" && r.Header.Get("X-ES") == "" && strings.Contains(r.Host, "es") {
			fmt.Fprint(w, es)
			return
		}
		fmt.Fprint(w, "<html>hello</html>")
	})
	for _, tc := range []struct {
		name string
		srv  *httptest.Server
		tls  bool
	}{{"http", httptest.NewServer(h), false}, {"https", httptest.NewTLSServer(h), true}} {
		t.Run(tc.name, func(t *testing.T) {
			defer tc.srv.Close()
			ap := netip.MustParseAddrPort(strings.TrimPrefix(strings.TrimPrefix(tc.srv.URL, "http://"), "https://"))
			s := service(t, identify(t, testEnv(time.Second), scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP}))
			want(t, s.Name == "http" && s.Product == "nginx" && s.Version == "1.22.1" && s.TLS == tc.tls && s.Date != "" && s.Local != "", s)
			want(t, s.CPE == "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*" && s.Attrs["http-status"] == "200", s)
			if tc.tls {
				want(t, s.Method == "probe:tls" && s.Attrs["tls-version"] != "", s)
			}
		})
	}
	t.Run("elasticsearch", func(t *testing.T) {
		srv := httptest.NewServer(h)
		defer srv.Close()
		ap := netip.MustParseAddrPort(strings.TrimPrefix(srv.URL, "http://"))
		tg := scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP, Name: "es.example.jp"}
		s := service(t, identify(t, testEnv(time.Second), tg))
		want(t, s.Name == "elasticsearch" && s.Product == "Elasticsearch" && s.Version == "8.11.1", s)
	})
}

// TestIdentifyFailures covers the non-OK outcomes: nothing listens, and a
// port that accepts but never says anything.
func TestIdentifyFailures(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		tg := fake{}.start(t)
		tg.Port = freePort(t)
		o := identify(t, testEnv(500*time.Millisecond), tg)
		if o.Status != scanners.Refused || o.Reason == "" || o.Data != nil {
			t.Fatalf("got %s %q %v", o.Status, o.Reason, o.Data)
		}
	})
	t.Run("silent", func(t *testing.T) {
		tg := fake{}.start(t)
		start := time.Now()
		o := identify(t, testEnv(400*time.Millisecond), tg)
		if o.Status != scanners.Timeout || o.Reason == "" {
			t.Fatalf("got %s %q", o.Status, o.Reason)
		}
		if d := time.Since(start); d > 1200*time.Millisecond {
			t.Errorf("silent port took %s, budget is 800ms", d)
		}
	})
	t.Run("silent r-service", func(t *testing.T) {
		// rlogind waits silently for the client's handshake, which we do
		// not send; only the port can name it.
		ln, err := net.Listen("tcp", "127.0.0.1:513")
		if err != nil {
			t.Skipf("cannot listen on 127.0.0.1:513: %v", err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		tg := scanners.Target{Addr: netip.MustParseAddr("127.0.0.1"), Port: 513, Proto: scanners.TCP}
		s := service(t, identify(t, testEnv(300*time.Millisecond), tg))
		want(t, s.Name == "login" && s.Method == "port", s)
	})
}

func freePort(t *testing.T) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return netip.MustParseAddrPort(ln.Addr().String()).Port()
}

// TestIdentifyHTTPFromOtherProbe: a server that misses the GET / deadline
// but answers the next probe (a TLS ClientHello) with an HTTP 400, as
// Node.js does, is an HTTP server, not an unidentified banner that no web
// check would look at.
func TestIdentifyHTTPFromOtherProbe(t *testing.T) {
	srv := fake{respond: func(req []byte) ([]byte, bool) {
		if bytes.HasPrefix(req, []byte("GET ")) {
			return nil, false // slow on GET: no answer within the wait
		}
		return []byte("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"), true
	}}
	s := service(t, identify(t, testEnv(300*time.Millisecond), srv.start(t)))
	want(t, s.Name == "http" && s.Method == "reply" && s.Attrs["http-status"] == "400", s)

	// The complaint of a TLS port about plain HTTP stays no identification.
	tlsPort := fake{respond: func(req []byte) ([]byte, bool) {
		return []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 48\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"), true
	}}
	s = service(t, identify(t, testEnv(300*time.Millisecond), tlsPort.start(t)))
	want(t, s.Name != "http", s)
}
