/*
 * ck: the checkpoint directory shared by the tools of one pipeline, as
 * stream-checkpoint(5) lays it out. Each tool owns DIR/<id>/: a lock, a
 * meta file naming its kind and command, and checksummed files written
 * atomically. Sinks commit batches; stateful tools (the source among them)
 * keep a restorable file per aligned batch; all tools agree on where to
 * restart by reading the same files. Buffers returned are the caller's.
 */
#ifndef SK_CK_H
#define SK_CK_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct option;

#define CK_NONE INT64_MIN	/* no batch */
#define CK_VERSION 1

enum ck_kind { CK_SOURCE, CK_STATE, CK_SINK };

struct ck {
	char		 root[PATH_MAX];
	char		 dir[PATH_MAX];
	enum ck_kind	 kind;
	int		 lockfd;
	long		 every;		/* a restorable file every N batches */
	int		 every_set;	/* given with --checkpoint-every */
	int64_t		 interval;	/* ms, from #interval; 0: unknown */
	int		 keep;		/* files kept at or before T_c */
	int64_t		 restored;	/* the snapshot loaded, or CK_NONE */
	int64_t		 frozen;	/* T_c at the start: no file at or
					 * before it is written again, so that
					 * every tool of a restart finds the
					 * same restore point */
	long		 full_every;	/* a full snapshot every N: the others
					 * hold the changes since the one
					 * before (1: every one is full) */
	long		 deltas;	/* since the last full one written */
	int64_t		 last_file;	/* the last snapshot written, or
					 * CK_NONE: the next one is full */
};

/* --checkpoint, --id and --checkpoint-every, as every tool spells them. */
struct ck_opts {
	const char	*root;		/* NULL: no checkpoint */
	const struct option *longopts;	/* the tool's: what its words mean */
	const char	*id;		/* NULL: the tool's name */
	long long	 every;		/* 0: not given */
	long long	 full_every;	/* 0: not given */
};

enum { CK_OPT_CHECKPOINT = 1100, CK_OPT_ID, CK_OPT_EVERY, CK_OPT_FULL_EVERY };

#define CK_LONGOPTS \
	{ "checkpoint", required_argument, NULL, CK_OPT_CHECKPOINT }, \
	{ "id", required_argument, NULL, CK_OPT_ID }
#define CK_EVERY_LONGOPT \
	{ "checkpoint-every", required_argument, NULL, CK_OPT_EVERY }
/* stream-state's: incremental snapshots */
#define CK_FULL_EVERY_LONGOPT \
	{ "checkpoint-full-every", required_argument, NULL, CK_OPT_FULL_EVERY }

/* Takes one of those options; returns 1 if it was one. */
int	ck_option(struct ck_opts *, int opt, const char *arg, const char *usage);
/* --id and --checkpoint-every need --checkpoint; fails with usage. */
void	ck_opts_check(const struct ck_opts *, const char *usage);

/*
 * Opens (creating) DIR/<id> for a tool of this kind run with the first argc
 * words of argv (the options, and for a source its operands too; the
 * options --checkpoint, --checkpoint-every and --id are left out): takes
 * the lock, or dies naming it; refuses a directory written by another
 * command.
 */
void	ck_open(struct ck *, const struct ck_opts *, const char *tool,
	    enum ck_kind, int argc, char *const argv[]);
/* Whether batch T gets a restorable file: (T / interval) % every == 0. */
int	ck_aligned(const struct ck *, int64_t t);
/* Writes DIR/<id>/name atomically with a header and checksum; dies on
 * I/O errors, naming the path. */
void	ck_put(const struct ck *, const char *name, const void *, size_t);
/* The same, written as it comes: begin, write (any number of times), end. */
struct ck_file {
	int		 fd;
	uint32_t	 crc;
	uint64_t	 len;
	char		 tmp[PATH_MAX], path[PATH_MAX];
	const char	*dir;
};
void	ck_file_begin(const struct ck *, const char *name, struct ck_file *);
void	ck_file_write(void *ck_file, const void *, size_t);
void	ck_file_end(struct ck_file *);
/* The name of the file of batch T: "snap-T", or "log-T" for a source. */
void	ck_name(const struct ck *, int64_t t, char *buf, size_t cap);
#define CK_HEADER 24	/* magic, version, length, crc32, reserved */
/* The header of a file whose payload has len bytes with this CRC-32. */
void	ck_header(unsigned char h[CK_HEADER], uint64_t len, uint32_t crc);
/* CRC-32 (as zlib's and gzip's), continued from crc: start with 0. */
uint32_t ck_crc32(uint32_t crc, const unsigned char *, size_t);
/* Reads a checksummed file: the payload, or NULL with *why set. */
void	*ck_get(const char *path, size_t *n, const char **why);
/* The committed batch T_c of the pipeline: the least over its sinks, or
 * CK_NONE if a sink has committed nothing (or there is no sink). */
int64_t	ck_committed(const char *root);
/* Where every tool restarts: the newest T <= tc at which every stateful
 * tool has a valid file, or CK_NONE to start over (dies if neither works). */
int64_t	ck_restore_point(const char *root, int64_t tc);
/* The file of batch T ("snap-T"; "log-T" for a source): write, read. */
void	ck_save(const struct ck *, int64_t t, const void *, size_t);
void	*ck_load(const struct ck *, int64_t t, size_t *n);
/* The same, NULL with *why if it is missing or does not check. */
void	*ck_read(const struct ck *, int64_t t, size_t *n, const char **why);
/* The batch of this tool's file after t (CK_NONE: its first), or CK_NONE. */
int64_t	ck_next(const struct ck *, int64_t t);
/* The batches of this tool's files after t (CK_NONE: all), oldest first,
 * in an array to free; *n of them. */
int64_t	*ck_after(const struct ck *, int64_t t, size_t *n);
/* Deletes this tool's files older than the newest `keep` at or before tc. */
void	ck_prune(const struct ck *, int64_t tc);
/* A sink: records T (and extra bytes) as committed. */
void	ck_commit(const struct ck *, int64_t t, const void *extra, size_t n);
/* A sink's own commit: T (CK_NONE if none), extra bytes into *extra. */
int64_t	ck_own_commit(const struct ck *, void **extra, size_t *n);

/*
 * A stateful tool's snapshots (stream-state, stream-window). load takes a
 * full snapshot's bytes, returning NULL or why they do not fit; save writes
 * one. A tool that keeps incremental snapshots (--checkpoint-full-every)
 * also has save_delta, which writes what changed since the last save
 * (either one), and apply, which applies such bytes to what load and the
 * earlier ones made; both NULL otherwise.
 */
struct ck_snap_ops {
	const char	*(*load)(void *, const void *, size_t);
	void		 (*save)(void *, struct obuf *);
	const char	*(*apply)(void *, const void *, size_t);
	void		 (*save_delta)(void *, struct obuf *);
	void		  *arg;
};

/* Opens the tool's directory and loads the snapshot of the pipeline's
 * restore point, if there is one: its full snapshot, then the increments
 * after it in order. */
void	ck_state_open(struct ck *, const struct ck_opts *, const char *tool,
	    int argc, char *const argv[], const struct ck_snap_ops *);
/* After batch bt: at aligned batches, writes the snapshot (full, or with
 * --checkpoint-full-every the changes since the last one), streamed to its
 * file, before the caller passes #end on. */
void	ck_state_batch(struct ck *, int64_t bt, const struct ck_snap_ops *);
/* #interval and #checkpoint every= from the source set the alignment. */
struct item;
void	ck_state_control(struct ck *, const struct item *);

#endif
