#!/usr/bin/env bash
# Side by side: shindan's smtp.open-relay vs nmap --script smtp-open-relay on
# the mail lab hosts. Run as root with the lab up:
#   SDN_LAB=m testdata/lab/lab up mailopen maildata mailplain mailgood
#   SDN_LAB=m bench/mail/compare.sh
# nmap stops at RCPT (it never sends DATA), so it calls a server that
# accepts RCPT but refuses at DATA an open relay; shindan goes on to DATA
# (never sends a body) and grades that case warn.
set -euo pipefail
cd "$(dirname "$0")/../.."
SDN_LAB=${SDN_LAB:-m}
NS=sdn-$SDN_LAB-scan
run=/tmp/sdn-lab-$SDN_LAB
[[ -f $run/hosts.json ]] || { echo "lab $SDN_LAB is not up" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ip netns exec "$NS" env SDN_LAB="$SDN_LAB" go test -count=1 -v -tags netlab -run 'TestLabVerdicts' ./scanners/smtpscan/ >"$out/shindan.log" 2>&1 || true
# expected: what each lab host was built to be.
declare -A expect=([mailopen]=relay [maildata]=rcpt-only [mailplain]=closed [mailgood]=closed)
printf '%-10s %-16s %-10s %-12s %-9s %s\n' host addr expected shindan nmap agree
for h in mailopen maildata mailplain mailgood; do
	a=$(python3 -c "import json;print(json.load(open('$run/hosts.json'))['hosts']['$h']['ipv4'])")
	s=$(awk -v h="$h/$a:25" '$0 ~ h {f=1} f && /smtp.open-relay (pass|fail|warn|error)/ {match($0,/smtp.open-relay [a-z]+/); print substr($0,RSTART+16,RLENGTH-16); exit}' "$out/shindan.log")
	ip netns exec "$NS" nmap -Pn -n -p25 --script smtp-open-relay "$a" >"$out/nmap-$h.txt" 2>&1 || true
	if grep -q "Server is an open relay" "$out/nmap-$h.txt"; then n=relay; elif grep -q "Server doesn't seem to be an open relay" "$out/nmap-$h.txt"; then n=closed; else n=unknown; fi
	case ${expect[$h]}:$s in relay:fail | rcpt-only:warn | closed:pass) sok=yes ;; *) sok=NO ;; esac
	case ${expect[$h]}:$n in relay:relay | closed:closed) nok=yes ;; rcpt-only:relay) nok="NO (nmap stops at RCPT; DATA is refused, nothing is relayed)" ;; *) nok=NO ;; esac
	printf '%-10s %-16s %-10s %-12s %-9s shindan=%s nmap=%s\n' "$h" "$a" "${expect[$h]}" "${s:-?}" "$n" "$sok" "$nok"
done
