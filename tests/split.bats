#!/usr/bin/env bats
# stream-split: processing time, event time, watched directories, failures.

load helper

@test "processing time: #end times are multiples of the interval, empty batches between" {
	run sh -c '(echo a; sleep 1.2; echo b) | stream-split --interval 500ms'
	assert_success
	assert_equal "${lines[0]}" '#stream'
	assert_equal "${lines[1]}" $'#interval\t500'
	assert_equal "${lines[2]}" $'#fields\tline'
	assert_equal "${lines[3]}" $'#types\tstr'
	assert_equal "${lines[4]}" $'#at\t-\t1'
	assert_equal "${lines[5]}" a
	assert_equal "${lines[${#lines[@]} - 1]}" '#eos'
	# every #end time is a multiple of 500, rising by 500
	printf '%s\n' "${lines[@]}" | awk -F'\t' '
	    /^#end/ { if ($2 % 500) exit 1; if (prev && $2 != prev + 500) exit 2; prev = $2 }' 
	# between a and b at least one batch is empty
	between=$(printf '%s\n' "${lines[@]}" | sed -n '/^a$/,/^b$/p' | grep -c '^#end.*n=0')
	[ "$between" -ge 1 ]
	printf '%s\n' "${lines[@]}" | grep -q $'^#end\t[0-9]*\tn=1\tmade=[0-9]*$'
}

@test "a paced feed in 10 ms batches: every order once, spread over many batches" {
	# gen-orders --pace writes 100000 lines a second: 0.3 s of feed
	gen-orders -n 30000 --pace 100000 | stream-split --interval 10ms > out
	[ "$(grep -vc '^#' out)" -eq 30000 ]
	gen-orders -n 30000 | cmp - <(grep -v '^#' out)
	# about 30 batches hold orders; a stalled reader merges some
	[ "$(grep -c $'^#end\t.*\tn=[1-9]' out)" -ge 5 ]
	[ "$(awk -F'\t' '/^#end/ { split($3, a, "="); s += a[2] } END { print s }' out)" -eq 30000 ]
}

@test "event time from raw lines: batches [T-I, T), empty ones too, same bytes every run" {
	printf '%s\n' '2016-03-22 20:25:28,1' '2016-03-22 20:25:29,2' \
	    '2016-03-22 20:25:30,3' '2016-03-22 20:25:41,4' > in.csv
	run stream-split --event-time 1 --interval 5s in.csv
	assert_success
	assert_output "$(printf '#stream\n#interval\t5000\n#fields\tline\n#types\tstr\n#at\tin.csv\t1\n2016-03-22 20:25:28,1\n2016-03-22 20:25:29,2\n#end\t1458678330000\tn=2\n2016-03-22 20:25:30,3\n#end\t1458678335000\tn=1\n#end\t1458678340000\tn=0\n2016-03-22 20:25:41,4\n#end\t1458678345000\tn=1\n#eos')"
	first=$output
	run stream-split --event-time 1 --interval 5s in.csv
	assert_equal "$output" "$first"
}

@test "event time from a record stream by field name" {
	printf '#fields\tt\tv\n2016-03-22T20:25:28Z\ta\n2016-03-22T20:25:31Z\tb\n' |
	    stream-split --event-time t --interval 5s > out.rec
	run cat out.rec
	assert_output "$(printf '#stream\n#interval\t5000\n#fields\tt\tv\n#at\t-\t1\n2016-03-22T20:25:28Z\ta\n#end\t1458678330000\tn=1\n2016-03-22T20:25:31Z\tb\n#end\t1458678335000\tn=1\n#eos')"
}

@test "late records are dropped and counted (late= on the #end of the batch they came in), or put in the open batch" {
	printf '%s\n' '2016-03-22 20:25:28,1' '2016-03-22 20:25:36,2' '2016-03-22 20:25:29,late' > in.csv
	run --separate-stderr stream-split --event-time 1 --interval 5s in.csv
	assert_output "$(printf '#stream\n#interval\t5000\n#fields\tline\n#types\tstr\n#at\tin.csv\t1\n2016-03-22 20:25:28,1\n#end\t1458678330000\tn=1\n#end\t1458678335000\tn=0\n2016-03-22 20:25:36,2\n#end\t1458678340000\tn=1\tlate=1\n#eos')"
	assert_equal "$stderr" 'stream-split: 1 late records dropped'
	run --separate-stderr stream-split --event-time 1 --interval 5s --late next in.csv
	assert_line --index 9 '2016-03-22 20:25:29,late'
	assert_equal "$stderr" 'stream-split: 1 late records put in the open batch'
}

@test "--watermark keeps batches open for out-of-order records" {
	printf '%s\n' '2016-03-22 20:25:28,1' '2016-03-22 20:25:31,2' '2016-03-22 20:25:29,3' > in.csv
	run --separate-stderr stream-split --event-time 1 --interval 5s --watermark 5s in.csv
	assert_output "$(printf '#stream\n#interval\t5000\n#fields\tline\n#types\tstr\n#at\tin.csv\t1\n2016-03-22 20:25:28,1\n#at\tin.csv\t3\n2016-03-22 20:25:29,3\n#end\t1458678330000\tn=2\n#at\tin.csv\t2\n2016-03-22 20:25:31,2\n#end\t1458678335000\tn=1\n#eos')"
	[ -z "$stderr" ]
}

@test "a bad or far-ahead event time is reported with its line, dropped and counted (bad=)" {
	printf '%s\n' '2016-03-22 20:25:28,1' 'yesterday,2' '2016-03-29 20:25:28,3' '2016-03-22 20:25:29,4' > in.csv
	run --separate-stderr stream-split --event-time 1 --interval 5s in.csv
	assert_output "$(printf '#stream\n#interval\t5000\n#fields\tline\n#types\tstr\n#at\tin.csv\t1\n2016-03-22 20:25:28,1\n#at\tin.csv\t4\n2016-03-22 20:25:29,4\n#end\t1458678330000\tn=2\tbad=2\n#eos')"
	assert_equal "$stderr" 'stream-split: in.csv:2: 1 "yesterday" is not a timestamp
stream-split: in.csv:3: 1 "2016-03-29 20:25:28" is more than 1d (--max-ahead) after the open batch
stream-split: 2 bad lines dropped'
}

@test "--watch: only new files, by rename or close; dot and underscore names ignored" {
	mkdir in
	echo before > in/old.txt
	stream-split --watch in --interval 200ms > out.rec 2> err.txt &
	BG_PIDS=$!
	sleep 0.3
	printf 'one\ntwo\n' > in/.tmp && mv in/.tmp in/a.txt
	echo hidden > in/.hidden
	echo under > in/_x
	printf 'three\n' > in/b.txt
	waitfor 5 grep -q three out.rec
	kill -TERM $BG_PIDS
	wait $BG_PIDS
	assert_equal "$(grep -v '^#' out.rec)" $'one\ntwo\nthree'
	assert_equal "$(tail -n 1 out.rec)" '#eos'
	[ ! -s err.txt ]
}

@test "--watch --all --once --max-files: what is there, in name order, N files a batch" {
	mkdir in
	for f in c a b; do echo "$f" > in/$f.txt; done
	echo skip > in/x.csv
	run stream-split --watch in --all --once --max-files 2 --glob '*.txt' --interval 1s
	assert_success
	assert_equal "$(printf '%s\n' "${lines[@]}" | grep -v '^#interval' | sed 's/\tmade=.*//; s/^#end\t[0-9]*/#end/')" "$(printf '#stream\n#fields\tline\n#types\tstr\n#at\tin/a.txt\t1\na\n#at\tin/b.txt\t1\nb\n#end\tn=2\n#at\tin/c.txt\t1\nc\n#end\tn=1\n#eos')"
}

@test "--watch --poll finds renamed files by listing" {
	mkdir in
	stream-split --watch in --poll 100ms --interval 200ms > out.rec &
	BG_PIDS=$!
	sleep 0.3
	echo polled > in/.t && mv in/.t in/p.txt
	waitfor 5 grep -q polled out.rec
	kill -TERM $BG_PIDS
	wait $BG_PIDS
	assert_equal "$(tail -n 1 out.rec)" '#eos'
}

@test "SIGTERM closes the open batch and ends the stream cleanly" {
	mkfifo src
	# an interval no tick ends while the test runs (one of 10 s did,
	# once: kept closed in its batch, then an empty one)
	stream-split --interval 1h < src > out.rec &
	BG_PIDS=$!
	exec 8>src
	echo kept >&8
	waitfor 5 grep -q kept out.rec
	kill -TERM $BG_PIDS
	wait $BG_PIDS
	exec 8>&-
	assert_equal "$(sed 's/\tmade=.*//' out.rec | tail -n 3)" "$(printf 'kept\n#end\t%s\tn=1\n#eos' "$(awk -F'\t' '/^#end/ {print $2}' out.rec)")"
}

@test "a watched directory that is not there: exit 1, a header without #eos" {
	run --separate-stderr stream-split --watch nosuch
	assert_failure 1
	assert_output '#stream'		# a header without #eos: a broken stream
	assert_equal "$stderr" 'stream-split: nosuch: No such file or directory'
}

@test "a missing input file: exit 1, the files after it not read" {
	echo x > f.txt
	run --separate-stderr stream-split --interval 1s missing.txt f.txt
	assert_failure 1
	assert_output "$(printf '#stream\n#interval\t1000')"
	assert_equal "$stderr" 'stream-split: missing.txt: No such file or directory'
}

@test "--event-time by name on raw lines: exit 1, a column number is needed" {
	echo x > f.txt
	run --separate-stderr stream-split --event-time time f.txt
	assert_failure 1
	assert_equal "$stderr" 'stream-split: f.txt: --event-time time: raw lines need a column number (or parse them first)'
}

@test "bad usage: one message, the usage, exit 2" {
	usage_error 'stream-split: --interval 5: needs a unit (ms, s, m, h, d)' stream-split --interval 5
	usage_error 'stream-split: --watermark and --late go with --event-time' stream-split --watermark 1s
	usage_error 'stream-split: --all, --glob, --max-files and --poll go with --watch' stream-split --max-files 2
	usage_error 'stream-split: --max-errors 0: too small (1 to 9223372036854775807)' stream-split --max-errors 0
	usage_error 'stream-split: -: standard input goes alone, not among files' stream-split f.txt -
}

@test "a full disk is an error" {
	run sh -c 'echo a | stream-split > /dev/full'
	assert_failure 1
	assert_output 'stream-split: stdout: No space left on device'
}

@test "--watch: a link is not followed and a FIFO not opened, each reported and skipped" {
	mkdir in
	echo secret > outside.txt
	mkfifo fifo
	stream-split --watch in --interval 200ms > out.rec 2> err &
	BG_PIDS=$!
	sleep 0.3
	ln -s "$PWD/outside.txt" link.txt && mv link.txt in/link.txt
	mv fifo in/fifo.txt
	echo kept > in/.k && mv in/.k in/kept.txt
	waitfor 5 grep -q kept out.rec
	kill -TERM $BG_PIDS
	wait $BG_PIDS
	refute grep -q secret out.rec
	assert_equal "$(sort err)" "$(printf 'stream-split: in/fifo.txt: not a regular file: skipped\nstream-split: in/link.txt: a link: not followed, skipped')"
}

@test "a line longer than 64 MiB is reported and skipped; the lines after it keep their numbers" {
	{ echo 1; head -c 70000000 /dev/zero | tr '\0' x; echo; echo 3; echo y; } > long.txt
	run --separate-stderr stream-parse --csv a:int long.txt
	assert_success
	assert_output "$(printf '#stream\n#fields\ta\n#types\tint\n#at\tlong.txt\t1\n1\n#at\tlong.txt\t3\n3\n#eos')"
	assert_equal "$stderr" "$(printf 'stream-parse: long.txt:2: a line longer than 64 MiB: skipped\nstream-parse: long.txt:4: a "y" is not an integer: y\nstream-parse: 2 lines accepted, 2 rejected')"
}

@test "a long line without a newline, through a pipe, does not grow memory without bound" {
	run --separate-stderr sh -c 'head -c 200000000 /dev/zero | stream-split --interval 10s | tail -n 1'
	assert_success
	assert_output '#eos'
	assert_equal "$stderr" "$(printf 'stream-split: stdin:1: a line longer than 64 MiB: skipped\nstream-split: 1 bad lines dropped')"
}

@test "one record a day ahead with a 1 ms interval opens no million batches" {
	printf '2016-03-22 20:25:28,1\n2016-03-23 20:25:28,2\n2016-03-22 20:25:29,3\n' > in.csv
	run --separate-stderr stream-split --event-time 1 --interval 1ms in.csv
	assert_success
	assert_equal "$(printf '%s\n' "$output" | grep -c '^#end')" 1001
	assert_equal "$stderr" "$(printf 'stream-split: in.csv:2: 1 "2016-03-23 20:25:28" is more than 16m40s (--max-ahead) after the open batch\nstream-split: 1 bad lines dropped')"
	run stream-split --event-time 1 --interval 1ms --max-ahead 1d in.csv
	assert_failure 2
	assert_line --index 0 'stream-split: --max-ahead 1d: more than 1000000 batches of the interval'
}

@test "one far-past record first does not set the clock: it is an outlier, the others are batched" {
	gen-orders -n 1000 --rate 100 > orders.txt
	{ echo '0001-01-01 00:00:00,0,1,X,1,1,B'; cat orders.txt; } > past.csv
	run --separate-stderr sh -c "stream-split --event-time 1 --interval 5s past.csv | grep -vc '^#'"
	assert_output 1000
	assert_equal "$stderr" "$(printf 'stream-split: past.csv:1: 1 "0001-01-01 00:00:00" lies more than 1d (--max-ahead) from the records after it: an outlier, dropped\nstream-split: 1 bad lines dropped')"
}

@test "one far-future record, first or in the middle, is reported and the stream goes on" {
	gen-orders -n 1000 --rate 100 > orders.txt
	{ echo '2099-01-01 00:00:00,0,1,X,1,1,B'; cat orders.txt; } > first.csv
	run --separate-stderr sh -c "stream-split --event-time 1 --interval 5s first.csv | grep -vc '^#'"
	assert_output 1000
	{ head -n 500 orders.txt; echo '2099-01-01 00:00:00,0,1,X,1,1,B'; tail -n 500 orders.txt; } > middle.csv
	run --separate-stderr sh -c "stream-split --event-time 1 --interval 5s middle.csv | grep -vc '^#'"
	assert_output 1000
	assert_equal "$stderr" "$(printf 'stream-split: middle.csv:501: 1 "2099-01-01 00:00:00" is more than 1d (--max-ahead) after the open batch\nstream-split: 1 bad lines dropped')"
}

@test "--watch: the directory removed or moved away stops the stream with exit 1, no #eos" {
	for how in 'rm -r in' 'mv in gone'; do
		rm -rf in gone
		mkdir in
		stream-split --watch in --interval 200ms > out.rec 2> err &
		pid=$!
		sleep 0.3
		$how
		st=0
		wait "$pid" || st=$?
		assert_equal "$st" 1
		assert_equal "$(cat err)" 'stream-split: in: removed or moved away while watched'
		refute grep -q '^#eos' out.rec
	done
}

@test "a time that is no timestamp says so once, not twice" {
	printf 'x,1\n' > in.csv
	run --separate-stderr stream-split --event-time 1 --interval 1s in.csv
	assert_equal "${stderr%%$'\n'*}" 'stream-split: in.csv:1: 1 "x" is not a timestamp'
}

@test "#at: each file's lines are marked with the file and line they start at" {
	printf 'a,1\nb,2\n' > a.csv
	printf 'c,3\n' > b.csv
	run stream-split --once --interval 1h a.csv b.csv
	assert_success
	assert_line --index 3 "$(printf '#types\tstr')"
	assert_line --index 4 "$(printf '#at\ta.csv\t1')"
	assert_line --index 7 "$(printf '#at\tb.csv\t1')"
}

@test "#at: an event-time record out of its file's order carries its own position" {
	printf '2016-03-22 20:25:28,1\n2016-03-22 20:25:31,2\n2016-03-22 20:25:29,3\n' > t.csv
	run --separate-stderr stream-split --event-time 1 --interval 5s --watermark 5s t.csv
	assert_success
	assert_output "$(printf '#stream\n#interval\t5000\n#fields\tline\n#types\tstr\n#at\tt.csv\t1\n2016-03-22 20:25:28,1\n#at\tt.csv\t3\n2016-03-22 20:25:29,3\n#end\t1458678330000\tn=2\n#at\tt.csv\t2\n2016-03-22 20:25:31,2\n#end\t1458678335000\tn=1\n#eos')"
}

@test "- is standard input" {
	run sh -c 'printf "a\nb\n" | stream-split --interval 1h - | grep -v "^#end"'
	assert_success
	assert_output "$(printf '#stream\n#interval\t3600000\n#fields\tline\n#types\tstr\n#at\t-\t1\na\nb\n#eos')"
}

@test "--max-errors: the stream fails at the nth bad line, the open batch not closed" {
	printf '%s\n' '2016-03-22 20:25:28,1' 'yesterday,2' 'today,3' '2016-03-22 20:25:29,4' > in.csv
	run --separate-stderr stream-split --event-time 1 --interval 5s --max-errors 2 in.csv
	assert_failure 1
	assert_output "$(printf '#stream\n#interval\t5000\n#fields\tline\n#types\tstr')"	# line 1 waits to start the clock
	assert_equal "$stderr" "$(printf 'stream-split: in.csv:2: 1 "yesterday" is not a timestamp\nstream-split: in.csv:3: 1 "today" is not a timestamp\nstream-split: 2 bad lines: stopping (--max-errors 2)')"
}

@test "--max-errors: fewer bad lines than n, the stream goes on" {
	printf '%s\n' '2016-03-22 20:25:28,1' 'yesterday,2' '2016-03-22 20:25:29,4' > in.csv
	run --separate-stderr stream-split --event-time 1 --interval 5s --max-errors 2 in.csv
	assert_success
	assert_line --index -1 '#eos'
}

@test "event time: an empty line is one bad line, named so" {
	run --separate-stderr sh -c 'printf "2016-03-22 20:25:28,1\n\n" | stream-split --event-time 1 --interval 5s | grep -v "^#"'
	assert_output '2016-03-22 20:25:28,1'
	assert_equal "$stderr" "$(printf 'stream-split: line 2: an empty line\nstream-split: 1 bad lines dropped')"
}

@test "a bad #at line in a record stream is reported at its own line and left out" {
	printf '#stream\n#fields\tv\n#at\tb.csv\n1\n#eos\n' > in.rec
	run --separate-stderr sh -c 'stream-split --interval 1h in.rec | grep -v "^#end"'
	assert_success
	assert_output "$(printf '#stream\n#interval\t3600000\n#fields\tv\n#at\tin.rec\t1\n1\n#eos')"
	assert_equal "$stderr" 'stream-split: in.rec:3: a bad #at line: left out'
}

@test "--max-rate 1000 over 5000 records: at least 5 s of batches, none over 1000, none lost" {
	seq 1 5000 > in
	stream-split --interval 1s --max-rate 1000 in > out
	run grep -v '^#' out
	assert_output "$(seq 1 5000)"
	ends=$(grep -c '^#end' out)
	[ "$ends" -ge 5 ] || fail "$ends batches"
	run awk '/^#end/ { sub("n=", "", $3); if ($3 + 0 > 1000) print "batch of " $3 }' out
	assert_output ''
}

@test "--max-rate holds after a restart with a backlog: no batch over the rate" {
	seq 1 1500 > in
	stream-split --interval 500ms --checkpoint ck in > first
	seq 1501 3000 >> in
	stream-split --interval 500ms --max-rate 1000 --checkpoint ck in > out
	run grep -v '^#' out	# the first run's batch made again, then the rest
	assert_output "$(seq 1 3000)"
	# the batch made again is as it was; the backlog after it is paced
	run awk '/^#end/ { sub("n=", "", $3); if (++k > 1 && $3 + 0 > 500) print "batch of " $3 }' out
	assert_output ''
}

@test "--stop-after 2s on a live source: exit 0 within 3 s, the open batch closed, #eos" {
	mkfifo fifo
	exec 7<>fifo
	start=$(date +%s%N)
	echo one >&7
	run --separate-stderr stream-split --interval 10s --stop-after 2s fifo
	end=$(date +%s%N)
	exec 7>&-
	assert_success
	[ $(( (end - start) / 1000000 )) -lt 3000 ] || fail "took $(( (end - start) / 1000000 )) ms"
	assert_line --index -1 '#eos'
	assert_line --regexp '^#end	[0-9]+	n=1	made=[0-9]+$'
	assert_line one
}

@test "--stop-after: a bad duration is a usage error" {
	usage_error 'stream-split: --stop-after soon: not a duration (examples: 250ms, 5s, 2m30s, 1h)' stream-split --stop-after soon
}

@test "--record-size 16: 1000 records and 5 stray bytes: 1000 hex records and one report" {
	head -c 16005 /dev/urandom > bin
	run --separate-stderr stream-split --record-size 16 bin
	assert_success
	assert_equal "$(grep -vc '^#' <<<"$output")" 1000
	assert_equal "$(grep -v '^#' <<<"$output" | head -n 1)" "$(od -An -tx1 -N16 bin | tr -d ' \n')"
	assert_equal "$(grep -v '^#' <<<"$output" | tail -n 1)" "$(od -An -tx1 -j15984 -N16 bin | tr -d ' \n')"
	assert_equal "$stderr" 'stream-split: bin:1001: 5 bytes after the last whole record of 16: dropped
stream-split: 1 bad lines dropped'
}

@test "--record-size: a watched directory's files, and bad combinations" {
	mkdir d
	printf 'ABCDEFGH' > d/in
	run --separate-stderr stream-split --record-size 4 --watch d --once --all
	assert_success
	run grep -v '^#' <<<"$output"
	assert_output '41424344
45464748'
	usage_error 'stream-split: --record-size reads files or standard input, by processing time' stream-split --record-size 4 --event-time 1
	usage_error 'stream-split: --record-size 0: too small (1 to 1048576)' stream-split --record-size 0
}

@test "--late-out: late records go to the file with their place and why, counted" {
	printf '2016-03-22 20:25:01,a\n2016-03-22 20:25:12,b\n2016-03-22 20:25:03,c\n2016-03-22 20:25:13,d\n' > in.csv
	run --separate-stderr stream-split --event-time 1 --interval 5s --late-out late in.csv
	assert_success
	run grep -v '^#' <<<"$output"
	assert_output '2016-03-22 20:25:01,a
2016-03-22 20:25:12,b
2016-03-22 20:25:13,d'
	assert_equal "$stderr" 'stream-split: 1 late records written to --late-out'
	run cat late
	assert_output 'in.csv:3	late: its batch 2016-03-22T20:25:05Z had closed	2016-03-22 20:25:03,c'
}

@test "--late-out goes with --event-time and --late drop" {
	usage_error 'stream-split: --late-out goes with --event-time and --late drop' stream-split --late-out x
	usage_error 'stream-split: --late-out goes with --event-time and --late drop' stream-split --event-time 1 --late next --late-out x
}
