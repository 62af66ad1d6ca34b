/*
 * expr: a small expression language over the fields of a record:
 * numbers (exact decimals), 'strings', field names (or $name, ${any name},
 * $3), + - * / % (unary -), == != < <= > >=, ! && || and c ? a : b.
 * Compiled once to a stack program, bound to a schema, evaluated with no
 * allocation. A struct expr owns its program; values it returns point into
 * the record or the program.
 */
#ifndef SK_EXPR_H
#define SK_EXPR_H

#include "dec.h"
#include "rec.h"

enum vtype {
	V_NULL,		/* an empty or missing field, or null arithmetic */
	V_NUM,		/* a number */
	V_STR,		/* a string literal or the result of ?: on strings */
	V_TEXT		/* a field's text: a number if it reads as one */
};

struct val {
	enum vtype	 t;
	struct dec	 d;
	const char	*s;
	size_t		 n;
	const char	*name;		/* the field it came from, or NULL */
};

struct expr_err {
	const char	*why;		/* "is not a number", "division by zero" */
	const char	*field;		/* the field involved, or NULL */
	const char	*s;		/* its text */
	size_t		 n;
	const char	*src;		/* the expression, for an arithmetic error */
	char		 calc[2 * DEC_STRMAX + 8];	/* "a * b" that failed */
};

struct expr;

/* Compiles src; on error returns NULL and sets *why (static text) and *at
 * (offset in src). */
struct expr *expr_compile(const char *src, const char **why, size_t *at);
void	expr_free(struct expr *);
/* Resolves field names against a schema; returns NULL or the missing name. */
const char *expr_bind(struct expr *, const struct schema *);
/* Evaluates on r; returns 0, or -1 with *e set. */
int	expr_eval(const struct expr *, const struct rec *r, struct val *out,
	    struct expr_err *e);
/* The source text, as given. */
const char *expr_source(const struct expr *);
/* If the expression is one field name, that name; else NULL. */
const char *expr_field_name(const struct expr *);
/* True if x always gives a number (or null): its last step is arithmetic,
 * a comparison, a negation or a number. */
int	expr_numeric(const struct expr *);

/* Value helpers shared by the tools. */
int	val_truth(const struct val *);
/* Makes v a number if it can be one: 0, or -1 if it is not a number. */
int	val_num(struct val *);
/* Writes v as text (numbers in their shortest exact form). */
void	val_put(struct obuf *, const struct val *, int first);
/* Orders values: numbers numerically, else bytes; null first. */
int	val_cmp(struct val *, struct val *);
/* Reports an evaluation error as "prog: where: field "text" why". */
void	expr_warn(const char *where, const struct expr_err *);
/* The reason of an evaluation error, as expr_warn gives it: 'field "text"
 * is not a number', or for arithmetic 'v*v: 1000 * 1000: number out of
 * range'. */
char	*expr_err_text(char *buf, size_t cap, const struct expr_err *);

#endif
