// Package dist spreads a scan over workers through NATS JetStream
// (shindan scan --nats, shindan worker). The coordinator expands the
// targets under its own scope guard, publishes the scan's configuration
// (KV bucket) and one work unit per host or per block of a sweep (a
// work-queue stream), leases the scan-wide rate budget to the workers by
// request/reply, and feeds their results (a results stream) into its
// engine as finished hosts (engine.Remote). Workers pull units from one
// durable consumer with explicit acks, heartbeat long units, and run the
// engine on them with the scan's scope; a unit whose worker dies is
// redelivered after the ack wait.
package dist

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"shindan/internal/engine"
	"shindan/internal/targets"
	"shindan/scanners"
)

// Names on the NATS server. Subjects end in the scan ID.
const (
	WorkStream     = "SHINDAN_WORK"
	ResultStream   = "SHINDAN_RESULTS"
	ConfigBucket   = "shindan-scans"
	WorkerConsumer = "shindan-workers"

	workSubject    = "shindan.work."
	resultSubject  = "shindan.result."
	rateSubject    = "shindan.rate."
	cancelSubject  = "shindan.cancel."
	startedSubject = "shindan.started."
)

// DefaultAckWait is how long a unit may go without an ack or a heartbeat
// before it is redelivered to another worker.
const DefaultAckWait = 30 * time.Second

// MaxDeliver is how often a unit is delivered before it is given up (a
// unit that kills every worker it reaches); the coordinator reports its
// hosts incomplete then.
const MaxDeliver = 5

// MaxMessage caps every message of the protocol (and the embedded
// server's max_payload). A result above the server's limit loses its
// evidence data first, then is sent as incomplete hosts with the reason
// (Worker.publishResult): never silently dropped.
const MaxMessage = 8 << 20

// ScanConfig is what a worker needs to run a unit the way the coordinator
// would run it locally. It is published once per scan (KV).
type ScanConfig struct {
	Scan    string   `json:"scan"`
	Profile string   `json:"profile"`
	Checks  []string `json:"checks"`
	Ports   string   `json:"ports"`
	// PolicyName and Policy are the policy file as given (empty = the
	// default policy), parsed by the worker as the coordinator parsed it.
	PolicyName string `json:"policy_name,omitempty"`
	Policy     []byte `json:"policy,omitempty"`
	// CAPEM are the --ca-file trust anchors added to the system roots.
	CAPEM []byte `json:"ca_pem,omitempty"`
	// Settings are the probe settings from the flags (RootCAs travel as
	// CAPEM); KnownNames are the coordinator's.
	Settings scanners.Settings `json:"settings"`
	// Rate is the scan-wide budget (0 = none), leased to the workers.
	Rate           int           `json:"rate"`
	Concurrency    int           `json:"concurrency"`
	HostProbes     int           `json:"host_probes"`
	Hosts          int           `json:"hosts"`
	Timeout        time.Duration `json:"timeout"`
	ConnectTimeout time.Duration `json:"connect_timeout"`
	HostTimeout    time.Duration `json:"host_timeout,omitempty"`
	NoPing         bool          `json:"no_ping,omitempty"`
	Retries        int           `json:"retries"`
	ScanType       string        `json:"scan_type,omitempty"`
	ToolVersion    string        `json:"tool_version,omitempty"`
	// Scope is the scan's scope guard (targets.Set.Scope).
	Scope targets.Scope `json:"scope"`
}

// Unit is one work unit: a named host, or a block of up to BlockSize
// addresses of a CIDR or range, with the scan's scope. A scope larger
// than MaxInlineScope (long lists of named hosts) travels by reference:
// ScopeDigest names the one in the scan's configuration, and a worker
// refuses the unit when they differ.
type Unit struct {
	Scan        string         `json:"scan"`
	ID          string         `json:"id"`
	Hosts       []targets.Host `json:"hosts"`
	Scope       *targets.Scope `json:"scope,omitempty"`
	ScopeDigest string         `json:"scope_digest"`
}

// MaxInlineScope is the largest scope (JSON bytes) a unit carries itself.
const MaxInlineScope = 16 << 10

// scopeDigest is "sha256:<hex>" of the scope's JSON.
func scopeDigest(sc targets.Scope) string {
	b, _ := json.Marshal(sc)
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// scopeOf returns the unit's scope, checked against its digest.
func (u *Unit) scopeOf(sc *ScanConfig) (targets.Scope, error) {
	s := sc.Scope
	if u.Scope != nil {
		s = *u.Scope
	}
	if got := scopeDigest(s); got != u.ScopeDigest {
		return targets.Scope{}, fmt.Errorf("dist: unit %s: its scope (%s) is not the scan's (%s)", u.ID, got, u.ScopeDigest)
	}
	return s, nil
}

// BlockSize is the most addresses of a sweep one unit carries: a /16 is
// 256 messages, not 65,536.
const BlockSize = 256

// WorkerInfo names a worker and where it scans from.
type WorkerInfo struct {
	Name    string `json:"name"`
	Vantage string `json:"vantage"`
}

// Result is a worker's answer for one unit.
type Result struct {
	Scan   string     `json:"scan"`
	Unit   string     `json:"unit"`
	Worker WorkerInfo `json:"worker"`
	// Attempt is the delivery count of the unit when it ran.
	Attempt int `json:"attempt"`
	engine.RemoteUnit
	// Interrupted says why the unit was cut (cancelled); its unfinished
	// hosts are then not scanned.
	Interrupted string `json:"interrupted,omitempty"`
	// Error says why the unit could not run at all.
	Error string `json:"error,omitempty"`
}

// Started announces that a worker took a unit (progress, and the units
// a cancelled scan waits for).
type Started struct {
	Unit   string     `json:"unit"`
	Worker WorkerInfo `json:"worker"`
}

// leaseRequest asks the coordinator for rate tokens; leaseReply grants.
type leaseRequest struct {
	Want int `json:"want"`
}

type leaseReply struct {
	Grant int    `json:"grant"`
	Error string `json:"error,omitempty"`
}
