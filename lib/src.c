/* src: the reader every source of stream-split reads through; see src.h. */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "src.h"
#include "util.h"

void
rd_init(struct reader *r, struct batcher *b, volatile sig_atomic_t *stop,
    int logging)
{
	memset(r, 0, sizeof(*r));
	r->b = b;
	r->stop = stop;
	r->logging = logging;
	r->cur.first = 1;
	r->fd = -1;
	ob_init(&r->wal, -1, "wal");
	ib_init(&r->ib, -1, "stdin");
}

void
rd_seg_finish(struct reader *r)
{
	struct position *c = &r->cur;

	if (c->kind == SRC_FILE && c->off > r->seg_start) {
		r->segs = ereallocarray(r->segs, r->nsegs + 1, sizeof(*r->segs));
		r->segs[r->nsegs].path = estrdup(c->path);
		r->segs[r->nsegs].operand = c->operand;
		r->segs[r->nsegs].start = r->seg_start;
		r->segs[r->nsegs].end = c->off;
		r->nsegs++;
	}
	r->seg_start = c->off;
}

void
rd_segs_clear(struct reader *r)
{
	while (r->nsegs > 0)
		free(r->segs[--r->nsegs].path);
	ob_reset(&r->wal);
}

void
rd_free(struct reader *r)
{
	rd_segs_clear(r);
	free(r->segs);
	ob_free(&r->wal);
	ib_free(&r->ib);
	schema_free(&r->insc);
	pos_free(&r->in_at);
	free(r->cur.path);
	free(r->hex);
	ob_free(&r->live_line);
	r->segs = NULL;
	r->cur.path = r->hex = NULL;
}

void
rd_enter(struct reader *r, enum src_kind kind, const char *path,
    int64_t operand, uint64_t off)
{
	char *copy = path ? estrdup(path) : NULL;	/* path may be cur.path */
	struct position *c = &r->cur;

	rd_seg_finish(r);
	c->kind = kind;
	free(c->path);
	c->path = copy;
	c->id = ++r->pos_id;
	pos_free(&r->in_at);	/* a record stream places its own lines */
	r->in_at.line = 0;
	c->operand = operand;
	c->off = off;
	c->first = off == 0;
	r->seg_start = off;
	/* by the processing-time clock, a pipe that stays silent and closes
	 * is a live source that had nothing (the clock made its batches);
	 * by event time, an empty pipe is a record stream whose tool died */
	r->sr.ib = NULL;
	stream_end_init(&r->sr.end, kind == SRC_STDIN &&
	    r->b->event_field != NULL ? STDIN_FILENO : -1);
	r->long_seen = 0;
	if (off > 0) {		/* resumed: its start was read before */
		r->sr.end.lines = 1;
		r->sr.end.header = r->b->records_in;
	}
}

/* The first line of a source says whether it is a record stream. */
static void
first_line(struct reader *r, const char *s, size_t n, const char *src)
{
	static const unsigned char str[] = { CT_STR };
	char *line = "line";

	r->cur.first = 0;
	r->cur.datalines = 0;
	r->b->records_in = rec_stream_start(s, n);
	if (!r->b->records_in) {
		schema_set(&r->insc, &line, 1);
		schema_set_types(&r->insc, str);
		batcher_bind(r->b, &r->insc, src);
		batcher_schema(r->b, &r->insc);
	}
}

/* A control line of a record stream: 1 at #eos. */
static int
control(struct reader *r, const struct item *it, const char *src,
    uint64_t input_line)
{
	char *s = it->s;
	size_t n = it->n;

	switch (it->kind) {
	case CTL_FIELDS:
		schema_parse(&r->insc, s, n);
		batcher_bind(r->b, &r->insc, src);
		batcher_schema(r->b, &r->insc);
		return 0;
	case CTL_AT:		/* the user's file and line */
		if (pos_take(&r->in_at, src, input_line, s, n) == 0)
			r->pos_id++;
		return 0;
	case CTL_TYPES:
		if (schema_types(&r->insc, s, n) < 0)
			warnx("%s: a #types line that does not fit its #fields: "
			    "left out", src);
		batcher_schema(r->b, &r->insc);
		return 0;
	case CTL_EOS:
		return 1;
	case CTL_END:
	case CTL_INTERVAL:
	case CTL_STREAM:
	case CTL_CHECKPOINT:
		return 0;	/* batched anew here, under our header */
	default:
		ob_write(&r->b->out, s, n);
		ob_putc(&r->b->out, '\n');
		return 0;
	}
}

/*
 * --max-rate: waits until the next record may enter. By processing time a
 * batch takes at most the rate times its interval, and the batches that
 * fall due meanwhile are closed; a stop ends the wait (the record is read
 * already, and goes in).
 */
static void
pace(struct reader *r)
{
	struct batcher *b = r->b;
	struct clock *c = &b->clock;
	uint64_t cap = b->event_field == NULL ? (uint64_t)((__int128)r->rate.n *
	    c->interval / 1000) : 0;
	struct timespec ts;
	int64_t w, ms;

	for (;;) {
		if (b->event_field == NULL)
			for (ms = ts_now(); ms >= c->open_t;)
				batcher_close(b);
		if (*r->stop || (r->stop_at > 0 && ts_now() >= r->stop_at))
			return;
		if (cap > 0 && c->open_n >= cap)	/* the batch is full */
			w = (c->open_t - ts_now()) * 1000000;
		else if ((w = rate_wait(&r->rate, rate_now())) == 0)
			return;
		if (w > 50000000)
			w = 50000000;	/* a signal is noticed within 50 ms */
		ts.tv_sec = 0;
		ts.tv_nsec = w > 0 ? w : 0;
		(void)nanosleep(&ts, NULL);
	}
}

/* Takes a line of the current source, line input_line of what it reads;
 * returns 1 at #eos of a record stream. */
static int
take_line(struct reader *r, char *s, size_t n, uint64_t input_line)
{
	struct position *c = &r->cur;
	const char *src = c->kind == SRC_STDIN ? NULL : c->path;
	const char *name = src ? src : r->live ? r->live : "stdin";
	uint64_t id, lineno;

	if (c->first)
		first_line(r, s, n, name);
	if (r->b->records_in) {
		struct item it;

		if (sr_item(&r->sr, s, n, &it) != CTL_DATA)
			return control(r, &it, name, input_line);
	}
	r->sr.end.lines = 1;
	if (r->rate.n > 0 && !r->replaying)
		pace(r);
	if (r->b->event_field != NULL && r->b->event_col < 0)	/* resumed */
		batcher_bind(r->b, &r->insc, name);
	if (r->b->records_in && r->in_at.line > 0) {	/* placed before */
		id = r->pos_id;
		src = r->in_at.file;
		lineno = r->in_at.line++;
	} else {
		id = c->id;
		lineno = c->datalines + 1;
	}
	batcher_line(r->b, id, src, lineno, s, n);
	c->datalines++;	/* after: a batch this line closed ends before it */
	return 0;
}

/* Lines too long that ib skipped (and reported): bad lines, that count in
 * the line numbers after them. */
static void
skipped_lines(struct reader *r, const struct ibuf *ib)
{
	for (; r->long_seen < ib->long_lines; r->long_seen++) {
		r->cur.datalines++;
		reject_count(&r->b->rej);
	}
}

int
rd_line(struct reader *r, struct ibuf *ib, char *s, size_t n, uint64_t before)
{
	int eos;

	r->cur.off = before;	/* a batch closed by this line ends before it */
	skipped_lines(r, ib);
	eos = take_line(r, s, n, ib->lineno);
	r->cur.off = ib_offset(ib);
	if (r->cur.kind == SRC_STDIN && r->logging) {
		ob_write(&r->wal, s, n);
		ob_putc(&r->wal, '\n');
	}
	return eos;
}

void
rd_fail(struct reader *r)
{
	ob_flush(&r->b->out);
	exit(SK_EXIT_DATA);
}

/* The stream reader reads the current source through ib. */
static void
reading(struct reader *r, const struct ibuf *ib)
{
	r->sr.name = r->cur.path ? r->cur.path : r->live ? r->live : "stdin";
	r->sr.ib = ib;
}

void
rd_ended(struct reader *r, const struct ibuf *ib)
{
	skipped_lines(r, ib);
	reading(r, ib);
	if (stream_broken(&r->sr.end, ib)) {
		ob_flush(&r->b->out);
		(void)sr_finish(&r->sr, NULL);
		exit(SK_EXIT_DATA);
	}
}

/*
 * The next record of ib: a line or, with --record-size, that many bytes
 * as lowercase hex; fill: read ib for it as needed. 0 when ib has no more
 * now (or at its end; bytes short of a whole record there are reported).
 */
static int
next_record(struct reader *r, struct ibuf *ib, int fill, char **s, size_t *n)
{
	static const char digits[] = "0123456789abcdef";
	size_t size = r->record_size, avail, i;
	const unsigned char *p;

	if (size == 0)
		return fill ? ib_getline(ib, s, n) : ib_next(ib, s, n);
	for (;;) {
		p = (const unsigned char *)ib_unread(ib, &avail);
		if (avail >= size)
			break;
		if (ib->eof) {
			if (avail > 0)
				reject_line(&r->b->rej, ib->name, ib->lineno + 1,
				    NULL, 0, "%zu bytes after the last whole "
				    "record of %zu: dropped", avail, size);
			ib_take_line(ib, avail);
			return 0;
		}
		if (!fill || ib_fill(ib) < 0)
			return 0;
	}
	if (r->hex == NULL)
		r->hex = emalloc(2 * size + 1);
	for (i = 0; i < size; i++) {
		r->hex[2 * i] = digits[p[i] >> 4];
		r->hex[2 * i + 1] = digits[p[i] & 15];
	}
	ib_take_line(ib, size);
	*s = r->hex;
	*n = 2 * size;
	return 1;
}

void
rd_read_through(struct reader *r, int fd, uint64_t limit)
{
	struct ibuf ib;
	char *s;
	size_t n;
	int eos = 0;

	ib_init(&ib, fd, r->cur.path ? r->cur.path : "stdin");
	ib_reset(&ib, fd, ib.name, r->cur.off);
	ib.flush = &r->b->out;
	reading(r, &ib);
	while (!eos && !*r->stop && ib_offset(&ib) < limit) {
		uint64_t before = ib_offset(&ib);

		if (!next_record(r, &ib, 1, &s, &n))
			break;
		eos = rd_line(r, &ib, s, n, before);
	}
	if (ib.eof && limit == UINT64_MAX && !*r->stop)
		rd_ended(r, &ib);
	r->sr.ib = NULL;
	ib_free(&ib);
}

void
rd_replay_bytes(struct reader *r, const char *bytes, size_t len)
{
	struct ibuf ib;
	char *s;
	size_t n;

	if (r->cur.kind != SRC_STDIN)
		rd_enter(r, SRC_STDIN, NULL, -1, 0);
	ib_init(&ib, -1, "log");
	ob_reset(&r->wal);	/* refilled by rd_line */
	while (ib.cap < len)
		ib.cap *= 2;
	ib.p = erealloc(ib.p, ib.cap);
	memcpy(ib.p, bytes, len);
	ib.end = len;
	ib.eof = 1;
	reading(r, &ib);
	while (ib_next(&ib, &s, &n))
		(void)rd_line(r, &ib, s, n, r->cur.off);
	r->sr.ib = NULL;
	ib_free(&ib);
}

int
rd_open_at(const char *path, uint64_t off, int flags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);

	if (fd >= 0 && off > 0 && lseek(fd, (off_t)off, SEEK_SET) < 0)
		err(SK_EXIT_DATA, "%s", path);
	return fd;
}

/* A file of the watched directory: a regular file only, never through a
 * link, and never one whose open would block (a FIFO); -2 if skipped. */
static int
open_watched(const char *path, uint64_t off)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;

	if (fd < 0 && errno == ELOOP) {
		warnx("%s: a link: not followed, skipped", path);
		return -2;
	}
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		warnx("%s: not a regular file: skipped", path);
		return -2;
	}
	if (off > 0 && lseek(fd, (off_t)off, SEEK_SET) < 0)
		err(SK_EXIT_DATA, "%s", path);
	return fd;
}

int
rd_read_file(struct reader *r, const char *path, int64_t operand,
    uint64_t off, uint64_t limit)
{
	int fd = operand < 0 ? open_watched(path, off) :
	    rd_open_at(path, off, 0);

	if (fd == -2)
		return -1;
	if (fd < 0) {
		if (errno != EINTR || !*r->stop)	/* a stop while a FIFO opens */
			warn("%s", path);
		return -1;
	}
	rd_enter(r, SRC_FILE, path, operand, off);
	rd_read_through(r, fd, limit);
	close(fd);
	return 0;
}

void
rd_live_line(struct reader *r, const char *s, size_t n)
{
	if (r->live_line.cap == 0)
		ob_init(&r->live_line, -1, "line");
	ob_reset(&r->live_line);
	ob_write(&r->live_line, s, n);
	ob_putc(&r->live_line, '\0');
	(void)take_line(r, r->live_line.p, n, ++r->live_lines);
	if (r->cur.kind == SRC_STDIN && r->logging && !r->source_logs) {
		ob_write(&r->wal, s, n);
		ob_putc(&r->wal, '\n');
	}
}

void
payload_init(struct payload *pl, const char *p, size_t n)
{
	pl->p = p;
	pl->e = p + n;
	if (n == 0)
		pl->p = pl->e + 1;	/* no line at all */
	else if (pl->e[-1] == '\n')
		pl->e--;
}

int
payload_next(struct payload *pl, const char **line, size_t *n)
{
	const char *lf;

	if (pl->p > pl->e)
		return 0;
	if ((lf = memchr(pl->p, '\n', (size_t)(pl->e - pl->p))) == NULL)
		lf = pl->e;
	*line = pl->p;
	*n = (size_t)(lf - pl->p);
	if (*n > 0 && pl->p[*n - 1] == '\r')
		(*n)--;
	pl->p = lf + 1;
	return 1;
}

void
rd_take(struct reader *r, struct ibuf *ib)
{
	char *s;
	size_t n;

	reading(r, ib);
	for (;;) {
		uint64_t before = ib_offset(ib);

		if (!ib_next(ib, &s, &n))
			break;
		(void)rd_line(r, ib, s, n, before);
	}
	r->sr.ib = NULL;
}

void
rd_attach(struct reader *r, int fd)
{
	r->fd = fd;
	ib_reset(&r->ib, fd, r->cur.path ? r->cur.path : "stdin", r->cur.off);
	reading(r, &r->ib);
}

int
rd_ready(struct reader *r)
{
	ssize_t got = ib_fill(&r->ib);
	int eos = 0;
	char *s;
	size_t n;

	for (;;) {
		uint64_t before = ib_offset(&r->ib);

		if (!next_record(r, &r->ib, 0, &s, &n))
			break;
		if ((eos = rd_line(r, &r->ib, s, n, before)) != 0)
			break;
	}
	if (got != 0 && !eos)
		return 1;
	if (got == 0)
		rd_ended(r, &r->ib);
	if (r->fd != STDIN_FILENO)
		close(r->fd);
	r->fd = -1;
	return 0;
}
