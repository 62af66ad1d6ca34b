/*
 * join_within: stream-join --within, a stream-stream join across batches
 * (Structured Streaming's time-bounded join). A record joins the other
 * side's records of the same key whose event time is at most DUR from its
 * own, whichever batch they came in. Each side's records are kept while
 * one of the other side could still match them: after batch T every
 * record still to come has a time at or after the watermark T - delay
 * (an older one is late: left out and counted), so a record of time t
 * goes once t + DUR < watermark; an outer join then writes it alone if
 * nothing matched it. Memory follows the records of the last DUR.
 */
#ifndef SK_JOIN_WITHIN_H
#define SK_JOIN_WITHIN_H

#include "join.h"

struct wrec;
struct wblock;

struct jwithin {
	int64_t		 dur, delay;	/* --within, --watermark */
	int64_t		 wm;		/* the watermark, or INT64_MIN */
	uint64_t	 seq;		/* records taken so far */
	struct wrec	*rec;		/* the records kept */
	size_t		 cap, live;
	uint32_t	 free;		/* a free slot of rec, or JOIN_NONE */
	uint32_t	*heap;		/* rec by (t, seq): the next to go */
	size_t		 nheap;
	struct ht	 keys;		/* each key's records: struct jkey */
	int		 pending;	/* restored, not indexed yet */
	struct slice	*f;		/* a kept record's fields */
	size_t		 fcap;
	uint64_t	 late;		/* in this batch */
};

void	jw_init(struct jwithin *, int64_t dur, int64_t delay);
void	jw_free(struct jwithin *);
/* Batch bt of the two sides (j->rows, their times parsed): writes the
 * pairs it makes, then the outer rows of the records that can no longer
 * match, and keeps the rest. INT64_MIN: the one batch of plain files,
 * after which nothing is kept. */
void	jw_batch(struct jwithin *, struct join *, struct obuf *, int64_t bt);
/* The state as checkpoint bytes, and back (NULL or why they do not fit);
 * restored records are indexed at the next batch, once j knows the
 * inputs' fields. */
void	jw_save(const struct jwithin *, struct obuf *);
const char *jw_load(struct jwithin *, const void *, size_t);

#endif
