package checks

import (
	"strings"
	"testing"

	"shindan/scanners"
)

type fakeCheck Info

func (f fakeCheck) Info() Info                { return Info(f) }
func (f fakeCheck) Evaluate(*Input) []Finding { return nil }

func TestRegisterValidates(t *testing.T) {
	good := Info{ID: "x.y", Articles: []string{"44の2-1"}, Needs: []string{"p.q"}, Severity: Low, Title: T("題", "title")}
	tests := map[string]func(*Info){
		"bad id":        func(i *Info) { i.ID = "X.Y" },
		"no article":    func(i *Info) { i.Articles = nil },
		"bad article":   func(i *Info) { i.Articles = []string{"59.1"} },
		"no needs":      func(i *Info) { i.Needs = nil },
		"no ja title":   func(i *Info) { i.Title.JA = "" },
		"no severity":   func(i *Info) { i.Severity = "" },
		"duplicate key": nil,
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			r := NewRegistry()
			in := good
			if mutate == nil {
				r.Add(fakeCheck(in))
			} else {
				mutate(&in)
			}
			defer func() {
				if recover() == nil {
					t.Fatal("Add did not panic")
				}
			}()
			r.Add(fakeCheck(in))
		})
	}
	r := NewRegistry()
	r.Add(fakeCheck(good))
	if got := r.ByArticle("44の2"); len(got) != 1 {
		t.Fatalf("ByArticle(44の2) = %d", len(got))
	}
	if ArticleNumber("44の2-1") != "44の2" {
		t.Fatal("ArticleNumber")
	}
}

func TestUndecidedNeverPasses(t *testing.T) {
	f := Undecided(Info{ID: "a.b", Severity: High}, obsTimeout(), "s")
	if f.Status != Error || f.Severity != None || !strings.Contains(f.Detail.EN, "timeout") || f.Detail.JA == "" {
		t.Fatalf("Undecided = %+v", f)
	}
}

func obsTimeout() scanners.Observation {
	return scanners.Observation{Status: scanners.Timeout, Reason: "no reply in 5s"}
}

type ptrCheck Info

func (f *ptrCheck) Info() Info                { return Info(*f) }
func (f *ptrCheck) Evaluate(*Input) []Finding { return nil }

func TestIDsInFollowsRegistrations(t *testing.T) {
	r := NewRegistry()
	base := Info{Articles: []string{"59-1"}, Needs: []string{"p.q"}, Severity: Low, Title: T("題", "title")}
	a, b := base, base
	a.ID, b.ID = "z.value", "a.pointer"
	r.Add(fakeCheck(a))
	pb := ptrCheck(b)
	r.Add(&pb)
	got := strings.Join(r.IDsIn("shindan/checks"), ",")
	if got != "a.pointer,z.value" {
		t.Fatalf("IDsIn(shindan/checks) = %q", got)
	}
	if other := r.IDsIn("shindan/checks/webcheck"); len(other) != 0 {
		t.Fatalf("IDsIn(webcheck) = %q", other)
	}
}

func TestUndecidedPayloadlessOK(t *testing.T) {
	f := Undecided(Info{ID: "a.b", Severity: High}, scanners.Observation{Probe: "p.q", Status: scanners.OK}, "")
	if f.Status != Error || !strings.Contains(f.Detail.EN, "internal") || !strings.Contains(f.Detail.EN, "without payload") {
		t.Fatalf("Undecided(ok without payload) = %+v", f)
	}
}
