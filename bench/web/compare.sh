#!/usr/bin/env bash
# Side by side on every web host of the lab (hosts named web*): nmap's
# http-enum, http-ls and http-git (forced with '+', so they run on any
# port) against the shindan CLI end to end (one URL target per endpoint,
# the http.directory-listing, http.exposed-files and http.info-disclosure
# checks). Run as root from the repo root, with the lab up:
#   SDN_LAB=e testdata/lab/lab up
#   SDN_LAB=e bench/web/compare.sh
# SHINDAN=path picks the binary (default: built into $OUT); BEFORE=path adds
# a column for an older binary (the same checks, --ports of the endpoint).
# Everything runs inside the scanner namespace, so traffic only reaches
# lab addresses.
set -euo pipefail
SDN_LAB=${SDN_LAB:-e}
NS=sdn-$SDN_LAB-scan
RUN=${LAB_RUN:-/tmp/sdn-lab-$SDN_LAB}
OUT=${OUT:-$RUN/bench-web}
CHECKS=http.directory-listing,http.exposed-files,http.info-disclosure
mkdir -p "$OUT"
[[ -f $RUN/hosts.json ]] || { echo "compare.sh: lab $SDN_LAB is not up ($RUN/hosts.json missing)" >&2; exit 2; }
command -v nmap >/dev/null || { echo "compare.sh: nmap is not installed (apt-get install nmap)" >&2; exit 2; }
if [[ -z ${SHINDAN:-} ]]; then
	SHINDAN=$OUT/shindan
	go build -o "$SHINDAN" ./cmd/shindan
fi

# endpoints: "host addr port scheme" for every tcp port of every web host.
endpoints() {
	python3 - "$RUN/hosts.json" <<'EOF'
import json, sys
hosts = json.load(open(sys.argv[1]))["hosts"]
for name in sorted(hosts):
    h = hosts[name]
    if not name.startswith("web"):
        continue
    for p in h.get("ports", []):
        proto, port = p.split("/")
        if proto == "tcp":
            print(name, h["ipv4"], port, "https" if port in ("443", "8443") else "http")
EOF
}

# shindan_lines JSON: one line per failed subject ("listing /x/",
# "file /x", "version header:Server"), from either report shape (with or
# without grouped items).
shindan_lines() {
	python3 - "$1" <<'EOF'
import json, re, sys
r = json.load(open(sys.argv[1]))
kind = {"http.directory-listing": "listing", "http.exposed-files": "file", "http.info-disclosure": "version"}
out = set()
for f in r.get("findings", []):
    items = f.get("items") or [f]
    for it in items:
        if it.get("status", f.get("status")) != "fail":
            continue
        subj = it.get("subject") or ""
        if not subj:
            en = (it.get("detail") or f.get("detail") or {}).get("en", "")
            m = re.search(r"https?://[^/\s]+(/\S*?)(?:[\s:]|\)|$)", en)
            if f["check"] == "http.info-disclosure":
                subj = "header:" + en.split(" ")[0] if "header discloses" in en else \
                    "page-signature" if "footer" in en else "error-page" if "error page" in en else \
                    "stack-trace" if "stack trace" in en else en[:40]
            elif m:
                subj = m.group(1)
        out.add(kind.get(f["check"], f["check"]) + " " + subj)
for l in sorted(out):
    print(l)
EOF
}

# nmap_lines FILE: the same shape from nmap's normal output.
nmap_lines() {
	python3 - "$1" <<'EOF'
import re, sys
out, script = set(), ""
for line in open(sys.argv[1]):
    m = re.match(r"^\|_?\s?([\w-]+):\s*(.*)$", line)
    if m and m.group(1) in ("http-ls", "http-enum", "http-git"):
        script, rest = m.group(1), m.group(2)
        line = "|   " + rest
        if script == "http-git" and rest.strip():
            out.add("file " + rest.strip().rstrip(":") + " (git)")
    body = re.sub(r"^\|_?\s*", "", line).strip()
    if not body:
        continue
    if script == "http-ls":
        v = re.match(r"Volume (\S+)", body)
        if v:
            out.add("listing " + v.group(1))
    elif script == "http-enum":
        e = re.match(r"(/\S*): (.*)", body)
        if e:
            out.add("file " + e.group(1) + " (" + e.group(2) + ")")
    elif script == "http-git":
        g = re.match(r"([\d.:\[\]]+/\S*\.git/?)", body)
        if g:
            out.add("file " + g.group(1) + " (git)")
for l in sorted(out):
    print(l)
EOF
}

now() { date +%s.%N; }
printf '%-12s %-22s %5s %5s %5s %5s  %s\n' host endpoint nmap shin before "nmap s" "shindan s"
total_n=0 total_s=0 total_b=0
while read -r h a p scheme; do
	ep=$a:$p
	f=$OUT/$h-$p
	rm -f "$f".*
	t0=$(now)
	ip netns exec "$NS" nmap -Pn -n -p "$p" --script +http-enum,+http-ls,+http-git \
		"$a" -oN "$f.nmap.txt" >/dev/null 2>&1 || true
	t1=$(now)
	ip netns exec "$NS" "$SHINDAN" scan --checks "$CHECKS" --format json -o "$f.shindan.json" "$scheme://$ep/" >/dev/null 2>"$f.shindan.log" || true
	t2=$(now)
	nmap_lines "$f.nmap.txt" >"$f.nmap.lines"
	shindan_lines "$f.shindan.json" >"$f.shindan.lines"
	nb=-
	if [[ -n ${BEFORE:-} ]]; then
		ip netns exec "$NS" "$BEFORE" scan --checks "$CHECKS" --ports "$p" --format json -o "$f.before.json" "$a" >/dev/null 2>"$f.before.log" || true
		shindan_lines "$f.before.json" >"$f.before.lines"
		nb=$(wc -l <"$f.before.lines")
		total_b=$((total_b + nb))
	fi
	nn=$(wc -l <"$f.nmap.lines") ns=$(wc -l <"$f.shindan.lines")
	total_n=$((total_n + nn)) total_s=$((total_s + ns))
	printf '%-12s %-22s %5s %5s %5s %5.1f  %5.1f\n' "$h" "$scheme://$ep" "$nn" "$ns" "$nb" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"
done < <(endpoints)
printf '%-12s %-22s %5s %5s %5s\n' total "" "$total_n" "$total_s" "$([[ -n ${BEFORE:-} ]] && echo $total_b || echo -)"
echo
echo "Per endpoint (N = nmap, S = shindan, B = before):"
for f in "$OUT"/*.shindan.lines; do
	b=${f%.shindan.lines}
	echo "== $(basename "$b")"
	{
		sed 's/^/N /' "$b.nmap.lines"
		sed 's/^/S /' "$f"
		[[ -f $b.before.lines && -n ${BEFORE:-} ]] && sed 's/^/B /' "$b.before.lines"
	} | sort -k2 | sed 's/^/   /'
done
