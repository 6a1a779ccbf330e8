// Package dnsrefuse builds REFUSED answers to DNS queries. It is kept
// apart from nucleiscan so the parser can be fuzzed without compiling
// nuclei.
package dnsrefuse

// Answer turns a DNS query into a REFUSED answer with the same ID and
// question; anything that is not a query gets nil.
func Answer(q []byte) []byte {
	if len(q) < 12 || q[2]&0x80 != 0 {
		return nil
	}
	resp := make([]byte, len(q))
	copy(resp, q)
	resp[2] = 0x80 | q[2]&0x79 // QR, keep opcode and RD
	resp[3] = 0x05             // REFUSED
	// Keep the question section only: zero answer, authority, additional.
	resp[6], resp[7], resp[8], resp[9], resp[10], resp[11] = 0, 0, 0, 0, 0, 0
	end := skipQuestion(q)
	if end < 0 {
		return resp[:12]
	}
	return resp[:end]
}

// skipQuestion returns the end offset of the first question, or -1.
func skipQuestion(q []byte) int {
	if q[4] != 0 || q[5] != 1 {
		return -1
	}
	i := 12
	for i < len(q) {
		l := int(q[i])
		if l == 0 {
			i++
			break
		}
		if l&0xC0 != 0 {
			return -1
		}
		i += 1 + l
	}
	if i+4 > len(q) {
		return -1
	}
	return i + 4
}
