/*
 * csv: raw text lines cut into fields at a separator, CSV's quotes
 * (RFC 4180: a field in double quotes may hold the separator, and "" is a
 * quote in it) undone. The scanner of lib/cut finds the lines and cuts
 * them in one pass, noting the bytes that need a slow look: a quote, and
 * those a record must escape (a backslash, a TAB, a CR). A line without
 * any is "plain": its fields can be written as they lie.
 */
#ifndef SK_CSV_H
#define SK_CSV_H

#include <stddef.h>

#include "buf.h"
#include "cut.h"

/* The fields of a line, grown as needed: no allocation per line. */
struct fields {
	struct slice	*f;
	size_t		 n, cap;
};

struct csv {
	struct scanner	 scan;
	char		 sep;
	unsigned	 att_quote;	/* the bit of '"'; 0 without quotes */
	unsigned	 att_raw;	/* the bits of a backslash and a TAB: a
					 * line with one is not a record's field
					 * as it is */
	struct fields	 fields;	/* the line's fields */
	char		*buf;		/* the unquoted ones */
	size_t		 cap;
};

/* Cuts at sep, with quotes or not; fields has room for room at least. */
void	csv_init(struct csv *, char sep, int quotes, size_t room);
/*
 * The next line of ib (no LF, no CR before it) in *s, *n, cut into
 * c->fields (all of them if they fit), its attention bits in *seen; 0 at
 * the end of the input or when a read was interrupted.
 */
int	csv_getline(struct csv *, struct ibuf *, char **s, size_t *n,
	    unsigned *seen);
/*
 * Makes c->fields the fields of line s[0..n): cut already if scanned (by
 * csv_getline, with the attention bits *seen), else cut now (and *seen
 * set); quoted fields are unquoted into c's buffer, which is padded: a
 * field may be read 8 bytes past its end. Returns NULL, or why the line
 * cannot be cut ("unterminated quote", "text after a closing quote").
 */
const char *csv_cut_slow(struct csv *, const char *s, size_t n, int scanned,
	    unsigned *seen);

static inline const char *
csv_cut(struct csv *c, const char *s, size_t n, int scanned, unsigned *seen)
{
	if (scanned && c->fields.n <= c->fields.cap &&
	    (*seen & c->att_quote) == 0)
		return NULL;		/* the scanner cut it, and all is here */
	return csv_cut_slow(c, s, n, scanned, seen);
}
void	csv_free(struct csv *);

#endif
