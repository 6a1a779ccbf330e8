package httpscan

import (
	"bytes"
	"context"
	"net/http"

	"shindan/scanners"
)

// methods tries OPTIONS, TRACE, TRACK, PROPFIND and PUT/DELETE for real
// (checks.md http.methods): OPTIONS lies, so only a verified effect
// counts as enabled.
func (c *Client) methods(ctx context.Context, site *scanners.HTTPSite) {
	opt, _ := c.Do(ctx, "OPTIONS", "/", nil, nil)
	opt.Kind = "options"
	site.Options = &opt
	for _, m := range []string{"TRACE", "TRACK"} {
		if ctx.Err() != nil {
			return
		}
		site.Methods = append(site.Methods, c.trace(ctx, m))
	}
	var davDirs []string
	for _, p := range davFolders {
		if ctx.Err() != nil {
			return
		}
		mt := c.propfind(ctx, p)
		site.Methods = append(site.Methods, mt)
		if mt.Enabled {
			davDirs = append(davDirs, p)
		}
	}
	putDirs := []string{"/"}
	for _, d := range davDirs {
		if d != "/" {
			putDirs = append(putDirs, d)
		}
	}
	for _, d := range putDirs {
		if ctx.Err() != nil {
			return
		}
		site.Methods = append(site.Methods, c.putDelete(ctx, &site.Baseline, d)...)
	}
}

// trace sends TRACE/TRACK with a random marker header and counts the
// method as enabled only when the marker comes back in the body.
func (c *Client) trace(ctx context.Context, method string) scanners.HTTPMethodTest {
	marker := randName()
	h := http.Header{"X-Shindan-Trace": {marker}}
	x, err := c.Do(ctx, method, "/", h, nil)
	x.Kind = "method"
	mt := scanners.HTTPMethodTest{Method: method, Path: "/", Status: x.Status, Exchange: x}
	if err != nil {
		mt.Error = x.Error
		return mt
	}
	if isSuccess(x.Status) && bytes.Contains(x.Body, []byte(marker)) {
		mt.Enabled = true
		mt.Detail = method + " echoed the request with its headers (header X-Shindan-Trace came back in the body)"
	} else {
		mt.Detail = method + " did not echo the request"
	}
	return mt
}

// propfind asks for the properties of a folder (Depth 0): a 207
// Multi-Status is WebDAV answering.
func (c *Client) propfind(ctx context.Context, dir string) scanners.HTTPMethodTest {
	body := []byte(`<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>`)
	h := http.Header{"Depth": {"0"}, "Content-Type": {"application/xml; charset=utf-8"}}
	x, err := c.Do(ctx, "PROPFIND", dir, h, body)
	x.Kind = "method"
	mt := scanners.HTTPMethodTest{Method: "PROPFIND", Path: dir, Status: x.Status, Exchange: x}
	if err != nil {
		mt.Error = x.Error
		return mt
	}
	if x.Status == http.StatusMultiStatus && bytes.Contains(bytes.ToLower(x.Body), []byte("multistatus")) {
		mt.Enabled = true
		mt.Detail = "PROPFIND answered 207 Multi-Status: WebDAV is enabled on " + dir
	} else {
		mt.Detail = "PROPFIND was not answered with a WebDAV multistatus"
	}
	return mt
}

// putDelete PUTs a random new file into dir, verifies with GET that it was
// created, and DELETEs it again. It never touches an existing name.
func (c *Client) putDelete(ctx context.Context, bl *scanners.HTTPBaseline, dir string) []scanners.HTTPMethodTest {
	name := dir + randName() + ".txt"
	content := []byte("shindan PUT test " + randName() + "\n")
	// The name is random; make sure it does not exist before writing.
	pre, err := c.Do(ctx, "GET", name, nil, nil)
	switch {
	case err != nil:
		return []scanners.HTTPMethodTest{{Method: "PUT", Path: name, Error: "pre-check GET failed: " + pre.Error, Exchange: pre}}
	case isSuccess(pre.Status) && !soft404(bl, &pre):
		return []scanners.HTTPMethodTest{{Method: "PUT", Path: name, Error: "the random test name already answers; PUT not tried", Exchange: pre}}
	}
	x, err := c.Do(ctx, "PUT", name, http.Header{"Content-Type": {"text/plain"}}, content)
	x.Kind = "method"
	put := scanners.HTTPMethodTest{Method: "PUT", Path: name, Status: x.Status, Exchange: x}
	if err != nil {
		put.Error = x.Error
		return []scanners.HTTPMethodTest{put}
	}
	if !isSuccess(x.Status) {
		put.Detail = "PUT was refused"
		return []scanners.HTTPMethodTest{put}
	}
	got, _ := c.Do(ctx, "GET", name, nil, nil)
	if !bytes.Equal(got.Body, content) {
		put.Detail = "PUT answered success but the file could not be read back"
		// Delete anyway: the server may have stored it somewhere else.
	} else {
		put.Enabled = true
		put.Detail = "PUT created " + name + " and GET returned the uploaded content"
	}
	del, err := c.Do(ctx, "DELETE", name, nil, nil)
	del.Kind = "method"
	dm := scanners.HTTPMethodTest{Method: "DELETE", Path: name, Status: del.Status, Exchange: del}
	if err != nil {
		dm.Error = del.Error
		return []scanners.HTTPMethodTest{put, dm}
	}
	after, _ := c.Do(ctx, "GET", name, nil, nil)
	if isSuccess(del.Status) && !bytes.Equal(after.Body, content) {
		dm.Enabled = put.Enabled
		put.CleanedUp = true
		dm.Detail = "DELETE removed the test file"
	} else {
		dm.Detail = "DELETE did not remove the test file"
	}
	return []scanners.HTTPMethodTest{put, dm}
}
