#!/usr/bin/env bats
# Checkpoints and exactly-once recovery (stream-checkpoint(5)).

load helper

# batch T of key k with value v: "T k v ..." -> a record stream
stream_of() {
	printf '#interval\t5000\n#fields\tk\tv\n'
	awk '{ for (i = 2; i < NF; i += 2) printf "%s\t%s\n", $i, $(i + 1); printf "#end\t%s\n", $1 }'
	[ "${1:-}" = broken ] || printf '#eos\n'
}

@test "the sink publishes nothing it has committed, after a restart" {
	printf '5000 a 1\n10000 a 2\n' | stream_of > run1.rec
	printf '5000 a 1\n10000 a 2\n15000 b 3\n' | stream_of > run2.rec
	stream-sink --checkpoint ck --print run1.rec > out1.txt
	run stream-sink --checkpoint ck --print run2.rec
	assert_success
	assert_output "$(printf -- '-------------------------------------------\nTime: 15000 ms\n-------------------------------------------\nb\t3\n')"
	[ "$(grep -c Time: out1.txt)" -eq 2 ]
}

@test "--append is cut back to the last commit: nothing appended twice" {
	printf '5000 a 1\n10000 a 2\n' | stream_of > run1.rec
	stream-sink --checkpoint ck --append log.txt run1.rec
	echo 'appended but never committed' >> log.txt
	printf '5000 a 1\n10000 a 2\n15000 b 3\n' | stream_of > run2.rec
	stream-sink --checkpoint ck --append log.txt run2.rec
	assert_equal "$(cat log.txt)" $'5000\ta\t1\n10000\ta\t2\n15000\tb\t3'
}

@test "stream-state restores its snapshot and goes on where the pipeline committed" {
	# batches 5000..20000; snapshots every 2 intervals: at 10000 and 20000
	printf '5000 a 1\n10000 a 2 b 5\n' | stream_of > run1.rec
	stream-state --by k --sum v --checkpoint ck --checkpoint-every 2 < run1.rec |
	    stream-sink --checkpoint ck > out1.tsv
	[ -f ck/stream-state/snap-10000 ]
	[ ! -f ck/stream-state/snap-5000 ]
	printf '15000 a 10\n20000 c 1\n' | stream_of > run2.rec
	stream-state --by k --sum v --checkpoint ck --checkpoint-every 2 < run2.rec |
	    stream-sink --checkpoint ck > out2.tsv
	assert_equal "$(cat out1.tsv)" $'5000\ta\t1\n10000\ta\t3\n10000\tb\t5'
	assert_equal "$(cat out2.tsv)" $'15000\ta\t13\n15000\tb\t5\n20000\ta\t13\n20000\tb\t5\n20000\tc\t1'
}

@test "a corrupt snapshot is detected and an older one is used" {
	printf '5000 a 1\n10000 a 2\n15000 a 4\n20000 a 8\n' | stream_of > run1.rec
	stream-state --by k --sum v --checkpoint ck --checkpoint-every 1 < run1.rec |
	    stream-sink --checkpoint ck > /dev/null
	[ -f ck/stream-state/snap-20000 ]
	printf 'x' | dd of=ck/stream-state/snap-20000 bs=1 seek=30 conv=notrunc 2>/dev/null
	# batch 20000 must come again: the restore point is now 15000
	printf '20000 a 8\n25000 a 16\n' | stream_of > run2.rec
	run --separate-stderr sh -c 'stream-state --by k --sum v --checkpoint ck --checkpoint-every 1 < run2.rec | stream-sink --checkpoint ck'
	assert_success
	assert_output $'25000\ta\t31'
	assert_equal "$stderr" 'stream-state: ck/stream-state/snap-20000: torn or corrupt (checksum mismatch): not used'
}

@test "old snapshots are pruned: the two newest at or before the commit stay, and what is newer" {
	printf '5000 a 1\n10000 a 2\n15000 a 4\n20000 a 8\n' | stream_of > run1.rec
	stream-state --by k --sum v --checkpoint ck --checkpoint-every 1 < run1.rec |
	    stream-sink --checkpoint ck > /dev/null
	# run 2: snap-25000 is written while the commit is still 20000
	printf '25000 a 16\n' | stream_of > run2.rec
	stream-state --by k --sum v --checkpoint ck --checkpoint-every 1 < run2.rec |
	    stream-sink --checkpoint ck > /dev/null
	assert_equal "$(ls ck/stream-state | grep snap | sort)" $'snap-15000\nsnap-20000\nsnap-25000'
	[ -f ck/stream-state/pruned ]
}

@test "a checkpoint in use is refused, naming the lock" {
	mkfifo in
	stream-state --by k --sum v --checkpoint ck < in > /dev/null &
	BG_PIDS=$!
	exec 8>in
	waitfor 5 test -s ck/stream-state/lock
	run stream-state --by k --sum v --checkpoint ck < /dev/null
	assert_failure 1
	assert_output --regexp '^stream-state: ck/stream-state/lock: checkpoint in use by process [0-9]+ \(another pipeline, or two tools with the same --id\)$'
	exec 8>&-
}

@test "a checkpoint written by another pipeline is refused" {
	printf '5000 a 1\n' | stream_of | stream-state --by k --sum v --checkpoint ck > /dev/null
	run stream-state --by k --count --checkpoint ck < /dev/null
	assert_failure 1
	assert_output 'stream-state: ck/stream-state: written by another pipeline (--count here, --sum=v before): use another --checkpoint or --id'
}

@test "a checkpoint file that is not one is reported" {
	mkdir -p ck/stream-sink
	printf 'stream-checkpoint 1\nkind sink\n' > ck/stream-sink/meta
	echo garbage > ck/stream-sink/commit
	run stream-sink --checkpoint ck < /dev/null
	assert_failure 1
	assert_output 'stream-sink: ck/stream-sink/commit: not a checkpoint file of version 1, or torn'
}

# The last line of a crashtest run: KILLS kills, the rest all zero.
crash_clean() {
	assert_success
	assert_line --index $((${#lines[@]} - 1)) --regexp "^$1 kills in [0-9]+ rounds \([0-9]+ while recovering\), 0 lost, 0 duplicated, 0 batches differing, 0 bytes differing, 0 processes left, 0 half-made files\$"
}

@test "crashtest: 20 kill -9 of one tool or all, at random, restarts killed too: output identical, nothing left" {
	run crashtest -n 20
	crash_clean '2[0-9]'
}

@test "crashtest --window: stream-window's panes and deques survive kill -9 too" {
	run crashtest -n 10 --window --seed 2
	crash_clean '1[0-9]'
}

@test "crashtest --incremental: stream-state's increments between full snapshots survive kill -9 too, in one pipeline and in 2 partitions" {
	run crashtest -n 20 --incremental --seed 6
	crash_clean '2[0-9]'
	run crashtest -n 20 --incremental --partitions 2 --seed 7
	crash_clean '2[0-9]'
}

@test "crashtest --join: stream-join --within and stream-window --session survive kill -9 at random, restarts killed too" {
	run crashtest -n 30 --join --seed 3
	crash_clean '3[0-9]'
}

@test "crashtest --points --join: every tool of the join and sessions pipeline killed at its writes, fsyncs, renames and opens (every 15th)" {
	run crashtest --points --stride 15 --join --orders 3000 --files 6
	crash_clean '[0-9]+'
}

@test "crashtest --points: every tool killed at its writes, fsyncs, renames and opens (every 9th), and again while it recovers" {
	run crashtest --points --stride 9 --orders 3000 --files 6
	crash_clean '[0-9]+'
}

@test "crashtest --partitions 2: kill -9 in 2 partitions and their merge, at random: output identical, nothing left" {
	run crashtest -n 20 --partitions 2 --seed 4
	crash_clean '2[0-9]'
}

@test "crashtest --points --window --partitions 2: the merging stream-window killed at its writes, fsyncs, renames and opens (every 12th)" {
	run crashtest --points --stride 12 --window --partitions 2 --orders 3000 --files 6
	crash_clean '[0-9]+'
}

@test "crashtest --sqlite: 30 kills at random, the sink also appending to SQLite tables: the same rows, once each" {
	run crashtest -n 30 --sqlite --seed 5
	crash_clean '3[0-9]'
}

@test "crashtest --points --sqlite: every tool killed at its writes, pwrite64s and fdatasyncs too (every 15th): the same rows" {
	run crashtest --points --stride 15 --sqlite --orders 3000 --files 6
	crash_clean '[0-9]+'
}

@test "crashtest --watch: files arriving while the pipeline runs and while it is down, --append to a file with a line in it" {
	run crashtest --watch -n 6 --orders 3000 --files 6
	crash_clean '[0-9]+'
}

# The dashboard's stateful half, on FIFOs, on a watched directory.
pipeline() {	# pipeline DIR
	local d=$1
	rm -f "$d"/f1 "$d"/f2 "$d"/f3 "$d"/f4 "$d"/a "$d"/b
	mkfifo "$d"/f1 "$d"/f2 "$d"/f3 "$d"/f4 "$d"/a "$d"/b
	stream-sink --checkpoint "$d/ck" --dir "$d/out/o" --format spark \
	    --append "$d/log.txt" "$d/a" "$d/b" 2>>"$d/err" &
	SINK=$!
	stream-split --watch "$d/in" --event-time 1 --interval 5s \
	    --checkpoint "$d/ck" --checkpoint-every 2 > "$d/f1" 2>>"$d/err" &
	SPLIT=$!
	stream-parse --csv "$SPEC" < "$d/f1" > "$d/f2" &
	tee "$d/f3" < "$d/f2" > "$d/f4" &
	stream-state --by client --sum 'amount*price' --top 5 --name TOP5CLIENTS \
	    --checkpoint "$d/ck" < "$d/f4" > "$d/b" 2>>"$d/err" &
	stream-reduce --by side --count < "$d/f3" > "$d/a" 2>/dev/null &
	BG_PIDS="$SINK $SPLIT $(jobs -p | tr '\n' ' ')"
	sleep 0.3
}

feed() {	# feed DIR FROM TO: orders files FROM..TO moved in, one by one
	local i
	for i in $(seq -f %02g "$2" "$3"); do
		cp "data/orders-$i" "$1/stage"
		mv "$1/stage" "$1/in/orders-$i"
		sleep 0.05
	done
}

@test "a crash, then a corrupt snapshot at the restore point: an older one is used, output identical" {
	mkdir -p data ref/in run/in
	gen-orders -n 4000 --rate 50 | split -d -a 2 -l 200 - data/orders-
	# the reference: never killed
	pipeline ref
	feed ref 00 19
	waitfor 10 test -d ref/out/o-1458678405000
	kill -TERM $SPLIT
	wait $SINK
	# the run: killed after the first ten files, a snapshot spoiled
	pipeline run
	feed run 00 09
	waitfor 10 test -d run/out/o-1458678365000
	kill -9 $BG_PIDS
	wait 2>/dev/null || true
	tc=$(ls run/out | sed 's/^o-//' | sort -n | tail -n 1)
	snap=$(ls run/ck/stream-state | sed -n 's/^snap-//p' | sort -n |
	    awk -v tc="$tc" '$1 <= tc' | tail -n 1)
	[ -n "$snap" ]
	printf 'x' | dd of="run/ck/stream-state/snap-$snap" bs=1 seek=40 conv=notrunc 2>/dev/null
	pipeline run
	feed run 10 19
	waitfor 10 test -d run/out/o-1458678405000
	kill -TERM $SPLIT
	wait $SINK
	grep -q "run/ck/stream-state/snap-$snap: torn or corrupt (checksum mismatch): not used" run/err
	diff -r ref/out run/out
	cmp ref/log.txt run/log.txt
}

@test "a source's checkpoint from another pipeline is refused" {
	echo '2016-03-22 20:25:28,x' > a.csv
	stream-split --event-time 1 --checkpoint ck a.csv > /dev/null
	run stream-split --event-time 1 --interval 2s --checkpoint ck a.csv
	assert_failure 1
	assert_output 'stream-split: ck/stream-split: written by another pipeline (--interval=2000ms here, none before): use another --checkpoint or --id'
}

@test "a file operand resumes where the last committed batch left it" {
	gen-orders -n 300 --rate 10 > a.csv
	stream-split --event-time 1 --interval 5s --checkpoint ck a.csv |
	    stream-sink --checkpoint ck > first.tsv
	# a second run on the same checkpoint publishes nothing new
	run sh -c 'stream-split --event-time 1 --interval 5s --checkpoint ck a.csv | stream-sink --checkpoint ck'
	assert_success
	assert_output ''
	# an appended file: only what is new is published
	gen-orders -n 100 --rate 10 --start '2016-03-22 20:26:00' >> a.csv
	stream-split --event-time 1 --interval 5s --checkpoint ck a.csv |
	    stream-sink --checkpoint ck > second.tsv
	stream-split --event-time 1 --interval 5s a.csv | stream-sink > all.tsv
	assert_equal "$(cat first.tsv second.tsv)" "$(cat all.tsv)"
}

@test "standard input: logged batches are replayed, then new input is read" {
	gen-orders -n 100 --rate 10 > a.csv
	gen-orders -n 100 --rate 10 --start '2016-03-22 20:25:40' > b.csv
	stream-split --event-time 1 --interval 5s --checkpoint ck < a.csv |
	    stream-sink --checkpoint ck > first.tsv
	# all of a.csv's batches were committed: b.csv is new input
	stream-split --event-time 1 --interval 5s --checkpoint ck < b.csv |
	    stream-sink --checkpoint ck > second.tsv
	cat a.csv b.csv | stream-split --event-time 1 --interval 5s | stream-sink > all.tsv
	assert_equal "$(cat first.tsv second.tsv)" "$(cat all.tsv)"
}

@test "--append: a sink killed at any rename or fsync, before its first commit too, appends every batch once" {
	printf '#stream\n#interval\t5000\n#fields\tk\tv\na\t1\n#end\t5000\nb\t2\n#end\t10000\n#eos\n' > in.rec
	echo before > ref.txt
	cp ref.txt log.txt
	stream-sink --checkpoint ref.ck --dir ref/o --append ref.txt in.rec
	for sc in rename fsync; do
		for n in 1 2 3 4 5 6 7 8 9 10 11 12; do
			rm -rf ck out
			echo before > log.txt
			run kill_at "$sc" "$n" stream-sink --checkpoint ck --dir out/o --append log.txt in.rec
			run stream-sink --checkpoint ck --dir out/o --append log.txt in.rec
			assert_success
			assert_equal "$(cat log.txt)" "$(cat ref.txt)"
			diff -r ref out
		done
	done
}

@test "--append --format records: a sink killed at any write, rename or fsync, and restarted: one stream, every batch once, #eos at the end" {
	printf '#stream\n#fields\tk\tv\n#interval\t5000\na\t1\n#end\t5000\nb\t2\n#end\t10000\nc\t3\n#end\t15000\n#eos\n' > in.rec
	for sc in write rename fsync; do
		for n in 1 2 3 4 5 6 7 8 9 10; do
			rm -rf ck log.rec
			run kill_at "$sc" "$n" stream-sink --checkpoint ck --format records --append log.rec in.rec
			run stream-sink --checkpoint ck --format records --append log.rec in.rec
			assert_success
			assert_equal "$(cat log.rec)" "$(cat in.rec)"
		done
	done
}

@test "--exec: a sink killed at any write, fsync, rename or wait for its command, and restarted: every batch's command has run, at least once, none after a commit" {
	printf '#stream\n#interval\t5000\n#fields\tk\tv\na\t1\n#end\t5000\nb\t2\nc\t3\n#end\t10000\n#end\t15000\n#eos\n' > in.rec
	cmd='cat > out/$STREAM_BATCH_TIME; echo $STREAM_BATCH_TIME >> runs'
	mkdir ref
	(cd ref && mkdir out && stream-sink --checkpoint ck --exec "$cmd" ../in.rec)
	for sc in write fsync rename wait4; do
		for n in 1 2 3 4 5 6 7 8 9; do
			rm -rf run && mkdir -p run/out && cd run
			kill_at "$sc" "$n" stream-sink --checkpoint ck --exec "$cmd" ../in.rec || true
			run stream-sink --checkpoint ck --exec "$cmd" ../in.rec
			assert_success
			diff -r ../ref/out out
			# at least once each, in order, and never again once committed
			run sort -u runs
			assert_output "$(printf '10000\n15000\n5000')"
			run sh -c 'uniq runs | sort | uniq -d'
			assert_output ''
			cd ..
		done
	done
}

@test "--append: a file shorter than the committed size is refused, not padded" {
	printf '#stream\n#interval\t5000\n#fields\tk\tv\na\t1\n#end\t5000\n#eos\n' > in.rec
	stream-sink --checkpoint ck --append log.txt in.rec
	: > log.txt
	run stream-sink --checkpoint ck --append log.txt in.rec
	assert_failure 1
	assert_output 'stream-sink: log.txt: 0 bytes, less than the 9 committed: changed outside the pipeline; refused'
	[ ! -s log.txt ]
}

@test "--watch --checkpoint: a first start killed before it is complete skips only what was there, never what came while it was down" {
	mkdir in
	echo old > in/old.txt
	sleep 0.05	# a file system clock tick: old.txt is older than the start
	for n in 3 4; do	# renames: meta, start (its time), start (complete), ...
		rm -rf ck in/new*
		run kill_at rename "$n" stream-split --watch in --interval 200ms --checkpoint ck
		assert_failure 137
		echo "new$n" > in/.n && mv in/.n "in/new$n.txt"
		run timeout --preserve-status -s TERM 1 stream-split --watch in --interval 200ms --checkpoint ck
		assert_success
		assert_equal "$(printf '%s\n' "$output" | grep -v '^#')" "new$n"
	done
}

@test "--watch --event-time --checkpoint: SIGTERM leaves the batch event time has not closed to the restart, which closes it with the files that came later: a run never stopped" {
	gen-orders -n 3000 --rate 100 --seed 5 > orders.txt
	split -l 500 orders.txt part.
	mkdir all in
	cp part.* all/
	stream-split --watch all --all --once --event-time 1 --interval 5s |
	    stream-sink --format records --append ref.out
	cp part.aa part.ab part.ac in/
	stream-split --watch in --all --event-time 1 --interval 5s \
	    --checkpoint ck > one.out 2> one.err &
	split=$!
	BG_PIDS="${BG_PIDS:-} $split"
	waitfor 10 sh -c '[ "$(grep -c "^#end" one.out)" -ge 2 ]'
	sleep 0.5
	kill -TERM "$split"
	wait "$split"
	stream-sink --checkpoint ck --format records --append out < one.out
	cp part.ad part.ae part.af in/
	stream-split --watch in --all --once --event-time 1 --interval 5s \
	    --checkpoint ck 2> two.err |
	    stream-sink --checkpoint ck --format records --append out
	run diff <(grep -v '^#at' ref.out) <(grep -v '^#at' out)
	assert_success
	run cat one.err two.err
	assert_output ''
}

@test "a refused restart (another pipeline's checkpoint) ends the whole --watch pipeline promptly, exit 1" {
	mkdir in
	run bash -c 'timeout --preserve-status -s TERM 1 stream-split --watch in --event-time 1 --interval 5s --checkpoint ck |
	    stream-parse --csv "$0" |
	    stream-state --by client --count --checkpoint ck |
	    stream-sink --checkpoint ck --dir out/o; echo "${PIPESTATUS[*]}"' "$SPEC"
	assert_output '0 0 0 0'
	# the same pipeline with another aggregation: stream-state refuses,
	# and nothing waits for files any more
	run --separate-stderr timeout 10 bash -c 'stream-split --watch in --event-time 1 --interval 5s --checkpoint ck |
	    stream-parse --csv "$0" |
	    stream-state --by client --sum amount --checkpoint ck |
	    stream-sink --checkpoint ck --dir out/o; echo "${PIPESTATUS[*]}"' "$SPEC"
	assert_output --regexp '^(1|141) (1|141) 1 1$'	# split, parse: their reader gone (SIGPIPE)
	assert_equal "${stderr%%$'\n'*}" 'stream-state: ck/stream-state: written by another pipeline (--sum=amount here, --count before): use another --checkpoint or --id'
}

@test "the same pipeline typed another way is the same pipeline: durations, paths, option order" {
	mkdir in
	printf '2016-03-22 20:25:28,1\n2016-03-22 20:25:33,2\n' > in/a.csv
	stream-split --watch in --once --event-time 1 --interval 5s --checkpoint ck |
	    stream-sink --checkpoint ck --dir out/o
	run stream-split --interval 5000ms --checkpoint=ck --event-time=1 --once --watch ./in/
	assert_success
	run stream-split --watch "$PWD/in" --once --event-time 1 --interval 5s --checkpoint ck
	assert_success
	run stream-split --watch in --once --event-time 1 --interval 10s --checkpoint ck
	assert_failure 1
	assert_output 'stream-split: ck/stream-split: written by another pipeline (--interval=10000ms here, --interval=5000ms before): use another --checkpoint or --id'
}

@test "a file a restart needs, archived too soon: stream-split names it, exit 1, nothing more published" {
	mkdir in archive
	gen-orders -n 3500 --rate 100 | split -d -l 1000 - in/orders-
	run bash -c 'stream-split --watch in --once --event-time 1 --interval 5s --checkpoint ck --checkpoint-every 4 |
	    stream-parse --csv "$0" | stream-state --by client --count --checkpoint ck |
	    stream-sink --checkpoint ck --dir out/o; echo "${PIPESTATUS[*]}"' "$SPEC"
	assert_output '0 0 0 0'
	# batches since the last aligned one are replayed from their files
	ls out > before
	mv in/* archive/
	run --separate-stderr bash -c 'stream-split --watch in --once --event-time 1 --interval 5s --checkpoint ck --checkpoint-every 4 |
	    stream-parse --csv "$0" | stream-state --by client --count --checkpoint ck |
	    stream-sink --checkpoint ck --dir out/o; echo "${PIPESTATUS[*]}"' "$SPEC"
	assert_output --regexp '^1 1 1 1$'
	assert_equal "${stderr%%$'\n'*}" 'stream-split: in/orders-03: No such file or directory'
	assert_equal "$(ls out)" "$(cat before)"
}
