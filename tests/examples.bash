# Runs the EXAMPLES of a man page, as a reader would type them, in the
# current directory. Loaded by tests/docs.bats.
#
# What the examples rely on is made here: orders.txt (raw orders),
# orders.rec (parsed), batched.rec (parsed and in 5 s batches, what
# "..." stands for and what examples without an input read on standard
# input) and a directory in/ for --watch.
#
# Each example must exit 0 with every tool of its pipeline (pipefail), say
# nothing on standard error and write something: on standard output, or
# files. An example that watches in/ is started in a process group of its
# own, given a file of orders once it runs, and stopped by one SIGTERM to
# the group, as Ctrl-C would stop it (stream-split(1), SIGNALS).

examples_fixtures() {
	gen-orders -n 2000 --rate 100 > orders.txt
	stream-parse --csv "$SPEC" orders.txt > orders.rec
	stream-split --event-time time --interval 5s orders.rec > batched.rec
	mkdir in
}

# The literal blocks of a page's EXAMPLES, unescaped, into ex.1, ex.2, ...
examples_extract() {
	rm -f ex.*
	awk '
	/^\.Sh / { inex = $2 == "EXAMPLES"; next }
	inex && /^\.Bd -literal/ { n++; f = "ex." n; printf "" > f; next }
	inex && /^\.Ed/ { close(f); f = ""; next }
	f != "" {
		gsub(/\\e/, "\\")
		sub(/^\\&/, "")
		print > f
	}
	END { print n + 0 }' "$1"
}

# examples_run PAGE: runs every example; prints what failed and returns 1.
examples_run() {
	local page=$1 n i code rc
	n=$(examples_extract "$page")
	[ "$n" -gt 0 ] || { echo "$page: no EXAMPLES"; return 1; }
	for ((i = 1; i <= n; i++)); do
		code=$(sed 's/^\.\.\. /cat batched.rec /' "ex.$i")
		rm -f stdout stderr
		if [ "${code:0:1}" = '#' ]; then	# a stream, not a command
			stream-reduce --count < "ex.$i" > stdout 2> stderr
			rc=$?
		elif [[ $code == *'--watch in'* ]]; then
			examples_live "$code"
			rc=$?
		else
			bash -o pipefail -c "$code" < batched.rec > stdout 2> stderr
			rc=$?
		fi
		if [ "$rc" -ne 0 ] || [ -s stderr ] ||
		    { [ ! -s stdout ] && [ -z "$(find . -newer ex.$i -type f ! -name 'std*' -print -quit)" ]; }; then
			printf '%s, example %d (exit %d):\n%s\n-- stderr:\n' \
			    "$page" "$i" "$rc" "$code"
			cat stderr
			printf -- '-- stdout:\n'
			head -n 20 stdout
			return 1
		fi
	done
}

# A live example: its own process group, a file dropped into in/, then one
# SIGTERM to the group. The shell waits for its pipeline (the trap is not
# inherited), so its status is the pipeline's.
examples_live() {
	local pid
	setsid bash -o pipefail -c "trap : TERM; $1" < /dev/null > stdout 2> stderr &
	pid=$!
	# files there before the watch began are not new: wait for it
	waitfor 10 watching "$pid" || return 1
	cp orders.txt in/.orders && mv in/.orders "in/orders-$RANDOM.txt"
	sleep 1
	kill -TERM -- "-$pid" 2>/dev/null
	wait "$pid"
}

# watching PGID: a process of the group has an inotify descriptor open.
watching() {
	local p
	for p in $(pgrep -g "$1"); do
		find "/proc/$p/fd" -lname 'anon_inode:inotify' 2>/dev/null | grep -q . && return 0
	done
	return 1
}
