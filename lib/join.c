/* join: two record streams combined by key; see join.h. */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "join.h"
#include "ts.h"
#include "util.h"

const char *
join_on(struct join *j, char *spec)
{
	char *w, *eq;
	size_t i;

	for (i = 0; i < j->nkeys; i++) {
		free(j->key[0][i]);
		free(j->key[1][i]);
	}
	j->nkeys = 0;
	while ((w = strsep(&spec, ",")) != NULL) {
		if ((eq = strchr(w, '=')) != NULL)
			*eq++ = '\0';
		if (*w == '\0' || (eq != NULL && *eq == '\0'))
			return "not a list of fields (name or left=right, "
			    "separated by commas)";
		j->key[0] = ereallocarray(j->key[0], j->nkeys + 1, sizeof(char *));
		j->key[1] = ereallocarray(j->key[1], j->nkeys + 1, sizeof(char *));
		j->key[0][j->nkeys] = estrdup(w);
		j->key[1][j->nkeys++] = estrdup(eq != NULL ? eq : w);
	}
	return NULL;
}

const char *
join_select(struct join *j, char *list)
{
	char *w;

	while ((w = strsep(&list, ",")) != NULL) {
		if (*w == '\0')
			return "not a list of field names";
		j->sel = ereallocarray(j->sel, j->nsel + 1, sizeof(char *));
		j->sel[j->nsel++] = estrdup(w);
	}
	return NULL;
}

/* --fields: the output's fields picked and ordered (names and map). */
static void
select_fields(struct join *j, const char *lname, const char *rname,
    char ***names, unsigned char *types, size_t *n)
{
	char **nn = ecalloc(j->nsel, sizeof(*nn));
	struct jcol *m = ecalloc(j->nsel, sizeof(*m));
	unsigned char *nt = ecalloc(j->nsel, 1);
	size_t i, c;

	for (i = 0; i < j->nsel; i++) {
		for (c = 0; c < *n; c++)
			if (strcmp((*names)[c], j->sel[i]) == 0)
				break;
		if (c == *n)
			errx(SK_EXIT_DATA, "--fields: no field %s in the join of "
			    "%s and %s", j->sel[i], lname, rname);
		nn[i] = estrdup((*names)[c]);
		m[i] = j->omap[c];
		nt[i] = types[c];
	}
	for (c = 0; c < *n; c++)
		free((*names)[c]);
	free(*names);
	free(j->omap);
	memcpy(types, nt, j->nsel);
	free(nt);
	*names = nn;
	j->omap = m;
	*n = j->nsel;
}

void
join_init(struct join *j)
{
	int s;

	ht_init(&j->idx, sizeof(struct jkey));
	ob_init(&j->kb, -1, "key");
	for (s = 0; s < 2; s++) {
		if (j->prefix[s] == NULL)
			j->prefix[s] = s == 0 ? "left_" : "right_";
		j->tcol[s] = -1;
	}
}

static void
rows_free(struct jrows *rs)
{
	free(rs->f);
	free(rs->row);
	memset(rs, 0, sizeof(*rs));
}

void
join_free(struct join *j)
{
	size_t i;
	int s;

	for (s = 0; s < 2; s++) {
		for (i = 0; i < j->nkeys; i++)
			free(j->key[s][i]);
		free(j->key[s]);
		free(j->kcol[s]);
		rows_free(&j->rows[s]);
	}
	for (i = 0; i < j->nsel; i++)
		free(j->sel[i]);
	free(j->sel);
	schema_free(&j->out);
	free(j->omap);
	free(j->order);
	ht_free(&j->idx);
	ob_free(&j->kb);
}

static int
is_key(const struct join *j, int side, size_t col)
{
	size_t k;

	for (k = 0; k < j->nkeys; k++)
		if (j->kcol[side][k] == col)
			return 1;
	return 0;
}

/* Whether a field of one side is named as a key of the output, or as a
 * field of the other side that is not one of its keys: then it is
 * prefixed. */
static int
collides(const struct join *j, const struct schema *l, const struct schema
    *other, int oside, const char *name)
{
	size_t c, k;

	for (k = 0; k < j->nkeys; k++)
		if (strcmp(l->names[j->kcol[0][k]], name) == 0)
			return 1;
	for (c = 0; c < other->n; c++)
		if (strcmp(other->names[c], name) == 0 && !is_key(j, oside, c))
			return 1;
	return 0;
}

void
join_schema(struct join *j, const struct schema *l, const char *lname,
    const struct schema *r, const char *rname)
{
	const struct schema *sc[2] = { l, r };
	const char *in[2] = { lname, rname };
	char **names;
	unsigned char *types;
	size_t k, c, n = 0, cap;
	int s, typed = l->types != NULL && r->types != NULL;

	for (s = 0; s < 2; s++) {
		j->kcol[s] = ereallocarray(NULL, j->nkeys, sizeof(size_t));
		for (k = 0; k < j->nkeys; k++)
			j->kcol[s][k] = schema_need(sc[s], j->key[s][k], in[s],
			    "the key");
		if (j->time[s] != NULL)
			j->tcol[s] = (long)schema_need(sc[s], j->time[s], in[s],
			    "the event time");
		j->rows[s].nf = sc[s]->n;
		j->rows[s].name = in[s];
	}
	cap = j->nkeys + l->n + r->n;
	names = ecalloc(cap, sizeof(*names));
	types = ecalloc(cap, 1);
	free(j->omap);
	j->omap = ecalloc(cap, sizeof(*j->omap));
	for (k = 0; k < j->nkeys; k++, n++) {
		names[n] = estrdup(l->names[j->kcol[0][k]]);
		types[n] = (unsigned char)coltype_of(l, j->kcol[0][k]);
		j->omap[n] = (struct jcol){ 0, j->kcol[0][k], (long)k };
	}
	for (s = 0; s < 2; s++)
		for (c = 0; c < sc[s]->n; c++, n++) {
			const char *name = sc[s]->names[c];

			if (is_key(j, s, c)) {
				n--;
				continue;
			}
			if (collides(j, l, sc[!s], !s, name)) {
				size_t len = strlen(j->prefix[s]) + strlen(name) + 1;

				names[n] = emalloc(len);
				(void)snprintf(names[n], len, "%s%s",
				    j->prefix[s], name);
			} else
				names[n] = estrdup(name);
			types[n] = (unsigned char)coltype_of(sc[s], c);
			j->omap[n] = (struct jcol){ s, c, -1 };
		}
	if (j->nsel > 0)
		select_fields(j, lname, rname, &names, types, &n);
	schema_free(&j->out);
	schema_set(&j->out, names, n);
	schema_set_types(&j->out, typed ? types : NULL);
	for (c = 0; c < n; c++)
		free(names[c]);
	free(names);
	free(types);
}

/* Room for one more row in rs. */
static void
rows_grow(struct jrows *rs)
{
	if (rs->n < rs->cap)
		return;
	rs->cap = rs->cap < 64 ? 64 : rs->cap * 2;
	rs->row = ereallocarray(rs->row, rs->cap, sizeof(*rs->row));
	rs->f = ereallocarray(rs->f, rs->cap * (rs->nf > 0 ? rs->nf : 1),
	    sizeof(*rs->f));
}

void
join_cut(struct join *j, struct jrows *rs, int side, char *text, size_t len,
    int64_t bt)
{
	char *p = text, *e = text + len, *nl;
	const char *why;
	struct slice *f;

	rs->n = 0;
	for (; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		rows_grow(rs);
		f = jrow_fields(rs, rs->n);
		if (rec_cut(p, (size_t)(nl - p), f, rs->nf) != rs->nf)
			rs->odd++;
		rs->row[rs->n] = (struct jrow){ JOIN_NONE, 0, 0, p,
		    (size_t)(nl - p) };
		if (j->tcol[side] >= 0) {
			const struct slice *ts = &f[j->tcol[side]];
			char buf[160];

			why = ts_parse(ts->p, ts->n, NULL, NULL,
			    &rs->row[rs->n].t);
			if (why != NULL) {
				warnx("%s: batch %lld: %s: record left out",
				    rs->name, (long long)bt, ts_why(buf,
				    sizeof(buf), j->time[side], ts->p, ts->n,
				    why));
				rs->bad++;
				continue;
			}
		}
		rs->n++;
	}
}

const char *
join_key(struct join *j, int side, const struct slice *f, size_t *n)
{
	size_t k;

	if (j->nkeys == 1) {
		*n = f[j->kcol[side][0]].n;
		return f[j->kcol[side][0]].p;
	}
	ob_reset(&j->kb);
	for (k = 0; k < j->nkeys; k++) {
		const struct slice *s = &f[j->kcol[side][k]];

		if (k > 0)
			ob_putc(&j->kb, '\t');	/* never in a field */
		ob_write(&j->kb, s->p, s->n);
	}
	*n = j->kb.len;
	return j->kb.p;
}

/* A field as it came; one that starts a line gets its "\#" back. */
static void
put_field(struct obuf *o, const struct slice *s, int first)
{
	if (!first)
		ob_putc(o, '\t');
	else if (s->n > 0 && s->p[0] == '#')
		ob_putc(o, '\\');
	ob_write(o, s->p, s->n);
}

void
join_put(const struct join *j, struct obuf *o, const struct slice *l,
    const struct slice *r)
{
	static const struct slice empty = { (char *)"", 0 };
	const struct slice *side[2] = { l, r };
	size_t c;

	for (c = 0; c < j->out.n; c++) {
		const struct jcol *m = &j->omap[c];
		const struct slice *f;

		if (m->key >= 0)	/* from the side there is */
			f = l != NULL ? &l[m->col] :
			    &r[j->kcol[1][m->key]];
		else
			f = side[m->side] != NULL ? &side[m->side][m->col] :
			    &empty;
		put_field(o, f, c == 0);
	}
	ob_putc(o, '\n');
}

void
join_index(struct join *j, struct ht *idx, struct jrows *rs, int side)
{
	struct jkey *v;
	const char *k;
	size_t i, n;
	int created;

	for (i = 0; i < rs->n; i++) {
		k = join_key(j, side, jrow_fields(rs, i), &n);
		v = ht_get(idx, k, n, &created);
		if (created)
			*v = (struct jkey){ { JOIN_NONE, JOIN_NONE },
			    { JOIN_NONE, JOIN_NONE }, 0 };
		if (v->head[side] == JOIN_NONE)
			v->head[side] = (uint32_t)i;
		else
			rs->row[v->tail[side]].next = (uint32_t)i;
		v->tail[side] = (uint32_t)i;
		if (j->kind == JOIN_COGROUP && !v->seen) {
			if (j->norder == j->ordcap) {
				j->ordcap = j->ordcap ? j->ordcap * 2 : 64;
				j->order = ereallocarray(j->order, j->ordcap,
				    sizeof(*j->order));
			}
			j->order[j->norder++] = v;
			v->seen = 1;
		}
	}
}

/* Cogroup: one line a key, the keys as they came (left first); after the
 * key, each field of each side as the list of its values. */
static void
cogroup(struct join *j, struct obuf *o)
{
	const struct jrows *rs;
	const struct jkey *v;
	size_t i, c;
	uint32_t r;
	int first;

	for (i = 0; i < j->norder; i++) {
		v = j->order[i];
		for (c = 0; c < j->out.n; c++) {
			const struct jcol *m = &j->omap[c];

			if (m->key >= 0) {
				int s = v->head[0] != JOIN_NONE ? 0 : 1;

				rs = &j->rows[s];
				put_field(o, &jrow_fields(rs, v->head[s])
				    [j->kcol[s][m->key]], c == 0);
				continue;
			}
			rs = &j->rows[m->side];
			if (c > 0)
				ob_putc(o, '\t');
			for (r = v->head[m->side], first = 1; r != JOIN_NONE;
			    r = rs->row[r].next, first = 0) {
				const struct slice *f = &jrow_fields(rs, r)[m->col];

				if (!first)
					ob_putc(o, ',');
				else if (c == 0 && f->n > 0 && f->p[0] == '#')
					ob_putc(o, '\\');
				ob_write(o, f->p, f->n);
			}
		}
		ob_putc(o, '\n');
	}
	j->norder = 0;
}

void
join_batch(struct join *j, struct obuf *o, const struct ht *tidx,
    const struct jrows *trows)
{
	struct jrows *l = &j->rows[0], *r = &j->rows[1];
	const struct ht *idx = tidx;
	const struct jkey *v;
	const char *k;
	size_t i, n;
	uint32_t m;

	ht_clear(&j->idx);
	if (tidx == NULL) {
		if (j->kind == JOIN_COGROUP)
			join_index(j, &j->idx, l, 0);
		join_index(j, &j->idx, r, 1);
		idx = &j->idx;
	} else
		r = (struct jrows *)trows;
	if (j->kind == JOIN_COGROUP) {
		cogroup(j, o);
		return;
	}
	for (i = 0; i < l->n; i++) {
		const struct slice *lf = jrow_fields(l, i);

		k = join_key(j, 0, lf, &n);
		v = ht_find(idx, k, n);
		if (v == NULL || v->head[1] == JOIN_NONE) {
			if (j->kind == JOIN_LEFT || j->kind == JOIN_FULL)
				join_put(j, o, lf, NULL);
			continue;
		}
		for (m = v->head[1]; m != JOIN_NONE; m = r->row[m].next) {
			join_put(j, o, lf, jrow_fields(r, m));
			if (tidx == NULL)
				r->row[m].matched = 1;
		}
	}
	if (j->kind == JOIN_RIGHT || j->kind == JOIN_FULL)
		for (i = 0; i < r->n; i++)
			if (!r->row[i].matched)
				join_put(j, o, NULL, jrow_fields(r, i));
}
