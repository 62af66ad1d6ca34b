#!/usr/bin/env bats
# End to end: the book's first job, as pipelines of the real tools.

load helper

@test "watch job: every file's orders counted once, each batch saved with _SUCCESS" {
	mkdir in
	gen-orders -n 50 --seed 9 > in/present-at-start.txt
	(stream-split --watch in --interval 1s |
	    stream-parse --csv "$SPEC" |
	    stream-reduce --by side --count |
	    stream-sink --dir out/output --suffix txt --format spark) 2> err.txt &
	sleep 0.4
	: > expected.txt
	for i in 1 2 3 4 5; do
		gen-orders -n $((100 * i)) --seed $i > stage.txt
		cat stage.txt >> expected.txt
		mv stage.txt in/orders-$i.txt
		sleep 0.5
	done
	gen-orders -n 7 --seed 99 > in/.tmp
	gen-orders -n 7 --seed 98 > in/_x
	want_b=$(grep -c ',B$' expected.txt)
	want_s=$(grep -c ',S$' expected.txt)
	total() {
		cat out/*/part-00000 2>/dev/null | sed -n "s/^($1,\([0-9]*\))$/\1/p" |
		    awk '{ n += $1 } END { print n + 0 }'
	}
	waitfor 10 sh -c "[ \$(cat out/*/part-00000 2>/dev/null | tr -dc '0-9\n' | awk '{n+=\$1} END {print n+0}') -ge 1500 ]"
	sleep 0.4
	pkill -TERM -f "stream-split --watch in --interval 1s"
	wait
	[ "$(total B)" -eq "$want_b" ]
	[ "$(total S)" -eq "$want_s" ]
	[ $((want_b + want_s)) -eq 1500 ]
	for d in out/output-*.txt; do
		[ -f "$d/part-00000" ]
		[ -f "$d/_SUCCESS" ]
	done
	# batch directories are named by multiples of the interval
	ls out | sed 's/^output-\([0-9]*\)\.txt$/\1/' | awk '$1 % 1000 { exit 1 }'
	[ ! -s err.txt ]
}

@test "event time: per-batch buy/sell counts equal an independent awk computation" {
	gen-orders -n 100000 --rate 1000 > a.txt
	gen-orders -n 3000 --rate 1000 --seed 5 --start '2016-03-22 20:27:30' > b.txt
	cat a.txt b.txt > orders.txt	# a gap: empty batches between
	stream-parse --csv "$SPEC" orders.txt |
	    stream-split --event-time time --interval 5s |
	    stream-reduce --by side --count |
	    stream-sink > got.tsv
	awk_side_counts 5 < orders.txt > want.tsv
	[ "$(wc -l < want.tsv)" -ge 40 ]
	diff want.tsv got.tsv
	# and as directories: every interval from the first to the last batch
	stream-parse --csv "$SPEC" orders.txt |
	    stream-split --event-time time --interval 5s |
	    stream-reduce --by side --count |
	    stream-sink --dir run1/o --format spark
	first=$(head -n 1 want.tsv | cut -f 1)
	last=$(tail -n 1 want.tsv | cut -f 1)
	[ "$(ls run1 | wc -l)" -eq $(( (last - first) / 5000 + 1 )) ]
	[ ! -s "run1/o-$((last - 5000))/part-00000" ]
	# a second run gives the same bytes
	stream-parse --csv "$SPEC" orders.txt |
	    stream-split --event-time time --interval 5s |
	    stream-reduce --by side --count |
	    stream-sink --dir run2/o --format spark
	diff -r run1 run2
}

@test "raw lines batched by event time in stream-split, parsed after" {
	gen-orders -n 20000 --rate 1000 > orders.txt
	stream-split --event-time 1 --interval 5s orders.txt |
	    stream-parse --csv "$SPEC" |
	    stream-reduce --by side --count | stream-sink > got.tsv
	awk_side_counts 5 < orders.txt > want.tsv
	diff want.tsv got.tsv
}

@test "bad lines in the stream: reported, counted, the rest processed" {
	gen-orders -n 10000 --rate 1000 --bad 0.01 > orders.txt
	stream-split --event-time 1 --interval 5s orders.txt 2> split.err |
	    stream-parse --csv "$SPEC" 2> parse.err |
	    stream-reduce --by side --count | stream-sink > got.tsv
	grep -E ',[BS]$' orders.txt | grep -v '^2016-13' | grep -v 'x,' |
	    grep -Ev ',c[0-9]+,' | grep -Ev 'x,[BS]$' | awk_side_counts 5 > want.tsv
	diff want.tsv got.tsv
	# 100 bad lines of 7 kinds: the 14 with no such time and the 14 empty
	# ones have no event time and never reach stream-parse
	assert_equal "$(tail -n 1 split.err)" 'stream-split: 28 bad lines dropped'
	assert_equal "$(tail -n 1 parse.err)" 'stream-parse: 9900 lines accepted, 72 rejected'
}

@test "a killed upstream: no directory for the unfinished batch, the sink fails" {
	mkfifo src s2p p2r r2k
	stream-split --event-time 1 --interval 5s < src > s2p &
	split=$!
	stream-parse --csv "$SPEC" < s2p > p2r 2>/dev/null &
	stream-reduce --by side --count < p2r > r2k 2>/dev/null &
	stream-sink --dir out/o --format spark < r2k 2> sink.err &
	sink=$!
	BG_PIDS="$split $sink"
	exec 8>src
	gen-orders -n 20 --rate 2 >&8	# 20:25:28 to :37: batch 40000 stays open
	waitfor 5 test -d out/o-1458678335000
	kill -9 $split
	exec 8>&-
	status=0
	wait $sink || status=$?
	[ "$status" -eq 1 ]
	assert_equal "$(ls out)" $'o-1458678330000\no-1458678335000'
	grep -q 'input ended without #eos' sink.err
}

# live_group SIGNAL: a --watch pipeline in a process group of its own,
# 3000 orders dropped in, then SIGNAL to the whole group; every status and
# the one batch published are checked.
live_group() {
	mkdir in
	setsid bash -c 'trap : TERM	# the shell waits for its pipeline
	    stream-split --watch in --interval 1m |
	    stream-parse --csv "$0" | stream-reduce --count |
	    stream-sink --dir out/o; echo "${PIPESTATUS[*]}" > status' "$SPEC" &
	BG_PIDS=$!
	sleep 0.3
	gen-orders -n 3000 > .o && mv .o in/o.csv
	sleep 0.5
	kill "-$1" -- "-$BG_PIDS"
	waitfor 10 test -s status
	assert_equal "$(cat status)" '0 0 0 0'
	assert_equal "$(cat out/o-*/part-00000)" 3000
}

@test "one SIGINT to the whole pipeline (Ctrl-C): the open batch is published, every tool exits 0" {
	live_group INT
}

@test "SIGTERM to the whole pipeline likewise; a second signal stops a waiting tool at once" {
	live_group TERM
	# a tool reading a stream lets one signal pass, not two
	mkfifo f
	stream-reduce --count < f > /dev/null &
	pid=$!
	exec 8> f
	printf '#stream\n#fields\tk\n' >&8
	sleep 0.2
	kill -TERM "$pid"
	sleep 0.3
	kill -0 "$pid"
	sleep 0.3	# past the time a signal counts as the same stop
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	exec 8>&-
	assert_equal "$st" 143
}

@test "a failed start is never published: a missing --watch directory" {
	run --separate-stderr bash -c 'stream-split --watch in --interval 1s |
	    stream-parse --csv "$0" | stream-reduce --by side --count |
	    stream-sink --dir out/output --suffix txt --format spark; echo "${PIPESTATUS[*]}"' "$SPEC"
	assert_output '1 1 1 1'
	[ ! -e out ] || [ -z "$(ls out)" ]
}

@test "a failed start is never published: a window refused after its header" {
	printf '2016-03-22 20:25:28,1,80,EPE,710,51.00,B\n' > o.csv
	run --separate-stderr bash -c 'stream-parse --csv "$0" o.csv |
	    stream-split --event-time time --interval 5s |
	    stream-window --length 7s --count | stream-sink --dir out/o; echo "${PIPESTATUS[2]} ${PIPESTATUS[3]}"' "$SPEC"
	assert_output '2 1'
	[ ! -e out ] || [ -z "$(ls out)" ]
}

@test "a failed start is never published: a stream-state refused by its checkpoint" {
	printf '2016-03-22 20:25:28,1,80,EPE,710,51.00,B\n' > o.csv
	stream-parse --csv "$SPEC" o.csv | stream-split --event-time time --interval 5s |
	    stream-state --by client --count --checkpoint ck | stream-sink --checkpoint ck --dir out/o
	run --separate-stderr bash -c 'stream-parse --csv "$0" o.csv |
	    stream-split --event-time time --interval 5s |
	    stream-state --by client --sum amount --checkpoint ck |
	    stream-sink --checkpoint ck --dir out/p; echo "${PIPESTATUS[2]} ${PIPESTATUS[3]}"' "$SPEC"
	assert_output '1 1'	# (the tools before may end by SIGPIPE)
	[ ! -e out/p-1458678330000 ]
}

@test "an input file that cannot be read fails the stream: no #eos, nothing published" {
	run --separate-stderr bash -c 'stream-split nonexist.csv | stream-parse --csv "$0" |
	    stream-reduce --count | stream-sink --dir wx/o; echo "${PIPESTATUS[*]}"' "$SPEC"
	assert_output '1 1 1 1'
	[ ! -e wx ] || [ -z "$(ls wx)" ]
	assert_equal "${stderr%%$'\n'*}" 'stream-split: nonexist.csv: No such file or directory'
}

@test "a FIFO nobody writes: the clock ticks, empty batches come, SIGTERM ends it cleanly" {
	mkfifo fb
	run --separate-stderr timeout --preserve-status -s TERM 1.3 stream-split --interval 500ms fb
	assert_success
	assert_equal "$stderr" ''
	[ "$(printf '%s\n' "$output" | grep -c '^#end')" -ge 2 ]
	assert_line --index $((${#lines[@]} - 1)) '#eos'
}

@test "every message goes out in one write(2), so tools side by side never mix their lines" {
	gen-orders -n 2000 --bad 0.05 > orders.txt
	# LeakSanitizer cannot run under ptrace (make sanitize)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -o trace -e trace=write -s 512 \
	    stream-parse --csv "$SPEC" orders.txt > /dev/null 2>&1
	# 100 bad lines and a summary: 101 writes to fd 2, each a whole line
	assert_equal "$(grep -c 'write(2, ' trace)" 101
	assert_equal "$(grep 'write(2, ' trace | grep -vc '\\n", [0-9]*) *= [0-9]*$')" 0
}

# The words of a text and their counts, as "word<TAB>n" sorted: awk's.
awk_word_counts() {
	awk '{ for (i = 1; i <= NF; i++) c[$i]++ }
	    END { for (w in c) printf "%s\t%d\n", w, c[w] }' "$@" | LC_ALL=C sort
}

# The counts DStream.print shows, summed over its batches, sorted.
printed_counts() {
	awk -F '\t' '/^---/ || /^Time: / || /^$/ { next }
	    { c[$1] += $2 } END { for (w in c) printf "%s\t%d\n", w, c[w] }' "$@" |
	    LC_ALL=C sort
}

@test "NetworkWordCount (scripts/network-wordcount) against a server: the counts awk computes" {
	printf 'to be or not to be\nthat is the question\nto be\n' > text
	"$ROOT/tests/tcpline" -f text > port &
	BG_PIDS="${BG_PIDS:-} $!"
	waitfor 5 test -s port
	run --separate-stderr network-wordcount "127.0.0.1:$(cat port)" --once
	assert_success
	assert_equal "$stderr" ''
	assert_equal "$(printed_counts <<<"$output")" "$(awk_word_counts text)"
}

@test "hashtags over a 60 s window, the top 10 at every slide: the counts awk computes" {
	for i in $(seq 1 30); do
		printf 'tweet %d #spark and #c%d #unix\n' "$i" $((i % 12))
		[ $((i % 3)) -eq 0 ] && printf '#spark again #streams\n'
	done > tweets.txt
	run --separate-stderr sh -c 'stream-split --interval 1s tweets.txt |
	    stream-parse --words --where "word ^= \"#\"" |
	    stream-window --by word --count --length 60s --slide 1s --top 10 |
	    stream-sink --print --format spark'
	assert_success
	assert_equal "$stderr" ''
	# the last window holds every line (read in well under 60 s); its
	# (word,n) pairs as word<TAB>n
	output=$(awk '/^Time: / { last = "" ; next } /^---/ || /^$/ { next }
	    { last = last $0 "\n" } END { printf "%s", last }' <<<"$output" |
	    sed 's/^(\(.*\),\([0-9]*\))$/\1	\2/')
	want=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^#/) c[$i]++ }
	    END { for (w in c) printf "%s\t%d\n", w, c[w] }' tweets.txt |
	    LC_ALL=C sort -t "$(printf '\t')" -k2,2nr -k1,1 | head -n 10)
	assert_equal "$output" "$want"
}
