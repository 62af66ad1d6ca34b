#!/usr/bin/env bats
# The replay of a Kafka source's logged batches when it cannot keep what
# it reads ahead, a longer suite (make check-long): a partition assigned
# again for nearly every batch. tests/kafka.bats has the replay that keeps
# it.

load ../helper
load ../replay

@test "--kafka --event-time with --checkpoint: what a restart reads ahead of its logged batches beyond the consumer's queue (-X queued.min.messages) is let go and read again: every line once, in its batch" {
	start_cluster o:2
	grown_restart -X queued.min.messages=1
	run grep -c 'new assignment' two.err
	# the logged batches (43) nearly all assigned again, then the reading
	assert [ "$output" -ge 20 ]
}
