package portscan

import (
	"encoding/binary"
	"slices"
)

// UDPPayload is a request that makes a UDP service answer (an empty
// datagram rarely does). Every request is read-only: information queries
// that change no state on the server.
type UDPPayload struct {
	Name string // reflector protocol name (scanners.Reflector.Protocol)
	Port uint16
	Req  []byte
	// Valid, when set, says whether a datagram answers this request
	// (e.g. the DNS ID matches); other datagrams are not counted.
	Valid func(req, resp []byte) bool
}

// UDPPayloads lists the probes by port; a port may have several (NTP mode
// 6 and mode 7). Reflector measurements send each one.
var UDPPayloads = []UDPPayload{
	{Name: "dns", Port: 53, Req: dnsQuery(0x5d17, ".", 2, true), Valid: sameID},
	{Name: "qotd", Port: 17, Req: []byte("\r\n")},
	{Name: "chargen", Port: 19, Req: []byte("\r\n")},
	// ntpq "read variables" (mode 6, opcode 2): a 12-byte header.
	{Name: "ntp-mode6", Port: 123, Req: []byte{0x16, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0}, Valid: ntpMode(6)},
	// ntpdc MON_GETLIST_1 (mode 7, implementation 3, request 42).
	{Name: "ntp-monlist", Port: 123, Req: append([]byte{0x17, 0x00, 0x03, 0x2a}, make([]byte, 44)...), Valid: ntpMode(7)},
	{Name: "netbios", Port: 137, Req: netbiosStat()},
	{Name: "snmp-v2c", Port: 161, Req: snmpGetBulk("public", 30), Valid: func(_, r []byte) bool { return len(r) > 2 && r[0] == 0x30 }},
	{Name: "cldap", Port: 389, Req: []byte{0x30, 0x25, 0x02, 0x01, 0x01, 0x63, 0x20, 0x04, 0x00, 0x0a, 0x01, 0x00, 0x0a, 0x01, 0x00,
		0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x01, 0x00, 0x87, 0x0b, 'o', 'b', 'j', 'e', 'c', 't', 'c', 'l', 'a', 's', 's', 0x30, 0x00},
		Valid: func(_, r []byte) bool { return len(r) > 2 && r[0] == 0x30 }},
	{Name: "ssdp", Port: 1900, Req: []byte("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n")},
	{Name: "wsd", Port: 3702, Req: []byte(`<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery"><soap:Header><wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To><wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action><wsa:MessageID>urn:uuid:5d1a0000-0000-4000-8000-000000000001</wsa:MessageID></soap:Header><soap:Body><wsd:Probe/></soap:Body></soap:Envelope>`)},
	{Name: "mdns", Port: 5353, Req: dnsQuery(0, "_services._dns-sd._udp.local.", 12, false)},
	// memcached UDP frame header (request 1, 1 datagram) + "stats".
	{Name: "memcached", Port: 11211, Req: []byte("\x00\x01\x00\x00\x00\x01\x00\x00stats\r\n"),
		Valid: func(_, r []byte) bool { return len(r) >= 8 && r[0] == 0 && r[1] == 1 }},
}

// PayloadsFor returns the payloads for a UDP port (none for an unknown port).
func PayloadsFor(port uint16) []UDPPayload {
	var out []UDPPayload
	for _, p := range UDPPayloads {
		if p.Port == port {
			out = append(out, p)
		}
	}
	return out
}

// ReflectorPorts are the UDP ports with a payload, in order.
func ReflectorPorts() []uint16 {
	var out []uint16
	for _, p := range UDPPayloads {
		if !slices.Contains(out, p.Port) {
			out = append(out, p.Port)
		}
	}
	return out
}

func sameID(req, resp []byte) bool {
	return len(resp) >= 12 && resp[0] == req[0] && resp[1] == req[1] && resp[2]&0x80 != 0
}

func ntpMode(m byte) func(_, r []byte) bool {
	return func(_, r []byte) bool {
		if len(r) < 4 || r[0]&0x07 != m {
			return false
		}
		if m == 6 {
			return r[1]&0x80 != 0 // R bit of the control header
		}
		return r[0]&0x80 != 0 // R bit of the private (mode 7) header
	}
}

// dnsQuery builds a one-question query; edns adds an OPT record with a
// 4096-byte buffer (what an attacker sends).
func dnsQuery(id uint16, name string, qtype uint16, edns bool) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	flags := uint16(0x0100) // RD
	if id == 0 {
		flags = 0 // mDNS
	}
	ar := uint16(0)
	if edns {
		ar = 1
	}
	b = binary.BigEndian.AppendUint16(b, flags)
	b = binary.BigEndian.AppendUint16(b, 1)
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint16(b, ar)
	for _, l := range splitLabels(name) {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, qtype)
	b = binary.BigEndian.AppendUint16(b, 1)
	if edns {
		b = append(b, 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0)
	}
	return b
}

func splitLabels(name string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(name); i++ {
		if i == len(name) || name[i] == '.' {
			if i > start {
				out = append(out, name[start:i])
			}
			start = i + 1
		}
	}
	return out
}

func netbiosStat() []byte {
	b := []byte{0x80, 0xf0, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x20}
	b = append(b, 'C', 'K')
	for range 30 {
		b = append(b, 'A')
	}
	return append(b, 0, 0x00, 0x21, 0x00, 0x01)
}

// snmpGetBulk builds an SNMPv2c GetBulkRequest for the mib-2 subtree.
func snmpGetBulk(community string, reps int) []byte {
	tlv := func(tag byte, v []byte) []byte { return append([]byte{tag, byte(len(v))}, v...) }
	oid := tlv(0x06, []byte{0x2b, 6, 1, 2, 1})
	vb := tlv(0x30, append(oid, 0x05, 0x00))
	vbl := tlv(0x30, vb)
	pdu := append(tlv(0x02, []byte{0x5d, 0x17}), tlv(0x02, []byte{0})...)
	pdu = append(pdu, tlv(0x02, []byte{byte(reps)})...)
	pdu = append(pdu, vbl...)
	msg := append(tlv(0x02, []byte{1}), tlv(0x04, []byte(community))...)
	msg = append(msg, tlv(0xa5, pdu)...)
	return tlv(0x30, msg)
}
