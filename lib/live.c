/* live: stream-split's live sources and their options; see live.h. */
#include <stddef.h>

#include "live.h"
#include "opt.h"

static const char *
source_name(int ch)
{
	return ch == LIVE_OPT_CONNECT ? "--connect" : ch == LIVE_OPT_LISTEN ?
	    "--listen" : ch == LIVE_OPT_MQTT ? "--mqtt" : "--kafka";
}

/* An option of --kafka's own: NULL, or why its argument is not one. */
static const char *
kafka_option(struct live *l, int ch, const char *arg)
{
	l->kafka_opts = 1;
	l->read_opts |= ch != LIVE_OPT_PROPERTY;
	return ch == LIVE_OPT_KAFKA_FIELDS ? src_kafka_fields(&l->kafka, arg) :
	    ch == LIVE_OPT_START ? src_kafka_start(&l->kafka, arg) :
	    ch == LIVE_OPT_KAFKA_PARTITIONS ?
	    src_kafka_partitions(&l->kafka, arg) :
	    ch == LIVE_OPT_END_OFFSETS ? src_kafka_ends(&l->kafka, arg) :
	    src_kafka_property(&l->kafka, arg);
}

int
live_option(struct live *l, int ch, const char *arg, const char *usage)
{
	const char *why;

	switch (ch) {
	case LIVE_OPT_CONNECT:
	case LIVE_OPT_LISTEN:
	case LIVE_OPT_MQTT:
	case LIVE_OPT_KAFKA:
		if (l->kind != 0)
			usage_fail(usage, "give one of --connect, --listen, "
			    "--mqtt and --kafka");
		why = ch == LIVE_OPT_MQTT ? src_mqtt_parse(&l->mqtt, arg) :
		    ch == LIVE_OPT_KAFKA ? src_kafka_parse(&l->kafka, arg) :
		    src_net_parse(&l->net, arg, ch == LIVE_OPT_LISTEN);
		if (why != NULL)
			usage_fail(usage, "%s %s: %s", source_name(ch), arg, why);
		l->name = source_name(ch);
		l->kind = ch;
		return 1;
	case LIVE_OPT_TOPIC:
		l->topic = arg;
		return 1;
	case LIVE_OPT_GROUP:
	case LIVE_OPT_TASK:
		if (*arg == '\0')
			usage_fail(usage, "--%s: empty", ch == LIVE_OPT_GROUP ?
			    "group" : "task");
		*(ch == LIVE_OPT_GROUP ? &l->group : &l->task) = arg;
		return 1;
	case LIVE_OPT_MQTT_FIELDS:
		l->mqtt.fields = 1;
		return 1;
	case LIVE_OPT_RECORDS:
		l->records = 1;
		return 1;
	case LIVE_OPT_MQTT_CLIENT_ID:
		l->mqtt.client_id = arg;
		return 1;
	case LIVE_OPT_PARTITION_RATE:
		l->kafka_opts = l->read_opts = 1;
		l->kafka.part_rate = (uint64_t)opt_number(usage,
		    "--max-rate-per-partition", arg, 1, 1000000000);
		return 1;
	case LIVE_OPT_KAFKA_FIELDS:
	case LIVE_OPT_START:
	case LIVE_OPT_PROPERTY:
	case LIVE_OPT_KAFKA_PARTITIONS:
	case LIVE_OPT_END_OFFSETS:
		if ((why = kafka_option(l, ch, arg)) != NULL)
			usage_fail(usage, "%s %s: %s", ch == LIVE_OPT_START ?
			    "--start" : ch == LIVE_OPT_PROPERTY ? "-X" :
			    ch == LIVE_OPT_KAFKA_PARTITIONS ?
			    "--kafka-partitions" : ch == LIVE_OPT_END_OFFSETS ?
			    "--end-offsets" : "--kafka-fields", arg, why);
		return 1;
	}
	return 0;
}

void
live_check(struct live *l, int noperands, const char *watch_dir,
    size_t record_size, int once, const char *usage)
{
	int mqtt = l->kind == LIVE_OPT_MQTT, kafka = l->kind == LIVE_OPT_KAFKA;
	const char *why;

	if (l->kind != 0 && (noperands > 0 || watch_dir != NULL))
		usage_fail(usage, "%s reads its source alone: no --watch, "
		    "no file operands", l->name);
	if ((mqtt || kafka) != (l->topic != NULL))
		usage_fail(usage, "--topic goes with --mqtt or --kafka, and "
		    "they with it");
	if (!mqtt && (l->mqtt.fields || l->mqtt.client_id))
		usage_fail(usage, "--mqtt-fields and --mqtt-client-id go with "
		    "--mqtt");
	if (!kafka && l->kafka_opts)
		usage_fail(usage, "--kafka-fields, --kafka-partitions, "
		    "--end-offsets, --start, --max-rate-per-partition and -X "
		    "go with --kafka");
	if (record_size > 0 && l->kind != 0)
		usage_fail(usage, "--record-size reads files or standard "
		    "input, by processing time");
	if (mqtt)
		l->mqtt.topic = l->topic;
	if (kafka && (why = src_kafka_topics(&l->kafka, l->topic)) != NULL)
		usage_fail(usage, "--topic %s: %s", l->topic, why);
	if ((l->group != NULL) != (l->task != NULL) ||
	    (l->group != NULL && !kafka))
		usage_fail(usage, "--group and --task go together, with "
		    "--kafka");
	if (l->group != NULL && l->read_opts)
		usage_fail(usage, "--group: its tasks read the partitions; "
		    "their options go in --task");
	if (l->records && (!kafka || l->group != NULL || l->read_opts ||
	    l->kafka.ntopics > 1))
		usage_fail(usage, "--records goes with --kafka and one --topic, "
		    "-X and --once; not with --group or the options of how to "
		    "read");
	if (kafka && l->kafka.nonly > 0 && l->kafka.ntopics > 1)
		usage_fail(usage, "--kafka-partitions: of one topic");
	if (l->kafka.npin > 0 && !once)
		usage_fail(usage, "--end-offsets goes with --once");
}

void
live_restore(struct live *l, struct ck_log *log)
{
	if (l->kind == LIVE_OPT_MQTT)	/* read by ck_log_restore */
		log->journal = &l->mqtt.journal;
	if (l->kind == LIVE_OPT_KAFKA) {	/* with each batch */
		log->src_put = src_kafka_put_state;
		log->src_get = src_kafka_get_state;
		log->src_arg = &l->kafka;
		l->kafka.src.rd = log->rd;
	}
}

struct source *
live_open(struct live *l, struct reader *r, struct ck_log *log, int once)
{
	switch (l->kind) {
	case LIVE_OPT_MQTT:
		src_mqtt_session(&l->mqtt, log->opts.root, log->opts.id);
		src_mqtt_init(&l->mqtt, r);
		if (log->opts.root != NULL)
			src_mqtt_journal(&l->mqtt, log->last_logged);
		return &l->mqtt.src;
	case LIVE_OPT_KAFKA:
		src_kafka_init(&l->kafka, r, once);
		return &l->kafka.src;
	case LIVE_OPT_CONNECT:
	case LIVE_OPT_LISTEN:
		src_net_init(&l->net, r, once);
		return &l->net.src;
	}
	return NULL;
}
