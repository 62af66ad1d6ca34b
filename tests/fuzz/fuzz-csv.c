/*
 * fuzz-csv: lines cut at commas with CSV's quotes, each checked against
 * the orders' typed spec as stream-parse does (the quick loops, then the
 * field by field look). A field that fits is canonical: checked again, it
 * still fits.
 */
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "spec.h"
#include "fuzz.h"

#define SPEC "time:time,order:int,client:int,symbol,amount:int,price:num,side:B|S"

static void
check(struct spec *sp, struct csv *c, char *s, size_t n)
{
	char why[512];
	unsigned seen = 0;
	struct line l;
	size_t i;

	if (csv_cut(c, s, n, 0, &seen) != NULL)
		return;
	l = (struct line){ c->fields.f, c->fields.n, seen == 0, 1 };
	if (l.n != sp->n)
		return;
	if (spec_quick(sp, &l))
		return;
	for (i = 0; i < l.n; i++)
		if (spec_check(sp, &l, i, why, sizeof(why)) == NULL &&
		    spec_check(sp, &l, i, why, sizeof(why)) != NULL)
			abort();	/* canonical, yet not a fit */
}

static struct spec sp;
static struct csv c;

static void
line(void *arg, char *s, size_t n)
{
	(void)arg;
	check(&sp, &c, s, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static int ready;
	char why[256];

	if (!ready) {
		if (spec_parse(&sp, SPEC, why, sizeof(why)) != NULL)
			abort();
		csv_init(&c, ',', 1, 16);
		ready = 1;
	}
	fuzz_lines(d, n, line, NULL);
	return 0;
}
