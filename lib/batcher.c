/* batcher: stream-split's output, batches of records; see batcher.h. */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batcher.h"
#include "stream.h"
#include "dur.h"
#include "util.h"

void
batcher_init(struct batcher *b, int64_t interval)
{
	memset(b, 0, sizeof(*b));
	clock_init(&b->clock, interval);
	b->sep = ',';
	b->event_col = -1;
	b->rej.out = &b->out;
}

void
batcher_late_out(struct batcher *b, const char *path)
{
	static struct obuf late;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);

	if (fd < 0)
		err(SK_EXIT_DATA, "%s", path);
	ob_init(&late, fd, path);
	b->late_out = &late;
}

void
batcher_header(struct batcher *b, long every)
{
	stream_put_header(&b->out, NULL);
	ob_puts(&b->out, "#interval\t");
	ob_putint(&b->out, b->clock.interval);
	ob_putc(&b->out, '\n');
	if (every > 0) {
		ob_puts(&b->out, "#checkpoint\tevery=");
		ob_putint(&b->out, every);
		ob_putc(&b->out, '\n');
	}
	if (b->outsc.n > 0)
		schema_put(&b->out, &b->outsc);
}

/* Writes #fields and #types, or #types alone when only the types are new. */
void
batcher_schema(struct batcher *b, const struct schema *in)
{
	struct schema *o = &b->outsc;
	size_t i = 0;
	int types;

	if (o->n == in->n)
		for (i = 0; i < in->n; i++)
			if (strcmp(o->names[i], in->names[i]) != 0)
				break;
	types = in->types == NULL ? o->types == NULL : o->types != NULL &&
	    memcmp(in->types, o->types, in->n) == 0;
	if (o->n == in->n && i == in->n) {
		if (types)
			return;
		schema_set_types(o, in->types);
		if (o->types != NULL) {
			schema_put_types(&b->out, o);
			return;
		}
	} else {
		schema_set(o, in->names, in->n);
		schema_set_types(o, in->types);
	}
	schema_put(&b->out, o);
}

void
batcher_bind(struct batcher *b, const struct schema *in, const char *src)
{
	const char *why;

	if (b->event_field == NULL)
		return;
	if (b->records_in) {
		if ((b->event_col = schema_find(in, b->event_field)) < 0)
			errx(SK_EXIT_DATA, "%s: --event-time %s: no such field",
			    src, b->event_field);
		return;
	}
	b->event_col = (long)strtonum(b->event_field, 1, 100000, &why) - 1;
	if (why != NULL)
		errx(SK_EXIT_DATA, "%s: --event-time %s: raw lines need a column "
		    "number (or parse them first)", src, b->event_field);
}

/* #end T n=N [made=M] [late=L] [bad=B]: late and bad are the records
 * that came late or were bad since the last #end (stream-records(5)). */
static void
put_end_line(struct batcher *b, int64_t t, uint64_t n)
{
	char attrs[128];
	int len;
	uint64_t late = b->clock.late - b->late_said, bad = b->rej.n -
	    b->bad_said;

	len = snprintf(attrs, sizeof(attrs), "n=%llu", (unsigned long long)n);
	if (b->event_field == NULL)
		len += snprintf(attrs + len, sizeof(attrs) - (size_t)len,
		    "\tmade=%lld", (long long)ts_now());
	if (late > 0)
		len += snprintf(attrs + len, sizeof(attrs) - (size_t)len,
		    "\tlate=%llu", (unsigned long long)late);
	if (bad > 0)
		len += snprintf(attrs + len, sizeof(attrs) - (size_t)len,
		    "\tbad=%llu", (unsigned long long)bad);
	b->late_said = b->clock.late;
	b->bad_said = b->rej.n;
	put_end(&b->out, t, attrs, (size_t)len);
	ob_flush(&b->out);
}

void
batcher_opened(struct batcher *b)
{
	struct pending *p = clock_opened(&b->clock);

	if (p != NULL) {
		ob_write(&b->out, p->buf.p, p->buf.len);
		b->out_mark = p->mark;
		pending_done(&b->clock);
	}
}

void
batcher_close(struct batcher *b)
{
	int64_t t = b->clock.open_t;
	uint64_t n = b->clock.open_n;

	clock_close(&b->clock);
	b->closed++;
	if (b->on_close != NULL)
		b->on_close(b->on_close_arg, t);
	put_end_line(b, t, n);
	if (b->late_out != NULL)
		ob_flush(b->late_out);
	batcher_opened(b);
}

/* Writes a data line (raw text is escaped as the one field "line"), after
 * an #at if it is needed. */
static void
put_line(const struct batcher *b, struct obuf *o, struct pos_mark *m,
    uint64_t id, const char *src, uint64_t lineno, const char *s, size_t n)
{
	pos_put(o, m, id, src, lineno);
	if (b->records_in)
		ob_write(o, s, n);
	else
		rec_put_field(o, s, n, 1);
	ob_putc(o, '\n');
}

static void event_line(struct batcher *, uint64_t, const char *, uint64_t,
    char *, size_t);

/* Starts the clock at early[k] and passes the waiting records through:
 * those before it agree with no other, and are bad lines. */
static void
start_clock(struct batcher *b, size_t k)
{
	struct clock *c = &b->clock;
	char shown[256], d[40];
	size_t i;

	clock_go(c, k);
	for (i = 0; i < c->nearly; i++) {
		struct early *e = &c->early[i];

		if (i < k)
			reject_line(&b->rej, e->src, e->lineno, NULL, 0,
			    "%s \"%s\" lies more than %s (--max-ahead) from the "
			    "records after it: an outlier, dropped", b->event_field,
			    safe_text(shown, sizeof(shown), e->line + e->fo, e->fn),
			    dur_format(c->max_ahead, d));
		else
			event_line(b, e->id, e->src, e->lineno, e->line, e->n);
	}
	clock_early_done(c);
}

/* The time field of a line, found without disturbing it: 0, or -1 (with
 * the line reported and counted). */
static int
time_field(struct batcher *b, const char *src, uint64_t lineno,
    const char *s, size_t n, const char **f, size_t *fn)
{
	char fs = b->records_in ? '\t' : b->sep;
	const char *c;
	long i;

	*f = s;
	for (i = 0; i < b->event_col && *f != NULL; i++) {
		c = memchr(*f, fs, (size_t)(s + n - *f));
		*f = c ? c + 1 : NULL;
	}
	if (*f == NULL) {
		reject_line(&b->rej, src, lineno, s, n, "no field %s",
		    b->event_field);
		return -1;
	}
	c = memchr(*f, fs, (size_t)(s + n - *f));
	*fn = (size_t)((c ? c : s + n) - *f);
	return 0;
}

/* --late-out: "where<TAB>why<TAB>the line" (the line escaped as a field). */
static void
put_late(struct batcher *b, const char *src, uint64_t lineno, const char *s,
    size_t n, int64_t bt)
{
	char where[300], iso[TS_ISOMAX];

	loc_format(where, sizeof(where), src, lineno);
	rec_put_field(b->late_out, where, strlen(where), 0);
	ob_puts(b->late_out, "\tlate: its batch ");
	ob_write(b->late_out, iso, ts_format(bt, iso));
	ob_puts(b->late_out, " had closed\t");
	rec_put_field(b->late_out, s, n, 0);
	ob_putc(b->late_out, '\n');
}

static void
event_line(struct batcher *b, uint64_t id, const char *src, uint64_t lineno,
    char *s, size_t n)
{
	struct clock *c = &b->clock;
	char msg[512], shown[256], d[40];
	const char *why, *f;
	size_t fn, start;
	int64_t t, bt;

	if (n == 0) {
		reject_line(&b->rej, src, lineno, s, 0, "an empty line");
		return;
	}
	if (time_field(b, src, lineno, s, n, &f, &fn) < 0)
		return;
	if ((why = ts_parse_memo(&b->event_memo, f, fn, &b->zone,
	    b->time_format, &t)) != NULL) {
		reject_line(&b->rej, src, lineno, NULL, 0, "%s", ts_why(msg,
		    sizeof(msg), b->event_field, f, fn, why));
		return;
	}
	if (c->open_t == CLOCK_NONE) {
		if (!clock_agree(c, t, &start)) {	/* waits for another */
			clock_wait(c, s, n, (size_t)(f - s), fn, src, lineno,
			    id, t);
			return;
		}
		start_clock(b, start);
	}
	switch (clock_place(c, t, &bt)) {
	case CLOCK_LATE:
		if (b->late_out != NULL && !b->replaying)
			put_late(b, src, lineno, s, n, bt);
		return;
	case CLOCK_AHEAD:
		reject_line(&b->rej, src, lineno, NULL, 0, "%s \"%s\" is more "
		    "than %s (--max-ahead) after the open batch", b->event_field,
		    safe_text(shown, sizeof(shown), f, fn),
		    dur_format(c->max_ahead, d));
		return;
	case CLOCK_OPEN:
	case CLOCK_LATER:
		break;
	}
	while (clock_due(c))	/* the watermark has passed the open batch */
		batcher_close(b);
	if (bt == c->open_t) {
		put_line(b, &b->out, &b->out_mark, id, src, lineno, s, n);
		c->open_n++;
	} else {
		struct pending *p = clock_pending(c, bt);

		put_line(b, &p->buf, &p->mark, id, src, lineno, s, n);
		p->n++;
	}
}

void
batcher_line(struct batcher *b, uint64_t id, const char *src,
    uint64_t lineno, char *s, size_t n)
{
	if (b->event_field != NULL)
		event_line(b, id, src, lineno, s, n);
	else {
		put_line(b, &b->out, &b->out_mark, id, src, lineno, s, n);
		b->clock.open_n++;
	}
}

void
batcher_finish(struct batcher *b, int keep)
{
	struct clock *c = &b->clock;
	int64_t last;

	if (b->event_field != NULL && !keep) {
		/* records that waited start the clock at the first of them */
		if (c->open_t == CLOCK_NONE && c->nearly > 0)
			start_clock(b, 0);
		/* up to the batch of the newest record: after a restart with
		 * nothing new, the open batch holds nothing yet */
		if ((last = clock_last(c)) != CLOCK_NONE)
			while (c->open_t <= last)
				batcher_close(b);
	} else if (b->event_field == NULL)
		batcher_close(b);
	ob_puts(&b->out, "#eos\n");
	ob_flush(&b->out);
	if (c->late > 0)
		warnx("%llu late records %s", (unsigned long long)c->late,
		    c->late_next ? "put in the open batch" : b->late_out != NULL ?
		    "written to --late-out" : "dropped");
	if (b->rej.n > 0)
		warnx("%llu bad lines dropped", (unsigned long long)b->rej.n);
}
