package hostile

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
)

// TestGzipZerosDecodes: the precomputed bomb is a valid gzip stream of
// zeros however often its repeated part is sent, so the bomb case tests a
// decoder and not a broken stream.
func TestGzipZerosDecodes(t *testing.T) {
	head, again := gzipZeros()
	stream := append(bytes.Clone(head), bytes.Repeat(again, 5)...)
	zr, err := gzip.NewReader(bytes.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != io.ErrUnexpectedEOF {
		t.Fatalf("read %d bytes, err %v; want the stream to run on (unexpected EOF)", len(out), err)
	}
	if len(out) != 6<<20 || bytes.ContainsFunc(out, func(r rune) bool { return r != 0 }) {
		t.Errorf("decoded %d bytes (want %d), all zero: %v", len(out), 6<<20, !bytes.ContainsFunc(out, func(r rune) bool { return r != 0 }))
	}
	t.Logf("%d bytes on the wire decode to %d", len(stream), len(out))
}
