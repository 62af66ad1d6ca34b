/*
 * stream: reading and writing a record stream as stream-records(5) defines
 * it. Every tool reads its input through a struct sreader: each line it
 * reads (with ib_getline, or lib/cut's scanner on the hot path) becomes an
 * item, a data line or a control line with its attributes parsed and
 * checked (numbers overflow-checked); a control line that does not parse is
 * a broken stream, reported with the input's name and line, exit 1. At the
 * end of the input, sr_finish applies the one rule for a broken input:
 *
 * every tool starts its output with a #stream line and ends it with #eos,
 * so an input that began with #stream, or has had #interval or #end, is a
 * stream: if it ends without #eos, the tool before it failed, and nothing
 * of its unfinished batch may be published. So is an input that gave no
 * byte at all through a pipe, FIFO or socket: the tool before it died
 * before its header. Anything else (a plain file of records) is a batch
 * job: one batch that ends at its end.
 */
#ifndef SK_STREAM_H
#define SK_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rec.h"
#include "sig.h"

#define SR_NONE (-1)	/* an attribute that is absent */

/* One line of a record stream, what it is and what it says. */
struct item {
	enum ctl	 kind;
	char		*s;		/* the whole line */
	size_t		 n;
	int64_t		 t;		/* #end: the batch time */
	int64_t		 count;		/* #end n=, or SR_NONE */
	int64_t		 made;		/* #end made= (ms), or SR_NONE */
	int64_t		 late, bad;	/* #end late=, bad= (0 if absent) */
	int64_t		 interval;	/* #interval: ms, > 0 */
	int64_t		 every;		/* #checkpoint every=, > 0 */
	/* #stream: name= (NULL: none), top=, keys= (0 if absent), labels=1 */
	const char	*name;
	size_t		 namelen;
	int64_t		 top, keys;
	int		 labels;
};

/* How an input ends (see above). */
struct stream_end {
	int	header;		/* began with #stream */
	int	batched;	/* has had #interval or #end */
	int	eos;
	int	lines;		/* any line at all */
	int	pipe;		/* read from a pipe, FIFO or socket */
};

struct sreader {
	const char	*name;		/* for messages */
	const struct ibuf *ib;		/* where lines come from (its lineno) */
	struct stream_end end;
};

/* Starts reading ib, named name (fstat(2) of ib->fd says if it is a pipe;
 * -1 as fd: take it for a file). */
void	sr_init(struct sreader *, const struct ibuf *, const char *name);
/* Starts only the account of how input fd ends. */
void	stream_end_init(struct stream_end *, int fd);

/* A control line: what sr_item says of a line that starts with #. */
enum ctl sr_control(struct sreader *, char *s, size_t n, struct item *);

/* A line is seen: notes what it says of how the stream ends. */
static inline void
stream_note(struct stream_end *se, enum ctl c)
{
	if (c == CTL_STREAM && !se->lines)
		se->header = sig_stream = 1;	/* a first signal waits for #eos */
	se->lines = 1;
	if (c == CTL_END || c == CTL_INTERVAL)
		se->batched = 1;
	else if (c == CTL_EOS)
		se->eos = 1;
}

/* What line s is (the caller read it from sr->ib): fills *it; a malformed
 * control line dies (exit 1) with the input's name and line. */
static inline enum ctl
sr_item(struct sreader *sr, char *s, size_t n, struct item *it)
{
	if (n == 0 || s[0] != '#') {	/* the hot path: a data line */
		sr->end.lines = 1;
		it->kind = CTL_DATA;
		it->s = s;
		it->n = n;
		return CTL_DATA;
	}
	return sr_control(sr, s, n, it);
}

/* Whether the input read through ib (NULL: only what se saw) is broken;
 * bytes read count as input even if no line came of them. */
static inline int
stream_broken(const struct stream_end *se, const struct ibuf *ib)
{
	if (se->eos)
		return 0;
	return se->header || se->batched || (se->pipe && !se->lines &&
	    (ib == NULL || ib->base + ib->end == 0));
}

/* Why a broken input is broken, for the message after its name. */
const char *stream_broken_why(const struct stream_end *, const struct ibuf *);

/* At the end of the input: 0, or -1 if it is broken, reported as
 * "name: why" and more (may be NULL) after it. */
int	sr_finish(const struct sreader *, const char *more);

/* The end of a filter's input: if it is broken, what was written is
 * flushed and the tool exits 1 (no #eos: the next tool knows); else #eos
 * is written and flushed. */
void	sr_close(const struct sreader *, struct obuf *);
/* Writes the stream header, "#stream" and attrs (may be NULL), and flushes
 * it at once: a tool that dies after this leaves a stream without #eos,
 * which the next tool knows for broken. */
void	stream_put_header(struct obuf *, const char *attrs);
/* Writes "#end<TAB>T" plus attrs (may be NULL or empty) and a LF. */
void	put_end(struct obuf *, int64_t t, const char *attrs, size_t alen);

/* Writes the #end line s (n bytes, no LF) to o with attribute key's value
 * set to v, or if add increased by v (0 if absent): how late= and bad=
 * gather what each tool counted in a batch, and state.ID= says a stateful
 * tool's keys (stream-records(5)). */
void	end_put(struct obuf *, const char *s, size_t n, const char *key,
	    uint64_t v, int add);
/* Writes the #end line s with each nonzero count of keys[i] added (late=,
 * bad=, dup=: what a tool counted in the batch), state_attr=state set,
 * and a LF. */
void	end_put_counts(struct obuf *, const char *s, size_t n,
	    const char *const *keys, const uint64_t *counts, size_t nkeys,
	    const char *state_attr, uint64_t state);
/* The state.ID=K attributes of #end line s, TAB-separated (the caller's),
 * or NULL if it has none. */
char	*end_state(const char *s, size_t n);
/* The state.ID=K of several #end lines (as end_state gives them; NULL
 * for none) written once each, separated by sep: K summed over the lines
 * if sum (a merge of partitions, each its own state), else the largest (a
 * sink's inputs, branches of one stream); the "state." kept if prefix. */
void	state_merge(struct obuf *, char *const *states, size_t n, int sum,
	    int prefix, char sep);
/* The value of attribute key=value of a control line: 1 if found. */
int	stream_attr(const char *line, size_t len, const char *key,
	    const char **v, size_t *vn);

#endif
