package httpscan

import (
	"bytes"
	"context"
	"html"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"shindan/scanners"
)

// Crawl bounds: a web check is not a spider. Folders are where listings
// live; pages are fetched only for the links they hold.
const (
	// maxLinkedFolders bounds the folders found from links; the common
	// folder names are asked for besides them.
	maxLinkedFolders = 24
	// maxPages bounds the linked pages fetched for their links.
	maxPages = 12
	// maxDepth is how many links away from "/" the crawl goes.
	maxDepth = 3
	// maxLinksPerPage bounds the links read from one body.
	maxLinksPerPage = 256
	// maxLinkedFiles bounds the linked files whose names say they are
	// dumps, backups or archives and that are fetched to verify it.
	maxLinkedFiles = 8
)

var reHref = regexp.MustCompile(`(?i)\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)

// pageExts are extensions of pages worth reading for links.
var pageExts = []string{"", ".html", ".htm", ".shtml", ".php", ".asp", ".aspx", ".jsp", ".cgi"}

// links returns the same-endpoint request paths (no query, no fragment)
// that body links to, resolved against the page at base.
func (c *Client) links(base string, body []byte) []string {
	var out []string
	for _, m := range reHref.FindAllSubmatch(body, maxLinksPerPage) {
		href := ""
		for _, g := range m[1:] {
			if g != nil {
				href = string(g)
				break
			}
		}
		href = strings.TrimSpace(html.UnescapeString(href))
		if href == "" || href[0] == '#' || href[0] == '?' || strings.HasPrefix(strings.ToLower(href), "javascript:") ||
			strings.HasPrefix(strings.ToLower(href), "mailto:") {
			continue
		}
		p, ok := c.sameEndpoint(base, href)
		if !ok {
			continue
		}
		if i := strings.IndexAny(p, "?#"); i >= 0 {
			p = p[:i]
		}
		if p == "" || !strings.HasPrefix(p, "/") || strings.Contains(p, "/../") || strings.ContainsAny(p, "\x00\r\n") {
			continue
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// folderOf lists the folders a path shows: its ancestors, the path itself
// when it ends in "/", and path+"/" when its last segment has no
// extension (folders are often linked without the trailing slash).
func folderOf(p string) []string {
	var out []string
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i := 1; i < len(segs); i++ {
		out = append(out, "/"+strings.Join(segs[:i], "/")+"/")
	}
	last := segs[len(segs)-1]
	switch {
	case last == "":
	case strings.HasSuffix(p, "/"):
		out = append(out, p)
	case path.Ext(last) == "":
		out = append(out, p+"/")
	}
	return out
}

// isHTML reports whether an answer is a page whose links are worth
// reading.
func isHTML(x *scanners.HTTPExchange) bool {
	if x.Status != 200 || x.Soft404 {
		return false
	}
	ct := strings.ToLower(x.Header("Content-Type"))
	if strings.Contains(ct, "html") {
		return true
	}
	head := bytes.ToLower(x.Body[:min(len(x.Body), 512)])
	return ct == "" && (bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<!doctype html")) || bytes.Contains(head, []byte("<a href")))
}

// crawlItem is one path waiting to be fetched.
type crawlItem struct {
	path   string
	depth  int
	folder bool
}

// crawl discovers folders from every link of every page it fetches,
// breadth first from the root: same endpoint only, maxDepth links deep,
// at most maxLinkedFolders folders and maxPages pages. Then it asks for
// the common folder names not seen yet, and fetches linked files whose
// names say they are dumps, backups or archives (linkedFiles).
func (c *Client) crawl(ctx context.Context, site *scanners.HTTPSite) {
	seen := map[string]bool{"/": true}
	for _, x := range site.RootChain {
		seen[x.Path] = true
	}
	seen[site.Root.Path] = true
	var queue []crawlItem
	var files []string
	nFolders, nPages := 0, 0
	enqueue := func(from string, body []byte, depth int) {
		if depth > maxDepth {
			return
		}
		for _, l := range c.links(from, body) {
			if k := linkedKind(l); k != "" && !slices.Contains(files, l) && len(files) < maxLinkedFiles {
				files = append(files, l)
			}
			for _, f := range folderOf(l) {
				if !seen[f] {
					seen[f] = true
					queue = append(queue, crawlItem{f, depth, true})
				}
			}
			if !strings.HasSuffix(l, "/") && slices.Contains(pageExts, strings.ToLower(path.Ext(l))) && path.Ext(l) != "" && !seen[l] {
				seen[l] = true
				queue = append(queue, crawlItem{l, depth, false})
			}
		}
	}
	if isHTML(&site.Root) {
		enqueue(site.Root.Path, site.Root.Body, 1)
	}
	// Folders first at each depth: they are what the listing check needs.
	for len(queue) > 0 && ctx.Err() == nil {
		slices.SortStableFunc(queue, func(a, b crawlItem) int {
			if a.depth != b.depth {
				return a.depth - b.depth
			}
			if a.folder != b.folder {
				if a.folder {
					return -1
				}
				return 1
			}
			return 0
		})
		it := queue[0]
		queue = queue[1:]
		switch {
		case it.folder && nFolders < maxLinkedFolders:
			nFolders++
			x := c.get(ctx, site, it.path, "folder")
			site.Folders = append(site.Folders, x)
			switch {
			case isHTML(&x):
				enqueue(it.path, x.Body, it.depth+1)
			case x.Status == 200 && !x.Soft404:
				// JSON and XML listings name their subfolders rather
				// than link them.
				enqueue(it.path, subfolderLinks(x.Body), it.depth+1)
			}
		case !it.folder && nPages < maxPages:
			nPages++
			x := c.get(ctx, site, it.path, "page")
			site.Pages = append(site.Pages, x)
			if isHTML(&x) {
				enqueue(it.path, x.Body, it.depth+1)
			}
		}
	}
	for _, p := range commonFolders {
		if ctx.Err() != nil {
			return
		}
		if !seen[p] {
			seen[p] = true
			site.Folders = append(site.Folders, c.get(ctx, site, p, "folder"))
		}
	}
	for _, p := range files {
		if ctx.Err() != nil {
			return
		}
		if slices.ContainsFunc(exposedFiles, func(f exposedFile) bool { return f.Path == p }) {
			continue // asked for anyway
		}
		site.Files = append(site.Files, c.get(ctx, site, p, linkedKind(p)))
	}
}

// linkedKind is the exposed-file kind a linked file's name suggests, ""
// for ordinary files. Archives are left out: sites publish them on
// purpose, and a link is a publication.
func linkedKind(p string) string {
	base := strings.ToLower(path.Base(p))
	switch {
	case strings.HasSuffix(base, ".sql"):
		return "sql-dump"
	case strings.HasSuffix(base, ".sql.gz"):
		return "sql-dump-gz"
	case strings.HasSuffix(base, ".swp") && strings.HasPrefix(base, "."):
		return "vim-swap"
	case strings.HasSuffix(base, ".bak") || strings.HasSuffix(base, "~") || strings.HasSuffix(base, ".old") ||
		strings.HasSuffix(base, ".orig") || strings.HasSuffix(base, ".save"):
		return "backup"
	case base == ".env" || strings.HasPrefix(base, ".env."):
		return "dotenv"
	}
	return ""
}

var (
	reJSONDir = regexp.MustCompile(`\{\s*"name"\s*:\s*"([^"\\/]{1,200})"\s*,\s*"type"\s*:\s*"directory"`)
	reXMLDir  = regexp.MustCompile(`<directory\b[^>]*>([^<>/]{1,200})</directory>`)
)

// subfolderLinks turns the folder entries of a JSON or XML listing (nginx
// autoindex_format) into relative links the crawl can follow.
func subfolderLinks(body []byte) []byte {
	var b bytes.Buffer
	for _, re := range []*regexp.Regexp{reJSONDir, reXMLDir} {
		for _, m := range re.FindAllSubmatch(body, maxLinksPerPage) {
			name := html.UnescapeString(string(m[1]))
			if name == "." || name == ".." {
				continue
			}
			b.WriteString(`<a href="` + html.EscapeString(url.PathEscape(name)) + `/">`)
		}
	}
	return b.Bytes()
}
