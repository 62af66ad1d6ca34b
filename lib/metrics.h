/*
 * metrics: stream-sink's figures of every batch it publishes, the four
 * Spark's web UI shows (input rate, scheduling delay, processing time,
 * total delay) and the late and bad records the tools before it counted
 * (#end late= and bad=, stream-records(5)):
 *	--metrics FILE		a record stream, one record and #end a batch,
 *				so the same tools can aggregate it
 *	--metrics-prom FILE	the Prometheus text format, replaced atomically
 *				each batch (node_exporter's textfile collector)
 *	--http [ADDR:]PORT	a web page of the four timelines (lib/http)
 *	a status line on stderr, updated in place, when it is a terminal
 * Times: a batch T closed by the source at made= (processing time) and
 * published at P: scheduling delay made - T, processing time P - made,
 * total delay P - T; batches of event time have no made=, nor delays.
 */
#ifndef SK_METRICS_H
#define SK_METRICS_H

#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "union.h"

struct metrics {
	struct obuf	 out;		/* --metrics */
	int		 on;
	int		 header;	/* its #interval written */
	const char	*prom;		/* --metrics-prom, or NULL */
	char		*prom_tmp;
	int		 status;	/* a status line on stderr */
	uint64_t	 batches, records, late, bad;
	struct http	*http;		/* --http, or NULL */
};

/* path: --metrics (NULL: none; "-": standard output); prom: --metrics-prom
 * (NULL: none); status: whether to keep a status line on stderr. Dies
 * naming a file it cannot create. */
void	metrics_open(struct metrics *, const char *path, const char *prom,
	    int status);
/* Batch t of the union u, its parts, published at now (ms). */
void	metrics_batch(struct metrics *, const struct sunion *u, int64_t t,
	    struct batch **parts, int64_t now);
void	metrics_close(struct metrics *);

#endif
