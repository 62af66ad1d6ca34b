#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "agg_int.h"
#include "opt.h"
#include "pos.h"
#include "stream.h"
#include "util.h"

static char *room(char **, size_t *, size_t);

static const char *const kind_names[] = {
	"count", "sum", "min", "max", "avg", "first", "last", "distinct",
	"collect"
};

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

/* The index of the label of a key, or nlabels if it has none. */
static size_t
label_of(const struct agg_spec *s, const char *k, size_t n)
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

struct agg_table *
agg_table_new(struct agg_spec *s)
{
	struct agg_table *t = ecalloc(1, sizeof(*t));

	t->spec = s;
	ht_init(&t->groups, sizeof(struct group) + s->ndefs * sizeof(struct cell));
	ht_init(&t->distinct, 0);
	t->vals = ecalloc(s->ndefs, sizeof(*t->vals));
	t->epoch = 1;
	(void)room(&t->kbuf, &t->kcap, 1);
	scan_init(&t->scan, '\t', "\\");
	t->r.cap = 16;
	t->r.f = ecalloc(t->r.cap, sizeof(*t->r.f));
	return t;
}

static void
free_strings(struct agg_table *t)
{
	size_t i, k;

	for (i = 0; i < t->groups.cap; i++) {
		struct group *g = t->groups.slots[i].val;

		if (t->groups.slots[i].hash == 0)
			continue;
		for (k = 0; k < t->spec->ndefs; k++)
			free(g->c[k].s);
	}
}

void
agg_clear(struct agg_table *t)
{
	free_strings(t);
	ht_clear(&t->groups);
	ht_clear(&t->distinct);
	t->ntouched = 0;
}

void
agg_table_free(struct agg_table *t)
{
	free_strings(t);
	ht_free(&t->groups);
	ht_free(&t->distinct);
	free(t->vals);
	free(t->touched);
	schema_free(&t->sc);
	rec_free(&t->r);
	free(t->kbuf);
	free(t->dbuf);
	free(t);
}

static void
bind_or_die(struct agg_table *t, const char *src)
{
	const char *missing = agg_bind(t->spec, &t->sc);

	if (missing != NULL)
		errx(SK_EXIT_DATA, "%s: no field %s in the input", src, missing);
	t->bound = 1;
}

void
agg_schema(struct agg_table *t, char *line, size_t len, const char *src)
{
	schema_parse(&t->sc, line, len);
	bind_or_die(t, src ? src : "stdin");
}

int
agg_add_line(struct agg_table *t, char *line, size_t len, size_t nf,
    unsigned seen, const char *src, uint64_t lineno)
{
	rec_scanned(&t->r, line, len, nf, seen);
	if (!t->bound) {	/* no #fields: the fields are 1, 2, ... */
		char **names = ereallocarray(NULL, t->r.n, sizeof(*names));
		size_t i;

		for (i = 0; i < t->r.n; i++)
			if (asprintf(&names[i], "%zu", i + 1) < 0)
				err(SK_EXIT_DATA, "asprintf");
		schema_set(&t->sc, names, t->r.n);
		for (i = 0; i < t->r.n; i++)
			free(names[i]);
		free(names);
		bind_or_die(t, src ? src : "stdin");
	}
	return agg_add(t, &t->r, src, lineno);
}

static char *
room(char **buf, size_t *cap, size_t need)
{
	if (need > *cap) {
		*cap = need < 256 ? 256 : need * 2;
		*buf = erealloc(*buf, *cap);
	}
	return *buf;
}

/* The key of a record's group. One key field: its bytes, in place; several:
 * each as a 4-byte length and bytes, in t->kbuf. */
static const char *
make_key_cols(struct agg_table *t, const struct rec *r, const long *cols,
    size_t *klen)
{
	const struct agg_spec *s = t->spec;
	size_t i, len = 0;

	if (s->nby == 1) {
		long c = cols[0];

		if (c >= (long)r->n) {
			*klen = 0;
			return t->kbuf;
		}
		*klen = r->f[c].n;
		return r->f[c].p;
	}
	for (i = 0; i < s->nby; i++) {
		long c = cols[i];
		uint32_t n = c < (long)r->n ? (uint32_t)r->f[c].n : 0;

		room(&t->kbuf, &t->kcap, len + 4 + n);
		memcpy(t->kbuf + len, &n, 4);
		if (n > 0)
			memcpy(t->kbuf + len + 4, r->f[c].p, n);
		len += 4 + n;
	}
	*klen = len;
	return t->kbuf;
}

void
cell_store(struct cell *c, const struct val *v)
{
	c->t = (int8_t)v->t;
	if (v->t == V_NUM) {
		cell_set_dec(c, v->d);
		return;
	}
	if (v->n > c->scap) {
		c->scap = (uint32_t)(v->n < 16 ? 16 : v->n);
		c->s = erealloc(c->s, c->scap);
	}
	if (v->n > 0)
		memcpy(c->s, v->s, v->n);
	c->slen = (uint32_t)v->n;
	c->t = V_TEXT;
}

int
cell_cmp(const struct cell *a, const struct cell *b)
{
	size_t n;
	int c;

	if (a->t == V_NUM && b->t == V_NUM)
		return dec_cmp(cell_dec(a), cell_dec(b));
	if (a->t == V_NUM)
		return -1;
	if (b->t == V_NUM)
		return 1;
	n = a->slen < b->slen ? a->slen : b->slen;
	if (n > 0 && (c = memcmp(a->s, b->s, n)) != 0)
		return c;
	return (a->slen > b->slen) - (a->slen < b->slen);
}

void
cell_append(struct cell *c, const struct val *v)
{
	char num[DEC_STRMAX];
	const char *s = v->s;
	size_t n = v->n, need;

	if (v->t == V_NUM) {
		n = dec_format(v->d, num);
		s = num;
	}
	need = c->slen + (c->slen > 0) + n;
	if (need > c->scap) {
		c->scap = (uint32_t)(need < 16 ? 16 : need * 2);
		c->s = erealloc(c->s, c->scap);
	}
	if (c->slen > 0)
		c->s[c->slen++] = ',';
	memcpy(c->s + c->slen, s, n);
	c->slen += (uint32_t)n;
	c->t = V_TEXT;
}

/* For min (sign -1) and max (sign 1): numbers order below text. */
static void
cell_extreme(struct cell *c, struct val *v, int sign)
{
	struct cell nv = { 0 };
	int cmp;

	if (v->t == V_NULL)
		return;
	nv.t = (int8_t)v->t;
	if (v->t == V_NUM)
		cell_set_dec(&nv, v->d);
	else {
		nv.t = V_TEXT;
		nv.s = (char *)v->s;
		nv.slen = (uint32_t)v->n;
	}
	cmp = c->t == V_NULL ? sign : cell_cmp(&nv, c);
	if ((sign > 0 && cmp > 0) || (sign < 0 && cmp < 0))
		cell_store(c, v);
}

static int
distinct_new(struct agg_table *t, const struct group *g, size_t k,
    const struct val *v)
{
	char nb[DEC_STRMAX];
	const char *s = v->s;
	size_t n = v->n, len = sizeof(g->id) + 4;
	uint32_t kk = (uint32_t)k;
	int created;

	if (v->t == V_NUM) {
		n = dec_format(v->d, nb);
		s = nb;
	}
	room(&t->dbuf, &t->dcap, len + n);
	memcpy(t->dbuf, &g->id, sizeof(g->id));
	memcpy(t->dbuf + sizeof(g->id), &kk, 4);
	memcpy(t->dbuf + len, s, n);
	(void)ht_get(&t->distinct, t->dbuf, len + n, &created);
	return created;
}

int
agg_add(struct agg_table *t, const struct rec *r, const char *src,
    uint64_t line)
{
	char where[300];
	const struct agg_spec *s = t->spec;
	struct expr_err e;
	struct group *g;
	const char *key;
	size_t k, klen;
	int created;

	if (s->where != NULL) {		/* --where: does it count? */
		struct val w;

		if (expr_eval(s->where, r, &w, &e) < 0) {
			expr_warn(loc_format(where, sizeof(where), src, line), &e);
			return -1;
		}
		if (!val_truth(&w))
			return 0;
	}
	/* evaluate everything first: a bad record changes nothing */
	for (k = 0; k < s->ndefs; k++) {
		const struct agg_def *d = &s->defs[k];
		struct val *v = &t->vals[k];

		if (d->e == NULL)
			continue;
		if (expr_eval(d->e, r, v, &e) < 0) {
			expr_warn(loc_format(where, sizeof(where), src, line), &e);
			return -1;
		}
		/* numbers for the arithmetic and comparing kinds; --first,
		 * --last and --collect keep the field's text ("2.50") */
		if (d->kind == AGG_FIRST || d->kind == AGG_LAST ||
		    d->kind == AGG_COLLECT)
			continue;
		if (val_num(v) < 0 && (d->kind == AGG_SUM || d->kind == AGG_AVG)) {
			e.why = "is not a number";
			e.field = v->name;
			e.s = v->s;
			e.n = v->n;
			expr_warn(loc_format(where, sizeof(where), src, line), &e);
			return -1;
		}
	}
	key = make_key_cols(t, r, s->bycol, &klen);
	g = ht_get(&t->groups, key, klen, &created);
	if (created)
		g->id = t->nextid++;
	/* would a sum overflow? (it is added again below: the sum stays in
	 * registers, where an array of them cost a stall a record) */
	for (k = 0; k < s->ndefs; k++) {
		const struct agg_def *d = &s->defs[k];
		struct val *v = &t->vals[k];
		struct dec sum;

		if ((d->kind == AGG_SUM || d->kind == AGG_AVG) && v->t == V_NUM &&
		    dec_add(&sum, cell_dec(&g->c[k]), v->d) != DEC_OK) {
			warnx("%s: the %s of %s overflows",
			    loc_format(where, sizeof(where), src, line),
			    kind_names[d->kind], expr_source(d->e));
			return -1;
		}
	}
	g->nrec++;
	if (g->epoch != t->epoch) {
		g->epoch = t->epoch;
		if (t->ntouched == t->captouched) {
			t->captouched = t->captouched ? t->captouched * 2 : 64;
			t->touched = ereallocarray(t->touched, t->captouched,
			    sizeof(*t->touched));
		}
		t->touched[t->ntouched++] = g;
	}
	for (k = 0; k < s->ndefs; k++) {
		struct cell *c = &g->c[k];
		struct val *v = &t->vals[k];

		switch (s->defs[k].kind) {
		case AGG_COUNT:
			c->n++;
			break;
		case AGG_SUM:
		case AGG_AVG:
			if (v->t == V_NUM) {
				struct dec sum;

				(void)dec_add(&sum, cell_dec(c), v->d);
				cell_set_dec(c, sum);
				c->n++;
			}
			break;
		case AGG_MIN:
			cell_extreme(c, v, -1);
			break;
		case AGG_MAX:
			cell_extreme(c, v, 1);
			break;
		case AGG_FIRST:
			if (c->n++ == 0 && v->t != V_NULL)
				cell_store(c, v);
			break;
		case AGG_LAST:
			if (v->t != V_NULL)
				cell_store(c, v);
			break;
		case AGG_DISTINCT:
			if (v->t != V_NULL && distinct_new(t, g, k, v))
				c->n++;
			break;
		case AGG_COLLECT:
			if (v->t != V_NULL)
				cell_append(c, v);
			break;
		}
	}
	return 0;
}

/* The output value of aggregation k of a group. */
void
cell_value(const struct agg_def *d, const struct cell *c, struct val *v)
{
	v->t = V_NULL;
	v->s = "";
	v->n = 0;
	switch (d->kind) {
	case AGG_COUNT:
	case AGG_DISTINCT:
		v->t = V_NUM;
		v->d = dec_from_int(c->n);
		return;
	case AGG_SUM:
		if (c->n > 0) {
			v->t = V_NUM;
			v->d = cell_dec(c);
		}
		return;
	case AGG_AVG:
		if (c->n > 0 && dec_div(&v->d, cell_dec(c), dec_from_int(c->n)) ==
		    DEC_OK)
			v->t = V_NUM;
		return;
	default:
		v->t = (enum vtype)c->t;
		if (c->t == V_NUM)
			v->d = cell_dec(c);
		else if (c->t == V_TEXT) {
			v->s = c->s;
			v->n = c->slen;
		}
		return;
	}
}

struct rank {
	const struct group	*g;
	struct val		 v;
};

/* qsort has no context argument: the table being sorted. */
static const struct agg_table *sorting;

static const char *
gkey(const struct group *g, size_t *klen)
{
	return ht_key(&sorting->groups, g, klen);
}

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

static int
key_cmp(const struct group *a, const struct group *b)
{
	size_t i, nby = sorting->spec->nby, an, bn;
	const char *p = gkey(a, &an), *q = gkey(b, &bn);
	uint32_t pn, qn;
	int c;

	if (sorting->spec->nlabels > 0) {	/* labelled keys in label order */
		size_t la = label_of(sorting->spec, p, an);
		size_t lb = label_of(sorting->spec, q, bn);

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

/* Larger value first, then smaller key (DESIGN §4). */
static int
by_rank(const void *x, const void *y)
{
	struct rank *a = (struct rank *)x, *b = (struct rank *)y;
	int c = val_cmp(&b->v, &a->v);

	return c != 0 ? c : key_cmp(a->g, b->g);
}

static void
sift_down(struct rank *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, w = i;
		struct rank tmp;

		/* the root is the worst: the one by_rank puts last */
		if (l < n && by_rank(&h[l], &h[w]) > 0)
			w = l;
		if (l + 1 < n && by_rank(&h[l + 1], &h[w]) > 0)
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

	if (s->nby == 1 && (i = label_of(s, p, klen)) < s->nlabels)
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

		cell_value(&s->defs[k], &g->c[k], &v);
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
group_by_key(const void *x, const void *y)
{
	return key_cmp(*(struct group *const *)x, *(struct group *const *)y);
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

	sorting = t;
	if (s->top == 0) {
		if (ncand > 1)
			qsort(cand, ncand, sizeof(*cand), group_by_key);
		for (i = 0; i < ncand; i++)
			put_group(t, o, cand[i], flag);
		return;
	}
	keep = (size_t)s->top < ncand ? (size_t)s->top : ncand;
	rk = ereallocarray(NULL, keep, sizeof(*rk));
	for (i = 0; i < ncand; i++) {
		struct rank r;

		r.g = cand[i];
		cell_value(&s->defs[s->orderidx], &r.g->c[s->orderidx], &r.v);
		if (n < keep) {
			rk[n++] = r;
			if (n == keep)	/* heapify: the worst at the root */
				for (k = n / 2; k-- > 0;)
					sift_down(rk, n, k);
		} else if (by_rank(&r, &rk[0]) < 0) {
			rk[0] = r;
			sift_down(rk, n, 0);
		}
	}
	if (n > 1)
		qsort(rk, n, sizeof(*rk), by_rank);
	for (i = 0; i < n; i++)
		put_group(t, o, rk[i].g, flag);
	free(rk);
}

void
agg_emit(struct agg_table *t, struct obuf *o, int flag)
{
	struct group **all;
	size_t i, n = 0;
	int created;

	if (t->spec->nby == 0 && t->groups.n == 0) {	/* one group, even empty */
		struct group *g = ht_get(&t->groups, "", 0, &created);

		g->id = t->nextid++;
	}
	all = ereallocarray(NULL, t->groups.n, sizeof(*all));
	for (i = 0; i < t->groups.cap; i++)
		if (t->groups.slots[i].hash != 0)
			all[n++] = t->groups.slots[i].val;
	agg_emit_groups(t, o, all, n, flag);
	free(all);
}

void
agg_emit_touched(struct agg_table *t, struct obuf *o, int flag)
{
	agg_emit_groups(t, o, t->touched, t->ntouched, flag);
}

void
agg_close_batch(struct agg_table *t, int64_t bt)
{
	size_t i;

	for (i = 0; i < t->ntouched; i++)
		t->touched[i]->last = bt;
	if (t->initial) {	/* --initial groups count as updated now */
		for (i = 0; i < t->groups.cap; i++)
			if (t->groups.slots[i].hash != 0 &&
			    ((struct group *)t->groups.slots[i].val)->last ==
			    INT64_MIN)
				((struct group *)t->groups.slots[i].val)->last = bt;
		t->initial = 0;
	}
	t->ntouched = 0;
	t->epoch++;
}

size_t
agg_expire(struct agg_table *t, int64_t bt, int64_t timeout,
    struct obuf *removed)
{
	struct group **gone = NULL;
	size_t i, n = 0, k;

	for (i = 0; i < t->groups.cap; i++) {
		struct group *g = t->groups.slots[i].val;

		if (t->groups.slots[i].hash == 0 || g->last == INT64_MIN ||
		    g->epoch == t->epoch || bt - g->last <= timeout)
			continue;	/* empty, --initial, updated now, or recent */
		gone = ereallocarray(gone, n + 1, sizeof(*gone));
		gone[n++] = g;
	}
	if (n > 0 && removed != NULL)
		agg_emit_groups(t, removed, gone, n, 1);
	for (i = 0; i < n; i++) {
		size_t klen;
		const char *key = ht_key(&t->groups, gone[i], &klen);

		for (k = 0; k < t->spec->ndefs; k++)
			free(gone[i]->c[k].s);
		ht_del(&t->groups, key, klen);
	}
	free(gone);
	return n;
}

const char *
agg_load_initial(struct agg_table *t, int fd, const char *src)
{
	const struct agg_spec *s = t->spec;
	struct ibuf ib;
	struct schema sc = { 0 };
	struct rec r = { 0 };
	long *col = ecalloc(s->nby + s->ndefs, sizeof(*col));
	const char *why = NULL;
	char *line, where[300];
	const char *key;
	size_t n, k, klen;
	int created, bound = 0;

	ib_init(&ib, fd, src);
	while (why == NULL && ib_getline(&ib, &line, &n)) {
		struct group *g;

		switch (rec_ctl(line, n)) {
		case CTL_FIELDS:
			schema_parse(&sc, line, n);
			for (k = 0; k < s->nby + s->ndefs; k++) {
				const char *name = k < s->nby ? s->by[k] :
				    s->defs[k - s->nby].name;

				if ((col[k] = schema_find(&sc, name)) < 0) {
					why = "a field is missing";
					warnx("%s: no field %s", src, name);
				}
			}
			bound = why == NULL;
			continue;
		case CTL_DATA:
			break;
		default:
			continue;
		}
		if (!bound) {
			why = "no #fields line before the records";
			warnx("%s:%llu: %s", src, (unsigned long long)ib.lineno,
			    why);
			break;
		}
		rec_split(&r, line, n);
		key = make_key_cols(t, &r, col, &klen);
		g = ht_get(&t->groups, key, klen, &created);
		if (created) {
			g->id = t->nextid++;
			g->last = INT64_MIN;
		}
		for (k = 0; k < s->ndefs; k++) {
			long c = col[s->nby + k];
			struct val v = { .t = V_TEXT };
			struct cell *cl = &g->c[k];

			v.s = c < (long)r.n ? r.f[c].p : "";
			v.n = c < (long)r.n ? r.f[c].n : 0;
			if (v.n == 0)
				continue;
			if ((s->defs[k].kind == AGG_COUNT ||
			    s->defs[k].kind == AGG_SUM) && (val_num(&v) < 0 ||
			    (s->defs[k].kind == AGG_COUNT && v.d.scale != 0))) {
				warnx("%s: %s \"%.*s\" is not a number",
				    loc_format(where, sizeof(where), src, ib.lineno),
				    s->defs[k].name, (int)v.n, v.s);
				why = "bad value";
				break;
			}
			switch (s->defs[k].kind) {
			case AGG_COUNT:
				cl->n = (int64_t)v.d.m;
				break;
			case AGG_SUM:
				cell_set_dec(cl, v.d);
				cl->n = 1;
				break;
			default:	/* min, max, first, last */
				cell_store(cl, &v);
				cl->n = 1;
				break;
			}
		}
	}
	t->initial = 1;
	ib_free(&ib);
	rec_free(&r);
	schema_free(&sc);
	free(col);
	return why;
}

/*
 * Snapshots: a version, the number of aggregations, the next group id, then
 * each group (key, id, last update, cells) and each --distinct entry, in
 * the encoding of buf.h.
 */
#define AGG_SNAP_VERSION 2	/* 2: groups keep their record count */

void
agg_save(const struct agg_table *t, struct obuf *o)
{
	const struct agg_spec *s = t->spec;
	size_t i, k;

	ob_put_u64(o, AGG_SNAP_VERSION);
	ob_put_u64(o, s->ndefs);
	ob_put_u64(o, t->nextid);
	ob_put_u64(o, t->groups.n);
	for (i = 0; i < t->groups.cap; i++) {
		const struct group *g = t->groups.slots[i].val;
		const char *key;
		size_t klen;

		if (t->groups.slots[i].hash == 0)
			continue;
		key = ht_key(&t->groups, g, &klen);
		ob_put_bytes(o, key, klen);
		ob_put_u64(o, g->id);
		ob_put_u64(o, (uint64_t)g->last);
		ob_put_u64(o, (uint64_t)g->nrec);
		for (k = 0; k < s->ndefs; k++)
			cell_put(o, &g->c[k]);
	}
	ob_put_u64(o, t->distinct.n);
	for (i = 0; i < t->distinct.cap; i++)
		if (t->distinct.slots[i].hash != 0) {
			size_t klen;
			const char *key = ht_key(&t->distinct,
			    t->distinct.slots[i].val, &klen);

			ob_put_bytes(o, key, klen);
		}
}

const char *
agg_restore(struct agg_table *t, const void *buf, size_t len)
{
	struct bin b;
	const char *why;

	bin_init(&b, buf, len);
	if ((why = agg_restore_bin(t, &b)) == NULL && b.p != b.e)
		why = "a snapshot of the wrong length";
	return why;
}

void
cell_put(struct obuf *o, const struct cell *c)
{
	ob_put_u64(o, (uint64_t)c->n);
	ob_write(o, &c->m, sizeof(c->m));
	ob_put_u64(o, (uint64_t)c->scale);
	ob_put_u64(o, (uint64_t)c->t);
	ob_put_bytes(o, c->s, c->slen);
}

int8_t
cell_get_scale(struct bin *b)
{
	uint64_t v = bin_u64(b);

	if (v > DEC_MAXSCALE) {
		b->bad = 1;
		return 0;
	}
	return (int8_t)v;
}

void
cell_get(struct bin *b, struct cell *c)
{
	uint64_t t;
	size_t n;

	c->n = (int64_t)bin_u64(b);
	bin_raw(b, &c->m, sizeof(c->m));
	c->scale = cell_get_scale(b);
	if ((t = bin_u64(b)) > V_TEXT)
		b->bad = 1;
	c->t = b->bad ? V_NULL : (int8_t)t;
	c->s = (char *)bin_bytes(b, &n);
	if (n > UINT32_MAX)
		b->bad = 1;
	c->slen = b->bad ? 0 : (uint32_t)n;
}

const char *
agg_restore_bin(struct agg_table *t, struct bin *bp)
{
	const struct agg_spec *s = t->spec;
	struct bin b = *bp;
	uint64_t n, i;
	size_t k, klen;
	int created;

	agg_clear(t);
	if (bin_u64(&b) != AGG_SNAP_VERSION || bin_u64(&b) != s->ndefs)
		return "a snapshot of other aggregations or another version";
	t->nextid = bin_u64(&b);
	n = bin_u64(&b);
	for (i = 0; i < n && !b.bad; i++) {
		const char *key = bin_bytes(&b, &klen);
		struct group *g = ht_get(&t->groups, key, klen, &created);

		g->epoch = 0;
		g->id = bin_u64(&b);
		g->last = (int64_t)bin_u64(&b);
		g->nrec = (int64_t)bin_u64(&b);
		for (k = 0; k < s->ndefs; k++) {
			struct cell *c = &g->c[k];

			cell_get(&b, c);
			c->scap = c->slen;
			c->s = c->slen > 0 ? estrndup(c->s, c->slen) : NULL;
		}
	}
	n = bin_u64(&b);
	for (i = 0; i < n && !b.bad; i++) {
		const char *key = bin_bytes(&b, &klen);

		(void)ht_get(&t->distinct, key, klen, &created);
	}
	if (b.bad)
		return "a snapshot cut short, or a field out of its range";
	t->epoch = 1;
	t->ntouched = 0;
	*bp = b;
	return NULL;
}

void
agg_run(struct agg_table *t, struct ibuf *ib, struct obuf *out,
    const char *src, const struct agg_loop *loop)
{
	struct sreader sr;
	struct item it;
	struct pos at = { 0 };
	uint64_t bad = 0, pending = 0;
	int rc;
	char *s;
	size_t n, nf;
	unsigned seen;

	sr_init(&sr, ib, ib->name);
	while (!sr.end.eos && scan_getline(&t->scan, ib, &s, &n, t->r.f,
	    t->r.cap, &nf, &seen)) {
		enum ctl c = sr_item(&sr, s, n, &it);

		if (loop->control != NULL && c != CTL_DATA)
			loop->control(loop->arg, &it);
		switch (c) {
		case CTL_DATA:		/* placed by #at if the input has it */
			if (at.line > 0)
				rc = agg_add_line(t, s, n, nf, seen, at.file,
				    at.line++);
			else
				rc = agg_add_line(t, s, n, nf, seen, src,
				    ib->lineno);
			if (rc < 0)
				bad++;
			else
				pending++;
			break;
		case CTL_AT:
			(void)pos_take(&at, ib->name, ib->lineno, s, n);
			break;
		case CTL_FIELDS:
			agg_schema(t, s, n, src);
			break;
		case CTL_TYPES:
			if (schema_types(&t->sc, s, n) < 0)
				warnx("%s:%llu: a #types line that does not fit "
				    "its #fields: left out", ib->name,
				    (unsigned long long)ib->lineno);
			agg_put_types(out, t->spec, &t->sc);
			break;
		case CTL_END:
			pending = 0;
			if (loop->batch(loop->arg, it.t, 1)) {
				ob_write(out, s, n);
				ob_putc(out, '\n');
			}
			ob_flush(out);
			break;
		case CTL_STREAM:	/* the input's shape is not ours */
		case CTL_EOS:		/* written last, below */
			break;
		default:
			ob_write(out, s, n);
			ob_putc(out, '\n');
			break;
		}
	}
	pos_free(&at);
	if (sr_finish(&sr, NULL) < 0) {
		ob_flush(out);
		exit(SK_EXIT_DATA);
	}
	if (!sr.end.batched)	/* a plain file of records: one batch */
		(void)loop->batch(loop->arg, 0, 0);
	else if (pending > 0)
		warnx("%llu records after the last #end dropped",
		    (unsigned long long)pending);
	ob_puts(out, "#eos\n");
	ob_flush(out);
	if (bad > 0)
		warnx("%llu records rejected", (unsigned long long)bad);
}
