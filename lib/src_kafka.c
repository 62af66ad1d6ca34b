/*
 * src_kafka: Kafka topics as a source (the direct approach of Spark's
 * Kafka integration, ch. 6.2), through librdkafka on stream-split's own
 * poll loop: the consumer's queues wake a pipe that is polled with the
 * rest. Every partition of the topics is read from where the checkpoint
 * left it (or from --start); where each stands after a batch, and the
 * runs of offsets the batch took, are logged with the batch (lib/ck_log),
 * not the messages: a restart reads the logged batches again from the
 * topics (replay) and goes on from there exactly. See src.h.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "kafka.h"
#include "src_kafka_int.h"
#include "ts.h"
#include "util.h"

#define META_MS		1000	/* a metadata or offsets request */
#define MAX_PARTS	100000	/* partitions, all topics: more is damage */

static const char *field_names[] = { "topic", "key", "partition", "offset",
    "timestamp" };
#define NFIELDS (sizeof(field_names) / sizeof(field_names[0]))

const char *
src_kafka_fields(struct src_kafka *k, const char *list)
{
	const char *p = list, *comma;
	size_t i, n;

	k->nfields = 0;
	for (;;) {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		for (i = 0; i < NFIELDS; i++)
			if (strlen(field_names[i]) == n &&
			    strncmp(field_names[i], p, n) == 0)
				break;
		if (i == NFIELDS || k->nfields == NFIELDS)
			return "not a list of topic, key, partition, offset "
			    "and timestamp";
		k->fields[k->nfields++] = (int)i;
		if (comma == NULL)
			return NULL;
		p = comma + 1;
	}
}

const char *
src_kafka_start(struct src_kafka *k, const char *arg)
{
	char *end;
	long long v;

	k->start_kind = arg[0];
	if (strcmp(arg, "earliest") == 0 || strcmp(arg, "latest") == 0)
		return NULL;
	if (arg[0] == '@') {
		int64_t t;

		if (ts_parse(arg + 1, strlen(arg + 1), NULL, NULL, &t) != NULL)
			return "not earliest, latest, an offset or @time";
		k->start_value = t;
		return NULL;
	}
	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < 0)
		return "not earliest, latest, an offset or @time";
	k->start_kind = 'o';
	k->start_value = v;
	return NULL;
}

const char *
src_kafka_property(struct src_kafka *k, const char *kv)
{
	return kafka_prop_add(&k->x, kv);
}

/* A number of a list at *p, at most max, with what may follow it:
 * -1 if there is none. */
static long long
list_number(const char **p, long long max, const char *follow)
{
	char *end;
	long long v;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	v = strtoll(*p, &end, 10);
	if (errno != 0 || v > max || (*end != '\0' && strchr(follow, *end) ==
	    NULL))
		return -1;
	*p = end;
	return v;
}

const char *
src_kafka_partitions(struct src_kafka *k, const char *list)
{
	const char *p = list;
	long long v;
	size_t i;

	for (;;) {
		if ((v = list_number(&p, INT32_MAX, ",")) < 0)
			return "not a list of partitions";
		for (i = 0; i < k->nonly; i++)
			if (k->only[i] == v)
				return "a partition named twice";
		k->only = ereallocarray(k->only, k->nonly + 1, sizeof(*k->only));
		k->only[k->nonly++] = (int32_t)v;
		if (*p++ == '\0')
			return NULL;
	}
}

const char *
src_kafka_ends(struct src_kafka *k, const char *list)
{
	const char *p = list;
	long long part, end;

	for (;;) {
		if ((part = list_number(&p, INT32_MAX, ":")) < 0 ||
		    *p++ != ':' || (end = list_number(&p, INT64_MAX / 2,
		    ",")) < 0)
			return "not a list of partition:offset";
		k->pin = ereallocarray(k->pin, k->npin + 1, 2 * sizeof(*k->pin));
		k->pin[2 * k->npin] = part;
		k->pin[2 * k->npin++ + 1] = end;
		if (*p++ == '\0')
			return NULL;
	}
}

/* Whether partition n of the topic is to be read (--kafka-partitions). */
static int
wanted(const struct src_kafka *k, int32_t n)
{
	size_t i;

	for (i = 0; i < k->nonly; i++)
		if (k->only[i] == n)
			return 1;
	return k->nonly == 0;
}

/* --once's end of partition n: --end-offsets's, or hi. */
static int64_t
pinned_end(const struct src_kafka *k, int32_t n, int64_t hi)
{
	size_t i;

	for (i = 0; i < k->npin; i++)
		if (k->pin[2 * i] == n)
			return k->pin[2 * i + 1];
	return hi;
}

struct kpart *
kafka_find_part(struct src_kafka *k, const char *topic, int32_t partition)
{
	size_t i;

	/* a fetch gives a partition's messages in a row: the last one found
	 * is tried first */
	if (k->hit < k->nparts && k->parts[k->hit].partition == partition &&
	    strcmp(k->parts[k->hit].topic, topic) == 0)
		return &k->parts[k->hit];
	for (i = 0; i < k->nparts; i++)
		if (k->parts[i].partition == partition &&
		    strcmp(k->parts[i].topic, topic) == 0) {
			k->hit = i;
			return &k->parts[i];
		}
	return NULL;
}

/* Whether t is one of --topic's. */
static const char *
our_topic(const struct src_kafka *k, const char *t, size_t n)
{
	size_t i;

	for (i = 0; i < k->ntopics; i++)
		if (strlen(k->topics[i]) == n && memcmp(k->topics[i], t, n) == 0)
			return k->topics[i];
	return NULL;
}

static struct kpart *
add_part(struct src_kafka *k, const char *topic, int32_t partition)
{
	if (k->nparts == k->cparts) {
		k->cparts = k->cparts ? k->cparts * 2 : 16;
		k->parts = ereallocarray(k->parts, k->cparts, sizeof(*k->parts));
	}
	k->parts[k->nparts] = (struct kpart){ .topic = topic,
	    .partition = partition, .next = -1, .end = -1,
	    .from_time = INT64_MIN, .kept_from = -1 };
	if (k->src.rd != NULL)	/* a lane of event time each */
		clock_lanes(&k->src.rd->b->clock, k->nparts + 1);
	return &k->parts[k->nparts++];
}

/* The newest event time partition i gave. */
static int64_t
lane_max(const struct src_kafka *k, size_t i)
{
	const struct clock *c = &k->src.rd->b->clock;

	return i < c->nlanes ? c->lane_max[i] : INT64_MIN;
}

/* Adds the lines skip to upto (0: all) of a message: a run, or to the
 * last run if the whole message follows it. */
static void
run_add(struct src_kafka *k, size_t part, int64_t offset, uint64_t skip,
    uint64_t upto)
{
	struct krun *r = k->nruns > 0 ? &k->runs[k->nruns - 1] : NULL;

	if (r != NULL && r->part == part && r->start + (int64_t)r->n ==
	    offset && r->upto == 0 && skip == 0 && upto == 0) {
		r->n++;
		return;
	}
	if (k->nruns == k->cruns) {
		k->cruns = k->cruns ? k->cruns * 2 : 16;
		k->runs = ereallocarray(k->runs, k->cruns, sizeof(*k->runs));
	}
	k->runs[k->nruns++] = (struct krun){ part, offset, 1, skip, upto };
}

/*
 * The state: each partition that has a place (topic, partition, the next
 * offset, its newest event time, --start @time's skipping), then the runs
 * of messages the batch took, in the order taken, by their partition's
 * place in that list, then the lines of each partition's next message
 * already given. The runs start again. A batch that closes inside a
 * message (at a line of it) has taken the lines before that one, and
 * the message is the next one to take, from that line on.
 */
void
src_kafka_put_state(void *arg, struct obuf *o)
{
	struct src_kafka *k = arg;
	size_t i, n = 0, *place = ecalloc(k->nparts + 1, sizeof(*place));
	struct kpart *g = k->giving;

	if (g != NULL && g->given > k->giving_from) {
		run_add(k, (size_t)(g - k->parts), g->next, k->giving_from,
		    g->given);
		k->giving_from = g->given;
	}
	for (i = 0; i < k->nparts; i++)
		if (k->parts[i].next >= 0)
			place[i] = n++;
	ob_put_u64(o, n);
	for (i = 0; i < k->nparts; i++) {
		if (k->parts[i].next < 0)
			continue;
		ob_put_bytes(o, k->parts[i].topic, strlen(k->parts[i].topic));
		ob_put_u64(o, (uint64_t)k->parts[i].partition);
		ob_put_u64(o, (uint64_t)k->parts[i].next);
		ob_put_u64(o, (uint64_t)lane_max(k, i));
		ob_put_u64(o, (uint64_t)k->parts[i].from_time);
	}
	ob_put_u64(o, k->nruns);
	for (i = 0; i < k->nruns; i++) {
		ob_put_u64(o, place[k->runs[i].part]);
		ob_put_u64(o, (uint64_t)k->runs[i].start);
		ob_put_u64(o, k->runs[i].n);
		ob_put_u64(o, k->runs[i].skip);
		ob_put_u64(o, k->runs[i].upto);
	}
	for (i = 0; i < k->nparts; i++)
		if (k->parts[i].next >= 0)
			ob_put_u64(o, k->parts[i].given);
	k->nruns = 0;
	free(place);
}

int64_t
src_kafka_logged_next(struct bin *b, const char *topic, int32_t partition)
{
	uint64_t n = bin_u64(b), i;

	for (i = 0; i < n && i < MAX_PARTS && !b->bad; i++) {
		size_t tn;
		const char *t = bin_bytes(b, &tn);
		uint64_t part = bin_u64(b), next = bin_u64(b);

		(void)bin_u64(b);	/* its newest event time */
		(void)bin_u64(b);	/* --start @time */
		if (!b->bad && tn == strlen(topic) && memcmp(t, topic, tn) ==
		    0 && part == (uint64_t)partition && next <= INT64_MAX / 2)
			return (int64_t)next;
	}
	return -1;
}

static int
run_order(const void *a, const void *b)
{
	const struct krun *x = a, *y = b;

	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Whether two runs take the same message: a batch takes each once, and
 * replay could not fill both. */
static int
runs_overlap(const struct krun *runs, size_t n)
{
	struct krun *s = ereallocarray(NULL, n + 1, sizeof(*s));
	size_t i;
	int bad = 0;

	memcpy(s, runs, n * sizeof(*s));
	qsort(s, n, sizeof(*s), run_order);
	for (i = 1; i < n && !bad; i++)
		bad = s[i].part == s[i - 1].part &&
		    s[i - 1].start + (int64_t)s[i - 1].n > s[i].start;
	free(s);
	return bad;
}

/* The runs of a logged batch, checked against the partitions' places
 * (place: the index in parts of each): NULL, or why not. */
static const char *
get_runs(struct src_kafka *k, struct bin *b, const size_t *place, size_t n,
    int version, struct krun **runsp, size_t *nrunsp)
{
	uint64_t nruns = bin_u64(b), i, skip = 0, upto = 0;
	size_t each = version >= 4 ? 40 : 24;
	struct krun *runs;

	if (b->bad || nruns > (uint64_t)(b->e - b->p) / each)
		return "a field out of its range";
	runs = ereallocarray(NULL, nruns + 1, sizeof(*runs));
	for (i = 0; i < nruns; i++) {
		uint64_t at = bin_u64(b), start = bin_u64(b), len = bin_u64(b);

		if (version >= 4) {
			skip = bin_u64(b);
			upto = bin_u64(b);
		}
		/* the last message of a run that stops inside it can be
		 * the partition's next one */
		if (b->bad || at >= n || len == 0 || start > INT64_MAX / 2 ||
		    len > INT64_MAX / 2 || (int64_t)(start + len) >
		    k->parts[place[at]].next + (upto != 0) ||
		    (len == 1 && upto != 0 && upto <= skip)) {
			free(runs);
			return "a run of messages out of its range";
		}
		runs[i] = (struct krun){ place[at], (int64_t)start, len, skip,
		    upto };
	}
	if (runs_overlap(runs, nruns)) {
		free(runs);
		return "runs of messages that overlap";
	}
	*runsp = runs;
	*nrunsp = nruns;
	return NULL;
}

const char *
src_kafka_get_state(void *arg, struct bin *b, int version, int feed)
{
	struct src_kafka *k = arg;
	struct clock *c = &k->src.rd->b->clock;
	uint64_t n = bin_u64(b), i;
	const char *why;
	struct krun *runs = NULL;
	size_t *place, nruns = 0;

	if (b->bad || n > MAX_PARTS)
		return "a field out of its range";
	place = ereallocarray(NULL, n + 1, sizeof(*place));
	for (i = 0; i < n; i++) {
		size_t tn;
		const char *t = bin_bytes(b, &tn), *topic;
		uint64_t partition = bin_u64(b), next = bin_u64(b);
		int64_t max = (int64_t)bin_u64(b);
		int64_t from_time = (int64_t)bin_u64(b);
		struct kpart *p;

		why = b->bad ? "cut short" :
		    (topic = our_topic(k, t, tn)) == NULL ?
		    "a topic this command does not read" :
		    partition > INT32_MAX || next > INT64_MAX / 2 ?
		    "a field out of its range" : NULL;
		if (why != NULL) {
			free(place);
			return why;
		}
		if ((p = kafka_find_part(k, topic, (int32_t)partition)) == NULL)
			p = add_part(k, topic, (int32_t)partition);
		p->next = (int64_t)next;
		p->given = 0;
		p->from_time = from_time;
		place[i] = (size_t)(p - k->parts);
		c->lane_max[place[i]] = max;
	}
	why = get_runs(k, b, place, n, version, &runs, &nruns);
	for (i = 0; why == NULL && version >= 4 && i < n; i++)
		k->parts[place[i]].given = bin_u64(b);
	if (why == NULL && b->bad)
		why = "cut short";
	if (why == NULL && feed && nruns > 0)
		kafka_replay(k, runs, nruns);
	free(runs);
	free(place);
	return why;
}

static void
on_error(rd_kafka_t *rk, int e, const char *reason, void *arg)
{
	struct src_kafka *k = arg;

	(void)rk;
	if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		k->down = 1;
	else if (rd_kafka_fatal_error(rk, NULL, 0) != 0)
		errx(SK_EXIT_DATA, "%s: %s", k->brokers, reason);
}

/* The consumer, configured: brokers, -X's properties, our callbacks. */
static rd_kafka_t *
new_consumer(struct src_kafka *k)
{
	return kafka_reader(&k->x, k->brokers, k, on_error);
}

/* The cluster did not answer (e): said once, tried again later; 0. */
static int
unanswered(struct src_kafka *k, int e)
{
	retry_failed(&k->retry, k->brokers, rd_kafka_err2str(e), ts_now());
	return 0;
}

/* The partitions of the topics: 1, or 0 if the cluster did not answer
 * (an unknown topic is exit 1). */
static int
learn_partitions(struct src_kafka *k)
{
	const struct rd_kafka_metadata *md;
	size_t t;
	int i, e;

	for (t = 0; t < k->ntopics; t++) {
		rd_kafka_topic_t *rkt = rd_kafka_topic_new(k->rk, k->topics[t],
		    NULL);

		e = rd_kafka_metadata(k->rk, 0, rkt, &md, META_MS);
		rd_kafka_topic_destroy(rkt);
		if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
			return unanswered(k, e);
		}
		if (md->topic_cnt != 1 || md->topics[0].err != 0 ||
		    md->topics[0].partition_cnt == 0)
			errx(SK_EXIT_DATA, "%s: %s: %s", k->brokers, k->topics[t],
			    md->topic_cnt == 1 && md->topics[0].err != 0 ?
			    rd_kafka_err2str(md->topics[0].err) : "no partitions");
		for (i = 0; i < md->topics[0].partition_cnt; i++)
			if (wanted(k, md->topics[0].partitions[i].id) &&
			    kafka_find_part(k, k->topics[t],
			    md->topics[0].partitions[i].id) == NULL)
				add_part(k, k->topics[t],
				    md->topics[0].partitions[i].id);
		rd_kafka_metadata_destroy(md);
	}
	for (t = 0; t < k->nonly; t++)
		if (kafka_find_part(k, k->topics[0], k->only[t]) == NULL)
			errx(SK_EXIT_DATA, "%s: %s: no partition %" PRId32,
			    k->brokers, k->topics[0], k->only[t]);
	return 1;
}

/* Where each partition starts (the checkpoint's, or --start's, as a
 * number) and, with --once, where it ends: 1, or 0 if the cluster did
 * not answer. */
static int
learn_offsets(struct src_kafka *k)
{
	rd_kafka_topic_partition_list_t *l = NULL;
	int64_t lo, hi;
	size_t i;
	int e;

	if (k->start_kind == '@') {
		l = rd_kafka_topic_partition_list_new((int)k->nparts);
		for (i = 0; i < k->nparts; i++)
			rd_kafka_topic_partition_list_add(l, k->parts[i].topic,
			    k->parts[i].partition)->offset = k->start_value;
		if ((e = rd_kafka_offsets_for_times(k->rk, l, META_MS)) != 0) {
			rd_kafka_topic_partition_list_destroy(l);
			return unanswered(k, e);
		}
	}
	for (i = 0; i < k->nparts; i++) {
		struct kpart *p = &k->parts[i];

		if ((e = rd_kafka_query_watermark_offsets(k->rk, p->topic,
		    p->partition, &lo, &hi, META_MS)) != 0) {
			if (l != NULL)
				rd_kafka_topic_partition_list_destroy(l);
			return unanswered(k, e);
		}
		p->start = p->next >= 0 ? p->next :
		    k->start_kind == 'l' ? hi :
		    k->start_kind == 'o' ? (k->start_value < hi ?
		    k->start_value : hi) :
		    k->start_kind == '@' ? (l->elems[i].offset >= 0 ?
		    l->elems[i].offset : lo) : lo;
		/* a broker that cannot look a time up (-1) is read from its
		 * earliest, up to the first message at or after the time */
		if (p->next < 0 && k->start_kind == '@')
			p->from_time = k->start_value;
		if (p->start < lo) {	/* gone: retention */
			warnx("%s: %s [%" PRId32 "]: offset %" PRId64 " is "
			    "no longer there; reading from %" PRId64, k->brokers,
			    p->topic, p->partition, p->start, lo);
			p->start = lo;
		}
		p->end = k->once ? pinned_end(k, p->partition, hi) : -1;
	}
	if (l != NULL)
		rd_kafka_topic_partition_list_destroy(l);
	return 1;
}

/* Which partitions have given all they have (--once: up to their end;
 * else up to the end the last fetch saw): the watermark does not wait
 * for them. */
static void
idle_lanes(struct src_kafka *k)
{
	struct clock *c = &k->src.rd->b->clock;
	int64_t lo, hi;
	size_t i;
	int idle;

	for (i = 0; i < k->nparts && i < c->nlanes; i++) {
		struct kpart *p = &k->parts[i];

		if (k->once)
			idle = p->next >= p->end;
		else
			idle = rd_kafka_get_watermark_offsets(k->rk, p->topic,
			    p->partition, &lo, &hi) == 0 && hi >= 0 &&
			    p->next >= hi;
		if (idle != c->lane_idle[i])
			clock_lane_set(c, i, c->lane_max[i], idle);
	}
}

/* Sets up the reading: 1 when it is under way. */
static int
setup(struct src_kafka *k)
{
	rd_kafka_topic_partition_list_t *l;
	size_t i;
	int e;

	kafka_replay_end(k);
	if (!learn_partitions(k) || !learn_offsets(k))
		return 0;
	l = rd_kafka_topic_partition_list_new((int)k->nparts);
	for (i = 0; i < k->nparts; i++) {
		struct kpart *p = &k->parts[i];

		p->next = p->start;
		rd_kafka_topic_partition_list_add(l, p->topic,
		    p->partition)->offset = p->next;
	}
	if ((e = rd_kafka_assign(k->rk, l)) != 0)
		errx(SK_EXIT_DATA, "%s: %s", k->brokers, rd_kafka_err2str(e));
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_poll(k->rk, 0);	/* what the outage said is past */
	k->down = 0;
	retry_ok(&k->retry, k->brokers);
	k->started = 1;
	clock_lanes(&k->src.rd->b->clock, k->nparts);
	idle_lanes(k);
	return 1;
}

/* A line of a message: a line of the source; with --kafka-fields, a
 * record of those fields and the line. */
static void
deliver(struct src_kafka *k, const rd_kafka_message_t *m, const char *p,
    size_t n)
{
	char num[32];
	size_t i;
	int len;

	if (k->nfields == 0) {
		rd_live_line(k->src.rd, p, n);
		return;
	}
	ob_reset(&k->line);
	for (i = 0; i < k->nfields; i++) {
		switch (k->fields[i]) {
		case 0:
			rec_put_field(&k->line, rd_kafka_topic_name(m->rkt),
			    strlen(rd_kafka_topic_name(m->rkt)), i == 0);
			break;
		case 1:
			rec_put_field(&k->line, m->key != NULL ? m->key : "",
			    m->key != NULL ? m->key_len : 0, i == 0);
			break;
		default:
			len = snprintf(num, sizeof(num), "%" PRId64,
			    k->fields[i] == 2 ? (int64_t)m->partition :
			    k->fields[i] == 3 ? m->offset :
			    rd_kafka_message_timestamp(m, NULL));
			ob_write(&k->line, num, (size_t)len);
		}
		ob_putc(&k->line, '\t');
	}
	rec_put_field(&k->line, p, n, 0);
	rd_live_line(k->src.rd, k->line.p, k->line.len);
}

void
kafka_give(struct src_kafka *k, size_t i, const rd_kafka_message_t *m,
    uint64_t skip, uint64_t upto, int count)
{
	struct payload pl;
	const char *line;
	size_t n;
	uint64_t at;

	k->src.rd->b->clock.lane = i;
	payload_init(&pl, m->payload, m->len);
	for (at = 0; (upto == 0 || at < upto) &&
	    payload_next(&pl, &line, &n); at++) {
		if (at < skip)
			continue;
		deliver(k, m, line, n);
		if (count)
			k->parts[i].given++;
	}
}

/* Whether a partition is to wait (--max-rate-per-partition: it has given
 * the rate this second): paused, then read again from its next offset
 * the next second (resume_due); what the consumer fetched beyond it in
 * the meantime is left. */
static int
held(struct src_kafka *k, struct kpart *p)
{
	rd_kafka_topic_partition_list_t *l;
	int64_t now;

	if (p->paused)
		return 1;
	if (k->part_rate == 0)
		return 0;
	if ((now = ts_now()) / 1000 != p->second) {
		p->second = now / 1000;
		p->in_second = 0;
	}
	if (p->in_second < k->part_rate) {
		p->in_second++;
		return 0;
	}
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
	(void)rd_kafka_pause_partitions(k->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	p->paused = 1;
	p->resume_at = (p->second + 1) * 1000;
	return 1;
}

/* The partitions whose wait is over are read again; *timeout (ms) is
 * lowered to the next one's. */
static void
resume_due(struct src_kafka *k, int *timeout)
{
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_error_t *e;
	int64_t now = ts_now();
	size_t i;

	for (i = 0; i < k->nparts; i++) {
		struct kpart *p = &k->parts[i];
		int ms;

		if (!p->paused)
			continue;
		if (p->resume_at > now) {
			ms = (int)(p->resume_at - now);
			if (*timeout < 0 || *timeout > ms)
				*timeout = ms;
			continue;
		}
		l = rd_kafka_topic_partition_list_new(1);
		rd_kafka_topic_partition_list_add(l, p->topic,
		    p->partition)->offset = p->next;
		if ((e = rd_kafka_seek_partitions(k->rk, l, META_MS)) != NULL)
			rd_kafka_error_destroy(e);
		(void)rd_kafka_resume_partitions(k->rk, l);
		rd_kafka_topic_partition_list_destroy(l);
		p->paused = 0;
	}
}

/*
 * --once: a partition of a topic written in transactions ends in a
 * marker, which is not a message: its next offset stays before its end.
 * Once every message read is taken, the consumer's position (past the
 * markers) is where it stands. Not with --max-rate-per-partition, whose
 * waits leave messages read and not taken.
 */
static void
past_markers(struct src_kafka *k)
{
	rd_kafka_topic_partition_list_t *l;
	size_t i;

	if (!k->once || k->part_rate > 0)
		return;
	for (i = 0; i < k->nparts && k->parts[i].next >= k->parts[i].end; i++)
		;
	if (i == k->nparts)
		return;
	l = rd_kafka_topic_partition_list_new((int)k->nparts);
	for (i = 0; i < k->nparts; i++)
		rd_kafka_topic_partition_list_add(l, k->parts[i].topic,
		    k->parts[i].partition);
	if (rd_kafka_position(k->rk, l) == 0)
		for (i = 0; i < k->nparts; i++)
			if (l->elems[i].offset > k->parts[i].next &&
			    k->parts[i].given == 0)
				k->parts[i].next = l->elems[i].offset;
	rd_kafka_topic_partition_list_destroy(l);
}

/* A message: each line of its payload; logged as a run. */
static void
take(struct src_kafka *k, const rd_kafka_message_t *m)
{
	struct kpart *part = kafka_find_part(k, rd_kafka_topic_name(m->rkt),
	    m->partition);

	if (part == NULL || m->offset < part->next ||
	    (part->end >= 0 && m->offset >= part->end))
		return;		/* not ours, or past --once's end */
	if (held(k, part))
		return;		/* read again from next after the wait */
	if (part->from_time != INT64_MIN) {	/* --start @time */
		if (rd_kafka_message_timestamp(m, NULL) < part->from_time) {
			part->next = m->offset + 1;
			return;
		}
		part->from_time = INT64_MIN;
	}
	/* its lines given before a restart (a batch closed inside it) are
	 * not given again; a batch that closes inside it now logs those
	 * given before (src_kafka_put_state) */
	if (m->offset != part->next)
		part->given = 0;
	part->next = m->offset;
	k->giving = part;
	k->giving_from = part->given;
	kafka_give(k, (size_t)(part - k->parts), m, part->given, 0, 1);
	k->giving = NULL;
	run_add(k, (size_t)(part - k->parts), m->offset, k->giving_from, 0);
	part->next = m->offset + 1;
	part->given = 0;
}

static int
kafka_more(struct source *s)
{
	struct src_kafka *k = (struct src_kafka *)s;
	size_t i;

	if (!k->once || !k->started)
		return 1;
	for (i = 0; i < k->nparts; i++)
		if (k->parts[i].next < k->parts[i].end)
			return 1;
	return 0;
}

static int
kafka_wait(struct source *s, struct pollfd *p, int64_t now, int *timeout)
{
	struct src_kafka *k = (struct src_kafka *)s;

	if (!k->started && (retry_wait(&k->retry, now, timeout) ||
	    !setup(k))) {
		(void)retry_wait(&k->retry, now, timeout);
		return 0;
	}
	rd_kafka_poll(k->rk, 0);	/* errors: on_error */
	resume_due(k, timeout);
	if (k->down && !k->retry.down)
		retry_failed(&k->retry, k->brokers, "all brokers are down",
		    now);
	if (*timeout < 0 || *timeout > 1000)
		*timeout = 1000;
	p[0] = (struct pollfd){ k->wake[0], POLLIN, 0 };
	return 1;
}

static void
kafka_ready(struct source *s, const struct pollfd *p, int n)
{
	struct src_kafka *k = (struct src_kafka *)s;
	rd_kafka_message_t *msgs[BATCH];
	char drain[256];
	ssize_t got, i;

	if (n > 0 && (p[0].revents & POLLIN))
		while (read(k->wake[0], drain, sizeof(drain)) > 0)
			;
	if (!k->started)
		return;		/* what replay assigned is not read on */
	while (!*k->src.rd->stop && (got = rd_kafka_consume_batch_queue(k->q,
	    0, msgs, BATCH)) > 0) {
		for (i = 0; i < got; i++) {
			if (msgs[i]->err == 0) {
				if (k->down || k->retry.down)
					retry_ok(&k->retry, k->brokers);
				k->down = 0;
				take(k, msgs[i]);
			} else if (msgs[i]->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				warnx("%s: %s", k->brokers,
				    rd_kafka_message_errstr(msgs[i]));
			rd_kafka_message_destroy(msgs[i]);
		}
	}
	past_markers(k);
	idle_lanes(k);
}

static const struct source_ops kafka_ops = { kafka_more, kafka_wait,
    kafka_ready };

const char *
src_kafka_parse(struct src_kafka *k, const char *brokers)
{
	if (*brokers == '\0')
		return "no brokers";
	k->brokers = brokers;
	return NULL;
}

const char *
src_kafka_topics(struct src_kafka *k, const char *list)
{
	char *p, *t;

	free(k->topic_buf);
	k->topic_buf = p = estrdup(list);
	k->ntopics = 0;
	while ((t = strsep(&p, ",")) != NULL) {
		if (*t == '\0' || k->ntopics == SRC_KAFKA_MAXTOPICS)
			return "not a list of topics";
		k->topics[k->ntopics++] = t;
	}
	return NULL;
}

/* For the logged batches made again, then for the reading. */
void
kafka_prepare(struct src_kafka *k)
{
	struct reader *r = k->src.rd;

	if (k->rk != NULL)
		return;
	k->src.ops = &kafka_ops;
	if (k->start_kind == 0)
		k->start_kind = 'e';
	ob_init(&k->line, -1, "kafka");
	if (pipe(k->wake) < 0 || fcntl(k->wake[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(k->wake[1], F_SETFL, O_NONBLOCK) < 0)
		err(SK_EXIT_DATA, "pipe");
	k->rk = new_consumer(k);
	k->q = rd_kafka_queue_get_consumer(k->rk);
	rd_kafka_queue_io_event_enable(k->q, k->wake[1], "w", 1);
	k->mainq = rd_kafka_queue_get_main(k->rk);
	rd_kafka_queue_io_event_enable(k->mainq, k->wake[1], "w", 1);
	r->live = k->brokers;
	r->source_logs = 1;	/* its offsets, not its bytes */
	if (r->cur.kind != SRC_STDIN)
		rd_enter(r, SRC_STDIN, NULL, -1, 0);
	if (k->nfields > 0) {	/* a record stream */
		size_t i;

		ob_reset(&k->line);
		ob_puts(&k->line, "#fields");
		for (i = 0; i < k->nfields; i++) {
			ob_putc(&k->line, '\t');
			ob_puts(&k->line, field_names[k->fields[i]]);
		}
		ob_puts(&k->line, "\tline");
		rd_live_line(r, k->line.p, k->line.len);
	}
}

void
src_kafka_init(struct src_kafka *k, struct reader *r, int once)
{
	k->src.rd = r;
	k->once = once;
	kafka_prepare(k);
}
