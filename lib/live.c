/* live: stream-split's live sources and their options; see live.h. */
#include <stddef.h>

#include "live.h"
#include "opt.h"

int
live_option(struct live *l, int ch, const char *arg, const char *usage)
{
	const char *why, *name = ch == LIVE_OPT_CONNECT ? "--connect" :
	    ch == LIVE_OPT_LISTEN ? "--listen" : "--mqtt";

	switch (ch) {
	case LIVE_OPT_CONNECT:
	case LIVE_OPT_LISTEN:
	case LIVE_OPT_MQTT:
		if (l->kind != 0)
			usage_fail(usage, "give one of --connect, --listen "
			    "and --mqtt");
		why = ch == LIVE_OPT_MQTT ? src_mqtt_parse(&l->mqtt, arg) :
		    src_net_parse(&l->net, arg, ch == LIVE_OPT_LISTEN);
		if (why != NULL)
			usage_fail(usage, "%s %s: %s", name, arg, why);
		l->name = name;
		l->kind = ch;
		return 1;
	case LIVE_OPT_TOPIC:
		l->mqtt.topic = arg;
		return 1;
	case LIVE_OPT_MQTT_FIELDS:
		l->mqtt.fields = 1;
		return 1;
	case LIVE_OPT_MQTT_CLIENT_ID:
		l->mqtt.client_id = arg;
		return 1;
	}
	return 0;
}

void
live_check(const struct live *l, int noperands, const char *watch_dir,
    size_t record_size, const char *usage)
{
	int mqtt = l->kind == LIVE_OPT_MQTT;

	if (l->kind != 0 && (noperands > 0 || watch_dir != NULL))
		usage_fail(usage, "%s reads the socket alone: no --watch, "
		    "no file operands", l->name);
	if (mqtt != (l->mqtt.topic != NULL) ||
	    (!mqtt && (l->mqtt.fields || l->mqtt.client_id)))
		usage_fail(usage, "--mqtt and --topic go together, with "
		    "--mqtt-fields and --mqtt-client-id");
	if (record_size > 0 && l->kind != 0)
		usage_fail(usage, "--record-size reads files or standard "
		    "input, by processing time");
}

void
live_restore(struct live *l, struct ck_log *log)
{
	if (l->kind == LIVE_OPT_MQTT)	/* read by ck_log_restore */
		log->journal = &l->mqtt.journal;
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
	case LIVE_OPT_CONNECT:
	case LIVE_OPT_LISTEN:
		src_net_init(&l->net, r, once);
		return &l->net.src;
	}
	return NULL;
}
