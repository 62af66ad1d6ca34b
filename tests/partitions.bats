#!/usr/bin/env bats
# stream-split --partitions N --by FIELD --out-prefix P: one stream cut
# into N, for N pipelines side by side.

load helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit 1
	gen-orders -n 20000 --rate 1000 --seed 11 > orders.txt
}

split4() {
	stream-split --partitions 4 --by 3 --out-prefix part --event-time 1 \
	    --interval 5s "$BATS_FILE_TMPDIR/orders.txt"
}

@test "--partitions 4 --by 3: every order once, each client in one stream only, and nothing on standard output" {
	run split4
	assert_success
	assert_output ''
	run sh -c "cat part.0 part.1 part.2 part.3 | grep -v '^#' | sort"
	assert_output "$(sort "$BATS_FILE_TMPDIR/orders.txt")"
	for i in 0 1 2 3; do
		grep -v '^#' "part.$i" | cut -d, -f3 | sort -u > "clients.$i"
	done
	run sh -c 'cat clients.0 clients.1 clients.2 clients.3 | sort | uniq -d'
	assert_output ''
	run sh -c '[ -s clients.0 ] && [ -s clients.1 ] && [ -s clients.2 ] && [ -s clients.3 ]'
	assert_success
}

@test "--partitions: every stream carries the header, every batch's #end and #eos" {
	split4
	stream-split --event-time 1 --interval 5s "$BATS_FILE_TMPDIR/orders.txt" |
	    grep -v '^#at' | grep '^#' | sed 's/	n=.*//' > whole.ctl
	for i in 0 1 2 3; do
		run diff <(grep -v '^#at' "part.$i" | grep '^#' | sed 's/	n=.*//') whole.ctl
		assert_success
	done
}

@test "--partitions: each stream's #end n= counts its own records, and the four add up to the stream's" {
	split4
	stream-split --event-time 1 --interval 5s "$BATS_FILE_TMPDIR/orders.txt" |
	    awk -F '\t' '/^#end/ { print $2 "\t" substr($3, 3) }' > whole.n
	for i in 0 1 2 3; do
		run awk -F '\t' '/^#end/ { if (substr($3, 3) != n) exit 1; n = 0; next }
		    !/^#/ { n++ }' "part.$i"
		assert_success
	done
	run sh -c "cat part.0 part.1 part.2 part.3 |
	    awk -F '\t' '/^#end/ { n[\$2] += substr(\$3, 3) }
	    END { for (t in n) print t \"\t\" n[t] }' | sort -n"
	assert_output "$(cat whole.n)"
	[ "$(wc -l < whole.n)" -ge 4 ]
}

@test "--partitions: the side counts of the 4 pipelines add up to one pipeline's, batch by batch" {
	split4
	for i in 0 1 2 3; do
		stream-parse --csv "$SPEC" < "part.$i" | stream-reduce --by side --count |
		    stream-sink --format tsv
	done | awk -F '\t' '{ n[$1 "\t" $2] += $3 } END { for (k in n) print k "\t" n[k] }' |
	    sort > parts.sum
	stream-split --event-time 1 --interval 5s "$BATS_FILE_TMPDIR/orders.txt" |
	    stream-parse --csv "$SPEC" | stream-reduce --by side --count |
	    stream-sink --format tsv | sort > whole.sum
	run diff parts.sum whole.sum
	assert_success
	run wc -l < whole.sum
	refute_output 0
}

@test "--partitions: a bad line is reported at its own line of the user's file, whichever stream it went to" {
	sed '777s/[BS]$/X/; 1234s/^2016/20x6/' "$BATS_FILE_TMPDIR/orders.txt" > bad.txt
	stream-split --partitions 3 --by 3 --out-prefix p --event-time 1 --interval 5s bad.txt 2> split.err
	for i in 0 1 2; do
		stream-parse --csv "$SPEC" < "p.$i" > /dev/null 2>> parse.err || true
	done
	run grep -c '^stream-parse: bad.txt:777: ' parse.err
	assert_output 1
	run grep -c '^stream-split: bad.txt:1234: ' split.err
	assert_output 1
}

@test "--partitions: a named field of a record stream" {
	printf '#stream\n#interval\t1000\n#fields\tk\tv\na\t1\nb\t2\na\t3\n#end\t1000\n#eos\n' > in.rec
	stream-split --partitions 2 --by k --out-prefix q in.rec
	run sh -c "cat q.0 q.1 | grep -v '^#' | sort"
	assert_output "a	1
a	3
b	2"
	run sh -c "grep -l '^a	' q.0 q.1 | wc -l"
	assert_output 1
}

@test "--partitions: bad usage" {
	usage_error 'stream-split: --partitions, --by and --out-prefix go together' stream-split --partitions 2 --by 1
	usage_error 'stream-split: --partitions, --by and --out-prefix go together' stream-split --by 1
	usage_error 'stream-split: --partitions 0: too small (1 to 1024)' stream-split --partitions 0 --by 1 --out-prefix p
}

@test "--partitions --by a field the stream does not have: exit 1, named" {
	printf '#stream\n#interval\t1000\n#fields\tk\tv\na\t1\n#end\t1000\n#eos\n' > in.rec
	run stream-split --partitions 2 --by nosuch --out-prefix q in.rec
	assert_failure 1
	assert_output 'stream-split: --by nosuch: not a field of the stream'
}

@test "--partitions --watch: a partition's reader gone while the source waits: stopped, the stream named, exit 1" {
	mkdir in
	mkfifo part.0 part.1
	stream-split --watch in --interval 1s --partitions 2 --by 1 \
	    --out-prefix part 2> err &
	BG_PIDS=$!
	cat part.0 > /dev/null &
	r0=$!
	cat part.1 > /dev/null &
	BG_PIDS="$BG_PIDS $! $r0"
	sleep 0.5
	kill "$r0"
	rc=0
	wait "${BG_PIDS%% *}" || rc=$?
	assert_equal "$rc" 1
	run cat err
	assert_output 'stream-split: part.0: the reader is gone: stopping'
}
