/*
 * src: stream-split's sources, behind one interface. A source (standard
 * input, file operands, a watched directory; next: sockets, MQTT, Kafka)
 * says which descriptors to wait on and reads what is ready; every line it
 * reads goes through one reader, which knows where the input stands (the
 * position a restart resumes from), whether the input is raw text or a
 * record stream (its control lines, #fields, #at), and what the open batch
 * was made of: byte ranges of files, which a restart reads again, or the
 * bytes themselves of an input that cannot be read again (the write-ahead
 * log), for lib/ck_log to log.
 */
#ifndef SK_SRC_H
#define SK_SRC_H

#include <poll.h>
#include <signal.h>
#include <stdint.h>

#include "batcher.h"
#include "buf.h"
#include "ht.h"
#include "journal.h"
#include "kafka.h"
#include "pos.h"
#include "rate.h"
#include "retry.h"
#include "rec.h"
#include "stream.h"

/* Where the input stands: standard input or a file (an operand, or a
 * watched file: operand -1); off is where its next line starts. The
 * numbers are the log's (lib/ck_log). */
enum src_kind { SRC_NONE, SRC_STDIN, SRC_FILE };

struct position {
	enum src_kind	 kind;
	char		*path;
	int64_t		 operand;
	uint64_t	 off, datalines;
	int		 first;		/* the next line is the source's first */
	uint64_t	 id;		/* for #at: this source, entered once */
};

/* A byte range of a file that the open batch took. */
struct segment {
	char		*path;
	int64_t		 operand;	/* -1: a watched file */
	uint64_t	 start, end;
};

struct reader {
	struct batcher	*b;
	volatile sig_atomic_t *stop;	/* set: a signal came, stop reading */
	struct position	 cur;
	struct schema	 insc;		/* the schema being read */
	struct pos	 in_at;		/* a record stream's own #at */
	uint64_t	 pos_id;	/* names a source, or an #at read */
	struct sreader	 sr;		/* the current source as a stream */
	uint64_t	 long_seen;	/* its lines too long, so far */
	/* what the open batch was made of */
	int		 logging;	/* --checkpoint: keep it */
	int		 source_logs;	/* the source logs what it took itself
					 * (Kafka's offsets): no write-ahead log */
	struct segment	*segs;
	size_t		 nsegs;
	uint64_t	 seg_start;
	struct obuf	 wal;		/* standard input's bytes */
	/* the input read as it is ready */
	struct ibuf	 ib;
	int		 fd;		/* -1: none */
	const char	*live;		/* a live source's name (a socket's
					 * address), for messages; else stdin */
	struct rate	 rate;		/* --max-rate */
	int		 replaying;	/* logged batches made again: unpaced */
	int64_t		 stop_at;	/* --stop-after: the time to stop (ms) */
	size_t		 record_size;	/* --record-size: binary records of
					 * this many bytes, taken as hex */
	char		*hex;
	struct obuf	 live_line;	/* rd_live_line's copy */
	uint64_t	 live_lines;
};

void	rd_init(struct reader *, struct batcher *, volatile sig_atomic_t *stop,
	    int logging);
void	rd_free(struct reader *);
/* Starts reading a source at off (0: its start). */
void	rd_enter(struct reader *, enum src_kind, const char *path,
	    int64_t operand, uint64_t off);
/* Takes one line read from ib, which began at offset before; returns 1 at
 * the #eos of a record stream. */
int	rd_line(struct reader *, struct ibuf *, char *s, size_t n,
	    uint64_t before);
/* The source is read through: dies if it broke (a record stream without
 * #eos, or a pipe that gave nothing), leaving the open batch unclosed. */
void	rd_ended(struct reader *, const struct ibuf *);
/* An input cannot be read: the stream fails (exit 1, no #eos). */
void	rd_fail(struct reader *) __attribute__((noreturn));
/* Reads fd (the current source) from cur.off up to limit, or through to
 * its end (UINT64_MAX) as a blocking read. */
void	rd_read_through(struct reader *, int fd, uint64_t limit);
/* Reads the file path as a source from off up to limit: 0, or -1 if it
 * cannot be opened (reported). operand -1 is a watched file: a regular
 * file only, never through a link. */
int	rd_read_file(struct reader *, const char *path, int64_t operand,
	    uint64_t off, uint64_t limit);
/* Reads the logged bytes of standard input again. */
void	rd_replay_bytes(struct reader *, const char *bytes, size_t len);
/* Opens path for reading at off (flags: O_NONBLOCK, say); -1 (errno). */
int	rd_open_at(const char *path, uint64_t off, int flags);

/* Reading as the input is ready: fd (the current source, entered) is
 * polled; rd_ready reads once and takes the lines: 0 when the source has
 * ended (or sent #eos) and is closed, 1 otherwise. */
void	rd_attach(struct reader *, int fd);
int	rd_ready(struct reader *);

/* The largest --record-size. */
#define SRC_MAX_RECORD	(1 << 20)

/* Takes one line of a live source that hands its lines over one by one
 * (an MQTT message's), logged as standard input's are. */
void	rd_live_line(struct reader *, const char *s, size_t n);
/* The lines of a message's payload (MQTT's, Kafka's): each up to a
 * newline, a CR before it dropped; a last newline ends the last line. */
struct payload {
	const char	*p, *e;
};
void	payload_init(struct payload *, const char *p, size_t n);
/* The next line: 1, or 0 at the end. */
int	payload_next(struct payload *, const char **line, size_t *n);
/* Takes the complete lines ib holds: ib is a live source's (a socket's),
 * read by the source itself; rd_enter'd as SRC_STDIN, logged so. */
void	rd_take(struct reader *, struct ibuf *);
/* The current source is left, or the batch closes: its range so far. */
void	rd_seg_finish(struct reader *);
void	rd_segs_clear(struct reader *);

/*
 * A source. Each turn of stream-split's loop asks it whether anything
 * more can come (more: 0 once it has ended), then, after the clock has
 * closed the batches that are due, for the descriptors to wait on (wait:
 * how many, at most SRC_MAXFD; it may lower *timeout, ms, and take what
 * needs no waiting), polls them, and hands back what poll said (ready).
 */
#define SRC_MAXFD 1024
struct source;
struct source_ops {
	int	(*more)(struct source *);
	int	(*wait)(struct source *, struct pollfd *, int64_t now,
		    int *timeout);
	void	(*ready)(struct source *, const struct pollfd *, int n);
};
struct source {
	const struct source_ops	*ops;
	struct reader		*rd;
};

/* Standard input (paths NULL), or file operands read in order. */
struct src_files {
	struct source	 src;
	char *const	*paths;
	int		 n, next;
};
void	src_files_init(struct src_files *, struct reader *, char *const *paths,
	    int n);

/*
 * A watched directory (textFileStream): files that appear in it (moved in,
 * or closed after writing), one after another in the order of their names
 * within one listing; names beginning with . or _ and those --glob does not
 * match are left alone; links and FIFOs are never read. At the first start
 * the files already there are skipped (--all: taken). inotify says when to
 * look, or --poll lists the directory every interval.
 */
struct src_watch {
	struct source	 src;
	const char	*dir, *glob;
	int		 take_all, once;
	int64_t		 poll_every, next_poll;	/* ms; 0: inotify */
	long long	 max_files;		/* a batch; 0: any */
	long long	 files_in_batch;
	uint64_t	 batch;			/* the batcher's closed count */
	struct ht	 seen;			/* queued, taken, or skipped */
	struct ht	 taken;			/* taken or skipped: logged */
	char		**queue;
	size_t		 qhead, qlen, qcap;
	int		 inotify_fd;
	int		 rounds;
	/* with --checkpoint: the time (ns, st_ctim) of the first start */
	int64_t		 start_t0;
};
void	src_watch_init(struct src_watch *, struct reader *, const char *dir);
/* Starts watching: lists the directory (at the first start, what is there
 * is skipped unless --all or --once). */
void	src_watch_start(struct src_watch *, int first_start);
/* Whether a name is one the watch takes. */
int	src_watch_eligible(const struct src_watch *, const char *name);
/* Marks a name taken (a replayed file). */
void	src_watch_taken(struct src_watch *, const char *name);
/* --once by processing time: the files there are now, as many a batch as
 * --max-files allows. */
void	src_watch_once(struct src_watch *);
/* The checkpoint's `start` file: the first start's time, and what it
 * skipped (lib/ck_log). */
void	src_watch_put_set(struct obuf *, const struct ht *);
void	src_watch_get_set(struct bin *, struct ht *);

/*
 * A TCP source (socketTextStream). --connect host:port: a client; when
 * the server is not there or goes away it says so once and tries again,
 * waiting 100 ms, then twice as long each time up to 5 s. --listen
 * [addr:]port: a server taking lines from any number of clients at once.
 * A line cut short by a closed connection is dropped and reported, never
 * joined to what comes next. What a socket gave cannot be read again:
 * with --checkpoint it goes to the write-ahead log (lib/ck_log).
 */
struct net_conn {
	int		 fd;
	struct ibuf	 ib;
	char		 peer[80];	/* "127.0.0.1:51234", for messages */
};

struct src_net {
	struct source	 src;
	const char	*addr;		/* as given */
	char		 name[80];	/* for messages: as given, or the address
					 * --listen is bound to */
	char		*host, *port;	/* host NULL: any (--listen port) */
	int		 listening;
	int		 once;		/* end with the connection (--connect)
					 * or when the last client has left */
	int		 lfd;		/* the listening socket, or -1 */
	struct net_conn	*conns;		/* --connect: one at most */
	size_t		 nconns;
	int		 connecting;	/* a connect(2) under way on conns[0] */
	struct retry	 retry;		/* --connect: the next try */
	int		 ended, served;	/* --once: done; clients so far */
};
/* Splits addr ("host:port", "[v6]:port"; --listen also "port"): NULL,
 * or why it is not one (for a usage error). */
const char *src_net_parse(struct src_net *, const char *addr, int listening);
/* Starts: --listen binds now (a failure is exit 1), --connect tries. */
void	src_net_init(struct src_net *, struct reader *, int once);

/*
 * An MQTT subscription (--mqtt URL --topic FILTER), QoS 1: each line of a
 * message's payload is a line of the source (--mqtt-fields: a record of
 * the topic and the line). With a client id (--mqtt-client-id, or one
 * made from the checkpoint's) the session persists at the broker, and
 * what was published while the tool was down comes after it restarts. A
 * broker that is not there or goes away is said once, and tried again
 * with back-off. What came cannot be read again: the write-ahead log;
 * with --checkpoint a message is acknowledged only once its lines are in
 * the checkpoint's journal (lib/journal), so a crash loses none.
 */
struct mosquitto;
struct src_mqtt {
	struct source	 src;
	struct journal	 journal;		/* what was acknowledged */
	const char	*url, *topic, *client_id;
	char		*host;
	int		 port;
	int		 fields;		/* --mqtt-fields */
	struct mosquitto *mosq;
	int		 started, connected;
	struct retry	 retry;
	struct obuf	 line;			/* topic and line, as a record */
	char		 id_buf[32];
};
/* Takes mqtt://host[:port] (1883 by default): NULL, or why not. */
const char *src_mqtt_parse(struct src_mqtt *, const char *url);
/* With --checkpoint and no --mqtt-client-id: a client id of the
 * checkpoint (its directory and --id), so a restart resumes the session. */
void	src_mqtt_session(struct src_mqtt *, const char *root, const char *id);
void	src_mqtt_init(struct src_mqtt *, struct reader *);
/* With --checkpoint, once the log is replayed to its last batch, logged:
 * the journal (opened by ck_log_restore) starts, and the lines it holds
 * of the batch that was open are taken again. */
void	src_mqtt_journal(struct src_mqtt *, int64_t logged);

/*
 * Kafka topics (--kafka BROKERS --topic T[,T...]), the direct approach:
 * every partition of the topics is read, from where the checkpoint left
 * it or from --start (earliest by default, as kcat's; latest, an offset,
 * or @time: the first message at or after it); where each partition
 * stands after a batch, and the runs of offsets it took, are logged with
 * the batch (no write-ahead log), so a restart reads the logged batches
 * again from the topics, exactly, and goes on from there. --once reads up to
 * the ends the partitions had at the start. Each line of a message's
 * value is a line of the source (--kafka-fields: a record of the fields
 * named, then the line). A cluster that is not there or goes away is said
 * once and waited for; an unknown topic is exit 1.
 */
#define SRC_KAFKA_MAXTOPICS	64
struct rd_kafka_s;
struct rd_kafka_queue_s;
struct kpart {
	const char	*topic;
	int32_t		 partition;
	int64_t		 next;		/* the next offset to take; -1: none */
	uint64_t	 given;		/* lines of message `next` already
					 * given (a batch closed inside it) */
	int64_t		 end;		/* --once: where it stops; -1: never */
	int64_t		 start;
	int64_t		 from_time;	/* --start @time: skip what is older
					 * up to the first that is not */
	/* --max-rate-per-partition: taken in the second `second` (ms / 1000);
	 * paused until resume_at (ms) once they are the rate */
	int64_t		 second;
	uint64_t	 in_second;
	int		 paused;
	int64_t		 resume_at;
	/* replay: the first offset its stash and its fetching still hold;
	 * -1: not assigned for replay */
	int64_t		 kept_from;
};
/* A run of messages a batch took: offsets start to start + n - 1 of
 * partition part (an index of parts), but the first skip lines of the
 * first and, if upto is not 0, the lines from upto on of the last: a
 * batch can close inside a message of several lines. */
struct krun {
	size_t		 part;
	int64_t		 start;
	uint64_t	 n;
	uint64_t	 skip, upto;
};
struct src_kafka {
	struct source	 src;
	const char	*brokers;
	const char	*topics[SRC_KAFKA_MAXTOPICS];
	size_t		 ntopics;
	char		*topic_buf;
	struct kafka_props x;		/* -X key=value */
	int		 fields[8];	/* --kafka-fields */
	size_t		 nfields;
	int		 start_kind;	/* e, l, o (an offset), @ (a time) */
	uint64_t	 part_rate;	/* --max-rate-per-partition; 0: none */
	int64_t		 start_value;
	int		 once, started, down;
	struct kpart	*parts;
	size_t		 nparts, cparts;
	size_t		 hit;		/* the last one kafka_find_part found */
	struct rd_kafka_s *rk;
	struct rd_kafka_queue_s *q, *mainq;
	int		 wake[2];	/* the queues write to it */
	struct retry	 retry;
	struct obuf	 line;
	struct krun	*runs;		/* the open batch's, in the order taken */
	size_t		 nruns, cruns;
	struct kpart	*giving;	/* the message being given, if any: */
	uint64_t	 giving_from;	/* its first line not logged yet */
	int		 header_sent;
	/* replay: messages read for logged batches, kept for the next ones
	 * (lib/kafka_replay.c) */
	struct rd_kafka_message_s **stash;
	size_t		 nstash, cstash, stash_bytes;
	size_t		 stash_max, stash_max_bytes;
	/* --kafka-partitions: only these (of the one topic); --end-offsets:
	 * --once's ends, pinned by whoever started this (a group member) */
	int32_t		*only;
	size_t		 nonly;
	int64_t		*pin;		/* partition, end; partition, end ... */
	size_t		 npin;
};
/* Options: NULL, or why the argument is not one (a usage error). */
const char *src_kafka_parse(struct src_kafka *, const char *brokers);
const char *src_kafka_topics(struct src_kafka *, const char *list);
const char *src_kafka_start(struct src_kafka *, const char *);
const char *src_kafka_fields(struct src_kafka *, const char *list);
const char *src_kafka_property(struct src_kafka *, const char *key_value);
const char *src_kafka_partitions(struct src_kafka *, const char *list);
const char *src_kafka_ends(struct src_kafka *, const char *list);
void	src_kafka_init(struct src_kafka *, struct reader *, int once);
/* Where the partitions stand, for the log (lib/ck_log), and back: NULL,
 * or why what the log holds cannot be this command's. */
void	src_kafka_put_state(void *, struct obuf *);
const char *src_kafka_get_state(void *, struct bin *, int version, int feed);
/* In such a state: where partition n of the topic stands, or -1. */
int64_t	src_kafka_logged_next(struct bin *, const char *topic, int32_t n);

#endif
