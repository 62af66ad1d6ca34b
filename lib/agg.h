/*
 * agg: the grouping and aggregation vocabulary shared by stream-reduce,
 * stream-state and stream-window: --by, --count, --sum, --min, --max, --avg,
 * --first, --last, --distinct, --top, --order, --name, --where, --label.
 * An agg_spec holds the
 * parsed options; an agg_table holds one group per key (in an ht) with one
 * cell per aggregation. The table owns its groups and their string copies.
 */
#ifndef SK_AGG_H
#define SK_AGG_H

#include <getopt.h>

#include "cell.h"
#include "expr.h"
#include "ht.h"
#include "rec.h"

struct agg_def {
	enum agg_kind	 kind;
	char		*name;		/* the output field */
	struct expr	*e;		/* NULL for --count */
};

struct agg_spec {
	char		**by;
	long		 *bycol;
	size_t		  nby;
	struct agg_def	 *defs;
	size_t		  ndefs;
	long long	  top;		/* 0: every group */
	char		 *order;	/* --order NAME, or NULL: the first */
	size_t		  orderidx;
	char		 *name;		/* --name */
	struct expr	 *where;	/* --where: records that count */
	char		**lkeys, **lnames;	/* --label KEY=NAME, in order */
	size_t		  nlabels;
	const char	 *extra;	/* a last field of the tool's, or NULL */
};

/* Long option codes of the vocabulary, above any tool's own. */
enum {
	AGG_OPT_BY = 1000, AGG_OPT_COUNT, AGG_OPT_SUM, AGG_OPT_MIN, AGG_OPT_MAX,
	AGG_OPT_AVG, AGG_OPT_FIRST, AGG_OPT_LAST, AGG_OPT_DISTINCT,
	AGG_OPT_COLLECT, AGG_OPT_TOP,
	AGG_OPT_ORDER, AGG_OPT_NAME, AGG_OPT_WHERE, AGG_OPT_LABEL
};

#define AGG_LONGOPTS \
	{ "by", required_argument, NULL, AGG_OPT_BY }, \
	{ "count", no_argument, NULL, AGG_OPT_COUNT }, \
	{ "sum", required_argument, NULL, AGG_OPT_SUM }, \
	{ "min", required_argument, NULL, AGG_OPT_MIN }, \
	{ "max", required_argument, NULL, AGG_OPT_MAX }, \
	{ "avg", required_argument, NULL, AGG_OPT_AVG }, \
	{ "first", required_argument, NULL, AGG_OPT_FIRST }, \
	{ "last", required_argument, NULL, AGG_OPT_LAST }, \
	{ "distinct", required_argument, NULL, AGG_OPT_DISTINCT }, \
	{ "collect", required_argument, NULL, AGG_OPT_COLLECT }, \
	{ "top", required_argument, NULL, AGG_OPT_TOP }, \
	{ "order", required_argument, NULL, AGG_OPT_ORDER }, \
	{ "name", required_argument, NULL, AGG_OPT_NAME }, \
	{ "where", required_argument, NULL, AGG_OPT_WHERE }, \
	{ "label", required_argument, NULL, AGG_OPT_LABEL }

/* Takes one option of the vocabulary; returns 1 if it was one. */
int	agg_option(struct agg_spec *, int opt, const char *arg, const char *usage);
/* Checks the options as a whole (names, --order); fails with usage. */
void	agg_validate(struct agg_spec *, const char *usage);
/* Binds fields and expressions to a schema; returns NULL or a missing name. */
const char *agg_bind(struct agg_spec *, const struct schema *);
/* Writes the #stream and #fields lines of the result; extra, if not NULL,
 * names one more field after the aggregations. */
void	agg_put_header(struct obuf *, const struct agg_spec *);
/* A #types line of the table's input (the whole line): taken, and the
 * result's #types written to o; -1 if it does not fit the #fields (then
 * nothing is written). */
struct agg_table;
int	agg_types(struct agg_table *, const char *line, size_t len,
	    struct obuf *o);
/* Writes the #types of the result, given the input's schema (if typed). */
void	agg_put_types(struct obuf *, const struct agg_spec *,
	    const struct schema *in);

struct agg_table;

struct agg_table *agg_table_new(struct agg_spec *);
void	agg_table_free(struct agg_table *);
/* The keys (groups) the table holds. */
size_t	agg_keys(const struct agg_table *);
/* Adds a record; returns 0, or -1 (reported as from line of src, which may
 * be NULL, and nothing changed). */
int	agg_add(struct agg_table *, const struct rec *, const char *src,
	    uint64_t line);
/* Takes a #fields line: the fields the aggregations read from now on.
 * Dies if one is missing. src names the input (NULL: standard input). */
void	agg_schema(struct agg_table *, char *line, size_t len, const char *src);
/* Adds a data line that agg_run's scanner cut into nf fields (seen: its
 * attention bits): agg_add, after binding the fields if no #fields came
 * first (a headerless input's fields are named 1, 2, ...). */
int	agg_add_line(struct agg_table *, char *line, size_t len, size_t nf,
	    unsigned seen, const char *src, uint64_t lineno);
/* Writes the groups: the top N by --order, or all in key order; flag >= 0
 * adds a last field with that value (0 or 1). */
void	agg_emit(struct agg_table *, struct obuf *, int flag);
/* The same for the groups that the current batch updated. */
void	agg_emit_touched(struct agg_table *, struct obuf *, int flag);
/* Ends the current batch, whose time is bt: its groups were updated at bt. */
void	agg_close_batch(struct agg_table *, int64_t bt);
/* Removes the groups not updated for more than timeout before bt, writing
 * them (flag 1) to removed if it is not NULL; returns how many. */
size_t	agg_expire(struct agg_table *, int64_t bt, int64_t timeout,
	    struct obuf *removed);
void	agg_clear(struct agg_table *);
/* Loads groups from a record stream whose fields are named as the keys and
 * aggregations (what --emit all writes): for --count, --sum, --min, --max,
 * --first and --last. Returns NULL or why it failed (reported). */
const char *agg_load_initial(struct agg_table *, int fd, const char *src);
/*
 * The loop of an aggregating tool: records from ib go into t; at #end T,
 * batch(arg, T, 1) writes the batch, then #end goes on; a stream with no
 * batches is one, written with batch(arg, 0, 0) at its end. Control lines
 * pass through in order (#stream, the input's shape, does not), each shown
 * first to control(arg, ...) if it is set. An input that ends inside a
 * batch is fatal: nothing of that batch is written.
 */
struct item;
struct agg_loop {
	/* batch T is complete (timed 0: the one batch of a plain file);
	 * returns whether its #end goes on (a window writes only at slides) */
	int	(*batch)(void *arg, int64_t t, int timed);
	/* stateful tools: the keys held after a batch, said on its #end as
	 * state_attr=K (stream-records(5)); NULL for none */
	int64_t	(*keys)(void *arg);
	const char *state_attr;
	void	(*control)(void *arg, const struct item *);	/* control lines */
	void	*arg;
};

void	agg_run(struct agg_table *, struct ibuf *, struct obuf *,
	    const char *src, const struct agg_loop *);

/* Snapshots of the whole table, for the checkpoint: write, read back
 * (agg_restore returns NULL or why the bytes do not fit this table). */
void	agg_save(const struct agg_table *, struct obuf *);
const char *agg_restore(struct agg_table *, const void *, size_t);
/* The same from the middle of a larger snapshot: the reader moves past. */
const char *agg_restore_bin(struct agg_table *, struct bin *);

/*
 * Incremental snapshots (stream-state --checkpoint-full-every): the groups
 * updated and the keys removed since the last snapshot (agg_saved), and
 * those applied over a restored table. A table with --distinct keeps full
 * snapshots only.
 */
void	agg_track_changes(struct agg_table *);
void	agg_save_delta(const struct agg_table *, struct obuf *);
const char *agg_apply_delta(struct agg_table *, const void *, size_t);
/* A snapshot of the table was written: changes count from now. */
void	agg_saved(struct agg_table *);

#endif
