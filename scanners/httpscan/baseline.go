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
	b := cleanPath(bytes.ToLower(body), path)
	b = digits.ReplaceAll(b, nil)
	b = spaces.ReplaceAll(b, []byte(" "))
	return bytes.TrimSpace(b)
}

// skeleton is a body's structure: every tag with its attribute names
// (never their values) and every word, with words that carry a digit or
// look like a token (16+ letters, digits, '+', '/', '=', '_', '-') folded
// into one placeholder. Two answers of one template with a fresh nonce,
// CSRF token or request ID in each are the same skeleton; a real file is
// not the site's 404 template.
func skeleton(body []byte, path string) string {
	b := cleanPath(bytes.ToLower(body), path)
	var sb strings.Builder
	for len(b) > 0 && sb.Len() < 1<<16 {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			i = len(b)
		}
		words(&sb, b[:i])
		b = b[i:]
		if len(b) == 0 {
			break
		}
		j := bytes.IndexByte(b, '>')
		if j < 0 {
			words(&sb, b)
			break
		}
		tag(&sb, b[1:j])
		b = b[j+1:]
	}
	return sb.String()
}

var (
	reAttrName = regexp.MustCompile(`([a-z_:][-a-z0-9_:.]*)\s*(?:=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?`)
	reTokenish = regexp.MustCompile(`^[a-z0-9+/=_-]{16,}$`)
)

func tag(sb *strings.Builder, t []byte) {
	name, rest, _ := bytes.Cut(t, []byte(" "))
	sb.WriteByte('<')
	sb.Write(name)
	for _, m := range reAttrName.FindAllSubmatch(rest, 32) {
		sb.WriteByte(' ')
		sb.Write(m[1])
	}
	sb.WriteByte('>')
}

func words(sb *strings.Builder, t []byte) {
	for _, w := range bytes.Fields(t) {
		if bytes.ContainsAny(w, "0123456789") || reTokenish.Match(w) {
			w = []byte("#")
		}
		sb.WriteByte(' ')
		sb.Write(w)
	}
}

// cleanPath drops the requested path and its random token from a body
// (error pages echo them).
func cleanPath(b []byte, path string) []byte {
	p := strings.ToLower(path)
	for _, v := range []string{p, strings.TrimPrefix(p, "/"), strings.Trim(p, "/")} {
		// Contains first: ReplaceAll copies the body even when the path
		// is not in it, and every crawled page is compared this way.
		if len(v) >= 4 && bytes.Contains(b, []byte(v)) {
			b = bytes.ReplaceAll(b, []byte(v), nil)
		}
	}
	if i := strings.LastIndex(p, "sdn"); i >= 0 {
		tok := p[i:]
		if j := strings.IndexAny(tok, "./~"); j > 0 {
			tok = tok[:j]
		}
		if bytes.Contains(b, []byte(tok)) {
			b = bytes.ReplaceAll(b, []byte(tok), nil)
		}
	}
	return b
}

// baseline asks three random paths (a file, a folder, an upper-case file)
// and records whether the site answers them alike: byte for byte once
// numbers and the path are removed, or else by structure (skeleton).
func (c *Client) baseline(ctx context.Context) scanners.HTTPBaseline {
	tok := randName()
	paths := []string{"/" + tok + ".html", "/" + tok + "/", "/" + strings.ToUpper(tok) + ".HTML"}
	var bl scanners.HTTPBaseline
	var cleaned [][]byte
	var skel []string
	for _, p := range paths {
		x, err := c.Do(ctx, "GET", p, nil, nil)
		x.Kind = "baseline"
		bl.Samples = append(bl.Samples, x)
		if err != nil {
			bl.Reason = "random path " + p + ": " + x.Error
			return bl
		}
		cleaned = append(cleaned, cleanBody(x.Body, p))
		skel = append(skel, skeleton(x.Body, p))
	}
	s0 := bl.Samples[0].Status
	bl.Compare = "bytes"
	for i, x := range bl.Samples {
		if x.Status != s0 {
			bl.Reason = fmt.Sprintf("random paths answered with different statuses (%d for %s, %d for %s)", s0, paths[0], x.Status, paths[i])
			return bl
		}
		if !isSuccess(s0) || bytes.Equal(cleaned[0], cleaned[i]) {
			continue
		}
		if skel[0] != skel[i] {
			bl.Reason = fmt.Sprintf("random paths answered %d with bodies of different structure (%s vs %s): a soft-404 page that cannot be fingerprinted", s0, paths[0], paths[i])
			return bl
		}
		bl.Compare = "structure"
	}
	bl.Stable, bl.Status = true, s0
	return bl
}

func isSuccess(status int) bool { return status >= 200 && status < 300 }

// soft404 reports whether x is indistinguishable from the baseline's
// answer for a missing path.
func soft404(bl *scanners.HTTPBaseline, x *scanners.HTTPExchange) bool {
	if !bl.Stable || x.Status == 0 || len(bl.Samples) == 0 {
		return false
	}
	if x.Status != bl.Status {
		return false
	}
	if !isSuccess(x.Status) {
		return true // same error status as a missing path
	}
	s := &bl.Samples[0]
	if bytes.Equal(cleanBody(x.Body, x.Path), cleanBody(s.Body, s.Path)) {
		return true
	}
	return bl.Compare == "structure" && skeleton(x.Body, x.Path) == skeleton(s.Body, s.Path)
}
