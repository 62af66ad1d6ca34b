/* ck_log: the source's log and its replay; see ck_log.h. */
#include <sys/stat.h>

#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck_log.h"
#include "journal.h"
#include "util.h"

/* 2: the schemas' types; 3: a source's own state; 4: a Kafka batch can
 * end inside a message; 1 to 3 are read too */
#define LOG_VERSION 4
#define START_VERSION 2

void
ck_log_init(struct ck_log *l, struct reader *r, struct src_watch *w,
    char *const *operands, int noperands)
{
	l->rd = r;
	l->watch = w;
	l->operands = operands;
	l->noperands = noperands;
	l->last_logged = CK_NONE;
	l->version = LOG_VERSION;
	ob_init(&l->buf, -1, "log");
	ob_init(&l->src, -1, "log");
}

static void
put_names(struct obuf *o, const struct schema *sc)
{
	size_t i;

	ob_put_u64(o, sc->n);
	for (i = 0; i < sc->n; i++)
		ob_put_bytes(o, sc->names[i], strlen(sc->names[i]));
	ob_put_bytes(o, sc->types, sc->types != NULL ? sc->n : 0);
}

static void
get_names(struct ck_log *l, struct bin *b, struct schema *sc)
{
	uint64_t n = bin_u64(b), i;
	char **names;

	if (b->bad || n > 100000)
		return;
	names = ecalloc(n, sizeof(*names));
	for (i = 0; i < n; i++)
		names[i] = bin_str(b);
	schema_set(sc, names, n);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (l->version >= 2) {
		size_t len;
		const unsigned char *t =
		    (const unsigned char *)bin_bytes(b, &len);

		for (i = 0; i < len; i++)
			if (t[i] > CT_TIME)
				b->bad = 1;
		if (len != 0 && len != n)
			b->bad = 1;
		schema_set_types(sc, len == n && !b->bad ? t : NULL);
	}
}

/* The resume state: everything needed to go on from here. */
static void
put_state(struct ck_log *l, struct obuf *o)
{
	const struct reader *r = l->rd;
	const struct batcher *b = r->b;
	const struct clock *c = &b->clock;
	const struct position *cur = &r->cur;
	size_t i;

	ob_put_u64(o, (uint64_t)c->open_t);
	ob_put_u64(o, c->open_n);
	ob_put_u64(o, (uint64_t)c->max_event);
	ob_put_u64(o, c->late);
	ob_put_u64(o, b->rej.n);
	ob_put_u64(o, c->npend);
	for (i = 0; i < c->npend; i++) {
		ob_put_u64(o, (uint64_t)c->pend[i].t);
		ob_put_u64(o, c->pend[i].n);
		ob_put_bytes(o, c->pend[i].buf.p, c->pend[i].buf.len);
	}
	ob_put_u64(o, (uint64_t)b->records_in);
	put_names(o, &r->insc);
	put_names(o, &b->outsc);
	ob_put_u64(o, cur->kind);
	ob_put_bytes(o, cur->path ? cur->path : "", cur->path ?
	    strlen(cur->path) : 0);
	ob_put_u64(o, (uint64_t)cur->operand);
	ob_put_u64(o, cur->off);
	ob_put_u64(o, cur->datalines);
	ob_put_u64(o, (uint64_t)cur->first);
	if (l->watch != NULL)
		src_watch_put_set(o, &l->watch->taken);
	else
		ob_put_u64(o, 0);
}

static void
get_state(struct ck_log *l, struct bin *b)
{
	struct reader *r = l->rd;
	struct batcher *bt = r->b;
	struct clock *c = &bt->clock;
	struct position *cur = &r->cur;
	struct ht none;
	uint64_t i, n;

	c->open_t = (int64_t)bin_u64(b);
	c->open_n = bin_u64(b);
	c->max_event = (int64_t)bin_u64(b);
	c->late = bin_u64(b);
	bt->rej.n = bin_u64(b);
	n = bin_u64(b);
	for (i = 0; i < n && !b->bad && i < 1000000; i++) {
		struct pending *p = clock_pending(c, (int64_t)bin_u64(b));
		size_t len;
		const char *bytes;

		p->n = bin_u64(b);
		bytes = bin_bytes(b, &len);
		ob_write(&p->buf, bytes, len);
	}
	bt->records_in = (int)bin_u64(b);
	get_names(l, b, &r->insc);
	get_names(l, b, &bt->outsc);
	cur->kind = (enum src_kind)bin_u64(b);
	free(cur->path);
	cur->path = bin_str(b);
	if (*cur->path == '\0') {
		free(cur->path);
		cur->path = NULL;
	}
	cur->operand = (int64_t)bin_u64(b);
	cur->off = bin_u64(b);
	cur->datalines = bin_u64(b);
	cur->first = (int)bin_u64(b);
	if (l->watch != NULL)
		src_watch_get_set(b, &l->watch->taken);
	else {
		ht_init(&none, 0);
		src_watch_get_set(b, &none);
		ht_free(&none);
	}
}

void
ck_log_batch(void *arg, int64_t t)
{
	struct ck_log *l = arg;
	struct reader *r = l->rd;
	size_t i;

	if (l->opts.root == NULL)
		return;
	rd_seg_finish(r);
	if (l->last_logged == CK_NONE || t > l->last_logged) {
		ob_reset(&l->buf);
		ob_put_u64(&l->buf, LOG_VERSION);
		ob_put_u64(&l->buf, (uint64_t)t);
		ob_put_u64(&l->buf, r->nsegs + (r->wal.len > 0));
		for (i = 0; i < r->nsegs; i++) {
			ob_put_bytes(&l->buf, r->segs[i].path,
			    strlen(r->segs[i].path));
			ob_put_u64(&l->buf, (uint64_t)r->segs[i].operand);
			ob_put_u64(&l->buf, r->segs[i].start);
			ob_put_u64(&l->buf, r->segs[i].end);
		}
		if (r->wal.len > 0) {
			ob_put_bytes(&l->buf, "", 0);
			ob_put_bytes(&l->buf, r->wal.p, r->wal.len);
		}
		ob_reset(&l->src);
		if (l->src_put != NULL)
			l->src_put(l->src_arg, &l->src);
		ob_put_bytes(&l->buf, l->src.p, l->src.len);
		put_state(l, &l->buf);
		ck_save(&l->ck, t, l->buf.p, l->buf.len);
		l->last_logged = t;
		if (l->journal != NULL)	/* what it held is logged */
			journal_reset(l->journal, t);
		ck_prune(&l->ck, ck_committed(l->opts.root));
	}	/* else replayed: logged before */
	rd_segs_clear(r);
}

/* Whether two paths name one file. */
static int
same_file(const char *a, const char *b)
{
	struct stat x, y;

	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	    x.st_ino == y.st_ino;
}

/* Whether a log may name path as operand: only this command's operands and
 * the files of its watched directory are ever read again. */
static int
path_allowed(const struct ck_log *l, const char *path, int64_t operand)
{
	char dir[PATH_MAX];
	const char *base = strrchr(path, '/');

	if (operand >= 0)
		return operand < l->noperands && (strcmp(path,
		    l->operands[operand]) == 0 || same_file(path,
		    l->operands[operand]));
	if (operand != -1 || l->watch == NULL || base == NULL ||
	    base[1] == '\0' || !src_watch_eligible(l->watch, base + 1))
		return 0;
	/* the watched directory, however it was spelled then */
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
	return same_file(dir[0] != '\0' ? dir : "/", l->watch->dir);
}

/* Reads a logged batch's source state back (a source that keeps none
 * logs it empty); with feed, the source makes the batch again from it. */
static void
source_state(struct ck_log *l, struct bin *b, int feed)
{
	const char *s, *why = NULL;
	struct bin sb;
	size_t n;

	s = bin_bytes(b, &n);
	if (b->bad || (n == 0 && l->src_get == NULL))
		return;
	bin_init(&sb, s, n);
	if (l->src_get == NULL)
		why = "the state of another source";
	else if ((why = l->src_get(l->src_arg, &sb,
	    (int)l->version, feed)) == NULL &&
	    (sb.bad || sb.p != sb.e))
		why = "its source's state cut short";
	if (why != NULL)
		errx(SK_EXIT_DATA, "%s: a logged batch holds %s: refused",
		    l->ck.dir, why);
}

/* Feeds the segments of one logged batch through the batcher again (or,
 * with feed 0, only reads past them). */
static void
replay_segments(struct ck_log *l, struct bin *b, int feed)
{
	uint64_t nseg = bin_u64(b), i;

	for (i = 0; i < nseg && !b->bad; i++) {
		char *path = bin_str(b);

		if (*path == '\0') {	/* standard input: the bytes */
			size_t len;
			const char *bytes = bin_bytes(b, &len);

			if (feed)
				rd_replay_bytes(l->rd, bytes, len);
		} else {
			int64_t operand = (int64_t)bin_u64(b);
			uint64_t start = bin_u64(b), end = bin_u64(b);
			const char *slash = strrchr(path, '/');

			if (!b->bad && (!path_allowed(l, path, operand) ||
			    start > end))
				errx(SK_EXIT_DATA, "%s: a logged batch names %s, which "
				    "this command does not read: refused", l->ck.dir,
				    path);
			if (feed) {
				if (operand < 0 && l->watch != NULL)
					src_watch_taken(l->watch,
					    slash ? slash + 1 : path);
				if (rd_read_file(l->rd, path, operand, start,
				    end) < 0)
					errx(SK_EXIT_DATA, "%s: needed to replay a "
					    "batch", path);
			}
		}
		free(path);
	}
	if (l->version >= 3)
		source_state(l, b, feed);
}

/* Whether a resume state read back from a log can be this command's: NULL,
 * or why not (every value a loop or an index depends on is checked). */
static const char *
state_fits(const struct ck_log *l)
{
	const struct position *cur = &l->rd->cur;

	if (cur->kind > SRC_FILE || cur->first > 1 || l->rd->b->records_in > 1)
		return "a field out of its range";
	if (cur->kind == SRC_FILE && (cur->path == NULL ||
	    !path_allowed(l, cur->path, cur->operand)))
		return "a source this command does not read";
	return clock_fits(&l->rd->b->clock);
}

/* Reads log-T: NULL (with *why) if it is missing or does not check. */
static void *
read_log(struct ck_log *l, int64_t t, struct bin *b, const char **why)
{
	size_t n;
	void *p;

	if ((p = ck_read(&l->ck, t, &n, why)) == NULL)
		return NULL;
	bin_init(b, p, n);
	if ((l->version = bin_u64(b)) < 1 || l->version > LOG_VERSION ||
	    (int64_t)bin_u64(b) != t) {
		free(p);
		*why = "another version";
		return NULL;
	}
	return p;
}

void *
ck_log_source_state(const char *dir, int64_t t, struct bin *b)
{
	char path[PATH_MAX];
	const char *why, *src;
	uint64_t version, nseg, i;
	size_t n;
	void *p;

	if (snprintf(path, sizeof(path), "%s/log-%lld", dir, (long long)t) >=
	    (int)sizeof(path) || (p = ck_get(path, &n, &why)) == NULL)
		return NULL;
	bin_init(b, p, n);
	version = bin_u64(b);
	if (version < 3 || version > LOG_VERSION || (int64_t)bin_u64(b) != t) {
		free(p);
		return NULL;
	}
	nseg = bin_u64(b);
	for (i = 0; i < nseg && !b->bad; i++) {
		(void)bin_bytes(b, &n);
		if (n == 0)		/* standard input's bytes */
			(void)bin_bytes(b, &n);
		else {			/* a file's range */
			(void)bin_u64(b);
			(void)bin_u64(b);
			(void)bin_u64(b);
		}
	}
	src = bin_bytes(b, &n);
	if (b->bad) {
		free(p);
		return NULL;
	}
	bin_init(b, src, n);
	return p;
}

/* Reads the watch's `start`: 1 if the first start is not complete yet
 * (start_t0 is set if it had begun). */
static int
first_start_files(struct ck_log *l)
{
	struct src_watch *w = l->watch;
	char path[PATH_MAX];
	const char *why;
	struct bin b;
	size_t n;
	void *p;
	int complete;

	epathf(path, sizeof(path), "%s/start", l->ck.dir);
	if ((p = ck_get(path, &n, &why)) == NULL) {
		if (strcmp(why, "missing") != 0)
			errx(SK_EXIT_DATA, "%s: %s", path, why);
		return 1;
	}
	bin_init(&b, p, n);
	if (bin_u64(&b) != START_VERSION)
		errx(SK_EXIT_DATA, "%s: another version", path);
	w->start_t0 = (int64_t)bin_u64(&b);
	complete = bin_u64(&b) == 1;
	src_watch_get_set(&b, &w->taken);
	if (b.bad || b.p != b.e || w->start_t0 <= 0)
		errx(SK_EXIT_DATA, "%s: cut short, or a field out of its range",
		    path);
	if (complete) {
		bin_init(&b, p, n);
		(void)bin_u64(&b);
		(void)bin_u64(&b);
		(void)bin_u64(&b);
		src_watch_get_set(&b, &w->seen);
	}
	free(p);
	return !complete;
}

/* Writes `start`: its time (taken from the file itself when 0) and, when
 * complete, the names skipped. */
static void
write_start(struct ck_log *l, int complete)
{
	struct src_watch *w = l->watch;
	struct ck_file f;
	struct stat st;

	ck_file_begin(&l->ck, "start", &f);
	if (w->start_t0 == 0) {
		if (fstat(f.fd, &st) < 0)
			err(SK_EXIT_DATA, "%s", f.tmp);
		w->start_t0 = (int64_t)st.st_ctim.tv_sec * 1000000000 +
		    st.st_ctim.tv_nsec;
	}
	ob_reset(&l->buf);
	ob_put_u64(&l->buf, START_VERSION);
	ob_put_u64(&l->buf, (uint64_t)w->start_t0);
	ob_put_u64(&l->buf, (uint64_t)complete);
	if (complete)
		src_watch_put_set(&l->buf, &w->taken);
	else
		ob_put_u64(&l->buf, 0);
	ck_file_write(&f, l->buf.p, l->buf.len);
	ck_file_end(&f);
}

void
ck_log_watch_start(struct ck_log *l, int first)
{
	int ck = l->opts.root != NULL;

	if (first && ck && l->watch->start_t0 == 0)
		write_start(l, 0);	/* the moment of the first start */
	src_watch_start(l->watch, first);
	if (first && ck)		/* and what it skipped */
		write_start(l, 1);
}

/* Loads the state logged at the restore point ts. */
static void
load_restore_point(struct ck_log *l, int64_t ts)
{
	const char *why;
	struct bin b;
	void *p;

	if ((p = read_log(l, ts, &b, &why)) == NULL)
		errx(SK_EXIT_DATA, "%s/log-%lld: %s", l->ck.dir, (long long)ts,
		    why);
	replay_segments(l, &b, 0);
	get_state(l, &b);
	if (b.bad)
		errx(SK_EXIT_DATA, "%s/log-%lld: cut short", l->ck.dir,
		    (long long)ts);
	if ((why = state_fits(l)) != NULL)
		errx(SK_EXIT_DATA, "%s/log-%lld: %s: refused", l->ck.dir,
		    (long long)ts, why);
	free(p);
	l->rd->seg_start = l->rd->cur.off;
	l->last_logged = ts;
}

int
ck_log_restore(struct ck_log *l, int argc, char *argv[])
{
	struct batcher *b = l->rd->b;
	int64_t tc, ts, t, *logged;
	size_t i, nlogged;
	const char *why;
	struct bin bin;
	void *p;
	int first;

	ck_open(&l->ck, &l->opts, "stream-split", CK_SOURCE, argc, argv);
	l->ck.interval = b->clock.interval;
	if (l->journal != NULL)	/* read before anything is published */
		journal_open(l->journal, l->ck.dir);
	tc = l->ck.frozen = ck_committed(l->opts.root);
	ts = ck_restore_point(l->opts.root, tc);
	first = l->watch != NULL ? first_start_files(l) :
	    ck_next(&l->ck, CK_NONE) == CK_NONE;
	if (ts != CK_NONE) {
		load_restore_point(l, ts);
		first = 0;
	}
	batcher_header(b, l->ck.every);
	batcher_opened(b);
	/* batches made as they were: no --max-rate, no --late-out again */
	l->rd->replaying = b->replaying = 1;
	logged = ck_after(&l->ck, ts, &nlogged);
	for (i = 0; i < nlogged; i++) {
		t = logged[i];
		if ((p = read_log(l, t, &bin, &why)) == NULL) {
			if (tc != CK_NONE && t <= tc)
				errx(SK_EXIT_DATA, "%s/log-%lld: %s: a committed "
				    "batch cannot be made again", l->ck.dir,
				    (long long)t, why);
			warnx("%s/log-%lld: %s: the batches from here on are "
			    "made again", l->ck.dir, (long long)t, why);
			break;
		}
		l->last_logged = t;
		replay_segments(l, &bin, 1);
		/* the batch closes where it closed when it was made, whatever
		 * comes after it now (with event time, the end of the input
		 * may have closed it then, and new files hold later records) */
		if (b->event_field == NULL)
			b->clock.open_t = t;
		while (b->clock.open_t != CLOCK_NONE && b->clock.open_t <= t)
			batcher_close(b);
		free(p);
	}
	free(logged);
	l->rd->replaying = b->replaying = 0;
	return first;
}
