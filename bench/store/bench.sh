#!/usr/bin/env bash
# History store benchmarks, end to end through the CLI at default settings:
#  1. the whole-lab scan (external profile, every lab host but guard) with
#     --store against the same scan without, alternating, ROUNDS times;
#  2. a store holding 100 copies of that real lab scan: 'history' and
#     'diff' wall time;
#  3. synthetic sweep results of 2,500, 5,000 and 10,000 hosts: import
#     (write) and diff, with peak resident memory from /usr/bin/time.
# Runs in the scanner namespace with the lab up (make bench does both).
set -euo pipefail
cd "$(dirname "$0")/../.."
S=${SHINDAN:-./bin/shindan}
ROUNDS=${ROUNDS:-4}
SECTIONS=${SECTIONS:-1 2 3} # which of the three to run
inst=${SDN_LAB:-a}
run=${LAB_RUN:-/tmp/sdn-lab-$inst}
hosts=$run/hosts.json
[ -f "$hosts" ] || { echo "bench/store: $hosts missing: is the lab up?" >&2; exit 2; }
work=$(mktemp -d /tmp/shindan-bench-store.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Every lab host's addresses except guard's (reserved for the engine's
# capture tests).
grep '"segment"' "$hosts" | grep -v '"guard"' | grep -oE '"ipv[46]": "[^"]+"' | cut -d'"' -f4 >"$work/targets.txt"
cat "$run"/*/ca.pem >"$work/ca.pem" 2>/dev/null || true
extra=()
[ -s "$work/ca.pem" ] && extra+=(--ca-file "$work/ca.pem")
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
scan() { # scan LIST OUT [--store DB]: appends wall and CPU (user+sys) seconds to LIST and LIST.cpu
	local list=$1 out=$2
	shift 2
	/usr/bin/time -f "%e %U %S" -o "$work/time1" \
		$S scan --no-progress --log-level error --fail-on none --format json -o "$out" "${extra[@]}" -f "$work/targets.txt" "$@" >/dev/null
	awk '{print $1}' "$work/time1" >>"$list"
	awk '{print $2+$3}' "$work/time1" >>"$list.cpu"
}

section() { [[ " $SECTIONS " == *" $1 "* ]]; }
stored1=""
if section 1 || section 2; then
	echo "== 1. whole-lab scan, $(wc -l <"$work/targets.txt") addresses, $ROUNDS rounds (alternating)"
	: >"$work/plain" && : >"$work/stored" && : >"$work/plain.cpu" && : >"$work/stored.cpu"
	for i in $(seq "$ROUNDS"); do
		section 1 || [ "$i" = 1 ] || break
		scan "$work/plain" "$work/plain-$i.json"
		scan "$work/stored" "$work/stored-$i.json" --store "$work/lab.db"
	done
	stored1=$work/stored-1.json
	p=$(median <"$work/plain")
	s=$(median <"$work/stored")
	echo "without --store: median ${p}s  ($(tr '\n' ' ' <"$work/plain")); CPU median $(median <"$work/plain.cpu")s"
	echo "with --store:    median ${s}s  ($(tr '\n' ' ' <"$work/stored")); CPU median $(median <"$work/stored.cpu")s"
	echo "ratio with/without: $(echo "scale=3; $s / $p" | bc)  (target ≤ 1.05); per round: $(paste "$work/stored" "$work/plain" | awk '{printf "%.3f ", $1/$2}')"
	echo "findings per scan: $(grep -o '"check":' "$work/stored-1.json" | wc -l)"
fi

if section 2; then
echo "== 2. store of 100 lab scans"
mkdir -p "$work/copies"
go run ./bench/store/gen -copies 100 -from "$stored1" -o "$work/copies"
t=$(now); $S import --store "$work/h100.db" "$work/copies"/*.json >/dev/null; echo "import of 100 reports: $(echo "$(now) - $t" | bc)s"
for cmd in "--version" "history" "history --format json" "history --profile external --since 2026-01-01" "diff --fail-on none bench-000 bench-099" "diff --format json --fail-on none bench-050 latest"; do
	: >"$work/t"
	for _ in 1 2 3 4 5; do
		st=(--store "$work/h100.db")
		[ "$cmd" = --version ] && st=()
		t=$(now); $S $cmd "${st[@]}" >/dev/null; echo "($(now) - $t) * 1000" | bc >>"$work/t"
	done
	echo "$cmd: median $(median <"$work/t") ms (5 runs; target < 200 ms)"
done

fi

section 3 || exit 0
echo "== 3. synthetic sweep results of 2,500, 5,000 and 10,000 hosts"
measure() { # measure LABEL CMD...
	local label=$1
	shift
	/usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null
	read -r secs kb <"$work/time"
	echo "$label: ${secs}s, peak RSS $((kb / 1024)) MiB"
}
measure "process start (--version), for scale" $S --version
for n in 2500 5000 10000; do
	go run ./bench/store/gen -hosts "$n" -id syn-a -o "$work/syn-a.json"
	go run ./bench/store/gen -hosts "$n" -drift -id syn-b -o "$work/syn-b.json"
	rm -f "$work/syn.db"*
	ls -l "$work/syn-a.json" | awk -v n="$n" '{printf "%d hosts: report %.1f MB, %d findings\n", n, $5/1e6, 3*n}'
	measure "  import syn-a" $S import --store "$work/syn.db" "$work/syn-a.json"
	measure "  import syn-b (a tenth of the hosts changed)" $S import --store "$work/syn.db" "$work/syn-b.json"
	measure "  diff syn-a syn-b from the store (streamed)" $S diff --store "$work/syn.db" --fail-on none --format json syn-a syn-b
	measure "  diff of the two files (in memory)" $S diff --fail-on none "$work/syn-a.json" "$work/syn-b.json"
	measure "  history of that store" $S history --store "$work/syn.db"
	echo "  changes in the diff: $($S diff --store "$work/syn.db" --fail-on none --format json syn-a syn-b | grep -c '"kind"')"
done
