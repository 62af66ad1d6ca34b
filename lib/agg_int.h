/*
 * agg_int: the insides of an aggregation table, shared by agg.c and win.c
 * only. Tools use agg.h.
 */
#ifndef SK_AGG_INT_H
#define SK_AGG_INT_H

#include "agg.h"
#include "cut.h"

/* 48 bytes: a struct dec would pad its scale to 16 (README.md here). */
struct cell {
	i128		 m;	/* sum; min or max when a number: m / 10^scale */
	int64_t		 n;	/* count of values (records for --count) */
	char		*s;	/* min, max, first, last when text */
	uint32_t	 slen, scap;
	int8_t		 scale;
	int8_t		 t;	/* enum vtype of m or s; V_NULL: none yet */
};

static inline struct dec
cell_dec(const struct cell *c)
{
	struct dec d = { c->m, c->scale };

	return d;
}

static inline void
cell_set_dec(struct cell *c, struct dec d)
{
	c->m = d.m;
	c->scale = (int8_t)d.scale;
}

/* A group's key follows it in the arena: ht_key(). */
struct group {
	uint64_t	id;	/* for --distinct */
	int64_t		last;	/* batch time of the last update */
	int64_t		nrec;	/* records in it (a window drops it at 0) */
	uint32_t	epoch;	/* the batch that last updated it */
	struct cell	c[];
};

struct agg_table {
	struct agg_spec	*spec;
	struct ht	 groups;
	struct ht	 distinct;	/* (group id, aggregation, value) */
	uint64_t	 nextid;
	uint32_t	 epoch;		/* batches closed so far, plus one */
	struct group	**touched;	/* the groups this batch updated */
	size_t		 ntouched, captouched;
	int		 initial;	/* groups from agg_load_initial, unstamped */
	struct schema	 sc;		/* of the input */
	struct rec	 r;
	struct scanner	 scan;		/* cuts the input's lines into r */
	int		 bound;
	struct val	*vals;		/* one per aggregation, per record */
	char		*kbuf, *dbuf;
	size_t		 kcap, dcap;
};

/* A cell in a snapshot: written; read back in place (c->s points into the
 * snapshot), each field checked against what a cell can hold (b->bad set
 * when one does not fit). */
void	cell_put(struct obuf *, const struct cell *);
void	cell_get(struct bin *, struct cell *);
/* A scale read back: 0 to DEC_MAXSCALE, or b->bad set. */
int8_t	cell_get_scale(struct bin *);
/* The value of aggregation d of a cell, as the output shows it. */
void	cell_value(const struct agg_def *, const struct cell *, struct val *);
/* Makes c hold v (numbers, or a copy of text). */
void	cell_store(struct cell *, const struct val *);
/* Adds v to the comma-separated list in c (--collect). */
void	cell_append(struct cell *, const struct val *);
/* Orders two values held in cells: numbers before text, text bytewise. */
int	cell_cmp(const struct cell *, const struct cell *);
/* Writes the groups of t that cand lists (top N or key order). */
void	agg_emit_groups(struct agg_table *, struct obuf *, struct group **,
	    size_t, int flag);

#endif
