// Command gen writes report files for the store benchmarks: copies of a
// real lab report under new scan IDs (-copies N -from report.json), or a
// synthetic sweep result of -hosts N hosts (-synthetic), optionally with
// drift (-drift: a tenth of the hosts get a new port and a regression).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"shindan/reports"
)

func main() {
	from := flag.String("from", "", "report to copy")
	copies := flag.Int("copies", 0, "copies of -from to write")
	hosts := flag.Int("hosts", 0, "hosts of a synthetic report")
	drift := flag.Bool("drift", false, "synthetic: change a tenth of the hosts")
	id := flag.String("id", "synthetic", "synthetic: scan ID")
	out := flag.String("o", ".", "output folder (copies) or file (synthetic)")
	flag.Parse()
	switch {
	case *copies > 0:
		b, err := os.ReadFile(*from)
		if err != nil {
			log.Fatal(err)
		}
		r, err := reports.Decode(b)
		if err != nil {
			log.Fatal(err)
		}
		base := r.Scan.StartedAt
		for i := range *copies {
			r.Scan.ID = fmt.Sprintf("bench-%03d", i)
			r.Scan.StartedAt = base.Add(time.Duration(i) * 24 * time.Hour)
			r.Scan.FinishedAt = r.Scan.StartedAt.Add(time.Minute)
			write(filepath.Join(*out, r.Scan.ID+".json"), r)
		}
	case *hosts > 0:
		write(*out, synthetic(*hosts, *drift, *id))
	default:
		log.Fatal("gen: give -copies N -from FILE or -hosts N")
	}
}

func synthetic(n int, drift bool, id string) *reports.Report {
	t0 := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	if drift {
		t0 = t0.Add(24 * time.Hour)
	}
	r := &reports.Report{SchemaVersion: "1", Tool: reports.Tool{Name: "shindan", Version: "bench"},
		Scan: reports.Scan{ID: id, StartedAt: t0, FinishedAt: t0.Add(time.Hour), Profile: "sweep",
			Targets: []string{"10k-synthetic"}, Checks: []string{"service.exposed", "service.cleartext-admin"}, Complete: true},
		Findings: []reports.Finding{}}
	for i := range n {
		host := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		a := reports.Asset{Host: host, Services: []reports.Service{
			{Port: 22, Proto: "tcp", Service: "ssh", Product: "OpenSSH", Version: "9.2p1"},
			{Port: 443, Proto: "tcp", Service: "https", Product: "nginx", Version: "1.22.1", TLS: true},
		}}
		st := "pass"
		if drift && i%10 == 0 {
			a.Services = append(a.Services, reports.Service{Port: 23, Proto: "tcp", Service: "telnet"})
			st = "fail"
		}
		r.Assets = append(r.Assets, a)
		for _, p := range []int{22, 443} {
			r.Findings = append(r.Findings, reports.Finding{
				ID: reports.FindingID("service.exposed", fmt.Sprintf("%s:%d", host, p), ""), Check: "service.exposed",
				Articles: []string{"59-1"}, Target: fmt.Sprintf("%s:%d", host, p), Host: host, Port: p, Proto: "tcp",
				Status: "info", Severity: "none", Evidence: []reports.Evidence{{Kind: "note", Data: "banner and identification of the service"}}})
		}
		r.Findings = append(r.Findings, reports.Finding{
			ID: reports.FindingID("service.cleartext-admin", host, ""), Check: "service.cleartext-admin", Articles: []string{"61-1-2"},
			Target: host, Host: host, Status: st, Severity: "high", Title: &reports.Text{JA: "平文の管理サービス", EN: "cleartext admin service"}})
	}
	r.Normalize()
	return r
}

func write(path string, r *reports.Report) {
	b, err := json.Marshal(r)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		log.Fatal(err)
	}
}
