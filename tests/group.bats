#!/usr/bin/env bats
# stream-split --kafka --group: consumer-group members whose partitions are
# tasks, each with its own checkpoint; --kafka-partitions and --end-offsets,
# which the tasks read with. Against librdkafka's mock cluster.

load helper
load group

@test "--kafka-partitions: only the partitions named" {
	start_cluster orders:4
	gen-orders -n 4000 --rate 1000 --seed 3 | produce orders
	stream-split --kafka "$BROKERS" --topic orders --once \
	    --kafka-fields partition > all.out
	run sh -c "stream-split --kafka '$BROKERS' --topic orders --once --kafka-partitions 3,1 --kafka-fields partition | grep -v '^#' | cut -f1 | sort | uniq -c | awk '{ print \$2, \$1 }'"
	assert_output "$(grep -v '^#' all.out | cut -f1 | grep -E '^(1|3)$' | sort | uniq -c | awk '{ print $2, $1 }')"
}

@test "--kafka-partitions: a partition the topic does not have is an error, exit 1" {
	start_cluster orders:4
	run --separate-stderr stream-split --kafka "$BROKERS" --topic orders --once --kafka-partitions 2,9
	assert_failure 1
	assert_equal "$stderr" "stream-split: $BROKERS: orders: no partition 9"
}

@test "--end-offsets: --once stops each partition at the offset given" {
	start_cluster orders:2
	gen-orders -n 1000 --rate 1000 --seed 3 | produce orders
	run sh -c "stream-split --kafka '$BROKERS' --topic orders --once --kafka-partitions 0,1 --end-offsets 0:7,1:3 --kafka-fields partition,offset | grep -v '^#' | cut -f1,2 | sort"
	assert_output "$(printf '0\t%s\n' 0 1 2 3 4 5 6; printf '1\t%s\n' 0 1 2)"
}

@test "--kafka-partitions, --end-offsets, --group and --task: usage errors, exit 2" {
	run stream-split --kafka localhost:9 --topic orders --end-offsets 0:7
	assert_failure 2
	assert_line --index 0 'stream-split: --end-offsets goes with --once'
	run stream-split --kafka localhost:9 --topic a,b --kafka-partitions 1
	assert_failure 2
	assert_line --index 0 'stream-split: --kafka-partitions: of one topic'
	run stream-split --kafka localhost:9 --topic a --kafka-partitions 1,x
	assert_failure 2
	assert_line --index 0 'stream-split: --kafka-partitions 1,x: not a list of partitions'
	run stream-split --kafka localhost:9 --topic a --kafka-partitions 1,1
	assert_failure 2
	assert_line --index 0 'stream-split: --kafka-partitions 1,1: a partition named twice'
	run stream-split --kafka localhost:9 --topic a --once --end-offsets 1:
	assert_failure 2
	assert_line --index 0 'stream-split: --end-offsets 1:: not a list of partition:offset'
	run stream-split --kafka localhost:9 --topic a --group g
	assert_failure 2
	assert_line --index 0 'stream-split: --group and --task go together, with --kafka'
	run stream-split --group g --task true
	assert_failure 2
	run stream-split --kafka localhost:9 --topic a --group g --task true --kafka-fields key
	assert_failure 2
	assert_line --index 0 'stream-split: --group: its tasks read the partitions; their options go in --task'
	run stream-split --kafka localhost:9 --topic a --group '' --task true
	assert_failure 2
	assert_line --index 0 'stream-split: --group: empty'
}

@test "--group: an unknown topic is an error, exit 1" {
	start_cluster orders:2
	run stream-split --kafka "$BROKERS" --topic nosuch --group g --task true
	assert_failure 1
	assert_output "stream-split: $BROKERS: nosuch: Broker: Unknown topic or partition"
}

@test "--group: a task that fails stops the member with its status" {
	start_cluster orders:2
	run stream-split --kafka "$BROKERS" --topic orders --group g --task 'exit 3'
	assert_failure 3
	assert_line --partial 'the task failed (status 3)'
}

@test "--group: SIGTERM stops the tasks cleanly and the member leaves, exit 0" {
	start_cluster orders:2
	gen-orders -n 2000 --rate 1000 --seed 3 > orders.txt
	produce orders < orders.txt
	write_task
	member 1
	waitfor 30 sh -c '[ "$(cat out.* 2>/dev/null | wc -l)" -eq 2000 ]'
	kill -TERM "$M1"
	rc=0
	wait "$M1" || rc=$?
	assert_equal "$rc" 0
	run sh -c 'cat out.* | cut -f2- | sort'
	assert_output "$(sort orders.txt)"
	run pgrep -f "fifo\.[01]\."
	assert_failure
	run sh -c "'$ROOT/tests/kafkalag' '$BROKERS' g orders | awk '\$2 != \$3'"
	assert_output ''
}

@test "order-dashboard --group: the partial results of a member's tasks (a partition each), --merge of them is the one-pipeline dashboard, batch by batch; the offsets at the end" {
	start_cluster orders:6
	gen-orders -n 100000 --rate 100 --seed 5 > orders.txt
	produce orders < orders.txt
	order-dashboard --event-time --out file/o orders.txt
	run order-dashboard --kafka "$BROKERS" --topic orders --group g \
	    --checkpoint ck --partials parts --once --event-time
	assert_success
	run order-dashboard --merge parts --event-time --out merged/o
	assert_success
	[ "$(ls merged | wc -l)" -eq 201 ]
	run diff -r file merged
	assert_success
	run sh -c "'$ROOT/tests/kafkalag' '$BROKERS' g orders | awk '\$2 != \$3'"
	assert_output ''
}

@test "order-dashboard --group --partials-topic: the tasks publish their partial results to Kafka, and --merge-topic makes the one-pipeline dashboard of them while the group runs, batch by batch" {
	start_cluster orders:6 p.sides:6 p.clients:6 p.stocks:6
	gen-orders -n 100000 --rate 100 --seed 5 > orders.txt
	produce orders < orders.txt
	order-dashboard --event-time --out file/o orders.txt
	start_merger
	run order-dashboard --kafka "$BROKERS" --topic orders --group g \
	    --checkpoint ck --partials-topic p --once --event-time
	assert_success
	merged_equal 201
	# read again from the topics' beginning, to their ends: the same
	run order-dashboard --kafka "$BROKERS" --merge-topic p --once \
	    --event-time --out again/o
	assert_success
	run diff -r file again
	assert_success
}

@test "order-dashboard --group: 3 members, one killed -9 mid-run and restarted, a fourth added: the merge is the one-pipeline dashboard batch by batch, every order once, the offsets at the end" {
	start_cluster orders:6
	gen-orders -n 60000 --rate 100 --seed 5 > orders.txt
	produce orders < orders.txt
	order-dashboard --event-time --out file/o orders.txt
	dash_member 1
	dash_member 2
	dash_member 3
	# once the tasks have snapshots to restart from (every 10 batches)
	waitfor 60 sh -c '[ "$(cat parts/clients.* 2> /dev/null | grep -c "^#end")" -ge 60 ]'
	kill -9 -- "-$M2"
	wait "$M2" 2> /dev/null || true
	dash_member 2
	sleep 2
	dash_member 4
	for m in "$M1" "$M2" "$M3" "$M4"; do
		rc=0
		wait "$m" || rc=$?
		assert_equal "$rc" 0
	done
	run order-dashboard --merge parts --event-time --out merged/o
	assert_success
	[ "$(ls merged | wc -l)" -eq 121 ]
	run diff -r file merged
	assert_success
	run sh -c "'$ROOT/tests/kafkalag' '$BROKERS' g orders | awk '\$2 != \$3'"
	assert_output ''
}

@test "order-dashboard --group --once on a topic still being written: each partition read up to its end when the member started, every batch flushed, exit 0" {
	start_cluster orders:6
	gen-orders -n 40000 --rate 100 --seed 5 > orders.txt
	head -n 20000 orders.txt | produce orders
	# the rest comes while the group reads
	tail -n +20001 orders.txt |
	    awk '{ print; fflush() } NR % 200 == 0 { system("sleep 0.1") }' |
	    produce orders &
	producer=$!
	BG_PIDS="$BG_PIDS $producer"
	run order-dashboard --kafka "$BROKERS" --topic orders --group g \
	    --checkpoint ck --partials parts --once --event-time
	assert_success
	wait "$producer"
	"$ROOT/tests/kafkalag" "$BROKERS" g orders > stopped
	# what it read: each partition's messages before the offset it
	# committed, the orders in their order
	kcat -C -b "$BROKERS" -t orders -e -q -f '%p %o %s\n' |
	    awk 'NR == FNR { at[$1] = $2; next }
		$2 < at[$1] { sub(/^[0-9]+ [0-9]+ /, ""); print }' stopped - |
	    sort -t, -k2,2n > read.txt
	n=$(wc -l < read.txt)
	[ "$n" -ge 20000 ] && [ "$n" -lt 40000 ]
	run sh -c "awk '\$2 >= \$3' stopped | wc -l"
	assert_output 0
	order-dashboard --event-time --out file/o read.txt
	run order-dashboard --merge parts --event-time --out merged/o
	assert_success
	run diff -r file merged
	assert_success
}

@test "order-dashboard: --group and --merge usage errors, exit 2; --merge of no partial results, exit 1" {
	run order-dashboard --group g --partials p
	assert_failure 2
	assert_line --index 0 'order-dashboard: --group needs --kafka, --topic and one of --partials and --partials-topic'
	run order-dashboard --kafka localhost:9 --topic t --group g --partials p --partials-topic p --checkpoint ck
	assert_failure 2
	assert_line --index 0 'order-dashboard: --group needs --kafka, --topic and one of --partials and --partials-topic'
	run order-dashboard --kafka localhost:9 --topic t --merge-topic p
	assert_failure 2
	assert_line --index 0 'order-dashboard: --merge-topic goes with --kafka, without --topic'
	run order-dashboard --merge-topic p
	assert_failure 2
	assert_line --index 0 'order-dashboard: --merge-topic goes with --kafka, without --topic'
	run order-dashboard --kafka localhost:9 --merge-topic p --partitions 2
	assert_failure 2
	assert_line --index 0 'order-dashboard: --merge-topic reads the partial results alone'
	run order-dashboard --kafka localhost:9 --topic t --group g --partials p
	assert_failure 2
	assert_line --index 0 'order-dashboard: --group needs --checkpoint, a directory every member reaches'
	run order-dashboard --partials p
	assert_failure 2
	assert_line --index 0 'order-dashboard: --partials and --partials-topic go with --group'
	run order-dashboard --merge p orders.txt
	assert_failure 2
	assert_line --index 0 'order-dashboard: --merge reads the partial results alone'
	run order-dashboard --max-rate-per-partition 5 orders.txt
	assert_failure 2
	assert_line --index 0 'order-dashboard: --max-rate-per-partition goes with --kafka'
	run order-dashboard -X fetch.wait.max.ms=10 orders.txt
	assert_failure 2
	assert_line --index 0 'order-dashboard: -X goes with --kafka'
	mkdir empty
	run order-dashboard --merge empty
	assert_failure 1
	assert_output 'order-dashboard: empty: no sides.N: no partial results'
}
