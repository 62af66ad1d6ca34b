/*
 * views: stream-parse's outputs, each with the fields its --cut keeps.
 * See views.h; lib/README.md says why a plain line goes out in runs.
 */
#include <err.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cut.h"
#include "opt.h"
#include "stream.h"
#include "util.h"
#include "views.h"

size_t
views_columns(const struct schema *sc, const char *list, size_t **cols,
    const char *usage)
{
	char *copy, *p, *name;
	size_t i, n = 0;
	long c;

	*cols = ereallocarray(NULL, sc->n, sizeof(**cols));
	if (list == NULL) {
		for (n = 0; n < sc->n; n++)
			(*cols)[n] = n;
		return n;
	}
	p = copy = estrdup(list);
	while ((name = strsep(&p, ",")) != NULL) {
		if ((c = schema_find(sc, name)) < 0)
			usage_fail(usage, "--cut %s: no field %s", list,
			    *name != '\0' ? name : "\"\"");
		for (i = 0; i < n; i++)
			if ((*cols)[i] == (size_t)c)
				usage_fail(usage, "--cut %s: %s twice", list,
				    sc->names[c]);
		(*cols)[n++] = (size_t)c;	/* none twice: n <= sc->n */
	}
	free(copy);
	return n;
}

/* The runs of a view's columns: fields next to each other in the spec
 * (not --set fields, not time fields) lie next to each other in a line. */
static void
plan_runs(struct view *v, const struct spec *sp)
{
	size_t i, c;

	v->runs = ecalloc(v->ncols, sizeof(*v->runs));
	for (i = 0; i < v->ncols; i++) {
		struct run *last = v->nruns > 0 ? &v->runs[v->nruns - 1] : NULL;
		int time;

		c = v->cols[i];
		time = c < sp->n && sp->f[c].type == T_TIME;
		if (last != NULL && !last->time && !time && c < sp->n &&
		    c == last->last + 1)
			last->last = c;
		else {
			last = &v->runs[v->nruns++];
			last->first = last->last = c;
			last->time = time;
		}
	}
}

/* The view's stream header: #stream, then its fields and their types. */
static void
put_header(struct view *v, const struct schema *all)
{
	struct schema sc;
	size_t j;

	sc.n = v->ncols;
	sc.names = ereallocarray(NULL, v->ncols, sizeof(*sc.names));
	sc.types = ereallocarray(NULL, v->ncols, 1);
	for (j = 0; j < v->ncols; j++) {
		sc.names[j] = all->names[v->cols[j]];
		sc.types[j] = all->types[v->cols[j]];
	}
	ob_puts(&v->ob, "#stream\n");
	schema_put(&v->ob, &sc);
	free(sc.names);
	free(sc.types);
}

void
views_open(struct views *vs, const struct output *outs, size_t nouts,
    const struct schema *sc, const char *usage)
{
	size_t i, k, *cols, ncols;
	struct view *v;
	int fd;

	vs->v = ecalloc(nouts, sizeof(*vs->v));
	for (i = 0; i < nouts; i++) {
		ncols = views_columns(sc, outs[i].cut, &cols, usage);
		if (outs[i].path == NULL)
			fd = STDOUT_FILENO;
		else if ((fd = open(outs[i].path,
		    O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
			err(SK_EXIT_DATA, "%s", outs[i].path);
		for (k = 0; k < vs->n; k++)
			if (vs->v[k].ncols == ncols && memcmp(vs->v[k].cols,
			    cols, ncols * sizeof(*cols)) == 0)
				break;
		if (k < vs->n) {
			ob_tee(&vs->v[k].ob, fd, outs[i].path);
			free(cols);
			continue;
		}
		v = &vs->v[vs->n++];
		ob_init(&v->ob, fd, outs[i].path != NULL ? outs[i].path :
		    "stdout");
		if (k > 0)	/* the input flushes them all before it reads */
			vs->v[k - 1].ob.next = &v->ob;
		v->cols = cols;
		v->ncols = ncols;
		plan_runs(v, vs->spec);
		put_header(v, sc);
	}
	views_flush(vs);	/* the stream header, before anything can fail */
}

/*
 * The common case: no byte needs escaping or unquoting, and no --set. A
 * run of fields is copied from the line as it is, the separators made
 * TABs; a time field is its remembered ISO 8601 text.
 */
static void
put_plain(const struct views *vs, struct view *v, const struct rec *r,
    size_t linelen)
{
	const struct run *run, *e = v->runs + v->nruns;
	const struct ts_memo *times = vs->spec->times;
	char sep = vs->sep;
	struct obuf *o = &v->ob;
	size_t need = linelen + v->nruns * TS_ISOMAX + 16;
	char *d;

	if (o->cap - o->len < need)
		ob_grow(o, need);
	d = o->p + o->len;
	for (run = v->runs; run < e; run++) {
		const struct slice *a = &r->f[run->first], *b = &r->f[run->last];

		if (run->time) {
			memcpy(d, times[run->first].iso, TS_ISOMAX);
			d += a->n;
		} else {
			cut_copy_tabs(d, a->p, (size_t)(b->p + b->n - a->p), sep);
			d += b->p + b->n - a->p;
		}
		*d++ = '\t';
	}
	d[-1] = '\n';
	o->len = (size_t)(d - o->p);
}

void
views_record(struct views *vs, const struct rec *r, int plain, size_t linelen,
    uint64_t id, const char *file, uint64_t line)
{
	struct view *v, *end = vs->v + vs->n;
	size_t i;

	for (v = vs->v; v < end; v++) {
		const struct slice *first = &r->f[v->cols[0]];

		pos_put(&v->ob, &v->mark, id, file, line);
		if (plain && first->n > 0 && first->p[0] != '#') {
			put_plain(vs, v, r, linelen);
			continue;
		}
		for (i = 0; i < v->ncols; i++) {
			if (i > 0)
				ob_putc(&v->ob, '\t');
			rec_put_field(&v->ob, r->f[v->cols[i]].p,
			    r->f[v->cols[i]].n, i == 0);
		}
		ob_putc(&v->ob, '\n');
	}
}

void
views_control(struct views *vs, const char *s, size_t n, enum ctl c,
    uint64_t bad)
{
	size_t i;

	if (c == CTL_END && bad > 0) {	/* bad= says them (stream-records(5)) */
		if (vs->end.name == NULL)
			ob_init(&vs->end, -1, "#end");
		ob_reset(&vs->end);
		end_put(&vs->end, s, n, "bad", bad, 1);
		s = vs->end.p;
		n = vs->end.len;
	}
	for (i = 0; i < vs->n; i++) {
		ob_write(&vs->v[i].ob, s, n);
		ob_putc(&vs->v[i].ob, '\n');
	}
	if (c == CTL_END)
		views_flush(vs);
}

void
views_flush(struct views *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		ob_flush(&vs->v[i].ob);
}

void
views_close(struct views *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		ob_close(&vs->v[i].ob);
	if (vs->end.name != NULL)
		ob_free(&vs->end);
}
