/*
 * session: stream-window --session, session windows. A key's session is a
 * run of its records with no gap longer than GAP between their event
 * times. After batch T every record still to come has a time at or after
 * the watermark T - delay (an older one is late: left out and counted), so
 * a session whose last record is at e is complete once e + GAP is before
 * the watermark: it is written once, with its start, its end (its last
 * record's time) and the aggregations of the shared vocabulary over its
 * records in time order. Until then its records are kept (a record can
 * still join two sessions into one); memory follows the open sessions.
 */
#ifndef SK_SESSION_H
#define SK_SESSION_H

#include <stdint.h>

#include "agg.h"
#include "buf.h"
#include "ht.h"
#include "rec.h"

struct item;

struct session {
	struct agg_spec	*spec;		/* --by is the key */
	struct agg_table *agg;		/* a session's records, aggregated */
	const char	*time;		/* --event-time */
	int64_t		 gap, delay;	/* --session, --watermark */
	int		 updated;	/* --emit updated: open ones too */
	size_t		*kcol;		/* the key fields */
	long		 tcol;
	size_t		 nf;
	struct ht	 keys;		/* key -> struct skey */
	int64_t		 wm;		/* the watermark, or INT64_MIN */
	uint64_t	 seq;		/* records taken so far */
	uint64_t	 batch_seq;	/* the first of the open batch */
	uint64_t	 late, bad;	/* in the open batch */
	size_t		 held;		/* records kept */
	struct slice	*f;
	struct obuf	 kb, line, out1;
	struct rec	 r;
	char		*fields, *types;	/* the output's header lines */
};

void	session_init(struct session *, struct agg_spec *, int64_t gap,
	    int64_t delay, const char *time, int updated);
void	session_free(struct session *);
/*
 * The tool's loop: records in; at #end T, the sessions the watermark
 * closed (and with --emit updated the open ones the batch changed, with
 * a last field closed, 0 or 1), in the bytewise order of their keys, then
 * of start; then #end with late=, bad= and state_attr=K (the records held).
 * batch(arg, T) runs before the #end is written (the checkpoint's
 * barrier).
 */
struct session_loop {
	void		 (*batch)(void *, int64_t);
	void		 (*control)(void *, const struct item *);
	const char	  *state_attr;
	void		  *arg;
};
void	session_run(struct session *, struct ibuf *, struct obuf *,
	    const char *src, const struct session_loop *);
void	session_save(const struct session *, struct obuf *);
const char *session_load(struct session *, const void *, size_t);

#endif
