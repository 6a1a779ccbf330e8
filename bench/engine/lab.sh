#!/usr/bin/env bash
# Whole-lab external-profile scan through the CLI, timed, with RSS and a
# normalised finding list (check, target, subject-free ID, status, severity)
# for comparing two engines: bench/engine/lab.sh BIN OUTDIR.
# Run inside the scanner namespace of a running lab (SDN_LAB picks it).
set -euo pipefail
bin=${1:?usage: lab.sh BIN OUTDIR}
out=${2:?usage: lab.sh BIN OUTDIR}
inst=${SDN_LAB:-a}
run=${LAB_RUN:-/tmp/sdn-lab-$inst}
hosts=$run/hosts.json
cd "$(dirname "$0")/../.."
mkdir -p "$out"
grep '"segment"' "$hosts" | grep -oE '"ipv[46]": "[^"]+"' | cut -d'"' -f4 > "$out/targets.txt"
extra=()
resolver=$(grep '"dnsopen"' "$hosts" | grep -oE '"ipv4": "[^"]+"' | cut -d'"' -f4 || true)
if [ -n "$resolver" ]; then
	extra+=(--resolver "$resolver")
	printf '%s\n' good.example leaky.example lame.example good.test none.test broken.test lax.test loop.test >> "$out/targets.txt"
fi
[ -f testdata/lab/demo-policy.yaml ] && extra+=(--policy testdata/lab/demo-policy.yaml)
cat "$run"/*/ca.pem > "$out/lab-ca.pem" 2>/dev/null || true
[ -s "$out/lab-ca.pem" ] && extra+=(--ca-file "$out/lab-ca.pem")
/usr/bin/time -f '%e s wall, %M KB max RSS' -o "$out/time.txt" \
	"$bin" scan --profile external --format json -o "$out/report.json" --fail-on none --no-progress \
	"${extra[@]}" -f "$out/targets.txt" 2> "$out/stderr.txt" || true
cat "$out/time.txt"
# Findings without what differs between runs (scan ID, timestamps, evidence
# wording with durations): check, target, finding ID, status, severity.
python3 - "$out/report.json" > "$out/findings.tsv" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rows = set()
for f in r["findings"]:
    # Grouped findings (one per check and target) compare per subject.
    for it in f.get("items") or [f]:
        rows.add((f["check"], f["target"], it["id"], it["status"], it.get("severity") or f["severity"]))
rows = sorted(rows)
for row in rows:
    print("\t".join(row))
PY
wc -l < "$out/findings.tsv"
