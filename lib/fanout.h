/*
 * fanout: stream-split --partitions N --by FIELD --out-prefix P. The
 * stream is cut into N streams, P.0 ... P.N-1 (files or FIFOs), so that N
 * copies of a pipeline run side by side: each data line goes to the
 * output its key hashes to (the same key, the same output, always), every
 * control line to all of them, so each output is a whole stream with
 * every batch's #end (n= its own records of the batch, so that the
 * outputs' counts add up to the stream's). Each output gets the #at lines that name its own
 * lines' places in the user's files.
 */
#ifndef SK_FANOUT_H
#define SK_FANOUT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum { FANOUT_OPT_PARTITIONS = 1300, FANOUT_OPT_BY, FANOUT_OPT_PREFIX };
#define FANOUT_LONGOPTS \
	{ "partitions", required_argument, NULL, FANOUT_OPT_PARTITIONS }, \
	{ "by", required_argument, NULL, FANOUT_OPT_BY }, \
	{ "out-prefix", required_argument, NULL, FANOUT_OPT_PREFIX }
#define FANOUT_MAX 1024

struct fanout_opts {
	long		 n;		/* 0: one output, standard output */
	const char	*by, *prefix;
};
/* Takes one of those options; returns 1 if it was one. */
int	fanout_option(struct fanout_opts *, int opt, const char *arg,
	    const char *usage);
/* They go together (a usage error if not). */
void	fanout_check(const struct fanout_opts *, const char *usage);

struct fanout {
	struct obuf	*outs;
	size_t		 n;
	const char	*by;		/* a field name, or a column (1-based)
					 * of raw lines cut at sep */
	long		 column;	/* by, as a column; 0: a name */
	char		 sep;
	long		 field;		/* by's place in #fields; -1: unknown */
	struct obuf	 part;		/* a line a flush cut short */
	/* where the next data line comes from (the last #at) */
	char		*at_file;
	uint64_t	 at_line;
	/* per output: where its next line is taken to come from */
	char		**next_file;
	uint64_t	*next_line;
	uint64_t	*count;		/* per output: records since #end */
};

/* Opens P.0 ... P.n-1 for writing (dies naming one it cannot open). */
void	fanout_open(struct fanout *, const char *prefix, size_t n,
	    const char *by, char sep);
/* An obuf sink (ob_init_sink): takes the stream's bytes as they come. */
void	fanout_sink(void *, const void *, size_t);
/* Writes what is buffered and closes the outputs (dies on an error). */
void	fanout_close(struct fanout *);

#endif
