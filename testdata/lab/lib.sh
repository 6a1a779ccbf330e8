# shellcheck shell=bash
# Helpers for host start scripts. The harness (testdata/lab/lab) passes the
# path of this file as $LAB_LIB; a start script does `. "$LAB_LIB"`.
#
# Everything here runs INSIDE the host's network namespace.

# spawn NAME CMD [ARG...]
#   Starts CMD in the background, detached from the harness (own session,
#   stdin from /dev/null), stdout+stderr to $RUN_DIR/NAME.log, and records its
#   pid in $RUN_DIR/NAME.spawn.pid (not NAME.pid: that is the name daemons
#   like to use for their own pid file, and some refuse to start when it
#   exists). CMD must stay in the foreground (no self-daemonizing) so that
#   the pid is right and its output is logged.
spawn() {
	local name=$1
	shift
	setsid "$@" >"$RUN_DIR/$name.log" 2>&1 </dev/null &
	echo "$!" >"$RUN_DIR/$name.spawn.pid"
}

# render SRC DST [NAME=VALUE...]
#   Copies the template SRC to DST, replacing @RUN_DIR@, @HOST_DIR@, @ADDR4@,
#   @ADDR6@, @HOST@ and every @NAME@ given as an argument.
render() {
	local src=$1 dst=$2
	shift 2
	local -a kv=("RUN_DIR=$RUN_DIR" "HOST_DIR=$HOST_DIR" "ADDR4=${ADDR4:-}" "ADDR6=${ADDR6:-}" "HOST=${HOST:-}" "$@")
	local -a expr=()
	local pair key val
	for pair in "${kv[@]}"; do
		key=${pair%%=*}
		val=${pair#*=}
		val=${val//\\/\\\\}
		val=${val//|/\\|}
		val=${val//&/\\&}
		val=${val//$'\n'/\\$'\n'}
		expr+=(-e "s|@${key}@|${val}|g")
	done
	sed "${expr[@]}" "$src" >"$dst"
}

# has_ipv6: true when the host has an IPv6 address in the lab.
has_ipv6() {
	[[ -n ${ADDR6:-} ]]
}
