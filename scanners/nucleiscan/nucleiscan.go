// Package nucleiscan runs nuclei templates (the curated set of
// scanners/nucleiwire plus a user's directory) against web endpoints: the
// engine behind vuln.nuclei. It is the only package that imports nuclei,
// and only cmd/shindan-nuclei links it: the scanning process registers
// scanners/nucleiproc, which runs that child and serves its HTTP through
// the scope proxy (Serve is the child's side). The engine is built once
// per process, offline (no template download, no update or version check,
// its config in a temporary directory), its only resolver refuses every
// query, and every request it sends goes through a nucleiwire.ScopeProxy
// that dials with Env.DialContext: the parent's (WithProxyURL) or, in this
// package's tests, its own.
package nucleiscan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/projectdiscovery/gologger"
	"github.com/projectdiscovery/gologger/levels"
	nuclei "github.com/projectdiscovery/nuclei/v3/lib"
	"github.com/projectdiscovery/nuclei/v3/pkg/catalog/config"
	"github.com/projectdiscovery/nuclei/v3/pkg/catalog/disk"
	"github.com/projectdiscovery/nuclei/v3/pkg/input/provider"
	"github.com/projectdiscovery/nuclei/v3/pkg/output"
	updateutils "github.com/projectdiscovery/utils/update"

	"shindan/scanners"
	"shindan/scanners/nucleiwire"

	nucleienv "0shindan/nucleienv"
)

// excerpt bounds the request/response text kept per match.
const excerpt = 4096

// Probe is the vuln.nuclei probe. The zero value is not usable; use New.
// Runs are serialised: nuclei keeps process-wide state, so one engine
// serves every host, one endpoint at a time (architecture.md §3.5).
type Probe struct {
	userDirs []string
	proxyURL string // the parent's scope proxy; "" runs one here

	mu      sync.Mutex // one engine run at a time
	eng     *nuclei.NucleiEngine
	proxy   *nucleiwire.ScopeProxy // own proxy, when proxyURL is ""
	dns     *dnsRefuser
	dir     string // temporary config + template dir
	sink    func(*output.ResultEvent)
	ntmpl   int
	initErr error
	inited  bool
}

// Option configures a Probe.
type Option func(*Probe)

// WithTemplates adds a directory of the user's own templates (--templates).
func WithTemplates(dir string) Option { return func(p *Probe) { p.userDirs = append(p.userDirs, dir) } }

// WithProxyURL sends every request through the scope proxy at url (the
// parent process's) instead of one this probe runs.
func WithProxyURL(url string) Option { return func(p *Probe) { p.proxyURL = url } }

// New returns a probe; the engine is built on the first Run.
func New(opts ...Option) *Probe {
	p := &Probe{}
	for _, o := range opts {
		o(p)
	}
	return p
}

func init() {
	nucleienv.Restore() // nuclei's package inits are done
	// What those inits wrote is not needed: build writes afresh. Removing it
	// now leaves nothing behind in processes that never scan.
	if nucleienv.Created != "" {
		os.RemoveAll(nucleienv.Created) //nolint:errcheck // best effort on a temp dir
	}
}

var (
	_ scanners.Probe = (*Probe)(nil)
	_ io.Closer      = (*Probe)(nil)
)

// Info describes the probe to the planner.
func (*Probe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeVulnNuclei, Level: scanners.LevelEndpoint, Services: []string{"http", "https"}}
}

// offline cuts nuclei's phone-home paths before any engine exists: the
// SDK's unconditional version check (installer.NucleiSDKVersionCheck) uses
// updateutils.DefaultHttpClient, whose transport is replaced by one that
// refuses every request.
func offline() {
	updateutils.DefaultHttpClient.Transport = refuse{}
	gologger.DefaultLogger.SetMaxLevel(levels.LevelSilent)
}

// refuse is an http.RoundTripper that fails every request, naming the
// host, so a phone-home attempt shows in the log instead of leaving.
type refuse struct{}

// RoundTrip refuses r; nothing is sent.
func (refuse) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("nucleiscan: outbound request to %s blocked (offline)", r.URL.Host)
}

// setup builds the engine once. Errors are remembered: every later Run
// reports the same failure.
func (p *Probe) setup(ctx context.Context, env *scanners.Env) error {
	if p.inited {
		return p.initErr
	}
	p.inited = true
	p.initErr = p.build(ctx, env)
	return p.initErr
}

// build makes the scan's one engine, offline first: nuclei's version
// check is cut before any SDK call, its only resolver is the loopback
// refuser and its HTTP goes through the scope proxy, so template traffic
// stays under the scan's scope guard and rate limit.
func (p *Probe) build(ctx context.Context, env *scanners.Env) error {
	offline()
	// nucleienv already pointed NUCLEI_CONFIG_DIR at a private directory
	// before nuclei's init wrote there; use it for everything else too.
	dir := nucleienv.Created
	if dir == "" { // the user chose NUCLEI_CONFIG_DIR: keep our files out of it
		d, err := os.MkdirTemp("", "shindan-nuclei-")
		if err != nil {
			return fmt.Errorf("nucleiscan: %w", err)
		}
		dir = d
	}
	p.dir = dir
	if err := os.MkdirAll(dir, 0o700); err != nil { // Close of an earlier engine removed it
		return fmt.Errorf("nucleiscan: %w", err)
	}
	// Its own config dir with an empty ignore file: nothing in the user's
	// home, no stack trace about a missing .nuclei-ignore.
	if err := os.WriteFile(filepath.Join(dir, config.NucleiIgnoreFileName), []byte("tags: []\n"), 0o600); err != nil {
		return fmt.Errorf("nucleiscan: %w", err)
	}
	config.DefaultConfig.SetConfigDir(dir)
	config.DefaultConfig.DisableUpdateCheck()
	tdir := filepath.Join(dir, "templates")
	if err := nucleiwire.CopyTemplates(tdir); err != nil {
		return err
	}
	config.DefaultConfig.SetTemplatesDir(tdir)
	dirs := []string{tdir}
	dirs = append(dirs, p.userDirs...)
	dirs = append(dirs, env.Settings.Nuclei.TemplateDirs...)
	for _, d := range dirs[1:] {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return fmt.Errorf("nucleiscan: --templates %s: not a directory", d)
		}
	}
	proxyURL := p.proxyURL
	if proxyURL == "" {
		px, err := nucleiwire.NewScopeProxy()
		if err != nil {
			return fmt.Errorf("nucleiscan: proxy: %w", err)
		}
		p.proxy = px
		proxyURL = px.URL()
	}
	rs, err := newDNSRefuser()
	if err != nil {
		return fmt.Errorf("nucleiscan: resolver: %w", err)
	}
	p.dns = rs
	log := &gologger.Logger{}
	log.SetMaxLevel(levels.LevelSilent)
	timeout := int(env.Timeout() / time.Second)
	if timeout < 1 {
		timeout = 1
	}
	eng, err := nuclei.NewNucleiEngineCtx(ctx,
		nuclei.WithLogger(log),
		nuclei.DisableUpdateCheck(),
		nuclei.WithTemplateUpdateCallback(true, nil),
		nuclei.WithCatalog(disk.NewCatalog(tdir)),
		nuclei.WithTemplatesOrWorkflows(nuclei.TemplateSources{Templates: dirs}),
		// HTTP only: other protocols would not pass through the scope proxy.
		// Intrusive templates (default logins send credentials) run only on
		// request (--intrusive); pitfalls §7.4. dos and fuzz never run.
		nuclei.WithTemplateFilters(nuclei.TemplateFilters{ProtocolTypes: "http", ExcludeTags: excludedTags(env)}),
		nuclei.WithInteractshOptions(nuclei.InteractshOpts{NoInteractsh: true, DisableHttpFallback: true, NoColor: true,
			CacheSize: 16, Eviction: time.Minute, CooldownPeriod: time.Second, PollDuration: 5 * time.Second}),
		nuclei.WithProxy([]string{proxyURL}, false),
		nuclei.WithNetworkConfig(nuclei.NetworkConfig{Timeout: timeout, Retries: 0, DisableMaxHostErr: true,
			InternalResolversList: []string{rs.Addr()}}),
		nuclei.WithConcurrency(nuclei.Concurrency{TemplateConcurrency: 4, HostConcurrency: 1,
			HeadlessHostConcurrency: 1, HeadlessTemplateConcurrency: 1, JavascriptTemplateConcurrency: 1,
			TemplatePayloadConcurrency: 4, ProbeConcurrency: 1}),
	)
	if err != nil {
		return fmt.Errorf("nucleiscan: engine: %w", err)
	}
	p.eng = eng
	if err := eng.LoadAllTemplates(); err != nil {
		return fmt.Errorf("nucleiscan: templates: %w", err)
	}
	p.ntmpl = len(eng.GetTemplates())
	if p.ntmpl == 0 {
		return errors.New("nucleiscan: no template loaded")
	}
	// The SDK prints every result to stdout unless a callback is
	// registered, and it registers callbacks only in ExecuteCallbackWithCtx.
	// Register the dispatcher once with a cancelled run: nothing is sent
	// (the proxy refuses every dial while no scan is in progress).
	dead, cancel := context.WithCancel(ctx)
	cancel()
	eng.LoadTargets([]string{"http://127.0.0.1:9"}, false)
	if err := eng.ExecuteCallbackWithCtx(dead, p.dispatch); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("nucleiscan: register callback: %w", err)
	}
	return nil
}

// dispatch hands a result to the run in progress.
func (p *Probe) dispatch(ev *output.ResultEvent) {
	sinkMu.Lock()
	defer sinkMu.Unlock()
	if p.sink != nil {
		p.sink(ev)
	}
}

// sinkMu guards Probe.sink against nuclei's result goroutines.
var sinkMu sync.Mutex

// Templates returns how many templates the engine loaded (0 before the
// first Run).
func (p *Probe) Templates() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ntmpl
}

// Close releases the engine and removes its temporary directory. The
// engine should call it (io.Closer) when the scan ends; a later Run builds
// a new engine.
func (p *Probe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.eng != nil {
		p.eng.Close()
		p.eng = nil
	}
	if p.proxy != nil {
		p.proxy.Close()
		p.proxy = nil
	}
	if p.dns != nil {
		p.dns.Close()
		p.dns = nil
	}
	if p.dir != "" {
		os.RemoveAll(p.dir) //nolint:errcheck // best effort on a temp dir
		p.dir = ""
	}
	p.inited, p.initErr = false, nil
	return nil
}

// Run executes every loaded template against the endpoint. A match is one
// observation; a summary observation (TemplateID "") says how many
// templates ran, so vuln.known can pass an endpoint with no match.
func (p *Probe) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.setup(ctx, env); err != nil {
		return nil, err // cannot run at all: stops the scan, as Probe documents
	}
	if why, ok := nucleiwire.InnerUnreachable(env, t); ok {
		return []scanners.Observation{nucleiwire.Unreachable(t, env.Clock(), why)}, nil
	}
	return p.run(ctx, env, t, nucleiwire.BaseURL(env, t)), nil
}

// RunURL runs every loaded template against url, the base URL the parent
// chose for t (nucleiwire.BaseURL); env carries the settings, the clock
// and, without WithProxyURL, the dialer.
func (p *Probe) RunURL(ctx context.Context, env *scanners.Env, t scanners.Target, url string) ([]scanners.Observation, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.setup(ctx, env); err != nil {
		return nil, err
	}
	return p.run(ctx, env, t, url), nil
}

// run scans url; p.mu is held and the engine built.
func (p *Probe) run(ctx context.Context, env *scanners.Env, t scanners.Target, url string) []scanners.Observation {
	at := env.Clock()
	var obs []scanners.Observation
	sinkMu.Lock()
	p.sink = func(ev *output.ResultEvent) {
		obs = append(obs, toObservation(t, env.Clock(), ev))
	}
	sinkMu.Unlock()
	if p.proxy != nil {
		p.proxy.SetEnv(env)
	}
	ip := provider.NewSimpleInputProviderWithUrls(p.eng.Options().ExecutionId, url)
	p.eng.Engine().ExecuteScanWithOpts(ctx, p.eng.GetTemplates(), ip, false)
	if p.proxy != nil {
		p.proxy.EndRun()
	}
	sinkMu.Lock()
	p.sink = nil
	sinkMu.Unlock()
	if err := ctx.Err(); err != nil {
		return []scanners.Observation{scanners.Failed(scanners.ProbeVulnNuclei, t, at, err)}
	}
	sort.SliceStable(obs, func(i, j int) bool {
		a, b := obs[i].Data.(*scanners.NucleiMatch), obs[j].Data.(*scanners.NucleiMatch)
		return a.TemplateID+a.MatchedAt < b.TemplateID+b.MatchedAt
	})
	obs = append(obs, scanners.Observation{Probe: scanners.ProbeVulnNuclei, Target: t, At: at, Status: scanners.OK,
		Data:     &scanners.NucleiMatch{Templates: p.ntmpl, MatchedAt: url},
		Evidence: []scanners.Evidence{{Kind: "note", Summary: fmt.Sprintf("%d nuclei templates ran against %s", p.ntmpl, url)}}})
	return obs
}

// clip bounds a request or response kept as evidence at excerpt bytes;
// the marker says it was cut.
func clip(s string) string {
	if len(s) > excerpt {
		return s[:excerpt] + "\n[...]"
	}
	return s
}

// toObservation converts a nuclei result event.
func toObservation(t scanners.Target, at time.Time, ev *output.ResultEvent) scanners.Observation {
	m := &scanners.NucleiMatch{
		TemplateID: ev.TemplateID, Name: ev.Info.Name, Severity: ev.Info.SeverityHolder.Severity.String(),
		Description: strings.TrimSpace(ev.Info.Description), MatchedAt: ev.Matched, Matcher: ev.MatcherName,
		Extracted: ev.ExtractedResults, Request: clip(ev.Request), Response: clip(ev.Response),
		Articles: articles(ev.Info.Metadata),
	}
	return scanners.Observation{Probe: scanners.ProbeVulnNuclei, Target: t, At: at, Status: scanners.OK, Data: m,
		Evidence: []scanners.Evidence{{Kind: "http", Summary: "nuclei " + m.TemplateID + " matched at " + m.MatchedAt,
			Data: clip(ev.Request + "\n\n" + ev.Response)}}}
}

// articles reads info.metadata.articles: a list or a comma-separated string.
func articles(md map[string]interface{}) []string {
	var out []string
	switch v := md["articles"].(type) {
	case []interface{}:
		for _, a := range v {
			out = append(out, strings.TrimSpace(fmt.Sprint(a)))
		}
	case []string:
		out = append(out, v...)
	case string:
		for _, a := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(a))
		}
	}
	return out
}

// excludedTags are the template tags left out of a scan: intrusive ones
// unless Settings.Nuclei.Intrusive (the --intrusive flag).
func excludedTags(env *scanners.Env) []string {
	tags := []string{"dos", "fuzz"}
	if !env.Settings.Nuclei.Intrusive {
		tags = append(tags, "intrusive")
	}
	return tags
}
