#!/usr/bin/env bats
# stream-window: sliding windows (reduceByKeyAndWindow and kin).

load helper

batches() {	# five 5 s batches: a and b, then only b, then nothing
	printf '#interval\t5000\n#fields\tk\tv\n'
	printf 'a\t1\nb\t5\n#end\t5000\n'
	printf 'a\t2\n#end\t10000\n'
	printf 'b\t1\n#end\t15000\n'
	printf '#end\t20000\n#end\t25000\n#eos\n'
}

@test "top 5 symbols by amount over 1 h equal an awk computation, every batch" {
	gen-orders -n 50000 --rate 10 > orders.txt
	stream-parse --csv "$SPEC" orders.txt |
	    stream-split --event-time time --interval 5s |
	    stream-window --length 1h --by symbol --sum amount --top 5 --name TOP5STOCKS |
	    stream-sink > got.tsv
	awk_top_stocks 5 3600 5 < orders.txt > want.tsv
	[ "$(wc -l < want.tsv)" -eq $(( 1001 * 5 )) ]
	diff want.tsv got.tsv
}

@test "panes enter and leave: sums subtracted, a max that leaves, a key that goes" {
	run stream-window --length 10s --by k --sum v --max v --count < <(batches)
	assert_success
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_sum\tv_max\tcount\n#interval\t5000\na\t1\t1\t1\nb\t5\t5\t1\n#end\t5000\tstate.stream-window=2\na\t3\t2\t2\nb\t5\t5\t1\n#end\t10000\tstate.stream-window=2\na\t2\t2\t1\nb\t1\t1\t1\n#end\t15000\tstate.stream-window=2\nb\t1\t1\t1\n#end\t20000\tstate.stream-window=1\n#end\t25000\tstate.stream-window=0\n#eos')"
}

@test "--min over text and numbers; --avg" {
	printf '#interval\t1000\n#fields\tk\tv\nx\t3\nx\tzz\n#end\t1000\nx\t1\n#end\t2000\nx\t9\n#end\t3000\n#eos\n' > in.rec
	run stream-window --length 2s --by k --min v --max v < in.rec
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_min\tv_max\n#interval\t1000\nx\t3\tzz\n#end\t1000\tstate.stream-window=1\nx\t1\tzz\n#end\t2000\tstate.stream-window=1\nx\t1\t9\n#end\t3000\tstate.stream-window=1\n#eos')"
	printf '#interval\t1000\n#fields\tv\n1\n2\n#end\t1000\n6\n#end\t2000\n#end\t3000\n#eos\n' > avg.rec
	run stream-window --length 2s --avg v --count < avg.rec
	assert_output "$(printf '#stream\tkeys=0\n#fields\tv_avg\tcount\n#interval\t1000\n1.5\t2\n#end\t1000\tstate.stream-window=1\n3\t3\n#end\t2000\tstate.stream-window=1\n6\t1\n#end\t3000\tstate.stream-window=1\n#eos')"
}

@test "countByWindow: no --by, one line even for an empty window" {
	run stream-window --length 5s --count < <(batches)
	assert_output "$(printf '#stream\tkeys=0\n#fields\tcount\n#interval\t5000\n2\n#end\t5000\tstate.stream-window=1\n1\n#end\t10000\tstate.stream-window=1\n1\n#end\t15000\tstate.stream-window=1\n0\n#end\t20000\tstate.stream-window=1\n0\n#end\t25000\tstate.stream-window=1\n#eos')"
}

@test "--slide longer than the interval writes only at slide boundaries, #end too (no empty batches between)" {
	run stream-window --length 10s --slide 10s --by k --sum v < <(batches)
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_sum\n#interval\t5000\na\t3\nb\t5\n#end\t10000\tstate.stream-window=2\nb\t1\n#end\t20000\tstate.stream-window=1\n#eos')"
}

@test "a length or slide that is not a multiple of the interval is refused" {
	run --separate-stderr stream-window --length 7s --count < <(batches)
	assert_failure 2
	assert_equal "$stderr" 'stream-window: --length 7s: not a multiple of the batch interval 5s'
	run --separate-stderr stream-window --length 10s --slide 3s --count < <(batches)
	assert_failure 2
	assert_equal "$stderr" 'stream-window: --slide 3s: not a multiple of the batch interval 5s'
}

@test "bad usage: one message, the usage, exit 2" {
	usage_error "stream-window: give the window's --length" stream-window --count
	usage_error 'stream-window: v_last: not kept over a window (--count, --sum, --avg, --min, --max and --collect are)' stream-window --length 10s --last v
	usage_error 'stream-window: --slide longer than --length leaves batches out of every window' stream-window --length 10s --slide 20s --count
}

@test "a missing input file: exit 1" {
	run stream-window --length 10s --count nosuch.rec
	assert_failure 1
	assert_output 'stream-window: nosuch.rec: No such file or directory'
}

@test "a killed upstream: the unfinished batch is dropped, exit 1" {
	batches | head -n 8 > in.rec
	run --separate-stderr stream-window --length 10s --by k --sum v in.rec
	assert_failure 1
	assert_equal "$stderr" 'stream-window: in.rec: input ended without #eos: the tool before this one failed; its unfinished batch is dropped'
}

@test "--collect: the values of the window's batches, oldest first (groupByKeyAndWindow)" {
	printf '#interval\t5000\n#fields\tk\tv\na\t1\nb\t5\na\t3\n#end\t5000\na\t2\n#end\t10000\nb\t1\n#end\t15000\n#eos\n' > in.rec
	run stream-window --length 10s --by k --collect v < in.rec
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_collect\n#interval\t5000\na\t1,3\nb\t5\n#end\t5000\tstate.stream-window=2\na\t1,3,2\nb\t5\n#end\t10000\tstate.stream-window=2\na\t2\nb\t1\n#end\t15000\tstate.stream-window=2\n#eos')"
}

@test "--records: the records of the window themselves, at every slide (window())" {
	run stream-window --length 10s --records < <(batches)
	assert_success
	assert_output "$(printf '#stream\n#interval\t5000\n#fields\tk\tv\na\t1\nb\t5\n#end\t5000\na\t1\nb\t5\na\t2\n#end\t10000\na\t2\nb\t1\n#end\t15000\nb\t1\n#end\t20000\n#end\t25000\n#eos')"
	run stream-window --length 10s --slide 10s --records < <(batches)
	assert_output "$(printf '#stream\n#interval\t5000\n#fields\tk\tv\na\t1\nb\t5\na\t2\n#end\t10000\nb\t1\n#end\t20000\n#eos')"
	run stream-window --length 10s --records --by k
	assert_failure 2
	assert_line --index 0 'stream-window: --records writes the records themselves: no --by, aggregations, --top, --name or --where'
}

@test "--records with a checkpoint: the window's records come back after a restart" {
	printf '#interval\t5000\n#fields\tk\tv\na\t1\n#end\t5000\nb\t2\n#end\t10000\n#eos\n' > run1.rec
	printf '#interval\t5000\n#fields\tk\tv\nc\t3\n#end\t15000\n#eos\n' > run2.rec
	stream-window --length 10s --records --checkpoint ck --checkpoint-every 1 < run1.rec |
	    stream-sink --checkpoint ck > /dev/null
	run sh -c 'stream-window --length 10s --records --checkpoint ck --checkpoint-every 1 < run2.rec | stream-sink --checkpoint ck'
	assert_success
	assert_output "$(printf '15000\tb\t2\n15000\tc\t3')"
}

@test "--slide: the sink publishes no empty batch between slides" {
	printf '#stream\n#interval\t5000\n#fields\tk\tv\na\t1\n#end\t5000\nb\t2\n#end\t10000\n#end\t15000\nc\t3\n#end\t20000\n#eos\n' > in.rec
	run sh -c 'stream-window --length 15s --slide 10s --count < in.rec | stream-sink --print'
	assert_success
	assert_output "$(printf -- '-------------------------------------------\nTime: 10000 ms\n-------------------------------------------\n2\n\n-------------------------------------------\nTime: 20000 ms\n-------------------------------------------\n2\n')"
	run sh -c 'stream-window --length 15s --slide 10s --count < in.rec | stream-sink --dir out/o'
	assert_success
	assert_equal "$(ls out)" "$(printf 'o-10000\no-20000')"
}

@test "--emit-removed: the keys that left the window since the last slide, flagged 1, after the others" {
	run stream-window --length 10s --by k --sum v --emit-removed < <(batches)
	assert_success
	assert_output "$(printf '#stream\tkeys=1\n#fields\tk\tv_sum\tremoved\n#interval\t5000\na\t1\t0\nb\t5\t0\n#end\t5000\tstate.stream-window=2\na\t3\t0\nb\t5\t0\n#end\t10000\tstate.stream-window=2\na\t2\t0\nb\t1\t0\n#end\t15000\tstate.stream-window=2\nb\t1\t0\na\t\t1\n#end\t20000\tstate.stream-window=1\nb\t\t1\n#end\t25000\tstate.stream-window=0\n#eos')"
}

@test "--emit-removed with --slide and --top: a key that left and came back between slides is not removed; every removed key is said" {
	printf '#interval\t5000\n#fields\tk\tv\na\t1\nb\t2\nc\t3\n#end\t5000\nc\t1\n#end\t10000\na\t1\n#end\t15000\n#end\t20000\n#eos\n' > in.rec
	run stream-window --length 10s --slide 10s --by k --sum v --top 1 --emit-removed in.rec
	assert_success
	assert_output "$(printf '#stream\tkeys=1\ttop=1\n#fields\tk\tv_sum\tremoved\n#interval\t5000\nc\t4\t0\n#end\t10000\tstate.stream-window=3\na\t1\t0\nb\t\t1\nc\t\t1\n#end\t20000\tstate.stream-window=1\n#eos')"
}

@test "--emit-removed: bad usage without --by or with --records" {
	usage_error 'stream-window: --emit-removed needs --by, and no --records' stream-window --length 10s --count --emit-removed
	usage_error 'stream-window: --emit-removed needs --by, and no --records' stream-window --length 10s --records --emit-removed
}

@test "--emit-removed --checkpoint: killed at a snapshot's rename and restarted, the same output as a run never killed" {
	printf '#interval\t5000\n#fields\tk\tv\n' > in.rec
	for t in 1 2 3 4 5 6 7 8; do
		printf '%s\t1\n#end\t%d\n' "k$((t % 3))" $((t * 5000)) >> in.rec
	done
	echo '#eos' >> in.rec
	stream-window --length 10s --by k --count --emit-removed in.rec > want
	for n in 1 2 3 4 5 6; do
		rm -rf ck
		kill_at rename "$n" stream-window --length 10s --by k --count --emit-removed \
		    --checkpoint ck --checkpoint-every 1 in.rec > /dev/null || true
		run stream-window --length 10s --by k --count --emit-removed --checkpoint ck \
		    --checkpoint-every 1 in.rec
		assert_success
		# the restart writes from its restore point on: the same lines there
		last=$(grep -c . <<< "$output")
		assert_equal "$output" "$(head -n 4 want; tail -n $((last - 4)) want)"
	done
}

# clicks_gen: 20 users' clicks with gaps of exactly 20 minutes, 1 ms more
# or less, and shorter or longer ones, in time order, in 1-minute batches:
# clicks.csv (ms,user,page) and clicks.rec
clicks_gen() {
	awk 'BEGIN {
		srand(8)
		split("1200000 1200001 1199999 60000 5000 3600000 1200000 300000", g, " ")
		for (u = 0; u < 20; u++) {
			t = 1458678000000 + u * 7000
			for (i = 0; i < 60; i++) {
				printf "%.0f,u%d,p%d\n", t, u, i
				t += g[1 + int(rand() * 8)]
			}
		}
	}' | sort -t, -k1,1n > clicks.csv
	stream-split --event-time 1 --sep , --interval 1m clicks.csv |
	    stream-parse --csv t:int,user,page > clicks.rec
}

@test "--session: one line a session when the watermark passes its end + GAP; a gap of exactly GAP is the same session" {
	printf '#stream\n#interval\t60000\n#fields\tt\tuser\tpage\n1970-01-01T00:00:00Z\ta\tp1\n1970-01-01T00:00:30Z\tb\tp1\n#end\t60000\n1970-01-01T00:01:00Z\ta\tp2\n#end\t120000\n#end\t180000\n1970-01-01T00:03:30Z\ta\tp3\n#end\t240000\n#end\t300000\n#eos\n' > clicks.rec
	run stream-window --session 1m --event-time t --by user --count --collect page clicks.rec
	assert_success
	assert_output "$(printf '#stream\tkeys=1\n#fields\tuser\tstart\tend\tcount\tpage_collect\n#interval\t60000
#end\t60000\tstate.stream-window=2
b\t1970-01-01T00:00:30Z\t1970-01-01T00:00:30Z\t1\tp1
#end\t120000\tstate.stream-window=2
a\t1970-01-01T00:00:00Z\t1970-01-01T00:01:00Z\t2\tp1,p2
#end\t180000\tstate.stream-window=0
#end\t240000\tstate.stream-window=1
a\t1970-01-01T00:03:30Z\t1970-01-01T00:03:30Z\t1\tp3
#end\t300000\tstate.stream-window=0
#eos')"
}

@test "--session --emit updated: the sessions a batch changed, still open, then closed" {
	printf '#stream\n#interval\t60000\n#fields\tt\tuser\n1970-01-01T00:00:00Z\ta\n#end\t60000\n1970-01-01T00:01:00Z\ta\n#end\t120000\n#end\t180000\n#eos\n' > clicks.rec
	run stream-window --session 1m --event-time t --by user --count --emit updated clicks.rec
	assert_success
	assert_output "$(printf '#stream\tkeys=1\n#fields\tuser\tstart\tend\tcount\tclosed\n#interval\t60000
a\t1970-01-01T00:00:00Z\t1970-01-01T00:00:00Z\t1\t0
#end\t60000\tstate.stream-window=1
a\t1970-01-01T00:00:00Z\t1970-01-01T00:01:00Z\t2\t0
#end\t120000\tstate.stream-window=2
a\t1970-01-01T00:00:00Z\t1970-01-01T00:01:00Z\t2\t1
#end\t180000\tstate.stream-window=0
#eos')"
}

@test "--session 20m on a click log with gaps of 20 minutes, 1 ms more and less: equals a reference, each in its batch" {
	clicks_gen
	stream-window --session 20m --event-time t --by user --count --min t --max t clicks.rec > out.rec
	# the tool: "batch user first last count"
	awk -F'\t' '/^#end/ { for (i = 0; i < n; i++) print $2 "\t" l[i]; n = 0; next }
	    /^#/ { next } { l[n++] = $1 "\t" $5 "\t" $6 "\t" $4 }' out.rec | LC_ALL=C sort > got
	# awk: sessions of each user split where a gap is over 20 minutes, each
	# written at the first batch whose time is past its end + 20 minutes
	ends=$(awk -F'\t' '$1 == "#end" { print $2 }' clicks.rec | tr '\n' ' ')
	LC_ALL=C sort -t, -k2,2 -k1,1n clicks.csv | awk -F, -v ends="$ends" '
	BEGIN { nb = split(ends, e, " ") }
	function flush() {
		if (u == "") return
		for (i = 1; i <= nb; i++) if (last + 1200000 < e[i] + 0) { print e[i] "\t" u "\t" first "\t" last "\t" c; break }
	}
	$2 != u || $1 - last > 1200000 { flush(); u = $2; first = $1; c = 0 }
	{ last = $1; c++ }
	END { flush() }' | LC_ALL=C sort > want
	[ "$(wc -l < want)" -gt 200 ]
	run diff want got
	assert_output ''
}

@test "--session: late records counted; a time that is not one is left out, said" {
	printf '#stream\n#interval\t1000\n#fields\tt\tk\n1970-01-01T00:00:01Z\ta\n#end\t2000\n1970-01-01T00:00:00.5Z\ta\nsoon\ta\n#end\t3000\n#eos\n' > in.rec
	run --separate-stderr stream-window --session 10s --event-time t --by k --count in.rec
	assert_success
	assert_line --index 4 "$(printf '#end\t3000\tlate=1\tbad=1\tstate.stream-window=1')"
	assert_equal "$stderr" 'stream-window: in.rec:7: t "soon" is not a timestamp: record left out'
}

@test "--session --checkpoint: killed at its renames and restarted, the output of one run" {
	clicks_gen
	pipe() {
		stream-split --event-time 1 --sep , --interval 1m --checkpoint ck --checkpoint-every 2 clicks.csv |
		    stream-parse --csv t:int,user,page |
		    "$@" stream-window --session 20m --event-time t --by user --count --collect page --checkpoint ck |
		    stream-sink --checkpoint ck --append log.txt
	}
	each_rename_kill 1 2 3 5 8 13 21 34
}

@test "--session: bad usage" {
	usage_error "stream-window: --session needs --event-time: the records' times" stream-window --session 5m --count
	usage_error 'stream-window: --session: no --length, --slide, --records or --emit-removed' stream-window --session 5m --event-time t --length 1m --count
	usage_error 'stream-window: --session writes every session: no --top or --label' stream-window --session 5m --event-time t --by k --count --top 3
	usage_error 'stream-window: --event-time, --watermark and --emit go with --session' stream-window --length 1m --event-time t --count
	usage_error 'stream-window: --emit all: not closed or updated' stream-window --session 5m --event-time t --count --emit all
}

@test "--session on a quiet stream: batches by processing time move the watermark, the session closes with no more input" {
	mkfifo q
	stream-split --interval 200ms < q | stream-parse --csv t:time,user |
	    stream-window --session 500ms --event-time t --by user --count > out.rec &
	exec 7> q
	now=$(date +%s%3N)
	printf '%s,a\n%s,a\n' "$now" "$((now + 100))" >&7
	# nothing more is written, the FIFO stays open: empty batches only
	waitfor 10 grep -q '^a' out.rec
	exec 7>&-
	wait
	run grep -c '^a' out.rec
	assert_output 1
	run grep '^a' out.rec
	assert_output --regexp "^a	[0-9T:.-]+Z	[0-9T:.-]+Z	2$"
}
