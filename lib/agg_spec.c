/*
 * agg_spec: the vocabulary's options (--by, --count, --sum, ..., --top,
 * --order, --name, --where, --label), checked as a whole, bound to an
 * input's fields, and the header of a result: #stream, #fields, #types.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"
#include "opt.h"
#include "util.h"

static const char *const kind_names[] = {
	"count", "sum", "min", "max", "avg", "first", "last", "distinct",
	"collect"
};

const char *
agg_kind_name(enum agg_kind k)
{
	return kind_names[k];
}

static void
add_def(struct agg_spec *s, enum agg_kind kind, const char *arg,
    const char *usage)
{
	struct agg_def *d;
	const char *src = arg, *why, *eq;
	size_t at, i;

	s->defs = ereallocarray(s->defs, s->ndefs + 1, sizeof(*s->defs));
	d = &s->defs[s->ndefs++];
	d->kind = kind;
	d->name = NULL;
	d->e = NULL;
	if (kind == AGG_COUNT) {
		d->name = estrdup("count");
		return;
	}
	/* NAME=EXPR names the output field */
	eq = strchr(arg, '=');
	if (eq != NULL && eq > arg && eq[1] != '=') {
		for (i = 0; arg + i < eq; i++)
			if (!(arg[i] == '_' || (arg[i] >= 'a' && arg[i] <= 'z') ||
			    (arg[i] >= 'A' && arg[i] <= 'Z') ||
			    (i > 0 && arg[i] >= '0' && arg[i] <= '9')))
				break;
		if (arg + i == eq) {
			d->name = estrndup(arg, (size_t)(eq - arg));
			src = eq + 1;
		}
	}
	if ((d->e = expr_compile(src, &why, &at)) == NULL)
		usage_fail(usage, "--%s %s: %s at offset %zu", kind_names[kind],
		    arg, why, at);
}

int
agg_option(struct agg_spec *s, int opt, const char *arg, const char *usage)
{
	char *list, *p, *tok;

	switch (opt) {
	case AGG_OPT_BY:
		list = p = estrdup(arg);
		while ((tok = strsep(&p, ",")) != NULL) {
			if (*tok == '\0')
				usage_fail(usage, "--by %s: empty field name", arg);
			s->by = ereallocarray(s->by, s->nby + 1, sizeof(*s->by));
			s->by[s->nby++] = estrdup(tok);
		}
		free(list);
		s->bycol = ereallocarray(s->bycol, s->nby, sizeof(*s->bycol));
		return 1;
	case AGG_OPT_COUNT: case AGG_OPT_SUM: case AGG_OPT_MIN: case AGG_OPT_MAX:
	case AGG_OPT_AVG: case AGG_OPT_FIRST: case AGG_OPT_LAST:
	case AGG_OPT_DISTINCT: case AGG_OPT_COLLECT:
		add_def(s, (enum agg_kind)(opt - AGG_OPT_COUNT), arg, usage);
		return 1;
	case AGG_OPT_TOP:
		s->top = opt_number(usage, "--top", arg, 1, 1000000000);
		return 1;
	case AGG_OPT_ORDER:
		free(s->order);
		s->order = estrdup(arg);
		return 1;
	case AGG_OPT_WHERE: {
		const char *why;
		size_t at;

		expr_free(s->where);
		if ((s->where = expr_compile(arg, &why, &at)) == NULL)
			usage_fail(usage, "--where %s: %s at offset %zu", arg, why,
			    at);
		return 1;
	}
	case AGG_OPT_LABEL:	/* KEY=NAME,...: Spark's map to a label */
		list = p = estrdup(arg);
		while ((tok = strsep(&p, ",")) != NULL) {
			char *eq = strchr(tok, '=');

			if (eq == NULL || eq[1] == '\0' ||
			    strpbrk(eq + 1, "\t\n\r") != NULL)
				usage_fail(usage, "--label %s: expected key=name,...",
				    arg);
			*eq = '\0';
			s->lkeys = ereallocarray(s->lkeys, s->nlabels + 1,
			    sizeof(*s->lkeys));
			s->lnames = ereallocarray(s->lnames, s->nlabels + 1,
			    sizeof(*s->lnames));
			s->lkeys[s->nlabels] = estrdup(tok);
			s->lnames[s->nlabels++] = estrdup(eq + 1);
		}
		free(list);
		return 1;
	case AGG_OPT_NAME:
		free(s->name);
		s->name = estrdup(arg);
		if (*arg == '\0' || strpbrk(arg, "\t\n\r") != NULL)
			usage_fail(usage, "--name: must be a non-empty word");
		return 1;
	}
	return 0;
}

void
agg_validate(struct agg_spec *s, const char *usage)
{
	size_t i, j;

	if (s->ndefs == 0)	/* --by alone counts, as countByValue */
		add_def(s, AGG_COUNT, "", usage);
	for (i = 0; i < s->ndefs; i++) {
		struct agg_def *d = &s->defs[i];
		const char *f;

		if (d->name != NULL)
			continue;
		if ((f = expr_field_name(d->e)) != NULL) {
			d->name = emalloc(strlen(f) + 10);
			sprintf(d->name, "%s_%s", f, kind_names[d->kind]);
		} else
			d->name = estrdup(kind_names[d->kind]);
	}
	/* make names unique: sum, sum_2, sum_3 */
	for (i = 1; i < s->ndefs; i++)
		for (j = 0; j < i; j++)
			if (strcmp(s->defs[i].name, s->defs[j].name) == 0) {
				char *n = emalloc(strlen(s->defs[i].name) + 24);

				sprintf(n, "%s_%zu", s->defs[i].name, i + 1);
				free(s->defs[i].name);
				s->defs[i].name = n;
				j = (size_t)-1;
			}
	s->orderidx = 0;
	if (s->order != NULL) {
		for (i = 0; i < s->ndefs; i++)
			if (strcmp(s->defs[i].name, s->order) == 0)
				break;
		if (i == s->ndefs)
			usage_fail(usage, "--order %s: no such aggregation",
			    s->order);
		s->orderidx = i;
	}
	if (s->order != NULL && s->top == 0)
		usage_fail(usage, "--order goes with --top");
	if (s->nlabels > 0 && s->nby != 1)
		usage_fail(usage, "--label needs one --by field");
	if (s->nlabels > 0 && s->name != NULL)
		usage_fail(usage, "give --name or --label, not both");
}

size_t
agg_label_of(const struct agg_spec *s, const char *k, size_t n)
{
	size_t i;

	for (i = 0; i < s->nlabels; i++)
		if (strlen(s->lkeys[i]) == n && memcmp(s->lkeys[i], k, n) == 0)
			break;
	return i;
}

const char *
agg_bind(struct agg_spec *s, const struct schema *sc)
{
	const char *missing;
	size_t i;

	for (i = 0; i < s->nby; i++)
		if ((s->bycol[i] = schema_find(sc, s->by[i])) < 0)
			return s->by[i];
	for (i = 0; i < s->ndefs; i++)
		if (s->defs[i].e != NULL &&
		    (missing = expr_bind(s->defs[i].e, sc)) != NULL)
			return missing;
	if (s->where != NULL && (missing = expr_bind(s->where, sc)) != NULL)
		return missing;
	return NULL;
}

void
agg_put_header(struct obuf *o, const struct agg_spec *s)
{
	size_t i;

	ob_puts(o, "#stream\tkeys=");
	ob_putint(o, (int64_t)s->nby);
	if (s->top > 0) {
		ob_puts(o, "\ttop=");
		ob_putint(o, s->top);
	}
	if (s->name != NULL) {
		ob_puts(o, "\tname=");
		ob_puts(o, s->name);
	}
	if (s->nlabels > 0)
		ob_puts(o, "\tlabels=1");
	ob_write(o, "\n#fields", 8);
	for (i = 0; i < s->nby; i++) {
		ob_putc(o, '\t');
		rec_put_field(o, s->by[i], strlen(s->by[i]), 0);
	}
	for (i = 0; i < s->ndefs; i++) {
		ob_putc(o, '\t');
		rec_put_field(o, s->defs[i].name, strlen(s->defs[i].name), 0);
	}
	if (s->extra != NULL) {
		ob_putc(o, '\t');
		ob_puts(o, s->extra);
	}
	ob_putc(o, '\n');
	ob_flush(o);	/* the stream header, before anything can fail */
}

/* The type of what an aggregation gives, over an input of schema in. */
static enum coltype
def_type(const struct agg_def *d, const struct schema *in)
{
	enum coltype ft = CT_ANY;
	const char *f;

	if (d->e != NULL && (f = expr_field_name(d->e)) != NULL)
		ft = coltype_of(in, (size_t)schema_find(in, f));
	else if (d->e != NULL && expr_numeric(d->e))
		ft = CT_NUM;
	switch (d->kind) {
	case AGG_COUNT:
	case AGG_DISTINCT:
		return CT_INT;
	case AGG_AVG:
		return CT_NUM;
	case AGG_COLLECT:
		return CT_STR;
	case AGG_SUM:
		return ft == CT_INT ? CT_INT : ft == CT_ANY ? CT_ANY : CT_NUM;
	default:		/* min, max, first, last: a value of the input */
		return ft;
	}
}

void
agg_put_types(struct obuf *o, const struct agg_spec *s, const struct schema *in)
{
	size_t i;

	if (in->types == NULL)
		return;
	ob_write(o, "#types", 6);
	for (i = 0; i < s->nby; i++) {
		enum coltype t = coltype_of(in, (size_t)s->bycol[i]);

		if (s->nlabels > 0 && t != CT_STR)
			t = CT_ANY;	/* a label or a key */
		ob_putc(o, '\t');
		ob_puts(o, coltype_name(t));
	}
	for (i = 0; i < s->ndefs; i++) {
		ob_putc(o, '\t');
		ob_puts(o, coltype_name(def_type(&s->defs[i], in)));
	}
	if (s->extra != NULL)
		ob_puts(o, "\tint");
	ob_putc(o, '\n');
}
