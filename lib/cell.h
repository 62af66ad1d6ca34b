/*
 * cell: what one aggregation keeps for one group: a count, an exact sum
 * or a number, or a text (min, max, first, last, collect), compared,
 * stored, shown as the output shows it, and written to a snapshot or a
 * window's pane and read back. The agg*.c files and win.c use it; tools
 * use agg.h.
 */
#ifndef SK_CELL_H
#define SK_CELL_H

#include <stdint.h>

#include "buf.h"
#include "dec.h"
#include "expr.h"

/* What an aggregation keeps (agg.h's --count, --sum, ...). */
enum agg_kind {
	AGG_COUNT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_AVG, AGG_FIRST, AGG_LAST,
	AGG_DISTINCT, AGG_COLLECT
};

/* 48 bytes: a struct dec would pad its scale to 16 (lib/README.md). */
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

/* Makes c hold v (numbers, or a copy of text). */
void	cell_store(struct cell *, const struct val *);
/* Adds v to the comma-separated list in c (--collect). */
void	cell_append(struct cell *, const struct val *);
/* Keeps v if it is beyond c: the least for sign -1 (--min), the greatest
 * for 1 (--max); numbers order below text. */
void	cell_extreme(struct cell *, const struct val *, int sign);
/* Orders two values held in cells: numbers before text, text bytewise. */
int	cell_cmp(const struct cell *, const struct cell *);
/* The value of a cell of an aggregation of kind k, as the output shows
 * it. */
void	cell_value(enum agg_kind k, const struct cell *, struct val *);

/*
 * A cell in a snapshot: cell_put writes it whole; cell_put_num only its
 * count and number (a sum's part in a window's pane). Read back by
 * cell_get and cell_get_num, in place (c->s points into the bytes), each
 * field checked against what a cell can hold (b->bad set when one does
 * not fit).
 */
void	cell_put(struct obuf *, const struct cell *);
void	cell_put_num(struct obuf *, const struct cell *);
void	cell_get(struct bin *, struct cell *);
void	cell_get_num(struct bin *, struct cell *);

#endif
