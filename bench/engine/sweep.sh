#!/usr/bin/env bash
# Peak RSS of a mostly empty sweep as the host count grows (lab IPv6 DMZ
# prefixes /116, /114, /112 = 4096, 16384, 65536 addresses; liveness first):
# bench/engine/sweep.sh BIN OUTDIR [PREFIXLEN...] (inside the scanner namespace).
set -euo pipefail
bin=${1:?usage: sweep.sh BIN OUTDIR [PREFIXLEN...]}
out=${2:?}
shift 2
lens=("$@")
[ ${#lens[@]} -gt 0 ] || lens=(116 114 112)
mkdir -p "$out"
for l in "${lens[@]}"; do
	rm -f "$out/sweep-$l.json"
	/usr/bin/time -f "/$l: %e s wall, %M KB max RSS" -o "$out/time-$l.txt" \
		"$bin" scan --profile sweep --ports top100 --format json -o "$out/sweep-$l.json" --fail-on none --no-progress \
		"2001:db8:100::/$l" 2>"$out/stderr-$l.txt" >/dev/null &
	# Max RSS counts the binary's file pages that happen to be in the page
	# cache (shared, and most of a fresh build's 130 MB); the anonymous
	# peak, sampled every 50 ms, is what the scan itself holds.
	tpid=$!
	anon=0
	while kill -0 "$tpid" 2>/dev/null; do
		for p in $(pgrep -P "$tpid"); do
			a=$(awk '/^RssAnon:/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
			[ "${a:-0}" -gt "$anon" ] && anon=$a
		done
		sleep 0.05
	done
	wait "$tpid" || true
	echo "$(cat "$out/time-$l.txt"), ${anon} KB peak anonymous; $(python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['scan']['stats']; print('alive', s['hosts_alive'], 'silent', s.get('hosts_silent'), 'probes', s['probes_sent'])" "$out/sweep-$l.json")"
done
