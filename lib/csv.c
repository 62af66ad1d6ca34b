/*
 * csv: lines cut into fields, quotes undone. See csv.h.
 */
#include <stdlib.h>

#include "csv.h"
#include "util.h"

void
csv_init(struct csv *c, char sep, int quotes, size_t room)
{
	char att[5];
	unsigned n = 0;

	c->sep = sep;
	c->att_quote = c->att_raw = 0;
	if (quotes) {
		c->att_quote |= 1u << n;
		att[n++] = '"';
	}
	c->att_raw |= 1u << n;
	att[n++] = '\\';
	att[n++] = '\r';
	if (sep != '\t') {
		c->att_raw |= 1u << n;
		att[n++] = '\t';
	}
	att[n] = '\0';
	scan_init(&c->scan, sep, att);
	c->fields.cap = room > 16 ? room : 16;
	c->fields.f = ereallocarray(NULL, c->fields.cap, sizeof(*c->fields.f));
	c->fields.n = 0;
}

int
csv_getline(struct csv *c, struct ibuf *ib, char **s, size_t *n,
    unsigned *seen)
{
	return scan_getline(&c->scan, ib, s, n, c->fields.f, c->fields.cap,
	    &c->fields.n, seen);
}

static void
push(struct fields *fs, const char *p, size_t n)
{
	if (fs->n == fs->cap) {
		fs->cap *= 2;
		fs->f = ereallocarray(fs->f, fs->cap, sizeof(*fs->f));
	}
	fs->f[fs->n].p = (char *)p;
	fs->f[fs->n].n = n;
	fs->n++;
}

/* The quoted line s[0..n) into unquoted fields. */
static const char *
unquote(struct csv *c, const char *s, size_t n)
{
	const char *e = s + n;
	char *w;

	c->fields.n = 0;
	if (c->cap < n) {
		c->cap = n * 2;
		c->buf = erealloc(c->buf, c->cap + 8);	/* read 8 at a time */
	}
	w = c->buf;
	for (;;) {
		char *start = w;

		if (s < e && *s == '"') {
			for (s++;; s++) {
				if (s == e)
					return "unterminated quote";
				if (*s == '"') {
					if (s + 1 < e && s[1] == '"')
						s++;
					else
						break;
				}
				*w++ = *s;
			}
			s++;
			if (s < e && *s != c->sep)
				return "text after a closing quote";
		} else
			while (s < e && *s != c->sep)
				*w++ = *s++;
		push(&c->fields, start, (size_t)(w - start));
		if (s == e)
			return NULL;
		s++;
	}
}

const char *
csv_cut_slow(struct csv *c, const char *s, size_t n, int scanned,
    unsigned *seen)
{
	struct fields *fs = &c->fields;

	if (!scanned || fs->n > fs->cap)
		while ((fs->n = cut_line(&c->scan.c, s, n, fs->f, fs->cap,
		    seen)) > fs->cap) {
			fs->cap = fs->n * 2;
			fs->f = ereallocarray(fs->f, fs->cap, sizeof(*fs->f));
		}
	if (*seen & c->att_quote)
		return unquote(c, s, n);
	return NULL;
}

void
csv_free(struct csv *c)
{
	free(c->fields.f);
	free(c->buf);
	c->fields.f = NULL;
	c->buf = NULL;
	c->fields.n = c->fields.cap = c->cap = 0;
}
