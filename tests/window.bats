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
