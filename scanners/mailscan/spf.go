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
	MaxLookups     = 10 // DNS-querying terms over the whole tree
	MaxVoidLookups = 2  // of those, lookups that return no data
	MaxMXNames     = 10 // MX records an "mx" mechanism may return
	maxDepth       = 12 // recursion guard beyond the lookup limit
)

// spfEval walks one domain's SPF tree as check_host() would for a client
// that matches no mechanism: every DNS-querying term up to "all" is
// evaluated, so the counts are the worst case the record allows. Without
// a message, macros are not expanded (their lookups are counted, not
// made) and ptr is counted, not resolved.
type spfEval struct {
	r       *resolver
	res     *scanners.SPFResult
	visited map[string]bool
}

// evalSPF fetches and evaluates the SPF record of domain. err is for the
// top TXT lookup only; errors inside the tree are in res.Errors
// (permerror) and res.TempErrors (temperror).
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
	terms, errs := parseSPF(res.Records[0])
	for _, t := range terms {
		res.Terms = append(res.Terms, t.SPFTerm)
	}
	res.Errors = append(res.Errors, errs...)
	res.All = topAll(res.Terms)
	if len(errs) > 0 {
		// A syntax error is a permerror before any lookup (RFC 7208 4.6).
		return res, nil
	}
	e := &spfEval{r: r, res: &res, visited: map[string]bool{normName(domain): true}}
	e.walk(ctx, domain, terms, 0)
	if res.Lookups > MaxLookups {
		res.Errors = append(res.Errors, fmt.Sprintf("%d DNS-querying terms (RFC 7208 4.6.4: at most %d)", res.Lookups, MaxLookups))
	}
	if res.VoidLookups > MaxVoidLookups {
		res.Errors = append(res.Errors, fmt.Sprintf("%d void lookups (RFC 7208 4.6.4: at most %d)", res.VoidLookups, MaxVoidLookups))
	}
	return res, nil
}

// topAll is the qualifier of the top record's all mechanism, "" when it
// has none; the check reads "+" and "?" as no protection.
func topAll(terms []scanners.SPFTerm) string {
	for _, t := range terms {
		if !t.Modifier && t.Name == "all" {
			return t.Qualifier
		}
	}
	return ""
}

// normName keys the loop detector: DNS names compare case-insensitively
// and with or without the root dot, so "Example.COM." is example.com.
func normName(s string) string { return strings.ToLower(strings.TrimSuffix(s, ".")) }

// walk evaluates the mechanisms of one record in order up to "all", then
// its redirect when there is no "all" (RFC 7208 6.1: redirect is ignored
// when "all" is present; its syntax was checked by the parser).
func (e *spfEval) walk(ctx context.Context, domain string, terms []spfTerm, depth int) {
	var redirect *spfTerm
	hasAll := false
	for i := range terms {
		t := &terms[i]
		if t.Modifier {
			if t.Name == "redirect" {
				redirect = t
			}
			continue
		}
		if t.Name == "all" {
			hasAll = true
			break // later mechanisms are never evaluated
		}
		if ctx.Err() != nil {
			return
		}
		if !spfMechanisms[t.Name] {
			continue // ip4, ip6: no DNS
		}
		e.res.Lookups++
		target := t.Domain
		if target == "" {
			target = domain
		}
		switch {
		case t.Macro:
			e.note(fmt.Sprintf("%s:%s uses macros; counted, not looked up (needs a message)", t.Name, t.Domain))
			continue
		case e.res.Lookups > MaxLookups:
			continue // already a permerror; stop querying
		}
		switch t.Name {
		case "include":
			e.follow(ctx, "include", target, depth)
		case "a":
			e.addrLookup(ctx, "a", target)
		case "mx":
			e.mx(ctx, target)
		case "exists":
			if _, err := e.r.query(ctx, target, dns.TypeA); errors.Is(err, errVoid) {
				e.res.VoidLookups++
			} else if err != nil {
				e.temp("exists:" + target + ": " + err.Error())
			}
		case "ptr":
			// The PTR names of the client, at most 10 of them (4.6.4),
			// are looked up per message: nothing to resolve here.
			e.note("ptr is counted but needs the client address (RFC 7208 5.5 also says ptr SHOULD NOT be used)")
		}
	}
	if hasAll || redirect == nil || ctx.Err() != nil {
		return
	}
	e.res.Lookups++
	switch {
	case redirect.Macro:
		e.note("redirect=" + redirect.Domain + " uses macros; counted, not looked up")
	case e.res.Lookups <= MaxLookups:
		e.follow(ctx, "redirect", redirect.Domain, depth)
	}
}

// note records, once, a term the walk counted but could not evaluate, so
// a pass can say what it did not cover.
func (e *spfEval) note(s string) {
	for _, n := range e.res.Notes {
		if n == s {
			return
		}
	}
	e.res.Notes = append(e.res.Notes, s)
}

// perm records a permerror (RFC 7208 §2.6.7: the record is broken) and
// temp a temperror (§2.6.6: a DNS failure; the record may be fine).
func (e *spfEval) perm(s string) { e.res.Errors = append(e.res.Errors, s) }
func (e *spfEval) temp(s string) { e.res.TempErrors = append(e.res.TempErrors, s) }

// addrLookup resolves A and AAAA of target for an "a" mechanism: void
// only when neither has data (the client's family is unknown).
func (e *spfEval) addrLookup(ctx context.Context, mech, target string) {
	_, err4 := e.r.query(ctx, target, dns.TypeA)
	if err4 != nil && !errors.Is(err4, errVoid) {
		e.temp(mech + ":" + target + ": " + err4.Error())
		return
	}
	_, err6 := e.r.query(ctx, target, dns.TypeAAAA)
	if err6 != nil && !errors.Is(err6, errVoid) {
		e.temp(mech + ":" + target + ": " + err6.Error())
		return
	}
	if err4 != nil && err6 != nil {
		e.res.VoidLookups++
	}
}

// mx resolves the MX set of target; more than 10 MX records is a
// permerror (4.6.4), and each exchange's addresses are looked up (those
// lookups are part of the one mx term and count against no limit).
func (e *spfEval) mx(ctx context.Context, target string) {
	rrs, err := e.r.query(ctx, target, dns.TypeMX)
	if errors.Is(err, errVoid) {
		e.res.VoidLookups++
		return
	}
	if err != nil {
		e.temp("mx:" + target + ": " + err.Error())
		return
	}
	if len(rrs) > MaxMXNames {
		e.perm(fmt.Sprintf("mx:%s returns %d MX records (RFC 7208 4.6.4: at most %d)", target, len(rrs), MaxMXNames))
		return
	}
	for _, rr := range rrs {
		host := rr.(*dns.MX).Mx
		if host == "." || ctx.Err() != nil {
			continue // null MX (RFC 7505)
		}
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
			if _, err := e.r.query(ctx, host, qt); err != nil && !errors.Is(err, errVoid) {
				e.temp("mx:" + target + " exchange " + host + ": " + err.Error())
				return
			}
		}
	}
}

// follow evaluates the record an include or redirect names. No record is
// a permerror (5.2, 6.1), a failed lookup a temperror.
func (e *spfEval) follow(ctx context.Context, kind, target string, depth int) {
	key := normName(target)
	switch {
	case e.visited[key]:
		e.perm(fmt.Sprintf("%s loop: %s is already being evaluated", kind, target))
		return
	case depth >= maxDepth:
		e.perm(fmt.Sprintf("%s %s: nested deeper than %d records", kind, target, maxDepth))
		return
	}
	e.visited[key] = true
	defer delete(e.visited, key)
	txts, err := e.r.txt(ctx, target)
	if err != nil && !errors.Is(err, errVoid) {
		e.temp(kind + " " + target + ": " + err.Error())
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
		e.perm(fmt.Sprintf("%s %s has no SPF record (RFC 7208 5.2, 6.1: permerror)", kind, target))
		return
	case len(recs) > 1:
		e.perm(fmt.Sprintf("%s %s has %d SPF records", kind, target, len(recs)))
		return
	}
	e.res.Includes = append(e.res.Includes, target+": "+recs[0])
	terms, errs := parseSPF(recs[0])
	for _, x := range errs {
		e.perm(target + ": " + x)
	}
	if len(errs) > 0 {
		return
	}
	e.walk(ctx, target, terms, depth+1)
}
