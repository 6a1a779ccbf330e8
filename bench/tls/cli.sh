#!/usr/bin/env bash
# The TLS checks of one endpoint as users run them: `shindan scan --checks
# 'tls.*'` through the CLI at default settings, end to end (process start
# to report written), alternating with sslscan on the same endpoint, N
# rounds each; then the (protocol, suite) pairs shindan's report lists in
# its tls.ciphers evidence are compared with testssl.sh -E and sslscan.
#   SDN_LAB=a bench/tls/cli.sh BIN [N]          (as root; lab up)
#   ONLY="tlsmodern tls3des" SDN_LAB=a bench/tls/cli.sh BIN 5
bin=$(realpath "${1:?usage: cli.sh BIN [N]}")
n=${2:-3}
. "$(dirname "$0")/lib.sh"
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$@"; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# report_pairs JSON: "PROTO,0xCODE" lines from the evidence of tls.ciphers.
report_pairs() {
	python3 - "$1" <<'PY'
import json, re, sys
try:
    r = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    sys.exit(0)  # no report: every pair counts as missed
seen = set()
def walk(f):
    for e in f.get("evidence") or []:
        proto = None
        for line in (e.get("data") or "").splitlines():
            m = re.match(r"(SSL[23]\.0|TLS1\.[0-3]) supported", line)
            if m:
                proto = m.group(1)
                continue
            if re.match(r"\S", line):
                proto = None
            m = re.match(r"\s+0x([0-9A-Fa-f]+) ", line)
            if m and proto:
                seen.add(f"{proto},0x{int(m.group(1), 16):04X}")
    for it in f.get("items") or []:
        walk(it)
for f in r.get("findings", []):
    if f["check"] == "tls.ciphers":
        walk(f)
print("\n".join(sorted(seen)))
PY
}
rc=0
printf '%-10s %-22s %-22s %7s  %s\n' endpoint "shindan (median)" "sslscan (median)" ratio agreement
for e in "${ENDPOINTS[@]}"; do
	read -r name addr st sni <<<"$e"
	host=${addr%:*} port=${addr##*:}
	target=$host s=()
	[[ $st != - ]] && s=(--starttls-"$st")
	# The CLI takes fully qualified names (the lab names them under lab.example).
	[[ $sni != - ]] && target=$sni s+=(--sni-name="$sni") && [[ $sni != *.* ]] && target=$sni.lab.example
	ts_sh="" ts_ss=""
	for i in $(seq 1 "$n"); do
		rm -f "$OUT/$name.json"
		t0=$(date +%s.%N)
		inns "$bin" scan --checks 'tls.*' --ports "$port" --format json -o "$OUT/$name.json" --fail-on none --no-progress "$target" >/dev/null 2>&1 || true
		t1=$(date +%s.%N)
		inns sslscan --no-colour --xml="$OUT/$name.sslscan.xml" "${s[@]}" "$addr" >/dev/null 2>&1 || true
		t2=$(date +%s.%N)
		ts_sh+=" $(secs "$t0" "$t1")" ts_ss+=" $(secs "$t1" "$t2")"
	done
	report_pairs "$OUT/$name.json" >"$OUT/$name.shindan"
	sslscan_pairs "$OUT/$name.sslscan.xml" | sort -u >"$OUT/$name.sslscan"
	t=() taddr=$addr
	[[ $st != - ]] && t=(-t "$st")
	[[ $sni != - ]] && taddr=$sni:$port
	inns testssl --quiet --warnings off --color 0 --ip one -E "${t[@]}" --jsonfile "$OUT/$name.testssl.json" "$taddr" >/dev/null 2>&1 || true
	testssl_pairs "$OUT/$name.testssl.json" 2>/dev/null | sort -u >"$OUT/$name.testssl" || true
	sort -u "$OUT/$name.testssl" "$OUT/$name.sslscan" >"$OUT/$name.union"
	missed=$(comm -23 "$OUT/$name.union" "$OUT/$name.shindan" | tr '\n' ' ')
	cnt() { grep -c . "$1" || true; }
	msh=$(median <<<"$ts_sh") mss=$(median <<<"$ts_ss")
	agree="shindan $(cnt "$OUT/$name.shindan"), testssl $(cnt "$OUT/$name.testssl"), sslscan $(cnt "$OUT/$name.sslscan") pairs"
	[[ -n ${missed// /} ]] && { agree+=", MISSED: $missed"; rc=1; }
	printf '%-10s %-22s %-22s %7s  %s\n' "$name" "$msh s" "$mss s" "$(python3 -c "print(f'{$msh/$mss:.2f}')")" "$agree"
	echo "           shindan:$ts_sh | sslscan:$ts_ss"
done
echo "outputs in $OUT"
exit $rc
