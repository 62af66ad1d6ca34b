/*
 * union: stream-sink's inputs, one or more record streams read as they are
 * ready (poll), merged by batch time (DStream union): batch T is published
 * once every input has completed it, with each input's part in the order
 * the inputs were given. A plain file of records is one batch with no
 * time; it cannot be merged with streams of batches, nor committed. An
 * input that breaks (lib/stream) stops the union: what every input had
 * completed is published, nothing after it.
 */
#ifndef SK_UNION_H
#define SK_UNION_H

#include <stdint.h>

#include "buf.h"
#include "format.h"
#include "rec.h"
#include "stream.h"

struct batch {
	int64_t		 t;		/* NO_TIME: a plain file's */
	struct obuf	 body;		/* rendered lines */
	struct obuf	 raw;		/* the data lines as they came (keep_raw) */
	uint64_t	 nrec;
	int64_t		 n, made;	/* #end n= and made=, or -1 */
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
	int		 done;
};

struct sunion {
	struct input	 *in;
	size_t		  n;
	enum format	  format;
	int		  keep_raw;	/* --view: keep each batch's lines */
	int		  committing;	/* --checkpoint: no plain files */
	/* batch t is complete in every input: parts[i] is input i's, or
	 * NULL if it has none */
	void		(*publish)(void *, int64_t t, struct batch **parts);
	void		 *arg;
	const char	 *first_name;	/* the first #interval seen, and where */
	int64_t		  first_interval;
};

/* Opens the inputs (argc words of argv; none: standard input; "-" is
 * standard input): dies naming one that cannot be opened. */
void	union_open(struct sunion *, int argc, char *const argv[]);
/* Reads every input to its end, publishing each batch once complete. */
void	union_run(struct sunion *);
/* The shapes of the inputs, for fmt_json_time_key. */
const char *union_json_time_key(const struct sunion *);

#endif
