/*
 * kafka_replay: the logged batches of the Kafka source made again after
 * a restart, from the runs of offsets each batch took (src_kafka.c logs
 * them, in the order they were read, so a partition's runs in one batch
 * start at or after its last message in the batch before). The
 * partitions are assigned once, at the first offset needed, and read on
 * from batch to batch; what is read beyond a batch waits in a stash for
 * the next, and a partition's last message of a batch stays there too (a
 * batch can close inside a message). A batch that needs a partition not
 * assigned, or dropped from the stash, assigns again: the consumer then
 * fetches from that offset, which on a cluster costs a round trip and
 * often fetch.wait.max.ms, so this happens about once per restart
 * rather than once per batch.
 */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>

#include "retry.h"
#include "src_kafka_int.h"
#include "util.h"

/* The stash at most, as the consumer's own queue (-X queued.min.messages
 * and queued.max.messages.kbytes): beyond it, a message the batch does
 * not take is let go, and its partition assigned again when a batch
 * takes from it (a topic that grew after the crash, read ahead). */
static void
stash_limits(struct src_kafka *k)
{
	const rd_kafka_conf_t *c = rd_kafka_conf(k->rk);
	char v[32];
	size_t n = sizeof(v);

	k->stash_max = 100000;
	k->stash_max_bytes = (size_t)65536 << 10;
	if (rd_kafka_conf_get(c, "queued.min.messages", v, &n) ==
	    RD_KAFKA_CONF_OK)
		k->stash_max = strtoul(v, NULL, 10);
	n = sizeof(v);
	if (rd_kafka_conf_get(c, "queued.max.messages.kbytes", v, &n) ==
	    RD_KAFKA_CONF_OK)
		k->stash_max_bytes = strtoul(v, NULL, 10) << 10;
}

/* Where a message of the batch goes: the slot of its offset in the range
 * of its partition's run, or NULL. */
static rd_kafka_message_t **
slot(struct src_kafka *k, const struct krun *runs, size_t nruns,
    rd_kafka_message_t **kept, const size_t *first,
    const rd_kafka_message_t *m)
{
	struct kpart *p = kafka_find_part(k, rd_kafka_topic_name(m->rkt),
	    m->partition);
	size_t i;

	for (i = 0; p != NULL && i < nruns; i++)
		if (&k->parts[runs[i].part] == p && m->offset >= runs[i].start &&
		    m->offset < runs[i].start + (int64_t)runs[i].n)
			return &kept[first[i] + (size_t)(m->offset -
			    runs[i].start)];
	return NULL;
}

static void
stash_drop_all(struct src_kafka *k)
{
	size_t i;

	for (i = 0; i < k->nstash; i++)
		rd_kafka_message_destroy(k->stash[i]);
	k->nstash = 0;
	k->stash_bytes = 0;
	for (i = 0; i < k->nparts; i++)
		k->parts[i].kept_from = -1;
}

static void
stash_add(struct src_kafka *k, rd_kafka_message_t *m)
{
	if (k->nstash == k->cstash) {
		k->cstash = k->cstash ? k->cstash * 2 : 1024;
		k->stash = ereallocarray(k->stash, k->cstash,
		    sizeof(*k->stash));
	}
	k->stash[k->nstash++] = m;
	k->stash_bytes += m->len;
}

/* Takes stash entry i out (the last one takes its place). */
static rd_kafka_message_t *
stash_take(struct src_kafka *k, size_t i)
{
	rd_kafka_message_t *m = k->stash[i];

	k->stash[i] = k->stash[--k->nstash];
	k->stash_bytes -= m->len;
	return m;
}

/* The first and the last offset the runs need of each partition, in
 * from and to (by the partitions' index; -1: none). */
static void
needs(const struct src_kafka *k, const struct krun *runs, size_t nruns,
    int64_t *from, int64_t *to)
{
	size_t i, p;

	for (i = 0; i < k->nparts; i++)
		from[i] = to[i] = -1;
	for (i = 0; i < nruns; i++) {
		p = runs[i].part;
		if (from[p] < 0 || runs[i].start < from[p])
			from[p] = runs[i].start;
		if (runs[i].start + (int64_t)runs[i].n - 1 > to[p])
			to[p] = runs[i].start + (int64_t)runs[i].n - 1;
	}
}

/* The partitions assigned so that the batch's messages are in the stash
 * or still to come: as they are if they can, else again from the first
 * offset of each. */
static void
assign(struct src_kafka *k, const int64_t *from)
{
	rd_kafka_topic_partition_list_t *l;
	size_t i;
	int e;

	for (i = 0; i < k->nparts; i++)
		if (from[i] >= 0 && (k->parts[i].kept_from < 0 ||
		    from[i] < k->parts[i].kept_from))
			break;
	if (i == k->nparts)
		return;
	stash_drop_all(k);
	l = rd_kafka_topic_partition_list_new((int)k->nparts);
	for (i = 0; i < k->nparts; i++)
		if (from[i] >= 0) {
			rd_kafka_topic_partition_list_add(l, k->parts[i].topic,
			    k->parts[i].partition)->offset = from[i];
			k->parts[i].kept_from = from[i];
		}
	if ((e = rd_kafka_assign(k->rk, l)) != 0)
		errx(SK_EXIT_DATA, "%s: %s", k->brokers, rd_kafka_err2str(e));
	rd_kafka_topic_partition_list_destroy(l);
}

/* A message read: into its slot if the batch takes it, else into the
 * stash if a later batch may; when the stash is full, its partition
 * stops being kept. */
static void
sort_in(struct src_kafka *k, const struct krun *runs, size_t nruns,
    rd_kafka_message_t **kept, const size_t *first, rd_kafka_message_t *m,
    size_t *have)
{
	rd_kafka_message_t **at = slot(k, runs, nruns, kept, first, m);
	struct kpart *p;

	if (at != NULL && *at == NULL) {
		*at = m;
		(*have)++;
		return;
	}
	p = kafka_find_part(k, rd_kafka_topic_name(m->rkt), m->partition);
	if (at != NULL || p == NULL || p->kept_from < 0 ||
	    m->offset < p->kept_from) {
		rd_kafka_message_destroy(m);
		return;
	}
	if (k->nstash >= k->stash_max ||
	    k->stash_bytes + m->len > k->stash_max_bytes) {
		p->kept_from = -1;
		rd_kafka_message_destroy(m);
		return;
	}
	stash_add(k, m);
}

/* What the stash holds of the batch, into its slots. */
static void
from_stash(struct src_kafka *k, const struct krun *runs, size_t nruns,
    rd_kafka_message_t **kept, const size_t *first, size_t *have)
{
	size_t i = 0;

	while (i < k->nstash) {
		rd_kafka_message_t **at = slot(k, runs, nruns, kept, first,
		    k->stash[i]);

		if (at != NULL && *at == NULL) {
			*at = stash_take(k, i);
			(*have)++;
		} else
			i++;
	}
}

/* After the batch: what is before its last message of a partition it
 * took from is let go, and what the stash let go of a partition; the
 * rest is kept for the next batch. */
static void
trim(struct src_kafka *k, const int64_t *to)
{
	size_t i = 0;

	while (i < k->nstash) {
		const rd_kafka_message_t *m = k->stash[i];
		struct kpart *p = kafka_find_part(k,
		    rd_kafka_topic_name(m->rkt), m->partition);

		if (p != NULL && p->kept_from >= 0 &&
		    m->offset >= to[p - k->parts])
			i++;
		else
			rd_kafka_message_destroy(stash_take(k, i));
	}
	for (i = 0; i < k->nparts; i++)
		if (to[i] >= 0 && k->parts[i].kept_from >= 0)
			k->parts[i].kept_from = to[i];
}

/*
 * Makes a logged batch again from its runs: its messages are taken from
 * the stash and read from the partitions until every one is there, then
 * given in the order of the runs. A message that is no longer in the
 * topic (retention, compaction) ends the tool.
 */
void
kafka_replay(struct src_kafka *k, const struct krun *runs, size_t nruns)
{
	rd_kafka_message_t **kept, *msgs[BATCH];
	size_t i, m, need = 0, have = 0, *first;
	int64_t *from, *to;
	ssize_t got, j;

	kafka_prepare(k);
	if (k->stash_max == 0)
		stash_limits(k);
	first = ereallocarray(NULL, nruns, sizeof(*first));
	for (i = 0; i < nruns; i++) {
		first[i] = need;
		need += runs[i].n;
	}
	kept = ecalloc(need, sizeof(*kept));
	from = ereallocarray(NULL, k->nparts + 1, sizeof(*from));
	to = ereallocarray(NULL, k->nparts + 1, sizeof(*to));
	needs(k, runs, nruns, from, to);
	assign(k, from);
	from_stash(k, runs, nruns, kept, first, &have);
	while (have < need) {
		if (*k->src.rd->stop)
			errx(SK_EXIT_DATA, "%s: stopped while a logged batch was "
			    "made again", k->brokers);
		/* a batch call waits for all BATCH or its timeout: the
		 * waiting is for the first message only */
		if ((got = rd_kafka_consume_batch_queue(k->q, 0, msgs,
		    BATCH)) == 0 && (msgs[0] = rd_kafka_consume_queue(k->q,
		    1000)) != NULL)
			got = 1;
		rd_kafka_poll(k->rk, 0);
		if (k->down && !k->retry.down)
			retry_failed(&k->retry, k->brokers,
			    "all brokers are down", ts_now());
		for (j = 0; j < got; j++) {
			if (msgs[j]->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
			    msgs[j]->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE)
				errx(SK_EXIT_DATA, "%s: needed to make a logged "
				    "batch again: %s", k->brokers,
				    rd_kafka_message_errstr(msgs[j]));
			if (msgs[j]->err != 0) {
				rd_kafka_message_destroy(msgs[j]);
				continue;
			}
			k->down = 0;
			sort_in(k, runs, nruns, kept, first, msgs[j], &have);
		}
	}
	for (i = 0; i < nruns; i++)
		for (m = first[i]; m < first[i] + runs[i].n; m++)
			kafka_give(k, runs[i].part, kept[m],
			    m == first[i] ? runs[i].skip : 0,
			    m + 1 == first[i] + runs[i].n ? runs[i].upto : 0, 0);
	for (m = 0; m < need; m++)	/* the next batch may start in one */
		stash_add(k, kept[m]);
	trim(k, to);
	if (k->retry.down)
		retry_ok(&k->retry, k->brokers);
	free(to);
	free(from);
	free(kept);
	free(first);
}

void
kafka_replay_end(struct src_kafka *k)
{
	size_t i;

	/* no fetch of replay's left to queue the reading's requests behind
	 * it (fetch.wait.max.ms at the end of a partition) */
	for (i = 0; i < k->nparts && k->parts[i].kept_from < 0; i++)
		;
	if (i < k->nparts)
		(void)rd_kafka_assign(k->rk, NULL);
	stash_drop_all(k);
	free(k->stash);
	k->stash = NULL;
	k->cstash = 0;
}
