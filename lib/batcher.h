/*
 * batcher: stream-split's output. Takes the data lines its sources read
 * and writes them as batches of stream-records(5), closed by the batch
 * clock (lib/clock): by the wall clock (processing time), or by each
 * record's own time (--event-time), a line whose time is not one being a
 * bad line, reported with its file and line and counted.
 */
#ifndef SK_BATCHER_H
#define SK_BATCHER_H

#include <stdint.h>

#include "buf.h"
#include "clock.h"
#include "pos.h"
#include "rec.h"
#include "reject.h"
#include "ts.h"

struct batcher {
	struct obuf	 out;
	struct clock	 clock;
	/* options */
	const char	*event_field;	/* NULL: processing time */
	const char	*time_format;
	struct tz	 zone;
	char		 sep;		/* of raw lines */
	/* the input, as its reader (lib/src) said */
	int		 records_in;	/* lines are records, not raw text */
	long		 event_col;	/* -1: not bound yet */
	struct ts_memo	 event_memo;
	/* the output */
	struct schema	 outsc;		/* written last */
	struct pos_mark	 out_mark;	/* the open batch's last #at */
	struct rejects	 rej;		/* bad lines; its max is --max-errors */
	uint64_t	 late_said, bad_said;	/* in #end lines so far */
	uint64_t	 closed;	/* batches closed */
	/* --late-out: the late records, each with its place and why; not
	 * written again for the batches a restart makes again (replaying) */
	struct obuf	*late_out;
	int		 replaying;
	/* before batch T's #end is written (the source log) */
	void		(*on_close)(void *, int64_t t);
	void		*on_close_arg;
};

void	batcher_init(struct batcher *, int64_t interval);
/* --late-out: late records to path, appended to (a restart adds to what
 * was written); dies if it cannot be opened. */
void	batcher_late_out(struct batcher *, const char *path);
/* Writes the header: #stream, #interval, #checkpoint every= (every > 0),
 * the schema if one was written before a restart. */
void	batcher_header(struct batcher *, long every);
/* The input's schema: written if it is not the one written last. */
void	batcher_schema(struct batcher *, const struct schema *);
/* Finds --event-time in the input's schema (or column, for raw lines);
 * dies naming src if it is not there. */
void	batcher_bind(struct batcher *, const struct schema *, const char *src);
/* A data line, line lineno of src (NULL: standard input), id naming the
 * source for #at. */
void	batcher_line(struct batcher *, uint64_t id, const char *src,
	    uint64_t lineno, char *s, size_t n);
/* Closes the open batch: on_close, then its #end; the next batch opens
 * with the records that waited for it. */
void	batcher_close(struct batcher *);
/* The open batch takes the records that waited for it. */
void	batcher_opened(struct batcher *);
/* At the end of the input: closes what is open, writes #eos, reports what
 * was late or bad. With keep (a stop, with a checkpoint), the batches that
 * event time has not closed stay open: their records are in the source's
 * log, and the restart closes them when their time comes. */
void	batcher_finish(struct batcher *, int keep);

#endif
