/*
 * dedup: stream-state --dedup, dropDuplicates. The records pass through,
 * except a record whose key fields equal those of one that passed before:
 * for ever, or with --within DUR only if their event times are at most
 * DUR apart (dropDuplicatesWithinWatermark). A key is kept while a record
 * still to come could be its duplicate: after batch T every record still
 * to come has a time at or after T (the watermark), so a key whose record
 * passed at t goes once t + DUR < T; memory follows the keys of the last
 * DUR. The records dropped are counted in their batch's #end (dup=).
 */
#ifndef SK_DEDUP_H
#define SK_DEDUP_H

#include <stdint.h>

#include "buf.h"
#include "ht.h"
#include "rec.h"

struct dedup {
	char		**key;		/* --dedup: the key fields */
	size_t		  nkeys;
	const char	 *time;		/* --event-time, or NULL */
	int64_t		  within;	/* --within, or -1: for ever */
	size_t		 *kcol;
	long		  tcol;
	size_t		  nf;		/* the input's fields */
	struct ht	  seen;		/* key -> the time of the record that
					 * passed (int64_t) */
	int64_t		  wm;		/* the watermark, or INT64_MIN */
	struct slice	 *f;
	struct obuf	  kb;
	uint64_t	  dup, late, bad;	/* in the open batch */
};

/* Sets the key fields from a list; NULL, or why it is not one. */
const char *dedup_keys(struct dedup *, char *list);
void	dedup_init(struct dedup *, int64_t within, const char *time);
void	dedup_free(struct dedup *);
/* A #fields line (the whole line): finds the key and time fields, or dies
 * naming the input. */
void	dedup_schema(struct dedup *, char *line, size_t len, const char *src);
/* Whether a data line passes (1) or is dropped (0); src and lineno place
 * it for a message about a time that is not one. */
int	dedup_record(struct dedup *, char *line, size_t len, const char *src,
	    uint64_t lineno);
/* After batch bt: the keys no later record can repeat are let go. */
void	dedup_batch(struct dedup *, int64_t bt);
/* The keys held. */
size_t	dedup_keys_held(const struct dedup *);
/* The tool's loop: records in, the ones that pass out, every #end with
 * dup=, late=, bad= added and state_attr set to the keys held; batch(arg,
 * T) runs after batch T's keys are let go, before its #end is written
 * (the checkpoint's barrier), control(arg, item) on every control line. */
struct item;
struct dedup_loop {
	void		 (*batch)(void *, int64_t);
	void		 (*control)(void *, const struct item *);
	const char	  *state_attr;
	void		  *arg;
};
void	dedup_run(struct dedup *, struct ibuf *, struct obuf *, const char *src,
	    const struct dedup_loop *);
/* Snapshot bytes, and back: NULL or why they do not fit. */
void	dedup_save(const struct dedup *, struct obuf *);
const char *dedup_load(struct dedup *, const void *, size_t);

#endif
