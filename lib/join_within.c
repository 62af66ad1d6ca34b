/* join_within: the time-bounded stream-stream join; see join_within.h. */
#include <stdlib.h>
#include <string.h>

#include "join_within.h"
#include "dur.h"
#include "util.h"

/* The lines of the records one batch kept, freed with the last of them. */
struct wblock {
	size_t		 refs;
	char		 data[];
};

struct wrec {
	int64_t		 t;
	uint64_t	 seq;
	char		*line;
	size_t		 len;
	struct wblock	*blk;
	uint32_t	 next, prev;	/* its key's records of its side */
	int		 side, matched;
};

static const char magic[8] = "sjwithin";

void
jw_init(struct jwithin *w, int64_t dur, int64_t delay)
{
	memset(w, 0, sizeof(*w));
	w->dur = dur;
	w->delay = delay;
	w->wm = INT64_MIN;
	w->free = JOIN_NONE;
	ht_init(&w->keys, sizeof(struct jkey));
}

void
jw_free(struct jwithin *w)
{
	size_t i;

	for (i = 0; i < w->nheap; i++) {
		struct wblock *b = w->rec[w->heap[i]].blk;

		if (--b->refs == 0)
			free(b);
	}
	free(w->rec);
	free(w->heap);
	free(w->f);
	ht_free(&w->keys);
}

static uint32_t
rec_new(struct jwithin *w)
{
	uint32_t i;

	if (w->free == JOIN_NONE) {
		size_t old = w->cap, k;

		w->cap = old < 64 ? 64 : old * 2;
		w->rec = ereallocarray(w->rec, w->cap, sizeof(*w->rec));
		w->heap = ereallocarray(w->heap, w->cap, sizeof(*w->heap));
		for (k = w->cap; k > old; k--) {
			w->rec[k - 1].next = w->free;
			w->free = (uint32_t)(k - 1);
		}
	}
	i = w->free;
	w->free = w->rec[i].next;
	w->live++;
	return i;
}

static void
rec_release(struct jwithin *w, uint32_t i)
{
	struct wblock *b = w->rec[i].blk;

	if (--b->refs == 0)
		free(b);
	w->rec[i].blk = NULL;
	w->rec[i].next = w->free;
	w->free = i;
	w->live--;
}

static int
before(const struct jwithin *w, uint32_t a, uint32_t b)
{
	return w->rec[a].t < w->rec[b].t ||
	    (w->rec[a].t == w->rec[b].t && w->rec[a].seq < w->rec[b].seq);
}

static void
heap_push(struct jwithin *w, uint32_t r)
{
	size_t i = w->nheap++, p;

	for (; i > 0 && before(w, r, w->heap[p = (i - 1) / 2]); i = p)
		w->heap[i] = w->heap[p];
	w->heap[i] = r;
}

static uint32_t
heap_pop(struct jwithin *w)
{
	uint32_t top = w->heap[0], last = w->heap[--w->nheap];
	size_t i = 0, c;

	for (; (c = 2 * i + 1) < w->nheap; i = c) {
		if (c + 1 < w->nheap && before(w, w->heap[c + 1], w->heap[c]))
			c++;
		if (!before(w, w->heap[c], last))
			break;
		w->heap[i] = w->heap[c];
	}
	if (w->nheap > 0)
		w->heap[i] = last;
	return top;
}

/* A kept record's fields, in w->f. */
static struct slice *
fields(struct jwithin *w, const struct join *j, uint32_t r)
{
	size_t nf = j->rows[w->rec[r].side].nf;

	if (nf > w->fcap) {
		w->fcap = nf;
		w->f = ereallocarray(w->f, nf, sizeof(*w->f));
	}
	(void)rec_cut(w->rec[r].line, w->rec[r].len, w->f, nf);
	return w->f;
}

/* Puts record r last among the records of its side of key k (n bytes). */
static void
link_rec(struct jwithin *w, uint32_t r, const char *k, size_t n)
{
	struct wrec *x = &w->rec[r];
	struct jkey *v;
	int created;

	v = ht_get(&w->keys, k, n, &created);
	if (created)
		*v = (struct jkey){ { JOIN_NONE, JOIN_NONE },
		    { JOIN_NONE, JOIN_NONE }, 0 };
	x->next = JOIN_NONE;
	x->prev = v->tail[x->side];
	if (x->prev == JOIN_NONE)
		v->head[x->side] = r;
	else
		w->rec[x->prev].next = r;
	v->tail[x->side] = r;
}

static void
unlink_rec(struct jwithin *w, struct join *j, uint32_t r)
{
	struct wrec *x = &w->rec[r];
	struct jkey *v;
	const char *k;
	size_t n;

	k = join_key(j, x->side, fields(w, j, r), &n);
	if ((v = ht_find(&w->keys, k, n)) == NULL)
		return;
	if (x->prev == JOIN_NONE)
		v->head[x->side] = x->next;
	else
		w->rec[x->prev].next = x->next;
	if (x->next == JOIN_NONE)
		v->tail[x->side] = x->prev;
	else
		w->rec[x->next].prev = x->prev;
	if (v->head[0] == JOIN_NONE && v->head[1] == JOIN_NONE)
		(void)ht_del(&w->keys, k, n);
}

/* Restored records: indexed once the inputs' fields are known. */
static void
index_pending(struct jwithin *w, struct join *j)
{
	const char *k;
	size_t i, n;

	for (i = 0; i < w->nheap; i++) {	/* restored in their order */
		k = join_key(j, w->rec[i].side, fields(w, j, (uint32_t)i), &n);
		link_rec(w, (uint32_t)i, k, n);
	}
	w->pending = 0;
}

/* Takes the rows of a side: each joins the other side's kept records
 * near it, then is kept itself. */
static void
take_side(struct jwithin *w, struct join *j, struct obuf *o, int side,
    struct wblock *blk, size_t *off)
{
	struct jrows *rs = &j->rows[side];
	const struct jkey *v;
	struct wrec *x;
	const char *k;
	size_t i, n;
	uint32_t m, r;

	for (i = 0; i < rs->n; i++) {
		const struct jrow *row = &rs->row[i];
		const struct slice *f = jrow_fields(rs, i);
		int matched = 0;

		if (row->t < w->wm) {
			w->late++;
			continue;
		}
		k = join_key(j, side, f, &n);
		v = ht_find(&w->keys, k, n);
		for (m = v != NULL ? v->head[!side] : JOIN_NONE; m != JOIN_NONE;
		    m = w->rec[m].next) {
			if (!dur_near(row->t, w->rec[m].t, w->dur))
				continue;
			if (side == 0)
				join_put(j, o, f, fields(w, j, m));
			else
				join_put(j, o, fields(w, j, m), f);
			w->rec[m].matched = matched = 1;
		}
		r = rec_new(w);
		x = &w->rec[r];
		memcpy(blk->data + *off, row->line, row->len);
		*x = (struct wrec){ row->t, w->seq++, blk->data + *off,
		    row->len, blk, JOIN_NONE, JOIN_NONE, side, matched };
		*off += row->len;
		link_rec(w, r, k, n);	/* k: its key, cut above */
		heap_push(w, r);
	}
}

/* Writes the outer rows of the records no later one can match, and
 * lets them go. */
static void
expire(struct jwithin *w, struct join *j, struct obuf *o)
{
	int64_t limit;
	uint32_t r;
	int outer[2];

	outer[0] = j->kind == JOIN_LEFT || j->kind == JOIN_FULL;
	outer[1] = j->kind == JOIN_RIGHT || j->kind == JOIN_FULL;
	if (__builtin_sub_overflow(w->wm, w->dur, &limit))
		return;		/* nothing is that old */
	while (w->nheap > 0 && w->rec[w->heap[0]].t < limit) {
		r = heap_pop(w);
		if (!w->rec[r].matched && outer[w->rec[r].side]) {
			if (w->rec[r].side == 0)
				join_put(j, o, fields(w, j, r), NULL);
			else
				join_put(j, o, NULL, fields(w, j, r));
		}
		unlink_rec(w, j, r);
		rec_release(w, r);
	}
	(void)ht_compact(&w->keys);
}

void
jw_batch(struct jwithin *w, struct join *j, struct obuf *o, int64_t bt)
{
	struct wblock *blk;
	size_t len = 0, refs = 0, off = 0, i;
	int64_t wm;
	int s;

	if (w->pending)
		index_pending(w, j);
	w->late = 0;
	for (s = 0; s < 2; s++)
		for (i = 0; i < j->rows[s].n; i++)
			if (j->rows[s].row[i].t >= w->wm) {
				len += j->rows[s].row[i].len;
				refs++;
			}
	blk = emalloc(sizeof(*blk) + len);
	blk->refs = refs + 1;		/* and this function's */
	take_side(w, j, o, 0, blk, &off);
	take_side(w, j, o, 1, blk, &off);
	if (--blk->refs == 0)
		free(blk);
	if (bt == INT64_MIN)	/* a plain file: its one batch is all */
		w->wm = INT64_MAX;
	else if (!__builtin_sub_overflow(bt, w->delay, &wm) && wm > w->wm)
		w->wm = wm;
	expire(w, j, o);
}

static int
by_seq(const void *a, const void *b, void *arg)
{
	const struct jwithin *w = arg;
	uint64_t x = w->rec[*(const uint32_t *)a].seq;
	uint64_t y = w->rec[*(const uint32_t *)b].seq;

	return x < y ? -1 : x > y;
}

void
jw_save(const struct jwithin *w, struct obuf *o)
{
	uint32_t *order = ereallocarray(NULL, w->nheap + 1, sizeof(*order));
	const struct wrec *x;
	uint64_t u;
	size_t i;

	memcpy(&u, magic, sizeof(u));
	ob_put_u64(o, u);
	ob_put_u64(o, (uint64_t)w->wm);
	ob_put_u64(o, w->seq);
	ob_put_u64(o, w->nheap);
	if (w->nheap > 0)	/* none: no heap yet either */
		memcpy(order, w->heap, w->nheap * sizeof(*order));
	qsort_r(order, w->nheap, sizeof(*order), by_seq, (void *)w);
	for (i = 0; i < w->nheap; i++) {
		x = &w->rec[order[i]];
		ob_put_u64(o, (uint64_t)x->side | (uint64_t)x->matched << 1);
		ob_put_u64(o, (uint64_t)x->t);
		ob_put_u64(o, x->seq);
		ob_put_bytes(o, x->line, x->len);
	}
	free(order);
}

const char *
jw_load(struct jwithin *w, const void *p, size_t n)
{
	struct wblock *blk;
	struct bin b;
	uint64_t u, count, flags, seq, last = 0;
	const char *line;
	size_t len, i, off = 0;
	struct wrec *x;
	uint32_t r;

	bin_init(&b, p, n);
	memcpy(&u, magic, sizeof(u));
	if (bin_u64(&b) != u)
		return "not a snapshot of stream-join --within";
	w->wm = (int64_t)bin_u64(&b);
	w->seq = bin_u64(&b);
	count = bin_u64(&b);
	if (b.bad || count > n / 32)	/* 32 bytes a record at least */
		return "a record count larger than the file";
	blk = emalloc(sizeof(*blk) + n);	/* the lines fit in it */
	blk->refs = 1;
	for (i = 0; i < count; i++) {
		flags = bin_u64(&b);
		u = bin_u64(&b);
		seq = bin_u64(&b);
		line = bin_bytes(&b, &len);
		if (b.bad || flags > 3 || seq >= w->seq || (i > 0 && seq <= last) ||
		    memchr(line, '\n', len) != NULL) {
			if (--blk->refs == 0)
				free(blk);
			return b.bad ? "a record cut short" :
			    "a record that does not fit";
		}
		last = seq;
		r = rec_new(w);
		x = &w->rec[r];
		memcpy(blk->data + off, line, len);
		*x = (struct wrec){ (int64_t)u, seq, blk->data + off, len, blk,
		    JOIN_NONE, JOIN_NONE, (int)(flags & 1), (int)(flags >> 1) };
		off += len;
		blk->refs++;
		heap_push(w, r);
	}
	if (--blk->refs == 0)
		free(blk);
	if (b.p != b.e)
		return "bytes after the last record";
	w->pending = 1;
	return NULL;
}
