/*
 * cut: a line cut into fields at a separator byte, in one pass that also
 * notes which of up to four "attention" bytes occur anywhere in the line
 * (a quote, a backslash, a CR...): the caller learns at once whether the
 * line needs a slow look. On x86-64 the pass compares 32 bytes at a time
 * (AVX2, where the processor has it) or 16 (SSE2) and walks the separator
 * bit mask, so a field costs a few instructions whatever its length;
 * elsewhere a byte loop does the same.
 */
#ifndef SK_CUT_H
#define SK_CUT_H

#include <stddef.h>

#include "rec.h"

struct cutter {
	char	sep;
	char	att[4];		/* unused slots repeat att[0] */
	unsigned natt;
	/* the pass for this machine: AVX2, SSE2 or bytes */
	size_t	(*fn)(const struct cutter *, const char *, size_t,
		    struct slice *, size_t, unsigned *);
};

/* A cutter for sep and the attention bytes of the string att (0..4). */
void	cut_init(struct cutter *, char sep, const char *att);
/*
 * Cuts s[0..n) into fields at c->sep: stores up to cap slices in f and
 * returns how many fields the line has (more than cap: the caller grows f
 * and cuts again). *seen gets bit k set if c->att[k] occurs in the line.
 */
/* For the tests: use the pass "bytes", "sse2" or "avx2"; -1 if this
 * machine has not got it. */
int	cut_force(struct cutter *, const char *kind);

static inline size_t
cut_line(const struct cutter *c, const char *s, size_t n, struct slice *f,
    size_t cap, unsigned *seen)
{
	return c->fn(c, s, n, f, cap, seen);
}

#endif
