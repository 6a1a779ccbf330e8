package tlsscan

import (
	"bytes"
	"net"
	"time"
)

var timeZero = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fakeConn replays bytes as a server and swallows writes.
type fakeConn struct {
	net.Conn
	r *bytes.Reader
}

func (c *fakeConn) Read(b []byte) (int, error)  { return c.r.Read(b) }
func (c *fakeConn) Write(b []byte) (int, error) { return len(b), nil }
func (c *fakeConn) SetDeadline(time.Time) error { return nil }
func (c *fakeConn) Close() error                { return nil }
