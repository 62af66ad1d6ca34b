/*
 * rate: --max-rate, at most N records a second (Spark's
 * spark.streaming.receiver.maxRate). Records are paced: the k-th since the
 * pace began may enter at k/N s, so a span of time holds about N a second
 * of it (stream-split also holds a batch of interval I to N x I exactly),
 * whether the records come from a backlog, a file read at once or a
 * restart. A source that falls behind by more than 20 ms (it had
 * nothing, or is slower than N) starts the pace afresh: no burst is saved
 * up beyond that.
 */
#ifndef SK_RATE_H
#define SK_RATE_H

#include <stdint.h>

struct rate {
	uint64_t	 n;		/* records a second; 0: no limit */
	int64_t		 t0;		/* ns: the pace began */
	uint64_t	 taken;		/* records since t0 */
};

/* The clock the pace keeps, in ns (CLOCK_MONOTONIC). */
int64_t	rate_now(void);
/* How long (ns) the next record must wait at now; 0: it may enter, and
 * is counted. */
int64_t	rate_wait(struct rate *, int64_t now);

#endif
