package dnsscan

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"shindan/scanners"
)

// firstAuth returns the address of the first server that answered
// authoritatively, or "".
func firstAuth(d *scanners.DNSDomain) string {
	for _, s := range d.Servers {
		if s.Answered && !s.Lame {
			return s.Addr
		}
	}
	return ""
}

// dnssec fills d.DNSSEC from the first authoritative server: DNSKEY and
// the RRSIGs over DNSKEY and SOA, checked against the parent's DS and the
// clock; then asks the resolver whether it sets AD.
func (c *client) dnssec(ctx context.Context, d *scanners.DNSDomain) {
	st := &d.DNSSEC
	addr := firstAuth(d)
	if addr == "" {
		st.Error = "no authoritative server answered"
		return
	}
	fetch := func(qtype uint16) (*dns.Msg, error) {
		m := newQuery(d.Zone, qtype, false)
		m.IsEdns0().SetDo()
		r, err := c.query(ctx, hostPort(addr), "udp", m)
		if err != nil {
			return nil, err
		}
		return r.Msg, nil
	}
	km, err := fetch(dns.TypeDNSKEY)
	if err != nil {
		st.Error = "DNSKEY query: " + err.Error()
		return
	}
	sm, err := fetch(dns.TypeSOA)
	if err != nil {
		st.Error = "SOA query: " + err.Error()
		return
	}
	var ds []*dns.DS
	for _, s := range st.DS {
		if rr, err := dns.NewRR(s); err == nil {
			if x, ok := rr.(*dns.DS); ok {
				ds = append(ds, x)
			}
		}
	}
	evalDNSSEC(st, d.Zone, km, sm, ds, c.env.Clock())
	if d.ParentError != "" {
		// Without a parent there is no DS to look for: a missing DS is
		// not evidence of an island of trust here.
		st.Problems = slices.DeleteFunc(st.Problems, func(p string) bool { return strings.Contains(p, "island of trust") })
	}
	// Does the scanner's resolver validate? Only meaningful for a signed zone.
	if st.Signed {
		m := newQuery(d.Zone, dns.TypeSOA, true)
		m.IsEdns0().SetDo()
		m.AuthenticatedData = true
		if r, err := c.query(ctx, d.Resolver, "udp", m); err == nil {
			st.ResolverAD = "unset"
			if r.Msg.AuthenticatedData {
				st.ResolverAD = "set"
			}
		}
	}
}

// evalDNSSEC judges the DNSKEY reply km and SOA reply sm (both untrusted)
// against the parent's DS set at time now.
func evalDNSSEC(st *scanners.DNSSECState, zone string, km, sm *dns.Msg, ds []*dns.DS, now time.Time) {
	var keys []*dns.DNSKEY
	var keySet, soaSet []dns.RR
	var keySigs, soaSigs []*dns.RRSIG
	collect := func(m *dns.Msg, qtype uint16, set *[]dns.RR, sigs *[]*dns.RRSIG) {
		for _, rr := range m.Answer {
			if !strings.EqualFold(rr.Header().Name, zone) {
				continue
			}
			switch r := rr.(type) {
			case *dns.RRSIG:
				if r.TypeCovered == qtype {
					*sigs = append(*sigs, r)
				}
			default:
				if rr.Header().Rrtype == qtype {
					*set = append(*set, rr)
				}
			}
		}
	}
	collect(km, dns.TypeDNSKEY, &keySet, &keySigs)
	collect(sm, dns.TypeSOA, &soaSet, &soaSigs)
	for _, rr := range keySet {
		k := rr.(*dns.DNSKEY)
		keys = append(keys, k)
		st.DNSKEY = append(st.DNSKEY, strconv.Itoa(int(k.Flags))+" "+dns.AlgorithmToString[k.Algorithm]+" "+strconv.Itoa(int(k.KeyTag())))
		if len(st.DNSKEY) == 10 {
			break
		}
	}
	st.Signed = len(keys) > 0 && len(soaSigs) > 0
	for _, x := range ds {
		for _, k := range keys {
			if k.Flags&dns.SEP == 0 && k.Flags&dns.ZONE == 0 {
				continue
			}
			if got := k.ToDS(x.DigestType); got != nil && got.KeyTag == x.KeyTag && strings.EqualFold(got.Digest, x.Digest) {
				st.DSMatch = true
			}
		}
	}
	var expires time.Time
	verify := func(what string, set []dns.RR, sigs []*dns.RRSIG) bool {
		if len(set) == 0 || len(sigs) == 0 {
			if len(keys) > 0 {
				st.Problems = append(st.Problems, "no RRSIG over "+what)
			}
			return false
		}
		ok := false
		for _, s := range sigs {
			exp := time.Unix(int64(s.Expiration), 0).UTC()
			if expires.IsZero() || exp.Before(expires) {
				expires = exp
			}
			for _, k := range keys {
				if k.KeyTag() != s.KeyTag || k.Algorithm != s.Algorithm {
					continue
				}
				if err := s.Verify(k, set); err != nil {
					st.Problems = append(st.Problems, "RRSIG over "+what+" by key "+strconv.Itoa(int(s.KeyTag))+" does not verify: "+err.Error())
					continue
				}
				if !s.ValidityPeriod(now) {
					st.Problems = append(st.Problems, "RRSIG over "+what+" by key "+strconv.Itoa(int(s.KeyTag))+" is outside its validity period (expires "+exp.Format(time.RFC3339)+")")
					continue
				}
				ok = true
			}
		}
		if !ok && !slices.ContainsFunc(st.Problems, func(p string) bool { return strings.Contains(p, what) }) {
			st.Problems = append(st.Problems, "no RRSIG over "+what+" made by a published DNSKEY")
		}
		return ok
	}
	kOK := verify("DNSKEY", keySet, keySigs)
	sOK := verify("SOA", soaSet, soaSigs)
	st.Valid = st.Signed && kOK && sOK
	if !expires.IsZero() {
		st.Expires = expires.Format(time.RFC3339)
	}
	switch {
	case len(ds) > 0 && len(keys) == 0:
		st.Problems = append(st.Problems, "DS at the parent but the zone publishes no DNSKEY")
	case len(ds) > 0 && !st.DSMatch:
		st.Problems = append(st.Problems, "no DS at the parent matches a DNSKEY of the zone")
	case len(ds) == 0 && st.Signed:
		st.Problems = append(st.Problems, "the zone is signed but the parent has no DS (island of trust)")
	}
}

// names looks up the apex, the common labels, the NS and MX hosts inside
// the zone at the first authoritative server and records their addresses.
func (c *client) names(ctx context.Context, d *scanners.DNSDomain) {
	addr := firstAuth(d)
	if addr == "" {
		return
	}
	server := hostPort(addr)
	cands := []string{d.Zone}
	for _, l := range commonLabels {
		cands = append(cands, l+"."+d.Zone)
	}
	if r, err := c.query(ctx, server, "udp", newQuery(d.Zone, dns.TypeMX, false)); err == nil {
		for _, rr := range r.Msg.Answer {
			if mx, ok := rr.(*dns.MX); ok {
				cands = append(cands, strings.ToLower(mx.Mx))
			}
		}
	}
	cands = append(cands, d.ParentNS...)
	seen := map[string]bool{}
	for _, n := range cands {
		if seen[n] || !dns.IsSubDomain(d.Zone, n) || len(seen) >= maxNames || ctx.Err() != nil {
			continue
		}
		seen[n] = true
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
			r, err := c.query(ctx, server, "udp", newQuery(n, qt, false))
			if err != nil || r.Msg.Rcode == dns.RcodeNameError {
				break
			}
			d.Names = append(d.Names, addrRecords(r.Msg.Answer)...)
		}
	}
}
