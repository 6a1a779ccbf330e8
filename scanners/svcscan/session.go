package svcscan

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// maxRead caps the bytes kept from one exchange: a hostile peer that sends
// forever costs at most this much memory per read.
const maxRead = 8 << 10

// maxTranscript caps the evidence kept per observation.
const maxTranscript = 4 << 10

// transcript records what was sent ("C:") and seen ("S:"), bounded.
type transcript struct {
	b strings.Builder
}

func (t *transcript) add(dir string, p []byte) {
	if t == nil || t.b.Len() >= maxTranscript {
		return
	}
	line := dir + ": " + Printable(p, 300) + "\n"
	if t.b.Len()+len(line) > maxTranscript {
		line = line[:maxTranscript-t.b.Len()]
	}
	t.b.WriteString(line)
}

func (t *transcript) note(s string) {
	if t != nil {
		t.add("#", []byte(s))
	}
}

func (t *transcript) String() string { return strings.TrimRight(t.b.String(), "\n") }

// session is one connection with bounded, deadline-guarded exchanges.
type session struct {
	ctx     context.Context
	c       net.Conn
	tr      *transcript
	timeout time.Duration // write deadline
	got     int           // bytes received in total
	stop    func() bool   // releases the context watcher
	hangups *int          // counts exchanges the peer ended (EOF, reset) before any byte
}

func newSession(ctx context.Context, c net.Conn, tr *transcript, timeout time.Duration) *session {
	// Cancelling ctx closes the socket, so a blocked read returns at once.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	return &session{ctx: ctx, c: c, tr: tr, timeout: timeout, stop: stop}
}

func (s *session) close() {
	s.stop()
	s.c.Close()
}

func (s *session) deadline(d time.Duration) time.Time {
	t := time.Now().Add(d)
	if dl, ok := s.ctx.Deadline(); ok && dl.Before(t) {
		t = dl
	}
	return t
}

func (s *session) send(p []byte) error {
	s.tr.add("C", p)
	if err := s.c.SetWriteDeadline(s.deadline(s.timeout)); err != nil {
		return err
	}
	_, err := s.c.Write(p)
	if s.hangups != nil && hungUp(err) {
		*s.hangups++
	}
	return err
}

// hungUp reports a peer that ended the exchange itself (close or reset),
// as a server at its worker cap does, rather than staying silent.
func hungUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func (s *session) sendString(p string) error { return s.send([]byte(p)) }

// recv reads until done reports a complete message, maxRead bytes arrive,
// the peer closes, or wait passes. The deadline is absolute for the whole
// exchange, so a peer dripping one byte per second cannot stretch it.
func (s *session) recv(wait time.Duration, done func([]byte) bool) ([]byte, error) {
	if err := s.c.SetReadDeadline(s.deadline(wait)); err != nil {
		return nil, err
	}
	buf := make([]byte, 0, 512)
	tmp := make([]byte, 2048)
	var err error
	for len(buf) < maxRead {
		var n int
		n, err = s.c.Read(tmp[:min(len(tmp), maxRead-len(buf))])
		buf = append(buf, tmp[:n]...)
		if len(buf) > 0 && done != nil && done(buf) {
			err = nil
			break
		}
		if err != nil {
			break
		}
	}
	s.got += len(buf)
	if len(buf) == 0 && s.hangups != nil && hungUp(err) {
		*s.hangups++
	}
	if len(buf) > 0 {
		s.tr.add("S", buf)
	}
	if err != nil && s.ctx.Err() != nil {
		err = s.ctx.Err()
	}
	return buf, err
}

// isTimeout reports a read that ended because its deadline passed.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}
