package reports

import (
	"slices"
	"testing"
	"time"
)

func sub(check, target, subject, status, sev string) Finding {
	at := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	return Finding{
		ID: FindingID(check, target, subject), Check: check, Target: target, Subject: subject,
		Host: "198.51.100.9", Port: 443, Proto: "tcp", Articles: []string{"67-3"},
		Status: status, Severity: sev, Source: "builtin", ObservedAt: &at,
		Title:       &Text{JA: "暗号スイート", EN: "Cipher suites"},
		Detail:      &Text{JA: subject + " の判定", EN: "verdict on " + subject},
		Remediation: &Text{JA: "無効化する", EN: "disable it"},
		Evidence:    []Evidence{{Kind: "tls", Summary: "hello " + subject, Data: "accepted " + subject}},
	}
}

func TestFindingIDStable(t *testing.T) {
	// The value ungrouped reports (and the waivers written against them)
	// used: sha256 of check NUL target NUL subject, 10 bytes, hex, "F".
	if got := FindingID("tls.ciphers", "198.51.100.9:443", "TLS_RSA_WITH_RC4_128_SHA"); got != "F4ed302ca29abfaeb22fc" {
		t.Errorf("FindingID changed: %s", got)
	}
}

func TestGroupOneFindingPerProblem(t *testing.T) {
	const tgt = "198.51.100.9:443"
	in := []Finding{
		sub("tls.ciphers", tgt, "RC4-SHA", "fail", "high"),
		sub("tls.ciphers", tgt, "AES128-GCM", "pass", "none"),
		sub("tls.ciphers", tgt, "DES-CBC3", "warn", "critical"),
		sub("tls.ciphers", "198.51.100.10:443", "AES128-GCM", "pass", "none"),
		sub("http.headers", "www.example:443", "", "warn", "low"),
	}
	in[2].Articles = []string{"67-3", "30"}
	out := Group(in, nil)
	if len(out) != 3 {
		t.Fatalf("%d findings, want 3 (one per check and target): %+v", len(out), out)
	}
	g := out[0]
	if g.ID != FindingID("tls.ciphers", tgt, "") || g.Status != "fail" || g.Severity != "critical" {
		t.Errorf("group id/status/severity = %s %s %s; want the check+target hash, fail, critical (highest among fails and warns)", g.ID, g.Status, g.Severity)
	}
	if len(g.Items) != 3 || g.Items[0].Subject != "RC4-SHA" || g.Items[1].Subject != "DES-CBC3" || g.Items[2].Status != "pass" {
		t.Errorf("items not worst first: %+v", g.Items)
	}
	if !slices.Equal(g.Articles, []string{"67-3", "30"}) || !slices.Equal(g.Items[0].Articles, []string{"67-3"}) || g.Items[1].Articles != nil {
		t.Errorf("articles: group %v, items %v / %v", g.Articles, g.Items[0].Articles, g.Items[1].Articles)
	}
	if g.Detail == nil || g.Detail.EN != "3 items: 1 fail, 1 warn, 1 pass. fail: RC4-SHA." || g.Detail.JA != "3 件の項目: 不適合 1、要注意 1、適合 1。不適合: RC4-SHA。" {
		t.Errorf("group detail %+v", g.Detail)
	}
	if g.Evidence != nil || g.Items[0].Evidence[0].Data != "accepted RC4-SHA" || g.Items[0].Detail.EN != "verdict on RC4-SHA" {
		t.Errorf("evidence must stay with its item: %+v", g)
	}
	// A subject-less finding alone for its check and target is unchanged.
	if out[2].ID != in[4].ID || out[2].Items != nil {
		t.Errorf("plain finding changed: %+v", out[2])
	}
	// A single subject is still a group: its ID must not depend on how
	// many subjects this scan happened to see.
	if out[1].ID != FindingID("tls.ciphers", "198.51.100.10:443", "") || len(out[1].Items) != 1 {
		t.Errorf("one-subject group %+v", out[1])
	}
	again := Group(out, nil)
	if len(again) != 3 || again[0].ID != g.ID || len(again[0].Items) != 3 || again[0].Status != "fail" || again[0].Title.EN != "Cipher suites" {
		t.Errorf("Group is not idempotent: %+v", again[0])
	}
}

// TestGroupLosesNothing: flattening a grouped report gives back every
// subject with its ID, verdict, detail and evidence.
func TestGroupLosesNothing(t *testing.T) {
	var in []Finding
	for i, s := range []string{"a", "b", "c", "d"} {
		st := []string{"pass", "fail", "warn", "error"}[i]
		in = append(in, sub("http.exposed-files", "www.example:80", "/"+s, st, map[string]string{"fail": "high", "warn": "medium"}[st]))
	}
	in = append(in, sub("smtp.open-relay", "198.51.100.25:25", "", "fail", "critical"))
	flat := Flatten(Group(in, nil))
	if len(flat) != len(in) {
		t.Fatalf("%d subjects after grouping, want %d", len(flat), len(in))
	}
	byID := map[string]Finding{}
	for _, f := range flat {
		byID[f.ID] = f
	}
	for _, want := range in {
		got, ok := byID[want.ID]
		if !ok {
			t.Errorf("subject %q lost", want.Subject)
			continue
		}
		if got.Subject != want.Subject || got.Status != want.Status || got.Severity != want.Severity ||
			got.Check != want.Check || got.Target != want.Target || *got.Detail != *want.Detail ||
			!slices.Equal(got.Evidence, want.Evidence) || *got.Title != *want.Title || *got.Remediation != *want.Remediation ||
			!slices.Equal(got.Articles, want.Articles) || got.Source != want.Source {
			t.Errorf("subject %q changed:\n got %+v\nwant %+v", want.Subject, got, want)
		}
	}
}

func TestGroupWaivers(t *testing.T) {
	const tgt = "www.example:80"
	mk := func() []Finding {
		return []Finding{
			sub("http.exposed-files", tgt, "/.env", "fail", "high"),
			sub("http.exposed-files", tgt, "/.git/config", "fail", "medium"),
			sub("http.exposed-files", tgt, "/robots.txt", "pass", "none"),
		}
	}
	w := &Waiver{Reason: "accepted", Until: "2099-01-01"}

	// A waiver on an old per-subject ID: the engine set it on that
	// finding before grouping. It stays on its item and the group is not
	// waived, because another problem is not.
	in := mk()
	in[0].Waiver = w
	g := Group(in, nil)[0]
	if g.Waiver != nil || g.Items[0].Waiver != w || g.Items[1].Waiver != nil {
		t.Errorf("per-subject waiver: group %v, items %v %v", g.Waiver, g.Items[0].Waiver, g.Items[1].Waiver)
	}
	flat := Flatten([]Finding{g})
	if flat[0].Waiver == nil || flat[1].Waiver != nil {
		t.Errorf("flattened waivers %v %v", flat[0].Waiver, flat[1].Waiver)
	}

	// Every problem waived by its own ID: the group counts as waived.
	in = mk()
	in[0].Waiver, in[1].Waiver = w, w
	if g := Group(in, nil)[0]; g.Waiver != w {
		t.Errorf("all problems waived, group waiver %v", g.Waiver)
	}

	// A waiver on the new group ID (copied from a grouped report) covers
	// the group and every item.
	gid := FindingID("http.exposed-files", tgt, "")
	byID := func(id, check, target string) *Waiver {
		if id == gid {
			return w
		}
		return nil
	}
	g = Group(mk(), byID)[0]
	if g.Waiver != w || g.Items[0].Waiver != w || g.Items[1].Waiver != w {
		t.Errorf("group-ID waiver: %v %v %v", g.Waiver, g.Items[0].Waiver, g.Items[1].Waiver)
	}
	for _, f := range Flatten([]Finding{g}) {
		if f.Waiver != w {
			t.Errorf("flattened %s lost the group waiver", f.Subject)
		}
	}

	// A check+target waiver matches the group lookup as well.
	byCheck := func(id, check, target string) *Waiver {
		if check == "http.exposed-files" && target == tgt {
			return w
		}
		return nil
	}
	if g := Group(mk(), byCheck)[0]; g.Waiver != w {
		t.Errorf("check+target waiver not applied to the group")
	}
}
