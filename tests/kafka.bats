#!/usr/bin/env bats
# stream-split --kafka against librdkafka's mock cluster (tests/kafkamock),
# started by each test on loopback, fed by kcat.

load helper
load replay

@test "--kafka --once: every message of a 4-partition topic once, then #eos" {
	start_cluster orders:4
	gen-orders -n 20000 --rate 1000 --seed 3 > orders.txt
	produce orders < orders.txt
	run stream-split --kafka "$BROKERS" --topic orders --once
	assert_success
	assert_line '#eos'
	run sh -c "stream-split --kafka '$BROKERS' --topic orders --once | grep -v '^#' | sort"
	assert_output "$(sort orders.txt)"
}

@test "--kafka with event time: the dashboard's batches equal a file run's, partitions read side by side" {
	start_cluster orders:4
	gen-orders -n 20000 --rate 1000 --seed 3 > orders.txt
	produce orders < orders.txt
	stream-split --kafka "$BROKERS" --topic orders --once --event-time 1 --interval 5s |
	    stream-parse --csv "$SPEC" | stream-reduce --by side --count |
	    stream-sink --print > kafka.out
	stream-split --event-time 1 --interval 5s orders.txt |
	    stream-parse --csv "$SPEC" | stream-reduce --by side --count |
	    stream-sink --print > file.out
	run diff kafka.out file.out
	assert_success
}

@test "order-dashboard --kafka --once --event-time: 200k orders of a 4-partition topic give the batches of the same orders from a file, in one pipeline and in 2 partitions" {
	start_cluster orders:4
	gen-orders -n 200000 --rate 100 --seed 5 > orders.txt
	produce orders < orders.txt
	run order-dashboard --event-time --out file/o orders.txt
	assert_success
	run order-dashboard --kafka "$BROKERS" --topic orders --once --event-time --out kafka/o
	assert_success
	assert_output ''
	[ "$(ls file | wc -l)" -eq 401 ]
	run diff -r file kafka
	assert_success
	run order-dashboard --kafka "$BROKERS" --topic orders --once --event-time \
	    --partitions 2 --out kafka2/o
	assert_success
	run diff -r file kafka2
	assert_success
}

@test "order-dashboard: --topic goes with --mqtt or --kafka, and they take no files" {
	run order-dashboard --topic orders
	assert_failure 2
	assert_line --index 0 'order-dashboard: --topic goes with --mqtt or --kafka'
	run order-dashboard --kafka localhost:9092 --topic orders orders.txt
	assert_failure 2
	assert_line --index 0 'order-dashboard: --mqtt and --kafka take no files and no --watch'
	run order-dashboard --kafka localhost:9092 --mqtt mqtt://localhost --topic orders
	assert_failure 2
	assert_line --index 0 'order-dashboard: --mqtt or --kafka, not both'
}

@test "--kafka-fields: the key, partition and offset before each line" {
	start_cluster t:1
	printf 'a\tone\nb\ttwo\n' | kcat -P -b "$BROKERS" -t t -K '	'
	run stream-split --kafka "$BROKERS" --topic t --once --kafka-fields key,partition,offset
	assert_success
	run sh -c "stream-split --kafka '$BROKERS' --topic t --once --kafka-fields key,partition,offset | grep -v '^#end\|^#eos\|^#at\|^#stream\|^#interval'"
	assert_output "#fields	key	partition	offset	line
a	0	0	one
b	0	1	two"
}

@test "--kafka --start: latest reads only what comes after it; an offset starts there" {
	start_cluster t:1
	seq 1 10 | kcat -P -b "$BROKERS" -t t
	run sh -c "stream-split --kafka '$BROKERS' --topic t --once --start 7 | grep -v '^#'"
	assert_output "$(seq 8 10)"
	run sh -c "stream-split --kafka '$BROKERS' --topic t --once --start latest | grep -v '^#'"
	assert_output ''
}

@test "--kafka with --checkpoint: kill -9 and a restart: the logged batches come back exactly, then only what is new" {
	start_cluster n:3
	seq 1 3000 | kcat -P -b "$BROKERS" -t n
	stream-split --kafka "$BROKERS" --topic n --interval 100ms --checkpoint ck > one.out 2> one.err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 10 sh -c '[ "$(grep -vc "^#" one.out)" -ge 3000 ]'
	sleep 0.3
	kill -9 "$split"
	wait "$split" 2>/dev/null || true
	seq 3001 3500 | kcat -P -b "$BROKERS" -t n
	stream-split --kafka "$BROKERS" --topic n --interval 100ms --checkpoint ck > two.out 2> two.err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 10 sh -c '[ "$(grep -vc "^#" two.out)" -ge 3500 ]'
	stop "$split"
	run diff <(grep -v '^#' one.out) <(grep -v '^#' two.out | head -n "$(grep -vc '^#' one.out)")
	assert_success
	run sh -c "grep -v '^#' two.out | sort -n"
	assert_output "$(seq 1 3500)"
	run cat two.err
	assert_output ''
}

@test "--kafka: an unknown topic is exit 1, named" {
	start_cluster t:1
	run --separate-stderr stream-split --kafka "$BROKERS" --topic nosuch --once
	assert_failure 1
	assert_output '#stream'
	assert_equal "$stderr" "stream-split: $BROKERS: nosuch: Broker: Unknown topic or partition"
}

@test "--kafka: a cluster that goes away is said once and waited for; nothing is lost" {
	start_cluster n:2
	stream-split --kafka "$BROKERS" --topic n --interval 100ms > out 2> err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	seq 1 100 | kcat -P -b "$BROKERS" -t n
	waitfor 10 sh -c '[ "$(grep -vc "^#" out)" -ge 100 ]'
	kill -USR1 "$CLUSTER"
	waitfor 20 grep -q 'trying again' err
	kill -USR2 "$CLUSTER"
	seq 101 200 | kcat -P -b "$BROKERS" -t n
	waitfor 20 sh -c '[ "$(grep -vc "^#" out)" -ge 200 ]'
	stop "$split"
	run sh -c "grep -v '^#' out | sort -n"
	assert_output "$(seq 1 200)"
	run cat err
	assert_output "stream-split: $BROKERS: all brokers are down; trying again
stream-split: $BROKERS: connected"
}

@test "--kafka: bad arguments and combinations are usage errors" {
	usage_error 'stream-split: --topic goes with --mqtt or --kafka, and they with it' stream-split --kafka h:9092
	usage_error 'stream-split: --kafka-fields, --kafka-partitions, --end-offsets, --start, --max-rate-per-partition and -X go with --kafka' stream-split --start earliest
	usage_error 'stream-split: --max-rate-per-partition 0: too small (1 to 1000000000)' stream-split --kafka h --topic t --max-rate-per-partition 0
	usage_error 'stream-split: --start soon: not earliest, latest, an offset or @time' stream-split --kafka h --topic t --start soon
	usage_error 'stream-split: --kafka-fields headers: not a list of topic, key, partition, offset and timestamp' stream-split --kafka h --topic t --kafka-fields headers
	usage_error 'stream-split: -X nokey: not key=value' stream-split --kafka h --topic t -X nokey
	usage_error 'stream-split: --topic a,,b: not a list of topics' stream-split --kafka h --topic a,,b
	usage_error 'stream-split: give one of --connect, --listen, --mqtt and --kafka' stream-split --kafka h --mqtt mqtt://h
}

# batches FROM TO [ADD]: a stream of records of the batches FROM..TO (1 s
# each, times in ms), a record "k<TAB>t+ADD" each
batches() {
	printf '#stream\n#fields\tk\tv\n#types\tstr\tint\n#interval\t1000\n'
	seq "$1" "$2" | awk -v add="${3:-0}" '{ printf "k\t%d\n#end\t%d\n", $1 + add, $1 * 1000 }'
	echo '#eos'
}

@test "--kafka --records --once: a topic's partitions, a producer each, merged by batch time as stream-reduce merges files; a batch given again and a message that is no batch are left out" {
	start_cluster parts:2
	batches 1 5 > p0.rec
	batches 2 6 100 > p1.rec
	stream-sink --kafka "$BROKERS" --topic parts --partition 0 --format records p0.rec
	stream-sink --kafka "$BROKERS" --topic parts --partition 1 --format records p1.rec
	# a producer that restarted: its batches 2 and 3 again
	batches 2 3 100 | stream-sink --kafka "$BROKERS" --topic parts --partition 1 --format records
	echo 'not a batch' | kcat -P -b "$BROKERS" -t parts -p 0
	run --separate-stderr stream-split --kafka "$BROKERS" --topic parts --records --once
	assert_success
	assert_equal "$stderr" "stream-split: $BROKERS: parts [0] offset 5: not a batch of records (no #end line): left out"
	printf '%s\n' "$output" > merged
	stream-reduce --by k --sum v p0.rec p1.rec > ref
	run stream-reduce --by k --sum v merged
	assert_output "$(cat ref)"
	run grep -c '^#end' merged
	assert_output 6
}

@test "--kafka --records: batch T goes out once every partition has given it; SIGTERM: what all gave, then #eos" {
	start_cluster parts:2
	batches 1 3 | stream-sink --kafka "$BROKERS" --topic parts --partition 0 --format records
	batches 1 1 | stream-sink --kafka "$BROKERS" --topic parts --partition 1 --format records
	stream-split --kafka "$BROKERS" --topic parts --records > out 2> err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 10 grep -q '^#end	1000' out
	sleep 0.5
	run grep -c '^#end' out
	assert_output 1
	batches 2 2 | stream-sink --kafka "$BROKERS" --topic parts --partition 1 --format records
	waitfor 10 grep -q '^#end	2000' out
	stop "$split"
	run grep -v -e '^k' -e '^#at' out
	assert_output "#stream
#fields	k	v
#types	str	int
#interval	1000
#end	1000
#end	2000
#eos"
	run cat err
	assert_output ''
}

@test "--kafka --records: a cluster down at the start is said once and waited for; one that goes away mid-run too; every batch once" {
	start_cluster parts:1
	kill -USR1 "$CLUSTER"
	stream-split --kafka "$BROKERS" --topic parts --records > out 2> err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 20 grep -q 'trying again' err
	kill -USR2 "$CLUSTER"
	batches 1 2 | stream-sink --kafka "$BROKERS" --topic parts --format records
	waitfor 20 grep -q '^#end	2000' out
	kill -USR1 "$CLUSTER"
	waitfor 20 sh -c '[ "$(grep -c "trying again" err)" -eq 2 ]'
	kill -USR2 "$CLUSTER"
	batches 3 4 | stream-sink --kafka "$BROKERS" --topic parts --format records
	waitfor 20 grep -q '^#end	4000' out
	stop "$split"
	run grep -c '^#end' out
	assert_output 4
	run sed "s|$BROKERS: .*; trying again\$|$BROKERS: WHY; trying again|" err
	assert_output "stream-split: $BROKERS: WHY; trying again
stream-split: $BROKERS: connected
stream-split: $BROKERS: WHY; trying again
stream-split: $BROKERS: connected"
}

@test "--kafka --records: a reader that goes away while no batch comes is noticed: exit 1, said" {
	start_cluster parts:1
	run --separate-stderr bash -c "timeout 20 stream-split --kafka '$BROKERS' --topic parts --records | sleep 1; echo \${PIPESTATUS[0]}"
	assert_output 1
	assert_equal "$stderr" 'stream-split: stdout: the reader is gone: stopping'
}

@test "--kafka --records: an unknown topic is exit 1, named; usage errors, exit 2" {
	start_cluster parts:1
	run stream-split --kafka "$BROKERS" --topic nope --records --once
	assert_failure 1
	assert_output --partial "nope"
	usage_error 'stream-split: --records goes with --kafka and one --topic, -X and --once; not with --group or the options of how to read' stream-split --records
	usage_error 'stream-split: --records goes with --kafka and one --topic, -X and --once; not with --group or the options of how to read' stream-split --kafka h --topic a,b --records
	usage_error 'stream-split: --records goes with --kafka and one --topic, -X and --once; not with --group or the options of how to read' stream-split --kafka h --topic a --records --kafka-fields key
	usage_error 'stream-split: --records goes with --kafka and one --topic, -X and --once; not with --group or the options of how to read' stream-split --kafka h --topic a --records --group g --task true
	usage_error 'stream-split: --records merges batches already made: not --event-time, --partitions or --checkpoint' stream-split --kafka h --topic a --records --event-time 1
	usage_error 'stream-split: --records merges batches already made: not --event-time, --partitions or --checkpoint' stream-split --kafka h --topic a --records --checkpoint ck
}

# kafka_killed CK SYSCALL N: a --once run on checkpoint CK, killed at its
# Nth SYSCALL if it comes to it
kafka_killed() {
	kill_at "$2" "$3" stream-split --kafka "$BROKERS" --topic n --once \
	    --interval 100ms --checkpoint "$1" > /dev/null 2>> split.err || true
}

@test "--kafka with --checkpoint: killed at a write, an fsync or a rename, and again in the restart: every message once" {
	start_cluster n:3
	seq 1 2000 | kcat -P -b "$BROKERS" -t n
	for point in write:1 write:3 write:8 write:20 fsync:1 fsync:2 fsync:4 \
	    fsync:7 fsync:9 rename:1 rename:2 rename:3 openat:5 openat:12 \
	    openat:30; do
		ck=ck.${point%:*}${point#*:}
		kafka_killed "$ck" "${point%:*}" "${point#*:}"
		kafka_killed "$ck" fsync 2
		run sh -c "stream-split --kafka '$BROKERS' --topic n --once --interval 100ms --checkpoint $ck | grep -v '^#' | sort -n"
		assert_output "$(seq 1 2000)"
	done
}

# event_killed N: orders of topic o (one partition), batched by event time,
# published by a sink killed at its Nth rename, then the same pipeline
# again: its output must be ref.out, that of a run never killed.
event_killed() {
	rm -rf ck out
	stream-split --kafka "$BROKERS" --topic o --once --event-time 1 \
	    --interval 5s --checkpoint ck |
	    kill_at rename "$1" stream-sink --checkpoint ck --format records \
	    --append out || true
	stream-split --kafka "$BROKERS" --topic o --once --event-time 1 \
	    --interval 5s --checkpoint ck |
	    stream-sink --checkpoint ck --format records --append out
	run diff ref.out out
	assert_success
}

@test "--kafka --event-time with --checkpoint: the sink killed at each commit, the restart gives the batches of a run never killed (a batch closes at the message that comes after it)" {
	start_cluster o:1
	gen-orders -n 3000 --rate 100 --seed 5 | kcat -P -b "$BROKERS" -t o
	stream-split --kafka "$BROKERS" --topic o --once --event-time 1 \
	    --interval 5s | stream-sink --format records --append ref.out
	for n in 2 3 4 5 6 7 8 9; do
		event_killed "$n"
	done
}

@test "--kafka --event-time with --checkpoint: messages of 3 lines, a batch closing inside one: killed at each commit, every line once, in its batch" {
	start_cluster o:1
	gen-orders -n 3000 --rate 100 --seed 5 |
	    awk '{ printf "%s", $0; printf (NR % 3 == 0 ? "@@" : "\n") }' |
	    kcat -P -b "$BROKERS" -t o -D @@
	run sh -c "kcat -C -b '$BROKERS' -t o -e -q -f '%o\\n' | wc -l"
	assert_output 1000
	stream-split --kafka "$BROKERS" --topic o --once --event-time 1 \
	    --interval 5s | stream-sink --format records --append ref.out
	run grep -vc '^#' ref.out
	assert_output 3000
	for n in 2 3 4 5 6 7 8 9; do
		event_killed "$n"
	done
}

@test "--kafka --event-time with --checkpoint: a restart makes its logged batches again in one reading of the partitions, assigned once for all of them, then reads on" {
	start_cluster o:2
	grown_restart
	# the logged batches, then the reading
	run grep -c 'new assignment' two.err
	assert_output 2
}

@test "--kafka --event-time with --checkpoint: SIGTERM leaves the batch event time has not closed to the restart, which closes it with what came later: the batches of a run never stopped" {
	start_cluster o:1 all:1
	gen-orders -n 3000 --rate 100 --seed 5 > orders.txt
	kcat -P -b "$BROKERS" -t all < orders.txt
	stream-split --kafka "$BROKERS" --topic all --once --event-time 1 \
	    --interval 5s | stream-sink --format records --append ref.out
	head -n 1234 orders.txt | kcat -P -b "$BROKERS" -t o
	stream-split --kafka "$BROKERS" --topic o --event-time 1 --interval 5s \
	    --checkpoint ck > one.out 2> one.err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 10 sh -c '[ "$(grep -c "^#end" one.out)" -ge 2 ]'
	sleep 0.5
	stop "$split"
	stream-sink --checkpoint ck --format records --append out < one.out
	tail -n +1235 orders.txt | kcat -P -b "$BROKERS" -t o
	stream-split --kafka "$BROKERS" --topic o --once --event-time 1 \
	    --interval 5s --checkpoint ck 2> two.err |
	    stream-sink --checkpoint ck --format records --append out
	run diff ref.out out
	assert_success
	run cat one.err two.err
	assert_output ''
}

@test "the README's Kafka section runs as written against tests/kafkamock: every order counted once; its consumer group and merge too" {
	ln -s "$ROOT/tests" tests
	ln -s "$ROOT/scripts" scripts
	readme_block 'tests/kafkamock -t orders:4 > brokers &' > kafka.sh
	[ "$(wc -l < kafka.sh)" -eq 8 ]
	# the mock cluster goes when the script does, even if a step failed
	{ echo 'set -e'; echo "trap 'kill \$(jobs -p) 2>/dev/null' EXIT"
	  cat kafka.sh; } > run.sh
	run bash run.sh
	assert_success
	run sh -c "printf '%s\n' \"\$1\" | awk -F'\t' '/^[BS]\t/ { n += \$2 } END { print n }'" sh "$output"
	assert_output 10000
	# the group, one member here, with B and /shared/ as this machine's
	readme_block 'order-dashboard --kafka B --topic orders --group dash --checkpoint /shared/ck \' |
	    sed -e 's|--kafka B |--kafka "$(cat brokers)" |' \
	    -e "s|/shared/|$PWD/shared/|g" > group.sh
	[ "$(wc -l < group.sh)" -eq 3 ]
	{ echo 'set -e'; echo "trap 'kill \$(jobs -p) 2>/dev/null' EXIT"
	  head -n 4 kafka.sh; cat group.sh; } > run.sh
	rm brokers		# the first cluster's
	PATH=$ROOT/scripts:$PATH run bash run.sh
	assert_success
	# the dashboard of the same orders read from a file, batch by batch
	assert_output "$(scripts/gen-orders -n 10000 | order-dashboard --event-time --print)"
}

@test "--kafka --start @time: the first message at or after the time" {
	start_cluster t:2
	seq 1 5 | kcat -P -b "$BROKERS" -t t
	sleep 1.1
	at=$(date -u '+%Y-%m-%d %H:%M:%S')
	seq 6 10 | kcat -P -b "$BROKERS" -t t
	run sh -c "stream-split --kafka '$BROKERS' --topic t --once --start '@$at' | grep -v '^#' | sort -n"
	assert_output "$(seq 6 10)"
}

@test "--kafka with --checkpoint: the log holds offsets, not messages; a restart reads the logged batches again from the topic" {
	start_cluster n:2
	seq 1 50 | sed 's/^/payload-/' | kcat -P -b "$BROKERS" -t n
	stream-split --kafka "$BROKERS" --topic n --interval 100ms --checkpoint ck > one.out 2> one.err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 10 grep -qx payload-50 one.out
	sleep 0.3
	stop "$split"
	run sh -c "cat ck/stream-split/log-* | grep -ac payload-"
	assert_output 0
	stream-split --kafka "$BROKERS" --topic n --interval 100ms --checkpoint ck > two.out 2> two.err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 10 grep -qx payload-50 two.out
	stop "$split"
	run diff <(grep -v '^#' one.out) <(grep -v '^#' two.out)
	assert_success
}

@test "--kafka --max-rate-per-partition 100: at most 100 a second from each partition, a batch of 1 s at most 200 of 2 partitions; nothing lost" {
	start_cluster n:2
	seq 1 300 | kcat -P -b "$BROKERS" -t n -p 0
	seq 301 600 | kcat -P -b "$BROKERS" -t n -p 1
	stream-split --kafka "$BROKERS" --topic n --once --interval 1s \
	    --max-rate-per-partition 100 > out
	run sh -c "grep -v '^#' out | sort -n"
	assert_output "$(seq 1 600)"
	run sh -c "sed -n 's/^#end	[0-9]*	n=\([0-9]*\).*/\1/p' out | sort -n | tail -1"
	assert_output 200
	run sh -c "grep -c '^#end	[0-9]*	n=[1-9]' out"
	assert [ "$output" -ge 3 ]
}

@test "--kafka: a cluster that is down at the start is said once and waited for" {
	start_cluster n:1
	kill -USR1 "$CLUSTER"
	stream-split --kafka "$BROKERS" --topic n --interval 100ms > out 2> err &
	split=$!
	BG_PIDS="$BG_PIDS $split"
	waitfor 20 grep -q 'trying again' err
	kill -USR2 "$CLUSTER"
	seq 1 10 | kcat -P -b "$BROKERS" -t n
	waitfor 20 grep -qx 10 out
	stop "$split"
	run sh -c "grep -v '^#' out"
	assert_output "$(seq 1 10)"
	run sed "s|$BROKERS: .*; trying again\$|$BROKERS: WHY; trying again|" err
	assert_output "stream-split: $BROKERS: WHY; trying again
stream-split: $BROKERS: connected"
}
