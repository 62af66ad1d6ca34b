#!/usr/bin/env bats
# stream-sink: saveAsTextFiles directories, print, formats, union, failures.

load helper

counts() {
	printf '#stream\tkeys=1\n#fields\tside\tcount\n#interval\t5000\n'
	printf 'B\t5074\nS\t4926\n#end\t5000\tn=3\n#end\t10000\tn=0\nS\t2\n#end\t15000\tn=2\n#eos\n'
}

top() {
	printf '#stream\tkeys=1\ttop=5\tname=TOP5CLIENTS\n#fields\tclient\tvalue\n'
	printf '34\t9\n69\t8\n92\t7\n36\t6\n64\t5\n#end\t5000\n#end\t10000\n7\t1\n#end\t15000\n#eos\n'
}

@test "--dir writes PREFIX-T.SUFFIX/part-00000 and _SUCCESS, empty batches too" {
	counts > a.rec
	run stream-sink --dir out/output --suffix txt --format spark a.rec
	assert_success
	assert_equal "$(find out | sort)" "$(printf 'out\nout/output-10000.txt\nout/output-10000.txt/_SUCCESS\nout/output-10000.txt/part-00000\nout/output-15000.txt\nout/output-15000.txt/_SUCCESS\nout/output-15000.txt/part-00000\nout/output-5000.txt\nout/output-5000.txt/_SUCCESS\nout/output-5000.txt/part-00000')"
	assert_equal "$(cat out/output-5000.txt/part-00000)" $'(B,5074)\n(S,4926)'
	[ ! -s out/output-10000.txt/part-00000 ]
	assert_equal "$(cat out/output-15000.txt/part-00000)" '(S,2)'
	[ ! -s out/output-5000.txt/_SUCCESS ]
}

@test "a batch directory already there is replaced whole" {
	mkdir -p out/o-5000
	echo stale > out/o-5000/part-00001
	counts | stream-sink --dir out/o
	assert_equal "$(ls out/o-5000)" $'_SUCCESS\npart-00000'
	assert_equal "$(cat out/o-5000/part-00000)" $'B\t5074\nS\t4926'
}

@test "union: each batch once every input has reached it, inputs in order" {
	counts > a.rec
	top > b.rec
	run stream-sink --format spark --print a.rec b.rec
	assert_success
	assert_output "$(printf -- '-------------------------------------------\nTime: 5000 ms\n-------------------------------------------\n(B,5074)\n(S,4926)\n(TOP5CLIENTS,List(34, 69, 92, 36, 64))\n\n-------------------------------------------\nTime: 10000 ms\n-------------------------------------------\n(TOP5CLIENTS,List())\n\n-------------------------------------------\nTime: 15000 ms\n-------------------------------------------\n(S,2)\n(TOP5CLIENTS,List(7))\n')"
}

@test "union through FIFOs written at different speeds" {
	mkfifo a b
	stream-sink --format spark --dir out/o a b &
	sink=$!
	BG_PIDS=$sink
	{ counts | head -n 6; sleep 0.5; counts | tail -n +7; } > a &
	{ sleep 0.2; top; } > b &
	wait $sink
	assert_equal "$(cat out/o-5000/part-00000)" $'(B,5074)\n(S,4926)\n(TOP5CLIENTS,List(34, 69, 92, 36, 64))'
	assert_equal "$(cat out/o-15000/part-00000)" $'(S,2)\n(TOP5CLIENTS,List(7))'
}

@test "--print=N and --print N show N lines and ..." {
	counts | stream-sink --print=1 > out.txt
	assert_equal "$(sed -n '4,5p' out.txt)" $'B\t5074\n...'
	counts > a.rec
	stream-sink --print 1 a.rec > out2.txt
	cmp out.txt out2.txt
	stream-sink a.rec --print 1 > out3.txt
	cmp out.txt out3.txt
	stream-sink --print a.rec > out4.txt
	assert_equal "$(sed -n '4,6p' out4.txt)" $'B\t5074\nS\t4926'
}

@test "standard output: each line starts with its batch time; csv, json" {
	run stream-sink < <(counts)
	assert_output "$(printf '5000\tB\t5074\n5000\tS\t4926\n15000\tS\t2')"
	run stream-sink --format csv < <(counts)
	assert_output $'5000,B,5074\n5000,S,4926\n15000,S,2'
	run stream-sink --format json < <(counts)
	assert_output $'{"batch_time":5000,"side":"B","count":5074}\n{"batch_time":5000,"side":"S","count":4926}\n{"batch_time":15000,"side":"S","count":2}'
}

@test "--append adds batches to a file" {
	echo old > log.txt
	counts | stream-sink --append log.txt --format csv
	assert_equal "$(cat log.txt)" $'old\n5000,B,5074\n5000,S,4926\n15000,S,2'
}

@test "--format records: the stream as it came, byte for byte, and --append goes on with one stream, its #eos at the end" {
	counts > a.rec
	run stream-sink --format records a.rec
	assert_success
	assert_output "$(cat a.rec)"
	printf '#stream\tkeys=1\n#fields\tside\tcount\n#types\tstr\tint\n#interval\t5000\nB\t1\n#end\t20000\tn=1\n#eos\n' > b.rec
	stream-sink --format records --append log.rec a.rec
	stream-sink --format records --append log.rec b.rec
	run cat log.rec
	assert_output "$(grep -v '^#eos' a.rec; printf 'B\t1\n#end\t20000\tn=1\n#eos')"
	run stream-sink --format csv log.rec
	assert_output $'5000,B,5074\n5000,S,4926\n15000,S,2\n20000,B,1'
}

@test "--format records: a broken input ends the file without #eos, exit 1; records of other fields are refused" {
	printf '#stream\n#fields\tk\n#interval\t5000\na\n#end\t5000\nb\n' > broken.rec
	run stream-sink --format records --append log.rec broken.rec
	assert_failure 1
	assert_equal "$(cat log.rec)" $'#stream\n#fields\tk\n#interval\t5000\na\n#end\t5000'
	printf '#stream\n#fields\tj\n#interval\t5000\na\n#end\t5000\n#eos\n' > other.rec
	printf '#stream\n#fields\tk\n#interval\t5000\na\n#end\t5000\n#eos\n' > k.rec
	run stream-sink --format records k.rec other.rec
	assert_failure 1
	assert_line --partial 'other.rec:2: #fields	j: not the records of k.rec'
}

@test "--format records goes to --append, --kafka or standard output" {
	usage_error 'stream-sink: --format records goes to --append, --kafka or standard output' \
	    stream-sink --format records --dir out/o
	usage_error 'stream-sink: --format records goes to --append, --kafka or standard output' \
	    stream-sink --format records --print
}

@test "published batches are synced to disk with a checkpoint, not without" {
	counts > a.rec
	with_inject INJECT_FSYNC_LOG="$PWD/plain.log" \
	    stream-sink --dir out/o --append log.txt a.rec
	[ ! -e plain.log ]
	with_inject INJECT_FSYNC_LOG="$PWD/ck.log" \
	    stream-sink --checkpoint ck --dir out/p --append log2.txt a.rec
	# each of 3 batches: part-00000, _SUCCESS, the directory, its parent,
	# the appended file; then the commit
	[ "$(wc -l < ck.log)" -ge 15 ]
	diff -r out/o-5000 out/p-5000
	cmp log.txt log2.txt
}

@test "a named stream renders as (NAME,List(values))" {
	printf '#stream\tkeys=0\tname=BUYS\n#fields\tcount\n5074\n#end\t5000\n#eos\n' > in.rec
	run stream-sink --format spark in.rec
	assert_output $'5000\t(BUYS,List(5074))'
}

@test "a killed upstream: the unfinished batch is not published, exit 1" {
	counts | head -n 8 > a.rec	# ends inside batch 15000
	run --separate-stderr stream-sink --dir out/o a.rec
	assert_failure 1
	assert_equal "$(ls out)" $'o-10000\no-5000'
	assert_equal "$stderr" 'stream-sink: a.rec: input ended without #eos: the tool before this one failed; its unfinished batch is dropped; nothing more is published'
}

@test "a full disk on standard output: exit 1" {
	run sh -c 'printf "#fields\ta\n1\n#end\t5\n#eos\n" | stream-sink --print > /dev/full'
	assert_failure 1
	assert_output 'stream-sink: stdout: No space left on device'
}

@test "a full disk under --append: exit 1" {
	run sh -c 'printf "#fields\ta\n1\n#end\t5\n#eos\n" | stream-sink --append /dev/full'
	assert_failure 1
	assert_output 'stream-sink: /dev/full: No space left on device'
}

@test "a missing input file: exit 1" {
	run stream-sink nosuch.rec
	assert_failure 1
	assert_output 'stream-sink: nosuch.rec: No such file or directory'
}

@test "bad usage: one message, the usage, exit 2" {
	usage_error 'stream-sink: --format xml: not csv, json, records, spark, table or tsv' stream-sink --format xml
	usage_error 'stream-sink: --suffix goes with --dir' stream-sink --suffix txt
	usage_error 'stream-sink: --print -1: not a count of lines (0 or more)' stream-sink --print -1
	usage_error 'stream-sink: --exec: empty command' stream-sink --exec ''
}

@test "a --dir that cannot be written is named, nothing half-written is left" {
	touch notadir
	run sh -c 'printf "#fields\ta\n1\n#end\t5\n#eos\n" | stream-sink --dir notadir/o'
	assert_failure 1
	assert_output 'stream-sink: notadir: Not a directory'
}

@test "a full disk under --dir: the path is named, nothing is published or left" {
	counts > a.rec
	run full_disk part-00000 stream-sink --dir out/o a.rec
	assert_failure 1
	assert_output --regexp '^stream-sink: out/\.o-5000\.tmp-[0-9]+/part-00000: No space left on device$'
	[ -z "$(ls -A out)" ]
}

@test "a broken input holds back the batches the others completed" {
	counts > a.rec
	top | head -n 10 > b.rec	# broken inside batch 15000
	run --separate-stderr stream-sink --dir out/o a.rec b.rec
	assert_failure 1
	# 15000 is complete in a.rec but not in b.rec: not published
	assert_equal "$(ls out)" $'o-10000\no-5000'
	assert_equal "$(cat out/o-5000/part-00000)" $'B\t5074\nS\t4926\n34\t9\n69\t8\n92\t7\n36\t6\n64\t5'
}

@test "spark: a named keyed stream shows its aggregations, SELLS before BUYS by input order" {
	printf '#stream\tkeys=1\tname=SELLS\n#fields\tside\tcount\nS\t4926\n#end\t5000\n#end\t10000\n#eos\n' > s.rec
	printf '#stream\tkeys=1\tname=BUYS\n#fields\tside\tcount\nB\t5074\n#end\t5000\nB\t7\n#end\t10000\n#eos\n' > b.rec
	run stream-sink --format spark --dir out/o s.rec b.rec
	assert_success
	assert_equal "$(cat out/o-5000/part-00000)" $'(SELLS,List(4926))\n(BUYS,List(5074))'
	assert_equal "$(cat out/o-10000/part-00000)" '(BUYS,List(7))'
}

@test "spark and --view: a labelled stream names each line by its label" {
	printf '#stream\tkeys=1\tlabels=1\n#fields\tside\tcount\n#interval\t5000\nSELLS\t4926\nBUYS\t5074\n#end\t5000\tn=10000\n#end\t10000\tn=0\nBUYS\t7\n#end\t15000\tn=7\n#eos\n' > l.rec
	top > t.rec
	run stream-sink --format spark --dir out/o l.rec t.rec
	assert_success
	assert_equal "$(cat out/o-5000/part-00000)" $'(SELLS,List(4926))\n(BUYS,List(5074))\n(TOP5CLIENTS,List(34, 69, 92, 36, 64))'
	assert_equal "$(cat out/o-10000/part-00000)" '(TOP5CLIENTS,List())'
	assert_equal "$(cat out/o-15000/part-00000)" $'(BUYS,List(7))\n(TOP5CLIENTS,List(7))'
	run stream-sink --view l.rec
	assert_success
	assert_output "$(printf 'batch 1970-01-01T00:00:05Z  records 10000  SELLS 4926  BUYS 5074\nbatch 1970-01-01T00:00:10Z  records 0\nbatch 1970-01-01T00:00:15Z  records 7  BUYS 7')"
}

@test "--view: one plain line per batch when not on a terminal" {
	printf '#stream\tkeys=1\tname=SELLS\n#fields\tside\tcount\n#interval\t5000\nS\t4926\n#end\t5000\tn=10000\n#end\t10000\tn=0\n#end\t15000\tn=0\n#eos\n' > s.rec
	top > b.rec
	run stream-sink --view s.rec b.rec
	assert_success
	assert_line --index 0 'batch 1970-01-01T00:00:05Z  records 10000  SELLS 4926  TOP5CLIENTS 34 9, 69 8, 92 7, 36 6, 64 5'
	assert_line --index 1 'batch 1970-01-01T00:00:10Z  records 0  TOP5CLIENTS -'
	run stream-sink --view --print s.rec
	assert_failure 2
	assert_line --index 0 'stream-sink: --print and --view both write to standard output: give one'
}

@test "streams of other intervals are not merged" {
	printf '#stream\n#interval\t5000\n#fields\tk\na\n#end\t5000\n#eos\n' > a.rec
	printf '#stream\n#interval\t1000\n#fields\tk\nb\n#end\t1000\n#eos\n' > b.rec
	run stream-sink a.rec b.rec
	assert_failure 1
	assert_output 'stream-sink: b.rec: batches of 1000 ms, but a.rec has 5000 ms: streams of other intervals are not merged'
}

@test "--format json is JSON: types from the schema, no member twice (jq reads it)" {
	printf '%s\n' '2016-03-22 20:25:28,1,80,EPE,710,51.00,B' '2016-03-22 20:25:29,2,7,NEM,10,1.25,S' > o.csv
	run env SPEC="$SPEC" sh -c 'stream-parse --csv "$SPEC" o.csv | stream-split --event-time time --interval 5s |
	    stream-sink --format json | jq -c .'
	assert_success
	assert_output '{"batch_time":1458678330000,"time":"2016-03-22T20:25:28Z","order":1,"client":80,"symbol":"EPE","amount":710,"price":51,"side":"B"}
{"batch_time":1458678330000,"time":"2016-03-22T20:25:29Z","order":2,"client":7,"symbol":"NEM","amount":10,"price":1.25,"side":"S"}'
}

@test "--format json: a str of digits stays a string, bad UTF-8 becomes U+FFFD, control bytes escaped" {
	printf '12345678901234567890123456789,\377b\303\251\302,"x\ty"\n' > in.csv
	run sh -c 'stream-parse --csv big,t,u in.csv | stream-sink --format json | jq -c .'
	assert_success
	assert_output '{"big":"12345678901234567890123456789","t":"�bé�","u":"x\ty"}'
}

@test "--format json: the batch time's member steps aside for a field of that name" {
	run sh -c "printf '#stream\n#fields\tbatch_time\tv\n#types\tstr\tint\nx\t1\n#end\t5000\n#eos\n' |
	    stream-sink --format json | jq -c ."
	assert_success
	assert_output '{"_batch_time":5000,"batch_time":"x","v":1}'
}

@test "--format json: an aggregate's types follow its input's; untyped fields are numbers if they read as one" {
	printf '%s\n' a,1,2.50 a,2,1 b,3,0.5 > in.csv
	run sh -c 'stream-parse --csv k,i:int,n:num in.csv |
	    stream-reduce --by k --sum i --sum n --avg i --max k --count | stream-sink --format json | jq -c .'
	assert_success
	assert_output '{"k":"a","i_sum":3,"n_sum":3.5,"i_avg":1.5,"k_max":"a","count":2}
{"k":"b","i_sum":3,"n_sum":0.5,"i_avg":3,"k_max":"b","count":1}'
	run sh -c "printf 'x\t007\t12\n' | stream-sink --format json | jq -c ."
	assert_output '{"1":"x","2":"007","3":12}'
}

@test "--exec: the command once a batch, the batch's lines on its input, its time and count in its environment" {
	mkdir out
	run sh -c "$(declare -f counts); counts | stream-sink --exec 'wc -l > out/\$STREAM_BATCH_TIME; echo \$STREAM_BATCH_TIME \$STREAM_BATCH_RECORDS >> runs'"
	assert_success
	assert_output ''
	run cat runs
	assert_output "$(printf '5000 2\n10000 0\n15000 1')"
	run sh -c 'cd out && grep . *'
	assert_output "$(printf '10000:0\n15000:1\n5000:2')"
}

@test "--exec: the lines in --format, without the batch time; the other targets publish first" {
	run sh -c "$(declare -f counts); counts | stream-sink --format csv --append all.txt --exec 'cat; wc -l < all.txt'"
	assert_success
	assert_output "$(printf 'B,5074\nS,4926\n2\n2\nS,2\n3')"
}

@test "--exec: a failing command stops the sink with its status, the batch not committed; a restart runs that batch again, and only it on" {
	mkdir out
	cmd='[ "$STREAM_BATCH_TIME" != 10000 ] || [ -f ok ] || exit 3; echo $STREAM_BATCH_TIME >> runs'
	run sh -c "$(declare -f counts); counts | stream-sink --checkpoint ck --exec '$cmd'"
	assert_failure 3
	assert_output "stream-sink: --exec: $cmd: exit 3 at batch 10000; stopping"
	run cat runs
	assert_output 5000
	touch ok
	run sh -c "$(declare -f counts); counts | stream-sink --checkpoint ck --exec '$cmd'"
	assert_success
	run cat runs
	assert_output "$(printf '5000\n10000\n15000')"
}

@test "--exec: a command killed by a signal stops the sink with 128 + the signal" {
	run sh -c "$(declare -f counts); counts | stream-sink --exec 'kill -TERM \$\$'"
	assert_failure 143
	assert_output "stream-sink: --exec: kill -TERM \$\$: killed by signal 15 at batch 5000; stopping"
}

@test "--exec: a command that does not read its input (a batch larger than a pipe holds) is not an error" {
	{ printf '#stream\n#fields\tn\n'; seq 100000; printf '#end\t5000\n#eos\n'; } > big
	run stream-sink --exec 'echo $STREAM_BATCH_RECORDS' big
	assert_success
	assert_output 100000
}

@test "--format table: each batch as DataFrame.show() draws it, under Spark's console banner; an empty batch too" {
	run sh -c "$(declare -f counts); counts | stream-sink --format table"
	assert_success
	local rule=-------------------------------------------
	assert_output "$(printf '%s\n' $rule 'Batch: 5000' $rule \
	    '+----+-----+' '|side|count|' '+----+-----+' '|   B| 5074|' '|   S| 4926|' '+----+-----+' \
	    $rule 'Batch: 10000' $rule \
	    '+----+-----+' '|side|count|' '+----+-----+' '+----+-----+' \
	    $rule 'Batch: 15000' $rule \
	    '+----+-----+' '|side|count|' '+----+-----+' '|   S|    2|' '+----+-----+')"
}

@test "--format table: cells over 20 characters cut with ..., widths in UTF-8 characters, a short line's cells empty" {
	printf '#fields\tname\tv\nthis is a very long name indeed\t1\n\303\274\n' > in.rec
	run stream-sink --format table in.rec
	assert_success
	assert_output "$(printf '%s\n' '+--------------------+---+' '|                name|  v|' '+--------------------+---+' \
	    '|this is a very lo...|  1|' '|                   ü|   |' '+--------------------+---+')"
}

@test "--format table --dir: a batch's part-00000 is its table" {
	run sh -c "$(declare -f counts); counts | stream-sink --format table --dir out/o"
	assert_success
	run cat out/o-15000/part-00000
	assert_output "$(printf '%s\n' '+----+-----+' '|side|count|' '+----+-----+' '|   S|    2|' '+----+-----+')"
}

@test "--dir: a temporary directory left by a sink now a zombie (killed with its parent, not yet reaped) is removed" {
	sh -c 'sleep 0 & echo $! > zpid; exec sleep 5' &
	BG_PIDS=$!
	waitfor 5 sh -c 'test -s zpid && grep -q "^[^)]*) Z" "/proc/$(cat zpid)/stat"'
	mkdir out
	mkdir "out/.o-5000.tmp-$(cat zpid)"
	run sh -c "$(declare -f counts); counts | stream-sink --dir out/o"
	assert_success
	run ls -A out
	assert_output "$(printf 'o-10000\no-15000\no-5000')"
}
