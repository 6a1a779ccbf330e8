package nucleiscan

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"shindan/scanners"
	"shindan/scanners/nucleiwire"
)

// maxRequest bounds one request line from the parent (a target, a URL
// and the settings: far below this).
const maxRequest = 1 << 20

// Serve is cmd/shindan-nuclei's loop: it reads nucleiwire.Request lines
// from in, runs each through one engine (built on the first, pointed at
// the parent's proxy) and writes one nucleiwire.Reply line to out per run.
// A Cancel line cancels the run in progress; its reply still comes. Serve
// returns when in ends (the parent closed it or died), after releasing the
// engine and its temporary directory.
func Serve(ctx context.Context, in io.Reader, out io.Writer) error {
	reqs := make(chan nucleiwire.Request)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), maxRequest)
		for sc.Scan() {
			var r nucleiwire.Request
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				readErr <- fmt.Errorf("nucleiscan: request: %w", err)
				close(reqs)
				return
			}
			reqs <- r
		}
		readErr <- sc.Err()
		close(reqs)
	}()
	var p *Probe
	defer func() {
		if p != nil {
			p.Close() //nolint:errcheck // removes a temp dir
		}
	}()
	enc := json.NewEncoder(out)
	for r := range reqs {
		if r.Cancel {
			continue // nothing in progress
		}
		if p == nil {
			p = New(WithProxyURL(r.Setting.ProxyURL))
		}
		env := &scanners.Env{IOTimeout: time.Duration(r.Setting.TimeoutSeconds) * time.Second,
			Settings: scanners.Settings{Nuclei: scanners.NucleiSettings{TemplateDirs: r.Setting.TemplateDirs, Intrusive: r.Setting.Intrusive}}}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan nucleiwire.Reply, 1)
		go func() {
			obs, err := p.RunURL(rctx, env, r.Target, r.URL)
			if err != nil {
				done <- nucleiwire.Reply{Fatal: err.Error()}
				return
			}
			done <- nucleiwire.Reply{Obs: obs}
		}()
		var reply nucleiwire.Reply
	wait:
		for {
			select {
			case reply = <-done:
				break wait
			case c, ok := <-reqs:
				if !ok { // the parent is gone: stop the run, then return
					cancel()
					<-done
					return <-readErr
				}
				if c.Cancel {
					cancel()
				}
			}
		}
		cancel()
		if err := enc.Encode(reply); err != nil {
			return fmt.Errorf("nucleiscan: reply: %w", err)
		}
	}
	return <-readErr
}
