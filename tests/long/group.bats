#!/usr/bin/env bats
# A consumer group that loses a member and gains one, a longer suite (make
# check-long); tests/group.bats has the rest, and "order-dashboard --group:
# 3 members, one killed -9" there runs the same losses through the
# dashboard in make check.

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
