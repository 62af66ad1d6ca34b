/* stream: a record stream's lines and how it ends; see stream.h. */
#include <sys/stat.h>

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"
#include "util.h"

void
stream_end_init(struct stream_end *se, int fd)
{
	struct stat st;

	memset(se, 0, sizeof(*se));
	se->pipe = fd >= 0 && fstat(fd, &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

void
sr_init(struct sreader *sr, const struct ibuf *ib, const char *name)
{
	sr->name = name;
	sr->ib = ib;
	stream_end_init(&sr->end, ib != NULL ? ib->fd : -1);
}

int
stream_attr(const char *line, size_t len, const char *key, const char **v,
    size_t *vn)
{
	const char *p = line, *e = line + len, *tab;
	size_t klen = strlen(key);

	while ((tab = memchr(p, '\t', (size_t)(e - p))) != NULL) {
		const char *a = tab + 1, *end = memchr(a, '\t', (size_t)(e - a));

		if (end == NULL)
			end = e;
		if ((size_t)(end - a) > klen && memcmp(a, key, klen) == 0 &&
		    a[klen] == '=') {
			*v = a + klen + 1;
			*vn = (size_t)(end - *v);
			return 1;
		}
		p = a;
	}
	return 0;
}

/* A whole number of decimal digits with an optional '-': 0, or -1 if it
 * is not one or does not fit 64 bits. */
static int
whole(const char *s, size_t n, int64_t *v)
{
	uint64_t u = 0, max;
	size_t i = n > 0 && s[0] == '-';

	max = i ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (i >= n)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    u > (max - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		u = u * 10 + (uint64_t)(s[i] - '0');
	}
	*v = s[0] == '-' ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

/* Attribute key as a number at least min: 0 (*v SR_NONE if absent, or
 * dflt), or -1 if it is there and is not one. */
static int
num_attr(const char *s, size_t n, const char *key, int64_t min, int64_t dflt,
    int64_t *v)
{
	const char *a;
	size_t an;

	*v = dflt;
	if (!stream_attr(s, n, key, &a, &an))
		return 0;
	return whole(a, an, v) < 0 || *v < min ? -1 : 0;
}

/* The first word after the keyword (up to a TAB or the end). */
static int
first_number(const char *s, size_t n, size_t klen, int64_t min, int64_t *v)
{
	const char *a = s + klen + 1, *tab;

	if (n <= klen + 1)
		return -1;
	tab = memchr(a, '\t', (size_t)(s + n - a));
	return whole(a, (size_t)((tab ? tab : s + n) - a), v) < 0 || *v < min ?
	    -1 : 0;
}

static void __attribute__((noreturn))
malformed(const struct sreader *sr, const char *what, const char *s, size_t n)
{
	char shown[128];

	errx(SK_EXIT_DATA, "%s:%llu: a malformed %s line: %s", sr->name,
	    (unsigned long long)(sr->ib != NULL ? sr->ib->lineno : 0), what,
	    safe_text(shown, sizeof(shown), s, n));
}

static void
stream_attrs(struct sreader *sr, const char *s, size_t n, struct item *it)
{
	int64_t labels;

	it->name = NULL;
	it->namelen = 0;
	(void)stream_attr(s, n, "name", &it->name, &it->namelen);
	if (num_attr(s, n, "top", 0, 0, &it->top) < 0 ||
	    num_attr(s, n, "keys", 0, 0, &it->keys) < 0 ||
	    it->keys > 100000 ||
	    num_attr(s, n, "labels", 0, 0, &labels) < 0 || labels > 1)
		malformed(sr, "#stream", s, n);
	it->labels = labels == 1;
}

enum ctl
sr_control(struct sreader *sr, char *s, size_t n, struct item *it)
{
	enum ctl c = rec_ctl(s, n);

	stream_note(&sr->end, c);
	it->kind = c;
	it->s = s;
	it->n = n;
	switch (c) {
	case CTL_END:
		if (first_number(s, n, 4, INT64_MIN, &it->t) < 0 ||
		    num_attr(s, n, "n", 0, SR_NONE, &it->count) < 0 ||
		    num_attr(s, n, "made", 0, SR_NONE, &it->made) < 0 ||
		    num_attr(s, n, "late", 0, 0, &it->late) < 0 ||
		    num_attr(s, n, "bad", 0, 0, &it->bad) < 0)
			malformed(sr, "#end", s, n);
		break;
	case CTL_INTERVAL:
		if (first_number(s, n, 9, 1, &it->interval) < 0)
			malformed(sr, "#interval", s, n);
		break;
	case CTL_CHECKPOINT:
		if (num_attr(s, n, "every", 1, SR_NONE, &it->every) < 0 ||
		    it->every == SR_NONE || it->every > INT32_MAX)
			malformed(sr, "#checkpoint", s, n);
		break;
	case CTL_STREAM:
		stream_attrs(sr, s, n, it);
		break;
	default:
		break;
	}
	return c;
}

const char *
stream_broken_why(const struct stream_end *se, const struct ibuf *ib)
{
	if (!se->lines && (ib == NULL || ib->base + ib->end == 0))
		return "no input at all, not even the #stream header: the "
		    "tool before this one failed before it started";
	return "input ended without #eos: the tool before this one failed; "
	    "its unfinished batch is dropped";
}

int
sr_finish(const struct sreader *sr, const char *more)
{
	if (!stream_broken(&sr->end, sr->ib))
		return 0;
	warnx("%s: %s%s", sr->name, stream_broken_why(&sr->end, sr->ib),
	    more != NULL ? more : "");
	return -1;
}

void
stream_put_header(struct obuf *o, const char *attrs)
{
	ob_write(o, "#stream", 7);
	if (attrs != NULL && *attrs != '\0') {
		ob_putc(o, '\t');
		ob_puts(o, attrs);
	}
	ob_putc(o, '\n');
	ob_flush(o);
}

void
put_end(struct obuf *o, int64_t t, const char *attrs, size_t alen)
{
	ob_write(o, "#end\t", 5);
	ob_putint(o, t);
	if (alen > 0) {
		ob_putc(o, '\t');
		ob_write(o, attrs, alen);
	}
	ob_putc(o, '\n');
}

void
end_put(struct obuf *o, const char *s, size_t n, const char *key,
    uint64_t v, int add)
{
	const char *p = s, *e = s + n, *tab;
	size_t klen = strlen(key);
	int found = 0;

	for (;;) {
		if ((tab = memchr(p, '\t', (size_t)(e - p))) == NULL)
			tab = e;
		if ((size_t)(tab - p) > klen && memcmp(p, key, klen) == 0 &&
		    p[klen] == '=') {
			ob_write(o, p, klen + 1);
			ob_putint(o, (int64_t)(add ? strtoull(p + klen + 1,
			    NULL, 10) + v : v));
			found = 1;
		} else
			ob_write(o, p, (size_t)(tab - p));
		if (tab == e)
			break;
		ob_putc(o, '\t');
		p = tab + 1;
	}
	if (!found) {
		ob_putc(o, '\t');
		ob_write(o, key, klen);
		ob_putc(o, '=');
		ob_putint(o, (int64_t)v);
	}
}

char *
end_state(const char *s, size_t n)
{
	const char *p = s, *e = s + n, *tab;
	struct obuf o;
	char *r;

	ob_init(&o, -1, "state");
	for (; p < e; p = tab + 1) {
		if ((tab = memchr(p, '\t', (size_t)(e - p))) == NULL)
			tab = e;
		if (tab - p > 6 && memcmp(p, "state.", 6) == 0 &&
		    memchr(p, '=', (size_t)(tab - p)) != NULL) {
			if (o.len > 0)
				ob_putc(&o, '\t');
			ob_write(&o, p, (size_t)(tab - p));
		}
		if (tab == e)
			break;
	}
	r = o.len > 0 ? estrndup(o.p, o.len) : NULL;
	ob_free(&o);
	return r;
}

void
state_merge(struct obuf *o, char *const *states, size_t n, int sum,
    int prefix, char sep)
{
	struct { const char *k; size_t kn; int64_t v; } *kv = NULL;
	size_t nkv = 0, i, j;
	const char *p, *e, *tab, *eq;

	for (i = 0; i < n; i++) {
		if (states[i] == NULL)
			continue;
		e = states[i] + strlen(states[i]);
		for (p = states[i]; p < e; p = tab + 1) {
			if ((tab = memchr(p, '\t', (size_t)(e - p))) == NULL)
				tab = e;
			if ((eq = memchr(p, '=', (size_t)(tab - p))) != NULL) {
				int64_t v = strtoll(eq + 1, NULL, 10);

				for (j = 0; j < nkv; j++)
					if (kv[j].kn == (size_t)(eq - p) &&
					    memcmp(kv[j].k, p, kv[j].kn) == 0)
						break;
				if (j == nkv) {
					kv = ereallocarray(kv, nkv + 1,
					    sizeof(*kv));
					kv[nkv++] = (typeof(*kv)){ p,
					    (size_t)(eq - p), 0 };
				}
				if (sum)
					kv[j].v += v;
				else if (v > kv[j].v)
					kv[j].v = v;
			}
			if (tab == e)
				break;
		}
	}
	for (j = 0; j < nkv; j++) {
		if (j > 0)
			ob_putc(o, sep);
		if (prefix)
			ob_write(o, kv[j].k, kv[j].kn);
		else
			ob_write(o, kv[j].k + 6, kv[j].kn - 6);	/* "state." */
		ob_putc(o, '=');
		ob_putint(o, kv[j].v);
	}
	free(kv);
}

void
end_put_counts(struct obuf *o, const char *s, size_t n,
    const char *const *keys, const uint64_t *counts, size_t nkeys,
    const char *state_attr, uint64_t state)
{
	struct obuf a, b;
	size_t i;

	ob_init(&a, -1, "end");
	ob_init(&b, -1, "end");
	ob_write(&a, s, n);
	for (i = 0; i < nkeys; i++)
		if (counts[i] > 0) {
			ob_reset(&b);
			end_put(&b, a.p, a.len, keys[i], counts[i], 1);
			ob_reset(&a);
			ob_write(&a, b.p, b.len);
		}
	end_put(o, a.p, a.len, state_attr, state, 0);
	ob_putc(o, '\n');
	ob_free(&a);
	ob_free(&b);
}

void
sr_close(const struct sreader *sr, struct obuf *out)
{
	if (sr_finish(sr, NULL) < 0) {
		ob_flush(out);
		exit(SK_EXIT_DATA);
	}
	ob_puts(out, "#eos\n");
	ob_flush(out);
}
