package dnsclient

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// FuzzDecode feeds arbitrary bytes as a reply to a fixed query, plain and
// length-prefixed as over TCP: no panic, and a decoded reply is a response
// to that query.
func FuzzDecode(f *testing.F) {
	q := NewQuery("www.example.com", dns.TypeA, true)
	r := new(dns.Msg)
	r.SetReply(q)
	b, _ := r.Pack()
	f.Add(b)
	f.Add([]byte("\x00\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) >= 2 {
			q.Id = binary.BigEndian.Uint16(data)
		}
		m, err := Decode(data, q)
		if err == nil && (!m.Response || m.Id != q.Id) {
			t.Fatalf("decoded a non-reply: %v", m)
		}
		var framed bytes.Buffer
		binary.Write(&framed, binary.BigEndian, uint16(len(data)))
		framed.Write(data)
		if raw, err := ReadTCP(&framed); err == nil && !bytes.Equal(raw, data) {
			t.Fatalf("framing changed the message")
		}
		ReadTCP(bytes.NewReader(data))
	})
}

// FuzzReadResolvConf: any file gives a server or an error with the
// package prefix, never a panic.
func FuzzReadResolvConf(f *testing.F) {
	f.Add("nameserver 198.51.100.1\n")
	f.Add("# c\noptions edns0\nnameserver fe80::1%eth0\n")
	f.Add("nameserver\nnameserver x\n")
	f.Fuzz(func(t *testing.T, conf string) {
		ap, err := ReadResolvConf(strings.NewReader(conf))
		if err != nil && !strings.HasPrefix(err.Error(), "dnsclient: ") {
			t.Fatalf("error without prefix: %v", err)
		}
		if err == nil && (!ap.IsValid() || ap.Port() != 53) {
			t.Fatalf("got %v", ap)
		}
	})
}
