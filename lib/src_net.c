/*
 * src_net: a TCP source, as a client (--connect) or a server (--listen).
 * See src.h. Sockets are non-blocking: a connect under way, a server that
 * is down, or a quiet client never stops the batch clock.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src.h"
#include "ts.h"
#include "util.h"

const char *
src_net_parse(struct src_net *n, const char *addr, int listening)
{
	const char *colon = strrchr(addr, ':'), *host = addr, *port;
	size_t hlen;
	char *end;
	long p;

	n->addr = addr;
	n->listening = listening;
	if (colon == NULL && !listening)
		return "expected host:port";
	port = colon != NULL ? colon + 1 : addr;
	hlen = colon != NULL ? (size_t)(colon - addr) : 0;
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;		/* [::1]:9999 */
		hlen -= 2;
	}
	p = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || p < 0 || p > 65535 ||
	    (p == 0 && !listening))
		return "not a port number";
	if (hlen == 0 && !listening)
		return "expected host:port";
	free(n->host);
	free(n->port);
	n->host = hlen > 0 ? estrndup(host, hlen) : NULL;
	n->port = estrdup(port);
	return NULL;
}

/* The peer's address as text. */
static void
peer_name(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	char h[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		inet_ntop(AF_INET, &in->sin_addr, h, sizeof(h));
		port = ntohs(in->sin_port);
		snprintf(buf, cap, "%s:%u", h, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, h, sizeof(h));
		port = ntohs(in6->sin6_port);
		snprintf(buf, cap, "[%s]:%u", h, port);
	} else
		snprintf(buf, cap, "a client");
}

static struct net_conn *
add_conn(struct src_net *n, int fd, const char *peer)
{
	struct net_conn *c;

	n->conns = ereallocarray(n->conns, n->nconns + 1, sizeof(*n->conns));
	c = &n->conns[n->nconns++];
	c->fd = fd;
	ib_init(&c->ib, fd, n->name);
	c->ib.peer = 1;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	return c;
}

static void
drop_conn(struct src_net *n, size_t i)
{
	close(n->conns[i].fd);
	ib_free(&n->conns[i].ib);
	n->conns[i] = n->conns[--n->nconns];
}

/* --connect could not reach the server, or lost it (lib/retry). */
static void
outage(struct src_net *n, const char *why, int64_t now)
{
	retry_failed(&n->retry, n->name, why, now);
}

static void
connected(struct src_net *n)
{
	n->connecting = 0;
	retry_ok(&n->retry, n->name);
}

/* --connect: a connect(2) begun, done, or failed (an outage). */
static void
try_connect(struct src_net *n, int64_t now)
{
	struct addrinfo hints = { 0 }, *res, *a;
	int fd = -1, e;

	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(n->host, n->port, &hints, &res)) != 0) {
		outage(n, gai_strerror(e), now);
		return;
	}
	errno = ECONNREFUSED;
	for (a = res; a != NULL; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
		    errno == EINPROGRESS)
			break;
		e = errno;
		close(fd);
		fd = -1;
		errno = e;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		outage(n, strerror(errno), now);
		return;
	}
	add_conn(n, fd, n->addr);
	n->connecting = 1;
}

/* --listen: the socket, bound and listening; a failure is exit 1. */
static void
listen_on(struct src_net *n)
{
	struct addrinfo hints = { 0 }, *res, *a;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char bound[80];
	int one = 1, e;

	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((e = getaddrinfo(n->host, n->port, &hints, &res)) != 0)
		errx(SK_EXIT_DATA, "--listen %s: %s", n->addr, gai_strerror(e));
	n->lfd = -1;
	for (a = res; a != NULL && n->lfd < 0; a = a->ai_next) {
		n->lfd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, a->ai_protocol);
		if (n->lfd < 0)
			continue;
		(void)setsockopt(n->lfd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
		if (bind(n->lfd, a->ai_addr, a->ai_addrlen) == 0 &&
		    listen(n->lfd, 128) == 0)
			break;
		e = errno;
		close(n->lfd);
		n->lfd = -1;
		errno = e;
	}
	freeaddrinfo(res);
	if (n->lfd < 0)
		err(SK_EXIT_DATA, "--listen %s", n->addr);
	if (getsockname(n->lfd, (struct sockaddr *)&ss, &len) == 0 &&
	    n->host != NULL) {
		peer_name(&ss, bound, sizeof(bound));
		snprintf(n->name, sizeof(n->name), "%s", bound);
	}
	if (strcmp(n->port, "0") == 0)	/* say which port it got */
		warnx("listening on %s", n->name);
}

/* --listen: takes the clients waiting, as many as there is room for. */
static void
accept_clients(struct src_net *n)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char peer[80];
	int fd;

	while (n->nconns < SRC_MAXFD - 1) {
		len = sizeof(ss);
		fd = accept4(n->lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				warn("--listen %s: accept", n->name);
			return;
		}
		peer_name(&ss, peer, sizeof(peer));
		add_conn(n, fd, peer);
		n->served++;
	}
}

/* Reads what connection i has: its complete lines go to the batch; at its
 * end, a line cut short is dropped and said. 0 if it has ended. */
static int
read_conn(struct src_net *n, size_t i)
{
	struct net_conn *c = &n->conns[i];
	ssize_t got;
	size_t cut;

	while ((got = ib_fill(&c->ib)) > 0)
		rd_take(n->src.rd, &c->ib);
	if (got < 0)		/* nothing more now */
		return 1;
	if ((cut = ib_drop_partial(&c->ib)) > 0)
		warnx("%s: %s: the connection ended inside a line: %zu bytes "
		    "dropped", n->name, c->peer, cut);
	rd_take(n->src.rd, &c->ib);
	if (c->ib.error != 0 && n->listening)
		warnx("%s: %s: %s", n->name, c->peer, strerror(c->ib.error));
	return 0;
}

static int
net_more(struct source *s)
{
	return !((struct src_net *)s)->ended;
}

static int
net_wait(struct source *s, struct pollfd *p, int64_t now, int *timeout)
{
	struct src_net *n = (struct src_net *)s;
	size_t i;
	int np = 0;

	if (!n->listening && n->nconns == 0) {
		if (retry_wait(&n->retry, now, timeout))
			return 0;
		try_connect(n, now);
		if (n->nconns == 0)
			return net_wait(s, p, now, timeout);
	}
	if (n->listening && n->nconns < SRC_MAXFD - 1)
		p[np++] = (struct pollfd){ n->lfd, POLLIN, 0 };
	for (i = 0; i < n->nconns; i++)
		p[np++] = (struct pollfd){ n->conns[i].fd,
		    n->connecting ? POLLOUT : POLLIN, 0 };
	return np;
}

/* --connect: the connect(2) under way has ended, one way or the other. */
static void
connect_done(struct src_net *n)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(n->conns[0].fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (e == 0) {
		connected(n);
		return;
	}
	drop_conn(n, 0);
	n->connecting = 0;
	outage(n, strerror(e), ts_now());
}

static void
net_ready(struct source *s, const struct pollfd *p, int np)
{
	struct src_net *n = (struct src_net *)s;
	int k = n->listening && n->nconns < SRC_MAXFD - 1;	/* the lfd's */
	size_t i, polled = (size_t)(np - k);

	if (k > 0 && p[0].revents != 0)
		accept_clients(n);	/* after the clients polled */
	for (i = polled; i-- > 0;) {	/* from the last: drop_conn moves it */
		if (p[k + (int)i].revents == 0)
			continue;
		if (n->connecting) {
			connect_done(n);
			continue;
		}
		if (read_conn(n, i))
			continue;
		drop_conn(n, i);
		if (!n->listening && n->once)
			n->ended = 1;
		else if (!n->listening)
			outage(n, "the server closed the connection", ts_now());
	}
	if (n->listening && n->once && n->served > 0 && n->nconns == 0)
		n->ended = 1;
}

static const struct source_ops net_ops = { net_more, net_wait, net_ready };

void
src_net_init(struct src_net *n, struct reader *r, int once)
{
	n->src.ops = &net_ops;
	n->src.rd = r;
	n->once = once;
	n->lfd = -1;
	snprintf(n->name, sizeof(n->name), "%s", n->addr);
	r->live = n->name;
	if (r->cur.kind != SRC_STDIN)
		rd_enter(r, SRC_STDIN, NULL, -1, 0);
	if (n->listening)
		listen_on(n);
}
