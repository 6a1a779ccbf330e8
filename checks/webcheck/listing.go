package webcheck

import (
	"bytes"
	"regexp"
)

// Listing recognition works on the furniture that autoindex generators
// emit (sort links, parent anchors, column layouts), never on the words
// "Index of" alone: prose and tutorials use them too (pitfalls §3.2).

var (
	reTitleIndexOf  = regexp.MustCompile(`(?i)<title>\s*index of /`)
	reH1IndexOf     = regexp.MustCompile(`(?i)<h[12]>\s*index of /`)
	reApacheSort    = regexp.MustCompile(`(?i)<a href="\?C=[NMSD];O=[AD]"`)
	reApacheParent  = regexp.MustCompile(`(?i)<a href="[^"]*">\s*parent directory\s*</a>`)
	reNginxRow      = regexp.MustCompile(`(?m)(?:^|<pre>)<a href="[^"]+">[^<]*</a>\s+\d{2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}\s+(?:-|\d+)`)
	reNginxParent   = regexp.MustCompile(`(?i)<pre>\s*<a href="\.\./">\.\./</a>`)
	reIISTitle      = regexp.MustCompile(`(?i)<title>[^<]* - /[^<]*</title>`)
	reIISDir        = regexp.MustCompile(`(?i)&lt;dir&gt;\s*<a href="[^"]+">`)
	reIISParent     = regexp.MustCompile(`(?i)<a href="[^"]*">\[to parent directory\]</a>`)
	reIISFile       = regexp.MustCompile(`(?i)\d{1,2}/\d{1,2}/\d{4}\s+\d{1,2}:\d{2}\s+[AP]M\s+\d+\s+<a href="[^"]+">`)
	reLighttpd      = regexp.MustCompile(`(?i)<table summary="directory listing"`)
	reTomcat        = regexp.MustCompile(`(?i)<(?:title|h1)>\s*directory listing for \[/`)
	reJettyTitle    = regexp.MustCompile(`(?i)<title>\s*directory: /`)
	reJettyFurnish  = regexp.MustCompile(`(?i)(?:class="listing"|<h1>\s*directory: /)`)
	rePython        = regexp.MustCompile(`(?i)<(?:title|h1)>\s*directory listing for /`)
	rePythonList    = regexp.MustCompile(`(?is)<hr>\s*<ul>\s*(?:<li><a href="[^"]+">[^<]*</a></li>\s*)*</ul>\s*<hr>`)
	reGenericHeader = regexp.MustCompile(`(?i)>\s*(?:name|file ?name)\s*<.{0,400}>\s*(?:last modified|modified|date)\s*<.{0,400}>\s*size\s*<`)
	reRelLink       = regexp.MustCompile(`(?i)<a href="([^"/:?#][^":?#]*)"`)
	reTitleListing  = regexp.MustCompile(`(?i)<title>[^<]*(?:index of|directory listing|directory:)`)
)

// RecognizeListing reports whether body is a generated directory listing
// and which generator produced it ("apache", "nginx", "iis", "lighttpd",
// "tomcat", "jetty", "python", "generic"). It is a pure function of body.
func RecognizeListing(body []byte) (server string, ok bool) {
	if len(body) > 1<<20 {
		body = body[:1<<20]
	}
	switch {
	case reTitleIndexOf.Match(body) && reH1IndexOf.Match(body) &&
		(reApacheSort.Match(body) || reApacheParent.Match(body)):
		return "apache", true
	case reTitleIndexOf.Match(body) && reH1IndexOf.Match(body) &&
		(reNginxParent.Match(body) || reNginxRow.Match(body)) && bytes.Contains(body, []byte("<pre>")):
		return "nginx", true
	case reLighttpd.Match(body):
		return "lighttpd", true
	case reTomcat.Match(body) && bytes.Contains(bytes.ToLower(body), []byte("<table")):
		return "tomcat", true
	case reJettyTitle.Match(body) && reJettyFurnish.Match(body):
		return "jetty", true
	case rePython.Match(body) && rePythonList.Match(body):
		return "python", true
	case reIISTitle.Match(body) && (reIISParent.Match(body) || reIISDir.Match(body) || reIISFile.Match(body)):
		return "iis", true
	case reTitleListing.Match(body) && reGenericHeader.Match(body) && len(reRelLink.FindAll(body, 3)) >= 2:
		return "generic", true
	}
	return "", false
}
