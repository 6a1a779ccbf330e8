package webcheck

import (
	"strings"
	"testing"
)

// Listing shapes of real generators (their output formats, re-typed by
// hand with made-up entries) and pages that must not pass as listings.
var listingCases = []struct {
	name, page, body string
	format           string // "" = not a listing
}{
	{"nginx", "/files/", nginxListing, "html"},
	{"nginx-root", "/", "<html>\r\n<head><title>Index of /</title></head>\r\n<body>\r\n<h1>Index of /</h1><hr><pre><a href=\"x/\">x/</a>                                                 26-Nov-2026 10:00                   -\r\n</pre><hr></body>\r\n</html>", "html"},
	{"nginx-truncated-name", "/", "<html><body><pre><a href=\"a-very-long-file-name-that-nginx-cuts-short-at-fifty-chars.txt\">a-very-long-file-name-that-nginx-cuts-short-at-f..&gt;</a> 26-Nov-2026 10:00    5\n<a href=\"b.txt\">b.txt</a> 26-Nov-2026 10:00    7\n</pre></body></html>", "html"},
	{"nginx-json", "/j/", `[
{ "name":"sub", "type":"directory", "mtime":"Thu, 26 Nov 2026 10:00:00 GMT" },
{ "name":"a.txt", "type":"file", "mtime":"Thu, 26 Nov 2026 10:00:00 GMT", "size":5 }
]`, "json"},
	{"nginx-json-truncated", "/j/", `[{ "name":"a.txt", "type":"file", "mtime":"Thu, 26 Nov 2026 10:00:00 GMT", "size":5 },{ "name":"b.t`, "json"},
	{"nginx-xml", "/x/", `<?xml version="1.0"?>
<list>
<directory mtime="2026-11-26T10:00:00Z">sub</directory>
<file mtime="2026-11-26T10:00:00Z" size="5">a.txt</file>
</list>`, "xml"},
	{"s3-bucket", "/", `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><IsTruncated>false</IsTruncated><Contents><Key>db/backup.sql</Key><LastModified>2026-11-26T10:00:00.000Z</LastModified><Size>1024</Size></Contents><Contents><Key>a.txt</Key><LastModified>2026-11-26T10:00:00.000Z</LastModified><Size>5</Size></Contents></ListBucketResult>`, "xml"},
	{"apache-fancy", "/files/", `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN"><html><head><title>Index of /files</title></head><body><h1>Index of /files</h1><table><tr><th valign="top"><img src="/icons/blank.gif" alt="[ICO]"></th><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th><th><a href="?C=S;O=A">Size</a></th></tr><tr><th colspan="4"><hr></th></tr><tr><td valign="top"><img src="/icons/back.gif" alt="[PARENTDIR]"></td><td><a href="/">Parent Directory</a></td><td>&nbsp;</td><td align="right">  - </td></tr><tr><td valign="top"><img src="/icons/text.gif" alt="[TXT]"></td><td><a href="a.txt">a.txt</a></td><td align="right">2026-11-26 10:00  </td><td align="right">  5 </td></tr></table><address>Apache/2.4.62 (Debian) Server at 198.51.100.122 Port 80</address></body></html>`, "html"},
	{"apache-table-no-sort", "/files/", `<html><head><title>Index of /files</title></head><body><h1>Index of /files</h1><table><tr><th>Name</th><th>Last modified</th><th>Size</th></tr><tr><td><a href="/">Parent Directory</a></td><td></td><td>-</td></tr><tr><td><a href="a.txt">a.txt</a></td><td>2026-11-26 10:00</td><td>5</td></tr><tr><td><a href="b.txt">b.txt</a></td><td>2026-11-26 10:00</td><td>9</td></tr></table></body></html>`, "html"},
	{"apache-plain-ul", "/files/", `<html><head><title>Index of /files</title></head><body><h1>Index of /files</h1><ul><li><a href="/"> Parent Directory</a></li><li><a href="a.txt"> a.txt</a></li><li><a href="b.txt"> b.txt</a></li></ul></body></html>`, "html"},
	{"iis-root", "/", `<html><head><title>www.example.jp - /</title></head><body><H1>www.example.jp - /</H1><hr><pre> 1/1/2024  1:00 AM        &lt;dir&gt; <A HREF="/aspnet_client/">aspnet_client</A><br> 1/2/2024  2:00 PM          1234 <A HREF="/web.config">web.config</A><br></pre><hr></body></html>`, "html"},
	{"lighttpd", "/archive/", `<!DOCTYPE html><html><head><title>Index of /archive/</title></head><body><h2>Index of /archive/</h2><div class="list"><table summary="Directory Listing" cellpadding="0" cellspacing="0"><thead><tr><th class="n">Name</th><th class="m">Last Modified</th><th class="s">Size</th><th class="t">Type</th></tr></thead><tbody><tr class="d"><td class="n"><a href="../">..</a>/</td><td class="m">&nbsp;</td><td class="s">- &nbsp;</td><td class="t">Directory</td></tr><tr><td class="n"><a href="backup.sql">backup.sql</a></td><td class="m">2026-Nov-26 10:00:00</td><td class="s">1.2K</td><td class="t">application/octet-stream</td></tr></tbody></table></div><div class="foot">lighttpd/1.4.69</div></body></html>`, "html"},
	{"python-root", "/", "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Directory listing for /</title>\n</head>\n<body>\n<h1>Directory listing for /</h1>\n<hr>\n<ul>\n<li><a href=\".git/\">.git/</a></li>\n<li><a href=\"a.txt\">a.txt</a></li>\n</ul>\n<hr>\n</body>\n</html>\n", "html"},
	{"python-subfolder-one-entry", "/docs/", "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Directory listing for /docs/</title>\n</head>\n<body>\n<h1>Directory listing for /docs/</h1>\n<hr>\n<ul>\n<li><a href=\"notes.txt\">notes.txt</a></li>\n</ul>\n<hr>\n</body>\n</html>\n", "html"},
	{"go-fileserver-bare-pre", "/", "<!doctype html>\n<meta name=\"viewport\" content=\"width=device-width\">\n<pre>\n<a href=\"a.txt\">a.txt</a>\n<a href=\"sub/\">sub/</a>\n</pre>\n", "html"},
	{"escaped-slash-title", "/pub/", `<html><head><title>Index of &#x2F;pub&#x2F;</title></head><body><pre><a href="../">../</a>
<a href="x.iso">x.iso</a>   2026-11-26 10:00   650M
</pre></body></html>`, "html"},
	{"dot-slash-heading", "/", `<html><body><h1>Index of ./</h1><pre><a href="a.tar.gz">a.tar.gz</a> 12K
<a href="b.tar.gz">b.tar.gz</a> 14K</pre></body></html>`, "html"},
	{"tomcat", "/files/", `<html><head><title>Directory Listing For [/files/]</title></head><body><h1>Directory Listing For [/files/] - <a href="/"><b>Up To [/]</b></a></h1><hr size="1" noshade="noshade"><table width="100%" cellspacing="0" cellpadding="5" align="center"><tr><td align="left"><font size="+1"><strong>Filename</strong></font></td><td align="center"><font size="+1"><strong>Size</strong></font></td><td align="right"><font size="+1"><strong>Last Modified</strong></font></td></tr><tr><td align="left">&nbsp;&nbsp;<a href="/files/a.txt"><tt>a.txt</tt></a></td><td align="right"><tt>0.1 kb</tt></td><td align="right"><tt>Thu, 26 Nov 2026 10:00:00 GMT</tt></td></tr></table></body></html>`, "html"},
	{"jetty", "/files/", `<html><head><title>Directory: /files/</title></head><body><h1 class="title">Directory: /files/</h1><table class="listing"><thead><tr><th class="name"><a href="?C=N&amp;O=D">Name</a></th><th class="lastmodified">Last Modified</th><th class="size">Size</th></tr></thead><tbody><tr><td class="name"><a href="/">Parent Directory</a></td><td class="lastmodified">-</td><td class="size">-</td></tr><tr><td class="name"><a href="/files/a.txt">a.txt&nbsp;</a></td><td class="lastmodified">Nov 26, 2026, 10:00:00 AM UTC</td><td class="size">5 bytes</td></tr></tbody></table></body></html>`, "html"},
	{"npm-http-server", "/", `<!doctype html><html><head><title>Index of /</title></head><body><h1>Index of /</h1><table><tr><td><code>(drwxr-xr-x)</code></td><td class="file-size"><code></code></td><td class="display-name"><a href="./sub/">sub/</a></td></tr><tr><td><code>(-rw-r--r--)</code></td><td class="file-size"><code>5B</code></td><td class="display-name"><a href="./a.txt">a.txt</a></td></tr></table><br><address>Node.js v20.20.2/ http-server server running @ 198.51.100.126:8080</address></body></html>`, "html"},
	{"npm-serve", "/", `<!DOCTYPE html><html><head><title>Files within /</title></head><body><main><header><h1><i>Index of&nbsp;</i><a href="/">198.51.100.126:3000</a>/</h1></header><ul id="files"><li><a href="/sub" title="sub" class="folder">sub</a></li><li><a href="/a.txt" title="a.txt" class="txt">a.txt</a></li><li><a href="/b.sql" title="b.sql" class="file">b.sql</a></li></ul></main></body></html>`, "html"},
	{"caddy", "/", `<!DOCTYPE html><html><head><title>/</title></head><body><header><h1><a href="/">/</a></h1></header><main><table><thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead><tbody><tr class="file"><td></td><td><a href="./a.txt"><span class="name">a.txt</span></a></td><td data-order="5">5 B</td><td class="timestamp"><time datetime="2026-11-26T10:00:00Z">11/26/2026 10:00:00 AM +00:00</time></td></tr></tbody></table></main></body></html>`, "html"},
	// Negatives.
	{"prose", "/docs/", `<html><head><title>Index of /docs: how to disable listings</title></head><body><h1>Index of / pages explained</h1><p>Apache shows Parent Directory links.</p></body></html>`, ""},
	{"blog-index-of-posts", "/", `<html><head><title>My blog</title></head><body><h1>Index of posts</h1><ul><li><a href="posts/first-post.html">My first post</a> 2026-11-01</li><li><a href="posts/second.html">Second thoughts</a> 2026-11-20</li><li><a href="about.html">About</a></li></ul></body></html>`, ""},
	{"many-relative-links", "/", `<html><head><title>Agency</title></head><body><nav><a href="news/">News</a> <a href="about.html">About us</a> <a href="contact.html">Contact</a> <a href="access.html">Access</a></nav><p>Welcome to the agency site. Read the <a href="report.pdf">report.pdf</a> (1.2 MB, 2026-11-01).</p><p>Lots of prose here about what the agency does and why.</p></body></html>`, ""},
	{"sitemap-xml", "/sitemap.xml", `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://www.example.go.jp/</loc><lastmod>2026-11-26</lastmod></url><url><loc>https://www.example.go.jp/about/</loc><lastmod>2026-11-20</lastmod></url></urlset>`, ""},
	{"sitemap-html", "/sitemap.html", `<html><head><title>Sitemap</title></head><body><h1>Sitemap</h1><ul><li><a href="/">Home</a></li><li><a href="/news/">News</a></li><li><a href="https://www.example.go.jp/about/">https://www.example.go.jp/about/</a></li></ul></body></html>`, ""},
	{"rss", "/feed", `<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><item><title>Notice</title><link>https://www.example.go.jp/n/1</link><pubDate>Thu, 26 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>`, ""},
	{"json-api", "/api/", `[{"name":"Tokyo","date":"2026-11-26"},{"name":"Osaka","date":"2026-11-27"}]`, ""},
	{"json-config", "/", `{"version":"1.2","features":["a","b"]}`, ""},
	{"nav-menu-with-prose", "/", `<html><body><a href="about">about</a> <a href="blog">blog</a><p>We build bridges and roads across the prefecture, and this is a long paragraph of text.</p></body></html>`, ""},
	{"one-link-page-with-prose", "/docs/", `<html><head><title>Documents /docs/</title></head><body><p>The annual plan is available as a PDF file for download below, with the appendix.</p><a href="plan.pdf">plan.pdf</a></body></html>`, ""},
	{"empty", "/", ``, ""},
}

func TestDetectListing(t *testing.T) {
	for _, tc := range listingCases {
		t.Run(tc.name, func(t *testing.T) {
			l, ok := DetectListing(tc.page, []byte(tc.body))
			if ok != (tc.format != "") || ok && l.Format != tc.format {
				t.Fatalf("got %v %+v, want %q", ok, l, tc.format)
			}
			if ok && (l.Entries == 0 || len(l.Names) == 0) {
				t.Errorf("listing without entries: %+v", l)
			}
		})
	}
}

func caseBody(t *testing.T, name string) string {
	t.Helper()
	for _, tc := range listingCases {
		if tc.name == name {
			return tc.body
		}
	}
	t.Fatalf("no case %s", name)
	return ""
}

// Without the page path the folder is inferred from the links; a lone
// entry under a heading naming its folder needs the path.
func TestRecognizeListingWithoutPath(t *testing.T) {
	for _, tc := range listingCases {
		if tc.name == "python-subfolder-one-entry" {
			continue
		}
		if f, ok := RecognizeListing([]byte(tc.body)); ok != (tc.format != "") || f != tc.format {
			t.Errorf("%s: got %q %v, want %q", tc.name, f, ok, tc.format)
		}
	}
}

func TestListingNames(t *testing.T) {
	l, ok := DetectListing("/archive/", []byte(caseBody(t, "lighttpd")))
	if !ok || !l.Parent || l.Meta != 1 || strings.Join(l.Names, ",") != "backup.sql" {
		t.Errorf("lighttpd: %+v", l)
	}
}

func FuzzRecognizeListing(f *testing.F) {
	for _, tc := range listingCases {
		f.Add(tc.page, []byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, page string, b []byte) {
		l, ok := DetectListing(page, b)
		if ok != (l.Format != "") || ok && l.Entries == 0 || len(l.Names) > keptNames {
			t.Fatalf("inconsistent: %+v %v", l, ok)
		}
	})
}
