package webcheck

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/url"
	"path"
	"regexp"
	"strings"

	"shindan/checks"
)

// A directory listing is recognised by what it is, not by what it is
// called: a page whose links are the folder's own entries (one path
// segment below the page, the link text being the entry's name), backed by
// a parent link, per-entry sizes or dates, or a page that holds nothing
// but those entries. Titles and wordings differ between every generator
// and prose uses them too (pitfalls §3.2), so they are never needed. JSON
// and XML listings (nginx autoindex_format, object-store buckets) are
// arrays of entries with a name and a size, date or type.

// Listing describes a recognised directory listing.
type Listing struct {
	Format  string   // "html", "json" or "xml"
	Entries int      // folder entries seen (in the bounded excerpt)
	Meta    int      // entries with a size or a date beside them
	Parent  bool     // a link to the parent folder
	Names   []string // the first entries' names, for evidence and follow-up
}

// String says what the listing showed, in English.
func (l Listing) String() string {
	s := strings.ToUpper(l.Format) + " listing with " + checks.Count(l.Entries, "entry", "entries")
	if l.Meta > 0 {
		s += fmt.Sprintf(", %d with size or date", l.Meta)
	}
	if l.Parent {
		s += ", parent link"
	}
	return s
}

// Bounds on the untrusted input.
const (
	listingScan  = 1 << 20 // bytes of a body examined
	maxAnchors   = 2000    // anchors examined in HTML
	maxEntries   = 2000    // entries examined in JSON/XML
	keptNames    = 32      // names kept in Listing.Names
	rowContext   = 300     // bytes around an anchor searched for size/date
	minTextShare = 0.85    // share of visible text that entries must make up when nothing else backs them
)

// RecognizeListing reports whether body is a generated directory listing
// and its format ("html", "json", "xml"). It is a pure function of body;
// DetectListing is the same with the page's own path known.
func RecognizeListing(body []byte) (format string, ok bool) {
	l, ok := DetectListing("", body)
	return l.Format, ok
}

// DetectListing recognises a listing of the folder at page (a request
// path such as "/files/"; "" when unknown, then the folder is inferred
// from the links).
func DetectListing(page string, body []byte) (Listing, bool) {
	if len(body) > listingScan {
		body = body[:listingScan]
	}
	if i := strings.IndexAny(page, "?#"); i >= 0 {
		page = page[:i]
	}
	t := bytes.TrimLeft(body, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
	switch {
	case len(t) == 0:
		return Listing{}, false
	case t[0] == '[' || t[0] == '{':
		return jsonListing(t)
	case bytes.HasPrefix(t, []byte("<?xml")) || t[0] == '<' && !reHTMLish.Match(t[:min(len(t), 512)]):
		if l, ok := xmlListing(t); ok {
			return l, true
		}
	}
	return htmlListing(page, body)
}

var reHTMLish = regexp.MustCompile(`(?i)<(?:!doctype html|html|head|body|meta|title|pre|table|h[1-6]|a\s)`)

// ---------------------------------------------------------------- HTML

var (
	reAnchor  = regexp.MustCompile(`(?is)<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>(.*?)</a\s*>`)
	reTag     = regexp.MustCompile(`(?s)<[^>]*>`)
	reScripts = regexp.MustCompile(`(?is)<(script|style|title|h[1-6])\b.*?</(?:script|style|title|h[1-6])\s*>`)
	reDate    = regexp.MustCompile(`(?i)\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}-(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)-\d{4}|\d{4}-(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{4}|\d{4}/\d{2}/\d{2})(?:\b|T)`)
	reSize    = regexp.MustCompile(`(?i)(?:^|[\s>(\[])(?:\d+(?:[.,]\d+)?\s?(?:[kmgtp]i?b?|b|bytes?)|\d+)(?:$|[\s<)\]])`)
	reDash    = regexp.MustCompile(`(?:^|\s)-(?:\s|$)`)
)

type anchor struct {
	href, text string
	start, end int
}

func anchors(body []byte) []anchor {
	var out []anchor
	for _, m := range reAnchor.FindAllSubmatchIndex(body, maxAnchors) {
		var href string
		for g := 1; g <= 3; g++ {
			if m[2*g] >= 0 {
				href = string(body[m[2*g]:m[2*g+1]])
				break
			}
		}
		text := html.UnescapeString(string(reTag.ReplaceAll(body[m[8]:m[9]], nil)))
		out = append(out, anchor{href: html.UnescapeString(strings.TrimSpace(href)), text: strings.TrimSpace(text), start: m[0], end: m[1]})
	}
	return out
}

// linkKind classifies one href against the folder dir ("" = unknown).
type linkKind int

const (
	linkOther   linkKind = iota
	linkEntry            // one segment below the folder
	linkParent           // the folder's parent
	linkNeutral          // sort links, fragments, the folder itself, other sites
)

// classify resolves href against dir and returns its kind and, for
// entries, the entry name (decoded, without a trailing slash) and the
// directory it sits in.
func classify(dir, href string) (linkKind, string, string) {
	if href == "" || href[0] == '?' || href[0] == '#' {
		return linkNeutral, "", ""
	}
	u, err := url.Parse(href)
	if err != nil || u.Opaque != "" {
		return linkOther, "", ""
	}
	if u.Scheme != "" || u.Host != "" {
		// Credits and home pages of the generator ("http-server",
		// "Powered by"): furniture, not navigation of the site.
		return linkNeutral, "", ""
	}
	p := u.Path
	if p == "" || p == "." || p == "./" || p == "/" || p == dir {
		return linkNeutral, "", ""
	}
	if p == ".." || p == "../" {
		return linkParent, "", ""
	}
	if !strings.HasPrefix(p, "/") {
		p = strings.TrimPrefix(p, "./")
		name := strings.TrimSuffix(p, "/")
		if name == "" || strings.Contains(name, "/") || strings.HasPrefix(name, "..") && (len(name) == 2 || name[2] == '/') {
			return linkOther, "", ""
		}
		return linkEntry, name, dir
	}
	// Absolute: an entry when it sits directly in dir (or, with dir
	// unknown, in whatever folder it names).
	clean := strings.TrimSuffix(p, "/")
	parentDir, name := path.Split(clean)
	if name == "" {
		return linkOther, "", ""
	}
	if dir != "" {
		if parentDir == dir {
			return linkEntry, name, dir
		}
		if dir != "/" && clean+"/" == path.Dir(strings.TrimSuffix(dir, "/"))+"/" {
			return linkParent, "", ""
		}
		if p == dir || clean == strings.TrimSuffix(dir, "/") {
			return linkNeutral, "", ""
		}
		return linkOther, "", ""
	}
	return linkEntry, name, parentDir
}

// sameName reports whether an anchor's text names the entry: equal,
// with or without a trailing slash, or cut short by the generator
// ("long-file-na..>", "long-file-na…").
func sameName(text, name string) bool {
	if n, err := url.PathUnescape(name); err == nil {
		name = n
	}
	text = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(text), "/"))
	text = strings.TrimSuffix(text, "@") // symlinks in some generators
	if text == "" {
		return false
	}
	if text == name {
		return true
	}
	for _, cut := range []string{"..>", "...", "…", ".."} {
		if t, ok := strings.CutSuffix(text, cut); ok && len(t) >= 8 && strings.HasPrefix(name, t) {
			return true
		}
	}
	return false
}

var reParentText = regexp.MustCompile(`(?i)^(?:\.\./?|parent directory|\[to parent directory\])$`)

func htmlListing(page string, body []byte) (Listing, bool) {
	dir := ""
	if page != "" {
		dir = page
		if !strings.HasSuffix(dir, "/") {
			dir = path.Dir(dir) + "/"
		}
	}
	as := anchors(body)
	if len(as) == 0 {
		return Listing{}, false
	}
	// With the folder unknown, entries must agree on one folder: the
	// one most of them name.
	type cand struct {
		a    anchor
		name string
		dir  string
	}
	var ents []cand
	l := Listing{Format: "html"}
	other := 0
	dirs := map[string]int{}
	for _, a := range as {
		k, name, d := classify(dir, a.href)
		switch {
		case k == linkParent || reParentText.MatchString(a.text):
			l.Parent = true
		case k == linkEntry && sameName(a.text, name):
			ents = append(ents, cand{a, name, d})
			dirs[d]++
		case k == linkNeutral:
		default:
			other++
		}
	}
	best, bestN := "", 0
	for d, n := range dirs {
		if n > bestN || n == bestN && d < best {
			best, bestN = d, n
		}
	}
	var kept []cand
	for _, e := range ents {
		if e.dir == best {
			kept = append(kept, e)
		} else {
			other++
		}
	}
	if len(kept) == 0 {
		return Listing{}, false
	}
	// Most links of a listing are its entries; a page with navigation,
	// articles and a few file links is a page.
	if float64(len(kept)) < 0.8*float64(len(kept)+other) {
		return Listing{}, false
	}
	entryText := 0
	for _, e := range kept {
		l.Entries++
		if len(l.Names) < keptNames {
			l.Names = append(l.Names, e.name)
		}
		entryText += len(e.a.text)
		if rowHasMeta(body, e.a) {
			l.Meta++
		}
	}
	switch {
	case l.Parent && (l.Meta > 0 || l.Entries >= 2 || textShare(body, entryText) >= minTextShare):
	case l.Meta*2 >= l.Entries && l.Meta > 0:
	case l.Entries >= 2 && textShare(body, entryText) >= minTextShare:
	case namesItself(body, page) && textShare(body, entryText) >= minTextShare:
		// One entry and nothing else, under a heading that names this
		// very folder (Python's listing of a subfolder).
	default:
		return Listing{}, false
	}
	return l, true
}

// rowHasMeta looks for a size or a date in the text right after an
// anchor (one table row or one <pre> line), falling back to right before
// it (IIS and some tables put them first).
func rowHasMeta(body []byte, a anchor) bool {
	after := body[a.end:min(len(body), a.end+rowContext)]
	if i := bytes.Index(lowerASCII(after), []byte("<a ")); i >= 0 {
		after = after[:i]
	}
	if i := bytes.Index(lowerASCII(after), []byte("</tr")); i >= 0 {
		after = after[:i]
	} else if i := bytes.IndexByte(after, '\n'); i >= 0 && !bytes.Contains(lowerASCII(after[:i]), []byte("<td")) {
		after = after[:i]
	}
	before := body[max(0, a.start-rowContext):a.start]
	if i := bytes.LastIndex(lowerASCII(before), []byte("</a")); i >= 0 {
		before = before[i:]
	}
	if i := bytes.LastIndex(lowerASCII(before), []byte("<tr")); i >= 0 {
		before = before[i:]
	} else if i := bytes.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i:]
	}
	for _, seg := range [][]byte{after, before} {
		txt := html.UnescapeString(string(reTag.ReplaceAll(seg, []byte(" "))))
		if reDate.MatchString(txt) || reSize.MatchString(txt) {
			return true
		}
	}
	return false
}

// textShare is the share of a page's visible text (outside scripts,
// styles, the title and headings) that the entries' names make up, the
// rest being sizes, dates and furniture such as "../".
func textShare(body []byte, entryText int) float64 {
	b := reScripts.ReplaceAll(body, nil)
	txt := html.UnescapeString(string(reTag.ReplaceAll(b, []byte(" "))))
	txt = reDate.ReplaceAllString(txt, " ")
	txt = reSize.ReplaceAllString(txt, " ")
	txt = reDash.ReplaceAllString(txt, " ")
	n := 0
	for _, f := range strings.Fields(txt) {
		if f != ".." && f != "../" && f != "/" && f != "|" {
			n += len(f)
		}
	}
	if n == 0 {
		return 0
	}
	return float64(entryText) / float64(n)
}

// ---------------------------------------------------------------- JSON

// entryFields tell a listing entry from any other object with a name.
var (
	nameKeys = []string{"name", "filename", "file_name", "key", "path", "base"}
	sizeKeys = []string{"size", "length", "bytes", "filesize", "file_size"}
	dateKeys = []string{"mtime", "modified", "last_modified", "lastmodified", "mod_time", "modtime", "date", "ctime", "updated_at", "time"}
	typeKeys = []string{"type", "kind", "is_dir", "isdir", "isdirectory", "is_directory", "dir"}
)

var fsTypes = map[string]bool{"file": true, "directory": true, "dir": true, "folder": true, "link": true, "symlink": true, "other": true, "f": true, "d": true}

func jsonListing(t []byte) (Listing, bool) {
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	l := Listing{Format: "json"}
	bad := 0
	// Either a bare array, or an object holding one array of entries
	// ({"files": [...]}, {"entries": [...]}).
	tok, err := dec.Token()
	if err != nil {
		return Listing{}, false
	}
	if d, ok := tok.(json.Delim); ok && d == '{' {
		found := false
		for dec.More() && !found {
			if _, err := dec.Token(); err != nil { // key
				return Listing{}, false
			}
			tok, err := dec.Token()
			if err != nil {
				return Listing{}, false
			}
			if d, ok := tok.(json.Delim); ok && d == '[' {
				found = true
				break
			} else if ok {
				if err := skipJSON(dec); err != nil {
					return Listing{}, false
				}
			}
		}
		if !found {
			return Listing{}, false
		}
	} else if !ok || d != '[' {
		return Listing{}, false
	}
	for dec.More() && l.Entries+bad < maxEntries {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			break // a truncated excerpt ends mid-entry
		}
		name, ok := entryOf(obj, func(v any) bool { return isSizeJSON(v) }, isDateJSON)
		if !ok {
			bad++
			continue
		}
		addEntry(&l, name)
	}
	if l.Entries == 0 || bad > 0 {
		return Listing{}, false
	}
	return l, true
}

func skipJSON(dec *json.Decoder) error {
	depth := 1
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// entryOf accepts an object as an entry when it has a relative name and
// a file-system type, or both a size and a date (a name with a date alone
// is any event feed).
func entryOf(obj map[string]any, isSize, isDate func(any) bool) (string, bool) {
	get := func(keys []string) (any, bool) {
		for k, v := range obj {
			for _, want := range keys {
				if strings.EqualFold(k, want) {
					return v, true
				}
			}
		}
		return nil, false
	}
	nv, ok := get(nameKeys)
	name, isStr := nv.(string)
	if !ok || !isStr || !relativeName(name) {
		return "", false
	}
	var size, date, ftype bool
	if v, ok := get(sizeKeys); ok && isSize(v) {
		size = true
	}
	if v, ok := get(dateKeys); ok && isDate(v) {
		date = true
	}
	if v, ok := get(typeKeys); ok {
		switch tv := v.(type) {
		case string:
			ftype = fsTypes[strings.ToLower(tv)]
		case bool:
			ftype = true
		}
	}
	return name, ftype || size && date
}

// relativeName is an entry name: not empty, no scheme, not absolute.
func relativeName(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && len(s) < 1024 && !strings.Contains(s, "://") && !strings.HasPrefix(s, "/") && !strings.ContainsAny(s, "\n\r<>")
}

func isSizeJSON(v any) bool {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		return err == nil && n >= 0
	case string:
		return reSize.MatchString(" " + x + " ")
	}
	return false
}

func isDateJSON(v any) bool {
	switch x := v.(type) {
	case string:
		return reDate.MatchString(x) || reRFCDate.MatchString(x)
	case json.Number:
		n, err := x.Int64()
		return err == nil && n > 315532800 // a Unix time after 1980
	}
	return false
}

var reRFCDate = regexp.MustCompile(`(?i)\b\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec) \d{4} \d{2}:\d{2}`)

func addEntry(l *Listing, name string) {
	l.Entries++
	l.Meta++
	if len(l.Names) < keptNames {
		l.Names = append(l.Names, name)
	}
}

// ---------------------------------------------------------------- XML

// xmlListing accepts a document whose repeated elements are entries: the
// element's own text or a name-like child is a relative name, and an
// attribute or child gives a size, a date or a file type (nginx
// <file mtime size>name</file>, S3 <Contents><Key>..<Size>..). Sitemaps
// and feeds name absolute URLs or titles without sizes and do not match.
func xmlListing(t []byte) (Listing, bool) {
	dec := xml.NewDecoder(bytes.NewReader(t))
	dec.Strict = false
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	type frame struct {
		name     string
		attrs    []xml.Attr
		text     strings.Builder
		children map[string]string
	}
	var stack []*frame
	l := Listing{Format: "xml"}
	bad := 0
	tokens := 0
	for l.Entries+bad < maxEntries && tokens < 50*maxEntries {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		tokens++
		switch v := tok.(type) {
		case xml.StartElement:
			stack = append(stack, &frame{name: strings.ToLower(v.Name.Local), attrs: v.Attr, children: map[string]string{}})
		case xml.CharData:
			if n := len(stack); n > 0 && stack[n-1].text.Len() < 2048 {
				stack[n-1].text.Write(v)
			}
		case xml.EndElement:
			n := len(stack)
			if n == 0 {
				continue
			}
			f := stack[n-1]
			stack = stack[:n-1]
			text := strings.TrimSpace(f.text.String())
			if n >= 2 {
				stack[n-2].children[f.name] = text
			}
			if n < 2 || len(f.children) == 0 && len(f.attrs) == 0 {
				continue // a leaf field or the document element
			}
			obj := map[string]any{}
			for k, v := range f.children {
				obj[k] = v
			}
			for _, a := range f.attrs {
				obj[strings.ToLower(a.Name.Local)] = a.Value
			}
			if _, ok := obj["type"]; !ok && (f.name == "file" || f.name == "directory" || f.name == "dir") {
				obj["type"] = f.name
			}
			if _, ok := obj["name"]; !ok && len(f.children) == 0 {
				obj["name"] = text
			}
			if n > 2 {
				continue // fields of an entry, not entries
			}
			name, ok := entryOf(obj, func(v any) bool { s, _ := v.(string); return isSizeJSON(s) }, isDateJSON)
			if !ok {
				bad++
				continue
			}
			addEntry(&l, name)
		}
	}
	if l.Entries == 0 || bad*4 > l.Entries {
		return Listing{}, false
	}
	return l, true
}

var reHeading = regexp.MustCompile(`(?is)<(title|h[1-3])\b[^>]*>(.{0,300}?)</(?:title|h[1-3])\s*>`)

// namesItself reports whether a title or heading of the page ends with
// the page's own folder path (not "/": every site's heading could).
func namesItself(body []byte, page string) bool {
	if page == "" || page == "/" || !strings.HasSuffix(page, "/") {
		return false
	}
	for _, m := range reHeading.FindAllSubmatch(body, 8) {
		h := strings.TrimSpace(html.UnescapeString(string(reTag.ReplaceAll(m[2], nil))))
		h = strings.TrimRight(h, "]) ")
		if strings.HasSuffix(h, page) || strings.HasSuffix(h, strings.TrimSuffix(page, "/")) {
			return true
		}
	}
	return false
}

// lowerASCII lower-cases ASCII letters only, so that offsets found in the
// result are offsets in b (bytes.ToLower rewrites invalid UTF-8).
func lowerASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
