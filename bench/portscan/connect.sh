#!/usr/bin/env bash
# Full 65535-port TCP connect scan of one lab host: shindan's connect
# sweeper vs nmap -sT -p- -T4, alternating, same run. Prints both times,
# the ratio, and fails if the open-port sets differ.
# Run inside the scanner namespace with the lab up (make bench does both).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:-$(grep -A0 '"legacy"' "${LAB_RUN:-/tmp/sdn-lab-${SDN_LAB:-a}}/hosts.json" | grep -oE '"ipv4": "[^"]+"' | cut -d'"' -f4)}
rounds=${ROUNDS:-3}
drv=$(mktemp -d)/connectdriver
go build -o "$drv" ./bench/portscan/connectdriver
now() { date +%s.%N; }
ts=(); tn=()
for i in $(seq "$rounds"); do
	a=$(now); "$drv" "$target" 2>/dev/null | sort -n > /tmp/shindan.ports; b=$(now)
	nmap -sT -p- -T4 -n -Pn -oG - "$target" | grep -oE '[0-9]+/open' | cut -d/ -f1 | sort -n > /tmp/nmap.ports; c=$(now)
	ts+=("$(echo "$b - $a" | bc)"); tn+=("$(echo "$c - $b" | bc)")
	if ! diff -q /tmp/shindan.ports /tmp/nmap.ports >/dev/null; then
		echo "MISMATCH: shindan found $(tr '\n' ' ' </tmp/shindan.ports), nmap $(tr '\n' ' ' </tmp/nmap.ports)"; exit 1
	fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms=$(median "${ts[@]}"); mn=$(median "${tn[@]}")
echo "target $target, all 65535 TCP ports, $rounds rounds; open: $(tr '\n' ' ' </tmp/shindan.ports)(identical)"
echo "shindan connect: ${ts[*]} s (median $ms)"
echo "nmap -sT -T4:    ${tn[*]} s (median $mn)"
echo "ratio nmap/shindan = $(echo "scale=2; $mn / $ms" | bc)x"
