package svcscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
)

// MongoDB wire opcodes (MongoDB wire protocol reference).
const (
	opReply = 1
	opQuery = 2004
	opMsg   = 2013
)

var errBSON = errors.New("svcscan: malformed BSON")

// bsonArr is an encoded BSON document used as an array value.
type bsonArr []byte

// bsonDoc encodes a BSON document from key/value pairs; values are int32,
// string, bool, an encoded sub-document ([]byte) or array (bsonArr).
func bsonDoc(kv ...any) []byte {
	var b []byte
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		switch v := kv[i+1].(type) {
		case []byte:
			b = append(b, 0x03)
			b = append(append(b, k...), 0)
			b = append(b, v...)
		case bsonArr:
			b = append(b, 0x04)
			b = append(append(b, k...), 0)
			b = append(b, v...)
		case int:
			b = append(b, 0x10)
			b = append(append(b, k...), 0)
			b = binary.LittleEndian.AppendUint32(b, uint32(int32(v)))
		case string:
			b = append(b, 0x02)
			b = append(append(b, k...), 0)
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v)+1))
			b = append(append(b, v...), 0)
		case bool:
			b = append(b, 0x08)
			b = append(append(b, k...), 0)
			if v {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		}
	}
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(b)+5))
	return append(append(out, b...), 0)
}

func mongoHeader(body []byte, reqID int32, op int32) []byte {
	h := make([]byte, 16, 16+len(body))
	binary.LittleEndian.PutUint32(h[0:], uint32(16+len(body)))
	binary.LittleEndian.PutUint32(h[4:], uint32(reqID))
	binary.LittleEndian.PutUint32(h[12:], uint32(op))
	return append(h, body...)
}

// mongoOpMsg wraps a command document in OP_MSG (MongoDB ≥ 3.6).
func mongoOpMsg(reqID int32, doc []byte) []byte {
	body := append([]byte{0, 0, 0, 0, 0}, doc...) // flagBits, section kind 0
	return mongoHeader(body, reqID, opMsg)
}

// mongoOpQuery wraps a command in a legacy OP_QUERY on admin.$cmd, which
// servers before 3.6 (and every server for isMaster) understand.
func mongoOpQuery(reqID int32, doc []byte) []byte {
	body := []byte{0, 0, 0, 0}
	body = append(body, "admin.$cmd\x00"...)
	body = append(body, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff) // skip 0, return -1
	return mongoHeader(append(body, doc...), reqID, opQuery)
}

// mongoDone is a read predicate: one whole wire message is in b.
func mongoDone(b []byte) bool {
	return len(b) >= 4 && len(b) >= int(binary.LittleEndian.Uint32(b))
}

// ParseMongoReply reads an OP_MSG or OP_REPLY answer to request reqID and
// decodes its first document.
func ParseMongoReply(b []byte, reqID int32) (map[string]any, error) {
	if len(b) < 16 {
		return nil, errBSON
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n < 16 || n > len(b) {
		return nil, errBSON
	}
	b = b[:n]
	if int32(binary.LittleEndian.Uint32(b[8:])) != reqID {
		return nil, errors.New("svcscan: mongodb reply to another request")
	}
	var doc []byte
	switch binary.LittleEndian.Uint32(b[12:]) {
	case opMsg:
		if len(b) < 21 || b[20] != 0 {
			return nil, errBSON
		}
		doc = b[21:]
	case opReply:
		if len(b) < 36 || binary.LittleEndian.Uint32(b[32:]) < 1 {
			return nil, errBSON
		}
		doc = b[36:]
	default:
		return nil, errors.New("svcscan: not a mongodb reply")
	}
	m, _, err := decodeBSON(doc, 0)
	return m, err
}

// decodeBSON decodes one document; depth bounds nesting.
func decodeBSON(b []byte, depth int) (map[string]any, int, error) {
	if depth > 8 || len(b) < 5 {
		return nil, 0, errBSON
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n < 5 || n > len(b) || b[n-1] != 0 {
		return nil, 0, errBSON
	}
	out := map[string]any{}
	p := b[4 : n-1]
	for len(p) > 0 {
		t := p[0]
		k := bytes.IndexByte(p[1:], 0)
		if k < 0 {
			return nil, 0, errBSON
		}
		key := string(p[1 : 1+k])
		p = p[2+k:]
		v, used, err := bsonValue(t, p, depth)
		if err != nil {
			return nil, 0, err
		}
		out[key] = v
		p = p[used:]
	}
	return out, n, nil
}

func bsonValue(t byte, p []byte, depth int) (any, int, error) {
	fixed := func(k int) (int, error) {
		if len(p) < k {
			return 0, errBSON
		}
		return k, nil
	}
	switch t {
	case 0x01: // double
		k, err := fixed(8)
		if err != nil {
			return nil, 0, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(p)), k, nil
	case 0x02, 0x0d, 0x0e: // string, JS code, symbol
		if len(p) < 4 {
			return nil, 0, errBSON
		}
		l := int(binary.LittleEndian.Uint32(p))
		if l < 1 || l > len(p)-4 {
			return nil, 0, errBSON
		}
		return string(p[4 : 4+l-1]), 4 + l, nil
	case 0x03, 0x04: // document, array
		m, n, err := decodeBSON(p, depth+1)
		if err != nil {
			return nil, 0, err
		}
		if t == 0x04 {
			arr := make([]any, 0, len(m))
			for i := 0; ; i++ {
				v, ok := m[itoa(i)]
				if !ok {
					break
				}
				arr = append(arr, v)
			}
			return arr, n, nil
		}
		return m, n, nil
	case 0x05: // binary
		if len(p) < 5 {
			return nil, 0, errBSON
		}
		l := int(binary.LittleEndian.Uint32(p))
		if l < 0 || l > len(p)-5 {
			return nil, 0, errBSON
		}
		return nil, 5 + l, nil
	case 0x06, 0x0a, 0x7f, 0xff: // undefined, null, max/min key
		return nil, 0, nil
	case 0x07:
		k, err := fixed(12)
		return nil, k, err
	case 0x08:
		k, err := fixed(1)
		if err != nil {
			return nil, 0, err
		}
		return p[0] != 0, k, nil
	case 0x09, 0x11: // datetime, timestamp
		k, err := fixed(8)
		return nil, k, err
	case 0x12: // int64
		k, err := fixed(8)
		if err != nil {
			return nil, 0, err
		}
		return int64(binary.LittleEndian.Uint64(p)), k, nil
	case 0x10: // int32
		k, err := fixed(4)
		if err != nil {
			return nil, 0, err
		}
		return int64(int32(binary.LittleEndian.Uint32(p))), k, nil
	case 0x13: // decimal128
		k, err := fixed(16)
		return nil, k, err
	case 0x0b: // regex: two cstrings
		i := bytes.IndexByte(p, 0)
		if i < 0 {
			return nil, 0, errBSON
		}
		j := bytes.IndexByte(p[i+1:], 0)
		if j < 0 {
			return nil, 0, errBSON
		}
		return nil, i + 1 + j + 1, nil
	case 0x0c: // DBPointer
		if len(p) < 4 {
			return nil, 0, errBSON
		}
		l := int(binary.LittleEndian.Uint32(p))
		if l < 1 || l > len(p)-4-12 {
			return nil, 0, errBSON
		}
		return nil, 4 + l + 12, nil
	case 0x0f: // code with scope
		if len(p) < 4 {
			return nil, 0, errBSON
		}
		l := int(binary.LittleEndian.Uint32(p))
		if l < 4 || l > len(p) {
			return nil, 0, errBSON
		}
		return nil, l, nil
	}
	return nil, 0, errBSON
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// mongoOK reads the "ok" field, which servers send as double or int.
func mongoOK(m map[string]any) bool {
	switch v := m["ok"].(type) {
	case float64:
		return v == 1
	case int64:
		return v == 1
	case bool:
		return v
	}
	return false
}

// mongoCode reads the "code" field of a command error.
func mongoCode(m map[string]any) int64 {
	switch v := m["code"].(type) {
	case float64:
		return int64(v)
	case int64:
		return v
	}
	return 0
}

// ParseMongoHello recognises a hello/isMaster reply.
func ParseMongoHello(m map[string]any) (id Ident, ok bool) {
	_, wire := m["maxWireVersion"]
	_, master := m["ismaster"]
	_, primary := m["isWritablePrimary"]
	if !wire && !master && !primary {
		return id, false
	}
	id.Name, id.Product = "mongodb", "MongoDB"
	if v, ok := m["maxWireVersion"].(int64); ok {
		id.set("max-wire-version", itoa(int(max(0, min(v, 1000)))))
	}
	return id, true
}
