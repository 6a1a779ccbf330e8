package dnsrefuse

import "testing"

func TestRefuse(t *testing.T) {
	// dig example.go.jp A: ID 0x1234, RD, one question.
	q := []byte{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 2, 'g', 'o', 2, 'j', 'p', 0, 0, 1, 0, 1,
		0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0} // OPT record, dropped
	r := Answer(q)
	if len(r) != 31 || r[0] != 0x12 || r[1] != 0x34 || r[2] != 0x81 || r[3] != 5 || r[5] != 1 || r[11] != 0 {
		t.Errorf("refuse = % x", r)
	}
	if Answer(r) != nil {
		t.Error("answered a response")
	}
}

func FuzzRefuse(f *testing.F) {
	f.Add([]byte{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if r := Answer(b); r != nil && (len(r) < 12 || len(r) > len(b) || r[3] != 5) {
			t.Fatalf("bad answer % x", r)
		}
	})
}
