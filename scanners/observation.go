package scanners

import (
	"encoding/json"
	"fmt"
	"time"
)

// Evidence is what was sent and seen, enough for a reviewer to reproduce a
// verdict. Checks copy it verbatim into findings.
type Evidence struct {
	Kind    string `json:"kind"`              // transcript, dns, http, tls, packet, note
	Summary string `json:"summary,omitempty"` // one line
	Data    string `json:"data,omitempty"`    // the raw exchange, bounded by the probe
}

// Observation is one fact seen on the wire, and the only thing probes hand
// to checks. Status is OK when the probe got an answer it could read;
// otherwise Reason says why in a sentence a reviewer understands.
type Observation struct {
	Probe    string     `json:"probe"`
	Target   Target     `json:"target"`
	At       time.Time  `json:"at"`
	Status   Status     `json:"status"`
	Reason   string     `json:"reason,omitempty"`
	Data     Payload    `json:"-"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Payload is the typed content of an observation. It is sealed: only this
// package's types implement it, so a check can switch over every kind.
type Payload interface {
	payload()
	// Kind names the payload in JSON ("port", "service", ...).
	Kind() string
}

// payloadKinds maps Kind() to a constructor so observations round-trip
// through JSON (fixtures, distributed workers).
var payloadKinds = map[string]func() Payload{}

// registerPayload is called from each payload file's init; a duplicate
// kind would make decoding ambiguous, so it panics at start-up.
func registerPayload(f func() Payload) {
	k := f().Kind()
	if _, dup := payloadKinds[k]; dup {
		panic("scanners: duplicate payload kind " + k)
	}
	payloadKinds[k] = f
}

// observationJSON is an Observation on the wire: the payload as raw JSON
// beside the kind that says which type to decode it into.
type observationJSON struct {
	observationAlias
	Kind string          `json:"kind,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// observationAlias has Observation's fields without its methods, so
// marshalling it does not recurse into MarshalJSON.
type observationAlias Observation

// MarshalJSON tags the payload with its kind.
func (o Observation) MarshalJSON() ([]byte, error) {
	j := observationJSON{observationAlias: observationAlias(o)}
	if o.Data != nil {
		b, err := json.Marshal(o.Data)
		if err != nil {
			return nil, err
		}
		j.Kind, j.Data = o.Data.Kind(), b
	}
	return json.Marshal(j)
}

// UnmarshalJSON restores the payload from its kind tag.
func (o *Observation) UnmarshalJSON(b []byte) error {
	var j observationJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*o = Observation(j.observationAlias)
	if j.Kind == "" {
		return nil
	}
	mk, ok := payloadKinds[j.Kind]
	if !ok {
		return fmt.Errorf("scanners: unknown observation kind %q", j.Kind)
	}
	p := mk()
	if err := json.Unmarshal(j.Data, p); err != nil {
		return fmt.Errorf("scanners: %s payload: %w", j.Kind, err)
	}
	o.Data = p
	return nil
}

// Failed builds the observation of a probe that could not get an answer.
func Failed(probe string, t Target, at time.Time, err error) Observation {
	return Observation{Probe: probe, Target: t, At: at, Status: StatusOf(err), Reason: err.Error()}
}
