/*
 * agg: the aggregation table: a group per key, a cell per aggregation;
 * records added (agg_add), batches closed, idle groups expired, and the
 * loop of an aggregating tool (agg_run). The options are agg_spec.c, the
 * output agg_emit.c, snapshots agg_snap.c, a cell's values cell.c.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"
#include "pos.h"
#include "stream.h"
#include "util.h"

static char *room(char **, size_t *, size_t);

struct agg_table *
agg_table_new(struct agg_spec *s)
{
	struct agg_table *t = ecalloc(1, sizeof(*t));

	t->spec = s;
	ht_init(&t->groups, sizeof(struct group) + s->ndefs * sizeof(struct cell));
	ht_init(&t->distinct, 0);
	t->vals = ecalloc(s->ndefs, sizeof(*t->vals));
	t->epoch = 1;
	(void)room(&t->kbuf, &t->kcap, 1);
	scan_init(&t->scan, '\t', "\\");
	t->r.cap = 16;
	t->r.f = ecalloc(t->r.cap, sizeof(*t->r.f));
	return t;
}

static void
free_strings(struct agg_table *t)
{
	struct group *g;
	size_t i = 0;

	while ((g = ht_next(&t->groups, &i)) != NULL)
		agg_group_free(t, g);
}

void
agg_clear(struct agg_table *t)
{
	free_strings(t);
	ht_clear(&t->groups);
	ht_clear(&t->distinct);
	t->ntouched = 0;
}

void
agg_table_free(struct agg_table *t)
{
	free_strings(t);
	ht_free(&t->groups);
	ht_free(&t->distinct);
	free(t->vals);
	free(t->touched);
	schema_free(&t->sc);
	rec_free(&t->r);
	free(t->kbuf);
	free(t->dbuf);
	if (t->track) {
		ob_free(&t->removed);
		ob_free(&t->changed);
	}
	free(t);
}

size_t
agg_keys(const struct agg_table *t)
{
	return t->groups.n;
}

static void
bind_or_die(struct agg_table *t, const char *src)
{
	const char *missing = agg_bind(t->spec, &t->sc);

	if (missing != NULL)
		errx(SK_EXIT_DATA, "%s: no field %s in the input", src, missing);
	t->bound = 1;
}

void
agg_schema(struct agg_table *t, char *line, size_t len, const char *src)
{
	schema_parse(&t->sc, line, len);
	bind_or_die(t, src ? src : "stdin");
}

int
agg_add_line(struct agg_table *t, char *line, size_t len, size_t nf,
    unsigned seen, const char *src, uint64_t lineno)
{
	rec_scanned(&t->r, line, len, nf, seen);
	if (!t->bound) {	/* no #fields: the fields are 1, 2, ... */
		char **names = ereallocarray(NULL, t->r.n, sizeof(*names));
		size_t i;

		for (i = 0; i < t->r.n; i++)
			if (asprintf(&names[i], "%zu", i + 1) < 0)
				err(SK_EXIT_DATA, "asprintf");
		schema_set(&t->sc, names, t->r.n);
		for (i = 0; i < t->r.n; i++)
			free(names[i]);
		free(names);
		bind_or_die(t, src ? src : "stdin");
	}
	return agg_add(t, &t->r, src, lineno);
}

static char *
room(char **buf, size_t *cap, size_t need)
{
	if (need > *cap) {
		*cap = need < 256 ? 256 : need * 2;
		*buf = erealloc(*buf, *cap);
	}
	return *buf;
}

const char *
agg_key(struct agg_table *t, const struct rec *r, const long *cols,
    size_t *klen)
{
	const struct agg_spec *s = t->spec;
	size_t i, len = 0;

	if (s->nby == 1) {
		long c = cols[0];

		if (c >= (long)r->n) {
			*klen = 0;
			return t->kbuf;
		}
		*klen = r->f[c].n;
		return r->f[c].p;
	}
	for (i = 0; i < s->nby; i++) {
		long c = cols[i];
		uint32_t n = c < (long)r->n ? (uint32_t)r->f[c].n : 0;

		room(&t->kbuf, &t->kcap, len + 4 + n);
		memcpy(t->kbuf + len, &n, 4);
		if (n > 0)
			memcpy(t->kbuf + len + 4, r->f[c].p, n);
		len += 4 + n;
	}
	*klen = len;
	return t->kbuf;
}

static int
distinct_new(struct agg_table *t, const struct group *g, size_t k,
    const struct val *v)
{
	char nb[DEC_STRMAX];
	const char *s = v->s;
	size_t n = v->n, len = sizeof(g->id) + 4;
	uint32_t kk = (uint32_t)k;
	int created;

	if (v->t == V_NUM) {
		n = dec_format(v->d, nb);
		s = nb;
	}
	room(&t->dbuf, &t->dcap, len + n);
	memcpy(t->dbuf, &g->id, sizeof(g->id));
	memcpy(t->dbuf + sizeof(g->id), &kk, 4);
	memcpy(t->dbuf + len, s, n);
	(void)ht_get(&t->distinct, t->dbuf, len + n, &created);
	return created;
}

/* Reports a value that cannot be taken; out of the way of the hot path. */
static void __attribute__((cold, noinline))
bad_value(const char *src, uint64_t line, const struct expr_err *e)
{
	char where[300];

	expr_warn(loc_format(where, sizeof(where), src, line), e);
}

static void __attribute__((cold, noinline))
overflows(const char *src, uint64_t line, const struct agg_def *d)
{
	char where[300];

	warnx("%s: the %s of %s overflows", loc_format(where, sizeof(where),
	    src, line), agg_kind_name(d->kind), expr_source(d->e));
}

/*
 * Evaluates the aggregations' expressions on r into t->vals, --where
 * first: 1 if r counts, 0 if --where leaves it out, -1 if a value is bad
 * (reported). Nothing of the table changes: a bad record changes nothing.
 */
static inline int
eval_record(struct agg_table *t, const struct rec *r, const char *src,
    uint64_t line)
{
	const struct agg_spec *s = t->spec;
	struct expr_err e;
	struct val w;
	size_t k;

	if (s->where != NULL) {
		if (expr_eval(s->where, r, &w, &e) < 0)
			goto bad;
		if (!val_truth(&w))
			return 0;
	}
	for (k = 0; k < s->ndefs; k++) {
		const struct agg_def *d = &s->defs[k];
		struct val *v = &t->vals[k];

		if (d->e == NULL)
			continue;
		if (expr_eval(d->e, r, v, &e) < 0)
			goto bad;
		/* numbers for the arithmetic and comparing kinds; --first,
		 * --last and --collect keep the field's text ("2.50") */
		if (d->kind == AGG_FIRST || d->kind == AGG_LAST ||
		    d->kind == AGG_COLLECT)
			continue;
		if (val_num(v) < 0 && (d->kind == AGG_SUM || d->kind == AGG_AVG)) {
			e.why = "is not a number";
			e.field = v->name;
			e.s = v->s;
			e.n = v->n;
			goto bad;
		}
	}
	return 1;
bad:
	bad_value(src, line, &e);
	return -1;
}

/* Whether every sum of g takes its value without overflow; if not, says
 * so. (The sum is added again after: it stays in registers, where an
 * array of them cost a stall a record.) */
static inline int
sums_fit(const struct agg_table *t, const struct group *g, const char *src,
    uint64_t line)
{
	const struct agg_spec *s = t->spec;
	struct dec sum = { 0, 0 };
	size_t k;

	for (k = 0; k < s->ndefs; k++) {
		const struct agg_def *d = &s->defs[k];
		const struct val *v = &t->vals[k];

		if ((d->kind == AGG_SUM || d->kind == AGG_AVG) && v->t == V_NUM &&
		    dec_add(&sum, cell_dec(&g->c[k]), v->d) != DEC_OK) {
			overflows(src, line, d);
			return 0;
		}
	}
	return 1;
}

/* g is updated in this batch: on the list of touched groups, once. */
static inline void
touch(struct agg_table *t, struct group *g)
{
	if (g->epoch == t->epoch)
		return;
	if (t->track && g->epoch < t->saved_epoch) {	/* first since then */
		size_t klen;
		const char *key = ht_key(&t->groups, g, &klen);

		ob_put_bytes(&t->changed, key, klen);
	}
	g->epoch = t->epoch;
	if (t->ntouched == t->captouched) {
		t->captouched = t->captouched ? t->captouched * 2 : 64;
		t->touched = ereallocarray(t->touched, t->captouched,
		    sizeof(*t->touched));
	}
	t->touched[t->ntouched++] = g;
}

/* Adds the values in t->vals to the cells of g. */
static inline void
update_cells(struct agg_table *t, struct group *g)
{
	const struct agg_spec *s = t->spec;
	struct dec sum = { 0, 0 };
	size_t k;

	for (k = 0; k < s->ndefs; k++) {
		struct cell *c = &g->c[k];
		const struct val *v = &t->vals[k];

		switch (s->defs[k].kind) {
		case AGG_COUNT:
			c->n++;
			break;
		case AGG_SUM:
		case AGG_AVG:
			if (v->t == V_NUM) {
				(void)dec_add(&sum, cell_dec(c), v->d);
				cell_set_dec(c, sum);
				c->n++;
			}
			break;
		case AGG_MIN:
			cell_extreme(c, v, -1);
			break;
		case AGG_MAX:
			cell_extreme(c, v, 1);
			break;
		case AGG_FIRST:
			if (c->n++ == 0 && v->t != V_NULL)
				cell_store(c, v);
			break;
		case AGG_LAST:
			if (v->t != V_NULL)
				cell_store(c, v);
			break;
		case AGG_DISTINCT:
			if (v->t != V_NULL && distinct_new(t, g, k, v))
				c->n++;
			break;
		case AGG_COLLECT:
			if (v->t != V_NULL)
				cell_append(c, v);
			break;
		}
	}
}

int
agg_add(struct agg_table *t, const struct rec *r, const char *src,
    uint64_t line)
{
	struct group *g;
	const char *key;
	size_t klen;
	int created, rc;

	if ((rc = eval_record(t, r, src, line)) <= 0)
		return rc;
	key = agg_key(t, r, t->spec->bycol, &klen);
	g = ht_get(&t->groups, key, klen, &created);
	if (created)
		g->id = t->nextid++;
	if (!sums_fit(t, g, src, line))
		return -1;
	g->nrec++;
	touch(t, g);
	update_cells(t, g);
	return 0;
}

void
agg_close_batch(struct agg_table *t, int64_t bt)
{
	size_t i;

	for (i = 0; i < t->ntouched; i++)
		t->touched[i]->last = bt;
	if (t->initial) {	/* --initial groups count as updated now */
		struct group *g;

		for (i = 0; (g = ht_next(&t->groups, &i)) != NULL;)
			if (g->last == INT64_MIN)
				g->last = bt;
		t->initial = 0;
	}
	t->ntouched = 0;
	t->epoch++;
}

size_t
agg_expire(struct agg_table *t, int64_t bt, int64_t timeout,
    struct obuf *removed)
{
	struct group **gone = NULL, *g;
	size_t i = 0, n = 0;

	while ((g = ht_next(&t->groups, &i)) != NULL) {
		int64_t age;

		/* a snapshot's times are not trusted to be near bt: an age
		 * past int64 is old if last is before bt, else recent */
		if (__builtin_sub_overflow(bt, g->last, &age))
			age = g->last < bt ? INT64_MAX : INT64_MIN;
		if (g->last == INT64_MIN || g->epoch == t->epoch ||
		    age <= timeout)
			continue;	/* --initial, updated now, or recent */
		gone = ereallocarray(gone, n + 1, sizeof(*gone));
		gone[n++] = g;
	}
	if (n > 0 && removed != NULL)
		agg_emit_groups(t, removed, gone, n, 1);
	for (i = 0; i < n; i++) {
		size_t klen;
		const char *key = ht_key(&t->groups, gone[i], &klen);

		agg_group_free(t, gone[i]);
		if (t->track) {		/* for the next increment */
			ob_put_bytes(&t->removed, key, klen);
			t->nremoved++;
		}
		ht_del(&t->groups, key, klen);
	}
	free(gone);
	return n;
}

int
agg_types(struct agg_table *t, const char *line, size_t len, struct obuf *o)
{
	int rc = schema_types(&t->sc, line, len);

	agg_put_types(o, t->spec, &t->sc);	/* none if it did not fit */
	return rc < 0 ? -1 : 0;
}

void
agg_run(struct agg_table *t, struct ibuf *ib, struct obuf *out,
    const char *src, const struct agg_loop *loop)
{
	struct sreader sr;
	struct item it;
	struct pos at = { 0 };
	uint64_t bad = 0, pending = 0;
	int rc;
	char *s;
	size_t n, nf;
	unsigned seen;

	sr_init(&sr, ib, ib->name);
	while (!sr.end.eos && scan_getline(&t->scan, ib, &s, &n, t->r.f,
	    t->r.cap, &nf, &seen)) {
		enum ctl c = sr_item(&sr, s, n, &it);

		if (loop->control != NULL && c != CTL_DATA)
			loop->control(loop->arg, &it);
		switch (c) {
		case CTL_DATA:		/* placed by #at if the input has it */
			if (at.line > 0)
				rc = agg_add_line(t, s, n, nf, seen, at.file,
				    at.line++);
			else
				rc = agg_add_line(t, s, n, nf, seen, src,
				    ib->lineno);
			if (rc < 0)
				bad++;
			else
				pending++;
			break;
		case CTL_AT:
			(void)pos_take(&at, ib->name, ib->lineno, s, n);
			break;
		case CTL_FIELDS:
			agg_schema(t, s, n, src);
			break;
		case CTL_TYPES:
			if (agg_types(t, s, n, out) < 0)
				warnx("%s:%llu: a #types line that does not fit "
				    "its #fields: left out", ib->name,
				    (unsigned long long)ib->lineno);
			break;
		case CTL_END:
			pending = 0;
			if (loop->batch(loop->arg, it.t, 1)) {
				if (loop->keys != NULL)	/* the state's size */
					end_put(out, s, n, loop->state_attr,
					    (uint64_t)loop->keys(loop->arg), 0);
				else
					ob_write(out, s, n);
				ob_putc(out, '\n');
			}
			ob_flush(out);
			break;
		case CTL_STREAM:	/* the input's shape is not ours */
		case CTL_EOS:		/* written last, below */
			break;
		default:
			ob_write(out, s, n);
			ob_putc(out, '\n');
			break;
		}
	}
	pos_free(&at);
	if (sr_finish(&sr, NULL) < 0) {
		ob_flush(out);
		exit(SK_EXIT_DATA);
	}
	if (!sr.end.batched)	/* a plain file of records: one batch */
		(void)loop->batch(loop->arg, 0, 0);
	else if (pending > 0)
		warnx("%llu records after the last #end dropped",
		    (unsigned long long)pending);
	ob_puts(out, "#eos\n");
	ob_flush(out);
	if (bad > 0)
		warnx("%llu records rejected", (unsigned long long)bad);
}
