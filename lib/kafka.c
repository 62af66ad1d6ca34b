/* kafka: the properties every librdkafka client shares; see kafka.h. */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "kafka.h"
#include "util.h"

static char why[512];

/* Whether librdkafka takes key=value: if not, why says so. */
static int
settable(const char *kv)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	const char *eq = strchr(kv, '=');
	char key[256];
	int ok;

	snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
	ok = rd_kafka_conf_set(conf, key, eq + 1, why, sizeof(why)) ==
	    RD_KAFKA_CONF_OK;
	rd_kafka_conf_destroy(conf);
	return ok;
}

const char *
kafka_prop_add(struct kafka_props *x, const char *kv)
{
	if (strchr(kv, '=') == NULL || kv[0] == '=')
		return "not key=value";
	if (x->n == KAFKA_MAXPROPS)
		return "too many";
	if (!settable(kv))
		return why;
	x->kv[x->n++] = kv;
	return NULL;
}

static void
quiet(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	(void)level;
	(void)fac;
	(void)buf;	/* what matters comes through the error callback */
}

rd_kafka_conf_t *
kafka_conf(const struct kafka_props *x, const char *const (*fixed)[2],
    size_t nfixed, void *opaque)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[512], key[256];
	size_t i;
	int debug = 0;

	for (i = 0; i < nfixed; i++)
		if (rd_kafka_conf_set(conf, fixed[i][0], fixed[i][1], errstr,
		    sizeof(errstr)) != RD_KAFKA_CONF_OK)
			errx(SK_EXIT_DATA, "%s: %s", fixed[i][0], errstr);
	for (i = 0; i < x->n; i++) {
		const char *eq = strchr(x->kv[i], '=');

		snprintf(key, sizeof(key), "%.*s", (int)(eq - x->kv[i]),
		    x->kv[i]);
		debug |= strcmp(key, "debug") == 0;
		if (rd_kafka_conf_set(conf, key, eq + 1, errstr,
		    sizeof(errstr)) != RD_KAFKA_CONF_OK)
			errx(SK_EXIT_DATA, "-X %s: %s", x->kv[i], errstr);
	}
	if (!debug)
		rd_kafka_conf_set_log_cb(conf, quiet);
	rd_kafka_conf_set_opaque(conf, opaque);
	return conf;
}

rd_kafka_t *
kafka_consumer(rd_kafka_conf_t *conf, const char *brokers)
{
	char errstr[512];
	rd_kafka_t *rk;

	if ((rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr,
	    sizeof(errstr))) == NULL)
		errx(SK_EXIT_DATA, "%s: %s", brokers, errstr);
	return rk;
}

rd_kafka_t *
kafka_reader(const struct kafka_props *x, const char *brokers, void *opaque,
    void (*on_error)(rd_kafka_t *, int, const char *, void *))
{
	const char *const fixed[][2] = {
		{ "bootstrap.servers", brokers },
		{ "enable.auto.commit", "false" },
		{ "enable.auto.offset.store", "false" },
		{ "allow.auto.create.topics", "false" },
		{ "enable.partition.eof", "false" },
		/* an offset that is gone is said, not jumped over */
		{ "auto.offset.reset", "error" },
		/* the consumer's queue needs one: never joined, nothing is
		 * committed to it (-X group.id=... names another) */
		{ "group.id", "streamkit" },
	};
	rd_kafka_conf_t *conf = kafka_conf(x, fixed,
	    sizeof(fixed) / sizeof(fixed[0]), opaque);

	rd_kafka_conf_set_error_cb(conf, on_error);
	return kafka_consumer(conf, brokers);
}
