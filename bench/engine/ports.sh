#!/usr/bin/env bash
# One host, all 65535 TCP ports, default settings: shindan's service
# inventory against nmap's bare SYN discovery (and, with SV=1, nmap -sV),
# alternately, N rounds: bench/engine/ports.sh BIN [N] [TARGET]
# (inside the scanner namespace; TARGET defaults to the lab's webhardened
# host, nginx on ports 80 and 443).
set -euo pipefail
bin=${1:?usage: ports.sh BIN [N] [TARGET]}
n=${2:-3}
inst=${SDN_LAB:-a}
run=${LAB_RUN:-/tmp/sdn-lab-$inst}
target=${3:-$(grep '"webhardened"' "$run/hosts.json" | grep -oE '"ipv4": "[^"]+"' | cut -d'"' -f4)}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$@"; }
for i in $(seq 1 "$n"); do
	rm -f "$out/r.json"
	s=$(date +%s.%N)
	"$bin" scan --checks service.exposed --ports all --format json -o "$out/r.json" --fail-on none --no-progress "$target" 2>/dev/null || true
	e=$(date +%s.%N)
	ports=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(','.join(str(p) for p in sorted({s['port'] for a in r.get('assets', []) for s in a.get('services', [])})))" "$out/r.json")
	echo "shindan $i: $(secs "$s" "$e") s, open $ports, load $(cut -d' ' -f1 /proc/loadavg)"
	s=$(date +%s.%N)
	ports=$(nmap -n -sS -p- -T4 "$target" -oG - | grep -oE '[0-9]+/open' | cut -d/ -f1 | paste -sd,)
	e=$(date +%s.%N)
	echo "nmap -sS -p- -T4 $i: $(secs "$s" "$e") s, open $ports"
	if [ -n "${SV:-}" ]; then
		s=$(date +%s.%N)
		nmap -n -sS -sV -p- -T4 "$target" -oG - > /dev/null
		e=$(date +%s.%N)
		echo "nmap -sS -sV -p- -T4 $i: $(secs "$s" "$e") s"
	fi
done
