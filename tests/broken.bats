#!/usr/bin/env bats
# Broken upstreams (stream-records(5), "The stream header"): every tool's
# output starts with #stream and ends with #eos; an input that began with
# the header, or has batches, and ends without #eos, or a pipe that gave
# nothing at all, is a failed upstream: nothing of it is published.

load helper

stream() {	# two batches of k/v records, ended cleanly
	printf '#stream\n#interval\t5000\n#fields\tk\tv\nx\t1\n#end\t5000\ny\t2\n#end\t10000\n#eos\n'
}

@test "every tool starts its output with #stream and ends it with #eos" {
	printf 'k,1\n' > in.csv
	run stream-parse --csv k,v:int in.csv
	assert_output "$(printf '#stream\n#fields\tk\tv\n#types\tstr\tint\n#at\tin.csv\t1\nk\t1\n#eos')"
	stream > in.rec
	run stream-reduce --count in.rec
	assert_output "$(printf '#stream\tkeys=0\n#fields\tcount\n#interval\t5000\n1\n#end\t5000\n1\n#end\t10000\n#eos')"
	run stream-state --count in.rec
	assert_line --index 0 $'#stream\tkeys=0'
	run stream-window --length 10s --count in.rec
	assert_line --index 0 $'#stream\tkeys=0'
	run stream-window --length 10s --records in.rec
	assert_line --index 0 '#stream'
	run stream-split --event-time 1 --interval 5s in.csv
	assert_line --index 0 '#stream'
}

@test "the sink: an empty input and a stream, with a checkpoint: nothing published, exit 1" {
	stream > c.rec
	: > a.empty
	run --separate-stderr stream-sink --checkpoint ck --dir out/o --format spark --append log.txt a.empty c.rec
	assert_failure 1
	assert_equal "$stderr" 'stream-sink: a.empty: a plain file of records, not a stream of batches: nothing to commit to --checkpoint'
	run ls out
	assert_output ''
	[ ! -s log.txt ]
	# nothing was committed: the stream alone publishes every batch
	run stream-sink --checkpoint ck --dir out/o --format spark --append log.txt c.rec
	assert_success
	run ls out
	assert_output $'o-10000\no-5000'
	assert_equal "$(cat log.txt)" $'5000\t(x,1)\n10000\t(y,2)'
}

@test "the sink: a FIFO whose writer died before its first byte: nothing published, exit 1" {
	stream > c.rec
	mkfifo a
	( exec > a; exit 1 ) &
	run --separate-stderr stream-sink --dir out/o --append log.txt a c.rec
	assert_failure 1
	assert_equal "$stderr" 'stream-sink: a: no input at all, not even the #stream header: the tool before this one failed before it started; nothing more is published'
	run ls out
	assert_output ''
	[ ! -s log.txt ]
}

@test "the sink: a header and no #eos is a broken stream, even without a batch" {
	printf '#stream\n#fields\tk\tv\nx\t1\n' > a.rec
	run --separate-stderr stream-sink --dir out/o a.rec
	assert_failure 1
	assert_equal "$stderr" 'stream-sink: a.rec: input ended without #eos: the tool before this one failed; its unfinished batch is dropped; nothing more is published'
	[ ! -e out ] || [ -z "$(ls out)" ]
}

@test "the sink: a plain file and a stream of batches are not merged" {
	stream > c.rec
	printf '#fields\tk\tv\nz\t9\n' > plain.rec
	run --separate-stderr stream-sink c.rec plain.rec
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" 'stream-sink: plain.rec: a plain file of records, but c.rec has batches: they cannot be merged'
}

@test "a plain regular file named on the command line is still a batch job" {
	printf '#fields\tk\tv\nz\t9\nz\t1\n' > plain.rec
	run stream-sink plain.rec
	assert_success
	assert_output $'z\t9\nz\t1'
	: > empty.rec
	run stream-reduce --count empty.rec
	assert_success
	assert_output "$(printf '#stream\tkeys=0\n#fields\tcount\n0\n#eos')"
}

@test "reduce, state, window, parse and split by event time: a pipe that gave nothing is a failed upstream" {
	for cmd in "stream-reduce --count" "stream-state --count" \
	    "stream-window --length 10s --count" "stream-parse --csv a" \
	    "stream-split --event-time 1 --interval 1s"; do
		run --separate-stderr sh -c "(exit 1) | $cmd"
		assert_failure 1
		assert_equal "$stderr" "${cmd%% *}: stdin: no input at all, not even the #stream header: the tool before this one failed before it started"
		refute_output --partial '#eos'
	done
}

@test "reduce, state, window, parse and split: a header without #eos is a failed upstream" {
	printf '#stream\n#fields\tk\tv\n2016-03-22T20:25:28Z\t1\n' > h.rec
	for cmd in "stream-reduce --count" "stream-state --count" \
	    "stream-window --length 10s --count" "stream-parse --tsv a" \
	    "stream-split --event-time k --interval 1s"; do
		run --separate-stderr sh -c "$cmd < h.rec"
		assert_failure 1
		assert_equal "$stderr" "${cmd%% *}: stdin: input ended without #eos: the tool before this one failed; its unfinished batch is dropped"
		refute_output --partial '#eos'
	done
}

@test "a killed stream-parse in a batch job publishes nothing" {
	gen-orders -n 200000 > orders.txt
	mkfifo p
	stream-parse --csv "$SPEC" orders.txt > p &
	pid=$!
	exec 8<p	# the parse has started; kill it before it ends
	kill -9 "$pid"
	run --separate-stderr stream-sink --dir out/o <&8
	exec 8<&-
	assert_failure 1
	[ ! -e out ] || [ -z "$(ls out)" ]
}

@test "a killed sink stops a --watch pipeline that waits for files: no process lingers" {
	mkdir in
	mkfifo a b c
	stream-split --watch in --event-time 1 --interval 5s > a 2>/dev/null &
	p1=$!
	stream-parse --csv "$SPEC" < a > b 2>/dev/null &
	p2=$!
	stream-reduce --count < b > c 2>/dev/null &
	p3=$!
	stream-sink < c > /dev/null &
	p4=$!
	BG_PIDS="$p1 $p2 $p3 $p4"
	gen-orders -n 100 > in/.x && mv in/.x in/x.csv
	sleep 0.3
	kill -9 "$p4"
	waitfor 5 sh -c "! kill -0 $p1 2>/dev/null && ! kill -0 $p2 2>/dev/null && ! kill -0 $p3 2>/dev/null"
}

@test "order-dashboard: a tool that fails stops the others, and the status says so" {
	mkdir in
	mkdir -p ck/stream-state
	ln -s /nonexistent ck/stream-state/lock	# stream-state refuses to start
	run --separate-stderr timeout 20 order-dashboard --checkpoint ck --event-time --watch in --out out/o
	assert_failure 1
	# no tool of this test (its working directory) is still running
	for p in $(pgrep '^stream-' || true); do
		[ "$(readlink "/proc/$p/cwd")" != "$PWD" ] || { ps -p "$p" -o args=; return 1; }
	done
	[ ! -e out ] || [ -z "$(ls out)" ]
}

@test "stream-split by the clock: a pipe that stays silent and closes is a live source that had nothing" {
	run sh -c 'sleep 0.3 | stream-split --interval 100ms | grep -c "^#end"'
	assert_success
	[ "$output" -ge 2 ]
}

# A control line that does not parse (stream-records(5), "Control lines"):
# the tool before is broken; one message with the input's name and line,
# exit 1, for every tool (lib/stream reads every input).
malformed() {	# tool, line, message
	printf '#stream\n#interval\t5000\n#fields\tk\tv\nx\t1\n%s\n#eos\n' "$2" > in.rec
	run --separate-stderr $1 in.rec
	assert_failure 1
	assert_equal "$stderr" "$3"
}

@test "a malformed #end (no time) stops the sink, nothing published" {
	malformed stream-sink $'#end\tsoon' 'stream-sink: in.rec:5: a malformed #end line: #end\tsoon'
	assert_output ''
}

@test "a malformed #end (a count below zero) stops stream-reduce" {
	malformed 'stream-reduce --count' $'#end\t5000\tn=-3' 'stream-reduce: in.rec:5: a malformed #end line: #end\t5000\tn=-3'
}

@test "a malformed #end (a time beyond 64 bits) stops stream-state" {
	malformed 'stream-state --count' $'#end\t99999999999999999999' 'stream-state: in.rec:5: a malformed #end line: #end\t99999999999999999999'
}

@test "a malformed #interval (zero) stops stream-window" {
	malformed 'stream-window --length 10s --count' $'#interval\t0' 'stream-window: in.rec:5: a malformed #interval line: #interval\t0'
}

@test "a malformed #checkpoint (every=x) stops stream-split reading a record stream" {
	malformed 'stream-split --interval 5s' $'#checkpoint\tevery=x' 'stream-split: in.rec:5: a malformed #checkpoint line: #checkpoint\tevery=x'
}

@test "a malformed #stream (top=-1) stops stream-parse reading a record stream" {
	malformed 'stream-parse --csv line' $'#stream\ttop=-1' 'stream-parse: in.rec:5: a malformed #stream line: #stream\ttop=-1'
}
