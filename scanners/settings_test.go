package scanners

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckWire(t *testing.T) {
	for _, bad := range []string{"a\r\nMAIL FROM:<x@y>", "a\nb", "a\x00", "a\x1b[31m", "a\x7f", "a\u0085", "a\tb", "\xff"} {
		if err := CheckWire(bad); err == nil {
			t.Errorf("CheckWire(%q) accepted", bad)
		}
	}
	if err := CheckWire("a\rb"); !errors.Is(err, ErrControl) || !strings.Contains(err.Error(), "U+000D") {
		t.Errorf("CR: %v", err)
	}
	for _, ok := range []string{"shindan/1.0 (security diagnosis; soc@example.go.jp)", "診断", ""} {
		if err := CheckWire(ok); err != nil {
			t.Errorf("CheckWire(%q): %v", ok, err)
		}
	}
	for v, want := range map[string]bool{"shindan.invalid": true, "[192.0.2.1]": true, "[IPv6:2001:db8::1]": true,
		"a b": false, "[x]": false, "a.example\r\n": false, "-": false} {
		if got := CheckHELO(v) == nil; got != want {
			t.Errorf("CheckHELO(%q) ok=%v, want %v", v, got, want)
		}
	}
	for v, want := range map[string]bool{"a@b.example": true, "x.y+z@[192.0.2.1]": true, "<a@b>": false, "a b@c": false, "a@b@c": false, "a": false} {
		if got := CheckMailbox(v) == nil; got != want {
			t.Errorf("CheckMailbox(%q) ok=%v, want %v", v, got, want)
		}
	}
}

func TestSuggest(t *testing.T) {
	keys := SettingKeyNames()
	for word, want := range map[string]string{"helo_name": "helo", "mail_frm": "mail_from", "greet": "greet_timeout",
		"tls.paralel": "tls.parallel", "zzz": "", "user-agent": "user_agent"} {
		if got := Suggest(word, keys); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", word, got, want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	if _, err := ParseDuration("5"); err == nil || !strings.Contains(err.Error(), "no unit") || !strings.Contains(err.Error(), "5s") {
		t.Errorf("5: %v", err)
	}
	if d, err := ParseDuration("1500ms"); err != nil || d != 1500*time.Millisecond {
		t.Errorf("1500ms: %v %v", d, err)
	}
	if _, err := ParseDuration("soon"); err == nil || !strings.Contains(err.Error(), "not a duration") {
		t.Errorf("soon: %v", err)
	}
}

func TestSettingKeysSorted(t *testing.T) {
	for i := 1; i < len(SettingKeys); i++ {
		if SettingKeys[i-1].Name >= SettingKeys[i].Name {
			t.Fatalf("SettingKeys not sorted at %s", SettingKeys[i].Name)
		}
	}
}
