#!/usr/bin/env bash
# Side by side on the web lab hosts: nmap's web scripts vs shindan's
# http.site probe + web checks. Run as root from the repo root:
#   SDN_LAB=w bench/web/compare.sh
# Needs the lab up with weblisting, webhardened and webapache. Everything
# runs inside the scanner namespace, so traffic only reaches lab addresses.
set -euo pipefail
SDN_LAB=${SDN_LAB:-w}
NS=sdn-$SDN_LAB-scan
RUN=${LAB_RUN:-/tmp/sdn-lab-$SDN_LAB}
OUT=${OUT:-$RUN/bench-web}
mkdir -p "$OUT"
addr() { python3 -c "import json,sys;print(json.load(open('$RUN/hosts.json'))['hosts'][sys.argv[1]]['ipv4'])" "$1"; }

for h in weblisting webapache webhardened; do
	a=$(addr "$h")
	ports=80
	[[ $h == webhardened ]] && ports=80,443
	echo "== nmap $h ($a)"
	start=$(date +%s.%N)
	ip netns exec "$NS" nmap -Pn -n -p "$ports" \
		--script http-ls,http-enum,http-methods,http-headers,http-git \
		--script-args http-methods.test-all=true "$a" -oN "$OUT/nmap-$h.txt" >/dev/null
	echo "   nmap took $(echo "$(date +%s.%N) - $start" | bc) s"
	grep -E '^\|' "$OUT/nmap-$h.txt" | grep -iE 'git|index of|listing|/server-status|potentially risky|Server:|TRACE|PUT|DELETE|PROPFIND' | sed 's/^/   /' || true
done

echo "== shindan (http.site + web checks)"
start=$(date +%s.%N)
ip netns exec "$NS" go test -count=1 -tags netlab -run 'TestLab' -v ./scanners/httpscan/ >"$OUT/shindan.txt" 2>&1 || true
echo "   shindan took $(echo "$(date +%s.%N) - $start" | bc) s (including go test build)"
grep -E ' (fail|warn)$' "$OUT/shindan.txt" | sed 's/^ *lab_netlab_test.go:[0-9]*: /   /' | sort -u
grep -E '^(--- |ok|FAIL)' "$OUT/shindan.txt" | sed 's/^/   /'

echo "== nuclei SDK with the curated templates (vuln.nuclei through the scope proxy)"
ip netns exec "$NS" go test -count=1 -tags netlab -run 'TestLabNuclei' -v ./scanners/nucleiscan/ >"$OUT/nuclei.txt" 2>&1 || true
grep -E 'lab_netlab_test.go:[0-9]+: ' "$OUT/nuclei.txt" | sed 's/^ *lab_netlab_test.go:[0-9]*: /   /'
grep -E '^(--- |ok|FAIL)' "$OUT/nuclei.txt" | sed 's/^/   /'

echo "== capture: every outbound destination while both ran again"
ip netns exec "$NS" tcpdump -i any -n -w "$OUT/capture.pcap" 2>/dev/null &
tp=$!
sleep 1
ip netns exec "$NS" go test -count=1 -tags netlab -run 'TestLab' ./scanners/httpscan/ ./scanners/nucleiscan/ >/dev/null 2>&1 || true
sleep 1
kill "$tp"
wait "$tp" 2>/dev/null || true
tcpdump -n -r "$OUT/capture.pcap" 2>/dev/null | grep ' Out ' | grep -oE '> [0-9a-f:.]+' | sed -E 's/\.[0-9]+$//' | sort | uniq -c | sed 's/^/   /'
