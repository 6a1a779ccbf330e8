#!/usr/bin/env bash
# Full cipher enumeration of each lab TLS endpoint, same run, by shindan
# (bench/tls/driver → tlsscan), testssl.sh -E, sslscan and
# nmap --script ssl-enum-ciphers; prints wall-clock times and ratios.
#   SDN_LAB=t bench/tls/bench.sh          (as root; lab hosts up)
. "$(dirname "$0")/lib.sh"
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
printf '%-10s %9s %9s %9s %9s %10s %10s %10s\n' endpoint shindan testssl sslscan nmap testssl/x sslscan/x nmap/x
for e in "${ENDPOINTS[@]}"; do
	read -r name addr st sni <<<"$e"
	host=${addr%:*} port=${addr##*:}
	d=() t=() s=() taddr=$addr
	[[ $st != - ]] && d=(-starttls "$st") t=(-t "$st") s=(--starttls-"$st")
	[[ $sni != - ]] && d+=(-sni "$sni") s+=(--sni-name="$sni") taddr=$sni:$port
	sh=$(secs inns "$DRIVER" -ca "$CA" "${d[@]}" "$addr")
	ts=$(secs inns testssl --quiet --warnings off --color 0 --ip one -E "${t[@]}" "$taddr")
	ss=$(secs inns sslscan --no-colour "${s[@]}" "$addr")
	nm=$(secs inns nmap -Pn -n -p "$port" --script ssl-enum-ciphers "$host")
	printf '%-10s %8.3fs %8.3fs %8.3fs %8.3fs %9.1fx %9.2fx %9.2fx\n' "$name" "$sh" "$ts" "$ss" "$nm" \
		"$(echo "$ts/$sh" | bc -l)" "$(echo "$ss/$sh" | bc -l)" "$(echo "$nm/$sh" | bc -l)"
done
