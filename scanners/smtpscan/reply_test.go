package smtpscan

import (
	"bufio"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"shindan/scanners"
)

func TestReadReply(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    scanners.SMTPReply
		wantErr error
	}{
		{name: "single", in: "220 mx.example ESMTP\r\n", want: scanners.SMTPReply{Code: 220, Lines: []string{"mx.example ESMTP"}}},
		{name: "bare LF", in: "250 ok\n", want: scanners.SMTPReply{Code: 250, Lines: []string{"ok"}}},
		{name: "code only", in: "354\r\n", want: scanners.SMTPReply{Code: 354, Lines: []string{""}}},
		{name: "multiline", in: "250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
			want: scanners.SMTPReply{Code: 250, Lines: []string{"mx", "PIPELINING", "STARTTLS"}}},
		{name: "code changes", in: "250-mx\r\n251 x\r\n", wantErr: ErrReply},
		{name: "no code", in: "hello\r\n", wantErr: ErrReply},
		{name: "short", in: "25\r\n", wantErr: ErrReply},
		{name: "bad separator", in: "250+x\r\n", wantErr: ErrReply},
		{name: "out of range", in: "199 x\r\n", wantErr: ErrReply},
		{name: "long line", in: "250 " + strings.Repeat("a", 2000) + "\r\n", wantErr: ErrReply},
		{name: "too many lines", in: strings.Repeat("250-x\r\n", 200), wantErr: ErrReply},
		{name: "too many bytes", in: strings.Repeat("250-"+strings.Repeat("y", 900)+"\r\n", 30), wantErr: ErrReply},
		{name: "eof mid reply", in: "250-x\r\n", wantErr: io.EOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadReply(bufio.NewReader(strings.NewReader(tc.in)))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Code != tc.want.Code || !slices.Equal(got.Lines, tc.want.Lines) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestCaps(t *testing.T) {
	rep := scanners.SMTPReply{Code: 250, Lines: []string{"mx.example", "PIPELINING", "auth plain LOGIN", "AUTH=LOGIN CRAM-MD5", "STARTTLS", ""}}
	caps, auth := Caps(rep)
	if !HasCap(caps, "STARTTLS") || !HasCap(caps, "PIPELINING") || HasCap(caps, "mx.example") {
		t.Errorf("caps = %q", caps)
	}
	if want := []string{"PLAIN", "LOGIN", "CRAM-MD5"}; !slices.Equal(auth, want) {
		t.Errorf("auth = %q, want %q", auth, want)
	}
}

func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"220 x\r\n", "250-a\r\n250 b\r\n", "354\r\n", "25", "999 x\n", "250-\r\n250-\n250 \r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := ReadReply(bufio.NewReader(strings.NewReader(string(b))))
		if err != nil {
			return
		}
		if rep.Code < 200 || rep.Code > 599 || len(rep.Lines) == 0 || len(rep.Lines) > MaxReplyLines {
			t.Fatalf("accepted bad reply %+v", rep)
		}
		for _, l := range rep.Lines {
			if len(l) > MaxLineBytes || strings.ContainsRune(l, '\n') {
				t.Fatalf("line not bounded: %q", l)
			}
		}
		Caps(rep)
	})
}
