package httpscan

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"shindan/scanners"
)

// randName returns a random lower-case token that no real site serves.
func randName() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("httpscan: crypto/rand: " + err.Error()) // never fails on Linux
	}
	return "sdn" + hex.EncodeToString(b[:])
}

var (
	digits = regexp.MustCompile(`[0-9]+`)
	spaces = regexp.MustCompile(`\s+`)
)

// cleanBody strips what legitimately differs between two answers for
// different missing paths: the path itself (raw, escaped, any case), every
// number (dates, request IDs, lengths) and whitespace runs. This is nmap's
// identify_404 idea.
func cleanBody(body []byte, path string) []byte {
	b := bytes.ToLower(body)
	p := strings.ToLower(path)
	for _, v := range []string{p, strings.TrimPrefix(p, "/"), strings.Trim(p, "/")} {
		if len(v) >= 4 {
			b = bytes.ReplaceAll(b, []byte(v), nil)
		}
	}
	// The random token alone also appears in echoed titles ("x was not found").
	if i := strings.LastIndex(p, "sdn"); i >= 0 {
		tok := p[i:]
		if j := strings.IndexAny(tok, "./~"); j > 0 {
			tok = tok[:j]
		}
		b = bytes.ReplaceAll(b, []byte(tok), nil)
	}
	b = digits.ReplaceAll(b, nil)
	b = spaces.ReplaceAll(b, []byte(" "))
	return bytes.TrimSpace(b)
}

// baseline asks three random paths (a file, a folder, an upper-case file)
// and records whether the site answers them alike.
func (c *Client) baseline(ctx context.Context) scanners.HTTPBaseline {
	tok := randName()
	paths := []string{"/" + tok + ".html", "/" + tok + "/", "/" + strings.ToUpper(tok) + ".HTML"}
	var bl scanners.HTTPBaseline
	var cleaned [][]byte
	for _, p := range paths {
		x, err := c.Do(ctx, "GET", p, nil, nil)
		x.Kind = "baseline"
		bl.Samples = append(bl.Samples, x)
		if err != nil {
			bl.Reason = "random path " + p + ": " + x.Error
			return bl
		}
		cleaned = append(cleaned, cleanBody(x.Body, p))
	}
	s0 := bl.Samples[0].Status
	for i, x := range bl.Samples {
		if x.Status != s0 {
			bl.Reason = fmt.Sprintf("random paths answered with different statuses (%d for %s, %d for %s)", s0, paths[0], x.Status, paths[i])
			return bl
		}
		if isSuccess(s0) && !bytes.Equal(cleaned[0], cleaned[i]) {
			bl.Reason = fmt.Sprintf("random paths answered %d with different bodies (%s vs %s): a soft-404 page that cannot be fingerprinted", s0, paths[0], paths[i])
			return bl
		}
	}
	bl.Stable, bl.Status = true, s0
	return bl
}

func isSuccess(status int) bool { return status >= 200 && status < 300 }

// soft404 reports whether x is indistinguishable from the baseline's
// answer for a missing path.
func soft404(bl *scanners.HTTPBaseline, x *scanners.HTTPExchange) bool {
	if !bl.Stable || x.Status == 0 {
		return false
	}
	if x.Status != bl.Status {
		return false
	}
	if !isSuccess(x.Status) {
		return true // same error status as a missing path
	}
	want := cleanBody(bl.Samples[0].Body, bl.Samples[0].Path)
	return bytes.Equal(cleanBody(x.Body, x.Path), want)
}
