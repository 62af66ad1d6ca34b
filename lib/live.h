/*
 * live: stream-split's live sources, the ones it does not read from files
 * (--connect, --listen, --mqtt, --kafka): their options, how they go
 * together, and the source they open. Each source is its own module
 * (lib/src_net.c, lib/src_mqtt.c, lib/src_kafka.c); this is where
 * stream-split meets them.
 */
#ifndef SK_LIVE_H
#define SK_LIVE_H

#include <getopt.h>

#include "ck_log.h"
#include "src.h"

enum {
	LIVE_OPT_CONNECT = 1200, LIVE_OPT_LISTEN, LIVE_OPT_MQTT,
	LIVE_OPT_TOPIC, LIVE_OPT_MQTT_FIELDS, LIVE_OPT_MQTT_CLIENT_ID,
	LIVE_OPT_KAFKA, LIVE_OPT_KAFKA_FIELDS, LIVE_OPT_START,
	LIVE_OPT_PARTITION_RATE, LIVE_OPT_KAFKA_PARTITIONS, LIVE_OPT_END_OFFSETS,
	LIVE_OPT_GROUP, LIVE_OPT_TASK, LIVE_OPT_RECORDS,
	LIVE_OPT_PROPERTY = 'X'
};
#define LIVE_SHORTOPTS "X:"
#define LIVE_LONGOPTS \
	{ "connect", required_argument, NULL, LIVE_OPT_CONNECT }, \
	{ "listen", required_argument, NULL, LIVE_OPT_LISTEN }, \
	{ "mqtt", required_argument, NULL, LIVE_OPT_MQTT }, \
	{ "topic", required_argument, NULL, LIVE_OPT_TOPIC }, \
	{ "mqtt-fields", no_argument, NULL, LIVE_OPT_MQTT_FIELDS }, \
	{ "mqtt-client-id", required_argument, NULL, LIVE_OPT_MQTT_CLIENT_ID }, \
	{ "kafka", required_argument, NULL, LIVE_OPT_KAFKA }, \
	{ "kafka-fields", required_argument, NULL, LIVE_OPT_KAFKA_FIELDS }, \
	{ "start", required_argument, NULL, LIVE_OPT_START }, \
	{ "max-rate-per-partition", required_argument, NULL, \
	    LIVE_OPT_PARTITION_RATE }, \
	{ "kafka-partitions", required_argument, NULL, \
	    LIVE_OPT_KAFKA_PARTITIONS }, \
	{ "end-offsets", required_argument, NULL, LIVE_OPT_END_OFFSETS }, \
	{ "group", required_argument, NULL, LIVE_OPT_GROUP }, \
	{ "task", required_argument, NULL, LIVE_OPT_TASK }, \
	{ "records", no_argument, NULL, LIVE_OPT_RECORDS }

struct live {
	int		 kind;		/* 0: none, or its LIVE_OPT_ */
	const char	*name;		/* "--connect", ...: for messages */
	const char	*topic;		/* --topic */
	int		 kafka_opts;	/* --kafka's own were given */
	int		 read_opts;	/* of them, how to read (not -X) */
	const char	*group, *task;	/* --group, --task: lib/group */
	int		 records;	/* --records: lib/kafka_merge */
	struct src_net	 net;
	struct src_mqtt	 mqtt;
	struct src_kafka kafka;
};

/* Takes one of those options; returns 1 if it was one. */
int	live_option(struct live *, int opt, const char *arg, const char *usage);
/* The options together (a usage error if they do not go): with file
 * operands or a watched directory, --record-size and --once. */
void	live_check(struct live *, int noperands, const char *watch_dir,
	    size_t record_size, int once, const char *usage);
/* Before the log is replayed: what the source keeps in the checkpoint. */
void	live_restore(struct live *, struct ck_log *);
/* The live source (NULL: none), opened; with --checkpoint, after the log
 * is replayed, its own files too. */
struct source *live_open(struct live *, struct reader *, struct ck_log *,
	    int once);

#endif
