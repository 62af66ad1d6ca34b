/*
 * fuzz-expr: the expression language. The first line is an expression,
 * compiled and bound to the fields a, b, c; each line after it is a
 * record (its fields at TABs, unescaped) the expression is evaluated on,
 * and the value printed.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "expr.h"
#include "rec.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct schema sc;
	static struct obuf o;
	static int ready;
	char *s, *line, *nl, *const names[] = { "a", "b", "c" };
	struct expr *x = NULL;
	struct expr_err e;
	struct rec r = { 0 };
	struct val v;
	const char *why;
	size_t at;

	if (!ready) {
		schema_set(&sc, names, 3);
		ob_init(&o, -1, "fuzz");
		ready = 1;
	}
	s = fuzz_str(d, n);
	if (FUZZ_REFUSED) {
		free(s);
		return 0;
	}
	if ((nl = strchr(s, '\n')) != NULL)
		*nl = '\0';
	if ((x = expr_compile(s, &why, &at)) == NULL ||
	    expr_bind(x, &sc) != NULL)
		goto done;
	for (line = nl; line != NULL && line < s + n; line = nl) {
		line++;
		if ((nl = memchr(line, '\n', (size_t)(s + n - line))) == NULL)
			nl = s + n;
		*nl = '\0';
		rec_split(&r, line, (size_t)(nl - line));
		ob_reset(&o);
		if (expr_eval(x, &r, &v, &e) == 0)
			val_put(&o, &v, 1);
		if (nl == s + n)
			break;
	}
done:
	expr_free(x);
	rec_free(&r);
	free(s);
	return 0;
}
