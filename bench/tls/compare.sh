#!/usr/bin/env bash
# Agreement, per lab TLS endpoint: every (protocol, suite) pair that
# testssl.sh or sslscan (Debian packages) reports must be found by shindan's
# tlsscan; pairs only shindan finds are listed (the intolerant server's
# TLS 1.2 is one: both tools are reset there). Exit 1 on any pair shindan
# misses.
#   SDN_LAB=t bench/tls/compare.sh            (as root; lab hosts up)
#   ONLY="tlsdhe tlssni" SDN_LAB=t bench/tls/compare.sh
. "$(dirname "$0")/lib.sh"
rc=0
tot_sh=0 tot_ts=0 tot_ss=0 tot_union=0
printf '%-10s %8s %8s %8s %8s %8s %s\n' endpoint shindan testssl sslscan union missed only-shindan
for e in "${ENDPOINTS[@]}"; do
	read -r name addr st sni <<<"$e"
	port=${addr##*:}
	d=() t=() s=() taddr=$addr
	[[ $st != - ]] && d=(-starttls "$st") t=(-t "$st") s=(--starttls-"$st")
	# testssl.sh takes the name from the URI for SNI; sslscan and the
	# driver take it as a flag.
	[[ $sni != - ]] && d+=(-sni "$sni") s+=(--sni-name="$sni") taddr=$sni:$port
	inns "$DRIVER" -ca "$CA" -pairs "${d[@]}" "$addr" 2>/dev/null | sort -u >"$OUT/$name.shindan" || true
	inns testssl --quiet --warnings off --color 0 --ip one -E "${t[@]}" --jsonfile "$OUT/$name.testssl.json" "$taddr" >/dev/null 2>&1 || true
	testssl_pairs "$OUT/$name.testssl.json" 2>/dev/null | sort -u >"$OUT/$name.testssl" || true
	inns sslscan --no-colour --xml="$OUT/$name.sslscan.xml" "${s[@]}" "$addr" >/dev/null 2>&1 || true
	sslscan_pairs "$OUT/$name.sslscan.xml" | sort -u >"$OUT/$name.sslscan"
	sort -u "$OUT/$name.testssl" "$OUT/$name.sslscan" >"$OUT/$name.union"
	missed=$(comm -23 "$OUT/$name.union" "$OUT/$name.shindan")
	extra=$(comm -13 "$OUT/$name.union" "$OUT/$name.shindan")
	n() { grep -c . "$1" || true; }
	printf '%-10s %8d %8d %8d %8d %8d %s\n' "$name" "$(n "$OUT/$name.shindan")" "$(n "$OUT/$name.testssl")" "$(n "$OUT/$name.sslscan")" \
		"$(n "$OUT/$name.union")" "$(grep -c . <<<"$missed" || true)" "$(tr '\n' ' ' <<<"$extra")"
	[[ -n $missed ]] && { echo "  MISSED by shindan: $(tr '\n' ' ' <<<"$missed")"; rc=1; }
	tot_sh=$((tot_sh + $(n "$OUT/$name.shindan"))) tot_ts=$((tot_ts + $(n "$OUT/$name.testssl")))
	tot_ss=$((tot_ss + $(n "$OUT/$name.sslscan"))) tot_union=$((tot_union + $(n "$OUT/$name.union")))
done
printf '%-10s %8d %8d %8d %8d\n' total "$tot_sh" "$tot_ts" "$tot_ss" "$tot_union"
if [[ " ${ONLY:-tlsintol} " == *" tlsintol "* ]]; then
	if grep -q '^TLS1.2,' "$OUT/tlsintol.shindan" 2>/dev/null; then
		echo "tlsintol: shindan finds TLS1.2 behind the hello-length reset ($(grep -c '^TLS1.2,' "$OUT/tlsintol.shindan") suites)"
	else
		echo "tlsintol: shindan MISSES the intolerant server's TLS1.2"
		rc=1
	fi
fi
echo "outputs in $OUT"
exit $rc
