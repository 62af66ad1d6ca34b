#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"
#include "win.h"
#include "util.h"

/* A value a pane gave a key, still a candidate for --min or --max. */
struct dq_ent {
	int64_t		t;
	struct cell	v;	/* owns v.s */
};

struct deque {
	struct dq_ent	*e;
	uint32_t	 head, n, cap;
};

struct pane {		/* kept at its exact size: a 24 h window of 1 s */
	int64_t		 t;	/* batches holds 86400 of them */
	char		*data;	/* per key: key, records, partials */
	size_t		 len;
};

struct win {
	struct agg_spec		*spec;
	struct agg_table	*w;	/* the window's aggregates */
	struct ht		 ext;	/* key -> a deque per aggregation */
	int64_t			 length;
	struct pane		*panes;	/* oldest first, from phead */
	size_t			 phead, pn, pcap;
	struct obuf		 scratch;	/* the pane being built */
	int			 records;	/* panes of records (window()) */
	int			 emit_removed;	/* keys that left: said once */
};

const char *
win_supports(const struct agg_def *d)
{
	switch (d->kind) {
	case AGG_COUNT: case AGG_SUM: case AGG_AVG: case AGG_MIN: case AGG_MAX:
	case AGG_COLLECT:
		return NULL;
	default:
		return "not kept over a window (--count, --sum, --avg, --min, "
		    "--max and --collect are)";
	}
}

size_t
win_keys(const struct win *w)
{
	return agg_keys(w->w);
}

void
win_emit_removed(struct win *w)
{
	w->emit_removed = 1;
}

struct win *
win_new(struct agg_spec *s, int64_t length)
{
	struct win *w = ecalloc(1, sizeof(*w));

	w->spec = s;
	w->w = agg_table_new(s);
	w->length = length;
	ht_init(&w->ext, sizeof(struct deque) * (s->ndefs ? s->ndefs : 1));
	ob_init(&w->scratch, -1, "pane");
	return w;
}

static void
dq_clear(struct deque *q)
{
	uint32_t i;

	for (i = 0; i < q->n; i++)
		free(q->e[(q->head + i) % q->cap].v.s);
	free(q->e);
	memset(q, 0, sizeof(*q));
}

static struct dq_ent *
dq_at(struct deque *q, uint32_t i)
{
	return &q->e[(q->head + i) % q->cap];
}

static void
dq_push(struct deque *q, int64_t t, const struct cell *v)
{
	struct dq_ent *e;

	if (q->n == q->cap) {	/* grow, unwrapping the ring */
		uint32_t cap = q->cap ? q->cap * 2 : 4, i;
		struct dq_ent *ne = ereallocarray(NULL, cap, sizeof(*ne));

		for (i = 0; i < q->n; i++)
			ne[i] = *dq_at(q, i);
		free(q->e);
		q->e = ne;
		q->cap = cap;
		q->head = 0;
	}
	e = dq_at(q, q->n++);
	e->t = t;
	e->v = *v;
	e->v.s = v->slen > 0 ? estrndup(v->s, v->slen) : NULL;
	e->v.scap = v->slen;
}

/* The extreme of the window: the front of the deque, or nothing. */
static void
set_extreme(struct cell *c, struct deque *q)
{
	struct val v = { .t = V_NULL };

	if (q->n == 0) {
		free(c->s);
		memset(c, 0, sizeof(*c));
		return;
	}
	cell_value(AGG_MIN, &dq_at(q, 0)->v, &v);
	cell_store(c, &v);
}

/* --collect: the lists of the panes still in the window, joined. */
static void
set_collected(struct cell *c, struct deque *q)
{
	uint32_t i;

	c->slen = 0;
	c->t = V_NULL;
	for (i = 0; i < q->n; i++) {
		const struct cell *v = &dq_at(q, i)->v;
		struct val part = { .t = V_TEXT, .s = v->s, .n = v->slen };

		cell_append(c, &part);
	}
}

/* A pane's value for a key: drop what it dominates, then queue it. */
static void
dq_offer(struct deque *q, int64_t t, const struct cell *v, int sign)
{
	while (q->n > 0) {
		struct dq_ent *back = dq_at(q, q->n - 1);

		if (sign * cell_cmp(&back->v, v) > 0)
			break;	/* the older value still beats the new one */
		free(back->v.s);
		q->n--;
	}
	dq_push(q, t, v);
}

static void
dq_expire(struct deque *q, int64_t upto)
{
	while (q->n > 0 && dq_at(q, 0)->t <= upto) {
		free(dq_at(q, 0)->v.s);
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
}

static struct pane *
pane_push(struct win *w, int64_t t)
{
	struct pane *p;

	if (w->phead + w->pn == w->pcap) {
		if (w->phead > 0) {
			memmove(w->panes, w->panes + w->phead,
			    w->pn * sizeof(*w->panes));
			w->phead = 0;
		}
		if (w->pn == w->pcap) {
			w->pcap = w->pcap ? w->pcap * 2 : 16;
			w->panes = ereallocarray(w->panes, w->pcap,
			    sizeof(*w->panes));
		}
	}
	p = &w->panes[w->phead + w->pn++];
	p->t = t;
	p->data = NULL;
	p->len = 0;
	return p;
}

static void
pane_pop(struct win *w)
{
	free(w->panes[w->phead].data);
	w->phead++;
	w->pn--;
}

/*
 * Adds group gb of a batch (key, klen) at time bt to the window, and its
 * part to the pane pd: the key, its records, then per aggregation what
 * leaves with the pane (a count; a sum's count and number; nothing for
 * --min, --max and --collect, whose deques know their times).
 */
static void
add_group(struct win *w, const struct group *gb, const char *key,
    size_t klen, int64_t bt, struct obuf *pd)
{
	const struct agg_spec *s = w->spec;
	struct group *g;
	struct deque *dq;
	struct dec sum = { 0, 0 };
	size_t k;
	int created;

	g = ht_get(&w->w->groups, key, klen, &created);
	dq = ht_get(&w->ext, key, klen, &created);
	g->nrec += gb->nrec;
	ob_put_bytes(pd, key, klen);
	ob_put_u64(pd, (uint64_t)gb->nrec);
	for (k = 0; k < s->ndefs; k++) {
		const struct cell *cb = &gb->c[k];
		struct cell *c = &g->c[k];
		enum agg_kind kind = s->defs[k].kind;

		if (kind == AGG_COUNT) {
			c->n += cb->n;
			ob_put_u64(pd, (uint64_t)cb->n);
		} else if (kind == AGG_SUM || kind == AGG_AVG) {
			if (cb->n > 0) {
				if (dec_add(&sum, cell_dec(c), cell_dec(cb)) !=
				    DEC_OK)
					errx(SK_EXIT_DATA, "the window sum of %s "
					    "overflows", s->defs[k].name);
				cell_set_dec(c, sum);
				c->n += cb->n;
			}
			cell_put_num(pd, cb);
		} else if (cb->t == V_NULL)
			continue;
		else if (kind == AGG_COLLECT) {
			dq_push(&dq[k], bt, cb);
			set_collected(c, &dq[k]);
		} else {	/* min, max */
			dq_offer(&dq[k], bt, cb, kind == AGG_MAX ? 1 : -1);
			set_extreme(c, &dq[k]);
		}
	}
}

/* Takes one key's part of a pane that leaves the window at bt out of
 * it; the key leaves with its last record. */
static void
leave_group(struct win *w, struct bin *in, int64_t pane_t, int64_t bt)
{
	const struct agg_spec *s = w->spec;
	size_t k, klen;
	const char *key = bin_bytes(in, &klen);
	struct group *g = ht_find(&w->w->groups, key, klen);
	struct deque *dq = ht_find(&w->ext, key, klen);
	int64_t nrec = (int64_t)bin_u64(in);

	if (g == NULL || dq == NULL)	/* never: say so, loudly */
		errx(SK_EXIT_DATA, "a key of the pane of %lld is not in the "
		    "window: the window is out of step", (long long)pane_t);
	for (k = 0; k < s->ndefs; k++) {
		struct cell *c = &g->c[k], part = { 0 };
		enum agg_kind kind = s->defs[k].kind;
		struct dec diff = { 0, 0 };

		if (kind == AGG_COUNT)
			c->n -= (int64_t)bin_u64(in);
		else if (kind == AGG_SUM || kind == AGG_AVG) {
			cell_get_num(in, &part);
			if (part.n == 0)
				continue;
			(void)dec_sub(&diff, cell_dec(c), cell_dec(&part));
			cell_set_dec(c, diff);
			if ((c->n -= part.n) == 0)
				cell_set_dec(c, dec_from_int(0));
		} else {
			dq_expire(&dq[k], bt - w->length);
			if (kind == AGG_COLLECT)
				set_collected(c, &dq[k]);
			else
				set_extreme(c, &dq[k]);
		}
	}
	if ((g->nrec -= nrec) == 0 && !w->emit_removed) {	/* gone */
		for (k = 0; k < s->ndefs; k++) {
			free(g->c[k].s);
			dq_clear(&dq[k]);
		}
		ht_del(&w->w->groups, key, klen);
		ht_del(&w->ext, key, klen);
	}	/* with emit_removed, win_emit says it and then drops it */
}

void
win_add_batch(struct win *w, struct agg_table *b, int64_t bt)
{
	struct obuf *pd = &w->scratch;
	const struct group *gb;
	struct pane *p;
	size_t i = 0, klen;

	ob_reset(pd);
	while ((gb = ht_next(&b->groups, &i)) != NULL) {
		const char *key = ht_key(&b->groups, gb, &klen);

		add_group(w, gb, key, klen, bt, pd);
	}
	agg_clear(b);
	p = pane_push(w, bt);
	if ((p->len = pd->len) > 0) {
		p->data = emalloc(p->len);
		memcpy(p->data, pd->p, p->len);
	}
	/* panes at or before bt - length leave */
	while (w->pn > 0 && w->panes[w->phead].t <= bt - w->length) {
		struct pane *old = &w->panes[w->phead];
		struct bin in;

		bin_init(&in, old->data, old->len);
		while (in.p < in.e && !in.bad)
			leave_group(w, &in, old->t, bt);
		pane_pop(w);
	}
}

void
win_add_records(struct win *w, const char *lines, size_t len, int64_t bt)
{
	struct pane *p = pane_push(w, bt);

	w->records = 1;
	if ((p->len = len) > 0) {
		p->data = emalloc(len);
		memcpy(p->data, lines, len);
	}
	while (w->pn > 0 && w->panes[w->phead].t <= bt - w->length)
		pane_pop(w);
}

void
win_emit_records(const struct win *w, struct obuf *o)
{
	size_t i;

	for (i = 0; i < w->pn; i++)
		ob_write(o, w->panes[w->phead + i].data,
		    w->panes[w->phead + i].len);
}

void
win_emit(struct win *w, struct obuf *o)
{
	struct group **in, **gone, *g;
	size_t i = 0, nin = 0, ngone = 0, k, klen;
	long top = w->spec->top;

	if (!w->emit_removed) {
		agg_emit(w->w, o, -1);
		return;
	}
	/* the window's keys (flag 0), then those that left it (flag 1, all
	 * of them, by key, with the values they leave with), then forgotten */
	in = ereallocarray(NULL, w->w->groups.n + 1, sizeof(*in));
	gone = ereallocarray(NULL, w->w->groups.n + 1, sizeof(*gone));
	while ((g = ht_next(&w->w->groups, &i)) != NULL) {
		if (g->nrec > 0)
			in[nin++] = g;
		else
			gone[ngone++] = g;
	}
	agg_emit_groups(w->w, o, in, nin, 0);
	w->spec->top = 0;
	agg_emit_groups(w->w, o, gone, ngone, 1);
	w->spec->top = top;
	for (i = 0; i < ngone; i++) {
		const char *key = ht_key(&w->w->groups, gone[i], &klen);
		struct deque *dq = ht_find(&w->ext, key, klen);

		for (k = 0; k < w->spec->ndefs; k++) {
			free(gone[i]->c[k].s);
			if (dq != NULL)
				dq_clear(&dq[k]);
		}
		ht_del(&w->ext, key, klen);
		ht_del(&w->w->groups, key, klen);
	}
	free(in);
	free(gone);
}

void
win_free(struct win *w)
{
	struct deque *dq;
	size_t i = 0, k;

	while ((dq = ht_next(&w->ext, &i)) != NULL)
		for (k = 0; k < w->spec->ndefs; k++)
			dq_clear(&dq[k]);
	for (i = 0; i < w->pn; i++)
		free(w->panes[w->phead + i].data);
	free(w->panes);
	ob_free(&w->scratch);
	ht_free(&w->ext);
	agg_table_free(w->w);
	free(w);
}

#define WIN_SNAP_VERSION 1

void
win_save(const struct win *w, struct obuf *o)
{
	struct deque *dq;
	const char *key;
	size_t i = 0, k, klen;
	uint32_t j;

	ob_put_u64(o, WIN_SNAP_VERSION);
	agg_save(w->w, o);
	ob_put_u64(o, w->ext.n);
	while ((dq = ht_next(&w->ext, &i)) != NULL) {
		key = ht_key(&w->ext, dq, &klen);
		ob_put_bytes(o, key, klen);
		for (k = 0; k < w->spec->ndefs; k++) {
			ob_put_u64(o, dq[k].n);
			for (j = 0; j < dq[k].n; j++) {
				ob_put_u64(o, (uint64_t)dq_at(&dq[k], j)->t);
				cell_put(o, &dq_at(&dq[k], j)->v);
			}
		}
	}
	ob_put_u64(o, w->pn);
	for (i = 0; i < w->pn; i++) {
		ob_put_u64(o, (uint64_t)w->panes[w->phead + i].t);
		ob_put_bytes(o, w->panes[w->phead + i].data,
		    w->panes[w->phead + i].len);
	}
}

const char *
win_restore(struct win *w, const void *buf, size_t len)
{
	struct bin b;
	const char *why;
	uint64_t n, i, m, j;
	size_t k, klen;
	int created;

	bin_init(&b, buf, len);
	if (bin_u64(&b) != WIN_SNAP_VERSION)
		return "a snapshot of another version";
	if ((why = agg_restore_bin(w->w, &b)) != NULL)
		return why;
	n = bin_u64(&b);
	for (i = 0; i < n && !b.bad; i++) {
		const char *key = bin_bytes(&b, &klen);
		struct deque *dq = ht_get(&w->ext, key, klen, &created);

		for (k = 0; k < w->spec->ndefs && !b.bad; k++)
			for (m = bin_u64(&b), j = 0; j < m && !b.bad; j++) {
				int64_t t = (int64_t)bin_u64(&b);
				struct cell c = { 0 };

				cell_get(&b, &c);
				dq_push(&dq[k], t, &c);
			}
	}
	n = bin_u64(&b);
	for (i = 0; i < n && !b.bad; i++) {
		int64_t t = (int64_t)bin_u64(&b);
		const char *data = bin_bytes(&b, &klen);
		struct pane *p = pane_push(w, t);

		if ((p->len = klen) > 0) {
			p->data = emalloc(klen);
			memcpy(p->data, data, klen);
		}
	}
	if (b.bad || b.p != b.e)
		return "a snapshot of the wrong length";
	return NULL;
}
