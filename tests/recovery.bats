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
	[ "$(cat log.txt)" = $'5000\ta\t1\n10000\ta\t2\n15000\tb\t3' ]
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
	[ "$(cat out1.tsv)" = $'5000\ta\t1\n10000\ta\t3\n10000\tb\t5' ]
	[ "$(cat out2.tsv)" = $'15000\ta\t13\n15000\tb\t5\n20000\ta\t13\n20000\tb\t5\n20000\tc\t1' ]
}

@test "a corrupt snapshot is detected and an older one is used" {
	printf '5000 a 1\n10000 a 2\n15000 a 4\n20000 a 8\n' | stream_of > run1.rec
	stream-state --by k --sum v --checkpoint ck --checkpoint-every 1 < run1.rec |
	    stream-sink --checkpoint ck > /dev/null
	# when snap-20000 was written the sink had committed 15000: the two
	# newest at or before it (10000, 15000) are kept, and what is newer
	[ "$(ls ck/stream-state | grep snap | sort)" = $'snap-10000\nsnap-15000\nsnap-20000' ]
	printf 'x' | dd of=ck/stream-state/snap-20000 bs=1 seek=30 conv=notrunc 2>/dev/null
	# batch 20000 must come again: the restore point is now 15000
	printf '20000 a 8\n25000 a 16\n' | stream_of > run2.rec
	run --separate-stderr sh -c 'stream-state --by k --sum v --checkpoint ck --checkpoint-every 1 < run2.rec | stream-sink --checkpoint ck'
	assert_success
	assert_output $'25000\ta\t31'
	[ "$stderr" = 'stream-state: ck/stream-state/snap-20000: torn or corrupt (checksum mismatch): not used' ]
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
	assert_output 'stream-state: ck/stream-state: written by another pipeline ("stream-state --by k --sum v", not "stream-state --by k --count"): use another --checkpoint or --id'
}

@test "a checkpoint file that is not one is reported" {
	mkdir -p ck/stream-sink
	printf 'stream-checkpoint 1\nkind sink\ncommand stream-sink\n' > ck/stream-sink/meta
	echo garbage > ck/stream-sink/commit
	run stream-sink --checkpoint ck < /dev/null
	assert_failure 1
	assert_output 'stream-sink: ck/stream-sink/commit: not a checkpoint file of version 1, or torn'
}
