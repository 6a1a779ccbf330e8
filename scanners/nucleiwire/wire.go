// Package nucleiwire is what the scanning process and its nuclei child
// (cmd/shindan-nuclei) share without linking nuclei: the curated
// templates and their digest, the scope proxy through which all of the
// child's HTTP leaves, how an endpoint's base URL is chosen, and the
// request and reply that travel as JSON lines over the child's stdin and
// stdout. Keeping nuclei out of the main binary saves every shindan
// process its package inits (about 60 ms of CPU at start).
package nucleiwire

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"shindan/scanners"
)

//go:embed templates/*.yaml
var embedded embed.FS

// Request asks the child for one vuln.nuclei run. The engine settings
// (ProxyURL, TemplateDirs, Intrusive, TimeoutSeconds) are read from the
// first request only: the child builds one engine per process, as the
// in-process probe did per scan. A request with Cancel set carries
// nothing else and cancels the run in progress.
type Request struct {
	Target  scanners.Target `json:"target,omitzero"`
	URL     string          `json:"url,omitempty"` // what nuclei scans: BaseURL's choice
	Cancel  bool            `json:"cancel,omitempty"`
	Setting Settings        `json:"settings,omitzero"`
}

// Settings shape the child's engine.
type Settings struct {
	ProxyURL       string   `json:"proxy_url"` // the parent's ScopeProxy: nuclei's only way out
	TemplateDirs   []string `json:"template_dirs,omitempty"`
	Intrusive      bool     `json:"intrusive,omitempty"`
	TimeoutSeconds int      `json:"timeout_seconds"`
}

// Reply answers one Request. Fatal is a failure to build the engine (a
// --templates directory that is not one, no template loaded): the probe
// cannot run at all and the scan stops, as it did in-process.
type Reply struct {
	Obs   []scanners.Observation `json:"obs,omitempty"`
	Fatal string                 `json:"fatal,omitempty"`
}

// CopyTemplates writes the curated templates into dst, where nuclei's
// disk catalog reads them together with the user's.
func CopyTemplates(dst string) error {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return fmt.Errorf("nucleiwire: %w", err)
	}
	return fs.WalkDir(embedded, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := embedded.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, filepath.Base(path)), b, 0o600)
	})
}

// BaseURL is the URL nuclei scans for the endpoint: https when svc.ident
// saw TLS there or the port is a usual HTTPS one.
func BaseURL(env *scanners.Env, t scanners.Target) string {
	scheme := "http"
	if env.Prior != nil {
		for _, o := range env.Prior(scanners.ProbeSvcIdent, t) {
			if s, ok := o.Data.(*scanners.Service); ok && s.Port == t.Port && (s.TLS || s.Name == "https") {
				scheme = "https"
			}
		}
	}
	switch t.Port {
	case 443, 4443, 8443, 9443:
		scheme = "https"
	}
	return scheme + "://" + t.HostPort()
}

// InnerUnreachable reports that svc.ident found TLS on t that no
// crypto/tls hello could enter (Service.InnerUnreachable).
func InnerUnreachable(env *scanners.Env, t scanners.Target) (string, bool) {
	if env.Prior == nil {
		return "", false
	}
	for _, o := range env.Prior(scanners.ProbeSvcIdent, t) {
		if s, ok := o.Data.(*scanners.Service); ok && s.Port == t.Port {
			return s.InnerUnreachable()
		}
	}
	return "", false
}

// Unreachable is the observation for an endpoint whose TLS no hello
// could enter: templates sent there would all fail in the handshake, and
// "no template matched" would read as a pass.
func Unreachable(t scanners.Target, at time.Time, why string) scanners.Observation {
	return scanners.Observation{Probe: scanners.ProbeVulnNuclei, Target: t, At: at, Status: scanners.ProtocolError,
		Reason: "nucleiscan: no template run: identification could not get inside TLS on " + t.String() + ": " + why}
}
