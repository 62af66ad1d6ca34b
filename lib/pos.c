#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "pos.h"
#include "rec.h"
#include "util.h"

int
pos_take(struct pos *p, const char *name, uint64_t lineno, const char *line,
    size_t len)
{
	struct rec r = { 0 };
	char *copy;
	uint64_t n = 0;
	size_t i;
	int ok;

	if (len < 5 || memcmp(line, "#at\t", 4) != 0)
		return -1;
	copy = estrndup(line + 4, len - 4);
	rec_split(&r, copy, len - 4);	/* the name may be escaped */
	ok = r.n == 2 && r.f[0].n > 0 && r.f[1].n > 0 && r.f[1].n <= 19;
	for (i = 0; ok && i < r.f[1].n; i++) {
		unsigned c = (unsigned)(r.f[1].p[i] - '0');

		ok = c <= 9;
		n = n * 10 + c;
	}
	if (ok && n > 0) {
		free(p->file);
		p->file = r.f[0].n == 1 && r.f[0].p[0] == '-' ? NULL :
		    estrndup(r.f[0].p, r.f[0].n);
		p->line = n;
	}
	rec_free(&r);
	free(copy);
	if (!ok || n == 0) {
		warnx("%s:%llu: a bad #at line: left out", name,
		    (unsigned long long)lineno);
		return -1;
	}
	return 0;
}

void
pos_free(struct pos *p)
{
	free(p->file);
	p->file = NULL;
}

void
pos_put_at(struct obuf *o, const char *file, uint64_t line)
{
	ob_write(o, "#at\t", 4);
	if (file == NULL)
		ob_putc(o, '-');
	else
		rec_put_field(o, file, strlen(file), 0);
	ob_putc(o, '\t');
	ob_putint(o, (int64_t)line);
	ob_putc(o, '\n');
}
