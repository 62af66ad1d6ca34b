/*
 * clock: the batch clock (stream-split(1), stream-records(5)). Batch T holds
 * the records of [T - I, T), I the interval. By processing time the wall
 * clock closes a batch every I. By event time a record of time t goes to
 * batch batch_of(t); the watermark is the newest time seen less --watermark,
 * and batch T is complete once the watermark has passed T. A record of a
 * batch already closed is late; one more than --max-ahead after the open
 * batch is refused; one of a later batch waits in that batch's pending
 * buffer until the batch opens. The clock starts only once two of the first
 * records agree (lie within --max-ahead of each other): the records before
 * that wait among the early ones.
 */
#ifndef SK_CLOCK_H
#define SK_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pos.h"

#define CLOCK_NONE INT64_MIN	/* no batch open: the clock has not started */
#define CLOCK_EARLY_MAX 64	/* records that never agree: the first wins */
#define CLOCK_MAX_AHEAD_BATCHES 1000000	/* empty batches one record may open */

struct pending {			/* a later batch's records so far */
	int64_t		 t;
	uint64_t	 n;
	struct obuf	 buf;
	struct pos_mark	 mark;		/* its last record's #at */
};

struct early {				/* a record before the clock started */
	char		*line, *src;
	size_t		 n, fo, fn;	/* the line; its time field */
	uint64_t	 lineno, id;
	int64_t		 t;
};

struct clock {
	int64_t		 interval, watermark, max_ahead;	/* ms */
	int		 late_next;	/* --late next: late records go on */
	int64_t		 open_t;	/* the batch being written */
	uint64_t	 open_n;	/* its records */
	int64_t		 max_event;	/* the newest event time placed */
	uint64_t	 late;
	struct pending	*pend;		/* by time, ascending */
	size_t		 npend, cappend;
	struct early	 early[CLOCK_EARLY_MAX];
	size_t		 nearly;
	/* lanes (Kafka's partitions, read side by side): the watermark
	 * follows the slowest lane that has something left to give */
	int64_t		*lane_max;	/* each lane's newest event time */
	unsigned char	*lane_idle;	/* it has given all it has */
	size_t		 nlanes, lane;	/* lane: the records' now */
};

void	clock_init(struct clock *, int64_t interval);
void	clock_free(struct clock *);

/* a / b rounded towards minus infinity (b > 0). */
int64_t	floor_div(int64_t a, int64_t b);
/* The batch holding time t: (floor(t / I) + 1) * I. */
int64_t	clock_batch_of(const struct clock *, int64_t t);

/* Processing time: opens the batch of now unless one is open and either
 * keep_open is set (--once) or it is not behind now. */
void	clock_tick_start(struct clock *, int64_t now, int keep_open);

/* Where an event-time record of time t goes. */
enum clock_place {
	CLOCK_OPEN,		/* the open batch */
	CLOCK_LATER,		/* a later batch: *bt, pending */
	CLOCK_LATE,		/* a closed batch: dropped (counted) */
	CLOCK_AHEAD		/* more than --max-ahead after the open batch */
};
/* Places a record (the clock has started): late ones are counted, and
 * --late next puts them in the open batch; a placed one moves the
 * watermark. */
enum clock_place clock_place(struct clock *, int64_t t, int64_t *bt);
/* There are n lanes (0: none, the records are one stream); lane's newest
 * event time is max (INT64_MIN: none yet), and whether it is idle. The
 * newest time the watermark counts from is the oldest of the lanes' that
 * are not idle (all of them when all are), and never goes back. */
void	clock_lanes(struct clock *, size_t n);
void	clock_lane_set(struct clock *, size_t lane, int64_t max, int idle);
/* Whether the watermark has passed the open batch: it is complete. */
int	clock_due(const struct clock *);
/* Closes the open batch: the next one is open, empty. */
void	clock_close(struct clock *);
/* The records that waited for the open batch (they count in open_n now):
 * the caller writes p->buf, then calls pending_done; or NULL. */
struct pending *clock_opened(struct clock *);
void	pending_done(struct clock *);
/* The pending batch t, made if there is none. */
struct pending *clock_pending(struct clock *, int64_t t);
/* Event time at the end: the last batch to close (that of the newest
 * record or of the last pending one), or CLOCK_NONE. */
int64_t	clock_last(const struct clock *);

/*
 * Before the clock starts. clock_agree says whether a record of time t
 * starts it: 1, with *start the first waiting record it starts at (those
 * before it agree with no other: outliers), or 0: the record waits
 * (clock_wait). clock_go starts it at early[start]; the caller then takes
 * the early records in order and calls clock_early_done.
 */
int	clock_agree(const struct clock *, int64_t t, size_t *start);
void	clock_wait(struct clock *, const char *line, size_t n, size_t fo,
	    size_t fn, const char *src, uint64_t lineno, uint64_t id, int64_t t);
void	clock_go(struct clock *, size_t start);
void	clock_early_done(struct clock *);

/* Whether a resumed clock is one this interval and --max-ahead could have
 * made: NULL, or why not. */
const char *clock_fits(const struct clock *);

#endif
