/* target_view: --print and --view, batches for people; see target.h. */
#include <string.h>

#include "target.h"
#include "ts.h"
#include "util.h"

static void
print_publish(struct target *tg, int64_t t, struct batch **parts)
{
	struct target_view *v = (struct target_view *)tg;
	struct obuf *out = tg->out;
	long long shown = 0;
	size_t i;

	if (t != NO_TIME) {
		ob_puts(out, "-------------------------------------------\nTime: ");
		ob_putint(out, t);
		ob_puts(out, " ms\n-------------------------------------------\n");
	}
	for (i = 0; i < tg->u->n; i++) {
		const char *s, *e, *nl;

		if (parts[i] == NULL)
			continue;
		s = parts[i]->body.p;
		e = s + parts[i]->body.len;
		for (; s < e; s = nl + 1) {
			nl = memchr(s, '\n', (size_t)(e - s));
			if (shown++ == v->print_n) {
				ob_puts(out, "...\n");
				goto done;
			}
			ob_write(out, s, (size_t)(nl - s) + 1);
		}
	}
done:
	ob_putc(out, '\n');
}

/* One stream of the batch: a named stream without --top as "NAME values"
 * (no keys, as --format spark), a labelled one as "LABEL values" a row,
 * anything else as its lines under a name. */
static void
view_part(struct obuf *o, const struct batch *b, int tty)
{
	const char *s = b->raw.p, *e = s + b->raw.len, *nl;
	int inline_ = b->sname != NULL && b->top == 0, lines = 0;
	long skip;

	if (b->labels) {	/* each row on its own: "LABEL values" */
		for (; s < e; s = nl + 1) {
			const char *tab;

			nl = memchr(s, '\n', (size_t)(e - s));
			if ((tab = memchr(s, '\t', (size_t)(nl - s))) == NULL)
				tab = nl;
			ob_puts(o, tty ? "\033[1m" : "  ");
			ob_write(o, s, (size_t)(tab - s));
			ob_puts(o, tty ? "\033[0m" : "");
			for (s = tab; s < nl; s++)
				ob_putc(o, *s == '\t' ? ' ' : *s);
			ob_puts(o, tty ? "\n" : "");
		}
		return;
	}

	for (nl = s; nl < e; nl++)
		lines += *nl == '\n';
	if (inline_ && lines == 0)
		return;		/* as Spark: no line for an absent key */
	ob_puts(o, tty ? "\033[1m" : "  ");
	ob_puts(o, b->sname ? b->sname : "records");
	ob_puts(o, tty ? "\033[0m" : "");
	ob_puts(o, inline_ || !tty ? " " : "\n");
	for (; s < e; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(e - s));
		if (tty && !inline_)
			ob_puts(o, "    ");
		for (skip = inline_ ? b->keys : 0; skip > 0 && s < nl; s++)
			if (*s == '\t')
				skip--;
		for (; s < nl; s++)	/* TAB-separated: spaced */
			ob_putc(o, *s == '\t' ? ' ' : *s);
		ob_puts(o, tty ? "\n" : (nl + 1 < e ? ", " : ""));
	}
	if (lines == 0)
		ob_puts(o, tty ? "    -\n" : "-");
}

/* --view: the batch as a terminal dashboard, redrawn in place, or as one
 * plain line. Records a second and delay from the source's #end. */
static void
view_publish(struct target *tg, int64_t t, struct batch **parts)
{
	struct target_view *v = (struct target_view *)tg;
	struct obuf *out = tg->out;
	int64_t now = ts_now(), n = -1, made = -1, rate = -1;
	char iso[TS_ISOMAX];
	size_t i;

	for (i = 0; i < tg->u->n; i++)
		if (parts[i] != NULL && parts[i]->n >= 0) {
			n = parts[i]->n;
			made = parts[i]->made;
			break;
		}
	/* throughput, on the live view only: plain lines stay reproducible */
	if (v->tty && n >= 0 && v->last >= 0 && now > v->last)
		rate = n * 1000 / (now - v->last);
	v->last = now;
	ts_format(t, iso);
	if (v->tty)
		ob_puts(out, "\033[H\033[2J\033[1mstreamkit\033[0m  ");
	ob_puts(out, "batch ");
	ob_puts(out, t == NO_TIME ? "-" : iso);
	if (n >= 0) {
		ob_puts(out, "  records ");
		ob_putint(out, n);
	}
	if (rate >= 0) {
		ob_puts(out, "  records/s ");
		ob_putint(out, rate);
	}
	if (made >= 0) {
		ob_puts(out, "  delay ");
		ob_putint(out, now - made);
		ob_puts(out, " ms");
	}
	ob_puts(out, v->tty ? "\n\n" : "");
	for (i = 0; i < tg->u->n; i++)
		if (parts[i] != NULL)
			view_part(out, parts[i], v->tty);
	ob_putc(out, '\n');
}

static const struct target_ops print_ops = { print_publish, target_no_mark, target_no_close };
static const struct target_ops view_ops = { view_publish, target_no_mark, target_no_close };

void
target_print_open(struct target_view *v, long long n)
{
	v->t.ops = &print_ops;
	v->print_n = n;
}

void
target_view_open(struct target_view *v, int tty)
{
	v->t.ops = &view_ops;
	v->print_n = -1;
	v->tty = tty;
	v->last = -1;
}
