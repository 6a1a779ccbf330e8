package rendutil

import (
	"slices"

	"shindan/reports"
)

// cloneItems deep-copies a grouped finding's items, since Normalize sorts
// them in the copy.
func cloneItems(items []reports.Item) []reports.Item {
	if items == nil {
		return nil
	}
	out := make([]reports.Item, len(items))
	for i, it := range items {
		it.Articles = slices.Clone(it.Articles)
		it.Title = cloneText(it.Title)
		it.Detail = cloneText(it.Detail)
		it.Remediation = cloneText(it.Remediation)
		it.Evidence = slices.Clone(it.Evidence)
		if it.ObservedAt != nil {
			t := *it.ObservedAt
			it.ObservedAt = &t
		}
		if it.Waiver != nil {
			w := *it.Waiver
			it.Waiver = &w
		}
		out[i] = it
	}
	return out
}
