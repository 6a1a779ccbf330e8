#!/usr/bin/env bash
# Agreement: the (protocol, suite) pairs shindan's tlsscan accepts must equal
# what testssl.sh (Debian package) reports, per lab TLS endpoint.
#   SDN_LAB=t bench/tls/compare.sh        (as root; lab hosts up)
. "$(dirname "$0")/lib.sh"
rc=0
for e in "${ENDPOINTS[@]}"; do
	read -r name addr st <<<"$e"
	sflag=() dflag=()
	[[ $st != - ]] && sflag=(-t "$st") dflag=(-starttls "$st")
	inns "$DRIVER" -ca "$CA" -pairs "${dflag[@]}" "$addr" 2>/dev/null | sort >"$OUT/$name.shindan"
	inns testssl --quiet --warnings off --color 0 --ip one -E "${sflag[@]}" --jsonfile "$OUT/$name.testssl.json" "$addr" >/dev/null 2>&1 || true
	testssl_pairs "$OUT/$name.testssl.json" | sort >"$OUT/$name.testssl"
	if diff -u "$OUT/$name.testssl" "$OUT/$name.shindan" >"$OUT/$name.diff"; then
		echo "AGREE $name: $(wc -l <"$OUT/$name.shindan") (protocol, suite) pairs"
	else
		echo "DIFFER $name (- testssl.sh, + shindan):"
		sed 1,2d "$OUT/$name.diff"
		rc=1
	fi
done
echo "outputs in $OUT"
exit $rc
