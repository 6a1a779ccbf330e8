package drift

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"

	"shindan/reports"
)

// Side is one scan as a diff reads it: only what Compare looks at, each
// sequence in ascending byte order of its key, so that two sides are
// compared by a merge join without either scan held in memory. The store
// reads its rows in that order; ReportSide sorts a report in memory.
type Side interface {
	ScanID() string
	// Hosts yields every asset by Host, its services sorted by proto and
	// port, one entry per host and service.
	Hosts(ctx context.Context) iter.Seq2[Host, error]
	// Certs yields the leaf certificate line of each TLS endpoint by
	// Target, one per target.
	Certs(ctx context.Context) iter.Seq2[Cert, error]
	// Verdicts yields every finding subject (grouped findings flattened)
	// by ID.
	Verdicts(ctx context.Context) iter.Seq2[Verdict, error]
}

// Host is an asset of a scan.
type Host struct {
	Host     string
	Names    []string
	Services []reports.Service
}

// Cert is the certificate a TLS endpoint presented.
type Cert struct {
	Target string
	Line   string // the "certificate: " line of tls.certificate's evidence
}

// Verdict is one subject's verdict.
type Verdict struct {
	ID       string
	Check    string
	Target   string
	Subject  string
	Host     string
	Proto    string
	Port     int
	Status   string
	Severity string
	Waived   bool
	Title    *reports.Text
}

// Subjects flattens findings into verdicts in the report's order.
func Subjects(fs []reports.Finding) []Verdict {
	flat := reports.Flatten(fs)
	out := make([]Verdict, len(flat))
	for i, f := range flat {
		out[i] = Verdict{ID: f.ID, Check: f.Check, Target: f.Target, Subject: f.Subject, Host: f.Host, Proto: f.Proto, Port: f.Port,
			Status: f.Status, Severity: f.Severity, Waived: f.Waiver != nil, Title: f.Title}
	}
	return out
}

// CertLine is the certificate a tls.certificate finding's evidence
// records ("" for other findings); the last such line counts.
func CertLine(f *reports.Finding) string {
	if f.Check != "tls.certificate" {
		return ""
	}
	line := ""
	for _, ev := range f.Evidence {
		for l := range strings.SplitSeq(ev.Data, "\n") {
			if c, ok := strings.CutPrefix(l, "certificate: "); ok {
				line = c
			}
		}
	}
	return line
}

// reportSide is a report in memory, sorted for the merge join.
type reportSide struct {
	id       string
	hosts    []Host
	certs    []Cert
	verdicts []Verdict
}

// ReportSide prepares a report for CompareSides. It holds the report's
// hosts, certificates and verdicts in memory (a file diff reads the whole
// file anyway).
func ReportSide(r *reports.Report) Side {
	s := &reportSide{id: r.Scan.ID}
	// A host listed twice (hand-made or concatenated input) counts once,
	// its later services replacing earlier ones on the same port.
	byHost := map[string]int{}
	for _, a := range r.Assets {
		i, ok := byHost[a.Host]
		if !ok {
			i = len(s.hosts)
			byHost[a.Host] = i
			s.hosts = append(s.hosts, Host{Host: a.Host, Names: a.Names})
		} else if len(s.hosts[i].Names) == 0 {
			s.hosts[i].Names = a.Names
		}
		s.hosts[i].Services = append(s.hosts[i].Services, a.Services...)
	}
	for i := range s.hosts {
		s.hosts[i].Services = uniqueServices(s.hosts[i].Services)
	}
	slices.SortFunc(s.hosts, func(a, b Host) int { return strings.Compare(a.Host, b.Host) })
	certAt := map[string]int{}
	for _, f := range reports.Flatten(r.Findings) {
		line := CertLine(&f)
		if line == "" {
			continue
		}
		if i, ok := certAt[f.Target]; ok {
			s.certs[i].Line = line
			continue
		}
		certAt[f.Target] = len(s.certs)
		s.certs = append(s.certs, Cert{Target: f.Target, Line: line})
	}
	slices.SortFunc(s.certs, func(a, b Cert) int { return strings.Compare(a.Target, b.Target) })
	s.verdicts = Subjects(r.Findings)
	slices.SortStableFunc(s.verdicts, func(a, b Verdict) int { return strings.Compare(a.ID, b.ID) })
	return s
}

// SortServices sorts a host's services by proto and port, the last of
// a duplicated port winning, as a Side yields them.
func SortServices(in []reports.Service) []reports.Service { return uniqueServices(in) }

// uniqueServices sorts services by proto and port, the last of a
// duplicated port winning.
func uniqueServices(in []reports.Service) []reports.Service {
	if len(in) == 0 {
		return nil
	}
	out := slices.Clone(in)
	slices.SortStableFunc(out, func(a, b reports.Service) int {
		return cmp.Or(cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
	})
	w := 0
	for _, v := range out {
		if w > 0 && out[w-1].Proto == v.Proto && out[w-1].Port == v.Port {
			out[w-1] = v
			continue
		}
		out[w] = v
		w++
	}
	return out[:w]
}

func (s *reportSide) ScanID() string { return s.id }

func (s *reportSide) Hosts(context.Context) iter.Seq2[Host, error]       { return each(s.hosts) }
func (s *reportSide) Certs(context.Context) iter.Seq2[Cert, error]       { return each(s.certs) }
func (s *reportSide) Verdicts(context.Context) iter.Seq2[Verdict, error] { return each(s.verdicts) }

func each[T any](xs []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}

// mergeRuns walks two key-ordered sequences together in runs of equal
// keys and calls f with the old and the new run of each key (one of them
// empty when the key is on one side only). A sequence out of order is an
// error: the merge would silently miss matches.
func mergeRuns[T any](old, cur iter.Seq2[T, error], key func(*T) string, f func(o, n []T)) error {
	nextO, stopO := iter.Pull2(old)
	defer stopO()
	nextN, stopN := iter.Pull2(cur)
	defer stopN()
	ro, rn := &runReader[T]{next: nextO, key: key}, &runReader[T]{next: nextN, key: key}
	o, err := ro.run()
	if err != nil {
		return err
	}
	n, err := rn.run()
	if err != nil {
		return err
	}
	for len(o) > 0 || len(n) > 0 {
		switch {
		case len(n) == 0 || (len(o) > 0 && key(&o[0]) < key(&n[0])):
			f(o, nil)
			if o, err = ro.run(); err != nil {
				return err
			}
		case len(o) == 0 || key(&n[0]) < key(&o[0]):
			f(nil, n)
			if n, err = rn.run(); err != nil {
				return err
			}
		default:
			f(o, n)
			if o, err = ro.run(); err != nil {
				return err
			}
			if n, err = rn.run(); err != nil {
				return err
			}
		}
	}
	return nil
}

// runReader cuts a pulled sequence into runs of equal keys.
type runReader[T any] struct {
	next    func() (T, error, bool)
	key     func(*T) string
	peek    *T
	last    string
	started bool
	done    bool
}

func (r *runReader[T]) run() ([]T, error) {
	var out []T
	if r.peek != nil {
		out = append(out, *r.peek)
		r.peek = nil
	}
	for !r.done {
		v, err, ok := r.next()
		if !ok {
			r.done = true
			break
		}
		if err != nil {
			return nil, err
		}
		k := r.key(&v)
		if r.started && k < r.last {
			return nil, fmt.Errorf("drift: rows out of key order (%q after %q)", k, r.last)
		}
		r.started, r.last = true, k
		if len(out) > 0 && r.key(&out[0]) != k {
			r.peek = &v
			break
		}
		out = append(out, v)
	}
	return out, nil
}
