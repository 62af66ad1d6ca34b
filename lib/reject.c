/*
 * reject: a bad input line reported, kept aside, counted. See reject.h.
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>

#include "reject.h"
#include "util.h"

void
reject_line(struct rejects *r, const char *src, uint64_t line,
    const char *raw, size_t rawlen, const char *fmt, ...)
{
	char where[300], why[512], shown[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	loc_format(where, sizeof(where), src, line);
	if (rawlen == 0)
		warnx("%s: %s", where, why);
	else
		warnx("%s: %s: %s", where, why,
		    safe_text(shown, sizeof(shown), raw, rawlen));
	if (r->file != NULL && (fwrite(raw, 1, rawlen, r->file) != rawlen ||
	    putc('\n', r->file) == EOF))
		err(SK_EXIT_DATA, "%s", r->path);
	reject_count(r);
}

void
reject_count(struct rejects *r)
{
	struct obuf *o;

	r->n++;
	if (r->max > 0 && r->n >= (uint64_t)r->max) {
		for (o = r->out; o != NULL; o = o->next)
			ob_flush(o);
		errx(SK_EXIT_DATA, "%llu bad lines: stopping (--max-errors %lld)",
		    (unsigned long long)r->n, r->max);
	}
}
