/*
 * target_kafka: --kafka, a batch's lines as messages of a topic, through
 * librdkafka's idempotent producer, a batch one transaction; see target.h.
 *
 * Exactly once: the batch's messages and its time (an offset of the group
 * streamkit-sink.ID, its metadata "streamkit batch_time=T") are committed
 * in one Kafka transaction. A sink killed before the commit leaves an
 * open transaction that its restart aborts (init_transactions fences it),
 * then makes the batch again; a sink killed after it finds the batch time
 * in the group and skips the batch. A read_committed consumer sees each
 * batch once.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "target.h"
#include "ts.h"
#include "util.h"

#define CALL_MS		2000	/* a transactional call's timeout: a cluster
				 * that does not answer is said after it */
#define META_MS		1000	/* a metadata or offsets request */
#define MARK		"streamkit batch_time="

/* The cluster did (ok) or did not (why) answer: said once each way. */
static void
answered(struct target_kafka *k, const char *why)
{
	if (why == NULL) {
		if (k->retry.down)
			retry_ok(&k->retry, k->brokers);
		k->down = 0;
	} else
		retry_failed(&k->retry, k->brokers, why, ts_now());
}

static void
on_error(rd_kafka_t *rk, int e, const char *reason, void *arg)
{
	struct target_kafka *k = arg;
	char why[512];

	if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		k->down = 1;
	else if (rd_kafka_fatal_error(rk, why, sizeof(why)) != 0)
		errx(SK_EXIT_DATA, "%s: %s", k->brokers, why);
	(void)reason;
}

static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *arg)
{
	struct target_kafka *k = arg;

	(void)rk;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && k->why[0] == '\0')
		snprintf(k->why, sizeof(k->why), "%s", rd_kafka_err2str(m->err));
}

enum { TX_OK, TX_AGAIN, TX_ABORT };

/* What a transactional call's error means: tried again (said once),
 * the batch aborted (why kept), or exit 1 (fatal: fenced by another
 * sink of the same transactional id, say). */
static int
txn_result(struct target_kafka *k, rd_kafka_error_t *e, const char *what)
{
	int r;

	if (e == NULL) {
		answered(k, NULL);
		return TX_OK;
	}
	if (rd_kafka_error_is_fatal(e))
		errx(SK_EXIT_DATA, "%s: %s: %s", k->brokers, what,
		    rd_kafka_error_string(e));
	if (rd_kafka_error_txn_requires_abort(e)) {
		if (k->why[0] == '\0')
			snprintf(k->why, sizeof(k->why), "%s",
			    rd_kafka_error_string(e));
		r = TX_ABORT;
	} else if (rd_kafka_error_is_retriable(e)) {
		answered(k, rd_kafka_error_string(e));
		r = TX_AGAIN;
	} else
		errx(SK_EXIT_DATA, "%s: %s: %s", k->brokers, what,
		    rd_kafka_error_string(e));
	rd_kafka_error_destroy(e);
	return r;
}

/* Batch t is lost to Kafka: its transaction aborted, exit 1, the batch
 * not committed (a restart makes it again). */
static void __attribute__((noreturn))
lost(struct target_kafka *k, int64_t t)
{
	if (k->txid != NULL)
		while (txn_result(k, rd_kafka_abort_transaction(k->rk, CALL_MS),
		    "abort_transaction") == TX_AGAIN)
			;
	if (t == NO_TIME)
		errx(SK_EXIT_DATA, "%s: topic %s: a message not delivered: %s; "
		    "stopping", k->brokers, k->topic, k->why);
	errx(SK_EXIT_DATA, "%s: topic %s: a message of batch %lld not "
	    "delivered: %s; stopping", k->brokers, k->topic, (long long)t,
	    k->why);
}

/* key: the --key fields of the record line (n bytes) of input in. */
static void
put_key(struct target_kafka *k, size_t in, const char *line, size_t n)
{
	const struct schema *sc = &k->t.u->in[in].sh.sc;
	size_t i;
	long f;

	if (n + 1 > k->ccopy) {
		k->ccopy = n + 1;
		k->copy = erealloc(k->copy, k->ccopy);
	}
	memcpy(k->copy, line, n);
	rec_split(&k->r, k->copy, n);
	ob_reset(&k->key);
	for (i = 0; i < k->nnames; i++) {
		if ((f = schema_find(sc, k->names[i])) < 0)
			errx(SK_EXIT_DATA, "--key %s: not a field of %s",
			    k->names[i], k->t.u->in[in].name);
		if (i > 0)
			ob_putc(&k->key, ',');
		if ((size_t)f < k->r.n)
			ob_write(&k->key, k->r.f[f].p, k->r.f[f].n);
	}
}

static void
send_line(struct target_kafka *k, const char *v, size_t n, const char *time)
{
	const char *key = k->keys != NULL ? k->key.p : NULL;
	size_t kn = k->keys != NULL ? k->key.len : 0;
	rd_kafka_resp_err_t e;

	for (;;) {
		if (time != NULL)
			e = rd_kafka_producev(k->rk,
			    RD_KAFKA_V_TOPIC(k->topic),
			    RD_KAFKA_V_PARTITION(k->partition),
			    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			    RD_KAFKA_V_VALUE((void *)v, n),
			    RD_KAFKA_V_KEY(key, kn),
			    RD_KAFKA_V_HEADER("batch_time", time, -1),
			    RD_KAFKA_V_END);
		else
			e = rd_kafka_producev(k->rk,
			    RD_KAFKA_V_TOPIC(k->topic),
			    RD_KAFKA_V_PARTITION(k->partition),
			    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			    RD_KAFKA_V_VALUE((void *)v, n),
			    RD_KAFKA_V_KEY(key, kn), RD_KAFKA_V_END);
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		rd_kafka_poll(k->rk, 100);	/* deliveries make room */
	}
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR && k->why[0] == '\0')
		snprintf(k->why, sizeof(k->why), "%s", rd_kafka_err2str(e));
}

/* Every line of the batch's parts, a message each. */
static void
send_batch(struct target_kafka *k, int64_t t, struct batch **parts)
{
	const struct sunion *u = k->t.u;
	const char *jkey = u->format == F_JSON ? union_json_time_key(u) : NULL;
	char time[24], *s, *e, *nl, *r, *re, *rnl = NULL;
	size_t i;

	if (t != NO_TIME)
		snprintf(time, sizeof(time), "%lld", (long long)t);
	if (u->format == F_RECORDS) {	/* a message a batch, whole */
		ob_reset(&k->lines);
		union_put_stream(u, &k->lines);
		union_put_batch(u, &k->lines, t, parts);
		send_line(k, k->lines.p, k->lines.len,
		    t != NO_TIME ? time : NULL);
		return;
	}
	for (i = 0; i < u->n && k->why[0] == '\0'; i++) {
		if (parts[i] == NULL)
			continue;
		ob_reset(&k->lines);
		fmt_timed(&k->lines, u->format, t, &parts[i]->body, jkey);
		s = k->lines.p;
		e = s + k->lines.len;
		/* a line a record, but the one line of a named --top stream
		 * (--format spark), which has no key */
		r = parts[i]->raw.p;
		re = r + parts[i]->raw.len;
		if (k->keys != NULL && u->in[i].sh.top > 0 &&
		    u->in[i].sh.sname != NULL && u->format == F_SPARK)
			r = re;
		for (; s < e; s = nl + 1) {
			nl = memchr(s, '\n', (size_t)(e - s));
			ob_reset(&k->key);
			if (k->keys != NULL && r < re) {
				rnl = memchr(r, '\n', (size_t)(re - r));
				put_key(k, i, r, (size_t)(rnl - r));
				r = rnl + 1;
			}
			send_line(k, s, (size_t)(nl - s),
			    t != NO_TIME ? time : NULL);
		}
	}
}

/* The batch time in the transaction: the group's offset metadata. */
static void
send_mark(struct target_kafka *k, int64_t t)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_add(l,
	    k->topic, 0);
	char mark[64];
	int r;

	snprintf(mark, sizeof(mark), MARK "%lld", (long long)t);
	p->offset = 0;
	p->metadata = estrdup(mark);
	p->metadata_size = strlen(mark);
	while ((r = txn_result(k, rd_kafka_send_offsets_to_transaction(k->rk,
	    l, k->cgmd, CALL_MS), "send_offsets_to_transaction")) == TX_AGAIN)
		;
	rd_kafka_topic_partition_list_destroy(l);
	if (r == TX_ABORT)
		lost(k, t);
}

/* Waits for every message of the batch to be delivered (or lost). */
static void
flush_all(struct target_kafka *k)
{
	while (rd_kafka_outq_len(k->rk) > 0) {
		(void)rd_kafka_flush(k->rk, 1000);
		if (k->down && !k->retry.down)
			answered(k, "all brokers are down");
	}
	if (k->retry.down && !k->down)
		answered(k, NULL);
}

static void
kafka_publish(struct target *tg, int64_t t, struct batch **parts)
{
	struct target_kafka *k = (struct target_kafka *)tg;
	int r;

	if (tg->durable && t != NO_TIME && k->committed != NO_TIME &&
	    t <= k->committed)
		return;		/* in Kafka before a restart */
	if (k->txid == NULL) {
		send_batch(k, t, parts);
		flush_all(k);
		if (k->why[0] != '\0')
			lost(k, t);
		return;
	}
	while ((r = txn_result(k, rd_kafka_begin_transaction(k->rk),
	    "begin_transaction")) == TX_AGAIN)
		;
	send_batch(k, t, parts);
	if (k->why[0] != '\0')
		lost(k, t);
	if (tg->durable && t != NO_TIME)
		send_mark(k, t);
	while ((r = txn_result(k, rd_kafka_commit_transaction(k->rk,
	    CALL_MS), "commit_transaction")) == TX_AGAIN)
		;
	if (r == TX_ABORT || k->why[0] != '\0')
		lost(k, t);
	k->committed = t;
}

static void
kafka_close(struct target *tg)
{
	struct target_kafka *k = (struct target_kafka *)tg;

	flush_all(k);
	if (k->cgmd != NULL)
		rd_kafka_consumer_group_metadata_destroy(k->cgmd);
	rd_kafka_destroy(k->rk);
	free(k->group);
	free(k->copy);
	free(k->names);
	free(k->namebuf);
	ob_free(&k->lines);
	ob_free(&k->key);
	rec_free(&k->r);
}

static const struct target_ops kafka_ops = {
	kafka_publish, target_no_mark, kafka_close
};

/* The topic is there (or made, by a cluster that makes topics asked
 * for); one the cluster says it does not have is exit 1, and so is a
 * --partition it does not have. */
static void
learn_topic(struct target_kafka *k)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(k->rk, k->topic, NULL);
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t e;
	int n;

	for (;;) {
		if ((e = rd_kafka_metadata(k->rk, 0, rkt, &md, META_MS)) != 0) {
			answered(k, rd_kafka_err2str(e));
			continue;
		}
		e = md->topic_cnt == 1 ? md->topics[0].err :
		    RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
		n = md->topic_cnt == 1 ? md->topics[0].partition_cnt : 0;
		rd_kafka_metadata_destroy(md);
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR && k->partition >= n)
			errx(SK_EXIT_DATA, "%s: topic %s: no partition %" PRId32
			    " (%d partitions)", k->brokers, k->topic,
			    k->partition, n);
		if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
			errx(SK_EXIT_DATA, "%s: topic %s: not in the cluster",
			    k->brokers, k->topic);
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
			break;
		answered(k, rd_kafka_err2str(e));	/* being made */
		(void)rd_kafka_poll(k->rk, 100);
	}
	answered(k, NULL);
	rd_kafka_topic_destroy(rkt);
}

/* The batch time Kafka has in the group, or NO_TIME. */
static int64_t
kafka_committed(struct target_kafka *k)
{
	const char *const fixed[][2] = {
		{ "bootstrap.servers", k->brokers },
		{ "group.id", k->group },
		{ "isolation.level", "read_committed" },
		{ "enable.auto.commit", "false" },
	};
	rd_kafka_t *c = kafka_consumer(kafka_conf(k->x, fixed,
	    sizeof(fixed) / sizeof(fixed[0]), k), k->brokers);
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_add(l,
	    k->topic, 0);
	rd_kafka_resp_err_t e;
	int64_t t = NO_TIME;
	char mark[64], *end;

	/* not knowing is not "nothing": a batch Kafka has would be sent
	 * again */
	while ((e = rd_kafka_committed(c, l, META_MS)) != 0 || p->err != 0)
		answered(k, rd_kafka_err2str(e != 0 ? e : p->err));
	answered(k, NULL);
	if (p->err == RD_KAFKA_RESP_ERR_NO_ERROR && p->metadata != NULL &&
	    p->metadata_size < sizeof(mark)) {
		memcpy(mark, p->metadata, p->metadata_size);
		mark[p->metadata_size] = '\0';
		if (strncmp(mark, MARK, strlen(MARK)) == 0) {
			errno = 0;
			t = strtoll(mark + strlen(MARK), &end, 10);
			if (errno != 0 || *end != '\0' ||
			    end == mark + strlen(MARK))
				t = NO_TIME;
		}
	}
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_destroy(c);
	return t;
}

void
target_kafka_open(struct target_kafka *k, const char *brokers,
    const char *topic, const char *keys, int32_t partition, const char *txid,
    const struct kafka_props *x)
{
	const char *const fixed[][2] = {
		{ "bootstrap.servers", brokers },
		{ "enable.idempotence", "true" },
		{ "transactional.id", txid },
	};
	rd_kafka_conf_t *conf;
	char errstr[512];
	size_t n;
	int r;

	k->t.ops = &kafka_ops;
	k->brokers = brokers;
	k->topic = topic;
	k->partition = partition;
	k->keys = keys;
	if (keys != NULL) {	/* the names, cut once */
		char *p, *name;

		p = k->namebuf = estrdup(keys);
		while ((name = strsep(&p, ",")) != NULL) {
			k->names = ereallocarray(k->names, k->nnames + 1,
			    sizeof(*k->names));
			k->names[k->nnames++] = name;
		}
	}
	k->txid = txid;
	k->x = x;
	k->committed = NO_TIME;
	ob_init(&k->lines, -1, "kafka");
	ob_init(&k->key, -1, "kafka");
	conf = kafka_conf(x, fixed, txid != NULL ? 3 : 2, k);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	if ((k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
	    sizeof(errstr))) == NULL)
		errx(SK_EXIT_DATA, "%s: %s", brokers, errstr);
	learn_topic(k);
	if (txid == NULL)
		return;
	/* fences an earlier sink of this id, aborting what it left open */
	while ((r = txn_result(k, rd_kafka_init_transactions(k->rk, CALL_MS),
	    "init_transactions")) == TX_AGAIN)
		;
	if (r == TX_ABORT)
		errx(SK_EXIT_DATA, "%s: init_transactions: %s", brokers, k->why);
	n = strlen("streamkit-sink.") + strlen(txid) + 1;
	k->group = emalloc(n);
	snprintf(k->group, n, "streamkit-sink.%s", txid);
	k->cgmd = rd_kafka_consumer_group_metadata_new(k->group);
	if (k->t.durable)
		k->committed = kafka_committed(k);
}
