/*
 * cut: a line cut into fields at a separator byte, in one pass that also
 * notes which of up to four "attention" bytes occur anywhere in the line
 * (a quote, a backslash, a CR...): the caller learns at once whether the
 * line needs a slow look. On x86-64 the pass compares 16 bytes at a time
 * (SSE2) and walks the separator bit mask, so a field costs a few
 * instructions whatever its length; elsewhere a byte loop does the same.
 */
#ifndef SK_CUT_H
#define SK_CUT_H

#include <stddef.h>

#include "rec.h"

struct cutter {
	char	sep;
	char	att[4];		/* unused slots repeat att[0] */
	unsigned natt;
};

/* A cutter for sep and the attention bytes of the string att (0..4). */
void	cut_init(struct cutter *, char sep, const char *att);
/*
 * Cuts s[0..n) into fields at c->sep: stores up to cap slices in f and
 * returns how many fields the line has (more than cap: the caller grows f
 * and cuts again). *seen gets bit k set if c->att[k] occurs in the line.
 */
size_t	cut_line(const struct cutter *c, const char *s, size_t n,
	    struct slice *f, size_t cap, unsigned *seen);

#endif
