package engine

import (
	"time"

	"shindan/reports"
)

// groupWaiver is the policy's waiver lookup in the report's terms, for
// reports.Group: a waiver may name a grouped finding's ID or its check and
// target.
func (e *engine) groupWaiver(id, check, target string) *reports.Waiver {
	w := e.policy.WaiverFor(id, check, target, e.now())
	if w == nil {
		return nil
	}
	return &reports.Waiver{Reason: w.Reason, Until: w.Until.Format(time.DateOnly), By: w.By}
}
