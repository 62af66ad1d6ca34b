/*
 * join: two record streams combined by key, as stream-join(1) does it
 * (DStream join, leftOuterJoin, rightOuterJoin, fullOuterJoin, cogroup).
 * A side's records are cut into fields in place, without unescaping: a
 * field's escaped form is one-to-one with its text, so fields compare and
 * are written as they came (only a line's leading "\#" is undone, and
 * written again where the field starts a line). join_table.c is --table's
 * file; join_within.c keeps records across batches for --within.
 */
#ifndef SK_JOIN_H
#define SK_JOIN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cut.h"
#include "ht.h"
#include "rec.h"

enum join_kind { JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL, JOIN_COGROUP };

#define JOIN_NONE UINT32_MAX	/* no row */

struct jrow {
	uint32_t	 next;		/* the next row of its key, or JOIN_NONE */
	int		 matched;
	int64_t		 t;		/* its event time (--within) */
	char		*line;		/* the line, as it came */
	size_t		 len;
};

/* One side's rows: a batch's, or the table's. */
struct jrows {
	const char	*name;		/* the input, for messages */
	struct slice	*f;		/* nf fields a row */
	struct jrow	*row;
	size_t		 n, cap, nf;
	uint64_t	 odd;		/* rows with more or fewer fields */
	uint64_t	 bad;		/* rows left out: their time is not one */
};

/* A key's rows on each side (the value of an index). */
struct jkey {
	uint32_t	 head[2], tail[2];
	uint32_t	 seen;		/* cogroup: in the batch's order */
};

/* Where an output field comes from. */
struct jcol {
	int		 side;		/* 0 left, 1 right */
	size_t		 col;
	long		 key;		/* the key's index, or -1 */
};

struct join {
	enum join_kind	 kind;
	size_t		 nkeys;
	char		**key[2];	/* the key fields' names, each side */
	size_t		*kcol[2];	/* their columns */
	const char	*prefix[2];	/* --lp, --rp: for names on both sides */
	const char	*time[2];	/* --within: the event time fields */
	long		 tcol[2];	/* their columns, or -1 */
	char		**sel;		/* --fields: the output's, in order */
	size_t		 nsel;
	struct schema	 out;		/* the output's fields */
	struct jcol	*omap;		/* out.n of them */
	struct ht	 idx;		/* the batch's keys: struct jkey */
	struct obuf	 kb;		/* a key's bytes */
	struct jrows	 rows[2];	/* the batch's, each side */
	struct jkey	**order;	/* cogroup: the keys as they came */
	size_t		 norder, ordcap;
};

/* Sets the key fields from --on "a,b" or "a=x,b=y" (left=right);
 * returns NULL or why it is not a list of fields. */
const char *join_on(struct join *, char *spec);
/* --fields: which of the output's fields, in which order; returns NULL
 * or why it is not a list of names. */
const char *join_select(struct join *, char *list);
/* The index and scratch buffers; prefixes as given, or left_ right_. */
void	join_init(struct join *);
void	join_free(struct join *);
/* Finds the keys (and time fields) in the two inputs' fields and makes
 * the output's; dies naming an input without one of them. */
void	join_schema(struct join *, const struct schema *, const char *lname,
	    const struct schema *, const char *rname);
/* Cuts len bytes of lines (each LF-terminated) into the rows of a side;
 * with a time field, parses it (a row whose time is not one is left out,
 * said and counted). */
void	join_cut(struct join *, struct jrows *, int side, char *text,
	    size_t len, int64_t bt);
/* Indexes the rows of a side in idx (values struct jkey): each key's rows
 * in order, and for cogroup the keys in the order they came. */
void	join_index(struct join *, struct ht *idx, struct jrows *, int side);
/* A row's key bytes (valid until the next call). */
const char *join_key(struct join *, int side, const struct slice *f,
	    size_t *n);
/* Joins the batch's rows (j->rows) and writes the output lines; table:
 * the right side is a table's index and rows, not the batch's. */
void	join_batch(struct join *, struct obuf *, const struct ht *tidx,
	    const struct jrows *trows);
/* One output line: l or r (not both) may be NULL, an outer row. */
void	join_put(const struct join *, struct obuf *, const struct slice *l,
	    const struct slice *r);
/* A row's fields. */
static inline struct slice *
jrow_fields(const struct jrows *rs, size_t i)
{
	return rs->f + i * rs->nf;
}

#endif
