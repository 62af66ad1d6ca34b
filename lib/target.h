/*
 * target: where stream-sink publishes a batch, behind one interface. The
 * sink hands every complete batch (its parts, one per input, from
 * lib/union) to each of its targets in turn; then, with --checkpoint, it
 * commits the batch, with the mark of the target that has one (the size
 * of the --append file), so that a restart neither loses nor repeats it.
 * Targets: a directory a batch (--dir, saveAsTextFiles), a file appended
 * to (--append), standard output (the default), DStream.print (--print),
 * a live view (--view), a command run on every batch (--exec), tables of
 * a SQLite database (--sqlite), a Kafka topic (--kafka).
 */
#ifndef SK_TARGET_H
#define SK_TARGET_H

#include <limits.h>
#include <stdint.h>

#include "buf.h"
#include "ck.h"
#include "kafka.h"
#include "retry.h"
#include "rec.h"
#include "union.h"

struct target;
struct target_ops {
	/* publishes batch t (NO_TIME: a plain file's one batch) */
	void	(*publish)(struct target *, int64_t t, struct batch **parts);
	/* what a commit records of it (a size), or -1 for nothing */
	int64_t	(*mark)(struct target *);
	void	(*close)(struct target *);
};
struct target {
	const struct target_ops	*ops;
	const struct sunion	*u;	/* the inputs: how many, their shapes */
	struct obuf		*out;	/* standard output */
	int			 durable;	/* synced before a commit */
};
/* The ops of a target with no mark, or nothing to close. */
int64_t	target_no_mark(struct target *);
void	target_no_close(struct target *);

/* --dir prefix [--suffix s]: one directory a batch, made whole elsewhere
 * and renamed into place (part-00000 and _SUCCESS). Opening makes the
 * parent and removes what killed sinks left there. */
struct target_dir {
	struct target	 t;
	const char	*prefix, *suffix;
	struct obuf	 part;
};
void	target_dir_open(struct target_dir *, const char *prefix,
	    const char *suffix);

/* --append file: each line with its batch time, synced; a restart cuts
 * the file back to its committed size (target_append_recover). With
 * --format records the file is one stream of records: its header once,
 * each batch with its #end, and #eos after the last batch of a run that
 * ended well, which the next run (opening it) takes off again. */
struct target_append {
	struct target	 t;
	const char	*path;
	struct obuf	 buf;
	int		 head;		/* --format records: the header is in */
};
void	target_append_open(struct target_append *, const char *path);
/* committed, with the bytes a commit stored (extra, n): the file is cut
 * to the size then; at the first start, its size is committed first. */
void	target_append_recover(struct target_append *, const struct ck *,
	    int64_t committed, const void *extra, size_t n);

/* --exec cmd: sh -c cmd once a batch, the batch's lines (without their
 * batch time) on its standard input, STREAM_BATCH_TIME and
 * STREAM_BATCH_RECORDS in its environment (foreachBatch). A command that
 * fails stops the sink with its status, the batch not committed. */
struct target_exec {
	struct target	 t;
	const char	*cmd;
};
void	target_exec_open(struct target_exec *, const char *cmd);

/* --sqlite db --table name[,name...] --mode append|update|complete
 * [--key fields]: each input's records in a table of a SQLite database
 * (WAL), a batch one transaction with its time in streamkit_commits, so a
 * reader sees whole batches and a restart with a checkpoint skips what the
 * database has. */
enum tsq_mode { TSQ_APPEND, TSQ_UPDATE, TSQ_COMPLETE };
struct tsq_table {
	char			*name;
	const struct schema	*sc;		/* its input's fields */
	const char		*time_col;	/* the batch time's column */
	long			 removed;	/* update: `removed`, or -1 */
	long			*keys;		/* update: the key fields */
	size_t			 nkeys;
	struct sqlite3_stmt	*insert, *remove;
	int			 open;
};
struct target_sqlite {
	struct target		 t;
	const char		*path, *keys;
	enum tsq_mode		 mode;
	struct tsq_table	*tables;	/* one an input */
	struct sqlite3		*db;
	struct sqlite3_stmt	*commit;
	int64_t			 committed;	/* in the database, or NO_TIME */
	struct rec		 r;
};
/* The mode named name, or -1. */
int	target_sqlite_mode(const char *name);
/* Opens the database (after add_target: t.u and t.durable are set); dies
 * naming it if it cannot. Returns what is wrong with the table names (a
 * usage error), or NULL. */
const char *target_sqlite_open(struct target_sqlite *, const char *path,
	    const char *tables, enum tsq_mode, const char *keys);

/* --kafka brokers --topic t [--key fields] [--transactional-id id]
 * [-X key=value]: each line standard output would get (without its
 * newline) a message of topic t, with a header batch_time, keyed by the
 * fields' values (joined by commas) if --key names them, sent by the
 * idempotent producer. With a transactional id a batch is one Kafka
 * transaction; with --checkpoint its batch time is committed in the same
 * transaction (the group streamkit-sink.ID, send_offsets_to_transaction),
 * so that a restart skips what Kafka has, as --sqlite skips what the
 * database has. A message not delivered stops the sink, exit 1, the batch
 * not committed. */
struct target_kafka {
	struct target		 t;
	const char		*brokers, *topic, *keys, *txid;
	int32_t			 partition;	/* -1: by the key */
	char			*namebuf;	/* keys, cut at its commas */
	char			**names;
	size_t			 nnames;
	const struct kafka_props *x;
	struct rd_kafka_s	*rk;
	struct rd_kafka_consumer_group_metadata_s *cgmd;
	char			*group;		/* where the batch time goes */
	int64_t			 committed;	/* in Kafka, or NO_TIME */
	struct obuf		 lines, key;
	struct rec		 r;
	char			*copy;		/* a record's line, to split */
	size_t			 ccopy;
	int			 down;		/* all brokers down */
	char			 why[256];	/* the first message lost */
	struct retry		 retry;
};
/* Connects (after add_target), waiting for a cluster that is down, and
 * with a checkpoint learns what Kafka has committed; dies if it cannot. */
void	target_kafka_open(struct target_kafka *, const char *brokers,
	    const char *topic, const char *keys, int32_t partition,
	    const char *txid, const struct kafka_props *);

/* Standard output: each line with its batch time. */
void	target_stdout_open(struct target *);

/* --print [n]: the first n lines of a batch under its time (DStream.print);
 * --view: a live dashboard on a terminal, else one plain line a batch. */
struct target_view {
	struct target	 t;
	long long	 print_n;	/* --print; -1: --view */
	int		 tty;
	int64_t		 last;		/* wall-clock ms of the last view */
};
void	target_print_open(struct target_view *, long long n);
void	target_view_open(struct target_view *, int tty);

#endif
