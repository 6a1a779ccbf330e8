package engine

import (
	"bytes"
	"testing"
)

// FuzzReadJSONL: a stream read back for --resume may be torn or hostile;
// it gives a state or an error, never a panic, and a state always names
// the scan it continues.
func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"type":"begin","scan":{"id":"S1","started_at":"2026-01-01T00:00:00Z","finished_at":"0001-01-01T00:00:00Z","targets":[],"complete":false}}` + "\n" +
		`{"type":"finding","finding":{"id":"F1","check":"service.exposed","target":"127.0.0.1:22","host":"127.0.0.1","status":"pass","severity":"none"}}` + "\n" +
		`{"type":"unit","unit":{"host":"127.0.0.1","findings":["F1"],"observations":[{"probe":"port.tcp","target":{"addr":"127.0.0.1"},"status":"ok"}]}}` + "\n"))
	f.Add([]byte(`{"type":"unit"`))
	f.Add([]byte("\n\n{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ReadJSONL(bytes.NewReader(b))
		if err == nil && (r == nil || r.ScanID == "") {
			t.Fatalf("a resume state without a scan ID: %+v", r)
		}
	})
}
