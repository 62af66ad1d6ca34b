#!/usr/bin/env bats
# A consumer group that loses a member and gains one, a longer suite (make
# check-long); tests/group.bats has the rest, and "order-dashboard --group:
# 3 members, one killed -9" there runs the same losses through the
# dashboard in make check. The last test here runs them through the
# dashboard's partial results in Kafka, merged while the group runs.

load ../helper
load ../group

@test "--group --once: 3 members on 6 partitions, one killed -9 mid-run and restarted, a fourth added: every order once, the group's offsets at the topic's end" {
	start_cluster orders:6
	gen-orders -n 60000 --rate 1000 --seed 3 > orders.txt
	produce orders < orders.txt
	write_task
	export RATE=2000
	member 1 --once
	member 2 --once
	member 3 --once
	waitfor 30 sh -c 'cat out.* 2>/dev/null | grep -q .'
	sleep 1
	kill -9 -- -"$M2"
	wait "$M2" || true
	sleep 1
	member 2 --once
	sleep 2
	member 4 --once
	for m in "$M1" "$M2" "$M3" "$M4"; do
		rc=0
		wait "$m" || rc=$?
		assert_equal "$rc" 0
	done
	run sh -c 'cat out.* | cut -f2- | sort'
	assert_output "$(sort orders.txt)"
	run sh -c "'$ROOT/tests/kafkalag' '$BROKERS' g orders | awk '\$2 != \$3'"
	assert_output ''
}

@test "order-dashboard --group --partials-topic: 3 members, one killed -9 mid-run and restarted, a fourth added; --merge-topic, running all along, is the one-pipeline dashboard batch by batch" {
	start_cluster orders:6 p.sides:6 p.clients:6 p.stocks:6
	gen-orders -n 60000 --rate 100 --seed 5 > orders.txt
	produce orders < orders.txt
	order-dashboard --event-time --out file/o orders.txt
	start_merger
	dash_member 1 --partials-topic p
	dash_member 2 --partials-topic p
	dash_member 3 --partials-topic p
	# once the tasks have snapshots to restart from (every 10 batches)
	waitfor 60 sh -c '[ "$(kcat -C -b "$BROKERS" -t p.clients -e -q -f "x\n" | wc -l)" -ge 60 ]'
	kill -9 -- "-$M2"
	wait "$M2" 2> /dev/null || true
	dash_member 2 --partials-topic p
	sleep 2
	dash_member 4 --partials-topic p
	for m in "$M1" "$M2" "$M3" "$M4"; do
		rc=0
		wait "$m" || rc=$?
		assert_equal "$rc" 0
	done
	merged_equal 121
}
