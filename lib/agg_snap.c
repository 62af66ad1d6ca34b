/*
 * agg_snap: a table's groups in and out: snapshots for the checkpoint
 * (agg_save, agg_restore) and the groups of an --initial file.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"
#include "util.h"

/* The columns of the keys and aggregations in an --initial file's #fields
 * line; NULL, or why not (reported). */
static const char *
initial_columns(const struct agg_spec *s, const struct schema *sc, long *col,
    const char *src)
{
	const char *why = NULL, *name;
	size_t k;

	for (k = 0; k < s->nby + s->ndefs; k++) {
		name = k < s->nby ? s->by[k] : s->defs[k - s->nby].name;
		if ((col[k] = schema_find(sc, name)) < 0) {
			why = "a field is missing";
			warnx("%s: no field %s", src, name);
		}
	}
	return why;
}

/* Gives group g the values of record r (col: where each aggregation's
 * is); NULL, or why not (reported as line `line` of src). */
static const char *
initial_cells(const struct agg_spec *s, struct group *g, const struct rec *r,
    const long *col, const char *src, uint64_t line)
{
	char where[300];
	size_t k;

	for (k = 0; k < s->ndefs; k++) {
		enum agg_kind kind = s->defs[k].kind;
		long c = col[s->nby + k];
		struct val v = { .t = V_TEXT };
		struct cell *cl = &g->c[k];

		v.s = c < (long)r->n ? r->f[c].p : "";
		v.n = c < (long)r->n ? r->f[c].n : 0;
		if (v.n == 0)
			continue;
		if ((kind == AGG_COUNT || kind == AGG_SUM) && (val_num(&v) < 0 ||
		    (kind == AGG_COUNT && v.d.scale != 0))) {
			warnx("%s: %s \"%.*s\" is not a number",
			    loc_format(where, sizeof(where), src, line),
			    s->defs[k].name, (int)v.n, v.s);
			return "bad value";
		}
		if (kind == AGG_COUNT)
			cl->n = (int64_t)v.d.m;
		else if (kind == AGG_SUM)
			cell_set_dec(cl, v.d);
		else			/* min, max, first, last */
			cell_store(cl, &v);
		if (kind != AGG_COUNT)
			cl->n = 1;
	}
	return NULL;
}

const char *
agg_load_initial(struct agg_table *t, int fd, const char *src)
{
	const struct agg_spec *s = t->spec;
	struct ibuf ib;
	struct schema sc = { 0 };
	struct rec r = { 0 };
	long *col = ecalloc(s->nby + s->ndefs, sizeof(*col));
	const char *why = NULL, *key;
	char *line;
	size_t n, klen;
	int created, bound = 0;

	ib_init(&ib, fd, src);
	while (why == NULL && ib_getline(&ib, &line, &n)) {
		struct group *g;
		enum ctl c = rec_ctl(line, n);

		if (c == CTL_FIELDS) {
			schema_parse(&sc, line, n);
			bound = (why = initial_columns(s, &sc, col, src)) == NULL;
			continue;
		}
		if (c != CTL_DATA)
			continue;
		if (!bound) {
			why = "no #fields line before the records";
			warnx("%s:%llu: %s", src, (unsigned long long)ib.lineno,
			    why);
			break;
		}
		rec_split(&r, line, n);
		key = agg_key(t, &r, col, &klen);
		g = ht_get(&t->groups, key, klen, &created);
		if (created) {
			g->id = t->nextid++;
			g->last = INT64_MIN;
		}
		why = initial_cells(s, g, &r, col, src, ib.lineno);
	}
	t->initial = 1;
	ib_free(&ib);
	rec_free(&r);
	schema_free(&sc);
	free(col);
	return why;
}

/*
 * Snapshots: a version, the number of aggregations, the next group id, then
 * each group (key, id, last update, cells) and each --distinct entry, in
 * the encoding of buf.h.
 */
#define AGG_SNAP_VERSION 2	/* 2: groups keep their record count */

static void	put_group(const struct agg_table *, const struct group *,
		    struct obuf *);

void
agg_save(const struct agg_table *t, struct obuf *o)
{
	const struct agg_spec *s = t->spec;
	const struct group *g;
	const void *d;
	const char *key;
	size_t i = 0, klen;

	ob_put_u64(o, AGG_SNAP_VERSION);
	ob_put_u64(o, s->ndefs);
	ob_put_u64(o, t->nextid);
	ob_put_u64(o, t->groups.n);
	while ((g = ht_next(&t->groups, &i)) != NULL)
		put_group(t, g, o);
	ob_put_u64(o, t->distinct.n);
	for (i = 0; (d = ht_next(&t->distinct, &i)) != NULL;) {
		key = ht_key(&t->distinct, d, &klen);
		ob_put_bytes(o, key, klen);
	}
}

const char *
agg_restore(struct agg_table *t, const void *buf, size_t len)
{
	struct bin b;
	const char *why;

	bin_init(&b, buf, len);
	if ((why = agg_restore_bin(t, &b)) == NULL && b.p != b.e)
		why = "a snapshot of the wrong length";
	return why;
}

/* One group of a snapshot or increment into t (a group already there is
 * replaced). */
static void
get_group(struct agg_table *t, struct bin *b)
{
	const struct agg_spec *s = t->spec;
	const char *key;
	struct group *g;
	size_t k, klen;
	int created;

	key = bin_bytes(b, &klen);
	g = ht_get(&t->groups, key, klen, &created);
	if (!created)
		agg_group_free(t, g);
	g->epoch = 0;
	g->id = bin_u64(b);
	g->last = (int64_t)bin_u64(b);
	g->nrec = (int64_t)bin_u64(b);
	for (k = 0; k < s->ndefs; k++) {
		struct cell *c = &g->c[k];

		cell_get(b, c);
		c->scap = c->slen;
		c->s = c->slen > 0 ? estrndup(c->s, c->slen) : NULL;
	}
}

static void
put_group(const struct agg_table *t, const struct group *g, struct obuf *o)
{
	const char *key;
	size_t k, klen;

	key = ht_key(&t->groups, g, &klen);
	ob_put_bytes(o, key, klen);
	ob_put_u64(o, g->id);
	ob_put_u64(o, (uint64_t)g->last);
	ob_put_u64(o, (uint64_t)g->nrec);
	for (k = 0; k < t->spec->ndefs; k++)
		cell_put(o, &g->c[k]);
}

const char *
agg_restore_bin(struct agg_table *t, struct bin *bp)
{
	const struct agg_spec *s = t->spec;
	struct bin b = *bp;
	uint64_t n, i;
	size_t klen;
	int created;

	agg_clear(t);
	if (bin_u64(&b) != AGG_SNAP_VERSION || bin_u64(&b) != s->ndefs)
		return "a snapshot of other aggregations or another version";
	t->nextid = bin_u64(&b);
	n = bin_u64(&b);
	for (i = 0; i < n && !b.bad; i++)
		get_group(t, &b);
	n = bin_u64(&b);
	for (i = 0; i < n && !b.bad; i++) {
		const char *key = bin_bytes(&b, &klen);

		(void)ht_get(&t->distinct, key, klen, &created);
	}
	if (b.bad)
		return "a snapshot cut short, or a field out of its range";
	t->epoch = 1;
	t->saved_epoch = 1;
	t->ntouched = 0;
	*bp = b;
	return NULL;
}

/*
 * Increments: a version, the number of aggregations, the next group id, the
 * keys removed, then the groups updated (as in a snapshot), each group in
 * full: applying one twice, or over a later state, changes nothing.
 */
#define AGG_DELTA_VERSION 1

void
agg_track_changes(struct agg_table *t)
{
	if (!t->track) {
		ob_init(&t->removed, -1, "removed");
		ob_init(&t->changed, -1, "changed");
	}
	t->track = 1;
}

void
agg_saved(struct agg_table *t)
{
	t->saved_epoch = t->epoch;
	if (t->track) {
		ob_reset(&t->removed);
		ob_reset(&t->changed);
	}
	t->nremoved = 0;
}

/* The groups of the keys changed (touch() listed them) still there: each
 * written with o, or counted with o NULL. Work: the changes, not the
 * table. */
static uint64_t
put_changed(const struct agg_table *t, struct obuf *o)
{
	const struct group *g;
	const char *key;
	uint64_t n = 0;
	size_t klen;
	struct bin b;

	bin_init(&b, t->changed.p, t->changed.len);
	while (b.p < b.e && (key = bin_bytes(&b, &klen)) != NULL && !b.bad)
		if ((g = ht_find(&t->groups, key, klen)) != NULL) {
			n++;
			if (o != NULL)
				put_group(t, g, o);
		}
	return n;
}

void
agg_save_delta(const struct agg_table *t, struct obuf *o)
{
	ob_put_u64(o, AGG_DELTA_VERSION);
	ob_put_u64(o, t->spec->ndefs);
	ob_put_u64(o, t->nextid);
	ob_put_u64(o, t->nremoved);
	if (t->nremoved > 0)
		ob_write(o, t->removed.p, t->removed.len);
	ob_put_u64(o, put_changed(t, NULL));
	(void)put_changed(t, o);
}

const char *
agg_apply_delta(struct agg_table *t, const void *buf, size_t len)
{
	const struct agg_spec *s = t->spec;
	struct bin b;
	uint64_t n, i;
	size_t klen;

	bin_init(&b, buf, len);
	if (bin_u64(&b) != AGG_DELTA_VERSION || bin_u64(&b) != s->ndefs)
		return "an increment of other aggregations or another version";
	t->nextid = bin_u64(&b);
	n = bin_u64(&b);
	for (i = 0; i < n && !b.bad; i++) {
		const char *key = bin_bytes(&b, &klen);
		struct group *g;

		if (b.bad || (g = ht_find(&t->groups, key, klen)) == NULL)
			continue;
		agg_group_free(t, g);
		(void)ht_del(&t->groups, key, klen);
	}
	n = bin_u64(&b);
	for (i = 0; i < n && !b.bad; i++)
		get_group(t, &b);
	if (b.bad || b.p != b.e)
		return "an increment cut short, or of the wrong length";
	return NULL;
}
