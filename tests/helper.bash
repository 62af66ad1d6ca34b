bats_require_minimum_version 1.5.0
# Shared by the bats suites: assertions, a scratch directory, the order spec.
bats_load_library bats-support
bats_load_library bats-assert

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)	# helper.bash is in tests/
export PATH="$ROOT/bin:$ROOT/scripts:$PATH"
SPEC='time:time,order:int,client:int,symbol,amount:int,price:num,side:B|S'

setup() {
	cd "$BATS_TEST_TMPDIR" || exit 1
}

# with_inject VAR=VALUE COMMAND...: runs COMMAND with tests/inject.so
# preloaded and VAR set (see tests/inject.c).
with_inject() {
	env "$1" LD_PRELOAD="$ROOT/tests/inject.so" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "${@:2}"
}

# full_disk TEXT COMMAND...: runs COMMAND as if files whose path contains
# TEXT were on a full disk.
full_disk() {
	with_inject "INJECT_ENOSPC=$1" "${@:2}"
}

# Kills what a test started in the background, if it is still running.
teardown() {
	local p
	for p in ${BG_PIDS:-}; do
		kill -9 "$p" 2>/dev/null || true
	done
}

# waitfor SECONDS COMMAND...: polls until COMMAND succeeds; fails after SECONDS.
waitfor() {
	local limit=$(( $1 * 10 )) i=0
	shift
	until "$@"; do
		i=$((i + 1))
		[ "$i" -lt "$limit" ] || return 1
		sleep 0.1
	done
}

# Independent reference: per 5 s event-time batch, the buy and sell counts of
# raw order lines, as "T<TAB>B<TAB>n" lines (no line for a zero count), in
# batch order, with days from the civil date computed here, not by the tools.
awk_side_counts() {
	awk -F, -v I="${1:-5}" -f "$ROOT/scripts/awk/days.awk" \
	    -f "$ROOT/scripts/awk/side-counts.awk"
}

# Independent reference: per 5 s event-time batch, the top N clients by
# cumulative amount*price, as "T<TAB>client<TAB>value" lines; values are
# summed in integer cents and ties go to the smaller client (DESIGN §4).
awk_top_clients() {
	awk -F, -v I="${1:-5}" -v N="${2:-5}" -f "$ROOT/scripts/awk/days.awk" \
	    -f "$ROOT/scripts/awk/top-clients.awk"
}

# Independent reference: per event-time batch of I seconds, the top N
# symbols by amount over the window of W seconds that ends with it, as
# "T<TAB>symbol<TAB>amount" lines; ties go to the bytewise smaller symbol.
awk_top_stocks() {
	awk -F, -v I="${1:-5}" -v W="${2:-3600}" -v N="${3:-5}" \
	    -f "$ROOT/scripts/awk/days.awk" -f "$ROOT/scripts/awk/top-stocks.awk"
}

# The dashboard as the Spark job printed it, per batch, from the three
# references: "T<TAB>line" lines.
awk_dashboard() {	# awk_dashboard ORDERS N
	awk_side_counts 5 < "$1" > sides.ref
	awk_top_clients 5 "$2" < "$1" > clients.ref
	awk_top_stocks 5 3600 "$2" < "$1" > stocks.ref
	awk -F'\t' -v N="$2" '
	FILENAME == "sides.ref" { side[$1, $2] = $3; next }
	FILENAME == "clients.ref" { c[$1] = c[$1] (c[$1] == "" ? "" : ", ") $2; t[$1] = 1; next }
	{ s[$1] = s[$1] (s[$1] == "" ? "" : ", ") $2; t[$1] = 1 }
	END {
		n = 0
		for (T in t) order[++n] = T
		for (i = 2; i <= n; i++)	# few: insertion sort, numerically
			for (j = i; j > 1 && order[j] + 0 < order[j - 1] + 0; j--) {
				x = order[j]; order[j] = order[j - 1]; order[j - 1] = x
			}
		for (i = 1; i <= n; i++) {
			T = order[i]
			if ((T, "S") in side) printf "%s\t(SELLS,List(%d))\n", T, side[T, "S"]
			if ((T, "B") in side) printf "%s\t(BUYS,List(%d))\n", T, side[T, "B"]
			printf "%s\t(TOP%dCLIENTS,List(%s))\n", T, N, c[T]
			printf "%s\t(TOP%dSTOCKS,List(%s))\n", T, N, s[T]
		}
	}' sides.ref clients.ref stocks.ref
}

# kill_at SYSCALL N COMMAND...: runs COMMAND under strace, killed with
# SIGKILL at its Nth call of SYSCALL (in any of its processes); returns
# COMMAND's status (137 when the kill came, as a shell reports it).
kill_at() {
	local sc=$1 n=$2
	shift 2
	# LeakSanitizer cannot run under ptrace (make sanitize)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$n" "$@"
}

# each_rename_kill N...: given a function pipe that runs a checkpointed
# pipeline (checkpoint ck) appending to log.txt, with its arguments before
# the stateful tool: one run never killed, then for each N a run with that
# tool killed at its Nth rename and a restart; each log.txt equals the
# first.
each_rename_kill() {
	local n
	pipe env
	mv log.txt ref.txt
	for n in "$@"; do
		rm -rf ck log.txt
		pipe kill_at rename "$n" 2>/dev/null || true
		pipe env
		run diff ref.txt log.txt
		assert_output ''
	done
}

# usage_error MESSAGE COMMAND...: COMMAND is bad usage: exit 2, MESSAGE on
# the first line, the usage after it. One row of a table of usage errors.
usage_error() {
	run "${@:2}"
	assert_failure 2
	assert_line --index 0 "$1"
	assert_line --index 1 --partial "usage: $2 "
}

# readme_block FIRST-LINE: the README's indented block that starts with
# that line, as typed, to the blank line after it.
readme_block() {
	awk -v first="    $1" '$0 == first { on = 1 } on && /^$/ { exit }
	    on { sub(/^    /, ""); print }' "$ROOT/README.md"
}

# stop PID: SIGTERM, then its exit status
stop() {
	kill -TERM "$1"
	wait "$1"
}

# start_cluster TOPIC:PARTITIONS...: a mock cluster of one broker holding
# those topics; sets (and exports) BROKERS, and CLUSTER, its pid.
start_cluster() {
	local t args=()
	for t in "$@"; do
		args+=(-t "$t")
	done
	("$ROOT/tests/kafkamock" "${args[@]}" > cluster.out 2> cluster.err &
	    echo $! > cluster.pid)
	CLUSTER=$(cat cluster.pid)
	BG_PIDS="${BG_PIDS:-} $CLUSTER"
	waitfor 10 grep -q . cluster.out
	BROKERS=$(cat cluster.out)
	export BROKERS
}

# produce TOPIC: standard input's lines (orders) as messages, keyed by
# their third comma-separated field (an order's client) so a client is one
# partition
produce() {
	awk -F, '{ print $3 "\t" $0 }' | kcat -P -b "$BROKERS" -t "$1" -K '	'
}
