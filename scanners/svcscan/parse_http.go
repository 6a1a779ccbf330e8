package svcscan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// HTTPReply is the part of an HTTP response identification needs.
type HTTPReply struct {
	Status int
	Server string
	Date   time.Time
	Header http.Header
	Body   []byte // as much as arrived, bounded by the read cap
}

// ParseHTTPResponse reads a (possibly truncated) HTTP/1.x response.
func ParseHTTPResponse(b []byte) (r HTTPReply, ok bool) {
	if !bytes.HasPrefix(b, []byte("HTTP/1.")) {
		return r, false
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
	if err != nil {
		return r, false
	}
	defer resp.Body.Close()
	r.Status, r.Header = resp.StatusCode, resp.Header
	r.Server = resp.Header.Get("Server")
	if d := resp.Header.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil {
			r.Date = t
		}
	}
	// A truncated body is expected: keep what arrived.
	r.Body, _ = io.ReadAll(io.LimitReader(resp.Body, maxRead))
	return r, true
}

// httpDone is a read predicate: headers are complete and, when the
// response says how long its body is, the body too. HTTP/1.0 servers close
// the connection otherwise, which ends the read.
func httpDone(b []byte) bool {
	i := bytes.Index(b, []byte("\r\n\r\n"))
	if i < 0 {
		return false
	}
	h := strings.ToLower(string(b[:i]))
	if j := strings.Index(h, "\ncontent-length:"); j >= 0 {
		v := strings.TrimSpace(firstLine([]byte(h[j+len("\ncontent-length:"):])))
		if n, err := strconv.Atoi(v); err == nil {
			return len(b) >= i+4+n
		}
	}
	return false
}

var serverToken = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_.\-]*)(?:/([0-9][0-9A-Za-z.\-]*))?`)

// ParseServerHeader maps an HTTP Server header to product and version:
// "Apache/2.4.57 (Debian)" → Apache httpd 2.4.57.
func ParseServerHeader(s string) (product, version string) {
	m := serverToken.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", ""
	}
	product, version = m[1], m[2]
	switch strings.ToLower(product) {
	case "apache":
		product = "Apache httpd"
	case "nginx":
		product = "nginx"
	case "microsoft-iis":
		product = "Microsoft IIS"
	case "lighttpd":
		product = "lighttpd"
	}
	return product, version
}

// ParseElasticsearch recognises the JSON an Elasticsearch or OpenSearch
// node serves at "/" (cluster_name, version.number, the tagline).
func ParseElasticsearch(body []byte) (id Ident, ok bool) {
	var doc struct {
		Name        string `json:"name"`
		ClusterName string `json:"cluster_name"`
		Tagline     string `json:"tagline"`
		Version     struct {
			Number       string `json:"number"`
			Distribution string `json:"distribution"`
		} `json:"version"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return id, false
	}
	if doc.Tagline != "You Know, for Search" && !(doc.ClusterName != "" && doc.Version.Number != "") {
		return id, false
	}
	id.Name, id.Product, id.Version = "elasticsearch", "Elasticsearch", doc.Version.Number
	if doc.Version.Distribution == "opensearch" || strings.Contains(doc.Tagline, "OpenSearch") {
		id.Product = "OpenSearch"
	}
	if doc.ClusterName != "" {
		id.set("cluster-name", Printable([]byte(doc.ClusterName), 100))
	}
	return id, true
}
