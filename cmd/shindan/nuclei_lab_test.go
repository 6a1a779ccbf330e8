//go:build netlab

package main

// The lab tests scan with the external profile, which runs vuln.nuclei:
// TestMain provides the child (cmd/shindan-nuclei) for them.
func init() { needNucleiChild = true }
