package reports

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// StreamHandler receives a report from DecodeStream piece by piece.
type StreamHandler struct {
	// Header receives schema_version, tool and scan (Assets and Findings
	// nil), checked, before the first Asset or Finding.
	Header func(r *Report) error
	Asset  func(a *Asset) error
	// Finding receives each finding, checked as Decode checks them.
	Finding func(f *Finding) error
}

// DecodeStream reads a JSON report one asset and one finding at a time,
// so that memory is bounded by the largest element rather than by the
// report: a 10,000-host sweep result is imported without holding it. It
// checks what Decode checks, with the line of the offending element.
// When the header keys follow the arrays (shindan writes them first),
// the input is read twice: once for the header, once for the elements.
func DecodeStream(rs io.ReadSeeker, h StreamHandler) error {
	sd := &streamDecoder{rs: rs, h: h}
	done, err := sd.pass(true)
	if err != nil || done {
		return err
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	_, err = sd.pass(false)
	return err
}

type streamDecoder struct {
	rs       io.ReadSeeker
	h        StreamHandler
	header   Report
	seen     map[string]bool
	headerOK bool
	findings bool            // a findings array was read
	later    map[string]bool // arrays skipped on the first pass
}

// headerKeys must all be read before elements can be handed on.
var headerKeys = []string{"schema_version", "tool", "scan"}

// pass walks the report once. On the first pass it reads the header and
// streams the arrays if the header came first; it reports done=false
// when an array preceded the header and was skipped.
func (sd *streamDecoder) pass(first bool) (done bool, err error) {
	dec := json.NewDecoder(bufio.NewReaderSize(sd.rs, 64<<10))
	dec.DisallowUnknownFields()
	fail := func(err error) (bool, error) { return false, sd.locate(dec, err) }
	if first {
		sd.seen, sd.later = map[string]bool{}, map[string]bool{}
	}
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return false, errors.New("report: empty input")
	}
	if err != nil {
		return fail(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fail(errors.New("the report is not a JSON object"))
	}
	skipped := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := tok.(string)
		if first && sd.seen[key] {
			return fail(fmt.Errorf("key %q appears twice", key))
		}
		if first {
			sd.seen[key] = true
		}
		switch key {
		case "assets", "findings":
			stream := (first && sd.headerReady()) || (!first && sd.later[key])
			if stream {
				if err := sd.startElements(); err != nil {
					return fail(err)
				}
			} else if first {
				skipped, sd.later[key] = true, true
			}
			if err := sd.array(dec, key, stream); err != nil {
				return fail(err)
			}
		case "schema_version", "tool", "scan", "summary", "baseline":
			if !first {
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return fail(err)
				}
				continue
			}
			var dst any
			switch key {
			case "schema_version":
				dst = &sd.header.SchemaVersion
			case "tool":
				dst = &sd.header.Tool
			case "scan":
				dst = &sd.header.Scan
			case "summary":
				dst = &sd.header.Summary
			default:
				dst = &sd.header.Baseline
			}
			if err := dec.Decode(dst); err != nil {
				return fail(fmt.Errorf("field %s: %w", key, err))
			}
		default:
			return fail(fmt.Errorf("json: unknown field %q", key))
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(err)
	}
	// A second value after the report means a concatenated or corrupted
	// file; reading only the first would silently drop the rest.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fail(errors.New("data after the report object"))
	}
	if first && skipped {
		return false, sd.startElements()
	}
	if !sd.headerOK {
		// Neither array present: the header is still checked.
		if err := sd.startElements(); err != nil {
			return false, err
		}
	}
	if !sd.findings {
		return false, errors.New("report: tool.name, scan.id and findings are required")
	}
	return true, nil
}

func (sd *streamDecoder) headerReady() bool {
	for _, k := range headerKeys {
		if !sd.seen[k] {
			return false
		}
	}
	return true
}

// startElements checks the header and hands it on, once.
func (sd *streamDecoder) startElements() error {
	if sd.headerOK {
		return nil
	}
	r := &sd.header
	if r.SchemaVersion != SchemaVersion {
		return fmt.Errorf("report: schema_version %q is not %q", r.SchemaVersion, SchemaVersion)
	}
	if r.Tool.Name == "" || r.Scan.ID == "" {
		return errors.New("report: tool.name, scan.id and findings are required")
	}
	sd.headerOK = true
	if sd.h.Header != nil {
		return sd.h.Header(r)
	}
	return nil
}

// array reads one top-level array, handing each element on when stream.
func (sd *streamDecoder) array(dec *json.Decoder, key string, stream bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil // null: as if absent
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("field %s: not an array", key)
	}
	if key == "findings" {
		sd.findings = true
	}
	for i := 0; dec.More(); i++ {
		if !stream {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		var err error
		if key == "assets" {
			var a Asset
			if err = dec.Decode(&a); err == nil && sd.h.Asset != nil {
				err = sd.h.Asset(&a)
			}
		} else {
			var f Finding
			if err = dec.Decode(&f); err == nil {
				if err = checkFinding(i, &f); err != nil {
					return err
				}
				if sd.h.Finding != nil {
					err = sd.h.Finding(&f)
				}
			}
		}
		if err != nil {
			return &elementError{fmt.Sprintf("%s[%d]", key, i), err}
		}
	}
	_, err = dec.Token()
	return err
}

// elementError names the array element a failure belongs to.
type elementError struct {
	where string
	err   error
}

func (e *elementError) Error() string { return e.where + ": " + e.err.Error() }
func (e *elementError) Unwrap() error { return e.err }

// checkFinding is Decode's check of one finding.
func checkFinding(i int, f *Finding) error {
	if f.ID == "" || f.Check == "" || f.Target == "" || statusRank(f.Status) == len(Statuses) || len(f.Articles) == 0 {
		return fmt.Errorf("findings[%d]: id, check, articles, target and a valid status are required", i)
	}
	for j, it := range f.Items {
		if it.ID == "" || statusRank(it.Status) == len(Statuses) {
			return fmt.Errorf("findings[%d].items[%d]: id and a valid status are required", i, j)
		}
	}
	return nil
}

// locate prefixes a decoding failure with its line: where the decoder
// stands (offsets inside errors from Decode count from the element).
func (sd *streamDecoder) locate(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	off := dec.InputOffset()
	switch {
	case errors.As(err, &se):
		off = max(off, se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		err = fmt.Errorf("truncated: %w", err)
	}
	if n, lerr := sd.lineAt(off); lerr == nil {
		return fmt.Errorf("report: line %d: %w", n, err)
	}
	return fmt.Errorf("report: %w", err)
}

// lineAt counts the lines up to byte offset off, reading the input again.
func (sd *streamDecoder) lineAt(off int64) (int, error) {
	if _, err := sd.rs.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	br := bufio.NewReader(io.LimitReader(sd.rs, off))
	n := 1
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		if b == '\n' {
			n++
		}
	}
}
