/*
 * fuzz-json: lines of JSON (stream-parse --json) through libjq, the
 * members of the orders' spec taken from each object and checked against
 * their types, as stream-parse does. A second reader runs a --jq filter
 * that makes several objects of one (flatMap).
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "spec.h"
#include "fuzz.h"

#define SPEC "time:time,order:int,client:int,symbol,amount:int,price:num,side:B|S"

static void
objects(struct json *j, struct spec *sp, char *s, size_t n)
{
	struct slice f[16];
	unsigned char absent[16];
	char why[512];
	struct line l;
	size_t i;

	if (json_start(j, s, n, why, sizeof(why)) != 0)
		return;
	while (json_next(j, f, absent, why, sizeof(why)) == 1) {
		l = (struct line){ f, sp->n, 0, 0 };
		if (!spec_quick(sp, &l))
			for (i = 0; i < l.n; i++)
				(void)spec_check(sp, &l, i, why, sizeof(why));
	}
}

static struct spec sp;
static struct json *plain, *flat;

static void
line(void *arg, char *s, size_t n)
{
	(void)arg;
	objects(plain, &sp, s, n);
	objects(flat, &sp, s, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char why[256];

	if (plain == NULL &&
	    (spec_parse(&sp, SPEC, why, sizeof(why)) != NULL ||
	    (plain = json_new(NULL, &sp, why, sizeof(why))) == NULL ||
	    (flat = json_new(".orders[]?", &sp, why, sizeof(why))) == NULL))
		abort();
	fuzz_lines(d, n, line, NULL);
	return 0;
}
