/*
 * kafka_merge: stream-split --kafka --records. The messages of a topic
 * are batches of records, one producer a partition (stream-sink --kafka
 * --format records --partition N: the partial results of a consumer
 * group's tasks, say); the partitions are merged by batch time into one
 * stream of records on standard output, as lib/merge merges files: batch
 * T goes out once every partition has given its #end T, with each
 * partition's records and one #end T (n= the sum). A batch a partition
 * gives again (a producer that restarted, a cluster that shows aborted
 * transactions) is left out: its time is not after the last one the
 * partition gave. The topic is read from its beginning: the merge is
 * made again from what the topic holds, and a checkpointed sink after it
 * publishes only what it has not.
 */
#ifndef SK_KAFKA_MERGE_H
#define SK_KAFKA_MERGE_H

#include <signal.h>

#include "src.h"

struct kafka_merge_opts {
	const struct src_kafka	*k;	/* brokers, the topic, -X */
	int			 once;	/* up to the ends at the start */
	volatile sig_atomic_t	*stop;	/* a signal came */
};

/* Runs the merge until a signal, or with once until every partition is
 * read to its end: the exit status. */
int	kafka_merge_run(const struct kafka_merge_opts *);

#endif
