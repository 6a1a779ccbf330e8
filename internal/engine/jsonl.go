package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"shindan/reports"
)

// JSONL is the --format jsonl stream: one JSON record per line, written
// and flushed as the scan goes, so a killed scan leaves every line before
// the kill readable (and --resume continues from it). Records:
//
//	{"type":"begin","scan":{...}}         scan metadata, before the first packet
//	{"type":"finding","finding":{...}}    one finding
//	{"type":"asset","asset":{...}}        one host's inventory
//	{"type":"unit","unit":{...}}          a host done (after its findings)
//	{"type":"end","scan":{...}}           the final scan metadata and stats
type JSONL struct {
	w   *bufio.Writer
	f   interface{ Sync() error } // fsynced per unit when the writer is a file
	enc *json.Encoder
}

// NewJSONL writes the stream to w. When w has a Sync method (a file), the
// stream is synced after each unit, so a finished host survives a crash.
func NewJSONL(w io.Writer) *JSONL {
	j := &JSONL{w: bufio.NewWriterSize(w, 64<<10)}
	j.enc = json.NewEncoder(j.w)
	if s, ok := w.(interface{ Sync() error }); ok {
		j.f = s
	}
	return j
}

// jsonlRecord is one line of the stream.
type jsonlRecord struct {
	Type    string           `json:"type"`
	Scan    *reports.Scan    `json:"scan,omitempty"`
	Finding *reports.Finding `json:"finding,omitempty"`
	Asset   *reports.Asset   `json:"asset,omitempty"`
	Unit    *Unit            `json:"unit,omitempty"`
}

func (j *JSONL) put(r jsonlRecord) error {
	if err := j.enc.Encode(r); err != nil {
		return fmt.Errorf("engine: jsonl: %w", err)
	}
	return nil
}

func (j *JSONL) flush(sync bool) error {
	if err := j.w.Flush(); err != nil {
		return fmt.Errorf("engine: jsonl: %w", err)
	}
	if sync && j.f != nil {
		if err := j.f.Sync(); err != nil {
			return fmt.Errorf("engine: jsonl: %w", err)
		}
	}
	return nil
}

// Begin implements Sink.
func (j *JSONL) Begin(_ context.Context, s reports.Scan) error {
	if err := j.put(jsonlRecord{Type: "begin", Scan: &s}); err != nil {
		return err
	}
	return j.flush(true)
}

// Assets implements Sink.
func (j *JSONL) Assets(_ context.Context, as []reports.Asset) error {
	for i := range as {
		if err := j.put(jsonlRecord{Type: "asset", Asset: &as[i]}); err != nil {
			return err
		}
	}
	return j.flush(false)
}

// Findings implements Sink: one line per finding, flushed.
func (j *JSONL) Findings(_ context.Context, fs []reports.Finding) error {
	for i := range fs {
		if err := j.put(jsonlRecord{Type: "finding", Finding: &fs[i]}); err != nil {
			return err
		}
	}
	return j.flush(false)
}

// UnitDone implements UnitSink.
func (j *JSONL) UnitDone(_ context.Context, u Unit) error {
	if err := j.put(jsonlRecord{Type: "unit", Unit: &u}); err != nil {
		return err
	}
	return j.flush(true)
}

// End implements Sink: the final scan record (the report's findings are
// already in the stream).
func (j *JSONL) End(_ context.Context, r *reports.Report) error {
	if err := j.put(jsonlRecord{Type: "end", Scan: &r.Scan}); err != nil {
		return err
	}
	return j.flush(true)
}

// MaxJSONLLine bounds one line of a stream read back for --resume.
const MaxJSONLLine = 64 << 20

// ReadJSONL reads a --format jsonl stream back for --resume. A last line
// cut by a crash is ignored; any other bad line is an error naming it.
// A stream whose scan ended complete cannot be resumed.
func ReadJSONL(r io.Reader) (*Resume, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxJSONLLine)
	res := &Resume{}
	var pending error
	line := 0
	for sc.Scan() {
		line++
		if pending != nil {
			return nil, pending
		}
		var rec jsonlRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			// Only the last line may be torn (killed mid-write).
			pending = fmt.Errorf("engine: jsonl line %d: %w", line, err)
			continue
		}
		switch rec.Type {
		case "begin":
			if rec.Scan == nil {
				return nil, fmt.Errorf("engine: jsonl line %d: begin without scan", line)
			}
			res.ScanID = rec.Scan.ID
		case "finding":
			if rec.Finding != nil {
				res.Findings = append(res.Findings, *rec.Finding)
			}
		case "asset":
			if rec.Asset != nil {
				res.Assets = append(res.Assets, *rec.Asset)
			}
		case "unit":
			if rec.Unit != nil {
				res.Units = append(res.Units, *rec.Unit)
			}
		case "end":
			if rec.Scan != nil && rec.Scan.Complete {
				return nil, errors.New("engine: jsonl: that scan finished complete; there is nothing to resume")
			}
			if rec.Scan != nil && rec.Scan.Stats != nil {
				res.ProbesSent = rec.Scan.Stats.ProbesSent
			}
		default:
			return nil, fmt.Errorf("engine: jsonl line %d: unknown record type %q", line, rec.Type)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("engine: jsonl line %d: %w", line+1, err)
	}
	if res.ScanID == "" {
		return nil, errors.New("engine: jsonl: no begin record (not a shindan --format jsonl stream)")
	}
	return res, nil
}
