#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "util.h"

enum op {
	OP_FIELD, OP_NUM, OP_STR, OP_NEG, OP_NOT,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_PREFIX,
	OP_JFALSE_KEEP,	/* &&: if top is false, jump (keeping it), else pop */
	OP_JTRUE_KEEP,	/* ||: if top is true, jump (keeping it), else pop */
	OP_JFALSE,	/* ?: pop, jump if false */
	OP_JMP,
	OP_BOOL		/* replaces top by 1 or 0 */
};

struct insn {
	enum op		 op;
	long		 arg;		/* field index, constant index, target */
};

struct expr {
	char		*src;
	struct insn	*code;
	size_t		 ncode, capcode;
	struct val	*consts;
	size_t		 nconsts;
	char		**names;	/* field names referenced, by OP_FIELD arg */
	long		*cols;		/* their columns once bound */
	size_t		 nnames;
	struct val	*stack;
	size_t		 depth, maxdepth;
	/* programs common enough to run without the interpreter */
	enum { SHAPE_ANY, SHAPE_FIELD, SHAPE_FIELD_EQ, SHAPE_FIELD_NE,
	    SHAPE_ARITH } shape;
	long		 sfield, sconst;	/* their field and constant */
};

struct parser {
	struct expr	*x;
	const char	*src, *p;
	const char	*why;
	int		 fail;
};

static void parse_ternary(struct parser *);

static void
fail(struct parser *ps, const char *why)
{
	if (!ps->fail) {
		ps->fail = 1;
		ps->why = why;
	}
}

static size_t
emit(struct parser *ps, enum op op, long arg, int delta)
{
	struct expr *x = ps->x;

	if (x->ncode == x->capcode) {
		x->capcode = x->capcode ? x->capcode * 2 : 16;
		x->code = ereallocarray(x->code, x->capcode, sizeof(*x->code));
	}
	x->code[x->ncode].op = op;
	x->code[x->ncode].arg = arg;
	x->depth += delta;
	if (x->depth > x->maxdepth)
		x->maxdepth = x->depth;
	return x->ncode++;
}

static long
add_const(struct expr *x, struct val v)
{
	x->consts = ereallocarray(x->consts, x->nconsts + 1, sizeof(*x->consts));
	x->consts[x->nconsts] = v;
	return (long)x->nconsts++;
}

static long
add_name(struct expr *x, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < x->nnames; i++)
		if (strlen(x->names[i]) == n && memcmp(x->names[i], s, n) == 0)
			return (long)i;
	x->names = ereallocarray(x->names, x->nnames + 1, sizeof(*x->names));
	x->names[x->nnames] = estrndup(s, n);
	return (long)x->nnames++;
}

static void
skip_space(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n')
		ps->p++;
}

static int
accept(struct parser *ps, const char *tok)
{
	size_t n = strlen(tok);

	skip_space(ps);
	if (strncmp(ps->p, tok, n) != 0)
		return 0;
	/* "=" is not "==", "<" is not "<=", "!" is not "!=" */
	if (n == 1 && (tok[0] == '<' || tok[0] == '>' || tok[0] == '!') &&
	    ps->p[1] == '=')
		return 0;
	ps->p += n;
	return 1;
}

static int
is_ident(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (!first && c >= '0' && c <= '9');
}

static void
parse_string(struct parser *ps)
{
	char q = *ps->p++, *buf = emalloc(strlen(ps->p) + 1), *w = buf;
	struct val v = { .t = V_STR };

	for (; *ps->p != q; ps->p++) {
		if (*ps->p == '\0') {
			free(buf);
			fail(ps, "unterminated string");
			return;
		}
		if (*ps->p == '\\' && ps->p[1] != '\0') {
			ps->p++;
			*w++ = *ps->p == 'n' ? '\n' : *ps->p == 't' ? '\t' : *ps->p;
		} else
			*w++ = *ps->p;
	}
	ps->p++;
	v.s = buf;
	v.n = (size_t)(w - buf);
	emit(ps, OP_STR, add_const(ps->x, v), 1);
}

static void
parse_primary(struct parser *ps)
{
	const char *s;
	struct val v = { .t = V_NUM };

	skip_space(ps);
	s = ps->p;
	if (accept(ps, "(")) {
		parse_ternary(ps);
		if (!accept(ps, ")"))
			fail(ps, "expected )");
	} else if (*s == '\'' || *s == '"') {
		parse_string(ps);
	} else if ((*s >= '0' && *s <= '9') || (*s == '.' && s[1] >= '0' &&
	    s[1] <= '9')) {
		while ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.')
			ps->p++;
		if (dec_parse(s, (size_t)(ps->p - s), &v.d) != DEC_OK) {
			fail(ps, "bad number");
			return;
		}
		emit(ps, OP_NUM, add_const(ps->x, v), 1);
	} else if (*s == '$' && s[1] == '{') {
		const char *e = strchr(s + 2, '}');

		if (e == NULL || e == s + 2) {
			fail(ps, "expected ${name}");
			return;
		}
		emit(ps, OP_FIELD, add_name(ps->x, s + 2, (size_t)(e - s - 2)), 1);
		ps->p = e + 1;
	} else if (is_ident((unsigned char)*s, 1) || (*s == '$' &&
	    is_ident((unsigned char)s[1], 0))) {
		if (*s == '$')
			s++;
		for (ps->p = s + 1; is_ident((unsigned char)*ps->p, 0); ps->p++)
			;
		emit(ps, OP_FIELD, add_name(ps->x, s, (size_t)(ps->p - s)), 1);
	} else
		fail(ps, *s == '\0' ? "unexpected end" : "unexpected character");
}

static void
parse_unary(struct parser *ps)
{
	if (accept(ps, "-")) {
		parse_unary(ps);
		emit(ps, OP_NEG, 0, 0);
	} else if (accept(ps, "!")) {
		parse_unary(ps);
		emit(ps, OP_NOT, 0, 0);
	} else if (accept(ps, "+"))
		parse_unary(ps);
	else
		parse_primary(ps);
}

static const struct binop {
	const char	*tok;
	enum op		 op;
	int		 prec;
} binops[] = {	/* longer tokens first */
	{ "==", OP_EQ, 3 }, { "!=", OP_NE, 3 }, { "^=", OP_PREFIX, 3 },
	{ "<=", OP_LE, 4 },
	{ ">=", OP_GE, 4 }, { "<", OP_LT, 4 }, { ">", OP_GT, 4 },
	{ "+", OP_ADD, 5 }, { "-", OP_SUB, 5 }, { "*", OP_MUL, 6 },
	{ "/", OP_DIV, 6 }, { "%", OP_MOD, 6 },
};

/* Precedence climbing for the binary operators above && (prec >= 3). */
static void
parse_binary(struct parser *ps, int minprec)
{
	size_t i;

	parse_unary(ps);
	for (;;) {
		for (i = 0; i < SK_NELEM(binops); i++) {
			const char *save = ps->p;

			if (binops[i].prec < minprec || !accept(ps, binops[i].tok))
				continue;
			if (binops[i].tok[0] == '=' && ps->p[0] == '=') {
				ps->p = save;	/* "===" */
				continue;
			}
			break;
		}
		if (i == SK_NELEM(binops) || ps->fail)
			return;
		parse_binary(ps, binops[i].prec + 1);
		emit(ps, binops[i].op, 0, -1);
	}
}

static void
parse_and(struct parser *ps)
{
	parse_binary(ps, 3);
	while (!ps->fail && accept(ps, "&&")) {
		size_t j = emit(ps, OP_JFALSE_KEEP, 0, -1);

		parse_binary(ps, 3);
		emit(ps, OP_BOOL, 0, 0);
		ps->x->code[j].arg = (long)ps->x->ncode;
	}
}

static void
parse_or(struct parser *ps)
{
	parse_and(ps);
	while (!ps->fail && accept(ps, "||")) {
		size_t j = emit(ps, OP_JTRUE_KEEP, 0, -1);

		parse_and(ps);
		emit(ps, OP_BOOL, 0, 0);
		ps->x->code[j].arg = (long)ps->x->ncode;
	}
}

static void
parse_ternary(struct parser *ps)
{
	size_t jf, jend;

	parse_or(ps);
	if (ps->fail || !accept(ps, "?"))
		return;
	jf = emit(ps, OP_JFALSE, 0, -1);
	parse_ternary(ps);
	if (!accept(ps, ":")) {
		fail(ps, "expected : after ?");
		return;
	}
	jend = emit(ps, OP_JMP, 0, -1);
	ps->x->code[jf].arg = (long)ps->x->ncode;
	parse_ternary(ps);
	ps->x->code[jend].arg = (long)ps->x->ncode;
}

static int
is_operand(const struct insn *c)
{
	return c->op == OP_FIELD || c->op == OP_NUM || c->op == OP_STR;
}

static int
is_arith(const struct insn *c)
{
	return c->op == OP_ADD || c->op == OP_SUB || c->op == OP_MUL ||
	    c->op == OP_DIV || c->op == OP_MOD;
}

/* A field alone (--sum amount), a field compared with a string (--where
 * 'side == "S"'), and arithmetic on two fields or numbers (--sum
 * 'amount*price'): expr_eval does these directly, the same way. */
static void
find_shape(struct expr *x)
{
	const struct insn *c = x->code;

	if (x->ncode == 3 && is_operand(&c[0]) && is_operand(&c[1]) &&
	    is_arith(&c[2]))
		x->shape = SHAPE_ARITH;
	else if (x->ncode == 1 && c[0].op == OP_FIELD) {
		x->shape = SHAPE_FIELD;
		x->sfield = c[0].arg;
	} else if (x->ncode == 3 && (c[2].op == OP_EQ || c[2].op == OP_NE) &&
	    ((c[0].op == OP_FIELD && c[1].op == OP_STR) ||
	    (c[0].op == OP_STR && c[1].op == OP_FIELD))) {
		x->shape = c[2].op == OP_EQ ? SHAPE_FIELD_EQ : SHAPE_FIELD_NE;
		x->sfield = c[c[0].op == OP_FIELD ? 0 : 1].arg;
		x->sconst = c[c[0].op == OP_STR ? 0 : 1].arg;
	}
}

struct expr *
expr_compile(const char *src, const char **why, size_t *at)
{
	struct parser ps = { 0 };
	struct expr *x = ecalloc(1, sizeof(*x));

	x->src = estrdup(src);
	ps.x = x;
	ps.src = ps.p = x->src;
	parse_ternary(&ps);
	skip_space(&ps);
	if (!ps.fail && *ps.p != '\0')
		fail(&ps, "unexpected text");
	if (ps.fail) {
		*why = ps.why;
		*at = (size_t)(ps.p - ps.src);
		expr_free(x);
		return NULL;
	}
	x->cols = ecalloc(x->nnames, sizeof(*x->cols));
	x->stack = ecalloc(x->maxdepth + 1, sizeof(*x->stack));
	find_shape(x);
	return x;
}

void
expr_free(struct expr *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; i < x->nconsts; i++)
		if (x->consts[i].t == V_STR)
			free((char *)x->consts[i].s);
	for (i = 0; i < x->nnames; i++)
		free(x->names[i]);
	free(x->consts);
	free(x->names);
	free(x->cols);
	free(x->code);
	free(x->stack);
	free(x->src);
	free(x);
}

const char *
expr_bind(struct expr *x, const struct schema *sc)
{
	size_t i;

	for (i = 0; i < x->nnames; i++)
		if ((x->cols[i] = schema_find(sc, x->names[i])) < 0)
			return x->names[i];
	return NULL;
}

const char *
expr_source(const struct expr *x)
{
	return x->src;
}

const char *
expr_field_name(const struct expr *x)
{
	return x->ncode == 1 && x->code[0].op == OP_FIELD ? x->names[0] : NULL;
}

int
expr_numeric(const struct expr *x)
{
	enum op op;

	if (x->ncode == 0)
		return 0;
	op = x->code[x->ncode - 1].op;
	return op == OP_NUM || op == OP_NEG || op == OP_NOT || op == OP_BOOL ||
	    (op >= OP_ADD && op <= OP_PREFIX);
}

int
val_num(struct val *v)
{
	if (v->t == V_NUM || v->t == V_NULL)
		return 0;
	if (v->n == 0 && v->t == V_TEXT) {
		v->t = V_NULL;
		return 0;
	}
	if (dec_parse(v->s, v->n, &v->d) != DEC_OK)
		return -1;
	v->t = V_NUM;
	return 0;
}

int
val_truth(const struct val *v)
{
	struct val t = *v;

	if (t.t == V_TEXT && val_num(&t) == 0)
		return t.t == V_NUM && t.d.m != 0;
	if (t.t == V_NUM)
		return t.d.m != 0;
	return t.t != V_NULL && t.n > 0;
}

static size_t
val_text(const struct val *v, char *buf, const char **s)
{
	if (v->t == V_NUM) {
		*s = buf;
		return dec_format(v->d, buf);
	}
	*s = v->t == V_NULL ? "" : v->s;
	return v->t == V_NULL ? 0 : v->n;
}

int
val_cmp(struct val *a, struct val *b)
{
	char ba[DEC_STRMAX], bb[DEC_STRMAX];
	const char *sa, *sb;
	size_t na, nb;
	int c;

	if (a->t != V_STR && b->t != V_STR && a->t != V_NULL && b->t != V_NULL) {
		struct val x = *a, y = *b;

		if (val_num(&x) == 0 && val_num(&y) == 0 && x.t == V_NUM &&
		    y.t == V_NUM)
			return dec_cmp(x.d, y.d);
	}
	na = val_text(a, ba, &sa);
	nb = val_text(b, bb, &sb);
	c = memcmp(sa, sb, na < nb ? na : nb);
	return c != 0 ? (c > 0) - (c < 0) : (na > nb) - (na < nb);
}

/* Whether a's text begins with b's. */
static int
val_prefix(const struct val *a, const struct val *b)
{
	char ba[DEC_STRMAX], bb[DEC_STRMAX];
	const char *sa, *sb;
	size_t na = val_text(a, ba, &sa), nb = val_text(b, bb, &sb);

	return na >= nb && memcmp(sa, sb, nb) == 0;
}

void
val_put(struct obuf *o, const struct val *v, int first)
{
	char buf[DEC_STRMAX];
	const char *s;
	size_t n = val_text(v, buf, &s);

	rec_put_field(o, s, n, first);
}

static void
not_a_number(struct expr_err *e, const struct val *v)
{
	e->why = "is not a number";
	e->field = v->name;
	e->s = v->s;
	e->n = v->n;
}

static int
arith(struct val *a, struct val *b, enum op op, struct expr_err *e)
{
	enum dec_err de = DEC_OK;
	struct val *bad = NULL;
	struct dec x;

	if (val_num(a) < 0)
		bad = a;
	else if (val_num(b) < 0)
		bad = b;
	if (bad != NULL) {
		not_a_number(e, bad);
		return -1;
	}
	if (a->t == V_NULL || b->t == V_NULL) {
		a->t = V_NULL;
		return 0;
	}
	x = a->d;
	switch (op) {
	case OP_ADD: de = dec_add(&a->d, a->d, b->d); break;
	case OP_SUB: de = dec_sub(&a->d, a->d, b->d); break;
	case OP_MUL: de = dec_mul(&a->d, a->d, b->d); break;
	case OP_DIV: de = dec_div(&a->d, a->d, b->d); break;
	default: de = dec_mod(&a->d, a->d, b->d); break;
	}
	if (de != DEC_OK) {
		static const char sym[] = "+-*/%";
		size_t k;

		e->why = dec_strerror(de);
		e->field = NULL;
		e->s = NULL;
		e->n = 0;
		k = dec_format(x, e->calc);	/* what failed: "a * b" */
		e->calc[k++] = ' ';
		e->calc[k++] = sym[op - OP_ADD];
		e->calc[k++] = ' ';
		(void)dec_format(b->d, e->calc + k);
		return -1;
	}
	return 0;
}

static void
set_bool(struct val *v, int b)
{
	v->t = V_NUM;
	v->d.m = b;
	v->d.scale = 0;
}

/* Field number arg of the expression, from r: its text, or null when it is
 * missing or empty. */
static void
load_field(const struct expr *x, long arg, const struct rec *r, struct val *v)
{
	long col = x->cols[arg];

	v->name = x->names[arg];
	if (col < (long)r->n && r->f[col].n > 0) {
		v->t = V_TEXT;
		v->s = r->f[col].p;
		v->n = r->f[col].n;
	} else {
		v->t = V_NULL;
		v->s = "";
		v->n = 0;
	}
}

/* Operand insn c (a field or a constant), from r. */
static inline void
load_operand(const struct expr *x, const struct insn *c, const struct rec *r,
    struct val *v)
{
	if (c->op == OP_FIELD)
		load_field(x, c->arg, r, v);
	else {
		*v = x->consts[c->arg];
		v->name = NULL;
	}
}

int
expr_eval(const struct expr *x, const struct rec *r, struct val *out,
    struct expr_err *e)
{
	struct val *st = x->stack, *top = st - 1;
	const struct insn *c = x->code;
	size_t pc, n = x->ncode;
	int cmp;

	e->field = NULL;
	e->src = x->src;
	e->calc[0] = '\0';
	if (x->shape == SHAPE_ARITH) {
		struct val b;

		load_operand(x, &c[0], r, out);
		load_operand(x, &c[1], r, &b);
		return arith(out, &b, c[2].op, e);
	}
	if (x->shape != SHAPE_ANY) {
		const struct val *k;

		load_field(x, x->sfield, r, out);
		if (x->shape == SHAPE_FIELD)
			return 0;	/* no constants: consts may be NULL */
		k = &x->consts[x->sconst];
		/* a string constant compares as text (val_cmp) */
		cmp = out->n == k->n && bytes_equal(out->s, k->s, k->n);
		set_bool(out, x->shape == SHAPE_FIELD_EQ ? cmp : !cmp);
		return 0;
	}
	for (pc = 0; pc < n; pc++) {
		switch (c[pc].op) {
		case OP_FIELD:
			load_field(x, c[pc].arg, r, ++top);
			break;
		case OP_NUM:
		case OP_STR:
			*++top = x->consts[c[pc].arg];
			top->name = NULL;
			break;
		case OP_NEG:
			if (val_num(top) < 0) {
				not_a_number(e, top);
				return -1;
			}
			if (top->t == V_NUM)
				top->d.m = -top->d.m;
			break;
		case OP_NOT:
			set_bool(top, !val_truth(top));
			break;
		case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD:
			top--;
			if (arith(top, top + 1, c[pc].op, e) < 0)
				return -1;
			break;
		case OP_PREFIX:		/* a ^= b: a's text begins with b's */
			top--;
			set_bool(top, val_prefix(top, top + 1));
			break;
		case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT:
		case OP_GE:
			top--;
			cmp = val_cmp(top, top + 1);
			set_bool(top, c[pc].op == OP_EQ ? cmp == 0 :
			    c[pc].op == OP_NE ? cmp != 0 : c[pc].op == OP_LT ?
			    cmp < 0 : c[pc].op == OP_LE ? cmp <= 0 :
			    c[pc].op == OP_GT ? cmp > 0 : cmp >= 0);
			break;
		case OP_JFALSE_KEEP:
			if (!val_truth(top)) {
				set_bool(top, 0);
				pc = (size_t)c[pc].arg - 1;
			} else
				top--;
			break;
		case OP_JTRUE_KEEP:
			if (val_truth(top)) {
				set_bool(top, 1);
				pc = (size_t)c[pc].arg - 1;
			} else
				top--;
			break;
		case OP_JFALSE:
			if (!val_truth(top--))
				pc = (size_t)c[pc].arg - 1;
			break;
		case OP_JMP:
			pc = (size_t)c[pc].arg - 1;
			break;
		case OP_BOOL:
			set_bool(top, val_truth(top));
			break;
		}
	}
	*out = *top;
	return 0;
}

void
expr_warn(const char *where, const struct expr_err *e)
{
	char why[512];

	warnx("%s: %s", where, expr_err_text(why, sizeof(why), e));
}

char *
expr_err_text(char *buf, size_t cap, const struct expr_err *e)
{
	char shown[256];

	if (e->s != NULL)
		snprintf(buf, cap, "%s%s\"%s\" %s", e->field ? e->field : "",
		    e->field ? " " : "", safe_text(shown, sizeof(shown), e->s,
		    e->n), e->why);
	else if (e->calc[0] != '\0')
		snprintf(buf, cap, "%s: %s: %s", e->src, e->calc, e->why);
	else
		snprintf(buf, cap, "%s", e->why);
	return buf;
}
