package store

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/internal/drift"
	"shindan/internal/store/pgtest"
	"shindan/reports"
)

// driftPair is two scans that differ in every way diff reports: hosts,
// ports, a version, a certificate, verdicts of grouped items and of plain
// findings, and an IPv6 address of an office host.
func driftPair(t0 time.Time) (*reports.Report, *reports.Report) {
	cert := func(host, line, status, subject string) reports.Finding {
		tgt := host + ":443"
		return reports.Finding{ID: reports.FindingID("tls.certificate", tgt, subject), Check: "tls.certificate", Articles: []string{"61-1-5"},
			Target: tgt, Host: host, Port: 443, Proto: "tcp", Status: status, Severity: "medium", Subject: subject,
			Title:    &reports.Text{JA: "証明書", EN: "certificate"},
			Evidence: []reports.Evidence{{Kind: "tls", Data: "version: TLS1.3\ncertificate: " + line + "\n"}}}
	}
	suite := func(host, subject, status string) reports.Finding {
		tgt := host + ":443"
		return reports.Finding{ID: reports.FindingID("tls.cipher", tgt, subject), Check: "tls.cipher", Articles: []string{"61-1-5"},
			Target: tgt, Host: host, Port: 443, Proto: "tcp", Status: status, Severity: "high", Subject: subject,
			Title: &reports.Text{JA: "暗号スイート", EN: "cipher suite"}, Evidence: []reports.Evidence{{Kind: "note", Data: strings.Repeat("x", 2000)}}}
	}
	svc := func(host string, port int, status string) reports.Finding {
		tgt := fmt.Sprintf("%s:%d", host, port)
		return reports.Finding{ID: reports.FindingID("service.exposed", tgt, ""), Check: "service.exposed", Articles: []string{"59-1"},
			Target: tgt, Host: host, Port: port, Proto: "tcp", Status: status, Severity: "high"}
	}
	mk := func(id string, start time.Time, assets []reports.Asset, fs []reports.Finding) *reports.Report {
		r := &reports.Report{SchemaVersion: "1", Tool: reports.Tool{Name: "shindan", Version: "test"},
			Scan: reports.Scan{ID: id, StartedAt: start, FinishedAt: start.Add(time.Minute), Profile: "sweep",
				Targets: []string{"198.51.100.0/24"}, Checks: []string{"service.exposed", "tls.certificate", "tls.cipher"}, Complete: true},
			Assets: assets, Findings: reports.Group(fs, nil)}
		r.Normalize()
		return r
	}
	old := mk("old", t0, []reports.Asset{
		{Host: "198.51.100.20", Services: []reports.Service{{Port: 22, Proto: "tcp", Service: "ssh", Product: "OpenSSH", Version: "9.2"}, {Port: 25, Proto: "tcp"}, {Port: 443, Proto: "tcp", Service: "https"}}},
		{Host: "198.51.100.30"},
		{Host: "198.51.100.9", Services: []reports.Service{{Port: 80, Proto: "tcp", Service: "http"}}},
		{Host: "203.0.113.10", Names: []string{"office1"}},
	}, []reports.Finding{
		cert("198.51.100.20", "CN=a until 2027", "pass", "certificate"),
		suite("198.51.100.20", "TLS_RSA_WITH_AES_128_CBC_SHA", "fail"),
		suite("198.51.100.20", "TLS_AES_128_GCM_SHA256", "pass"),
		svc("198.51.100.20", 25, "fail"), svc("198.51.100.9", 80, "pass"),
	})
	cur := mk("cur", t0.Add(time.Hour), []reports.Asset{
		{Host: "198.51.100.20", Services: []reports.Service{{Port: 22, Proto: "tcp", Service: "ssh", Product: "OpenSSH", Version: "9.3"}, {Port: 443, Proto: "tcp", Service: "https"}, {Port: 8080, Proto: "tcp"}}},
		{Host: "198.51.100.40", Services: []reports.Service{{Port: 23, Proto: "tcp", Service: "telnet"}}},
		{Host: "198.51.100.9", Services: []reports.Service{{Port: 80, Proto: "tcp", Service: "http"}}},
		{Host: "203.0.113.10", Names: []string{"office1"}},
		{Host: "2001:db8:200::10", Names: []string{"office1"}},
	}, []reports.Finding{
		cert("198.51.100.20", "CN=b until 2026-12-20", "warn", "certificate:expires-soon"),
		suite("198.51.100.20", "TLS_RSA_WITH_AES_128_CBC_SHA", "pass"),
		suite("198.51.100.20", "TLS_AES_128_GCM_SHA256", "fail"),
		svc("198.51.100.20", 25, "pass"), svc("198.51.100.9", 80, "fail"), svc("198.51.100.40", 23, "fail"),
	})
	return old, cur
}

// TestSideMatchesReports: the diff of two stored scans, streamed from the
// subject rows, equals the diff of the same reports in memory, on both
// backends, and so does a scan stored before migration 3 (read whole).
func TestSideMatchesReports(t *testing.T) {
	ctx := context.Background()
	old, cur := driftPair(time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC))
	pol := policyWithSegment(t, "203.0.113.0/25")
	want := drift.Compare(old, cur, drift.Options{Policy: pol})
	if len(want.Changes) < 8 {
		t.Fatalf("fixture too small: %d changes", len(want.Changes))
	}
	wantJSON, _ := json.Marshal(want)
	for kind, dsn := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			s := open(t, kind, dsn)
			for _, r := range []*reports.Report{old, cur} {
				if err := s.Import(ctx, r, Config{}); err != nil {
					t.Fatal(err)
				}
			}
			diffStored := func() string {
				t.Helper()
				o, err := s.Side(ctx, "old")
				if err != nil {
					t.Fatal(err)
				}
				n, err := s.Side(ctx, "cur")
				if err != nil {
					t.Fatal(err)
				}
				d, err := drift.CompareSides(ctx, o, n, drift.Options{Policy: pol})
				if err != nil {
					t.Fatal(err)
				}
				b, _ := json.Marshal(d)
				return string(b)
			}
			if got := diffStored(); got != string(wantJSON) {
				t.Errorf("stored diff differs from the in-memory one:\n got %s\nwant %s", got, wantJSON)
			}
			if _, err := s.db.ExecContext(ctx, `UPDATE scans SET subjects = 0 WHERE id = 'old'`); err != nil {
				t.Fatal(err)
			}
			if got := diffStored(); got != string(wantJSON) {
				t.Errorf("diff against a pre-migration scan differs:\n got %s\nwant %s", got, wantJSON)
			}
			if _, err := s.Side(ctx, "nope"); err == nil {
				t.Error("Side of an unknown scan: no error")
			}
		})
	}
}

// TestCorruptRows: a damaged document or column is an error naming the
// scan and the row, never a silently empty value.
func TestCorruptRows(t *testing.T) {
	ctx := context.Background()
	old, cur := driftPair(time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC))
	s := open(t, "sqlite", t.TempDir()+"/c.db")
	for _, r := range []*reports.Report{old, cur} {
		if err := s.Import(ctx, r, Config{}); err != nil {
			t.Fatal(err)
		}
	}
	fid := cur.Findings[0].ID
	for _, c := range []struct {
		name, sql string
		read      func() error
		want      string
	}{
		{"finding", `UPDATE findings SET doc = '{"id":' WHERE scan_id = 'cur' AND id = '` + fid + `'`,
			func() error { _, _, err := s.Report(ctx, "cur"); return err }, "scan cur: finding " + fid + ": corrupt document"},
		{"config", `UPDATE scans SET config = 'x' WHERE id = 'old'`,
			func() error { _, err := s.History(ctx, Filter{}); return err }, "scan old: corrupt config column"},
		{"tool", `UPDATE scans SET tool = '[' WHERE id = 'old'`,
			func() error { _, _, err := s.Report(ctx, "old"); return err }, "scan old: corrupt tool column"},
		{"asset", `UPDATE assets SET doc = '{' WHERE scan_id = 'cur' AND host = '198.51.100.9'`,
			func() error {
				o, _ := s.Side(ctx, "old")
				n, err := s.Side(ctx, "cur")
				if err != nil {
					return err
				}
				_, err = drift.CompareSides(ctx, o, n, drift.Options{})
				return err
			}, "scan cur: asset 198.51.100.9: corrupt document"},
	} {
		if _, err := s.db.ExecContext(ctx, c.sql); err != nil {
			t.Fatal(err)
		}
		err := c.read()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func policyWithSegment(t *testing.T, prefix string) *checks.Policy {
	t.Helper()
	p := checks.DefaultPolicy()
	p.IPv4OnlySegments = append(p.IPv4OnlySegments, netip.MustParsePrefix(prefix))
	return p
}

func pgtestDSN(t *testing.T) string { return pgtest.Shared(t).NewDatabase(t) }
