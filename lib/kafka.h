/*
 * kafka: what every librdkafka client of the toolkit shares (stream-split
 * --kafka and --group, stream-sink --kafka): kcat's -X key=value
 * properties, and a configuration made of the tool's fixed properties and
 * then those, its log quiet unless -X debug=... asks for it.
 */
#ifndef SK_KAFKA_H
#define SK_KAFKA_H

#include <stddef.h>

#define KAFKA_MAXPROPS	64

struct kafka_props {
	const char	*kv[KAFKA_MAXPROPS];	/* -X key=value, as given */
	size_t		 n;
};

/* -X kv: NULL, or why it is not one librdkafka takes (a usage error). */
const char *kafka_prop_add(struct kafka_props *, const char *kv);

/* The fixed properties, then the -X ones; opaque for the callbacks. Dies
 * on a property librdkafka refuses (exit 1). */
struct rd_kafka_conf_s;
struct rd_kafka_conf_s *kafka_conf(const struct kafka_props *,
	    const char *const (*fixed)[2], size_t nfixed, void *opaque);

/* A consumer of that configuration; dies naming brokers if it cannot. */
struct rd_kafka_s *kafka_consumer(struct rd_kafka_conf_s *,
	    const char *brokers);

/* A consumer that reads the partitions it assigns itself: it never joins
 * a group nor commits, nor jumps over an offset that is gone; the error
 * callback gets opaque. Dies naming brokers if it cannot be made. */
struct rd_kafka_s *kafka_reader(const struct kafka_props *,
	    const char *brokers, void *opaque,
	    void (*on_error)(struct rd_kafka_s *, int, const char *, void *));

#endif
