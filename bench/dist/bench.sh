#!/usr/bin/env bash
# Distributed-scan throughput through the CLI: the same rate-bound sweep
# (profile sweep, every address a live lab host) with 1, 2 and 4 worker
# processes on the embedded NATS server, each worker capped by its own
# --rate, the scan-wide --rate high; plus a local scan of the same targets
# whose findings every distributed report must equal.
#   bench/dist/bench.sh BIN OUTDIR      (inside the scanner namespace; SDN_LAB)
# Env (defaults: the RESULTS.md headline run, about 6 minutes): WORKER_RATE
# (default 250 per second), PORTS (default top1000),
# TARGETS (default two DMZ ranges where every address is a live host),
# BLOCK (addresses per unit, default 1), UNITS (units a worker runs at once,
# default 2), WORKERS (default "1 2 4").
set -euo pipefail
bin=${1:?usage: bench.sh BIN OUTDIR}
out=${2:?usage: bench.sh BIN OUTDIR}
rate=${WORKER_RATE:-250}
ports=${PORTS:-top1000}
block=${BLOCK:-1}
counts=${WORKERS:-1 2 4}
units=(--units "${UNITS:-2}")
read -r -a targets <<< "${TARGETS:-198.51.100.50-67 198.51.100.120-129}"
mkdir -p "$out"
common=(scan --no-progress --fail-on none --format json --profile sweep --ports "$ports" --force)

keys() { # findings as comparable lines: check, target, subject, status, severity, items
	python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for f in sorted(r["findings"], key=lambda f: (f["check"], f["target"], f.get("subject", ""))):
    items = ",".join("%s:%s:%s" % (i["id"], i["status"], i.get("severity", "")) for i in f.get("items", []))
    print(f["check"], f["target"], f.get("subject", ""), f["status"], f.get("severity", ""), items)
PY
}

t0=$(date +%s.%N)
"$bin" "${common[@]}" --rate "$rate" -o "$out/local.json" "${targets[@]}" 2> "$out/local.err" > /dev/null
t1=$(date +%s.%N)
local_s=$(echo "$t1 - $t0" | bc)
keys "$out/local.json" > "$out/local.keys"
echo "local scan at --rate $rate: ${local_s} s, $(wc -l < "$out/local.keys") findings"

declare -A wall
for n in $counts; do
	rm -f "$out/coord$n.err"
	t0=$(date +%s.%N)
	"$bin" "${common[@]}" --rate 20000 --nats embedded --nats-workers 0 --nats-block "$block" --log-level info \
		-o "$out/dist$n.json" "${targets[@]}" 2> "$out/coord$n.err" > /dev/null &
	coord=$!
	url=""
	for _ in $(seq 1 200); do
		url=$(grep -oE 'nats://127\.0\.0\.1:[0-9]+' "$out/coord$n.err" | head -1 || true)
		[ -n "$url" ] && break
		sleep 0.05
	done
	[ -n "$url" ] || { echo "no embedded server URL"; kill $coord; exit 1; }
	pids=()
	for i in $(seq 1 "$n"); do
		"$bin" worker --nats "$url" --name "w$i" --rate "$rate" "${units[@]}" 2> "$out/worker$n-$i.err" &
		pids+=($!)
	done
	wait $coord || true
	t1=$(date +%s.%N)
	kill "${pids[@]}" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
	wall[$n]=$(echo "$t1 - $t0" | bc)
	keys "$out/dist$n.json" > "$out/dist$n.keys"
	same=identical
	cmp -s "$out/local.keys" "$out/dist$n.keys" || same="DIFFERENT (diff $out/local.keys $out/dist$n.keys)"
	dur=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r['scan']['stats']['duration_ms']/1000, r['scan']['stats']['probes_sent'], r['scan']['distributed']['units'], ' '.join('%s:%d' % (w['name'], w['units']) for w in r['scan']['distributed']['workers']))" "$out/dist$n.json")
	echo "$n worker(s) at --rate $rate each: wall ${wall[$n]} s; scan duration_ms/probes_sent/units/workers: $dur; findings $same"
done
first=$(echo $counts | cut -d' ' -f1)
for n in $counts; do
	echo "speed-up with $n worker(s): $(echo "scale=2; ${wall[$first]} / ${wall[$n]}" | bc)x (ideal $(echo "$n / $first" | bc))"
done
