package scanners

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Level says what a probe runs against.
type Level int

// Probe levels, in the order the engine runs them.
const (
	// LevelEndpoint probes run once per open port whose identified service
	// is in ProbeInfo.Services (or on every open port when Services is empty).
	LevelEndpoint Level = iota
	// LevelHost probes run once per host that answered discovery.
	LevelHost
	// LevelName probes run once per name target (a domain's DNS data).
	LevelName
)

// ProbeInfo describes a probe to the engine's planner.
type ProbeInfo struct {
	ID    string // "svc.ident", "smtp.session"; checks name it in Info.Needs
	Level Level
	// Services the probe wants at LevelEndpoint: canonical service names
	// ("smtp", "redis"), or "tls" for every endpoint that speaks TLS or
	// offers STARTTLS. Empty means every open endpoint.
	Services []string
	// After names probes whose observations this probe reads from
	// Env.Prior; the engine runs those first.
	After []string
}

// Probe talks to one target. Run must return promptly once ctx is done.
// Implementations must be safe for concurrent use: the engine calls Run for
// many targets at once. A per-target network failure is an Observation with
// a Status, not an error; the error is for "cannot run at all" (missing
// privilege, bad configuration) and stops the scan.
type Probe interface {
	Info() ProbeInfo
	Run(ctx context.Context, env *Env, t Target) ([]Observation, error)
}

// Sweeper covers a whole target set in one pass (port discovery, segment
// listening). emit is safe for concurrent use.
type Sweeper interface {
	ID() string
	Sweep(ctx context.Context, env *Env, ts iter.Seq[Target], emit func(Observation)) error
}

// Env is what the engine lends a probe. A nil or zero field means the
// default documented on it. Probes must not modify an Env.
type Env struct {
	// Dial connects through the scope guard: rate-limited, exclusion-checked.
	// nil means a plain net.Dialer (tests only).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// DialLookup connects to port 53 of a DNS server that is not a target
	// (a parent zone's server asked about an in-scope domain's delegation),
	// as any resolver would; exclusions still win and the rate budget
	// still applies. nil means Dial.
	DialLookup func(ctx context.Context, network, addr string) (net.Conn, error)
	// Allow is the same scope guard for raw senders; nil allows everything
	// (tests only).
	Allow func(netip.Addr) bool
	// Limiter is the scan-wide packets/connections budget; nil is unlimited.
	Limiter *rate.Limiter
	// Spend, when set, replaces Limiter in Wait: the scope guard counts
	// what it hands out there.
	Spend func(ctx context.Context, n int) error
	// Log receives structured progress and diagnostics; nil discards.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// IOTimeout bounds every read and write; 0 means 5s.
	IOTimeout time.Duration
	// Retries is how often a probe retries a connection that timed out; 0
	// means none.
	Retries int
	// Prior returns observations made earlier in this scan for the host of
	// t by the probe with the given ID (see ProbeInfo.After). nil returns none.
	Prior func(probeID string, t Target) []Observation
	// Settings are user choices that shape probes.
	Settings Settings
	// OpenOnPort, when set, reports how many TCP connections the scan
	// holds open to a port on any address: a service that accepted and
	// said nothing while others are open may be saturated, not silent.
	// nil reports none.
	OpenOnPort func(port uint16) int
}

// DialContext dials through e.Dial, or a plain dialer when it is nil.
func (e *Env) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if e.Dial != nil {
		return e.Dial(ctx, network, addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// LookupDialContext dials a DNS server for lookups about in-scope names
// through e.DialLookup, or DialContext when it is nil.
func (e *Env) LookupDialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if e.DialLookup != nil {
		return e.DialLookup(ctx, network, addr)
	}
	return e.DialContext(ctx, network, addr)
}

// Clock returns the current time from e.Now or time.Now.
func (e *Env) Clock() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Timeout returns the per-operation I/O timeout.
func (e *Env) Timeout() time.Duration {
	if e.IOTimeout > 0 {
		return e.IOTimeout
	}
	return 5 * time.Second
}

// Logger returns e.Log or a logger that discards.
func (e *Env) Logger() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Wait takes n tokens from the scan-wide limiter, honouring ctx.
func (e *Env) Wait(ctx context.Context, n int) error {
	if e.Spend != nil {
		return e.Spend(ctx, n)
	}
	if e.Limiter == nil {
		return ctx.Err()
	}
	return e.Limiter.WaitN(ctx, n)
}

// Registry holds probes and sweepers by ID. It is written during init and
// read-only afterwards.
type Registry struct {
	mu       sync.RWMutex
	probes   map[string]Probe
	sweepers map[string]Sweeper
}

// NewRegistry returns an empty registry (tests build their own).
func NewRegistry() *Registry {
	return &Registry{probes: map[string]Probe{}, sweepers: map[string]Sweeper{}}
}

// Default is the registry that Register fills from init functions.
var Default = NewRegistry()

// probeIDPattern is area.name like check IDs, dots allowed after the
// first ("port.tcp-connect"): checks name probes by ID in Info.Needs.
var probeIDPattern = regexp.MustCompile(`^[a-z0-9]+\.[a-z0-9.-]+$`)

// Register adds p to Default. It panics on a malformed or duplicate ID, as
// a programming error found at start-up.
func Register(p Probe) { Default.Add(p) }

// RegisterSweeper adds s to Default; it panics like Register.
func RegisterSweeper(s Sweeper) { Default.AddSweeper(s) }

// Add registers a probe.
func (r *Registry) Add(p Probe) {
	id := p.Info().ID
	r.mu.Lock()
	defer r.mu.Unlock()
	if !probeIDPattern.MatchString(id) {
		panic(fmt.Sprintf("scanners: malformed probe ID %q", id))
	}
	if _, dup := r.probes[id]; dup {
		panic("scanners: duplicate probe " + id)
	}
	r.probes[id] = p
}

// AddSweeper registers a sweeper.
func (r *Registry) AddSweeper(s Sweeper) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.sweepers[s.ID()]; dup {
		panic("scanners: duplicate sweeper " + s.ID())
	}
	r.sweepers[s.ID()] = s
}

// Probe returns the probe with the given ID.
func (r *Registry) Probe(id string) (Probe, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.probes[id]
	return p, ok
}

// Sweeper returns the sweeper with the given ID.
func (r *Registry) Sweeper(id string) (Sweeper, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.sweepers[id]
	return s, ok
}

// ProbeIDs lists the registered probe IDs in order.
func (r *Registry) ProbeIDs() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := make([]string, 0, len(r.probes))
	for id := range r.probes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// SweeperIDs lists the registered sweeper IDs in order.
func (r *Registry) SweeperIDs() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := make([]string, 0, len(r.sweepers))
	for id := range r.sweepers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
