/*
 * derive: stream-parse's --set name=expr (a new field, or a field
 * rewritten) and --where expr (a record kept only if true), over the
 * fields of a record, evaluated in the order given.
 */
#ifndef SK_DERIVE_H
#define SK_DERIVE_H

#include <stddef.h>

#include "expr.h"
#include "rec.h"

struct setter {
	char		*name;
	struct expr	*e;
	long		 col;		/* the column it writes */
	char		*buf;		/* its value, formatted */
	size_t		 cap;
};

struct derive {
	struct setter	*set;
	size_t		 nset;
	struct expr	*where;
};

/* Adds --set arg; NULL, or why not (in why). */
const char *derive_set(struct derive *, const char *arg, char *why, size_t cap);
/* Takes --where text; NULL, or why not (in why). */
const char *derive_where(struct derive *, const char *text, char *why,
	    size_t cap);
/*
 * Binds the expressions to sc, giving it a column for each new --set field
 * (sc's arrays have room for one a --set) with the type its expression
 * gives; NULL, or why not (in why).
 */
const char *derive_bind(struct derive *, struct schema *sc, char *why,
	    size_t cap);
/*
 * Sets the --set fields of r (it has room for them) and applies --where:
 * 1 to keep r, 0 to leave it out, -1 on an evaluation error (in *e).
 */
int	derive_apply(struct derive *, struct rec *r, struct expr_err *e);
void	derive_free(struct derive *);

#endif
