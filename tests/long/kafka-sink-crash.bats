#!/usr/bin/env bats
# The crash tests of a Kafka source and a transactional Kafka sink, a
# longer suite (make check-long); tests/kafka-sink.bats says what the mock
# cluster shows a read_committed consumer and what a real one hides.

load ../helper

# consume TOPIC: every message, "headers<TAB>key<TAB>value", in order
consume() {
	kcat -C -b "$BROKERS" -t "$1" -e -q -X isolation.level=read_committed \
	    -f '%h\t%k\t%s\n'
}

# The crash tests: orders of topic orders (2 partitions) in 5 s event-time
# batches, counted by side, published to topic counts (1 partition) by a
# transactional sink, everything checkpointed.
dash() {
	stream-split --kafka "$BROKERS" --topic orders --once --event-time 1 \
	    --interval 5s --checkpoint ck |
	    stream-parse --csv 'time:time,order:int,client:int,symbol,amount:int,price:num,side:B|S' |
	    stream-reduce --by side --count |
	    "$@" stream-sink --checkpoint ck --kafka "$BROKERS" --topic counts \
	    --format csv
}

# check_counts: topic counts against ref.csv (a run to a file, never
# killed): each batch's messages in a row, batches in order; a batch's
# messages are beginnings of it (transactions aborted by a restart) and
# end with it whole. Prints what it found.
check_counts() {
	consume counts | cut -f 3 | awk -F, '
	NR == FNR { n[$1]++; ref[$1, n[$1]] = $0; if (!($1 in seen)) { order[++nb] = $1; seen[$1] = 1 } next }
	{
		t = $1
		if (t != cur) {
			if (cur != "" && p != 0) { print "batch " cur ": not whole at its end"; bad++ }
			if (t in done) { print "batch " t ": again after another"; bad++ }
			done[cur] = 1; cur = t; p = 0; whole[t] = 0
		}
		if (!(t in n)) { print "batch " t ": not in the reference"; bad++; next }
		if ($0 != ref[t, p + 1]) {
			if (p > 0 && $0 == ref[t, 1]) { aborted++; p = 0 }
			else { print "batch " t ": " $0 ": not in its place"; bad++; next }
		}
		if (++p == n[t]) { whole[t]++; p = 0 }
	}
	END {
		if (cur != "" && p != 0) { print "batch " cur ": not whole at its end"; bad++ }
		for (i = 1; i <= nb; i++) {
			if (!(order[i] in whole) || whole[order[i]] == 0) { print "batch " order[i] ": missing"; bad++ }
			else if (whole[order[i]] > 1) again += whole[order[i]] - 1
		}
		printf "%d batches, %d wrong\n", nb, bad + 0
		if (aborted + again > 0)
			printf "(%d beginnings aborted, %d whole again)\n", aborted, again > "/dev/stderr"
	}' ref.csv -
}

# the reference, never killed
dash_reference() {
	stream-split --kafka "$BROKERS" --topic orders --once --event-time 1 \
	    --interval 5s |
	    stream-parse --csv 'time:time,order:int,client:int,symbol,amount:int,price:num,side:B|S' |
	    stream-reduce --by side --count | stream-sink --format csv > ref.csv
}

@test "--kafka --checkpoint: the sink killed at an fsync, a rename and a network send, and again while it recovers: every batch whole in its last transaction, in order" {
	start_cluster orders:2 counts:1
	gen-orders -n 4000 --rate 10 --seed 8 | produce orders
	dash_reference
	[ "$(wc -l < ref.csv)" -gt 100 ]
	for point in fsync:9 rename:5 sendmsg:4; do
		dash kill_at "${point%:*}" "${point#*:}" 2>> kill.err || true
		dash kill_at rename 2 2>> kill.err || true
	done
	dash
	run --separate-stderr check_counts
	assert_output "$(awk -F, '!s[$1]++' ref.csv | wc -l) batches, 0 wrong"
}

@test "--kafka --checkpoint: the whole pipeline killed -9 at random moments, 12 times (KAFKA_KILLS): every batch whole in its last transaction, in order" {
	start_cluster orders:2 counts:1
	gen-orders -n 6000 --rate 10 --seed 9 | produce orders
	dash_reference
	RANDOM=9
	for i in $(seq 1 "${KAFKA_KILLS:-12}"); do
		setsid bash -c "$(declare -f dash); BROKERS='$BROKERS'; dash" \
		    2>> kill.err &
		pid=$!
		sleep "0.$(( RANDOM % 40 + 5 ))"
		kill -9 -- "-$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	dash
	run --separate-stderr check_counts
	assert_output "$(awk -F, '!s[$1]++' ref.csv | wc -l) batches, 0 wrong"
}
