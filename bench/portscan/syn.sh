#!/usr/bin/env bash
# Raw SYN scan bench (issue 7), run inside the lab's scanner namespace:
#   1. all 65535 TCP ports of one lab host: shindan's SYN sweeper vs
#      `nmap -sS -p- --min-rate R --max-rate R` vs `masscan --rate R`, same
#      rate R (without --max-rate nmap runs above R),
#      alternating, ROUNDS times; the open-port sets must be identical;
#   2. a sweep of the DMZ /24 (SWEEP_PORTS on 256 addresses) by the three;
#   3. the rate check: tcpdump counts shindan's SYNs on the wire and divides
#      by the capture's own first-to-last timestamps.
# Usage (lab up with at least dualstack and reflector; more DMZ hosts make
# a better sweep):
#   SDN_LAB=p testdata/lab/lab up dualstack reflector clean legacy
#   ip netns exec sdn-p-scan env SDN_LAB=p bench/portscan/syn.sh
# Env: RATE (pps, default 20000), ROUNDS (default 3), TARGET (default the
# reflector host), NET (default 198.51.100.0/24), SWEEP_PORTS.
set -euo pipefail
cd "$(dirname "$0")/../.."
run=${LAB_RUN:-/tmp/sdn-lab-${SDN_LAB:-a}}
host4() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hosts"][sys.argv[2]]["ipv4"])' "$run/hosts.json" "$1"; }
rate=${RATE:-20000}
rounds=${ROUNDS:-3}
target=${TARGET:-$(host4 reflector)}
net=${NET:-198.51.100.0/24}
sweep_ports=${SWEEP_PORTS:-1-1024,3306,5432,6379,8080,8888,11211}
iface=$(ip -o route get "$target" | grep -oE 'dev [^ ]+' | cut -d' ' -f2)
src=$(ip -o route get "$target" | grep -oE 'src [^ ]+' | cut -d' ' -f2)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/syndriver" ./bench/portscan/syndriver
now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

shindan() { "$work/syndriver" -rate "$rate" -p "$1" "${@:2}" 2>>"$work/shindan.err"; }
nmap_ports() { # NMAP_MAX=1 caps nmap at R too
	nmap -n -sS -p "$1" --min-rate "$rate" ${NMAP_MAX:+--max-rate "$rate"} -oG - "${@:2}" | awk '/Ports:/ {h=$2; n=split($0, f, /Ports: /); m=split(f[2], p, /, /); for (i=1;i<=m;i++) if (p[i] ~ /\/open\//) {split(p[i], q, "/"); print h, q[1]}}'
}
# masscan 1.3.2 never leaves its final wait in the lab namespaces (its
# countdown goes negative and SIGINT is ignored), so: watch its status line
# for "100.00% done", give it the same 1 s wait, then kill it. Its time is
# start → 100% + 1 s; open ports come from its "Discovered" lines.
masscan_ports() {
	local t0 t1 pid
	: >"$work/masscan.out"
	: >"$work/masscan.err"
	t0=$(now)
	stdbuf -oL masscan --rate "$rate" -p "$1" --wait 1 "${@:2}" >"$work/masscan.out" 2>"$work/masscan.err" &
	pid=$!
	until grep -q '100.00% done' "$work/masscan.err" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	t1=$(now)
	sleep 1
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	echo "$t1 - $t0 + 1" | bc >"$work/masscan.time"
	sed -nE 's|.*Discovered open port ([0-9]+)/tcp on ([0-9a-f.:]+).*|\2 \1|p' "$work/masscan.out"
}
canon() { sort -t' ' -k1,1V -k2,2n | grep -v '^$' || true; }

compare() { # label file...
	local label=$1 ref=$2
	shift 2
	for f in "$@"; do
		if ! diff -q "$ref" "$f" >/dev/null; then
			echo "MISMATCH ($label): $(basename "$ref") vs $(basename "$f")"
			diff "$ref" "$f" | head -20
			return 1
		fi
	done
}

echo "== 1. all 65535 TCP ports of $target at $rate pps, $rounds rounds"
ts=() tn=() tx=() tm=()
for i in $(seq "$rounds"); do
	a=$(now); shindan 1-65535 "$target" | canon >"$work/s1"; b=$(now)
	nmap_ports 1-65535 -Pn "$target" | canon >"$work/n1"; c=$(now)
	NMAP_MAX=1 nmap_ports 1-65535 -Pn "$target" | canon >"$work/x1"; d=$(now)
	masscan_ports 0-65535 "$target" | canon >"$work/m1"
	ts+=("$(echo "$b - $a" | bc)") tn+=("$(echo "$c - $b" | bc)") tx+=("$(echo "$d - $c" | bc)") tm+=("$(cat "$work/masscan.time")")
	compare "single host, round $i" "$work/s1" "$work/n1" "$work/x1"
	compare "single host, round $i (masscan)" "$work/s1" "$work/m1" || masscan_miss=$((${masscan_miss:-0} + 1))
done
echo "open: $(tr '\n' ' ' <"$work/s1")(shindan = nmap in every round; masscan differed in ${masscan_miss:-0} of $rounds rounds)"
printf 'shindan SYN (capped at R):          %s s (median %s)\n' "${ts[*]}" "$(median "${ts[@]}")"
printf 'nmap -sS --min-rate R (exceeds R):  %s s (median %s)\n' "${tn[*]}" "$(median "${tn[@]}")"
printf 'nmap -sS --min-rate R --max-rate R: %s s (median %s)\n' "${tx[*]}" "$(median "${tx[@]}")"
printf 'masscan --rate R --wait 1:          %s s (median %s; includes masscan'"'"'s 1 s final wait)\n' "${tm[*]}" "$(median "${tm[@]}")"

echo "== 2. sweep of $net, ports $sweep_ports, at $rate pps"
a=$(now); shindan "$sweep_ports" "$net" | canon >"$work/s2"; b=$(now)
nmap_ports "$sweep_ports" "$net" | canon >"$work/n2"; c=$(now)
NMAP_MAX=1 nmap_ports "$sweep_ports" "$net" | canon >"$work/x2"; d=$(now)
masscan_ports "$sweep_ports" "$net" | canon >"$work/m2"
compare "sweep" "$work/s2" "$work/n2" "$work/x2"
compare "sweep (masscan)" "$work/s2" "$work/m2" && same=", masscan too" || same=", masscan differed"
echo "open: $(wc -l <"$work/s2") endpoints on $(cut -d' ' -f1 "$work/s2" | sort -u | wc -l) hosts (shindan = nmap$same)"
printf 'shindan SYN (capped at R):          %.2f s\nnmap -sS --min-rate R (exceeds R):  %.2f s\nnmap -sS --min-rate R --max-rate R: %.2f s\nmasscan --rate R:                   %.2f s\n' \
	"$(echo "$b - $a" | bc)" "$(echo "$c - $b" | bc)" "$(echo "$d - $c" | bc)" "$(cat "$work/masscan.time")"

echo "== 3. rate check: shindan SYNs on $iface (capture)"
tcpdump -ni "$iface" -w "$work/syn.pcap" -B 16384 "src host $src and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" 2>/dev/null &
tp=$!
sleep 1
shindan 1-65535 "$target" >/dev/null
sleep 1
kill "$tp"; wait "$tp" 2>/dev/null || true
tcpdump -nr "$work/syn.pcap" -tt 2>/dev/null | awk 'NR==1 {f=$1} {l=$1; n++} END {d=l-f; printf "captured %d SYNs in %.3f s on the wire: %.0f pps (limit %d)\n", n, d, n/d, '"$rate"'}'
tail -n 3 "$work/shindan.err"

off=${OFFICE_IFACE:-off0}
if ip link show "$off" >/dev/null 2>&1; then
	echo "== 4. IPv6 hosts on $off: shindan ndp.segment vs nmap targets-ipv6-multicast-echo/-slaac"
	"$work/syndriver" -segment "$off" -window 4s 2>>"$work/shindan.err" | sort >"$work/ndp.shindan"
	nmap -6 -e "$off" -sn --script targets-ipv6-multicast-echo,targets-ipv6-multicast-slaac 2>/dev/null |
		sed -nE 's/.*IP: ([0-9a-f:]+) +MAC: ([0-9a-f]+).*/\2 \1/p' | sort -u >"$work/ndp.nmap"
	echo "nmap found:    $(tr '\n' ';' <"$work/ndp.nmap")"
	echo "shindan found: $(tr '\n' ';' <"$work/ndp.shindan")"
	missing=$(cut -d' ' -f1 "$work/ndp.nmap" | while read -r m; do grep -q "^$m " "$work/ndp.shindan" || echo "$m"; done)
	if [[ -n $missing ]]; then
		echo "MISSING in shindan: $missing"
		exit 1
	fi
	echo "shindan found every host nmap found ($(wc -l <"$work/ndp.nmap") by nmap, $(wc -l <"$work/ndp.shindan") by shindan)"
	tail -n 1 "$work/shindan.err"
fi
