package engine

import (
	"context"

	"shindan/reports"
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
	// Assets receives inventory (hosts and their services) as it is
	// learned. An asset may arrive again with more services; the later
	// one replaces the earlier.
	Assets(ctx context.Context, as []reports.Asset) error
	// Findings receives findings as checks decide them, in report form
	// (stable IDs, waivers applied, severity overrides applied).
	Findings(ctx context.Context, fs []reports.Finding) error
	// End receives the final, normalised report: the same document the
	// file writers render.
	End(ctx context.Context, r *reports.Report) error
}
