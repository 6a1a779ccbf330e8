package dnsscan

import (
	"crypto"
	"testing"
	"time"

	"github.com/miekg/dns"

	"shindan/scanners"
)

// signedZone signs the SOA and DNSKEY of zone with a fresh KSK valid
// between from and to, and returns the two replies and the key's DS.
func signedZone(t *testing.T, zone string, from, to time.Time) (*dns.Msg, *dns.Msg, *dns.DS) {
	t.Helper()
	key := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 300},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	priv, err := key.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	soa := rr(t, zone+" 300 IN SOA ns1."+zone+" h."+zone+" 1 2 3 4 5")
	sign := func(set []dns.RR) *dns.RRSIG {
		s := &dns.RRSIG{Hdr: dns.RR_Header{Ttl: 300}, KeyTag: key.KeyTag(), SignerName: zone, Algorithm: key.Algorithm,
			Inception: uint32(from.Unix()), Expiration: uint32(to.Unix())}
		if err := s.Sign(priv.(crypto.Signer), set); err != nil {
			t.Fatal(err)
		}
		return s
	}
	km, sm := new(dns.Msg), new(dns.Msg)
	km.Answer = []dns.RR{key, sign([]dns.RR{key})}
	sm.Answer = []dns.RR{soa, sign([]dns.RR{soa})}
	return km, sm, key.ToDS(dns.SHA256)
}

func TestEvalDNSSEC(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	zone := "signed.test."
	km, sm, ds := signedZone(t, zone, now.Add(-time.Hour), now.Add(30*24*time.Hour))
	for _, tc := range []struct {
		name         string
		ds           []*dns.DS
		at           time.Time
		valid, match bool
		problems     int
	}{
		{name: "valid chain", ds: []*dns.DS{ds}, at: now, valid: true, match: true},
		{name: "island", at: now, valid: true, problems: 1},
		{name: "expired", ds: []*dns.DS{ds}, at: now.Add(60 * 24 * time.Hour), match: true, problems: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st scanners.DNSSECState
			evalDNSSEC(&st, zone, km, sm, tc.ds, tc.at)
			if !st.Signed || st.Valid != tc.valid || st.DSMatch != tc.match || len(st.Problems) != tc.problems {
				t.Errorf("got %+v", st)
			}
		})
	}
	var st scanners.DNSSECState
	evalDNSSEC(&st, zone, new(dns.Msg), new(dns.Msg), nil, now)
	if st.Signed || st.Valid || len(st.Problems) != 0 {
		t.Errorf("unsigned zone: %+v", st)
	}
}
