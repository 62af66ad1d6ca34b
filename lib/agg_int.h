/*
 * agg_int: the insides of an aggregation table, shared by the agg*.c files
 * and win.c only. Tools use agg.h.
 */
#ifndef SK_AGG_INT_H
#define SK_AGG_INT_H

#include <stdlib.h>

#include "agg.h"
#include "buf.h"
#include "cell.h"
#include "cut.h"

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
	uint32_t	 saved_epoch;	/* t->epoch at the last snapshot: groups
					 * updated at or after it changed */
	int		 track;		/* keys kept in removed and changed */
	struct obuf	 removed;	/* since the last snapshot */
	uint64_t	 nremoved;
	struct obuf	 changed;	/* the keys updated since, in bin form
					 * (once each, unless removed and back) */
	struct schema	 sc;		/* of the input */
	struct rec	 r;
	struct scanner	 scan;		/* cuts the input's lines into r */
	int		 bound;
	struct val	*vals;		/* one per aggregation, per record */
	char		*kbuf, *dbuf;
	size_t		 kcap, dcap;
};

/* Frees the text of g's cells (before g is dropped or refilled). */
static inline void
agg_group_free(const struct agg_table *t, struct group *g)
{
	size_t k;

	for (k = 0; k < t->spec->ndefs; k++)
		free(g->c[k].s);
}

/* "count", "sum", ...: the option's name. */
const char *agg_kind_name(enum agg_kind);
/* The index of the --label of key k, or nlabels if it has none. */
size_t	agg_label_of(const struct agg_spec *, const char *k, size_t n);
/*
 * The key of a record's group, of its fields cols (--by's columns in it).
 * One key field: its bytes, in place; several: each as a 4-byte length
 * and bytes, in t->kbuf.
 */
const char *agg_key(struct agg_table *, const struct rec *, const long *cols,
	    size_t *klen);
/* Writes the groups of t that cand lists (top N or key order). */
void	agg_emit_groups(struct agg_table *, struct obuf *, struct group **,
	    size_t, int flag);

#endif
