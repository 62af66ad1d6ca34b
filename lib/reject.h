/*
 * reject: a bad input line. It is reported on standard error with the
 * user's file and line and the reason ("orders.csv:7: price \"x\" is not
 * a number: <the line>"), written to a --reject file if there is one,
 * counted, and the stream goes on; at the --max-errors'th the tool stops
 * with exit 1 and its output flushed, with no #end and no #eos after what
 * it wrote, so nothing downstream publishes a half batch.
 */
#ifndef SK_REJECT_H
#define SK_REJECT_H

#include <stdint.h>
#include <stdio.h>

#include "buf.h"

struct rejects {
	uint64_t	 n;		/* lines rejected */
	long long	 max;		/* --max-errors: stop at this many; 0 never */
	struct obuf	*out;		/* flushed, with the obufs it links, first */
	FILE		*file;		/* --reject: the lines themselves, or NULL */
	const char	*path;		/* its name */
};

/* Reports line `line` of src (NULL: standard input) as bad, why, with its
 * text raw (none if rawlen is 0); writes it to the --reject file; counts
 * it. */
void	reject_line(struct rejects *, const char *src, uint64_t line,
	    const char *raw, size_t rawlen, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* Counts a bad line reported already; stops at the --max-errors'th. */
void	reject_count(struct rejects *);

#endif
