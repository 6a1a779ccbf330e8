package scanners

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestHTTPPayloadRoundTrip(t *testing.T) {
	site := &HTTPSite{URL: "http://198.51.100.120:80", Scheme: "http",
		Root:  HTTPExchange{Method: "GET", Path: "/", Status: 200, Headers: map[string][]string{"Server": {"nginx/1.22.1"}}, Body: []byte("PK\x03\x04\xff binary")},
		Files: []HTTPExchange{{Path: "/.git/HEAD", Kind: "git-head", Soft404: true}}}
	for _, p := range []Payload{site, &NucleiMatch{TemplateID: "x", Articles: []string{"61-1-3"}}} {
		b, err := json.Marshal(Observation{Probe: "p.x", Status: OK, Data: p})
		if err != nil {
			t.Fatal(err)
		}
		var o Observation
		if err := json.Unmarshal(b, &o); err != nil {
			t.Fatal(err)
		}
		b2, _ := json.Marshal(o)
		if string(b) != string(b2) {
			t.Errorf("round trip differs:\n%s\n%s", b, b2)
		}
	}
	var o Observation
	b, _ := json.Marshal(Observation{Data: site})
	json.Unmarshal(b, &o) //nolint:errcheck // checked above
	if got := o.Data.(*HTTPSite).Root.Body; string(got) != "PK\x03\x04\xff binary" {
		t.Errorf("binary body changed: %q", got)
	}
	if h := site.Root.Header("server"); h != "nginx/1.22.1" {
		t.Errorf("Header lookup: %q", h)
	}
	if tr := site.Root.Transcript(4); !strings.Contains(tr, "< Server: nginx/1.22.1") || !strings.HasSuffix(tr, "PK\x03\x04") {
		t.Errorf("transcript: %q", tr)
	}
}
