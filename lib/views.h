/*
 * views: stream-parse's outputs. Standard output and each --tee file keep
 * the fields their --cut names (all by default); outputs that keep the
 * same fields share a view: one buffer, written to each of them (ob_tee).
 * A plain line (no byte to escape, no field rewritten elsewhere) is
 * written in runs: fields side by side in the line go out with one copy,
 * their separators made TABs, and a time field as its remembered ISO text.
 */
#ifndef SK_VIEWS_H
#define SK_VIEWS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pos.h"
#include "rec.h"
#include "spec.h"

struct output {
	const char	*path;		/* NULL: standard output */
	const char	*cut;		/* NULL: every field */
};

struct view {
	struct obuf	 ob;
	size_t		*cols;		/* the fields it writes, columns */
	size_t		 ncols;
	struct run {			/* for a plain line */
		size_t	first, last;	/* columns side by side in the line */
		int	time;		/* a time field, rewritten */
	}		*runs;
	size_t		 nruns;
	struct pos_mark	 mark;		/* the #at of the last record written */
};

struct views {
	struct view	*v;
	size_t		 n;
	struct spec	*spec;		/* its time fields' ISO text */
	char		 sep;		/* of a plain line's fields */
	struct obuf	 end;		/* an #end line with its bad= */
};

/*
 * The columns of sc a --cut list names (every one if list is NULL) in
 * *cols; returns how many, or dies with usage (a field not in sc, or one
 * named twice).
 */
size_t	views_columns(const struct schema *sc, const char *list, size_t **cols,
	    const char *usage);
/* Opens the outputs (the --cut lists checked already) and writes each
 * view's stream header, flushed. */
void	views_open(struct views *, const struct output *, size_t n,
	    const struct schema *sc, const char *usage);
/*
 * Writes record r (cut from a line of linelen bytes, read from source id's
 * file and line) to every view; plain: its fields lie as they are in the
 * line and need no escaping.
 */
void	views_record(struct views *, const struct rec *r, int plain,
	    size_t linelen, uint64_t id, const char *file, uint64_t line);
/* A control line to every view; #end is flushed at once. */
/* A control line to every output; an #end with bad lines rejected in its
 * batch added to its bad=. */
void	views_control(struct views *, const char *s, size_t n, enum ctl,
	    uint64_t bad);
void	views_flush(struct views *);
/* Flushes and closes every output: an error there is exit 1. */
void	views_close(struct views *);

#endif
