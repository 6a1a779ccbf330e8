#!/usr/bin/env bash
# Time to the first streamed finding of the whole-lab external scan:
# bench/engine/first.sh BIN OUTDIR (inside the scanner namespace; SDN_LAB).
set -euo pipefail
bin=${1:?usage: first.sh BIN OUTDIR}
out=${2:?usage: first.sh BIN OUTDIR}
inst=${SDN_LAB:-a}
run=${LAB_RUN:-/tmp/sdn-lab-$inst}
cd "$(dirname "$0")/../.."
mkdir -p "$out"
rm -f "$out/report.jsonl" "$out/report.json"
grep '"segment"' "$run/hosts.json" | grep -oE '"ipv[46]": "[^"]+"' | cut -d'"' -f4 > "$out/targets.txt"
cat "$run"/*/ca.pem > "$out/lab-ca.pem" 2>/dev/null || true
start=$(date +%s.%N)
"$bin" scan --profile external --format json,jsonl -o "$out" --fail-on none --no-progress \
	--ca-file "$out/lab-ca.pem" -f "$out/targets.txt" 2>/dev/null >/dev/null &
pid=$!
first=""
while kill -0 $pid 2>/dev/null; do
	if [ -z "$first" ] && [ -f "$out/report.jsonl" ] && grep -q '"type":"finding"' "$out/report.jsonl"; then
		first=$(date +%s.%N)
	fi
	sleep 0.02
done
wait $pid || true
end=$(date +%s.%N)
echo "first finding after $(echo "$first - $start" | bc) s; scan done after $(echo "$end - $start" | bc) s; $(grep -c '"type":"finding"' "$out/report.jsonl") finding lines"
