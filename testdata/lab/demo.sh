#!/usr/bin/env bash
# The demo scan: the external profile against every host of the running lab,
# from the scanner namespace, writing out/demo/report.json and report.html.
# Called by 'make demo' after 'lab up'.
set -euo pipefail
cd "$(dirname "$0")/../.."
inst=${SDN_LAB:-a}
run=${LAB_RUN:-/tmp/sdn-lab-$inst}
hosts=$run/hosts.json
[ -f "$hosts" ] || { echo "demo: $hosts missing: is the lab up? (testdata/lab/lab up)" >&2; exit 2; }
mkdir -p out/demo
# One target per lab host address (IPv4 and IPv6), read from the lab's own
# hosts.json so the demo never names an address the lab did not assign.
grep '"segment"' "$hosts" | grep -oE '"ipv[46]": "[^"]+"' | cut -d'"' -f4 > out/demo/targets.txt
extra=()
# The lab's domains (DNS lab: *.example; mail lab: *.test), resolved through
# the lab's own resolver (dnsopen), never the machine's.
resolver=$(grep '"dnsopen"' "$hosts" | grep -oE '"ipv4": "[^"]+"' | cut -d'"' -f4 || true)
if [ -n "$resolver" ]; then
	extra+=(--resolver "$resolver")
	printf '%s\n' good.example leaky.example lame.example good.test none.test broken.test lax.test loop.test >> out/demo/targets.txt
fi
[ -f testdata/lab/demo-policy.yaml ] && extra+=(--policy testdata/lab/demo-policy.yaml)
# Lab hosts with TLS keep their lab CA in RUN_DIR/ca.pem; trust them all.
cat "$run"/*/ca.pem > out/demo/lab-ca.pem 2>/dev/null || true
[ -s out/demo/lab-ca.pem ] && extra+=(--ca-file out/demo/lab-ca.pem)
# History: every demo scan is stored in out/demo/history.db while it runs;
# from the second demo on, the report is compared with the previous demo
# scan (--baseline latest) and the drift between the two is shown.
store=out/demo/history.db
extra+=(--store "$store")
compare=
if [ -f "$store" ] && ./bin/shindan history --store "$store" --limit 1 --format json | grep -q '"complete": true'; then
	extra+=(--baseline latest)
	compare=yes
fi
rc=0
ip netns exec "sdn-$inst-scan" ./bin/shindan scan --profile external --lang ja \
	--format json,html,md -o out/demo --force --fail-on none "${extra[@]}" -f out/demo/targets.txt "$@" || rc=$?
echo
echo "demo report: $(pwd)/out/demo/report.json"
echo "             $(pwd)/out/demo/report.html"
echo
./bin/shindan history --store "$store" --limit 5 --lang ja || rc=$?
if [ -n "$compare" ]; then
	mapfile -t ids < <(./bin/shindan history --store "$store" --limit 2 --format json | grep -oE '"id": "[^"]+"' | cut -d'"' -f4)
	echo
	echo "baseline comparison (${ids[1]} → ${ids[0]}):"
	./bin/shindan diff --store "$store" --lang ja --fail-on none "${ids[1]}" "${ids[0]}" || rc=$?
fi
exit $rc
