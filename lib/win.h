/*
 * win: a sliding window over batches, as reduceByKeyAndWindow with an
 * inverse function. Each batch enters as a pane (its groups' partial
 * aggregates); panes that leave are subtracted; a key whose window holds
 * no record any more is removed. --min and --max keep, per key, a deque of
 * the pane values that can still become the extreme, so nothing rescans
 * the window. Work per batch is proportional to the keys it and the leaving
 * pane touch. A struct win owns its tables, panes and deques.
 */
#ifndef SK_WIN_H
#define SK_WIN_H

#include "agg.h"

struct win;

/* Whether the window can keep this aggregation (NULL) or why not. */
const char *win_supports(const struct agg_def *);
struct win *win_new(struct agg_spec *, int64_t length);
/* --emit-removed: win_emit writes the keys that left the window since
 * the last emission after the others, flagged 1 (the others 0). */
void	win_emit_removed(struct win *);
/* The keys the window holds. */
size_t	win_keys(const struct win *);
void	win_free(struct win *);
/* Batch bt, aggregated in b (then cleared), enters; panes at or before
 * bt - length leave. */
void	win_add_batch(struct win *, struct agg_table *b, int64_t bt);
/* window(): panes of records instead of aggregates. Batch bt's data lines
 * enter; panes at or before bt - length leave. */
void	win_add_records(struct win *, const char *lines, size_t len, int64_t bt);
/* Writes the records of the window, oldest batch first. */
void	win_emit_records(const struct win *, struct obuf *);
/* Writes the window's groups: top N, or all in key order. */
void	win_emit(struct win *, struct obuf *);
/* Snapshots: the window's table, the deques and the panes. */
void	win_save(const struct win *, struct obuf *);
const char *win_restore(struct win *, const void *, size_t);

#endif
