/*
 * kafkamock: a Kafka cluster for the tests, librdkafka's mock cluster
 * (rd_kafka_mock_cluster_new) on loopback.
 *
 *	kafkamock [-b brokers] [-t topic:partitions] ...
 *
 * Starts a cluster of brokers (1 by default) holding the topics -t names,
 * writes its bootstrap servers to standard output, then a newline, and
 * runs until SIGTERM or SIGINT. SIGUSR1 takes every broker down (its
 * connections are closed and new ones refused), SIGUSR2 brings them up:
 * a broker that goes away and comes back.
 */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t got;

static void
on_signal(int sig)
{
	got = sig;
}

static void
usage(void)
{
	fprintf(stderr, "usage: kafkamock [-b brokers] [-t topic:partitions] ...\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	char errstr[512], *colon;
	const char *topics[64];
	int ntopics = 0, nbrokers = 1, ch, i, sig;
	struct sigaction sa;
	sigset_t set, old;

	while ((ch = getopt(argc, argv, "b:t:")) != -1)
		switch (ch) {
		case 'b':
			if ((nbrokers = atoi(optarg)) < 1 || nbrokers > 16)
				usage();
			break;
		case 't':
			if (ntopics == 64 || strchr(optarg, ':') == NULL)
				usage();
			topics[ntopics++] = optarg;
			break;
		default:
			usage();
		}
	if (optind != argc)
		usage();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	/* the cluster's threads take no signal: this thread waits for them */
	sigprocmask(SIG_BLOCK, &set, &old);
	for (sig = 0; sig < 4; sig++)
		sigaction((int[]){ SIGTERM, SIGINT, SIGUSR1, SIGUSR2 }[sig], &sa,
		    NULL);

	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "log_level", "3", errstr,
	    sizeof(errstr)) != RD_KAFKA_CONF_OK)
		errx(1, "%s", errstr);
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
	    sizeof(errstr))) == NULL)
		errx(1, "%s", errstr);
	if ((mc = rd_kafka_mock_cluster_new(rk, nbrokers)) == NULL)
		errx(1, "cannot start a mock cluster");
	/* Metadata v4 says whether a topic may be created by asking for it:
	 * a consumer's request for an unknown topic is answered so, as a
	 * broker with auto.create.topics.enable answers it */
	if (rd_kafka_mock_set_apiversion(mc, 3 /* Metadata */, 0, 4) != 0)
		errx(1, "cannot set the Metadata versions");
	for (i = 0; i < ntopics; i++) {
		colon = strchr(topics[i], ':');
		*colon = '\0';
		if (atoi(colon + 1) < 1)
			usage();
		if (rd_kafka_mock_topic_create(mc, topics[i], atoi(colon + 1),
		    nbrokers < 3 ? nbrokers : 3) != RD_KAFKA_RESP_ERR_NO_ERROR)
			errx(1, "%s: cannot create the topic", topics[i]);
	}
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);

	while (got != SIGTERM && got != SIGINT) {
		sigsuspend(&old);
		if (got == SIGUSR1 || got == SIGUSR2) {
			for (i = 1; i <= nbrokers; i++)
				(got == SIGUSR1 ? rd_kafka_mock_broker_set_down :
				    rd_kafka_mock_broker_set_up)(mc, i);
			got = 0;
		}
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
