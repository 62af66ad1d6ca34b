/*
 * group: stream-split --kafka --topic T --group G --task CMD, a member of
 * a Kafka consumer group that reads no message itself. Each partition the
 * group assigns it is a task: CMD, run by sh -c with the partition named
 * in its environment, reads that partition alone (stream-split
 * --kafka-partitions) with the partition's own checkpoint under the
 * member's --checkpoint. A rebalance that takes a partition away kills
 * its task; the member that gets it restores the partition's state from
 * that checkpoint (the state follows the partition, as Kafka Streams'
 * tasks do), and every batch is still published once. The offsets a
 * task's committed batches reached are committed to the group, so that
 * its lag is true. See stream-split(1), GROUPS.
 */
#ifndef SK_GROUP_H
#define SK_GROUP_H

#include <signal.h>

#include "src.h"

struct group_opts {
	const struct src_kafka	*k;	/* brokers, topics, -X */
	const char		*group;
	const char		*task;	/* sh -c */
	const char		*root;	/* --checkpoint, or NULL */
	int			 once;
	volatile sig_atomic_t	*stop;	/* a signal came */
};

/* Runs the member until a signal (or, with --once, until its partitions
 * are done): the exit status (a task's that failed). */
int	group_run(const struct group_opts *);

#endif
