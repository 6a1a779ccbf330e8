package checks

import (
	"testing"

	"shindan/scanners"
)

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 entries"}, {1, "1 entry"}, {2, "2 entries"}, {-1, "-1 entry"}, {11, "11 entries"}, {21, "21 entries"}} {
		if got := Count(c.n, "entry", "entries"); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

// TestUndecidedJapanese: the status is named in Japanese and the probe's
// English reason is quoted as a record; UnsureT keeps the check's own
// wording in each language.
func TestUndecidedJapanese(t *testing.T) {
	c := Info{ID: "x.y", Title: T("題", "title")}
	o := scanners.Observation{Status: scanners.Timeout, Reason: "i/o timeout"}
	if f := Undecided(c, o, ""); f.Detail.JA != "判定できませんでした（タイムアウト）: 「i/o timeout」" || f.Detail.EN != "could not decide (timeout): i/o timeout" {
		t.Errorf("Undecided detail %+v", f.Detail)
	}
	o.Status = scanners.OK
	f := UnsureT(c, o, "s", T("試験は実行されませんでした", "probe did not run"))
	if f.Status != Error || f.Detail.JA != "判定できませんでした（想定外の応答）: 試験は実行されませんでした" || f.Detail.EN != "could not decide (protocol-error): probe did not run" {
		t.Errorf("UnsureT %s %+v", f.Status, f.Detail)
	}
	for _, s := range []scanners.Status{scanners.Refused, scanners.Timeout, scanners.Filtered, scanners.HandshakeFailed, scanners.ProtocolError,
		scanners.RateLimited, scanners.Interrupted, scanners.OutOfScope, scanners.Unavailable, scanners.Internal} {
		if StatusJA(s) == string(s) {
			t.Errorf("status %s has no Japanese name", s)
		}
	}
	if Raw("") != "" || Raw("x") != "「x」" {
		t.Error("Raw")
	}
}
