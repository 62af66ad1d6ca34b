#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

/*
 * A pipe holds 64 KiB unless asked: a writer of 256 KiB blocks then wakes
 * its reader four times a block. Asking for 1 MiB (the default limit of
 * /proc/sys/fs/pipe-max-size) lets whole blocks pass; a refusal is no harm.
 */
static void
pipe_widen(int fd)
{
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, PIPE_WIDE);
}

int
fd_is_pipe(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

static void
reader_gone(int fd, const char *name)
{
	struct pollfd p = { fd, 0, 0 };

	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP)))
		errx(SK_EXIT_DATA, "%s: the reader is gone: stopping", name);
}

void
ob_check_reader(const struct obuf *o)
{
	size_t i;

	if (o->pipe)
		reader_gone(o->fd, o->name);
	for (i = 0; i < o->ntee; i++)
		if (o->tee[i].pipe)
			reader_gone(o->tee[i].fd, o->tee[i].name);
}

/*
 * Waits until the input can be read, watching the outputs of b->flush the
 * while: a tool whose reader died must not linger waiting for input that
 * may never come. Returns early on a signal (the read then reports it).
 */
static void
wait_input(struct ibuf *b)
{
	struct pollfd p[16];
	const char *names[16];
	struct obuf *o;
	nfds_t n = 1, i;
	size_t k;

	p[0] = (struct pollfd){ b->fd, POLLIN, 0 };
	for (o = b->flush; o != NULL; o = o->next) {
		if (o->pipe && n < SK_NELEM(p)) {
			names[n] = o->name;
			p[n++] = (struct pollfd){ o->fd, 0, 0 };
		}
		for (k = 0; k < o->ntee; k++)
			if (o->tee[k].pipe && n < SK_NELEM(p)) {
				names[n] = o->tee[k].name;
				p[n++] = (struct pollfd){ o->tee[k].fd, 0, 0 };
			}
	}
	if (n == 1)
		return;
	for (;;) {
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				return;
			err(SK_EXIT_DATA, "poll");
		}
		for (i = 1; i < n; i++)
			if (p[i].revents & (POLLERR | POLLHUP))
				errx(SK_EXIT_DATA, "%s: the reader is gone: "
				    "stopping", names[i]);
		if (p[0].revents != 0)
			return;
	}
}

void
ob_init(struct obuf *o, int fd, const char *name)
{
	pipe_widen(fd);
	o->fd = fd;
	o->pipe = fd_is_pipe(fd);
	o->name = name;
	o->cap = fd >= 0 ? OBUF_SIZE : 256;	/* in memory: grows as used */
	o->len = 0;
	o->p = emalloc(o->cap);
	o->sink = NULL;
	o->sink_arg = NULL;
	o->tee = NULL;
	o->ntee = 0;
	o->next = NULL;
}

void
ob_init_sink(struct obuf *o, void (*fn)(void *, const void *, size_t),
    void *arg)
{
	ob_init(o, -1, "sink");
	o->cap = OBUF_SIZE;
	o->p = erealloc(o->p, o->cap);
	o->sink = fn;
	o->sink_arg = arg;
}

static void
write_all(int fd, const char *name, const char *p, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err(SK_EXIT_DATA, "%s", name);
		}
		off += (size_t)n;
	}
}

void
ob_flush(struct obuf *o)
{
	size_t i;

	if (o->sink != NULL) {
		if (o->len > 0)
			o->sink(o->sink_arg, o->p, o->len);
		o->len = 0;
		return;
	}
	if (o->fd < 0)
		return;
	write_all(o->fd, o->name, o->p, o->len);
	for (i = 0; i < o->ntee; i++)
		write_all(o->tee[i].fd, o->tee[i].name, o->p, o->len);
	o->len = 0;
}

void
ob_tee(struct obuf *o, int fd, const char *name)
{
	pipe_widen(fd);
	o->tee = ereallocarray(o->tee, o->ntee + 1, sizeof(*o->tee));
	o->tee[o->ntee].fd = fd;
	o->tee[o->ntee].pipe = fd_is_pipe(fd);
	o->tee[o->ntee].name = name;
	o->ntee++;
}

void
ob_grow(struct obuf *o, size_t need)
{
	if (o->fd >= 0 || o->sink != NULL)
		ob_flush(o);
	if (o->cap - o->len < need) {
		while (o->cap - o->len < need)
			o->cap *= 2;
		o->p = erealloc(o->p, o->cap);
	}
}

void
ob_reset(struct obuf *o)
{
	o->len = 0;
}

void
ob_close(struct obuf *o)
{
	size_t i;

	ob_flush(o);
	for (i = 0; i < o->ntee; i++)
		if (close(o->tee[i].fd) < 0 && errno != EINTR)
			err(SK_EXIT_DATA, "%s", o->tee[i].name);
	if (o->fd >= 0 && close(o->fd) < 0 && errno != EINTR)
		err(SK_EXIT_DATA, "%s", o->name);
	o->fd = -1;
	ob_free(o);
}

void
ob_free(struct obuf *o)
{
	free(o->p);
	free(o->tee);
	o->tee = NULL;
	o->ntee = 0;
	o->p = NULL;
	o->cap = o->len = 0;
}

void
ob_putint(struct obuf *o, int64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *s = e;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		*--s = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--s = '-';
	ob_write(o, s, (size_t)(e - s));
}

void
ib_init(struct ibuf *b, int fd, const char *name)
{
	pipe_widen(fd);
	b->fd = fd;
	b->pipe = fd_is_pipe(fd);
	b->name = name;
	b->cap = IBUF_SIZE;
	b->p = ecalloc(1, b->cap + IBUF_PAD);
	b->start = b->end = 0;
	b->eof = 0;
	b->lineno = 0;
	b->base = 0;
	b->flush = NULL;
	b->skipping = 0;
	b->long_lines = 0;
	b->peer = 0;
	b->error = 0;
}

size_t
ib_drop_partial(struct ibuf *b)
{
	size_t avail, n;
	char *s = ib_unread(b, &avail), *lf = memrchr(s, '\n', avail);

	n = lf != NULL ? (size_t)(s + avail - (lf + 1)) : avail;
	b->end -= n;
	return n;
}

void
ib_filter(struct ibuf *ib, int fd, const char *src, struct obuf *out)
{
	ob_init(out, STDOUT_FILENO, "stdout");
	ib_init(ib, fd, src != NULL ? src : "stdin");
	ib->flush = out;
}

void
ib_reset(struct ibuf *b, int fd, const char *name, uint64_t off)
{
	b->fd = fd;
	b->pipe = fd_is_pipe(fd);
	b->name = name;
	b->start = b->end = 0;
	b->eof = 0;
	b->lineno = 0;
	b->base = off;
	b->skipping = 0;
	b->long_lines = 0;
	b->error = 0;
}

void
ib_free(struct ibuf *b)
{
	free(b->p);
	b->p = NULL;
}

int
ib_next(struct ibuf *b, char **line, size_t *len)
{
	size_t avail, n;
	char *s = ib_unread(b, &avail), *nl;

	if (avail == 0)
		return 0;
	nl = memchr(s, '\n', avail);
	if (nl == NULL && !b->eof)
		return 0;
	n = nl != NULL ? (size_t)(nl - s) : avail;
	ib_take_line(b, nl != NULL ? n + 1 : n);
	if (n > 0 && s[n - 1] == '\r')
		n--;
	*line = s;
	*len = n;
	return 1;
}

/* Drops the rest of a line too long to keep, up to its LF if it came. */
static void
skip_rest(struct ibuf *b)
{
	char *nl = memchr(b->p, '\n', b->end);
	size_t drop = nl != NULL ? (size_t)(nl - b->p) + 1 : b->end;

	memmove(b->p, b->p + drop, b->end - drop);
	b->end -= drop;
	b->base += drop;
	b->skipping = nl == NULL && !b->eof;
}

ssize_t
ib_fill(struct ibuf *b)
{
	struct obuf *o;
	ssize_t n;

	if (b->eof)
		return 0;
	if (b->start > 0) {
		memmove(b->p, b->p + b->start, b->end - b->start);
		b->end -= b->start;
		b->base += b->start;
		b->start = 0;
	}
	if (b->end == b->cap && b->cap >= IBUF_MAX_LINE) {
		/* one line fills the largest buffer: it goes, unread */
		warnx("%s:%llu: a line longer than %d MiB: skipped", b->name,
		    (unsigned long long)b->lineno + 1, IBUF_MAX_LINE >> 20);
		b->lineno++;
		b->long_lines++;
		b->skipping = 1;
		b->base += b->end;
		b->end = 0;
	} else if (b->end == b->cap) {	/* one line fills the buffer: room */
		b->p = erealloc(b->p, 2 * b->cap + IBUF_PAD);
		memset(b->p + b->cap + IBUF_PAD, 0, b->cap);
		b->cap *= 2;
	}
	for (o = b->flush; o != NULL; o = o->next)
		if (o->len > 0)
			ob_flush(o);
	if (b->pipe && b->flush != NULL)
		wait_input(b);
	n = read(b->fd, b->p + b->end, b->cap - b->end);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return -1;
		if (!b->peer)
			err(SK_EXIT_DATA, "%s", b->name);
		b->error = errno;	/* ECONNRESET: the peer is gone */
		n = 0;
	}
	if (n == 0)
		b->eof = 1;
	b->end += (size_t)n;
	if (b->skipping)
		skip_rest(b);
	return n;
}

int
ib_getline(struct ibuf *b, char **line, size_t *len)
{
	for (;;) {
		if (ib_next(b, line, len))
			return 1;
		if (b->eof || ib_fill(b) < 0)
			return 0;	/* EOF, or a signal interrupted the read */
	}
}

void
ob_put_u64(struct obuf *o, uint64_t v)
{
	ob_write(o, &v, sizeof(v));
}

void
ob_put_bytes(struct obuf *o, const void *p, size_t n)
{
	ob_put_u64(o, n);
	ob_write(o, p, n);
}

void
bin_init(struct bin *b, const void *p, size_t n)
{
	b->p = p;
	b->e = n > 0 ? b->p + n : b->p;	/* p may be NULL when n is 0 */
	b->bad = 0;
}

void
bin_raw(struct bin *b, void *dst, size_t n)
{
	if ((size_t)(b->e - b->p) < n) {
		b->bad = 1;
		b->p = b->e;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, b->p, n);
	b->p += n;
}

uint64_t
bin_u64(struct bin *b)
{
	uint64_t v;

	bin_raw(b, &v, sizeof(v));
	return v;
}

const char *
bin_bytes(struct bin *b, size_t *n)
{
	uint64_t len = bin_u64(b);
	const char *p = (const char *)b->p;

	if ((uint64_t)(b->e - b->p) < len) {
		b->bad = 1;
		b->p = b->e;
		*n = 0;
		return "";
	}
	b->p += len;
	*n = (size_t)len;
	return p;
}

char *
bin_str(struct bin *b)
{
	size_t n;
	const char *p = bin_bytes(b, &n);

	return estrndup(p, n);
}
