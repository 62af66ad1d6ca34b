/* dedup: stream-state --dedup; see dedup.h. */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"
#include "pos.h"
#include "stream.h"
#include "ts.h"
#include "dur.h"
#include "util.h"

#define PATH_MAX_LOC 1100

static const char magic[8] = "sdedup01";

const char *
dedup_keys(struct dedup *d, char *list)
{
	char *w;

	while ((w = strsep(&list, ",")) != NULL) {
		if (*w == '\0')
			return "not a list of fields";
		d->key = ereallocarray(d->key, d->nkeys + 1, sizeof(char *));
		d->key[d->nkeys++] = estrdup(w);
	}
	return NULL;
}

void
dedup_init(struct dedup *d, int64_t within, const char *time)
{
	d->within = within;
	d->time = time;
	d->tcol = -1;
	d->wm = INT64_MIN;
	ht_init(&d->seen, sizeof(int64_t));
	ob_init(&d->kb, -1, "key");
}

void
dedup_free(struct dedup *d)
{
	size_t i;

	for (i = 0; i < d->nkeys; i++)
		free(d->key[i]);
	free(d->key);
	free(d->kcol);
	free(d->f);
	ht_free(&d->seen);
	ob_free(&d->kb);
}

void
dedup_schema(struct dedup *d, char *line, size_t len, const char *src)
{
	struct schema sc = { 0 };
	char *copy = estrndup(line, len);
	size_t k;

	schema_parse(&sc, copy, len);
	free(copy);
	free(d->kcol);
	d->kcol = ereallocarray(NULL, d->nkeys, sizeof(*d->kcol));
	for (k = 0; k < d->nkeys; k++)
		d->kcol[k] = schema_need(&sc, d->key[k], src != NULL ? src :
		    "stdin", "--dedup");
	if (d->time != NULL)
		d->tcol = (long)schema_need(&sc, d->time, src != NULL ? src :
		    "stdin", "--event-time");
	d->nf = sc.n;
	d->f = ereallocarray(d->f, d->nf > 0 ? d->nf : 1, sizeof(*d->f));
	schema_free(&sc);
}

int
dedup_record(struct dedup *d, char *line, size_t len, const char *src,
    uint64_t lineno)
{
	char where[PATH_MAX_LOC];
	const char *why;
	int64_t t = 0, *seen;
	size_t k, n;
	const char *key;
	int created;

	if (d->kcol == NULL)
		errx(SK_EXIT_DATA, "%s: a record before the #fields line: "
		    "--dedup needs its fields", loc_format(where, sizeof(where),
		    src, lineno));
	(void)rec_cut(line, len, d->f, d->nf);
	if (d->tcol >= 0) {
		const struct slice *ts = &d->f[d->tcol];
		char buf[160];

		if ((why = ts_parse(ts->p, ts->n, NULL, NULL, &t)) != NULL) {
			warnx("%s: %s: record dropped", loc_format(where,
			    sizeof(where), src, lineno), ts_why(buf,
			    sizeof(buf), d->time, ts->p, ts->n, why));
			d->bad++;
			return 0;
		}
		if (t < d->wm) {	/* its key may be gone: not known */
			d->late++;
			return 0;
		}
	}
	if (d->nkeys == 1) {
		key = d->f[d->kcol[0]].p;
		n = d->f[d->kcol[0]].n;
	} else {
		ob_reset(&d->kb);
		for (k = 0; k < d->nkeys; k++) {
			if (k > 0)
				ob_putc(&d->kb, '\t');	/* never in a field */
			ob_write(&d->kb, d->f[d->kcol[k]].p, d->f[d->kcol[k]].n);
		}
		key = d->kb.p;
		n = d->kb.len;
	}
	seen = ht_get(&d->seen, key, n, &created);
	if (!created && (d->within < 0 || dur_near(t, *seen, d->within))) {
		d->dup++;
		return 0;
	}
	if (created || t > *seen)
		*seen = t;
	return 1;
}

void
dedup_batch(struct dedup *d, int64_t bt)
{
	int64_t limit, *v;
	size_t i = 0, n, klen, g = 0;
	const char **gone = NULL;
	size_t *glen = NULL;

	d->dup = d->late = d->bad = 0;
	if (d->within < 0 || d->tcol < 0)
		return;
	if (bt > d->wm)
		d->wm = bt;
	if (__builtin_sub_overflow(d->wm, d->within, &limit))
		return;
	n = 0;
	while ((v = ht_next(&d->seen, &i)) != NULL)
		if (*v < limit) {
			gone = ereallocarray(gone, n + 1, sizeof(*gone));
			glen = ereallocarray(glen, n + 1, sizeof(*glen));
			gone[n] = ht_key(&d->seen, v, &klen);
			glen[n++] = klen;
		}
	for (g = 0; g < n; g++)
		(void)ht_del(&d->seen, gone[g], glen[g]);
	free(gone);
	free(glen);
	(void)ht_compact(&d->seen);
}

size_t
dedup_keys_held(const struct dedup *d)
{
	return d->seen.n;
}

void
dedup_save(const struct dedup *d, struct obuf *o)
{
	const int64_t *v;
	const char *k;
	uint64_t u;
	size_t i = 0, n;

	memcpy(&u, magic, sizeof(u));
	ob_put_u64(o, u);
	ob_put_u64(o, (uint64_t)d->wm);
	ob_put_u64(o, d->seen.n);
	while ((v = ht_next(&d->seen, &i)) != NULL) {
		k = ht_key(&d->seen, v, &n);
		ob_put_u64(o, (uint64_t)*v);
		ob_put_bytes(o, k, n);
	}
}

const char *
dedup_load(struct dedup *d, const void *p, size_t n)
{
	struct bin b;
	uint64_t u, count, i;
	const char *k;
	size_t klen;
	int64_t *v;
	int created;

	bin_init(&b, p, n);
	memcpy(&u, magic, sizeof(u));
	if (bin_u64(&b) != u)
		return "not a snapshot of stream-state --dedup";
	d->wm = (int64_t)bin_u64(&b);
	count = bin_u64(&b);
	if (b.bad || count > n / 16)	/* 16 bytes a key at least */
		return "a key count larger than the file";
	for (i = 0; i < count; i++) {
		u = bin_u64(&b);
		k = bin_bytes(&b, &klen);
		if (b.bad)
			return "a key cut short";
		v = ht_get(&d->seen, k, klen, &created);
		if (!created)
			return "a key twice";
		*v = (int64_t)u;
	}
	if (b.p != b.e)
		return "bytes after the last key";
	return NULL;
}

void
dedup_run(struct dedup *d, struct ibuf *ib, struct obuf *out, const char *src,
    const struct dedup_loop *loop)
{
	struct sreader sr;
	struct item it;
	struct pos at = { 0 };
	struct pos_mark mark = { 0, 0 };
	uint64_t dup, late, bad, at_id = 1, line;
	int dropped = 0;
	char *s;
	size_t n;

	sr_init(&sr, ib, ib->name);
	while (!sr.end.eos && ib_getline(ib, &s, &n)) {
		enum ctl c = sr_item(&sr, s, n, &it);

		if (c != CTL_DATA && loop->control != NULL)
			loop->control(loop->arg, &it);
		switch (c) {
		case CTL_DATA:		/* placed by #at if the input has it */
			line = at.line > 0 ? at.line++ : ib->lineno;
			if (!dedup_record(d, s, n, at.line > 0 ? at.file : src,
			    line)) {
				dropped = 1;
				continue;
			}
			/* after a record left out, where the next is from */
			if (at.line > 0)
				pos_put(out, &mark, at_id, at.file, line);
			else if (dropped)
				pos_put(out, &mark, 1, src, line);
			break;
		case CTL_AT:	/* written again where needed, above */
			if (pos_take(&at, ib->name, ib->lineno, s, n) == 0)
				at_id++;
			continue;
		case CTL_FIELDS:
			dedup_schema(d, s, n, src);
			break;
		case CTL_END:
			dup = d->dup;
			late = d->late;
			bad = d->bad;
			dedup_batch(d, it.t);
			if (loop->batch != NULL)
				loop->batch(loop->arg, it.t);
			{
				static const char *const keys[] = { "dup",
				    "late", "bad" };
				const uint64_t v[] = { dup, late, bad };

				end_put_counts(out, s, n, keys, v, 3,
				    loop->state_attr, dedup_keys_held(d));
			}
			ob_flush(out);
			continue;
		case CTL_STREAM:	/* the input's header is not ours */
		case CTL_EOS:		/* written last, below */
			continue;
		default:
			break;
		}
		ob_write(out, s, n);
		ob_putc(out, '\n');
	}
	pos_free(&at);
	sr_close(&sr, out);
}
