package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"shindan/internal/store/pgtest"
	"shindan/reports"
	"shindan/reports/reporttest"
)

func TestMain(m *testing.M) {
	if os.Getenv("STORE_KILL_CHILD") != "" {
		os.Exit(killChild(os.Getenv("STORE_KILL_CHILD")))
	}
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// backends opens an empty store of each kind: an SQLite file and a
// database in a real PostgreSQL cluster.
func backends(t *testing.T) map[string]string {
	return map[string]string{
		"sqlite":   filepath.Join(t.TempDir(), "s.db"),
		"postgres": "",
	}
}

func open(t *testing.T, kind, dsn string) *Store {
	t.Helper()
	if kind == "postgres" {
		dsn = pgtest.Shared(t).NewDatabase(t)
	}
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sample(id string, start time.Time, findings ...reports.Finding) *reports.Report {
	r := &reports.Report{SchemaVersion: "1", Tool: reports.Tool{Name: "shindan", Version: "test"},
		Scan: reports.Scan{ID: id, StartedAt: start, FinishedAt: start.Add(time.Minute), Profile: "sweep",
			Targets: []string{"198.51.100.0/24"}, Checks: []string{"service.exposed"}, Complete: true},
		Assets:   []reports.Asset{{Host: "198.51.100.10", Services: []reports.Service{{Port: 22, Proto: "tcp", Service: "ssh", Product: "OpenSSH", Version: "9.2"}}}},
		Findings: findings}
	if r.Findings == nil {
		r.Findings = []reports.Finding{}
	}
	r.Normalize()
	return r
}

func TestRoundTrip(t *testing.T) {
	for kind, dsn := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			s := open(t, kind, dsn)
			ctx := context.Background()
			full := reporttest.Full(t)
			full.Normalize()
			if err := s.Import(ctx, full, Config{Ports: "top100"}); err != nil {
				t.Fatal(err)
			}
			got, cfg, err := s.Report(ctx, full.Scan.ID)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Ports != "top100" {
				t.Errorf("config ports = %q", cfg.Ports)
			}
			want, _ := json.Marshal(full)
			have, _ := json.Marshal(got)
			if string(want) != string(have) {
				t.Errorf("report changed through the store:\nwant %s\nhave %s", want, have)
			}
			// Importing the same scan again is refused, not overwritten.
			if err := s.Import(ctx, full, Config{}); !errors.Is(err, ErrExists) {
				t.Errorf("second import: %v, want ErrExists", err)
			}
			if _, _, err := s.Report(ctx, "nope"); !errors.Is(err, ErrNotFound) {
				t.Errorf("missing scan: %v", err)
			}
		})
	}
}

func TestHistorySightingsResolve(t *testing.T) {
	for kind, dsn := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			s := open(t, kind, dsn)
			ctx := context.Background()
			t0 := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
			f := reports.Finding{ID: "Fa", Check: "service.exposed", Articles: []string{"59-1"}, Target: "198.51.100.10:22", Host: "198.51.100.10", Port: 22, Status: "fail", Severity: "high"}
			g := reports.Finding{ID: "Fb", Check: "service.exposed", Articles: []string{"59-1"}, Target: "198.51.100.10:23", Host: "198.51.100.10", Port: 23, Status: "pass"}
			for i := range 3 {
				r := sample(fmt.Sprintf("S%d", i), t0.Add(time.Duration(i)*24*time.Hour), f, g)
				if i == 2 {
					r.Scan.Profile = "external"
					r.Findings = r.Findings[:1]
				}
				if err := s.Import(ctx, r, Config{}); err != nil {
					t.Fatal(err)
				}
			}
			all, err := s.History(ctx, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 3 || all[0].ID != "S2" || all[2].ID != "S0" {
				t.Fatalf("history order: %+v", all)
			}
			if all[1].Findings != 2 || all[1].ByStatus["fail"] != 1 || all[1].BySeverity["high"] != 1 || all[1].Hosts != 1 {
				t.Errorf("counts of S1: %+v", all[1])
			}
			sweep, _ := s.History(ctx, Filter{Profile: "sweep"})
			since, _ := s.History(ctx, Filter{Since: t0.Add(36 * time.Hour)})
			tgt, _ := s.History(ctx, Filter{Target: "198.51.100."})
			none, _ := s.History(ctx, Filter{Target: "%"})
			if len(sweep) != 2 || len(since) != 1 || since[0].ID != "S2" || len(tgt) != 3 || len(none) != 0 {
				t.Errorf("filters: sweep %d since %d target %d percent %d", len(sweep), len(since), len(tgt), len(none))
			}
			seen, err := s.Sightings(ctx, []string{"Fa", "Fb"})
			if err != nil {
				t.Fatal(err)
			}
			if seen["Fa"].FirstScan != "S0" || seen["Fa"].LastScan != "S2" || seen["Fb"].LastScan != "S1" {
				t.Errorf("sightings: %+v", seen)
			}
			// An old report imported late widens the range backwards.
			if err := s.Import(ctx, sample("Sold", t0.Add(-24*time.Hour), f), Config{}); err != nil {
				t.Fatal(err)
			}
			seen, _ = s.Sightings(ctx, []string{"Fa"})
			if seen["Fa"].FirstScan != "Sold" || seen["Fa"].LastScan != "S2" {
				t.Errorf("sightings after a late import: %+v", seen["Fa"])
			}
			if id, err := s.Resolve(ctx, "latest", nil); err != nil || id != "Sold" {
				// Sold was stored last: "latest" is the newest stored.
				t.Errorf("latest = %q, %v", id, err)
			}
			like := sample("S9", t0.Add(72*time.Hour), f).Scan
			if id, err := s.Resolve(ctx, "latest", &like); err != nil || id != "Sold" {
				t.Errorf("latest like sweep = %q, %v", id, err)
			}
			hist, err := s.FindingHistory(ctx, "Fa", 10)
			if err != nil || len(hist) != 4 || hist[0].ScanID != "Sold" {
				t.Errorf("finding history: %v %+v", err, hist)
			}
			hh, err := s.HostHistory(ctx, "198.51.100.10", 10)
			if err != nil || len(hh) != 4 || hh[0].Services != 1 || hh[0].Bad != 1 {
				t.Errorf("host history: %v %+v", err, hh)
			}
			m, err := s.ArticleMatrix(ctx, []string{"S0", "S1"})
			if err != nil || len(m) != 2 || m[0].Worst != "fail" {
				t.Errorf("matrix: %v %+v", err, m)
			}
		})
	}
}

// TestSinkIncomplete: a scan whose End never came reads back incomplete
// with every batch written before.
func TestSinkIncomplete(t *testing.T) {
	for kind, dsn := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			s := open(t, kind, dsn)
			ctx := context.Background()
			k := s.Sink(Config{Ports: "22"})
			r := sample("Sx", time.Now().UTC())
			if err := k.Begin(ctx, r.Scan); err != nil {
				t.Fatal(err)
			}
			if err := k.Assets(ctx, r.Assets); err != nil {
				t.Fatal(err)
			}
			if err := k.Findings(ctx, []reports.Finding{{ID: "F1", Check: "c", Articles: []string{"59-1"}, Target: "x", Status: "fail"}}); err != nil {
				t.Fatal(err)
			}
			if err := k.Flush(); err != nil {
				t.Fatal(err)
			}
			got, _, err := s.Report(ctx, "Sx")
			if err != nil {
				t.Fatal(err)
			}
			if got.Scan.Complete || got.Scan.InterruptedReason == "" || len(got.Findings) != 1 || len(got.Assets) != 1 {
				t.Errorf("interrupted scan: %+v", got.Scan)
			}
			if err := k.Findings(ctx, []reports.Finding{{ID: "F2", Check: "c", Articles: []string{"59-1"}, Target: "y", Status: "fail"}}); err != nil {
				t.Fatal(err)
			}
			// The final report changes F1 and no longer holds F2.
			r.Findings = append(r.Findings, reports.Finding{ID: "F1", Check: "c", Articles: []string{"59-1"}, Target: "x", Status: "pass"})
			if err := k.End(ctx, r); err != nil {
				t.Fatal(err)
			}
			got, _, _ = s.Report(ctx, "Sx")
			if !got.Scan.Complete || len(got.Findings) != 1 || got.Findings[0].Status != "pass" {
				t.Errorf("after End: %+v %+v", got.Scan, got.Findings)
			}
		})
	}
}

// TestBadStores: a corrupt SQLite file, a newer schema, an unreachable
// server and a wrong password each give a clear error and change nothing.
func TestBadStores(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.db")
	junk := []byte("this is not a database, it is a text file with the scan notes\n")
	os.WriteFile(corrupt, junk, 0o600)
	if _, err := Open(ctx, corrupt); err == nil || !strings.Contains(err.Error(), "not an SQLite database") {
		t.Errorf("corrupt file: %v", err)
	}
	if b, _ := os.ReadFile(corrupt); string(b) != string(junk) {
		t.Error("corrupt file was modified")
	}
	// A real SQLite header over garbage pages.
	bad := filepath.Join(dir, "badpages.db")
	os.WriteFile(bad, append([]byte("SQLite format 3\x00"), make([]byte, 200)...), 0o600)
	if _, err := Open(ctx, bad); err == nil {
		t.Error("garbage after an SQLite header opened")
	}

	newer := filepath.Join(dir, "newer.db")
	s, err := Open(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Import(ctx, sample("S1", time.Now().UTC()), Config{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO shindan_schema (version, applied_at) VALUES (?, ?)`, SchemaVersion()+1, "x"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, newer); err == nil || !strings.Contains(err.Error(), "newer than this shindan knows") {
		t.Errorf("newer schema: %v", err)
	}
	db, _ := sql.Open("sqlite", newer)
	var n int
	db.QueryRow(`SELECT count(*) FROM scans`).Scan(&n)
	db.Close()
	if n != 1 {
		t.Errorf("newer store lost its scans: %d", n)
	}

	// Nothing listens on this socket directory.
	if _, err := Open(ctx, "postgres://u:pw@/db?host="+dir+"&port=1&connect_timeout=3"); err == nil || !strings.Contains(err.Error(), "cannot connect to PostgreSQL") || strings.Contains(err.Error(), ":pw@") {
		t.Errorf("unreachable PostgreSQL: %v", err)
	}
	c := pgtest.Shared(t)
	good := c.NewDatabase(t)
	wrong := strings.Replace(good, pgtest.Password, "wrong-password", 1)
	_, err = Open(ctx, wrong)
	if err == nil || !strings.Contains(err.Error(), "password authentication failed") || strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("wrong password: %v", err)
	}
	ps, err := Open(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	ps.db.Exec(`INSERT INTO shindan_schema (version, applied_at) VALUES ($1, $2)`, SchemaVersion()+1, "x")
	ps.Close()
	if _, err := Open(ctx, good); err == nil || !strings.Contains(err.Error(), "newer than this shindan knows") {
		t.Errorf("newer PostgreSQL schema: %v", err)
	}
}

// killChild writes findings in batches through the Sink, announcing each
// committed batch on stdout, until it is killed.
func killChild(path string) int {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Println("error", err)
		return 2
	}
	k := s.Sink(Config{})
	if err := k.Begin(ctx, reports.Scan{ID: "Skill", StartedAt: time.Now().UTC(), Targets: []string{"198.51.100.0/24"}}); err != nil {
		fmt.Println("error", err)
		return 2
	}
	for b := 0; ; b++ {
		var fs []reports.Finding
		for i := range 10 {
			fs = append(fs, reports.Finding{ID: fmt.Sprintf("F%04d-%d", b, i), Check: "service.exposed", Articles: []string{"59-1"},
				Target: "198.51.100.1", Status: "fail", Evidence: []reports.Evidence{{Kind: "note", Data: strings.Repeat("x", 500)}}})
		}
		if err := k.Findings(ctx, fs); err != nil {
			fmt.Println("error", err)
			return 2
		}
		// Flush returns once the batch is committed: only then is it
		// acknowledged.
		if err := k.Flush(); err != nil {
			fmt.Println("error", err)
			return 2
		}
		fmt.Println("batch", b)
		time.Sleep(5 * time.Millisecond)
	}
}

// TestKillMidStream: a real child process writing through the Sink is
// killed with SIGKILL; every batch the sink's Flush reported committed is
// in the store, whole, and the scan is marked incomplete.
func TestKillMidStream(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kill.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "STORE_KILL_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	acked := -1
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "batch" {
			acked, _ = strconv.Atoi(f[1])
			if acked >= 20 {
				break
			}
			continue
		}
		t.Fatalf("child: %s", sc.Text())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, _, err := s.Report(context.Background(), "Skill")
	if err != nil {
		t.Fatal(err)
	}
	n := len(r.Findings)
	if n < (acked+1)*10 || n%10 != 0 {
		t.Errorf("kept %d findings after %d acknowledged batches (want every acknowledged batch, whole batches only)", n, acked+1)
	}
	if r.Scan.Complete {
		t.Error("killed scan reads as complete")
	}
	ids := map[string]bool{}
	for _, f := range r.Findings {
		ids[f.ID] = true
	}
	for b := 0; b <= acked; b++ {
		for i := range 10 {
			if id := fmt.Sprintf("F%04d-%d", b, i); !ids[id] {
				t.Fatalf("acknowledged finding %s lost", id)
			}
		}
	}
	t.Logf("killed after %d acknowledged batches; %d findings kept", acked+1, n)
}
