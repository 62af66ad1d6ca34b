/* kafka_merge: a topic of record batches merged by batch time; see
 * kafka_merge.h. A thread reads the partitions and writes each one's
 * batches, as one stream of records, into a pipe of its own; lib/union
 * reads the pipes and merges them, as it merges files. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "kafka.h"
#include "kafka_merge.h"
#include "retry.h"
#include "stream.h"
#include "ts.h"
#include "union.h"
#include "util.h"

#define META_MS		1000	/* a metadata or offsets request */
#define BATCH		512	/* messages a call */

struct kpipe {
	int32_t		 partition;
	int		 fd;		/* the pipe's end written */
	int64_t		 last;		/* the last batch time given */
	int64_t		 end;		/* --once: where it stops; -1: never */
	int64_t		 next;		/* the next offset */
	int		 started;	/* its first batch (with the header) given */
	int		 rfd;		/* the end the union reads */
	char		*name;		/* "topic [N]" */
};

struct merge {
	const struct kafka_merge_opts *o;
	const char	*topic;
	rd_kafka_t	*rk;
	rd_kafka_queue_t *q;
	struct kpipe	*p;
	size_t		 n;
	int		 down;
	struct retry	 retry;
	struct obuf	 out;
	int		 header_done;
};

static struct sunion u;

static void
on_error(rd_kafka_t *rk, int e, const char *reason, void *arg)
{
	struct merge *m = arg;

	if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		m->down = 1;
	else if (rd_kafka_fatal_error(rk, NULL, 0) != 0)
		errx(SK_EXIT_DATA, "%s: %s", m->o->k->brokers, reason);
}

static void
new_consumer(struct merge *m)
{
	m->rk = kafka_reader(&m->o->k->x, m->o->k->brokers, m, on_error);
	m->q = rd_kafka_queue_get_consumer(m->rk);
}

/* The topic's partitions, their pipes and, with --once, their ends: 1,
 * or 0 if the cluster did not answer (said; tried again). An unknown
 * topic is exit 1. */
static int
learn(struct merge *m)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(m->rk, m->topic, NULL);
	int64_t lo = 0, hi = 0;
	int e, i, fd[2];

	e = rd_kafka_metadata(m->rk, 0, rkt, &md, META_MS);
	rd_kafka_topic_destroy(rkt);
	if (e != 0) {
		retry_failed(&m->retry, m->o->k->brokers, rd_kafka_err2str(e),
		    ts_now());
		return 0;
	}
	if (md->topic_cnt != 1 || md->topics[0].err != 0 ||
	    md->topics[0].partition_cnt == 0)
		errx(SK_EXIT_DATA, "%s: %s: %s", m->o->k->brokers, m->topic,
		    md->topic_cnt == 1 && md->topics[0].err != 0 ?
		    rd_kafka_err2str(md->topics[0].err) : "no partitions");
	m->n = (size_t)md->topics[0].partition_cnt;
	m->p = ecalloc(m->n, sizeof(*m->p));
	for (i = 0; i < (int)m->n; i++) {
		struct kpipe *p = &m->p[i];
		int32_t id = md->topics[0].partitions[i].id;

		*p = (struct kpipe){ id, -1, INT64_MIN, -1, 0, 0, -1, NULL };
		if (m->o->once) {
			while ((e = rd_kafka_query_watermark_offsets(m->rk,
			    m->topic, id, &lo, &hi, META_MS)) != 0 &&
			    !*m->o->stop)
				retry_failed(&m->retry, m->o->k->brokers,
				    rd_kafka_err2str(e), ts_now());
			p->end = hi;
		}
		if (pipe2(fd, O_CLOEXEC) < 0)
			err(SK_EXIT_DATA, "pipe");
		p->fd = fd[1];
		p->rfd = fd[0];
		if (asprintf(&p->name, "%s [%" PRId32 "]", m->topic, id) < 0)
			err(SK_EXIT_DATA, "asprintf");
	}
	rd_kafka_metadata_destroy(md);
	if (m->retry.down)
		retry_ok(&m->retry, m->o->k->brokers);
	return 1;
}

static void
write_all(struct merge *m, struct kpipe *p, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(p->fd, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			err(SK_EXIT_DATA, "%s: %s", m->o->k->brokers, p->name);
		}
		s += w;
		n -= (size_t)w;
	}
}

/* Whether line s (n bytes) is one of a stream's header lines. */
static int
header_line(const char *s, size_t n)
{
	static const char *const h[] = { "#stream", "#fields", "#types",
	    "#interval", "#checkpoint" };
	size_t i, k;

	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		k = strlen(h[i]);
		if (n >= k && memcmp(s, h[i], k) == 0 && (n == k ||
		    s[k] == '\t'))
			return 1;
	}
	return 0;
}

/* The time of the message's #end line, its last: 1, or 0 if it has
 * none (not a batch of records). */
static int
end_time(const char *s, size_t n, int64_t *t)
{
	const char *e = s + n, *l;
	char *after;
	long long v;

	while (e > s && e[-1] == '\n')
		e--;
	for (l = e; l > s && l[-1] != '\n'; l--)
		;
	if (e - l < 6 || memcmp(l, "#end\t", 5) != 0)
		return 0;
	errno = 0;
	v = strtoll(l + 5, &after, 10);
	if (errno != 0 || after == l + 5 || (after < e && *after != '\t'))
		return 0;
	*t = v;
	return 1;
}

/* A message of partition p: its batch into p's pipe, the header only
 * the first time; a batch not after the last one given is left out. */
static void
take(struct merge *m, struct kpipe *p, const rd_kafka_message_t *msg)
{
	const char *s = msg->payload, *e, *nl;
	int64_t t;

	p->next = msg->offset + 1;
	if (s == NULL || !end_time(s, msg->len, &t)) {
		warnx("%s: %s offset %" PRId64 ": not a batch of records (no "
		    "#end line): left out", m->o->k->brokers, p->name,
		    msg->offset);
		return;
	}
	if (t <= p->last)
		return;		/* given before */
	e = s + msg->len;
	if (p->started)		/* the header once */
		for (; s < e; s = nl + 1) {
			nl = memchr(s, '\n', (size_t)(e - s));
			if (nl == NULL || !header_line(s, (size_t)(nl - s)))
				break;
		}
	if (!p->started && (msg->len < 7 || memcmp(s, "#stream", 7) != 0))
		write_all(m, p, "#stream\n", 8);
	p->started = 1;
	write_all(m, p, s, (size_t)(e - s));
	if (e > s && e[-1] != '\n')
		write_all(m, p, "\n", 1);
	p->last = t;
}

static struct kpipe *
find(struct merge *m, int32_t partition)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->p[i].partition == partition)
			return &m->p[i];
	return NULL;
}

/* --once: whether every partition is read up to its end. A topic
 * written in transactions ends in a marker, which is not a message: once
 * the queue is drained, where the consumer stands (its position, past the
 * markers) says it too. */
static int
all_read(struct merge *m, int drained)
{
	rd_kafka_topic_partition_list_t *l;
	size_t i;
	int done = 1;

	for (i = 0; i < m->n && done; i++)
		done = m->p[i].next >= m->p[i].end;
	if (done || !drained)
		return done;
	l = rd_kafka_topic_partition_list_new((int)m->n);
	for (i = 0; i < m->n; i++)
		rd_kafka_topic_partition_list_add(l, m->topic,
		    m->p[i].partition);
	if (rd_kafka_position(m->rk, l) == 0)
		for (i = 0; i < m->n; i++)
			if (l->elems[i].offset > m->p[i].next)
				m->p[i].next = l->elems[i].offset;
	rd_kafka_topic_partition_list_destroy(l);
	for (i = 0; i < m->n; i++)
		if (m->p[i].next < m->p[i].end)
			return 0;
	return 1;
}

/* The reading thread: the partitions into the pipes until a signal or,
 * with --once, their ends; then the pipes are closed (after an #eos each
 * if every partition was read to its end). */
static void *
reading(void *arg)
{
	struct merge *m = arg;
	rd_kafka_message_t *msgs[BATCH];
	ssize_t got = 1, i;
	size_t k;
	int drained = 0;	/* the last call found the queue empty */

	while (!*m->o->stop && !(m->o->once && all_read(m, drained))) {
		/* no batch may come for long: the reader's end is watched */
		ob_check_reader(&m->out);
		got = rd_kafka_consume_batch_queue(m->q, 0, msgs, BATCH);
		drained = got == 0;
		if (drained && (msgs[0] = rd_kafka_consume_queue(m->q,
		    100)) != NULL)
			got = 1;
		rd_kafka_poll(m->rk, 0);
		if (m->down && !m->retry.down)
			retry_failed(&m->retry, m->o->k->brokers,
			    "all brokers are down", ts_now());
		for (i = 0; i < got; i++) {
			struct kpipe *p = find(m, msgs[i]->partition);

			if (msgs[i]->err == 0 && p != NULL &&
			    (p->end < 0 || msgs[i]->offset < p->end)) {
				if (m->retry.down)
					retry_ok(&m->retry, m->o->k->brokers);
				m->down = 0;
				take(m, p, msgs[i]);
			} else if (msgs[i]->err != 0)
				warnx("%s: %s", m->o->k->brokers,
				    rd_kafka_message_errstr(msgs[i]));
			rd_kafka_message_destroy(msgs[i]);
		}
	}
	for (k = 0; k < m->n; k++) {
		if (!*m->o->stop) {
			if (!m->p[k].started)
				write_all(m, &m->p[k], "#stream\n", 8);
			write_all(m, &m->p[k], "#eos\n", 5);
		}
		(void)close(m->p[k].fd);
	}
	return NULL;
}

static void
publish(void *arg, int64_t t, struct batch **parts)
{
	struct merge *m = arg;

	if (!m->header_done)
		union_put_header(&u, &m->out);
	m->header_done = 1;
	union_put_batch(&u, &m->out, t, parts);
	ob_flush(&m->out);
}

int
kafka_merge_run(const struct kafka_merge_opts *o)
{
	static struct merge m;	/* the thread's, to the exit */
	rd_kafka_topic_partition_list_t *l;
	const char **names;
	pthread_t th;
	size_t i;
	int *fds, e;

	m.o = o;
	m.topic = o->k->topics[0];
	new_consumer(&m);
	while (!*o->stop && !learn(&m)) {
		int timeout = -1;

		if (retry_wait(&m.retry, ts_now(), &timeout) && timeout > 0)
			(void)usleep((useconds_t)timeout * 1000);
	}
	if (*o->stop)
		return SK_EXIT_OK;
	rd_kafka_poll(m.rk, 0);		/* what the outage said is past */
	m.down = 0;
	l = rd_kafka_topic_partition_list_new((int)m.n);
	for (i = 0; i < m.n; i++)
		rd_kafka_topic_partition_list_add(l, m.topic,
		    m.p[i].partition)->offset = RD_KAFKA_OFFSET_BEGINNING;
	if ((e = rd_kafka_assign(m.rk, l)) != 0)
		errx(SK_EXIT_DATA, "%s: %s", o->k->brokers,
		    rd_kafka_err2str(e));
	rd_kafka_topic_partition_list_destroy(l);
	fds = ecalloc(m.n, sizeof(*fds));
	names = ecalloc(m.n, sizeof(*names));
	for (i = 0; i < m.n; i++) {
		fds[i] = m.p[i].rfd;
		names[i] = m.p[i].name;
	}
	u.records = 1;
	u.merging = 1;
	u.publish = publish;
	u.arg = &m;
	union_open_fds(&u, m.n, fds, (const char *const *)names);
	ob_init(&m.out, STDOUT_FILENO, "stdout");
	stream_put_header(&m.out, NULL);
	ob_flush(&m.out);
	if ((errno = pthread_create(&th, NULL, reading, &m)) != 0)
		err(SK_EXIT_DATA, "pthread_create");
	(void)pthread_detach(th);
	/* to the end of every pipe (--once: #eos after the ends) or of one
	 * (a signal: what every partition completed is out) */
	union_run(&u);
	if (!m.header_done)
		union_put_header(&u, &m.out);
	ob_puts(&m.out, "#eos\n");
	ob_close(&m.out);
	free(fds);
	free(names);
	return SK_EXIT_OK;
}
