package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"shindan/internal/engine"
)

// jsonlName is the stream's file name inside an output folder.
const jsonlName = "report.jsonl"

// jsonlPath is where the stream of a scan goes: the -o file when jsonl is
// the only format and -o names a file, next to the -o file (same name,
// .jsonl) when -o names another format's file, else report.jsonl in the
// output folder (default out/<scan-id>/).
func jsonlPath(output, scanID string, only bool) string {
	if output == "" {
		output = filepath.Join("out", scanID)
	}
	ext := filepath.Ext(output)
	switch {
	case only && ext != "":
		return output
	case !only && slices.Contains(reportExts, strings.ToLower(ext)):
		return strings.TrimSuffix(output, ext) + ".jsonl"
	}
	return filepath.Join(output, jsonlName)
}

// splitJSONL takes "jsonl" out of the render formats: the stream is a
// sink written while the scan runs, not a rendering of the final report.
func splitJSONL(formats []string) ([]string, bool) {
	if !slices.Contains(formats, "jsonl") {
		return formats, false
	}
	return slices.DeleteFunc(slices.Clone(formats), func(f string) bool { return f == "jsonl" }), true
}

// openStream opens the JSONL stream before the first packet, so an
// unwritable path stops the scan before it starts. A resumed scan
// appends to the stream it continues; an existing stream is otherwise
// kept unless force.
func openStream(path string, resume, force bool) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("--format jsonl: %w", err)
	}
	// O_EXCL: an existing stream is another scan's evidence and is never
	// truncated by accident; O_APPEND on resume keeps the records written
	// before the interruption, which the resumed scan builds on.
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	switch {
	case resume:
		flags = os.O_WRONLY | os.O_APPEND
	case force:
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("--format jsonl: %s exists (continue that scan with --resume, overwrite it with --force, or choose another -o)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("--format jsonl: %w", err)
	}
	return f, nil
}

// loadResume reads the stream of the scan to continue. ref is a scan ID
// (its stream is found under -o or out/<scan-id>/) or the stream's path.
func loadResume(ref, output string, only bool) (*engine.Resume, string, error) {
	path := ref
	if st, err := os.Stat(ref); err != nil || st.IsDir() {
		if err == nil && st.IsDir() {
			path = filepath.Join(ref, jsonlName)
		} else {
			path = jsonlPath(output, ref, only)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("--resume %s: no stream to continue (%v); resume needs the scan's --format jsonl stream", ref, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxResumeStream {
		return nil, "", fmt.Errorf("--resume: %s is %d bytes, above the %d-byte limit", path, st.Size(), maxResumeStream)
	}
	r, err := engine.ReadJSONL(f)
	if err != nil {
		return nil, "", fmt.Errorf("--resume %s: %w", path, err)
	}
	return r, path, nil
}

// maxResumeStream bounds the stream --resume reads (hostile or corrupt
// input costs bounded memory).
const maxResumeStream = 1 << 30

// planStream reads the scan to resume and opens the JSONL stream, before
// the first packet: an unreadable resume or unwritable stream costs no
// scan. It runs before the report output is planned, since a resumed scan
// keeps its scan ID (and so its default folder).
func (o *scanOpts) planStream(output, resume string, force bool) error {
	only := len(o.formats) == 0
	if resume != "" && o.cfg.Resume == nil { // not resumed from the store
		if !o.jsonl {
			return errors.New("--resume continues a scan from its stream or its store: add --format jsonl (as in the interrupted run) or --store DSN")
		}
		r, path, err := loadResume(resume, output, only)
		if err != nil {
			return err
		}
		o.cfg.Resume, o.cfg.ScanID = r, r.ScanID
		f, err := openStream(path, true, false)
		if err != nil {
			return err
		}
		o.stream = f
		o.cfg.Sinks = append(o.cfg.Sinks, engine.NewJSONL(f))
		return nil
	}
	if !o.jsonl {
		return nil
	}
	if output == "-" && only {
		o.cfg.Sinks = append(o.cfg.Sinks, engine.NewJSONL(os.Stdout))
		return nil
	}
	f, err := openStream(jsonlPath(output, o.cfg.ScanID, only), false, force)
	if err != nil {
		return err
	}
	o.stream = f
	o.cfg.Sinks = append(o.cfg.Sinks, engine.NewJSONL(f))
	return nil
}
