/*
 * agg_emit: a table's groups written as records: the top N by --order (a
 * heap of N ranks), or all in key order (numbers by value, then bytes;
 * --label keys in the order of their labels).
 */
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"
#include "util.h"

struct rank {
	const struct group	*g;
	struct val		 v;
};

static int
field_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	struct dec x, y;
	int c;

	if (dec_parse(a, an, &x) == DEC_OK && dec_parse(b, bn, &y) == DEC_OK &&
	    (c = dec_cmp(x, y)) != 0)
		return c;
	c = memcmp(a, b, an < bn ? an : bn);
	return c != 0 ? c : (an > bn) - (an < bn);
}

/* Orders the keys of two groups of t. */
static int
key_cmp(const struct agg_table *t, const struct group *a,
    const struct group *b)
{
	size_t i, nby = t->spec->nby, an, bn;
	const char *p = ht_key(&t->groups, a, &an);
	const char *q = ht_key(&t->groups, b, &bn);
	uint32_t pn, qn;
	int c;

	if (t->spec->nlabels > 0) {	/* labelled keys in label order */
		size_t la = agg_label_of(t->spec, p, an);
		size_t lb = agg_label_of(t->spec, q, bn);

		if (la != lb)
			return la < lb ? -1 : 1;
	}
	if (nby <= 1)
		return field_cmp(p, an, q, bn);
	for (i = 0; i < nby; i++) {
		memcpy(&pn, p, 4);
		memcpy(&qn, q, 4);
		if ((c = field_cmp(p + 4, pn, q + 4, qn)) != 0)
			return c;
		p += 4 + pn;
		q += 4 + qn;
	}
	return 0;
}

/* Larger value first, then smaller key (DESIGN §4); t is the table
 * (qsort_r's context: no global says which table is sorted). */
static int
by_rank(const void *x, const void *y, void *t)
{
	struct rank *a = (struct rank *)x, *b = (struct rank *)y;
	int c = val_cmp(&b->v, &a->v);

	return c != 0 ? c : key_cmp(t, a->g, b->g);
}

static void
sift_down(struct agg_table *t, struct rank *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, w = i;
		struct rank tmp;

		/* the root is the worst: the one by_rank puts last */
		if (l < n && by_rank(&h[l], &h[w], t) > 0)
			w = l;
		if (l + 1 < n && by_rank(&h[l + 1], &h[w], t) > 0)
			w = l + 1;
		if (w == i)
			return;
		tmp = h[i];
		h[i] = h[w];
		h[w] = tmp;
		i = w;
	}
}

/* Writes a group: its key fields, its aggregations, and flag (if >= 0). */
static void
put_group(const struct agg_table *t, struct obuf *o, const struct group *g,
    int flag)
{
	const struct agg_spec *s = t->spec;
	size_t i, k, klen;
	const char *p = ht_key(&t->groups, g, &klen);
	uint32_t n;

	if (s->nby == 1 && (i = agg_label_of(s, p, klen)) < s->nlabels)
		rec_put_field(o, s->lnames[i], strlen(s->lnames[i]), 1);
	else if (s->nby == 1)
		rec_put_field(o, p, klen, 1);
	else
		for (i = 0; i < s->nby; i++) {
			memcpy(&n, p, 4);
			if (i > 0)
				ob_putc(o, '\t');
			rec_put_field(o, p + 4, n, i == 0);
			p += 4 + n;
		}
	for (k = 0; k < s->ndefs; k++) {
		struct val v;

		cell_value(s->defs[k].kind, &g->c[k], &v);
		if (s->nby > 0 || k > 0)
			ob_putc(o, '\t');
		val_put(o, &v, s->nby == 0 && k == 0);
	}
	if (flag >= 0) {
		ob_putc(o, '\t');
		ob_putc(o, flag ? '1' : '0');
	}
	ob_putc(o, '\n');
}

static int
group_by_key(const void *x, const void *y, void *t)
{
	return key_cmp(t, *(struct group *const *)x, *(struct group *const *)y);
}

/* Writes the candidate groups: the top N by --order (a heap of N ranks),
 * or all by key (the candidates sorted in place). */
void
agg_emit_groups(struct agg_table *t, struct obuf *o, struct group **cand,
    size_t ncand, int flag)
{
	const struct agg_spec *s = t->spec;
	size_t i, k, n = 0, keep;
	struct rank *rk;

	if (s->top == 0) {
		if (ncand > 1)
			qsort_r(cand, ncand, sizeof(*cand), group_by_key, t);
		for (i = 0; i < ncand; i++)
			put_group(t, o, cand[i], flag);
		return;
	}
	keep = (size_t)s->top < ncand ? (size_t)s->top : ncand;
	rk = ereallocarray(NULL, keep, sizeof(*rk));
	for (i = 0; i < ncand; i++) {
		struct rank r;

		r.g = cand[i];
		cell_value(s->defs[s->orderidx].kind, &r.g->c[s->orderidx],
		    &r.v);
		if (n < keep) {
			rk[n++] = r;
			if (n == keep)	/* heapify: the worst at the root */
				for (k = n / 2; k-- > 0;)
					sift_down(t, rk, n, k);
		} else if (by_rank(&r, &rk[0], t) < 0) {
			rk[0] = r;
			sift_down(t, rk, n, 0);
		}
	}
	if (n > 1)
		qsort_r(rk, n, sizeof(*rk), by_rank, t);
	for (i = 0; i < n; i++)
		put_group(t, o, rk[i].g, flag);
	free(rk);
}

void
agg_emit(struct agg_table *t, struct obuf *o, int flag)
{
	struct group **all, *g;
	size_t i = 0, n = 0;
	int created;

	if (t->spec->nby == 0 && t->groups.n == 0) {	/* one group, even empty */
		g = ht_get(&t->groups, "", 0, &created);
		g->id = t->nextid++;
	}
	all = ereallocarray(NULL, t->groups.n, sizeof(*all));
	while ((g = ht_next(&t->groups, &i)) != NULL)
		all[n++] = g;
	agg_emit_groups(t, o, all, n, flag);
	free(all);
}

void
agg_emit_touched(struct agg_table *t, struct obuf *o, int flag)
{
	agg_emit_groups(t, o, t->touched, t->ntouched, flag);
}

