/*
 * ck_log: the source's part of the checkpoint (stream-checkpoint(5)). Before
 * batch T's #end, stream-split writes log-T: what the batch was made of
 * (byte ranges of files, or the bytes of an input that cannot be read
 * again) and the state to go on from (the clock, the schemas, where the
 * input stands, the files a watch has taken). A restart loads the log of
 * the pipeline's restore point and replays every logged batch after it,
 * exactly as it was first made. A watch with --checkpoint also keeps
 * `start`, the time of its first start and the files it skipped then.
 * Files are written, listed, checked and pruned by lib/ck; a log is
 * checked, not trusted: it names only this command's own files.
 */
#ifndef SK_CK_LOG_H
#define SK_CK_LOG_H

#include "buf.h"
#include "ck.h"
#include "src.h"

struct ck_log {
	struct ck_opts	  opts;
	struct ck	  ck;
	int64_t		  last_logged;
	struct obuf	  buf;
	uint64_t	  version;	/* of the log being read */
	struct reader	 *rd;
	struct src_watch *watch;	/* NULL: no watched directory */
	struct journal	 *journal;	/* a live source's, or NULL: opened by
					 * ck_log_restore, reset at each log */
	/* a source's own state, logged with each batch (where Kafka's
	 * partitions stand, and what the batch took of them): put writes
	 * it; get reads it back and, with feed, makes the batch again
	 * from it (version: the log's); NULL, or why it cannot be this
	 * command's */
	void		(*src_put)(void *, struct obuf *);
	const char	*(*src_get)(void *, struct bin *, int version,
			    int feed);
	void		 *src_arg;
	struct obuf	  src;
	char *const	 *operands;
	int		  noperands;
};

void	ck_log_init(struct ck_log *, struct reader *, struct src_watch *,
	    char *const *operands, int noperands);
/* The batcher's on_close: logs batch t unless a replay made it again. */
void	ck_log_batch(void *ck_log, int64_t t);
/* Opens the checkpoint (argc words of argv are the command), restores the
 * state of the restore point, writes the header and replays the logged
 * batches after it. Returns 1 at the very first start of the pipeline. */
int	ck_log_restore(struct ck_log *, int argc, char *argv[]);
/* A watch's start: the moment of the first start is durable before the
 * listing, and what it skipped after it. */
void	ck_log_watch_start(struct ck_log *, int first);

/* For another process (a group member, lib/group): the source's own
 * state logged with batch t in the source's directory dir, as b; the
 * bytes to free, or NULL if the log is not there (pruned) or does not
 * check. */
void	*ck_log_source_state(const char *dir, int64_t t, struct bin *b);

#endif
