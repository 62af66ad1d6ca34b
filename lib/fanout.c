/* fanout: one stream cut into N by a key; see fanout.h. */
#include <err.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanout.h"
#include "ht.h"
#include "opt.h"
#include "util.h"

int
fanout_option(struct fanout_opts *o, int ch, const char *arg,
    const char *usage)
{
	switch (ch) {
	case FANOUT_OPT_PARTITIONS:
		o->n = (long)opt_number(usage, "--partitions", arg, 1,
		    FANOUT_MAX);
		return 1;
	case FANOUT_OPT_BY:
		o->by = arg;
		return 1;
	case FANOUT_OPT_PREFIX:
		o->prefix = arg;
		return 1;
	}
	return 0;
}

void
fanout_check(const struct fanout_opts *o, const char *usage)
{
	if ((o->n > 0) != (o->by != NULL) || (o->n > 0) != (o->prefix != NULL))
		usage_fail(usage, "--partitions, --by and --out-prefix go "
		    "together");
}

void
fanout_open(struct fanout *f, const char *prefix, size_t n, const char *by,
    char sep)
{
	char path[PATH_MAX];
	size_t i;
	char *end;

	memset(f, 0, sizeof(*f));
	f->n = n;
	f->by = by;
	f->sep = sep;
	f->field = -1;
	f->column = strtol(by, &end, 10);
	if (*end != '\0' || f->column < 1)
		f->column = 0;
	ob_init(&f->part, -1, "fanout");
	f->outs = ecalloc(n, sizeof(*f->outs));
	f->next_file = ecalloc(n, sizeof(*f->next_file));
	f->next_line = ecalloc(n, sizeof(*f->next_line));
	f->count = ecalloc(n, sizeof(*f->count));
	for (i = 0; i < n; i++) {
		int fd;

		epathf(path, sizeof(path), "%s.%zu", prefix, i);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0666)) < 0)
			err(SK_EXIT_DATA, "%s", path);
		ob_init(&f->outs[i], fd, estrdup(path));
	}
}

/* #fields: where by is among the names. */
static void
bind_fields(struct fanout *f, const char *s, size_t n)
{
	const char *p = s + 8, *e = s + n, *tab;	/* after "#fields\t" */
	size_t len = strlen(f->by);
	long i;

	f->field = -1;
	for (i = 0; p <= e; i++, p = tab + 1) {
		if ((tab = memchr(p, '\t', (size_t)(e - p))) == NULL)
			tab = e;
		if ((size_t)(tab - p) == len && memcmp(p, f->by, len) == 0) {
			f->field = i;
			return;
		}
	}
	if (f->column == 0)
		errx(SK_EXIT_DATA, "--by %s: not a field of the stream",
		    f->by);
}

/* The key of a data line: the bytes hashed. */
static void
key_of(const struct fanout *f, const char *s, size_t n, const char **k,
    size_t *kn)
{
	const char *p = s, *e = s + n, *q;
	long i, want = f->column > 0 ? f->column - 1 : f->field;
	char cut = f->column > 0 ? f->sep : '\t';

	for (i = 0; i < want && (q = memchr(p, cut, (size_t)(e - p))) != NULL;
	    i++)
		p = q + 1;
	if (i < want) {		/* too few: the empty key */
		*k = e;
		*kn = 0;
		return;
	}
	if ((q = memchr(p, cut, (size_t)(e - p))) == NULL)
		q = e;
	*k = p;
	*kn = (size_t)(q - p);
}

/* #at FILE LINE: where the next data line comes from. */
static void
take_at(struct fanout *f, const char *s, size_t n)
{
	const char *p = s + 4, *e = s + n, *tab;

	if ((tab = memchr(p, '\t', (size_t)(e - p))) == NULL)
		return;
	free(f->at_file);
	f->at_file = estrndup(p, (size_t)(tab - p));
	f->at_line = strtoull(tab + 1, NULL, 10);
}

/* #end T ... n=N ...: to output o with n= its own records of the batch,
 * and the source's late= and bad= in output 0 only, so that the outputs'
 * counts add up to the stream's. */
static void
put_end_of(struct fanout *f, size_t o, const char *s, size_t n)
{
	const char *p = s, *e = s + n, *tab;
	struct obuf *out = &f->outs[o];
	int theirs;

	for (;;) {
		if ((tab = memchr(p, '\t', (size_t)(e - p))) == NULL)
			tab = e;
		/* the source's late= and bad=: in P.0 only, so they add */
		theirs = o > 0 && ((tab - p > 5 && !memcmp(p, "late=", 5)) ||
		    (tab - p > 4 && !memcmp(p, "bad=", 4)));
		if (tab - p >= 2 && p[0] == 'n' && p[1] == '=') {
			ob_puts(out, "\tn=");
			ob_putint(out, (int64_t)f->count[o]);
		} else if (!theirs) {
			if (p != s)
				ob_putc(out, '\t');
			ob_write(out, p, (size_t)(tab - p));
		}
		if (tab == e)
			break;
		p = tab + 1;
	}
	ob_putc(out, '\n');
	f->count[o] = 0;
}

static void
route(struct fanout *f, const char *s, size_t n)
{
	const char *k;
	size_t kn, i, o;

	if (n > 0 && s[0] == '#') {
		if (n >= 4 && memcmp(s, "#at\t", 4) == 0) {
			take_at(f, s, n);
			return;		/* each output gets its own */
		}
		if (n >= 8 && memcmp(s, "#fields\t", 8) == 0)
			bind_fields(f, s, n);
		if (n >= 5 && memcmp(s, "#end\t", 5) == 0) {
			for (i = 0; i < f->n; i++)
				put_end_of(f, i, s, n);
			return;
		}
		for (i = 0; i < f->n; i++) {
			ob_write(&f->outs[i], s, n);
			ob_putc(&f->outs[i], '\n');
		}
		return;
	}
	key_of(f, s, n, &k, &kn);
	o = (size_t)((ht_hash(k, kn) >> 1) % f->n);	/* its low bit is 1 */
	if (f->at_file != NULL && (f->next_file[o] == NULL ||
	    strcmp(f->next_file[o], f->at_file) != 0 ||
	    f->next_line[o] != f->at_line)) {
		ob_puts(&f->outs[o], "#at\t");
		ob_puts(&f->outs[o], f->at_file);
		ob_putc(&f->outs[o], '\t');
		ob_putint(&f->outs[o], (int64_t)f->at_line);
		ob_putc(&f->outs[o], '\n');
		free(f->next_file[o]);
		f->next_file[o] = estrdup(f->at_file);
	}
	f->next_line[o] = ++f->at_line;
	f->count[o]++;
	ob_write(&f->outs[o], s, n);
	ob_putc(&f->outs[o], '\n');
}

void
fanout_sink(void *arg, const void *bytes, size_t n)
{
	struct fanout *f = arg;
	const char *p = bytes, *e = p + n, *lf;
	size_t i;

	while ((lf = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		if (f->part.len > 0) {
			ob_write(&f->part, p, (size_t)(lf - p));
			route(f, f->part.p, f->part.len);
			ob_reset(&f->part);
		} else
			route(f, p, (size_t)(lf - p));
		p = lf + 1;
	}
	ob_write(&f->part, p, (size_t)(e - p));
	for (i = 0; i < f->n; i++)
		ob_flush(&f->outs[i]);
}

void
fanout_close(struct fanout *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		const char *name = f->outs[i].name;

		ob_close(&f->outs[i]);
		free((char *)name);
		free(f->next_file[i]);
	}
	free(f->count);
	free(f->outs);
	free(f->next_file);
	free(f->next_line);
	free(f->at_file);
	ob_free(&f->part);
}
