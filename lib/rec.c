#include <sys/stat.h>

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "cut.h"
#include "rec.h"
#include "util.h"

static int
has_word(const char *line, size_t len, const char *w, size_t wlen)
{
	return len >= wlen && memcmp(line, w, wlen) == 0 &&
	    (len == wlen || line[wlen] == '\t');
}

enum ctl
rec_ctl(const char *line, size_t len)
{
	if (len == 0 || line[0] != '#')
		return CTL_DATA;
	if (has_word(line, len, "#end", 4))
		return CTL_END;
	if (has_word(line, len, "#fields", 7))
		return CTL_FIELDS;
	if (has_word(line, len, "#eos", 4))
		return CTL_EOS;
	if (has_word(line, len, "#interval", 9))
		return CTL_INTERVAL;
	if (has_word(line, len, "#stream", 7))
		return CTL_STREAM;
	if (has_word(line, len, "#types", 6))
		return CTL_TYPES;
	if (has_word(line, len, "#at", 3))
		return CTL_AT;
	if (has_word(line, len, "#checkpoint", 11))
		return CTL_CHECKPOINT;
	return CTL_OTHER;
}

int
rec_stream_start(const char *line, size_t len)
{
	enum ctl c = rec_ctl(line, len);

	return c != CTL_DATA && c != CTL_OTHER && c != CTL_CHECKPOINT;
}


static size_t
unescape(char *s, size_t n)
{
	char *r = memchr(s, '\\', n), *w, *e = s + n;

	if (r == NULL)
		return n;
	for (w = r; r < e; r++) {
		if (*r != '\\' || r + 1 == e) {
			*w++ = *r;
			continue;
		}
		switch (r[1]) {
		case '\\': *w++ = '\\'; break;
		case 't': *w++ = '\t'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case '#': *w++ = '#'; break;
		default: *w++ = '\\'; *w++ = r[1]; break;	/* kept as it is */
		}
		r++;
	}
	return (size_t)(w - s);
}

void
rec_split(struct rec *r, char *line, size_t len)
{
	static struct cutter tabs;
	unsigned seen;
	size_t i, n;

	if (tabs.sep != '\t')
		cut_init(&tabs, '\t', "\\");
	while ((n = cut_line(&tabs, line, len, r->f, r->cap, &seen)) > r->cap) {
		r->cap = n < 16 ? 16 : n * 2;
		r->f = ereallocarray(r->f, r->cap, sizeof(*r->f));
	}
	r->n = n;
	if (seen)	/* a backslash somewhere: unescape each field */
		for (i = 0; i < n; i++)
			r->f[i].n = unescape(r->f[i].p, r->f[i].n);
}

void
rec_scanned(struct rec *r, char *line, size_t len, size_t nf, unsigned seen)
{
	size_t i;

	if (nf > r->cap) {
		rec_split(r, line, len);
		return;
	}
	r->n = nf;
	if (seen)
		for (i = 0; i < nf; i++)
			r->f[i].n = unescape(r->f[i].p, r->f[i].n);
}

void
rec_free(struct rec *r)
{
	free(r->f);
	r->f = NULL;
	r->n = r->cap = 0;
}

int
rec_field_plain(const char *s, size_t n)
{
	static struct cutter esc;
	unsigned seen;

	if (esc.sep != '\t')
		cut_init(&esc, '\t', "\\\n\r");
	return cut_line(&esc, s, n, NULL, 0, &seen) == 1 && seen == 0;
}

void
rec_put_field(struct obuf *o, const char *s, size_t n, int first)
{
	const char *e;

	if (n == 0)		/* an empty cell's s may be NULL */
		return;
	e = s + n;
	if (first && s[0] == '#')
		ob_putc(o, '\\');
	if (rec_field_plain(s, n)) {
		ob_write(o, s, n);
		return;
	}
	for (; s < e; s++)
		switch (*s) {
		case '\\': ob_write(o, "\\\\", 2); break;
		case '\t': ob_write(o, "\\t", 2); break;
		case '\n': ob_write(o, "\\n", 2); break;
		case '\r': ob_write(o, "\\r", 2); break;
		default: ob_putc(o, *s); break;
		}
}

void
schema_free(struct schema *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		free(sc->names[i]);
	free(sc->names);
	free(sc->types);
	sc->names = NULL;
	sc->types = NULL;
	sc->n = 0;
}

void
schema_set(struct schema *sc, char *const *names, size_t n)
{
	size_t i;

	schema_free(sc);
	sc->names = ereallocarray(NULL, n, sizeof(*sc->names));
	for (i = 0; i < n; i++)
		sc->names[i] = estrdup(names[i]);
	sc->n = n;
}

void
schema_parse(struct schema *sc, char *line, size_t len)
{
	struct rec r = { 0 };
	size_t i;

	schema_free(sc);
	if (len <= 8) {		/* "#fields" with no names */
		sc->names = NULL;
		return;
	}
	rec_split(&r, line + 8, len - 8);
	sc->names = ereallocarray(NULL, r.n, sizeof(*sc->names));
	for (i = 0; i < r.n; i++)
		sc->names[i] = estrndup(r.f[i].p, r.f[i].n);
	sc->n = r.n;
	rec_free(&r);
}

long
schema_find(const struct schema *sc, const char *name)
{
	size_t i;
	const char *why;
	long long col;

	for (i = 0; i < sc->n; i++)
		if (strcmp(sc->names[i], name) == 0)
			return (long)i;
	col = strtonum(name, 1, (long long)sc->n, &why);
	return why == NULL ? (long)(col - 1) : -1;
}

void
schema_put(struct obuf *o, const struct schema *sc)
{
	size_t i;

	ob_write(o, "#fields", 7);
	for (i = 0; i < sc->n; i++) {
		ob_putc(o, '\t');
		rec_put_field(o, sc->names[i], strlen(sc->names[i]), 0);
	}
	ob_putc(o, '\n');
	schema_put_types(o, sc);
}

static const char *const coltype_names[] = { "any", "str", "int", "num", "time" };
#define NVTYPES	(sizeof(coltype_names) / sizeof(coltype_names[0]))

const char *
coltype_name(enum coltype t)
{
	return (size_t)t < NVTYPES ? coltype_names[t] : "any";
}

enum coltype
coltype_of(const struct schema *sc, size_t i)
{
	return sc->types != NULL && i < sc->n ? (enum coltype)sc->types[i] :
	    CT_ANY;
}

void
schema_set_types(struct schema *sc, const unsigned char *t)
{
	free(sc->types);
	sc->types = NULL;
	if (t != NULL && sc->n > 0) {
		sc->types = ereallocarray(NULL, sc->n, 1);
		memcpy(sc->types, t, sc->n);
	}
}

int
schema_types(struct schema *sc, const char *line, size_t len)
{
	const char *p = line + 6, *e = line + len, *w;	/* after "#types" */
	unsigned char *t = sc->n > 0 ? ereallocarray(NULL, sc->n, 1) : NULL;
	size_t k, n = 0;

	free(sc->types);
	sc->types = NULL;
	while (p < e && *p == '\t') {
		for (w = ++p; p < e && *p != '\t'; p++)
			;
		for (k = 0; k < NVTYPES; k++)
			if (strlen(coltype_names[k]) == (size_t)(p - w) &&
			    memcmp(coltype_names[k], w, (size_t)(p - w)) == 0)
				break;
		if (k == NVTYPES || n == sc->n) {
			free(t);
			return -1;
		}
		t[n++] = (unsigned char)k;
	}
	if (n != sc->n) {
		free(t);
		return -1;
	}
	sc->types = t;
	return 0;
}

void
schema_put_types(struct obuf *o, const struct schema *sc)
{
	size_t i;

	if (sc->types == NULL)
		return;
	ob_write(o, "#types", 6);
	for (i = 0; i < sc->n; i++) {
		ob_putc(o, '\t');
		ob_puts(o, coltype_name((enum coltype)sc->types[i]));
	}
	ob_putc(o, '\n');
}

size_t
rec_cut(char *line, size_t n, struct slice *f, size_t nf)
{
	char *q = line, *e = line + n, *tab;
	size_t k;

	if (n >= 2 && line[0] == '\\' && line[1] == '#')
		q++;	/* a line's "\#": the field is "#..." */
	for (k = 0;; k++) {
		tab = memchr(q, '\t', (size_t)(e - q));
		if (k < nf) {
			f[k].p = q;
			f[k].n = (size_t)((tab != NULL ? tab : e) - q);
		}
		if (tab == NULL)
			break;
		q = tab + 1;
	}
	for (n = k + 1; n < nf; n++) {
		f[n].p = e;
		f[n].n = 0;
	}
	return k + 1;
}

size_t
schema_need(const struct schema *sc, const char *name, const char *input,
    const char *what)
{
	long c = schema_find(sc, name);

	if (c < 0)
		errx(SK_EXIT_DATA, "%s: no field %s (%s): its #fields has %zu "
		    "field%s", input, name, what, sc->n, sc->n == 1 ? "" : "s");
	return (size_t)c;
}
