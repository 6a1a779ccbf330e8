# shellcheck shell=bash
# Shared by compare.sh and bench.sh. Runs inside the scanner namespace of a
# lab instance (SDN_LAB, default t) whose TLS hosts (tlslegacy, tls3des,
# tlsmodern, tlssmtp, tlsdhe, tlsx448, tlscamel, tlswolf, tlssni, tlsintol)
# are up.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SDN_LAB=${SDN_LAB:-t}
LAB_RUN=${LAB_RUN:-/tmp/sdn-lab-$SDN_LAB}
NS=sdn-$SDN_LAB-scan
OUT=${OUT:-$(mktemp -d /tmp/bench-tls.XXXXXX)}
CA=$LAB_RUN/tlsmodern/ca.pem
hostaddr() { python3 -c "import json,sys;print(json.load(open('$LAB_RUN/hosts.json'))['hosts']['$1']['ipv4'])"; }
# ENDPOINTS: name addr:port starttls sni ("-" = none). tlssni is scanned
# by name (its strict-sni refuses hellos without one); the name resolves
# through the lab's /etc/netns hosts file.
ENDPOINTS=(
	"tlslegacy $(hostaddr tlslegacy):443 - -"
	"tls3des $(hostaddr tls3des):443 - -"
	"tlsmodern $(hostaddr tlsmodern):443 - -"
	"tlssmtp $(hostaddr tlssmtp):25 smtp -"
	"tlsdhe $(hostaddr tlsdhe):443 - -"
	"tlsx448 $(hostaddr tlsx448):443 - -"
	"tlscamel $(hostaddr tlscamel):443 - -"
	"tlswolf $(hostaddr tlswolf):443 - -"
	"tlssni $(hostaddr tlssni):443 - tlssni"
	"tlsintol $(hostaddr tlsintol):443 - -"
)
# Only the endpoints named in $ONLY (space-separated), when set.
if [[ -n ${ONLY:-} ]]; then
	keep=()
	for e in "${ENDPOINTS[@]}"; do [[ " $ONLY " == *" ${e%% *} "* ]] && keep+=("$e"); done
	ENDPOINTS=("${keep[@]}")
fi
DRIVER=$OUT/driver
(cd "$ROOT" && go build -o "$DRIVER" ./bench/tls/driver)
inns() { ip netns exec "$NS" "$@"; }

# testssl_pairs JSON: "PROTO,0xCODE" lines from testssl.sh --jsonfile output.
testssl_pairs() {
	python3 - "$1" <<'PY'
import json, re, sys
m = {"ssl2": "SSL2.0", "ssl3": "SSL3.0", "tls1": "TLS1.0", "tls1_1": "TLS1.1", "tls1_2": "TLS1.2", "tls1_3": "TLS1.3"}
for e in json.load(open(sys.argv[1])):
    r = re.fullmatch(r"cipher-(ssl2|ssl3|tls1|tls1_1|tls1_2|tls1_3)_x([0-9a-fA-F]+)", e.get("id", ""))
    if r and "not offered" not in e.get("finding", ""):
        w = 6 if r.group(1) == "ssl2" else 4
        print(f"{m[r.group(1)]},0x{int(r.group(2), 16):0{w}X}")
PY
}

# sslscan_pairs XML: "PROTO,0xCODE" lines from sslscan --xml output.
sslscan_pairs() {
	python3 - "$1" <<'PY'
import re, sys
m = {"SSLv2": "SSL2.0", "SSLv3": "SSL3.0", "TLSv1.0": "TLS1.0", "TLSv1.1": "TLS1.1", "TLSv1.2": "TLS1.2", "TLSv1.3": "TLS1.3"}
try:
    text = open(sys.argv[1]).read()
except OSError:
    sys.exit(0)
for c in re.finditer(r'<cipher status="(accepted|preferred)" sslversion="([^"]+)"[^>]* id="0x([0-9A-Fa-f]+)"', text):
    if c.group(2) in m:
        print(f"{m[c.group(2)]},0x{int(c.group(3), 16):04X}")
PY
}
