/*
 * journal: the lines of a live source that acknowledges what it has taken
 * before the batch holding it is logged (MQTT's QoS 1: once the broker has
 * the PUBACK it forgets the message). DIR/journal holds, from the batch
 * last logged (lib/ck_log) on, every line taken, written and synced before
 * its message is acknowledged; when the next batch is logged, the journal
 * starts again. A restart takes the journal's lines again when it names
 * the batch the log ends with (they are the open batch's), and knows the
 * messages taken last, which the broker sends again if their
 * acknowledgement did not reach it, by their id and contents: the lines
 * of such a message that were taken are taken once. Every entry carries its CRC-32; the file is
 * read as hostile (a regular file, never a link, lengths checked), and a
 * torn end is where it ends.
 */
#ifndef SK_JOURNAL_H
#define SK_JOURNAL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A message whose lines were taken, from its first. */
struct journal_msg {
	int		 mid;
	uint64_t	 hash;		/* of its topic and payload */
	uint64_t	 taken;		/* lines taken */
};

struct journal {
	int		 on_disk;	/* 0: kept in memory only */
	int		 fd;
	char		 path[PATH_MAX], tmp[PATH_MAX];
	int64_t		 logged;	/* the batch it starts after */
	int64_t		 file_logged;	/* that of the file read */
	struct obuf	 out;		/* entries not written yet */
	struct obuf	 file;		/* a new journal being made */
	struct journal_msg *recent;	/* taken lately: may come again */
	size_t		 nrecent, crecent;
	struct journal_msg *again;	/* after a restart: may come again */
	size_t		 nagain, cagain;
	/* a restart's lines, taken again */
	char		*replay;
	size_t		 replay_len, replay_at, replay_next;
	int		 replaying;
};

/* Reads DIR/journal, as soon as the checkpoint is held and before
 * anything is published: the lines it holds and the messages that may
 * come again. A link or a file that is not regular is refused (exit 1);
 * damage is reported and ends it. With dir NULL, a journal in memory: it
 * knows what is sent again after a reconnection, and keeps nothing. */
void	journal_open(struct journal *, const char *dir);
/* The log ends with batch `logged` (CK_NONE: none): the journal's lines
 * are to take again if it started after that batch; a new journal is made,
 * holding them and the messages that may come again. */
void	journal_start(struct journal *, int64_t logged);
/* The next line to take again (in the order first taken): 1, or 0 at the
 * end. key is the message's topic. */
int	journal_next(struct journal *, const char **key, size_t *keylen,
	    const char **line, size_t *n);
/* A message has come: how many of its first lines were taken before a
 * restart (0: none; it is new). */
uint64_t journal_again(struct journal *, int mid, uint64_t hash);
/* One line of message mid was taken. */
void	journal_add(struct journal *, int mid, uint64_t hash, const char *key,
	    size_t keylen, const char *line, size_t n);
/* Before acknowledgements go out: what was taken is written and synced
 * (dies on an error, naming the file). */
void	journal_sync(struct journal *);
/* The connection is lost: what was not known acknowledged may come again. */
void	journal_reconnect(struct journal *);
/* Batch `logged` is logged: the journal starts again after it. */
void	journal_reset(struct journal *, int64_t logged);
void	journal_close(struct journal *);

#endif
