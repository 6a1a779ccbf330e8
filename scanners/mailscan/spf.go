package mailscan

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"shindan/scanners"
)

// RFC 7208 4.6.4 limits.
const (
	MaxLookups     = 10
	MaxVoidLookups = 2
	maxDepth       = 12 // recursion guard beyond the lookup limit
)

// spfEval walks one domain's SPF tree.
type spfEval struct {
	r       *resolver
	res     *scanners.SPFResult
	visited map[string]bool
}

// evalSPF fetches and evaluates the SPF record of domain.
func evalSPF(ctx context.Context, r *resolver, domain string) (scanners.SPFResult, error) {
	var res scanners.SPFResult
	txts, err := r.txt(ctx, domain)
	if err != nil && !errors.Is(err, errVoid) {
		return res, err
	}
	for _, t := range txts {
		if IsSPF(t) {
			res.Records = append(res.Records, t)
		}
	}
	if len(res.Records) == 0 {
		return res, nil
	}
	if len(res.Records) > 1 {
		res.Errors = append(res.Errors, fmt.Sprintf("%d SPF records (RFC 7208 4.5: at most one)", len(res.Records)))
	}
	terms, errs := ParseSPF(res.Records[0])
	res.Terms = terms
	res.Errors = append(res.Errors, errs...)
	e := &spfEval{r: r, res: &res, visited: map[string]bool{strings.ToLower(domain): true}}
	e.walk(ctx, domain, terms, 0)
	res.All = topAll(terms)
	if res.Lookups > MaxLookups {
		res.Errors = append(res.Errors, fmt.Sprintf("%d DNS-querying terms (RFC 7208 4.6.4: at most %d)", res.Lookups, MaxLookups))
	}
	if res.VoidLookups > MaxVoidLookups {
		res.Errors = append(res.Errors, fmt.Sprintf("%d void lookups (RFC 7208 4.6.4: at most %d)", res.VoidLookups, MaxVoidLookups))
	}
	return res, nil
}

func topAll(terms []scanners.SPFTerm) string {
	for _, t := range terms {
		if !t.Modifier && t.Name == "all" {
			return t.Qualifier
		}
	}
	return ""
}

// walk counts DNS-querying terms and follows include and redirect. It
// stops querying once the limit is exceeded (the record is already
// invalid) but keeps counting the terms it sees at this level.
func (e *spfEval) walk(ctx context.Context, domain string, terms []scanners.SPFTerm, depth int) {
	hasAll := false
	for _, t := range terms {
		if !t.Modifier && t.Name == "all" {
			hasAll = true
		}
	}
	for _, t := range terms {
		if ctx.Err() != nil {
			return
		}
		target := t.Value
		if target == "" || strings.HasPrefix(target, "/") {
			target = domain
		} else if i := strings.IndexByte(target, '/'); i > 0 {
			target = target[:i]
		}
		switch {
		case t.Modifier && t.Name == "redirect":
			if hasAll { // RFC 7208 6.1: ignored when "all" is present
				continue
			}
			e.res.Lookups++
			e.follow(ctx, "redirect", target, depth)
		case t.Modifier:
		case t.Name == "include":
			e.res.Lookups++
			e.follow(ctx, "include", target, depth)
		case t.Name == "a", t.Name == "mx", t.Name == "exists", t.Name == "ptr":
			e.res.Lookups++
			if t.Name == "ptr" || strings.Contains(target, "%") || e.res.Lookups > MaxLookups {
				continue // ptr needs the client address; macros need a message
			}
			qt := map[string]uint16{"a": dns.TypeA, "mx": dns.TypeMX, "exists": dns.TypeA}[t.Name]
			if _, err := e.r.query(ctx, target, qt); errors.Is(err, errVoid) {
				if t.Name == "a" {
					if _, err6 := e.r.query(ctx, target, dns.TypeAAAA); err6 == nil {
						continue
					}
				}
				e.res.VoidLookups++
			} else if err != nil {
				e.res.Errors = append(e.res.Errors, err.Error())
			}
		}
	}
}

func (e *spfEval) follow(ctx context.Context, kind, target string, depth int) {
	key := strings.ToLower(strings.TrimSuffix(target, "."))
	switch {
	case strings.Contains(target, "%"):
		return
	case e.visited[key]:
		e.res.Errors = append(e.res.Errors, fmt.Sprintf("%s loop: %s is already being evaluated", kind, target))
		return
	case depth >= maxDepth || e.res.Lookups > MaxLookups:
		return
	}
	e.visited[key] = true
	defer delete(e.visited, key)
	txts, err := e.r.txt(ctx, target)
	if err != nil && !errors.Is(err, errVoid) {
		e.res.Errors = append(e.res.Errors, kind+" "+target+": "+err.Error())
		return
	}
	var recs []string
	for _, t := range txts {
		if IsSPF(t) {
			recs = append(recs, t)
		}
	}
	switch {
	case len(recs) == 0:
		if errors.Is(err, errVoid) {
			e.res.VoidLookups++
		}
		// RFC 7208 5.2/6.1: a missing target record is a permerror.
		e.res.Errors = append(e.res.Errors, fmt.Sprintf("%s %s has no SPF record", kind, target))
		return
	case len(recs) > 1:
		e.res.Errors = append(e.res.Errors, fmt.Sprintf("%s %s has %d SPF records", kind, target, len(recs)))
	}
	e.res.Includes = append(e.res.Includes, target+": "+recs[0])
	terms, errs := ParseSPF(recs[0])
	for _, x := range errs {
		e.res.Errors = append(e.res.Errors, target+": "+x)
	}
	e.walk(ctx, target, terms, depth+1)
}
