/* session: stream-window --session; see session.h. */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "pos.h"
#include "session.h"
#include "stream.h"
#include "ts.h"
#include "util.h"

static const char magic[8] = "ssessn01";

/* One record kept: its time, order and line (in its key's text). */
struct sent {
	int64_t		 t;
	uint64_t	 seq;
	size_t		 off, len;
};

/* A key's records of open sessions. */
struct skey {
	struct sent	*e;
	size_t		 n, cap;
	char		*text;
	size_t		 tlen, tcap;
	int		 dirty;		/* records since it was sorted */
	int64_t		 max;		/* the latest time */
};

/* A session written at a batch, to be put in order. */
struct done {
	const char	*key;
	size_t		 klen;
	int64_t		 start;
	size_t		 off, len;	/* its line in s->out1 */
};

void
session_init(struct session *s, struct agg_spec *spec, int64_t gap,
    int64_t delay, const char *time, int updated)
{
	memset(s, 0, sizeof(*s));
	s->spec = spec;
	s->agg = agg_table_new(spec);
	s->gap = gap;
	s->delay = delay;
	s->time = time;
	s->updated = updated;
	s->tcol = -1;
	s->wm = INT64_MIN;
	ht_init(&s->keys, sizeof(struct skey));
	ob_init(&s->kb, -1, "key");
	ob_init(&s->line, -1, "line");
	ob_init(&s->out1, -1, "sessions");
}

static void
key_free(struct skey *k)
{
	free(k->e);
	free(k->text);
}

void
session_free(struct session *s)
{
	struct skey *k;
	size_t i = 0;

	while ((k = ht_next(&s->keys, &i)) != NULL)
		key_free(k);
	ht_free(&s->keys);
	agg_table_free(s->agg);
	free(s->kcol);
	free(s->f);
	free(s->fields);
	free(s->types);
	rec_free(&s->r);
	ob_free(&s->kb);
	ob_free(&s->line);
	ob_free(&s->out1);
}

/* Line s of n bytes with ins written after its first `after` fields. */
static void
put_inserted(struct obuf *o, const char *p, size_t n, size_t after,
    const char *ins)
{
	const char *e = p + n, *q = p;
	size_t i;

	for (i = 0; i < after && q != NULL; i++)
		if ((q = memchr(q, '\t', (size_t)(e - q))) != NULL)
			q++;
	if (q == NULL)
		q = e + 1;	/* fewer fields: at the end */
	ob_write(o, p, (size_t)(q - 1 - p));
	ob_putc(o, '\t');
	ob_puts(o, ins);
	if (q <= e) {
		ob_putc(o, '\t');
		ob_write(o, q, (size_t)(e - q));
	}
}

/* The output's #stream and #fields: the vocabulary's, with start and end
 * after the keys. */
static void
put_header(struct session *s, struct obuf *out)
{
	struct obuf h;
	char *nl;

	ob_init(&h, -1, "header");
	agg_put_header(&h, s->spec);
	nl = memchr(h.p, '\n', h.len);
	ob_write(out, h.p, (size_t)(nl + 1 - h.p));
	put_inserted(out, nl + 1, h.len - (size_t)(nl + 1 - h.p) - 1,
	    s->spec->nby + 1, "start\tend");
	ob_putc(out, '\n');
	ob_flush(out);
	ob_free(&h);
}

static void
take_schema(struct session *s, char *line, size_t n, const char *src)
{
	struct schema sc = { 0 };
	char *copy = estrndup(line, n);
	const char *in = src != NULL ? src : "stdin";
	size_t k;

	schema_parse(&sc, copy, n);
	free(copy);
	free(s->kcol);
	s->kcol = ereallocarray(NULL, s->spec->nby > 0 ? s->spec->nby : 1,
	    sizeof(*s->kcol));
	for (k = 0; k < s->spec->nby; k++)
		s->kcol[k] = schema_need(&sc, s->spec->by[k], in, "--by");
	s->tcol = (long)schema_need(&sc, s->time, in, "--event-time");
	s->nf = sc.n;
	s->f = ereallocarray(s->f, s->nf > 0 ? s->nf : 1, sizeof(*s->f));
	schema_free(&sc);
	copy = estrndup(line, n);
	agg_schema(s->agg, copy, n, src);	/* binds the aggregations */
	free(copy);
}

/* A record: kept under its key, unless late or without a time. */
static void
take_record(struct session *s, char *line, size_t n, const char *src,
    uint64_t lineno)
{
	const struct slice *ts;
	struct skey *k;
	const char *why, *key = "";
	char buf[160], where[1100];
	size_t klen = 0, i;
	int64_t t;
	int created;

	if (s->kcol == NULL)
		errx(SK_EXIT_DATA, "%s: a record before the #fields line: "
		    "--session needs its fields", loc_format(where,
		    sizeof(where), src, lineno));
	(void)rec_cut(line, n, s->f, s->nf);
	ts = &s->f[s->tcol];
	if ((why = ts_parse(ts->p, ts->n, NULL, NULL, &t)) != NULL) {
		warnx("%s: %s: record left out", loc_format(where,
		    sizeof(where), src, lineno), ts_why(buf, sizeof(buf),
		    s->time, ts->p, ts->n, why));
		s->bad++;
		return;
	}
	if (t < s->wm) {
		s->late++;
		return;
	}
	if (s->spec->nby == 1) {
		key = s->f[s->kcol[0]].p;
		klen = s->f[s->kcol[0]].n;
	} else if (s->spec->nby > 1) {
		ob_reset(&s->kb);
		for (i = 0; i < s->spec->nby; i++) {
			if (i > 0)
				ob_putc(&s->kb, '\t');	/* never in a field */
			ob_write(&s->kb, s->f[s->kcol[i]].p, s->f[s->kcol[i]].n);
		}
		key = s->kb.p;
		klen = s->kb.len;
	}
	k = ht_get(&s->keys, key, klen, &created);
	if (k->n == k->cap) {
		k->cap = k->cap < 4 ? 4 : k->cap * 2;
		k->e = ereallocarray(k->e, k->cap, sizeof(*k->e));
	}
	if (k->tlen + n > k->tcap) {
		k->tcap = k->tlen + n < 64 ? 64 : (k->tlen + n) * 2;
		k->text = erealloc(k->text, k->tcap);
	}
	if (n > 0)
		memcpy(k->text + k->tlen, line, n);
	if (k->n > 0 && (t < k->e[k->n - 1].t))
		k->dirty = 1;
	k->e[k->n++] = (struct sent){ t, s->seq++, k->tlen, n };
	k->tlen += n;
	if (k->n == 1 || t > k->max)
		k->max = t;
	s->held++;
}

static int
by_time(const void *a, const void *b)
{
	const struct sent *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The aggregations of records [i, j) of key k, as one output line in
 * s->out1 with start and end after the keys; closed: its last field with
 * --emit updated. */
static void
put_session(struct session *s, struct skey *k, size_t i, size_t j,
    int closed)
{
	char a[TS_ISOMAX], b[TS_ISOMAX], se[2 * TS_ISOMAX + 2];
	struct obuf tmp;
	size_t m;

	agg_clear(s->agg);
	for (m = i; m < j; m++) {
		ob_reset(&s->line);
		ob_write(&s->line, k->text + k->e[m].off, k->e[m].len);
		rec_split(&s->r, s->line.p, s->line.len);
		(void)agg_add(s->agg, &s->r, NULL, 0);
	}
	ob_init(&tmp, -1, "session");
	agg_emit(s->agg, &tmp, s->updated ? closed : -1);
	a[ts_format(k->e[i].t, a)] = '\0';
	b[ts_format(k->e[j - 1].t, b)] = '\0';
	(void)snprintf(se, sizeof(se), "%s\t%s", a, b);
	if (tmp.len > 0)	/* one line, with its LF */
		put_inserted(&s->out1, tmp.p, tmp.len - 1, s->spec->nby, se);
	ob_putc(&s->out1, '\n');
	ob_free(&tmp);
}

/* Whether b (at or after a) is in a's session: at most GAP later (times
 * of a snapshot may be far apart: no overflow). */
static int
in_gap(const struct session *s, int64_t a, int64_t b)
{
	int64_t x;

	return !__builtin_sub_overflow(b, a, &x) && x <= s->gap;
}

static int
done_cmp(const void *a, const void *b)
{
	const struct done *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Drops the records of a key that closed sessions held. */
static void
compact(struct session *s, struct skey *k, const unsigned char *gone)
{
	size_t i, n = 0, tl = 0;
	char *text = emalloc(k->tlen > 0 ? k->tlen : 1);

	for (i = 0; i < k->n; i++) {
		if (gone[i]) {
			s->held--;
			continue;
		}
		if (k->e[i].len > 0)
			memcpy(text + tl, k->text + k->e[i].off, k->e[i].len);
		k->e[n] = k->e[i];
		k->e[n++].off = tl;
		tl += k->e[i].len;
	}
	free(k->text);
	k->text = text;
	k->tlen = k->tcap = tl > 0 ? tl : 1;
	k->tlen = tl;
	k->n = n;
	k->max = n > 0 ? k->e[n - 1].t : INT64_MIN;
	for (i = 0; i < n; i++)
		if (k->e[i].t > k->max)
			k->max = k->e[i].t;
}

/* After batch bt: writes the sessions the watermark closed (and the open
 * ones this batch changed), in order. */
static void
close_sessions(struct session *s, struct obuf *out, int64_t bt)
{
	struct done *d = NULL;
	size_t nd = 0, i = 0, a, b, klen, ngone;
	struct skey *k;
	const char *key;
	const char **gonek = NULL;
	size_t *gonel = NULL, ng = 0;
	unsigned char *gone = NULL;
	int64_t wm, limit;

	ob_reset(&s->out1);
	if (!__builtin_sub_overflow(bt, s->delay, &wm) && wm > s->wm)
		s->wm = wm;
	while ((k = ht_next(&s->keys, &i)) != NULL) {
		int changed = k->n > 0 && k->e[k->n - 1].seq >= s->batch_seq;

		/* every session ends at or after the first record */
		if (__builtin_add_overflow(k->e[0].t, s->gap, &limit))
			limit = INT64_MAX;
		if (!k->dirty && !(s->updated && changed) && !(limit < s->wm))
			continue;
		if (k->dirty)
			qsort(k->e, k->n, sizeof(*k->e), by_time);
		k->dirty = 0;
		key = ht_key(&s->keys, k, &klen);
		gone = erealloc(gone, k->n);
		memset(gone, 0, k->n);
		for (a = 0, ngone = 0; a < k->n; a = b) {
			int closed, fresh = 0;

			for (b = a + 1; b < k->n && in_gap(s, k->e[b - 1].t,
			    k->e[b].t); b++)
				;
			for (size_t m = a; m < b; m++)
				fresh |= k->e[m].seq >= s->batch_seq;
			if (__builtin_add_overflow(k->e[b - 1].t, s->gap, &limit))
				limit = INT64_MAX;
			closed = limit < s->wm;
			if (!closed && !(s->updated && fresh))
				continue;
			d = ereallocarray(d, nd + 1, sizeof(*d));
			d[nd] = (struct done){ key, klen, k->e[a].t,
			    s->out1.len, 0 };
			put_session(s, k, a, b, closed);
			d[nd].len = s->out1.len - d[nd].off;
			nd++;
			if (closed) {
				memset(gone + a, 1, b - a);
				ngone += b - a;
			}
		}
		if (ngone > 0)
			compact(s, k, gone);
		if (k->n == 0) {
			gonek = ereallocarray(gonek, ng + 1, sizeof(*gonek));
			gonel = ereallocarray(gonel, ng + 1, sizeof(*gonel));
			gonek[ng] = key;
			gonel[ng++] = klen;
		}
	}
	if (nd > 0)
		qsort(d, nd, sizeof(*d), done_cmp);
	for (i = 0; i < nd; i++)
		ob_write(out, s->out1.p + d[i].off, d[i].len);
	for (i = 0; i < ng; i++) {
		key_free(ht_find(&s->keys, gonek[i], gonel[i]));
		(void)ht_del(&s->keys, gonek[i], gonel[i]);
	}
	(void)ht_compact(&s->keys);
	s->batch_seq = s->seq;
	free(d);
	free(gone);
	free(gonek);
	free(gonel);
}

/* The #end line p with the batch's counts and the records held. */
static void
put_end_line(struct session *s, struct obuf *out, const char *p, size_t n,
    const char *state_attr)
{
	static const char *const keys[] = { "late", "bad" };
	const uint64_t v[] = { s->late, s->bad };

	end_put_counts(out, p, n, keys, v, 2, state_attr, s->held);
	s->late = s->bad = 0;
}

void
session_run(struct session *s, struct ibuf *ib, struct obuf *out,
    const char *src, const struct session_loop *loop)
{
	struct sreader sr;
	struct item it;
	struct pos at = { 0 };
	char *p;
	size_t n;

	put_header(s, out);
	sr_init(&sr, ib, ib->name);
	while (!sr.end.eos && ib_getline(ib, &p, &n)) {
		enum ctl c = sr_item(&sr, p, n, &it);

		if (c != CTL_DATA && loop->control != NULL)
			loop->control(loop->arg, &it);
		switch (c) {
		case CTL_DATA:
			if (at.line > 0)
				take_record(s, p, n, at.file, at.line++);
			else
				take_record(s, p, n, src, ib->lineno);
			continue;
		case CTL_AT:
			(void)pos_take(&at, ib->name, ib->lineno, p, n);
			continue;
		case CTL_FIELDS:
			take_schema(s, p, n, src);
			continue;
		case CTL_TYPES: {
			struct obuf t;

			/* the input's types make the aggregations' */
			ob_init(&t, -1, "types");
			if (agg_types(s->agg, p, n, &t) == 0 && t.len > 0) {
				put_inserted(out, t.p, t.len - 1, s->spec->nby + 1,
				    "time\ttime");
				ob_putc(out, '\n');
			} else if (t.len == 0)
				warnx("%s:%llu: a #types line that does not fit "
				    "its #fields: left out", ib->name,
				    (unsigned long long)ib->lineno);
			ob_free(&t);
			continue;
		}
		case CTL_END:
			close_sessions(s, out, it.t);
			if (loop->batch != NULL)
				loop->batch(loop->arg, it.t);
			put_end_line(s, out, p, n, loop->state_attr);
			ob_flush(out);
			continue;
		case CTL_STREAM:
		case CTL_EOS:
			continue;
		default:
			break;
		}
		ob_write(out, p, n);
		ob_putc(out, '\n');
	}
	pos_free(&at);
	sr_close(&sr, out);
}

void
session_save(const struct session *s, struct obuf *o)
{
	const struct skey *k;
	const char *key;
	size_t i = 0, m, klen;
	uint64_t u;

	memcpy(&u, magic, sizeof(u));
	ob_put_u64(o, u);
	ob_put_u64(o, (uint64_t)s->wm);
	ob_put_u64(o, s->seq);
	ob_put_u64(o, s->keys.n);
	while ((k = ht_next(&s->keys, &i)) != NULL) {
		key = ht_key(&s->keys, k, &klen);
		ob_put_bytes(o, key, klen);
		ob_put_u64(o, k->n);
		for (m = 0; m < k->n; m++) {
			ob_put_u64(o, (uint64_t)k->e[m].t);
			ob_put_u64(o, k->e[m].seq);
			ob_put_bytes(o, k->text + k->e[m].off, k->e[m].len);
		}
	}
}

const char *
session_load(struct session *s, const void *p, size_t n)
{
	struct bin b;
	uint64_t u, nkeys, nrec, i, m;
	const char *key, *line;
	size_t klen, len;
	struct skey *k;
	int created;

	bin_init(&b, p, n);
	memcpy(&u, magic, sizeof(u));
	if (bin_u64(&b) != u)
		return "not a snapshot of stream-window --session";
	s->wm = (int64_t)bin_u64(&b);
	s->seq = s->batch_seq = bin_u64(&b);
	nkeys = bin_u64(&b);
	if (b.bad || nkeys > n / 16)
		return "a key count larger than the file";
	for (i = 0; i < nkeys; i++) {
		key = bin_bytes(&b, &klen);
		nrec = bin_u64(&b);
		if (b.bad || nrec == 0 || nrec > n / 24)
			return "a key cut short";
		k = ht_get(&s->keys, key, klen, &created);
		if (!created)
			return "a key twice";
		k->cap = nrec;
		k->e = ereallocarray(NULL, nrec, sizeof(*k->e));
		for (m = 0; m < nrec; m++) {
			int64_t t = (int64_t)bin_u64(&b);
			uint64_t seq = bin_u64(&b);

			line = bin_bytes(&b, &len);
			if (b.bad || seq >= s->seq || memchr(line, '\n', len))
				return "a record that does not fit";
			if (k->tlen + len > k->tcap) {
				k->tcap = (k->tlen + len) * 2 + 64;
				k->text = erealloc(k->text, k->tcap);
			}
			if (len > 0)	/* an empty line: no text yet */
				memcpy(k->text + k->tlen, line, len);
			k->e[k->n++] = (struct sent){ t, seq, k->tlen, len };
			k->tlen += len;
			if (k->n == 1 || t > k->max)
				k->max = t;
		}
		k->dirty = 1;
		s->held += nrec;
	}
	if (b.p != b.e)
		return "bytes after the last key";
	return NULL;
}
