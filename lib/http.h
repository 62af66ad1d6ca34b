/*
 * http: stream-sink --http [ADDR:]PORT, the page Spark users look at
 * (ch. 6 §6.3.1): the four figures of every batch as timelines over the
 * last HTTP_KEEP batches and the last batch's values, updated live by the
 * page polling /batches (JSON), and /metrics in Prometheus' text format.
 * One small page, shipped in the tool; nothing fetched from elsewhere.
 * libmicrohttpd serves it from its own thread; the sink hands it each
 * batch's figures under a lock.
 */
#ifndef SK_HTTP_H
#define SK_HTTP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_KEEP 300		/* batches on the timelines */

struct http_point {
	int64_t		 t, n, rate10, sched, proc, total;	/* -1: none */
};

struct http {
	struct MHD_Daemon	*d;
	pthread_mutex_t		 mu;
	struct http_point	 ring[HTTP_KEEP];
	size_t			 head, len;
	uint64_t		 batches;
	char			*values, *prom;	/* the last batch's */
	size_t			 vlen, plen;
};

/* Serves on [addr:]port (addr 127.0.0.1 if not given; port 0: any); dies
 * with a message if it cannot. Returns the port. */
int	http_start(struct http *, const char *addrport);
/* Usage check of [addr:]port: NULL, or what is wrong. */
const char *http_check(const char *addrport);
/* A batch published: its figures, its lines (values) and the metrics in
 * Prometheus' text format (prom). */
void	http_batch(struct http *, const struct http_point *,
	    const char *values, size_t vlen, const char *prom, size_t plen);
void	http_stop(struct http *);

#endif
