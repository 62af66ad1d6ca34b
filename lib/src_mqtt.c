/*
 * src_mqtt: an MQTT subscription as a source (the MQTT connector of Spark
 * in Action, 6.2), through libmosquitto on stream-split's own poll loop:
 * the socket is polled with the rest, and libmosquitto reads, writes and
 * keeps the connection alive when it is ready. See src.h.
 */
#include <err.h>
#include <limits.h>
#include <errno.h>
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ht.h"
#include "journal.h"
#include "src.h"
#include "ts.h"
#include "util.h"

#define KEEPALIVE	30	/* s */

const char *
src_mqtt_parse(struct src_mqtt *m, const char *url)
{
	const char *h = url, *colon;
	char *end;
	long port = 1883;

	if (strncmp(h, "mqtt://", 7) == 0)
		h += 7;
	else if (strstr(h, "://") != NULL)
		return "not mqtt://host[:port]";
	if ((colon = strrchr(h, ':')) != NULL) {
		port = strtol(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
			return "not a port number";
	} else
		colon = h + strlen(h);
	if (colon == h)
		return "no host";
	m->url = url;
	free(m->host);
	m->host = estrndup(h, (size_t)(colon - h));
	m->port = (int)port;
	return NULL;
}

/* An outage (lib/retry). */
static void
outage(struct src_mqtt *m, const char *why)
{
	if (m->connected)	/* what was not acknowledged comes again */
		journal_reconnect(&m->journal);
	m->connected = 0;
	retry_failed(&m->retry, m->url, why, ts_now());
}

static void
on_connect(struct mosquitto *mosq, void *arg, int rc)
{
	struct src_mqtt *m = arg;
	int e;

	if (rc != 0) {
		outage(m, mosquitto_connack_string(rc));
		return;
	}
	if ((e = mosquitto_subscribe(mosq, NULL, m->topic, 1)) !=
	    MOSQ_ERR_SUCCESS) {
		outage(m, mosquitto_strerror(e));
		return;
	}
	retry_ok(&m->retry, m->url);
}

/* A line of a message: a line of the source; with --mqtt-fields, a record
 * of its topic and the line. */
static void
deliver(struct src_mqtt *m, const char *topic, size_t tn, const char *p,
    size_t n)
{
	if (!m->fields) {
		rd_live_line(m->src.rd, p, n);
		return;
	}
	ob_reset(&m->line);	/* topic TAB line, each a field */
	rec_put_field(&m->line, topic, tn, 1);
	ob_putc(&m->line, '\t');
	rec_put_field(&m->line, p, n, 0);
	rd_live_line(m->src.rd, m->line.p, m->line.len);
}

/* Each line of a message's payload, into the journal as it is taken; of a
 * message sent again, the lines not taken before. */
static void
on_message(struct mosquitto *mosq, void *arg,
    const struct mosquitto_message *msg)
{
	struct src_mqtt *m = arg;
	size_t tn = strlen(msg->topic), n;
	uint64_t hash, skip, k = 0;
	struct payload pl;
	const char *p;

	(void)mosq;
	if (msg->payloadlen <= 0)
		return;
	hash = ht_hash(msg->topic, tn) * 31 + ht_hash(msg->payload,
	    (size_t)msg->payloadlen);
	skip = journal_again(&m->journal, msg->mid, hash);
	payload_init(&pl, msg->payload, (size_t)msg->payloadlen);
	while (payload_next(&pl, &p, &n)) {
		if (k++ < skip)
			continue;
		deliver(m, msg->topic, tn, p, n);
		journal_add(&m->journal, msg->mid, hash, msg->topic, tn, p, n);
	}
}

/* Connects, or says why not. */
static void
try_connect(struct src_mqtt *m)
{
	int e;

	if (m->mosq == NULL)
		return;
	e = m->started ? mosquitto_reconnect(m->mosq) :
	    mosquitto_connect(m->mosq, m->host, m->port, KEEPALIVE);
	m->started = 1;
	if (e == MOSQ_ERR_SUCCESS) {
		m->connected = 1;	/* CONNACK to come: on_connect */
		return;
	}
	outage(m, e == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(e));
}

static int
mqtt_more(struct source *s)
{
	(void)s;
	return 1;
}

static int
mqtt_wait(struct source *s, struct pollfd *p, int64_t now, int *timeout)
{
	struct src_mqtt *m = (struct src_mqtt *)s;
	int fd;

	if (!m->connected && !retry_wait(&m->retry, now, timeout))
		try_connect(m);
	if (!m->connected || (fd = mosquitto_socket(m->mosq)) < 0) {
		(void)retry_wait(&m->retry, now, timeout);
		return 0;
	}
	if (*timeout < 0 || *timeout > 1000)
		*timeout = 1000;	/* keep-alive: loop_misc each second */
	p[0] = (struct pollfd){ fd, POLLIN, 0 };
	if (mosquitto_want_write(m->mosq))
		p[0].events |= POLLOUT;
	return 1;
}

/*
 * Reads the packets the socket has: loop_read takes about one a call, and
 * a poll for each would fall behind a fast publisher until the broker's
 * queue for this client is full and it drops messages.
 */
static int
read_all(struct src_mqtt *m)
{
	struct pollfd q = { mosquitto_socket(m->mosq), POLLIN, 0 };
	int e, k = 0;

	do
		e = mosquitto_loop_read(m->mosq, 1);
	while (e == MOSQ_ERR_SUCCESS && ++k < 100000 && q.fd >= 0 &&
	    poll(&q, 1, 0) == 1 && (q.revents & POLLIN));
	return e;
}

/*
 * Reads, then acknowledges what it read: libmosquitto queues a PUBACK as a
 * message comes (threaded mode, see src_mqtt_init), and it goes out only
 * once the journal holds the message.
 */
static void
mqtt_ready(struct source *s, const struct pollfd *p, int n)
{
	struct src_mqtt *m = (struct src_mqtt *)s;
	int e = MOSQ_ERR_SUCCESS;

	if (!m->connected)
		return;
	if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
		e = read_all(m);
	journal_sync(&m->journal);
	if (e == MOSQ_ERR_SUCCESS && mosquitto_want_write(m->mosq))
		e = mosquitto_loop_write(m->mosq, 1);
	if (e == MOSQ_ERR_SUCCESS)
		e = mosquitto_loop_misc(m->mosq);
	if (e != MOSQ_ERR_SUCCESS && m->connected)
		outage(m, e == MOSQ_ERR_ERRNO ? strerror(errno) :
		    e == MOSQ_ERR_CONN_LOST ? "the broker closed the connection" :
		    mosquitto_strerror(e));
}

static const struct source_ops mqtt_ops = { mqtt_more, mqtt_wait, mqtt_ready };

void
src_mqtt_session(struct src_mqtt *m, const char *root, const char *id)
{
	char path[PATH_MAX], buf[PATH_MAX + 64];
	int n;

	if (m->client_id != NULL || root == NULL)
		return;
	if (realpath(root, path) == NULL)
		snprintf(path, sizeof(path), "%s", root);
	n = snprintf(buf, sizeof(buf), "%s/%s", path, id != NULL ? id :
	    "stream-split");
	snprintf(m->id_buf, sizeof(m->id_buf), "streamkit-%016llx",
	    (unsigned long long)ht_hash(buf, n > 0 ? (size_t)n : 0));
	m->client_id = m->id_buf;
}

void
src_mqtt_init(struct src_mqtt *m, struct reader *r)
{
	m->src.ops = &mqtt_ops;
	m->src.rd = r;
	if (!m->journal.on_disk)	/* in memory, without --checkpoint */
		journal_open(&m->journal, NULL);
	ob_init(&m->line, -1, "mqtt");
	mosquitto_lib_init();
	/* a client id keeps a session: QoS 1 messages wait for it */
	if ((m->mosq = mosquitto_new(m->client_id, m->client_id == NULL,
	    m)) == NULL)
		err(SK_EXIT_DATA, "%s", m->url);
	/* "threaded": a packet is queued, and written by loop_write only,
	 * so that a PUBACK waits for the journal (mqtt_ready) */
	mosquitto_threaded_set(m->mosq, true);
	mosquitto_connect_callback_set(m->mosq, on_connect);
	mosquitto_message_callback_set(m->mosq, on_message);
	r->live = m->url;
	if (r->cur.kind != SRC_STDIN)
		rd_enter(r, SRC_STDIN, NULL, -1, 0);
	if (m->fields)	/* a record stream of two fields */
		rd_live_line(r, "#fields\ttopic\tline", 18);
}

void
src_mqtt_journal(struct src_mqtt *m, int64_t logged)
{
	struct reader *r = m->src.rd;
	const char *key, *line;
	size_t kn, n;

	journal_start(&m->journal, logged);
	r->replaying = r->b->replaying = 1;	/* taken before: as then */
	while (journal_next(&m->journal, &key, &kn, &line, &n))
		deliver(m, key, kn, line, n);
	r->replaying = r->b->replaying = 0;
}
