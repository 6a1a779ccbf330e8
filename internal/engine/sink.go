package engine

import (
	"context"

	"shindan/reports"
	"shindan/scanners"
)

// Sink receives a scan's results while the scan runs, so that a store, a
// JSONL stream or a progress display hold everything decided so far when
// the process dies (pitfalls §8.2: nmap's XML is left invalid on a crash).
//
// The engine calls a Sink from one goroutine at a time, in this order:
// Begin once, then Assets and Findings any number of times, then End once
// (also for an interrupted scan, with Scan.Complete false). An error from a
// sink stops the scan: results that cannot be kept are not worth probing
// for.
type Sink interface {
	// Begin receives the scan's metadata before the first packet: ID,
	// start time, targets, profile, checks, policy and vantage, with
	// Complete false.
	Begin(ctx context.Context, scan reports.Scan) error
	// Assets receives inventory (hosts and their services) as each host
	// finishes. An asset may arrive again with more services; the later
	// one replaces the earlier.
	Assets(ctx context.Context, as []reports.Asset) error
	// Findings receives findings as checks decide them, in report form
	// (stable IDs, waivers applied, severity overrides applied): a host's
	// as soon as its pipeline ends, the cross-target checks' (ipv6.parity,
	// domain and segment checks) once at the end.
	Findings(ctx context.Context, fs []reports.Finding) error
	// End receives the final, normalised report: the same document the
	// file writers render.
	End(ctx context.Context, r *reports.Report) error
}

// UnitSink is a Sink that also records finished units of work, so that
// --resume can skip them. The engine calls UnitDone after the unit's
// findings and asset went to Findings and Assets, so a unit recorded done
// always has its results kept. A unit is a host (every probe on it and its
// per-host checks); domains and the cross-target checks are redone on
// resume, as they are cheap and need every host's contribution.
type UnitSink interface {
	Sink
	UnitDone(ctx context.Context, u Unit) error
}

// Unit is one finished host.
type Unit struct {
	Host  string `json:"host"`
	Alive bool   `json:"alive,omitempty"`
	// FindingIDs are the IDs of the unit's findings (already streamed).
	FindingIDs []string `json:"findings,omitempty"`
	// Observations are what the cross-target checks (ipv6.parity, the
	// domain checks) need from this host; a resumed scan feeds them back.
	Observations []scanners.Observation `json:"observations,omitempty"`
}

// Resume is what an interrupted scan left: the state --resume continues
// from. ReadJSONL builds it from a --format jsonl stream; a store can
// build it from its tables.
type Resume struct {
	ScanID     string
	Findings   []reports.Finding // of finished units only
	Assets     []reports.Asset
	Units      []Unit
	ProbesSent int64
}

// ResumeSource is implemented by a Sink that keeps scans (the history
// store): it answers which units of an interrupted scan are done, so
// --resume works without the JSONL stream.
type ResumeSource interface {
	ResumeState(ctx context.Context, scanID string) (*Resume, error)
}
