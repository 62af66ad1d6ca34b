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
#include <stdint.h>

#include "buf.h"

/* A field: a slice of the line it was cut from. */
struct slice {
	char	*p;
	size_t	 n;
};

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

/*
 * Copies s[0..n) to d with every byte sep made a TAB: a plain line's fields
 * written as a record's. It works 16 bytes at a time, so it may read up to
 * 15 bytes past s + n (an ibuf is padded) and write up to 15 past d + n.
 */
void	cut_copy_tabs(char *d, const char *s, size_t n, char sep);

/*
 * A scanner finds the lines of an ibuf and cuts each into fields in the
 * same pass: 64 bytes at a time it takes a bit mask of the LFs, one of the
 * separators and one of all attention bytes, then walks the bits; a line
 * with an attention byte is read once more for which it has. No memchr
 * per line and no second pass per line. The ibuf's buffer is padded so a
 * window may be read past the data (its bits there are dropped).
 */
struct scanner {
	struct cutter	 c;
	const char	*pos;		/* the next line's start */
	const char	*win;		/* the window the masks are of */
	const char	*end;		/* the end of the data scanned */
	uint64_t	 nl, sep;
	uint64_t	 att;		/* any attention byte: the line that has
					 * one is looked at again for which */
	void		(*window)(struct scanner *);
};

void	scan_init(struct scanner *, char sep, const char *att);
/* For the tests: "bytes", "sse2" or "avx2"; -1 if the machine has not it. */
int	scan_force(struct scanner *, const char *kind);
/*
 * The next line of ib as ib_getline hands it out (no LF, no CR before it),
 * cut like cut_line: 1 with *line, *len, *nf and *seen, and the fields in
 * f (the first cap of them); 0 at EOF or when a read was interrupted.
 */
int	scan_getline(struct scanner *, struct ibuf *, char **line, size_t *len,
	    struct slice *f, size_t cap, size_t *nf, unsigned *seen);

#endif
