/*
 * union: stream-sink's inputs, one or more record streams read as they are
 * ready (poll), merged by batch time (DStream union): batch T is published
 * once every input has completed it, with each input's part in the order
 * the inputs were given. A plain file of records is one batch with no
 * time; it cannot be merged with streams of batches, nor committed. An
 * input that breaks (lib/stream) stops the union: what every input had
 * completed is published, nothing after it.
 *
 * For lib/merge (a tool's file operands) it keeps records, not rendered
 * lines: each part's data lines with the #at lines that place them in the
 * user's files (an input without #at lines is placed in itself), the first
 * input's #checkpoint lines and every input's unknown control lines; the
 * inputs must have the same #fields and #types.
 */
#ifndef SK_UNION_H
#define SK_UNION_H

#include <stdint.h>

#include "buf.h"
#include "format.h"
#include "pos.h"
#include "rec.h"
#include "stream.h"

struct batch {
	int64_t		 t;		/* NO_TIME: a plain file's */
	struct obuf	 body;		/* rendered lines */
	struct obuf	 raw;		/* the data lines as they came (keep_raw,
					 * records) */
	struct pos_mark	 mark;		/* records: the last #at in raw */
	uint64_t	 nrec;
	int64_t		 n, made;	/* #end n= and made=, or -1 */
	int64_t		 late, bad;	/* #end late= and bad=, or 0 */
	uint64_t	 schema;	/* the input's schemas seen by then */
	char		*state;		/* #end state.ID=K..., or NULL */
	char		*sname;		/* the stream's shape then */
	long		 keys, top;
	int		 labels;
	struct batch	*next;
};

struct input {
	const char	*name;
	struct ibuf	 ib;
	struct sreader	 sr;
	struct shape	 sh;
	struct rec	 r;
	struct batch	*open;		/* being filled */
	struct batch	*head, *tail;	/* complete, waiting for the others */
	uint64_t	 schemas;	/* #fields lines seen */
	struct pos	 at;		/* records: the input's own #at */
	uint64_t	 at_id;		/* records: where at came from */
	int		 done;
};

struct sunion {
	struct input	 *in;
	size_t		  n;
	enum format	  format;
	int		  keep_raw;	/* --view: keep each batch's lines */
	int		  raw_only;	/* stream-join: only those, not
					 * rendered */
	int		  committing;	/* --checkpoint: no plain files */
	int		  records;	/* records kept as they came too (lib/merge,
					 * stream-sink --format records) */
	int		  merging;	/* lib/merge: a broken input is
					 * u->broken, not the end */
	char		 *fields, *types;	/* records: the first input's */
	const char	 *fields_name;	/* records: which input that was */
	const char	 *broken;	/* records: an input that broke (the
					 * union stops after what all had
					 * completed) */
	/* batch t is complete in every input: parts[i] is input i's, or
	 * NULL if it has none */
	void		(*publish)(void *, int64_t t, struct batch **parts);
	void		 *arg;
	const char	 *first_name;	/* the first #interval seen, and where */
	int64_t		  first_interval;
	int64_t		  every;	/* the first #checkpoint every=, or 0 */
};

/* Opens the inputs (argc words of argv; none: standard input; "-" is
 * standard input): dies naming one that cannot be opened. */
void	union_open(struct sunion *, int argc, char *const argv[]);
/* The same, on n open descriptors named names[i] in messages. */
void	union_open_fds(struct sunion *, size_t n, const int *fds,
	    const char *const *names);
/* Reads every input to its end, publishing each batch once complete. */
void	union_run(struct sunion *);
/* records: a stream's header, as the first input's: its #stream line
 * (keys=, top=, name=, labels=), then union_put_header's. */
void	union_put_stream(const struct sunion *, struct obuf *);
/* records: the #fields, #types and #interval of the inputs, as lines. */
void	union_put_header(const struct sunion *, struct obuf *);
/* records: batch t as a stream of records: the parts' lines (with their
 * #at), then one #end T (n= the sum, made= the latest, late=, bad= and
 * state.ID= added). */
void	union_put_batch(const struct sunion *, struct obuf *, int64_t t,
	    struct batch **parts);
/* The #end T of a batch made of the parts: n= their sum, made= the
 * latest, late= and bad= summed (plus late and bad), state.ID= added, and extra
 * (attributes, TAB-separated; may be NULL) after them. */
void	union_put_end(const struct sunion *, struct obuf *, int64_t t,
	    struct batch **parts, int64_t late, int64_t bad,
	    const char *extra);
/* The shapes of the inputs, for fmt_json_time_key. */
const char *union_json_time_key(const struct sunion *);

#endif
