package main

import (
	"github.com/urfave/cli/v2"

	"shindan/checks"
	"shindan/checks/vulnfeed"
)

// vulnFeedFlag names the offline feed service.version compares versions
// with. It is read before the first packet, so a bad feed costs no scan.
var vulnFeedFlag = &cli.StringSliceFlag{Name: "vuln-feed",
	Usage: "offline vulnerability feed `FILE|DIR` for service.version: NVD CVE JSON 2.0 files or OSV records (repeatable; never downloaded)"}

// loadVulnFeed attaches the --vuln-feed files to the policy.
func loadVulnFeed(c *cli.Context, p **checks.Policy) error {
	paths := c.StringSlice("vuln-feed")
	if len(paths) == 0 {
		return nil
	}
	feed, err := vulnfeed.Load(paths...)
	if err != nil {
		return usageErr("--vuln-feed: %v", err)
	}
	if *p == nil {
		*p = checks.DefaultPolicy()
	}
	(*p).VulnFeed = feed
	return nil
}
