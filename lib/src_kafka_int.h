/*
 * src_kafka_int: the insides of the Kafka source shared by src_kafka.c
 * and kafka_replay.c only. Tools use src.h.
 */
#ifndef SK_SRC_KAFKA_INT_H
#define SK_SRC_KAFKA_INT_H

#include <librdkafka/rdkafka.h>

#include "src.h"

#define BATCH		512	/* messages a call */

/* The partition of a topic this source has a place for, or NULL. */
struct kpart	*kafka_find_part(struct src_kafka *, const char *topic,
		    int32_t partition);
/* The consumer and the reader, once. */
void	kafka_prepare(struct src_kafka *);
/* The lines skip to upto (0: to the end) of a message of partition i;
 * with count, the partition's `given` counts them as they go. */
void	kafka_give(struct src_kafka *, size_t i, const rd_kafka_message_t *,
	    uint64_t skip, uint64_t upto, int count);

/* Makes a logged batch again from its runs (kafka_replay.c). */
void	kafka_replay(struct src_kafka *, const struct krun *, size_t nruns);
/* The replays are over: what they kept is let go. */
void	kafka_replay_end(struct src_kafka *);

#endif
