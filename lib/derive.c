/*
 * derive: --set and --where over a record's fields. See derive.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derive.h"
#include "util.h"

const char *
derive_set(struct derive *d, const char *arg, char *why, size_t cap)
{
	const char *eq = strchr(arg, '='), *w;
	struct setter s = { 0 };
	size_t at;

	if (eq == NULL || eq == arg || eq[1] == '=') {
		snprintf(why, cap, "--set %s: expected name=expr", arg);
		return why;
	}
	if ((s.e = expr_compile(eq + 1, &w, &at)) == NULL) {
		snprintf(why, cap, "--set %s: %s at offset %zu", arg, w, at);
		return why;
	}
	s.name = estrndup(arg, (size_t)(eq - arg));
	d->set = ereallocarray(d->set, d->nset + 1, sizeof(*d->set));
	d->set[d->nset++] = s;
	return NULL;
}

const char *
derive_where(struct derive *d, const char *text, char *why, size_t cap)
{
	const char *w;
	size_t at;

	expr_free(d->where);
	if ((d->where = expr_compile(text, &w, &at)) == NULL) {
		snprintf(why, cap, "--where %s: %s at offset %zu", text, w, at);
		return why;
	}
	return NULL;
}

/* The type of what a --set expression gives: a number, the type of the
 * one field it names, or not known (any). */
static unsigned char
set_type(const struct expr *e, const struct schema *sc)
{
	const char *f;

	if (expr_numeric(e))
		return CT_NUM;
	if ((f = expr_field_name(e)) != NULL)
		return (unsigned char)coltype_of(sc, (size_t)schema_find(sc, f));
	return CT_ANY;
}

const char *
derive_bind(struct derive *d, struct schema *sc, char *why, size_t cap)
{
	const char *w;
	size_t i;

	for (i = 0; i < d->nset; i++) {
		struct setter *s = &d->set[i];
		long c = schema_find(sc, s->name);

		if (c < 0 || strcmp(sc->names[c], s->name) != 0) {
			c = (long)sc->n;
			sc->names[sc->n++] = estrdup(s->name);
			sc->types[c] = CT_ANY;
		}
		s->col = c;
		if ((w = expr_bind(s->e, sc)) != NULL) {
			snprintf(why, cap, "--set %s: no field %s", s->name, w);
			return why;
		}
		sc->types[c] = set_type(s->e, sc);
	}
	if (d->where != NULL && (w = expr_bind(d->where, sc)) != NULL) {
		snprintf(why, cap, "--where: no field %s", w);
		return why;
	}
	return NULL;
}

int
derive_apply(struct derive *d, struct rec *r, struct expr_err *e)
{
	struct val v;
	size_t i;

	for (i = 0; i < d->nset; i++) {
		struct setter *s = &d->set[i];
		char num[DEC_STRMAX];
		const char *p;
		size_t n;

		if (expr_eval(s->e, r, &v, e) < 0)
			return -1;
		if (v.t == V_NUM) {
			n = dec_format(v.d, num);
			p = num;
		} else {
			p = v.s;
			n = v.t == V_NULL ? 0 : v.n;
		}
		if (n > s->cap) {
			s->cap = n * 2;
			s->buf = erealloc(s->buf, s->cap);
		}
		if (n > 0)
			memmove(s->buf, p, n);
		r->f[s->col].p = s->buf;
		r->f[s->col].n = n;
	}
	if (d->where != NULL) {
		if (expr_eval(d->where, r, &v, e) < 0)
			return -1;
		if (!val_truth(&v))
			return 0;
	}
	return 1;
}

void
derive_free(struct derive *d)
{
	size_t i;

	for (i = 0; i < d->nset; i++) {
		free(d->set[i].name);
		expr_free(d->set[i].e);
		free(d->set[i].buf);
	}
	free(d->set);
	expr_free(d->where);
	memset(d, 0, sizeof(*d));
}
