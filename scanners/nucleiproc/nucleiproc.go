// Package nucleiproc registers vuln.nuclei in the shindan binary without
// linking nuclei: the templates run in a child process, cmd/shindan-nuclei,
// started on the scan's first vuln.nuclei run and kept until the engine
// closes the probe. All of the child's HTTP comes back through a
// nucleiwire.ScopeProxy run here, whose only way out is the scan's scope
// guard and rate limit; its only resolver refuses every query. A child
// that cannot be found, started or kept alive makes every vuln.nuclei
// observation Unavailable with the reason, so checks give error, never
// pass.
package nucleiproc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"shindan/scanners"
	"shindan/scanners/nucleiwire"
)

// EnvVar names the child binary's path when set.
const EnvVar = "SHINDAN_NUCLEI"

// ChildName is the child binary looked up next to the shindan binary,
// then in PATH.
const ChildName = "shindan-nuclei"

// maxReply bounds one reply line: every match's request and response are
// clipped to 4 KiB by the child, so a few hundred matches fit.
const maxReply = 64 << 20

// cancelGrace is how long a cancelled run may take to answer before the
// child is killed.
const cancelGrace = 10 * time.Second

// Probe is vuln.nuclei as the scanning process sees it. Runs are
// serialised: the child runs one engine, one endpoint at a time
// (architecture.md §3.5).
type Probe struct {
	mu    sync.Mutex
	child *child
	err   error // the child could not start or died: every later run says so
}

// Default is the registered probe.
var Default = &Probe{}

func init() { scanners.Register(Default) }

var (
	_ scanners.Probe = (*Probe)(nil)
	_ io.Closer      = (*Probe)(nil)
)

// Info describes the probe to the planner.
func (*Probe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeVulnNuclei, Level: scanners.LevelEndpoint, Services: []string{"http", "https"}}
}

// TemplateSet implements the engine's template-set hook for the report.
func (*Probe) TemplateSet(extra []string) (string, error) { return nucleiwire.TemplateDigest(extra...) }

// Find returns the child binary: $SHINDAN_NUCLEI, else shindan-nuclei
// next to the running executable, else in PATH.
func Find() (string, error) {
	if p := os.Getenv(EnvVar); p != "" {
		return p, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), ChildName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath(ChildName)
	if err != nil {
		return "", fmt.Errorf("%s not found (set %s, or install it next to shindan or in PATH): %w", ChildName, EnvVar, err)
	}
	return p, nil
}

// Run sends the endpoint to the child and returns its observations: one
// per template match and a summary saying how many templates ran.
func (p *Probe) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at := env.Clock()
	if why, ok := nucleiwire.InnerUnreachable(env, t); ok {
		return []scanners.Observation{nucleiwire.Unreachable(t, at, why)}, nil
	}
	if p.err == nil && p.child == nil {
		p.child, p.err = start(env)
	}
	if p.err != nil {
		return []scanners.Observation{unavailable(t, at, p.err)}, nil
	}
	reply, err := p.child.run(ctx, env, nucleiwire.Request{Target: t, URL: nucleiwire.BaseURL(env, t)})
	if err != nil {
		p.child.kill()
		p.child, p.err = nil, err
		if ctx.Err() != nil {
			p.err = nil // cancelled: a later scan may start a new child
			return []scanners.Observation{scanners.Failed(scanners.ProbeVulnNuclei, t, at, ctx.Err())}, nil
		}
		return []scanners.Observation{unavailable(t, at, err)}, nil
	}
	if reply.Fatal != "" {
		return nil, errors.New(reply.Fatal) // cannot run at all: stops the scan, as it did in-process
	}
	if err := ctx.Err(); err != nil { // the child stopped early: say why in this process's terms
		return []scanners.Observation{scanners.Failed(scanners.ProbeVulnNuclei, t, at, err)}, nil
	}
	// The parent's clock, so a scan with a fixed clock stays reproducible.
	now := env.Clock()
	for i := range reply.Obs {
		reply.Obs[i].Target = t
		if reply.Obs[i].Data != nil {
			if _, ok := reply.Obs[i].Data.(*scanners.NucleiMatch); !ok {
				return []scanners.Observation{unavailable(t, at, fmt.Errorf("%s replied a %s payload", ChildName, reply.Obs[i].Data.Kind()))}, nil
			}
		}
		if m, ok := reply.Obs[i].Data.(*scanners.NucleiMatch); ok && m.TemplateID == "" {
			reply.Obs[i].At = at
		} else {
			reply.Obs[i].At = now
		}
	}
	return reply.Obs, nil
}

// unavailable is the observation for a run the child could not make.
func unavailable(t scanners.Target, at time.Time, err error) scanners.Observation {
	return scanners.Observation{Probe: scanners.ProbeVulnNuclei, Target: t, At: at, Status: scanners.Unavailable,
		Reason: "vuln.nuclei: no template run: " + err.Error()}
}

// Close stops the child (it removes its temporary directory on the way
// out) and the proxy. A later Run starts a new child.
func (p *Probe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var err error
	if p.child != nil {
		err = p.child.close()
	}
	p.child, p.err = nil, nil
	return err
}

// child is a running shindan-nuclei and the proxy it sends through.
type child struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Scanner
	proxy   *nucleiwire.ScopeProxy
	stderr  *tail
	waited  chan struct{}
	waitErr error
	setting nucleiwire.Settings
	sent    bool // the settings went with the first request
}

// start finds and starts the child with the engine settings of env.
func start(env *scanners.Env) (*child, error) {
	path, err := Find()
	if err != nil {
		return nil, err
	}
	px, err := nucleiwire.NewScopeProxy()
	if err != nil {
		return nil, fmt.Errorf("scope proxy: %w", err)
	}
	timeout := int(env.Timeout() / time.Second)
	if timeout < 1 {
		timeout = 1
	}
	c := &child{proxy: px, stderr: &tail{max: 4096}, waited: make(chan struct{}),
		setting: nucleiwire.Settings{ProxyURL: px.URL(), TemplateDirs: env.Settings.Nuclei.TemplateDirs,
			Intrusive: env.Settings.Nuclei.Intrusive, TimeoutSeconds: timeout}}
	c.cmd = exec.Command(path)
	c.cmd.Stderr = c.stderr
	c.cmd.WaitDelay = time.Second // the stderr copy cannot hold Wait up
	if c.in, err = c.cmd.StdinPipe(); err != nil {
		px.Close()
		return nil, err
	}
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		px.Close()
		return nil, err
	}
	c.out = bufio.NewScanner(out)
	c.out.Buffer(make([]byte, 64<<10), maxReply)
	if err := c.cmd.Start(); err != nil {
		px.Close()
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.waited)
	}()
	return c, nil
}

// run sends one request and waits for its reply, with env's scope guard
// behind the proxy meanwhile. When ctx ends the child is asked to cancel
// and given cancelGrace to answer.
func (c *child) run(ctx context.Context, env *scanners.Env, req nucleiwire.Request) (nucleiwire.Reply, error) {
	if !c.sent {
		req.Setting, c.sent = c.setting, true
	}
	c.proxy.SetEnv(env)
	defer c.proxy.EndRun()
	line, err := json.Marshal(req)
	if err != nil {
		return nucleiwire.Reply{}, err
	}
	if _, err := c.in.Write(append(line, '\n')); err != nil {
		return nucleiwire.Reply{}, c.died(err)
	}
	type result struct {
		r   nucleiwire.Reply
		err error
	}
	got := make(chan result, 1)
	go func() {
		var r nucleiwire.Reply
		if !c.out.Scan() {
			err := c.out.Err()
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			got <- result{err: err}
			return
		}
		if err := json.Unmarshal(c.out.Bytes(), &r); err != nil {
			got <- result{err: fmt.Errorf("unreadable reply: %w", err)}
			return
		}
		got <- result{r: r}
	}()
	select {
	case res := <-got:
		if res.err != nil {
			return nucleiwire.Reply{}, c.died(res.err)
		}
		return res.r, nil
	case <-ctx.Done():
	}
	c.proxy.EndRun()                             // nothing more leaves for this run
	c.in.Write([]byte(`{"cancel":true}` + "\n")) //nolint:errcheck // a dead child shows below
	select {
	case res := <-got:
		if res.err != nil {
			return nucleiwire.Reply{}, c.died(res.err)
		}
		return res.r, nil
	case <-time.After(cancelGrace):
		return nucleiwire.Reply{}, fmt.Errorf("%s did not stop within %v of cancellation: %w", ChildName, cancelGrace, ctx.Err())
	}
}

// died describes a child that stopped answering: its exit status and the
// end of what it wrote to stderr.
func (c *child) died(err error) error {
	select {
	case <-c.waited:
		err = fmt.Errorf("%w (%v)", err, c.waitErr)
	case <-time.After(time.Second):
	}
	msg := fmt.Sprintf("%s stopped: %v", ChildName, err)
	if s := strings.TrimSpace(c.stderr.String()); s != "" {
		msg += ": " + s
	}
	return errors.New(msg)
}

// close ends the child's input, which makes it release its engine and
// exit; one that does not within five seconds is killed.
func (c *child) close() error {
	c.in.Close() //nolint:errcheck
	defer c.proxy.Close()
	select {
	case <-c.waited:
		if c.waitErr != nil {
			return fmt.Errorf("%s: %w: %s", ChildName, c.waitErr, strings.TrimSpace(c.stderr.String()))
		}
		return nil
	case <-time.After(5 * time.Second):
		c.kill()
		return fmt.Errorf("%s did not exit; killed", ChildName)
	}
}

// kill stops the child at once.
func (c *child) kill() {
	c.in.Close()         //nolint:errcheck
	c.cmd.Process.Kill() //nolint:errcheck // already gone is fine
	c.proxy.Close()
	<-c.waited
}

// tail keeps the last max bytes written to it: the child's stderr, for
// the reason when it dies, bounded whatever it prints.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

// Write keeps the end of p.
func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

// String returns what is kept.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
