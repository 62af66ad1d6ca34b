/*
 * fuzz-ck: checkpoint files (stream-checkpoint(5)) as a restart reads
 * them, every one hostile. The first byte says which reader takes the
 * rest: a stateful tool's snapshot (stream-state's table, stream-window's
 * panes and deques) or an increment of stream-state's, then written out as
 * the tool would; a checksummed
 * file as it lies on disk (header, length, CRC); a source log (the segments
 * and the source's own state) inside a valid header, as a file whose CRC
 * was forged would be; Kafka's logged partitions and runs; MQTT's journal;
 * stream-join --within's records, stream-state --dedup's keys and
 * stream-window --session's open sessions, each then used as a restart
 * would (indexed, let go, written, saved again).
 * Each must load, or be refused with a reason, never be trusted past its
 * end.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "batcher.h"
#include "buf.h"
#include "ck.h"
#include "ck_log.h"
#include "dedup.h"
#include "join.h"
#include "join_within.h"
#include "journal.h"
#include "session.h"
#include "src.h"
#include "util.h"
#include "win.h"
#include "fuzz.h"

static char dir[PATH_MAX];
static int verbose;		/* FUZZ_VERBOSE set: why each input was refused */

static void
said(const char *what, const char *why)
{
	if (verbose)
		fprintf(stderr, "%s: %s\n", what, why != NULL ? why : "taken");
}

static void
cleanup(void)
{
	static const char *const names[] = { "snap-1000", "log-1000",
	    "journal", "journal.tmp", "input" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		epathf(path, sizeof(path), "%s/%s", dir, names[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
}

/* dir/name holds p: as it is, or (sealed) after a valid header. */
static void
put(const char *name, const uint8_t *p, size_t n, int sealed)
{
	char path[PATH_MAX];
	unsigned char h[CK_HEADER];
	int fd;

	epathf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		abort();
	if (sealed) {
		ck_header(h, n, ck_crc32(0, p, n));
		if (write(fd, h, sizeof(h)) != (ssize_t)sizeof(h))
			abort();
	}
	if (n > 0 && write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

/* The dashboard's aggregations: stream-state's by client ('s'; 'i', with
 * increments, has no --distinct), the window's by symbol (with a deque,
 * --max: 'w'). */
static void
spec_init(struct agg_spec *s, const char *by, int kind)
{
	static const char usage[] = "usage: fuzz-ck\n";

	memset(s, 0, sizeof(*s));
	(void)agg_option(s, AGG_OPT_BY, by, usage);
	(void)agg_option(s, AGG_OPT_SUM, "amount * price", usage);
	(void)agg_option(s, AGG_OPT_COUNT, NULL, usage);
	if (kind == 'w') {
		(void)agg_option(s, AGG_OPT_MAX, "price", usage);
		(void)agg_option(s, AGG_OPT_TOP, "5", usage);
	} else if (kind == 's')
		(void)agg_option(s, AGG_OPT_DISTINCT, "symbol", usage);
	agg_validate(s, usage);
}

static void
state(const uint8_t *d, size_t n, struct obuf *o)
{
	static struct agg_spec s;
	static int ready;
	struct agg_table *t;
	const char *why;

	if (!ready) {
		spec_init(&s, "client", 's');
		ready = 1;
	}
	t = agg_table_new(&s);
	said("state", why = agg_restore(t, d, n));
	if (why == NULL) {
		agg_emit(t, o, -1);
		agg_close_batch(t, 1000);
		(void)agg_expire(t, 5000, 1000, o);
		agg_save(t, o);
	}
	agg_table_free(t);
}

/* An increment of stream-state --checkpoint-full-every, applied to an
 * empty table, then its changes written as the next increment. */
static void
increment(const uint8_t *d, size_t n, struct obuf *o)
{
	static struct agg_spec s;
	static int ready;
	struct agg_table *t;
	const char *why;

	if (!ready) {
		spec_init(&s, "client", 'i');
		ready = 1;
	}
	t = agg_table_new(&s);
	agg_track_changes(t);
	said("increment", why = agg_apply_delta(t, d, n));
	if (why == NULL) {
		agg_emit(t, o, -1);
		agg_close_batch(t, 1000);
		(void)agg_expire(t, 5000, 1000, o);
		agg_save_delta(t, o);
		agg_saved(t);
	}
	agg_table_free(t);
}

static void
window(const uint8_t *d, size_t n, struct obuf *o)
{
	static struct agg_spec s;
	static int ready;
	struct win *w;
	const char *why;

	if (!ready) {
		spec_init(&s, "symbol", 'w');
		ready = 1;
	}
	w = win_new(&s, 3000);
	said("window", why = win_restore(w, d, n));
	if (why == NULL) {
		win_emit(w, o);
		win_save(w, o);
	}
	win_free(w);
}

/* Kafka's part of a log: a source reading one topic, never connected. */
static void
kafka(const uint8_t *d, size_t n)
{
	static struct batcher bt;
	static struct reader rd;
	static struct src_kafka k;
	static volatile sig_atomic_t stop;
	static int ready;
	struct bin b;

	if (!ready) {
		batcher_init(&bt, 1000);
		rd_init(&rd, &bt, &stop, 1);
		if (src_kafka_parse(&k, "127.0.0.1:9") != NULL ||
		    src_kafka_topics(&k, "orders") != NULL ||
		    src_kafka_property(&k, "log_level=0") != NULL)
			abort();
		src_kafka_init(&k, &rd, 0);
		ready = 1;
	}
	bin_init(&b, d + (n > 0), n - (n > 0));
	said("kafka", src_kafka_get_state(&k, &b, n > 0 && d[0] & 1 ? 3 : 4,
	    0));
}

static void
journal(const uint8_t *d, size_t n)
{
	struct journal j;
	const char *key, *line;
	size_t kn, ln;

	if (n == 0)
		return;
	put("journal", d + 1, n - 1, 0);	/* after the log's batch */
	journal_open(&j, dir);
	journal_start(&j, (int64_t)d[0] * 1000);
	while (journal_next(&j, &key, &kn, &line, &ln) == 1)
		;
	journal_close(&j);
}

static void
schema_of(struct schema *sc, const char *line)
{
	char *copy = estrdup(line);

	memset(sc, 0, sizeof(*sc));
	schema_parse(sc, copy, strlen(copy));
	free(copy);
}

/* stream-join --within --full: the records restored, then a batch that
 * indexes them and lets the old ones go (outer rows written). */
static void
join_within(const uint8_t *d, size_t n, struct obuf *o)
{
	struct join j;
	struct jwithin w;
	struct schema l, r;
	const char *why;
	char on[] = "k";

	memset(&j, 0, sizeof(j));
	j.kind = JOIN_FULL;
	j.time[0] = j.time[1] = "t";
	(void)join_on(&j, on);
	join_init(&j);
	jw_init(&w, 1000, 0);
	said("join", why = jw_load(&w, d, n));
	if (why == NULL) {
		schema_of(&l, "#fields\tt\tk\tv");
		schema_of(&r, "#fields\tt\tk\tw");
		join_schema(&j, &l, "left", &r, "right");
		j.rows[0].n = j.rows[1].n = 0;
		jw_batch(&w, &j, o, 5000);
		jw_save(&w, o);
		schema_free(&l);
		schema_free(&r);
	}
	jw_free(&w);
	join_free(&j);
}

static void
dedup(const uint8_t *d, size_t n, struct obuf *o)
{
	struct dedup dd;
	const char *why;
	char keys[] = "k", fields[] = "#fields\tt\tk";

	memset(&dd, 0, sizeof(dd));
	(void)dedup_keys(&dd, keys);
	dedup_init(&dd, 1000, "t");
	said("dedup", why = dedup_load(&dd, d, n));
	if (why == NULL) {
		dedup_schema(&dd, fields, strlen(fields), "input");
		dedup_batch(&dd, 5000);
		dedup_save(&dd, o);
	}
	dedup_free(&dd);
}

/* stream-window --session --emit updated: the sessions restored, then a
 * batch that sorts, closes and aggregates them. */
static void
sessions(const uint8_t *d, size_t n, struct obuf *o)
{
	static const char usage[] = "usage: fuzz-ck\n";
	static const char in[] = "#stream\n#fields\tt\tk\tv\n#end\t5000\n#eos\n";
	static struct agg_spec s;
	static int ready;
	struct session ses;
	struct session_loop loop = { NULL, NULL, "state.x", NULL };
	struct ibuf ib;
	char path[PATH_MAX];
	const char *why;
	int fd;

	if (!ready) {
		memset(&s, 0, sizeof(s));
		(void)agg_option(&s, AGG_OPT_BY, "k", usage);
		(void)agg_option(&s, AGG_OPT_COUNT, NULL, usage);
		(void)agg_option(&s, AGG_OPT_COLLECT, "v", usage);
		(void)agg_option(&s, AGG_OPT_MAX, "t", usage);
		agg_validate(&s, usage);
		s.extra = "closed";
		ready = 1;
	}
	session_init(&ses, &s, 1000, 0, "t", 1);
	said("session", why = session_load(&ses, d, n));
	if (why == NULL) {
		put("input", (const uint8_t *)in, sizeof(in) - 1, 0);
		epathf(path, sizeof(path), "%s/input", dir);
		if ((fd = open(path, O_RDONLY)) < 0)
			abort();
		ib_init(&ib, fd, path);
		session_run(&ses, &ib, o, path, &loop);
		ib_free(&ib);
		close(fd);
		session_save(&ses, o);
	}
	session_free(&ses);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct obuf o;
	char path[PATH_MAX];
	struct bin b;
	const char *why;
	size_t len;
	void *q;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "%s/fuzz-ck.XXXXXX",
		    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(cleanup);
		verbose = getenv("FUZZ_VERBOSE") != NULL;
		ob_init(&o, -1, "fuzz");
	}
	if (n == 0)
		return 0;
	ob_reset(&o);
	if (FUZZ_REFUSED)
		return 0;
	switch (d[0] % 10) {
	case 0:
		state(d + 1, n - 1, &o);
		break;
	case 1:
		window(d + 1, n - 1, &o);
		break;
	case 2:
		put("snap-1000", d + 1, n - 1, 0);
		epathf(path, sizeof(path), "%s/snap-1000", dir);
		why = NULL;
		free(ck_get(path, &len, &why));
		said("file", why);
		break;
	case 3:
		put("log-1000", d + 1, n - 1, 1);
		if ((q = ck_log_source_state(dir, 1000, &b)) != NULL &&
		    b.p != b.e && verbose)
			fprintf(stderr, "log: orders/1 at %lld\n", (long long)
			    src_kafka_logged_next(&b, "orders", 1));
		else if (q != NULL)
			(void)src_kafka_logged_next(&b, "orders", 1);
		said("log", q != NULL ? NULL : "refused");
		free(q);
		break;
	case 4:
		kafka(d + 1, n - 1);
		break;
	case 5:
		journal(d + 1, n - 1);
		break;
	case 7:
		join_within(d + 1, n - 1, &o);
		break;
	case 8:
		dedup(d + 1, n - 1, &o);
		break;
	case 9:
		sessions(d + 1, n - 1, &o);
		break;
	default:
		increment(d + 1, n - 1, &o);
		break;
	}
	return 0;
}
