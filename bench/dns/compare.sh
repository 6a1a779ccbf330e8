#!/usr/bin/env bash
# Side-by-side: shindan's DNS checks versus nmap (dns-recursion,
# dns-zone-transfer, dns-nsid) and zonemaster-cli on the same lab servers.
#
#   SDN_LAB=d testdata/lab/lab up dnsroot dnsgood1 dnsgood2 dnsleaky dnssecond dnsopen dnsclosed
#   SDN_LAB=d bench/dns/compare.sh
#
# Needs root (ip netns exec), Debian packages nmap and zonemaster-cli. All
# traffic stays inside the lab (198.51.100.0/24, 2001:db8:100::/64);
# zonemaster gets the lab's root hints (dnsroot) so it never asks real roots.
# Prints one line per case: shindan's verdict, the other tool's, agree or
# DISAGREE, and a note where the other tool is known to be wrong.
set -euo pipefail
cd "$(dirname "$0")/../.."
SDN_LAB=${SDN_LAB:-d}
NS=sdn-$SDN_LAB-scan
HOSTS=/tmp/sdn-lab-$SDN_LAB/hosts.json
[[ -f $HOSTS ]] || { echo "compare: lab $SDN_LAB is not up ($HOSTS missing)" >&2; exit 2; }
OUT=$(mktemp -d /tmp/shindan-dns-compare.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
inns() { ip netns exec "$NS" "$@"; }
addr() { python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["hosts"][sys.argv[2]]; print(h[sys.argv[3]])' "$HOSTS" "$1" "$2"; }

# 1. shindan: the netlab integration test logs one line per finding.
SDN_LAB=$SDN_LAB inns go test -count=1 -tags netlab -run 'TestLab' -v ./checks/dnscheck/ >"$OUT/shindan.log" 2>&1 || true
shindan() { # TARGET CHECK [SUBJECT-PREFIX] -> status
	awk -v t="$1" -v c="$2" -v s="${3:-}" '$1 == "lab_test.go:48:" && $2 == t && $3 == c && (s == "" || index($4, s) == 1) { print ($4 ~ /^(pass|fail|warn|info|error|skipped)$/ ? $4 : $5); exit }' "$OUT/shindan.log"
}
row() { # CASE SHINDAN TOOL AGREE-WHEN-EQUAL NOTE
	local mark=agree
	[[ $2 == "$3" ]] || mark=DISAGREE
	printf '%-46s shindan=%-8s %-26s %-8s %s\n' "$1" "$2" "$3" "$mark" "${4:-}"
}

echo "== nmap 7.93 --script dns-recursion,dns-zone-transfer,dns-nsid versus shindan dns.server checks"
declare -A ZONE=([dnsroot]=example [dnsgood1]=good.example [dnsgood2]=good.example [dnsleaky]=leaky.example [dnssecond]=leaky.example [dnsopen]=example.com [dnsclosed]=example.com)
for h in dnsopen dnsclosed dnsroot dnsgood1 dnsleaky dnssecond; do
	for fam in ipv4 ipv6; do
		a=$(addr "$h" "$fam")
		six=""
		[[ $fam == ipv6 ]] && six=-6
		inns nmap $six -Pn -n -sU -sT -p U:53,T:53 --script dns-recursion,dns-zone-transfer,dns-nsid \
			--script-args "dns-zone-transfer.domain=${ZONE[$h]}" "$a" >"$OUT/nmap-$h-$fam.txt" 2>&1 || true
		t=$a:53
		[[ $fam == ipv6 ]] && t="[$a]:53"
		# open resolver: nmap says "Recursion appears to be enabled" (RA + NOERROR/SERVFAIL, answers not checked)
		n=pass
		grep -q "Recursion appears to be enabled" "$OUT/nmap-$h-$fam.txt" && n=fail
		s=$(shindan "$t" dns.open-resolver)
		note=""
		[[ $h == dnsroot && $n == pass ]] && note="(shindan: authoritative for the probe name, not a resolver)"
		[[ $h == dnsopen && $n == pass ]] && note="(nmap WRONG: dns-recursion asks www.wikipedia.org, which the lab root lacks; NXDOMAIN+RA is not NOERROR/SERVFAIL so it stays silent. shindan's probe name is configurable)"
		row "$h $fam open-resolver" "$s" "$n" "$note"
		# zone transfer: nmap prints the records of a successful AXFR
		n=pass
		grep -qE "dns-zone-transfer:" "$OUT/nmap-$h-$fam.txt" && grep -qE "\bSOA\b" "$OUT/nmap-$h-$fam.txt" && n=fail
		s=$(shindan "$t" dns.zone-transfer "${ZONE[$h]}.@")
		[[ -z $s ]] && s=$(shindan "$t" dns.zone-transfer)
		note=""
		[[ $s == skipped ]] && note="(shindan tries AXFR only for zones the server is authoritative for; nmap asks blindly)"
		[[ $s == skipped && $n == pass ]] && s=pass
		[[ $h == dnsleaky && $n == pass ]] && note="(nmap WRONG: build_domain cuts the domain arg to its guess of the registrable domain, leaky.example -> example., so it asks for the wrong zone)"
		row "$h $fam zone-transfer ${ZONE[$h]}" "$s" "$n" "$note"
		# version: dns-nsid prints bind.version
		n=pass
		grep -qE "bind\.version: .*[0-9]+\.[0-9]+" "$OUT/nmap-$h-$fam.txt" && n=fail
		row "$h $fam version-disclosure" "$(shindan "$t" dns.version-disclosure)" "$n"
	done
done

echo
echo "== zonemaster-cli (lab root hints) versus shindan dns.domain checks"
printf '. 3600000 NS ns.example.\nns.example. 3600000 A %s\nns.example. 3600000 AAAA %s\n' \
	"$(addr dnsroot ipv4)" "$(addr dnsroot ipv6)" >"$OUT/hints.zone"
for z in good.example leaky.example lame.example; do
	inns zonemaster-cli --hints "$OUT/hints.zone" --show-testcase --level INFO --no-progress "$z" >"$OUT/zm-$z.txt" 2>&1 || true
	f="$OUT/zm-$z.txt"
	n=pass
	grep -q "NAMESERVER03 .*allow zone transfer" "$f" && n=fail
	row "$z zone-transfer (any server)" "$(awk -v z="$z" '$1 == "lab_test.go:48:" && $2 == z && $3 == "dns.zone-transfer" && $5 == "fail" { f = 1 } END { print (f ? "fail" : "pass") }' "$OUT/shindan.log")" "$n"
	n=pass
	grep -qE "CONSISTENCY01 +Found [2-9] SOA serial" "$f" && n=fail
	row "$z soa-consistency (serial)" "$(shindan "$z" dns.soa-consistency)" "$n"
	n=pass
	grep -qE "(WARNING|ERROR) +(DELEGATION04|DELEGATION05|NAMESERVER02)" "$f" && n=fail
	row "$z ns-redundancy lame" "$(shindan "$z" dns.ns-redundancy lame)" "$n"
	n="n/a"
	grep -qE "(WARNING|ERROR|NOTICE) +CONNECTIVITY0[34]" "$f" && n=warn
	row "$z ns-redundancy diversity" "$(shindan "$z" dns.ns-redundancy diversity)" "$n" "(zonemaster's CONNECTIVITY03/04 need AS lookups outside the lab; shindan: one /24 and one /48 in the lab is a real warn)"
	n=info
	grep -qE "(WARNING|ERROR) +DNSSEC|neither DS nor DNSKEY|not signed" "$f" && n=warn
	row "$z dnssec" "$(shindan "$z" dns.dnssec)" "$n"
done
echo
echo "raw outputs were in $OUT (removed on exit; set KEEP=1 to keep)"
if [[ ${KEEP:-} == 1 ]]; then trap - EXIT; fi
