# The consumer-group tests' task and member, loaded by tests/group.bats
# and tests/long/group.bats.

# A partition's task: its messages in batches appended to out.N exactly
# once (a checkpoint a partition), at most RATE messages a second; a
# SIGTERM stops it cleanly.
write_task() {
	cat > task.sh <<'TASK'
#!/usr/bin/env bash
set -eu
p=$STREAM_PARTITION
rm -f "fifo.$p.$$"; mkfifo "fifo.$p.$$"
stream-sink --checkpoint "$STREAM_CHECKPOINT" --append "out.$p" \
    < "fifo.$p.$$" &
sink=$!
stream-split --kafka "$BROKERS" --topic orders --kafka-partitions "$p" \
    ${STREAM_END_OFFSETS:+--once --end-offsets "$STREAM_END_OFFSETS"} \
    --max-rate-per-partition "${RATE:-1000000}" \
    --checkpoint "$STREAM_CHECKPOINT" > "fifo.$p.$$" &
split=$!
trap 'kill -TERM $split' TERM INT
wait $split || wait $split
wait $sink
rm -f "fifo.$p.$$"
TASK
	chmod +x task.sh
}

# member N [OPTION...]: a member of group g in a process group of its own,
# with its tasks (a machine: kill -9 of the group is its loss). Sets MN.
member() {
	local n=$1
	shift
	set -m
	stream-split --kafka "$BROKERS" --topic orders --group g \
	    --checkpoint ck -X session.timeout.ms=6000 \
	    -X heartbeat.interval.ms=500 --task "exec ./task.sh" "$@" \
	    2> "m$n.err" &
	eval "M$n=$!"
	set +m
	BG_PIDS="${BG_PIDS:-} -$!"
}

# dash_member N [WHERE...]: a member of group g running the dashboard's
# partition tasks, in a process group of its own (a machine), its partial
# results to WHERE (default --partials parts). Sets MN.
dash_member() {
	local n=$1
	shift
	[ $# -gt 0 ] || set -- --partials parts
	set -m
	order-dashboard --kafka "$BROKERS" --topic orders --group g \
	    --checkpoint ck "$@" --once --event-time \
	    --max-rate-per-partition 1000 -X session.timeout.ms=6000 \
	    -X heartbeat.interval.ms=500 -X max.poll.interval.ms=10000 \
	    2> "d$n.err" &
	eval "M$n=$!"
	set +m
	BG_PIDS="${BG_PIDS:-} -$!"
}

# start_merger: order-dashboard --merge-topic p, the dashboard merged from
# the partial results in Kafka into merged/, in the background (its own
# process group: a failed test kills it whole). Sets MERGER.
start_merger() {
	set -m
	order-dashboard --kafka "$BROKERS" --merge-topic p --event-time \
	    --out merged/o 2> merge.err &
	MERGER=$!
	set +m
	BG_PIDS="${BG_PIDS:-} -$MERGER"
}

# merged_equal N: once the merger has published N batches, it is stopped;
# they must be file/'s (the one-pipeline dashboard), and it said nothing.
merged_equal() {
	waitfor 30 sh -c "[ \"\$(ls merged | wc -l)\" -eq $1 ]"
	stop "$MERGER"
	run diff -r file merged
	assert_success
	run cat merge.err
	assert_output ''
}
