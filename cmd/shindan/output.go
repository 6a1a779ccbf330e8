package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"shindan/checks"
	"shindan/reports"
	"shindan/reports/render"
)

// MaxReportSize bounds what `report` and `diff` read: a report of a /16
// sweep is a few tens of MiB, and a hostile or corrupt file must not take
// the memory of the machine.
const MaxReportSize = 256 << 20

// outputPlan is where a scan's reports go, decided and checked before the
// first packet so that an unwritable path never costs a scan.
type outputPlan struct {
	stdout  bool
	formats []string          // JSON first: it is canonical
	paths   map[string]string // format → file
	force   bool
}

// reportExts are file name endings that say -o names one report file.
var reportExts = []string{".json", ".html", ".htm", ".md", ".csv", ".sarif", ".xml", ".xlsx", ".pdf", ".txt"}

// planOutput resolves -o against the formats: "-" is standard output (one
// format), a folder takes report.<ext> per format, a file name takes
// exactly one format. The folder is created and probed for writing, and an
// existing report file is refused unless force is set.
func planOutput(output string, formats []string, force bool, scanID string) (*outputPlan, error) {
	formats = slices.Clone(formats)
	slices.SortStableFunc(formats, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == "json":
			return -1
		case b == "json":
			return 1
		}
		return 0
	})
	formats = slices.Compact(formats)
	p := &outputPlan{formats: formats, paths: map[string]string{}, force: force}
	if output == "-" {
		if len(formats) != 1 {
			return nil, fmt.Errorf("-o - writes one format to standard output, and --format names %d (%s)", len(formats), strings.Join(formats, ","))
		}
		p.stdout = true
		return p, nil
	}
	if output == "" {
		output = filepath.Join("out", scanID)
	}
	st, statErr := os.Stat(output)
	isDir := statErr == nil && st.IsDir()
	looksFile := slices.Contains(reportExts, strings.ToLower(filepath.Ext(output))) || (statErr == nil && !st.IsDir())
	switch {
	case isDir:
	case looksFile && len(formats) > 1:
		return nil, fmt.Errorf("-o %s names a file, but --format names %d formats: give a folder, or one format", output, len(formats))
	// With one format, any name with an extension (report.out) is taken
	// as the file the user wants, not as a folder to create.
	case looksFile || (len(formats) == 1 && filepath.Ext(output) != ""):
		p.paths[formats[0]] = output
		return p, p.check(filepath.Dir(output))
	}
	for _, f := range formats {
		p.paths[f] = filepath.Join(output, render.FileName(f))
	}
	return p, p.check(output)
}

// check creates dir, proves it writable and refuses existing reports.
func (p *outputPlan) check(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	// Creating a file is the only reliable test: permission bits do not
	// show ACLs, read-only mounts or a full disk.
	probe, err := os.CreateTemp(dir, ".shindan-probe-*")
	if err != nil {
		return fmt.Errorf("output: %s is not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	for _, f := range p.formats {
		path := p.paths[f]
		st, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return fmt.Errorf("output: %w", err)
		case st.IsDir():
			return fmt.Errorf("output: %s is a folder, not a report file", path)
		case !p.force:
			return fmt.Errorf("output: %s exists; use --force to overwrite it", path)
		}
	}
	return nil
}

// write renders every format and returns the files written.
func (p *outputPlan) write(r *reports.Report, lang, failOn string) ([]string, error) {
	var paths []string
	for _, f := range p.formats {
		w, err := render.WriterFailOn(f, lang, failOn)
		if err != nil {
			return paths, err
		}
		if p.stdout { // planOutput allows one format only on stdout
			return nil, w.Write(os.Stdout, r)
		}
		path := p.paths[f]
		if !p.force {
			// The file may have appeared during the scan; keep it and
			// put the report next to it rather than lose either.
			if _, err := os.Stat(path); err == nil {
				path = strings.TrimSuffix(path, filepath.Ext(path)) + "." + r.Scan.ID + filepath.Ext(path)
			}
		}
		if err := writeAtomic(path, func(out io.Writer) error { return w.Write(out, r) }); err != nil {
			return paths, fmt.Errorf("writing %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// newScanID names a scan before it starts (the default output folder is
// out/<scan-id>/): its UTC start second and 4 random bytes.
func newScanID(now time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// writeAtomic writes through a temporary file and renames, so a crash
// never leaves a half-written report behind (pitfalls §8.2).
func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".shindan-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; a report is meant to be shared.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// summaryLine is the terminal summary, counted like the report (one per
// finding) and worded with the report's own status labels.
func summaryLine(r *reports.Report, lang string) string {
	n := map[string]int{}
	for _, f := range r.Findings {
		n[f.Status]++
	}
	var parts []string
	for _, s := range []string{"fail", "warn", "error", "pass"} {
		parts = append(parts, fmt.Sprintf("%s %d", render.StatusLabel(lang, s), n[s]))
	}
	hosts, open := 0, 0
	if st := r.Scan.Stats; st != nil {
		hosts, open = st.HostsAlive, st.PortsOpen
	}
	if lang == "ja" {
		return fmt.Sprintf("診断完了: ホスト %d、開放ポート %d、指摘 %d 件（%s）", hosts, open, len(r.Findings), strings.Join(parts, "、"))
	}
	return fmt.Sprintf("scan done: %s, %s, %s (%s)", checks.Count(hosts, "host", "hosts"), checks.Count(open, "open port", "open ports"),
		checks.Count(len(r.Findings), "finding", "findings"), strings.Join(parts, ", "))
}

// failOn returns exit status 1 when an unwaived fail/warn finding reaches
// the threshold.
func failOn(r *reports.Report, threshold string) error {
	if threshold == "none" {
		return nil
	}
	min := reports.SeverityRank(threshold)
	// Per subject: a waiver on one item of a group must not hide another.
	for _, f := range reports.Flatten(r.Findings) {
		if (f.Status == "fail" || f.Status == "warn") && f.Waiver == nil && reports.SeverityRank(f.Severity) >= min {
			return cli.Exit("", exitFindings)
		}
	}
	return nil
}

// readLimited reads a report file of at most MaxReportSize bytes; it
// stops reading at the limit instead of loading whatever it is given.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The size is only known for a regular file (a pipe says 0), so the
	// limited read below is the real bound; this check fails early.
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxReportSize {
		return nil, fmt.Errorf("%s: %d MiB is above the %d MiB report size limit", path, st.Size()>>20, MaxReportSize>>20)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxReportSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > MaxReportSize {
		return nil, fmt.Errorf("%s: more than the %d MiB report size limit", path, MaxReportSize>>20)
	}
	return b, nil
}

// buildVersion is the version --version prints: the one set at build time
// (make build: git describe), else what the Go toolchain recorded (module
// version, or the VCS revision and whether the tree was modified).
func buildVersion() string {
	if version != "dev" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "-dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return "dev (" + bi.GoVersion + ", no VCS information)"
	}
	return "dev-" + rev + modified + " (" + bi.GoVersion + ")"
}

// reportLangFlag is --lang with SHINDAN_LANG as its default.
func reportLangFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "lang", Value: "ja", EnvVars: []string{"SHINDAN_LANG"},
		Usage: "report `LANGUAGE`: ja or en (default: $SHINDAN_LANG, else ja)"}
}

// checkLang rejects a language that is neither ja nor en, naming where it
// may have come from.
func checkLang(c *cli.Context) error {
	l := c.String("lang")
	if l == "" { // SHINDAN_LANG set but empty: the default
		return c.Set("lang", "ja")
	}
	if slices.Contains(render.Langs, l) {
		return nil
	}
	if os.Getenv("SHINDAN_LANG") == l {
		return usageErr("--lang or SHINDAN_LANG: %q is not ja or en", l)
	}
	return usageErr("--lang: %q is not ja or en", l)
}
