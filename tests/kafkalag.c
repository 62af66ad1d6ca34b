/*
 * kafkalag: a consumer group's committed offsets against the ends of a
 * topic's partitions, as kafka-consumer-groups --describe shows them.
 *
 *	kafkalag brokers group topic
 *
 * Writes a line a partition: its number, the group's committed offset
 * (-1: none) and the partition's end offset, tab-separated.
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>

int
main(int argc, char *argv[])
{
	const struct rd_kafka_metadata *md;
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_t *rkt;
	rd_kafka_t *rk;
	char errstr[512];
	int64_t lo, hi;
	int i, e;

	if (argc != 4) {
		fprintf(stderr, "usage: kafkalag brokers group topic\n");
		return 2;
	}
	if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr,
	    sizeof(errstr)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "group.id", argv[2], errstr,
	    sizeof(errstr)) != RD_KAFKA_CONF_OK ||
	    (rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr,
	    sizeof(errstr))) == NULL)
		errx(1, "%s", errstr);
	rkt = rd_kafka_topic_new(rk, argv[3], NULL);
	if ((e = rd_kafka_metadata(rk, 0, rkt, &md, 5000)) != 0 ||
	    md->topic_cnt != 1 || md->topics[0].err != 0)
		errx(1, "%s: %s", argv[3], rd_kafka_err2str(e ? e :
		    md->topics[0].err));
	l = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
	for (i = 0; i < md->topics[0].partition_cnt; i++)
		rd_kafka_topic_partition_list_add(l, argv[3], i);
	if ((e = rd_kafka_committed(rk, l, 5000)) != 0)
		errx(1, "committed: %s", rd_kafka_err2str(e));
	for (i = 0; i < l->cnt; i++) {
		if ((e = rd_kafka_query_watermark_offsets(rk, argv[3], i, &lo,
		    &hi, 5000)) != 0)
			errx(1, "watermarks: %s", rd_kafka_err2str(e));
		printf("%d\t%" PRId64 "\t%" PRId64 "\n", i,
		    l->elems[i].offset < 0 ? -1 : l->elems[i].offset, hi);
	}
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	return 0;
}
