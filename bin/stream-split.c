/*
 * stream-split: the source and the batch clock. Reads standard input, files,
 * or new files of a watched directory (textFileStream), and cuts what it
 * reads into mini-batches, by the wall clock (--interval) or by the records'
 * own time (--event-time). With --checkpoint it logs what every batch was
 * made of before closing it, and a restart replays the batches after the
 * pipeline's restore point exactly. See stream-split(1).
 */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ck.h"
#include "dur.h"
#include "ht.h"
#include "pos.h"
#include "rec.h"
#include "sig.h"
#include "ts.h"
#include "util.h"

static const char usage_text[] =
"usage: stream-split [--all] [--checkpoint dir] [--checkpoint-every n]\n"
"                    [--event-time field] [--glob pattern] [--id name]\n"
"                    [--interval duration] [--late drop | next]\n"
"                    [--max-ahead duration] [--max-errors n]\n"
"                    [--max-files n] [--once] [--poll duration] [--sep c]\n"
"                    [--time-format format] [--tz zone] [--watch dir]\n"
"                    [--watermark duration] [file ...]\n";

#define LOG_VERSION 2	/* 2: the schemas' types; 1 is read too */

/* Options. */
static int64_t interval = 1000, watermark, max_ahead = 86400000, poll_every;
#define MAX_AHEAD_BATCHES 1000000	/* empty batches one record may open */
static const char *event_field, *watch_dir, *glob, *time_format;
static long long max_files;
static int take_all, once, late_next;
static char sep = ',';
static struct tz zone;		/* zeroed: UTC */
static struct ts_memo event_memo;	/* the last event time parsed */
static char **operands;
static int noperands;

static struct obuf out;
static volatile sig_atomic_t stopping;	/* SIGINT or SIGTERM: stop cleanly */

/* The schema being read, and the one written last. */
static struct schema insc, outsc;
static int records_in;		/* the current source is a record stream */
static long event_col = -1;

/* Batches. */
static int64_t open_t = INT64_MIN;	/* the batch being written */
static uint64_t open_n;			/* its records */
static int64_t max_event = INT64_MIN;
static uint64_t late, bad;
static long long max_errors;		/* --max-errors: 0, none */
static long long files_in_batch;

struct pending {			/* event time: a later batch */
	int64_t		t;
	uint64_t	n;
	struct obuf	buf;
	struct pos_mark	mark;		/* its last record's #at */
};
static struct pending *pend;
static size_t npend, cappend;
static struct pos_mark out_mark;	/* the open batch's last #at */
static struct pos in_at;		/* a record stream's own #at */
static uint64_t pos_id;			/* names a source, or an #at read */

/*
 * Where the input stands. A source is standard input or a file (an operand,
 * or a watched file: operand -1); off is where its next line starts.
 */
enum src_kind { SRC_NONE, SRC_STDIN, SRC_FILE };
static struct stream_end src_end;	/* how the current source ends */
static uint64_t long_seen;		/* its lines too long, so far */
static struct position {
	enum src_kind	 kind;
	char		*path;
	int64_t		 operand;
	uint64_t	 off, datalines;
	int		 first;		/* the next line is the source's first */
	uint64_t	 id;		/* for #at: this source, entered once */
} cur;

/* What the open batch was made of so far: byte ranges of files, or for
 * standard input the lines themselves (the write-ahead log). */
struct segment {
	char		*path;
	int64_t		 operand;	/* -1: a watched file */
	uint64_t	 start, end;
};
static struct segment *segs;
static size_t nsegs;
static uint64_t seg_start;
static struct obuf wal;

/* Watching. */
static struct ht seen;			/* queued, taken, or skipped at start */
static struct ht taken;			/* taken or skipped: what a log keeps */
static char **queue;
static size_t qhead, qlen, qcap;
static int inotify_fd = -1;
/* The first start with --checkpoint: the time a file made then got
 * (st_ctim, ns), and whether its listing is done. Files that came later
 * are never skipped, even if the first start was killed half-way. */
#define START_VERSION 2
static int64_t start_t0;

/* The checkpoint. */
static struct ck_opts cko;
static struct ck ck;
static int64_t last_logged = CK_NONE;
static struct obuf logbuf;

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The batch holding time t: T = (floor(t/I) + 1) * I. */
static int64_t
batch_of(int64_t t)
{
	return (floor_div(t, interval) + 1) * interval;
}

/* Writes the input's schema if it is not the one written last: #fields
 * and #types, or #types alone when only the types are new. */
static void
put_schema_if_new(void)
{
	size_t i = 0;
	int types;

	if (outsc.n == insc.n)
		for (i = 0; i < insc.n; i++)
			if (strcmp(outsc.names[i], insc.names[i]) != 0)
				break;
	types = insc.types == NULL ? outsc.types == NULL : outsc.types != NULL &&
	    memcmp(insc.types, outsc.types, insc.n) == 0;
	if (outsc.n == insc.n && i == insc.n) {
		if (types)
			return;
		schema_set_types(&outsc, insc.types);
		if (outsc.types != NULL) {
			schema_put_types(&out, &outsc);
			return;
		}
	} else {
		schema_set(&outsc, insc.names, insc.n);
		schema_set_types(&outsc, insc.types);
	}
	schema_put(&out, &outsc);
}

/* --- the log --- */

static uint64_t log_version = LOG_VERSION;	/* of the log being read */

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
get_names(struct bin *b, struct schema *sc)
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
	if (log_version >= 2) {
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

static void
put_set(struct obuf *o, const struct ht *h)
{
	size_t i;

	ob_put_u64(o, h->n);
	for (i = 0; i < h->cap; i++)
		if (h->slots[i].hash != 0) {
			size_t klen;
			const char *key = ht_key(h, h->slots[i].val, &klen);

			ob_put_bytes(o, key, klen);
		}
}

static void
get_set(struct bin *b, struct ht *h)
{
	uint64_t n = bin_u64(b), i;
	int created;

	for (i = 0; i < n && !b->bad; i++) {
		size_t len;
		const char *name = bin_bytes(b, &len);

		(void)ht_get(h, name, len, &created);
	}
}

/* The resume state: everything needed to go on from here. */
static void
put_state(struct obuf *o)
{
	size_t i;

	ob_put_u64(o, (uint64_t)open_t);
	ob_put_u64(o, open_n);
	ob_put_u64(o, (uint64_t)max_event);
	ob_put_u64(o, late);
	ob_put_u64(o, bad);
	ob_put_u64(o, npend);
	for (i = 0; i < npend; i++) {
		ob_put_u64(o, (uint64_t)pend[i].t);
		ob_put_u64(o, pend[i].n);
		ob_put_bytes(o, pend[i].buf.p, pend[i].buf.len);
	}
	ob_put_u64(o, (uint64_t)records_in);
	put_names(o, &insc);
	put_names(o, &outsc);
	ob_put_u64(o, cur.kind);
	ob_put_bytes(o, cur.path ? cur.path : "", cur.path ? strlen(cur.path) : 0);
	ob_put_u64(o, (uint64_t)cur.operand);
	ob_put_u64(o, cur.off);
	ob_put_u64(o, cur.datalines);
	ob_put_u64(o, (uint64_t)cur.first);
	put_set(o, &taken);
}

static struct pending *pending_for(int64_t);

static void
get_state(struct bin *b)
{
	uint64_t i, n;

	open_t = (int64_t)bin_u64(b);
	open_n = bin_u64(b);
	max_event = (int64_t)bin_u64(b);
	late = bin_u64(b);
	bad = bin_u64(b);
	n = bin_u64(b);
	for (i = 0; i < n && !b->bad && i < 1000000; i++) {
		int64_t t = (int64_t)bin_u64(b);
		struct pending *p = pending_for(t);
		size_t len;
		const char *bytes;

		p->n = bin_u64(b);
		bytes = bin_bytes(b, &len);
		ob_write(&p->buf, bytes, len);
	}
	records_in = (int)bin_u64(b);
	get_names(b, &insc);
	get_names(b, &outsc);
	cur.kind = (enum src_kind)bin_u64(b);
	free(cur.path);
	cur.path = bin_str(b);
	if (*cur.path == '\0') {
		free(cur.path);
		cur.path = NULL;
	}
	cur.operand = (int64_t)bin_u64(b);
	cur.off = bin_u64(b);
	cur.datalines = bin_u64(b);
	cur.first = (int)bin_u64(b);
	get_set(b, &taken);
}

/* The current source is left (or the batch closes): its range so far. */
static void
seg_finish(void)
{
	if (cur.kind == SRC_FILE && cur.off > seg_start) {
		segs = ereallocarray(segs, nsegs + 1, sizeof(*segs));
		segs[nsegs].path = estrdup(cur.path);
		segs[nsegs].operand = cur.operand;
		segs[nsegs].start = seg_start;
		segs[nsegs].end = cur.off;
		nsegs++;
	}
	seg_start = cur.off;
}

static void
segs_clear(void)
{
	while (nsegs > 0)
		free(segs[--nsegs].path);
	ob_reset(&wal);
}

/*
 * Writes log-T once batch T is closed: the version, T, what the batch
 * consumed (segments: a file's path, operand and byte range, or an empty
 * path and the bytes of standard input), then the state to go on from.
 */
static void
log_batch(int64_t t)
{
	size_t i;

	if (cko.root == NULL)
		return;
	seg_finish();
	if (last_logged == CK_NONE || t > last_logged) {
		ob_reset(&logbuf);
		ob_put_u64(&logbuf, LOG_VERSION);
		ob_put_u64(&logbuf, (uint64_t)t);
		ob_put_u64(&logbuf, nsegs + (wal.len > 0));
		for (i = 0; i < nsegs; i++) {
			ob_put_bytes(&logbuf, segs[i].path, strlen(segs[i].path));
			ob_put_u64(&logbuf, (uint64_t)segs[i].operand);
			ob_put_u64(&logbuf, segs[i].start);
			ob_put_u64(&logbuf, segs[i].end);
		}
		if (wal.len > 0) {
			ob_put_bytes(&logbuf, "", 0);
			ob_put_bytes(&logbuf, wal.p, wal.len);
		}
		put_state(&logbuf);
		ck_save(&ck, t, logbuf.p, logbuf.len);
		last_logged = t;
		ck_prune(&ck, ck_committed(cko.root));
	}	/* else replayed: logged before */
	segs_clear();
}

/* --- batches --- */

static void
put_end_line(int64_t t, uint64_t n)
{
	char attrs[64];
	int len;

	if (event_field == NULL)
		len = snprintf(attrs, sizeof(attrs), "n=%llu\tmade=%lld",
		    (unsigned long long)n, (long long)ts_now());
	else
		len = snprintf(attrs, sizeof(attrs), "n=%llu",
		    (unsigned long long)n);
	put_end(&out, t, attrs, (size_t)len);
	ob_flush(&out);
}

/* Event time: the next batch starts with what was waiting for it. */
static void
take_pending(void)
{
	if (npend > 0 && pend[0].t == open_t) {
		ob_write(&out, pend[0].buf.p, pend[0].buf.len);
		out_mark = pend[0].mark;
		open_n = pend[0].n;
		ob_free(&pend[0].buf);
		memmove(pend, pend + 1, --npend * sizeof(*pend));
	}
}

/* Closes the open batch: logged first, then its #end. */
static void
close_open(void)
{
	int64_t t = open_t;
	uint64_t n = open_n;

	open_t += interval;
	open_n = 0;
	files_in_batch = 0;
	log_batch(t);
	put_end_line(t, n);
	take_pending();
}

/* Writes a data line (raw text is escaped as the one field "line"), line
 * lineno of src (NULL: standard input), after an #at if it is needed. */
static void
put_line(struct obuf *o, struct pos_mark *m, uint64_t id, const char *src,
    uint64_t lineno, const char *s, size_t n)
{
	pos_put(o, m, id, src, lineno);
	if (records_in)
		ob_write(o, s, n);
	else
		rec_put_field(o, s, n, 1);
	ob_putc(o, '\n');
}

static struct pending *
pending_for(int64_t t)
{
	size_t i, j;

	for (i = 0; i < npend && pend[i].t < t; i++)
		;
	if (i < npend && pend[i].t == t)
		return &pend[i];
	if (npend == cappend) {
		cappend = cappend ? cappend * 2 : 8;
		pend = ereallocarray(pend, cappend, sizeof(*pend));
	}
	for (j = npend++; j > i; j--)
		pend[j] = pend[j - 1];
	pend[i].t = t;
	pend[i].n = 0;
	pend[i].mark.id = 0;
	ob_init(&pend[i].buf, -1, "pending");
	return &pend[i];
}

/*
 * Event time: the clock starts only once two of the first records agree
 * (lie within --max-ahead of each other), so that one far-past or
 * far-future record cannot set it alone. Until then records wait here.
 */
#define EARLY_MAX 64		/* records that never agree: the first wins */
static struct early {
	char		*line, *src;
	size_t		 n, fo, fn;	/* the line; its time field */
	uint64_t	 lineno, id;
	int64_t		 t;
} early[EARLY_MAX];
static size_t nearly;

static void event_line(uint64_t, const char *, uint64_t, char *, size_t);

/* Counts a bad line (reported by the caller); at the --max-errors'th the
 * stream fails: the open batch is not closed and no #eos written. */
static void
bad_line(void)
{
	bad++;
	if (max_errors > 0 && bad >= (uint64_t)max_errors) {
		ob_flush(&out);
		max_errors_stop(bad, max_errors);
	}
}

/* Starts the clock at early[k] and passes the waiting records through:
 * those that came before it agree with no other, and are bad lines. */
static void
clock_go(size_t k)
{
	char where[300], shown[256], d[40];
	size_t i;

	open_t = batch_of(early[k].t);
	for (i = 0; i < nearly; i++) {
		if (i < k) {
			warnx("%s: %s \"%s\" lies more than %s (--max-ahead) from "
			    "the records after it: an outlier, dropped",
			    loc_format(where, sizeof(where), early[i].src,
			    early[i].lineno), event_field, safe_text(shown,
			    sizeof(shown), early[i].line + early[i].fo, early[i].fn),
			    dur_format(max_ahead, d));
			bad_line();
		} else
			event_line(early[i].id, early[i].src, early[i].lineno,
			    early[i].line, early[i].n);
		free(early[i].line);
		free(early[i].src);
	}
	nearly = 0;
}

/* Takes a record while the clock has not started: 1 if it has now (the
 * caller goes on with this record), 0 if the record waits. */
static int
clock_start(uint64_t id, const char *src, uint64_t lineno, const char *s,
    size_t n, const char *f, size_t fn, int64_t t)
{
	size_t i, k;

	for (k = 0; k < nearly; k++) {
		int64_t d = early[k].t > t ? early[k].t - t : t - early[k].t;

		if (d <= max_ahead)
			break;
	}
	if (k < nearly || nearly == EARLY_MAX) {
		/* the first waiting record that agrees with another */
		for (i = 0; i < k; i++) {
			size_t j;

			for (j = i + 1; j < nearly; j++)
				if (llabs(early[i].t - early[j].t) <= max_ahead)
					break;
			if (j < nearly)
				break;
		}
		clock_go(k < nearly ? (i < k ? i : k) : 0);
		return 1;
	}
	early[nearly].line = estrndup(s, n);
	early[nearly].n = n;
	early[nearly].fo = (size_t)(f - s);
	early[nearly].fn = fn;
	early[nearly].src = src ? estrdup(src) : NULL;
	early[nearly].lineno = lineno;
	early[nearly].id = id;
	early[nearly].t = t;
	nearly++;
	return 0;
}

/* At the end: records that waited start the clock at the first of them. */
static void
clock_flush(void)
{
	if (open_t == INT64_MIN && nearly > 0)
		clock_go(0);
}

static void
event_line(uint64_t id, const char *src, uint64_t lineno, char *s, size_t n)
{
	char where[300], shown[256];
	const char *why, *f = s;
	size_t fn = n, i;
	int64_t t, bt;
	char fs = records_in ? '\t' : sep;

	if (n == 0) {
		warnx("%s: an empty line", loc_format(where, sizeof(where), src,
		    lineno));
		bad_line();
		return;
	}
	/* find the time field without disturbing the line */
	for (i = 0; i < (size_t)event_col && f != NULL; i++) {
		const char *c = memchr(f, fs, (size_t)(s + n - f));

		f = c ? c + 1 : NULL;
	}
	if (f == NULL) {
		warnx("%s: no field %s: %s", loc_format(where, sizeof(where), src,
		    lineno), event_field, safe_text(shown, sizeof(shown), s, n));
		bad_line();
		return;
	}
	{
		const char *c = memchr(f, fs, (size_t)(s + n - f));

		fn = (size_t)((c ? c : s + n) - f);
	}
	if ((why = ts_parse_memo(&event_memo, f, fn, &zone, time_format,
	    &t)) != NULL) {
		warnx("%s: %s \"%s\" is not a timestamp%s%s%s",
		    loc_format(where, sizeof(where), src, lineno), event_field,
		    safe_text(shown, sizeof(shown), f, fn),
		    strcmp(why, "not a timestamp") != 0 ? " (" : "",
		    strcmp(why, "not a timestamp") != 0 ? why : "",
		    strcmp(why, "not a timestamp") != 0 ? ")" : "");
		bad_line();
		return;
	}
	if (open_t == INT64_MIN &&
	    !clock_start(id, src, lineno, s, n, f, fn, t))
		return;		/* waits for a record that agrees with it */
	bt = batch_of(t);
	if (bt < open_t) {
		late++;
		if (!late_next)
			return;
		bt = open_t;
	}
	if (bt - open_t > max_ahead) {
		char d[40];

		warnx("%s: %s \"%s\" is more than %s (--max-ahead) after the "
		    "open batch", loc_format(where, sizeof(where), src, lineno),
		    event_field, safe_text(shown, sizeof(shown), f, fn),
		    dur_format(max_ahead, d));
		bad_line();
		return;
	}
	if (t > max_event)
		max_event = t;
	/* batch T is complete once the watermark has passed T */
	while (open_t <= max_event - watermark)
		close_open();
	if (bt == open_t) {
		put_line(&out, &out_mark, id, src, lineno, s, n);
		open_n++;
	} else {
		struct pending *p = pending_for(bt);

		put_line(&p->buf, &p->mark, id, src, lineno, s, n);
		p->n++;
	}
}

static void
bind_event_field(const char *src)
{
	if (event_field == NULL)
		return;
	if (records_in) {
		if ((event_col = schema_find(&insc, event_field)) < 0)
			errx(SK_EXIT_DATA, "%s: --event-time %s: no such field",
			    src, event_field);
	} else {
		const char *why;

		event_col = (long)strtonum(event_field, 1, 100000, &why) - 1;
		if (why != NULL)
			errx(SK_EXIT_DATA, "%s: --event-time %s: raw lines need a "
			    "column number (or parse them first)", src,
			    event_field);
	}
}

/* Handles one line of the current source, line input_line of what it
 * reads; returns 1 at #eos of a record stream. */
static int
take_line(char *s, size_t n, uint64_t input_line)
{
	const char *src = cur.kind == SRC_STDIN ? NULL : cur.path;
	uint64_t id, lineno;

	if (cur.first) {
		cur.first = 0;
		cur.datalines = 0;
		records_in = rec_stream_start(s, n);
		if (!records_in) {
			static const unsigned char str[] = { CT_STR };
			char *line = "line";

			schema_set(&insc, &line, 1);
			schema_set_types(&insc, str);
			bind_event_field(src ? src : "stdin");
			put_schema_if_new();
		}
	}
	if (records_in) {
		enum ctl c = rec_ctl(s, n);

		stream_note(&src_end, c);
		switch (c) {
		case CTL_DATA:
			break;
		case CTL_FIELDS:
			schema_parse(&insc, s, n);
			bind_event_field(src ? src : "stdin");
			put_schema_if_new();
			return 0;
		case CTL_AT:		/* the user's file and line */
			if (pos_take(&in_at, src ? src : "stdin", input_line, s,
			    n) == 0)
				pos_id++;
			return 0;
		case CTL_TYPES:
			if (schema_types(&insc, s, n) < 0)
				warnx("%s: a #types line that does not fit its "
				    "#fields: left out", src ? src : "stdin");
			put_schema_if_new();
			return 0;
		case CTL_EOS:
			return 1;
		case CTL_END:
		case CTL_INTERVAL:
		case CTL_STREAM:
			return 0;	/* batched anew here, under our header */
		default:
			if (strncmp(s, "#checkpoint\t", 12) == 0)
				return 0;
			ob_write(&out, s, n);
			ob_putc(&out, '\n');
			return 0;
		}
	}
	src_end.lines = 1;
	if (event_field != NULL && event_col < 0)	/* resumed mid-source */
		bind_event_field(src ? src : "stdin");
	if (records_in && in_at.line > 0) {	/* placed by the tool before */
		id = pos_id;
		src = in_at.file;
		lineno = in_at.line++;
	} else {
		id = cur.id;
		lineno = cur.datalines + 1;
	}
	if (event_field != NULL)
		event_line(id, src, lineno, s, n);
	else {
		put_line(&out, &out_mark, id, src, lineno, s, n);
		open_n++;
	}
	cur.datalines++;	/* after: a batch this line closed ends before it */
	return 0;
}

/* Lines too long that ib skipped (and reported): bad lines, that count in
 * the line numbers after them. */
static void
skipped_lines(const struct ibuf *ib)
{
	for (; long_seen < ib->long_lines; long_seen++) {
		cur.datalines++;
		bad_line();
	}
}

/* A line read from ib: what it consumed is known before and after it. */
static int
handle(struct ibuf *ib, char *s, size_t n, uint64_t before)
{
	int eos;

	cur.off = before;	/* a batch closed by this line ends before it */
	skipped_lines(ib);
	eos = take_line(s, n, ib->lineno);
	cur.off = ib_offset(ib);
	if (cur.kind == SRC_STDIN && cko.root != NULL) {
		ob_write(&wal, s, n);
		ob_putc(&wal, '\n');
	}
	return eos;
}

static void
enter_source(enum src_kind kind, const char *path, int64_t operand,
    uint64_t off)
{
	char *copy = path ? estrdup(path) : NULL;	/* path may be cur.path */

	seg_finish();
	cur.kind = kind;
	free(cur.path);
	cur.path = copy;
	cur.id = ++pos_id;
	pos_free(&in_at);	/* a record stream places its own lines */
	in_at.line = 0;
	cur.operand = operand;
	cur.off = off;
	cur.first = off == 0;
	seg_start = off;
	/* by the processing-time clock, a pipe that stays silent and closes
	 * is a live source that had nothing (the clock made its batches);
	 * by event time, an empty pipe is a record stream whose tool died */
	stream_end_init(&src_end, kind == SRC_STDIN && event_field != NULL ?
	    STDIN_FILENO : -1);
	long_seen = 0;
	if (off > 0) {		/* resumed: its start was read before */
		src_end.lines = 1;
		src_end.header = records_in;
	}
}

/* An input cannot be read: the stream fails (exit 1, the open batch not
 * closed, no #eos), so that nothing after it is taken for complete. */
static void
fail_stream(void)
{
	ob_flush(&out);
	exit(SK_EXIT_DATA);
}

/* The current source is read through: dies if it broke (a record stream
 * without #eos, or a pipe that gave nothing), leaving the open batch
 * unclosed and no #eos, so that the tools after it drop it too. */
static void
source_ended(const struct ibuf *ib)
{
	skipped_lines(ib);
	if (stream_broken(&src_end, ib)) {
		ob_flush(&out);
		errx(SK_EXIT_DATA, "%s: %s", cur.path ? cur.path : "stdin",
		    stream_broken_why(&src_end, ib));
	}
}

/*
 * Reads the current source through, from cur.off up to limit (a replayed
 * range) or to its end.
 */
static void
read_through(int fd, uint64_t limit)
{
	struct ibuf ib;
	char *s;
	size_t n;
	int eos = 0;

	ib_init(&ib, fd, cur.path ? cur.path : "stdin");
	ib_reset(&ib, fd, ib.name, cur.off);
	ib.flush = &out;
	while (!eos && !stopping && ib_offset(&ib) < limit) {
		uint64_t before = ib_offset(&ib);

		if (!ib_getline(&ib, &s, &n))
			break;
		eos = handle(&ib, s, n, before);
	}
	if (ib.eof && limit == UINT64_MAX && !stopping)
		source_ended(&ib);
	ib_free(&ib);
}

static int
open_at(const char *path, uint64_t off, int flags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);

	if (fd >= 0 && off > 0 && lseek(fd, (off_t)off, SEEK_SET) < 0)
		err(SK_EXIT_DATA, "%s", path);
	return fd;
}

/* A file of the watched directory: a regular file only, never through a
 * link, and never one whose open would block (a FIFO). */
static int
open_watched(const char *path, uint64_t off)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;

	if (fd < 0 && errno == ELOOP) {
		warnx("%s: a link: not followed, skipped", path);
		return -2;
	}
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		warnx("%s: not a regular file: skipped", path);
		return -2;
	}
	if (off > 0 && lseek(fd, (off_t)off, SEEK_SET) < 0)
		err(SK_EXIT_DATA, "%s", path);
	return fd;
}

/* Reads a file as a source from off: 0, or -1 if it cannot be opened. */
static int
read_file(const char *path, int64_t operand, uint64_t off, uint64_t limit)
{
	int fd = operand < 0 ? open_watched(path, off) : open_at(path, off, 0);

	if (fd == -2)
		return -1;
	if (fd < 0) {
		if (errno != EINTR || !stopping)	/* a stop while a FIFO opens */
			warn("%s", path);
		return -1;
	}
	enter_source(SRC_FILE, path, operand, off);
	read_through(fd, limit);
	close(fd);
	return 0;
}

/* --- watching a directory --- */

static int
eligible(const char *name)
{
	if (name[0] == '.' || name[0] == '_')
		return 0;
	return glob == NULL || fnmatch(glob, name, 0) == 0;
}

/* Orders "+name" and "-name" by name. */
static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

static void
enqueue(const char *name)
{
	int created;

	(void)ht_get(&seen, name, strlen(name), &created);
	if (!created || ht_find(&taken, name, strlen(name)) != NULL)
		return;
	if (qlen == qcap) {
		if (qhead > 0) {
			memmove(queue, queue + qhead, (qlen - qhead) * sizeof(*queue));
			qlen -= qhead;
			qhead = 0;
		}
		if (qlen == qcap) {
			qcap = qcap ? qcap * 2 : 64;
			queue = ereallocarray(queue, qcap, sizeof(*queue));
		}
	}
	queue[qlen++] = estrdup(name);
}

static void
mark(struct ht *h, const char *name)
{
	int created;

	(void)ht_get(h, name, strlen(name), &created);
}

/* Lists the directory; new eligible regular files are queued by name (or
 * only remembered as skipped, when skip: all of them, or with start_t0 set,
 * those that were there at the first start). Links, FIFOs and the like are
 * never taken. */
static void
scan_dir(int skip)
{
	char path[PATH_MAX], **names = NULL;
	size_t n = 0, i;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if ((d = opendir(watch_dir)) == NULL)
		err(SK_EXIT_DATA, "%s", watch_dir);
	while ((de = readdir(d)) != NULL) {
		if (!eligible(de->d_name) || ht_find(&seen, de->d_name,
		    strlen(de->d_name)) != NULL)
			continue;
		epathf(path, sizeof(path), "%s/%s", watch_dir, de->d_name);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		names = ereallocarray(names, n + 1, sizeof(*names));
		/* "+name": skipped; "-name": came after the first start */
		names[n] = emalloc(strlen(de->d_name) + 2);
		names[n][0] = skip && (start_t0 == 0 ||
		    (int64_t)st.st_ctim.tv_sec * 1000000000 +
		    st.st_ctim.tv_nsec <= start_t0) ? '+' : '-';
		strcpy(names[n++] + 1, de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		if (names[i][0] == '+') {
			mark(&seen, names[i] + 1);
			mark(&taken, names[i] + 1);
		} else
			enqueue(names[i] + 1);
		free(names[i]);
	}
	free(names);
}

static void
read_inotify(void)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;
	char *p;

	while ((len = read(inotify_fd, buf, sizeof(buf))) > 0)
		for (p = buf; p < buf + len;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF |
			    IN_IGNORED)) {	/* the directory itself went */
				ob_flush(&out);
				errx(SK_EXIT_DATA, "%s: removed or moved away while "
				    "watched", watch_dir);
			}
			if (ev->len > 0 && eligible(ev->name))
				enqueue(ev->name);
			if (ev->mask & IN_Q_OVERFLOW)
				scan_dir(0);	/* events lost: look again */
			p += sizeof(*ev) + ev->len;
		}
	if (len < 0 && errno != EAGAIN && errno != EINTR)
		err(SK_EXIT_DATA, "inotify");
}

static void
start_watch(int first_start)
{
	struct stat st;

	if (stat(watch_dir, &st) < 0)
		err(SK_EXIT_DATA, "%s", watch_dir);
	if (!S_ISDIR(st.st_mode))
		errx(SK_EXIT_DATA, "%s: not a directory", watch_dir);
	if (poll_every == 0 && !once) {
		/* watch before listing, so no file falls between the two */
		inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (inotify_fd < 0 || inotify_add_watch(inotify_fd, watch_dir,
		    IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF |
		    IN_MOVE_SELF) < 0) {
			warn("inotify on %s: polling every second", watch_dir);
			poll_every = 1000;
		}
	}
	/* at the first start, files already there are skipped (not so after a
	 * restart: they may have come while the pipeline was down) */
	scan_dir(first_start && !(take_all || once));
}

/* Takes queued files, as many as --max-files allows in this batch. */
static void
take_files(void)
{
	char path[PATH_MAX];

	while (qhead < qlen && !stopping &&
	    (max_files == 0 || files_in_batch < max_files)) {
		char *name = queue[qhead++];

		epathf(path, sizeof(path), "%s/%s", watch_dir, name);
		mark(&taken, name);
		(void)read_file(path, -1, 0, UINT64_MAX);
		free(name);
		files_in_batch++;
	}
}

/* --- restarting --- */

static void
put_header(void)
{
	stream_put_header(&out, NULL);
	ob_puts(&out, "#interval\t");
	ob_putint(&out, interval);
	ob_putc(&out, '\n');
	if (cko.root != NULL) {
		ob_puts(&out, "#checkpoint\tevery=");
		ob_putint(&out, ck.every);
		ob_putc(&out, '\n');
	}
	if (outsc.n > 0)
		schema_put(&out, &outsc);
}

/*
 * The first start of a --watch with --checkpoint, in two steps, so that a
 * kill between them loses no file: `start` first holds the time of the
 * first start (the ctime a file made then got), then also the names it
 * skipped. Returns 1 if the first start is not complete yet (start_t0 is
 * set if it had begun).
 */
static int
first_start_files(void)
{
	char path[PATH_MAX];
	const char *why;
	struct bin b;
	size_t n;
	void *p;
	int complete;

	epathf(path, sizeof(path), "%s/start", ck.dir);
	if ((p = ck_get(path, &n, &why)) == NULL) {
		if (strcmp(why, "missing") != 0)
			errx(SK_EXIT_DATA, "%s: %s", path, why);
		return 1;
	}
	bin_init(&b, p, n);
	if (bin_u64(&b) != START_VERSION)
		errx(SK_EXIT_DATA, "%s: another version", path);
	start_t0 = (int64_t)bin_u64(&b);
	complete = bin_u64(&b) == 1;
	get_set(&b, &taken);
	if (b.bad || b.p != b.e || start_t0 <= 0)
		errx(SK_EXIT_DATA, "%s: cut short, or a field out of its range",
		    path);
	if (complete) {
		bin_init(&b, p, n);
		(void)bin_u64(&b);
		(void)bin_u64(&b);
		(void)bin_u64(&b);
		get_set(&b, &seen);
	}
	free(p);
	return !complete;
}

/* Writes `start`: its time (taken from the file itself when 0) and, when
 * complete, the names skipped. */
static void
write_start(int complete)
{
	struct ck_file f;
	struct stat st;

	ck_file_begin(&ck, "start", &f);
	if (start_t0 == 0) {
		if (fstat(f.fd, &st) < 0)
			err(SK_EXIT_DATA, "%s", f.tmp);
		start_t0 = (int64_t)st.st_ctim.tv_sec * 1000000000 +
		    st.st_ctim.tv_nsec;
	}
	ob_reset(&logbuf);
	ob_put_u64(&logbuf, START_VERSION);
	ob_put_u64(&logbuf, (uint64_t)start_t0);
	ob_put_u64(&logbuf, (uint64_t)complete);
	if (complete)
		put_set(&logbuf, &taken);
	else
		ob_put_u64(&logbuf, 0);
	ck_file_write(&f, logbuf.p, logbuf.len);
	ck_file_end(&f);
}

/* Whether a log may name path as operand: only this command's operands and
 * the files of its watched directory are ever read again (a log is
 * checked, not trusted). */
static int
same_file(const char *a, const char *b)
{
	struct stat x, y;

	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	    x.st_ino == y.st_ino;
}

static int
path_allowed(const char *path, int64_t operand)
{
	char dir[PATH_MAX];
	const char *base = strrchr(path, '/');

	if (operand >= 0)
		return operand < noperands && (strcmp(path, operands[operand]) ==
		    0 || same_file(path, operands[operand]));
	if (operand != -1 || watch_dir == NULL || base == NULL ||
	    base[1] == '\0' || !eligible(base + 1))
		return 0;
	/* the watched directory, however it was spelled then */
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
	return same_file(dir[0] != '\0' ? dir : "/", watch_dir);
}

/* Feeds the segments of one logged batch through the batcher again (or,
 * with feed 0, only reads past them). */
static void
replay_segments(struct bin *b, int feed)
{
	uint64_t nseg = bin_u64(b), i;

	for (i = 0; i < nseg && !b->bad; i++) {
		char *path = bin_str(b);

		if (*path == '\0') {	/* standard input: the bytes */
			size_t len;
			const char *bytes = bin_bytes(b, &len);
			struct ibuf ib;
			char *s;
			size_t n;

			if (feed) {
				if (cur.kind != SRC_STDIN)
					enter_source(SRC_STDIN, NULL, -1, 0);
				ib_init(&ib, -1, "log");
				ob_reset(&wal);	/* refilled by handle() */
				while (ib.cap < len)
					ib.cap *= 2;
				ib.p = erealloc(ib.p, ib.cap);
				memcpy(ib.p, bytes, len);
				ib.end = len;
				ib.eof = 1;
				while (ib_next(&ib, &s, &n))
					(void)handle(&ib, s, n, cur.off);
				ib_free(&ib);
			}
		} else {
			int64_t operand = (int64_t)bin_u64(b);
			uint64_t start = bin_u64(b), end = bin_u64(b);
			const char *slash = strrchr(path, '/');

			if (!b->bad && (!path_allowed(path, operand) ||
			    start > end))
				errx(SK_EXIT_DATA, "%s: a logged batch names %s, which "
				    "this command does not read: refused", ck.dir,
				    path);
			if (feed) {
				if (operand < 0 && watch_dir != NULL)
					mark(&taken, slash ? slash + 1 : path);
				if (read_file(path, operand, start, end) < 0)
					errx(SK_EXIT_DATA, "%s: needed to replay a "
					    "batch", path);
			}
		}
		free(path);
	}
}

/* Whether a resume state read back from a log can be this command's: NULL,
 * or why not (every value a loop or an index depends on is checked). */
static const char *
state_fits(void)
{
	size_t i;

	if (cur.kind > SRC_FILE || cur.first > 1 || records_in > 1)
		return "a field out of its range";
	if (cur.kind == SRC_FILE && (cur.path == NULL ||
	    !path_allowed(cur.path, cur.operand)))
		return "a source this command does not read";
	if (open_t != INT64_MIN && (open_t % interval != 0 ||
	    (max_event != INT64_MIN && max_event > open_t + max_ahead +
	    watermark)))
		return "batch times that do not fit --interval and --max-ahead";
	for (i = 0; i < npend; i++)
		if (pend[i].t % interval != 0 || pend[i].t <= open_t ||
		    pend[i].t - open_t > max_ahead + interval)
			return "a pending batch out of range";
	return NULL;
}

/* Reads log-T: NULL (with *why) if it is missing or does not check. */
static void *
read_log(int64_t t, struct bin *b, const char **why)
{
	char path[PATH_MAX];
	size_t n;
	void *p;

	epathf(path, sizeof(path), "%s/log-%lld", ck.dir, (long long)t);
	if ((p = ck_get(path, &n, why)) == NULL)
		return NULL;
	bin_init(b, p, n);
	if ((log_version = bin_u64(b)) < 1 || log_version > LOG_VERSION ||
	    (int64_t)bin_u64(b) != t) {
		free(p);
		*why = "another version";
		return NULL;
	}
	return p;
}

/* The logged batch after t (CK_NONE: the first), or CK_NONE. */
static int64_t
next_log(int64_t t)
{
	int64_t next = CK_NONE;
	struct dirent *de;
	DIR *d = opendir(ck.dir);

	if (d == NULL)
		err(SK_EXIT_DATA, "%s", ck.dir);
	while ((de = readdir(d)) != NULL) {
		char *end;
		long long v;

		if (strncmp(de->d_name, "log-", 4) != 0)
			continue;
		v = strtoll(de->d_name + 4, &end, 10);
		if (*end == '\0' && (t == CK_NONE || v > t) &&
		    (next == CK_NONE || v < next))
			next = v;
	}
	closedir(d);
	return next;
}

/*
 * Restores the state at the pipeline's restore point and replays every
 * logged batch after it, as it was first made. Returns 1 at the very
 * first start of the pipeline.
 */
static int
restore(int nwords, char *words[])
{
	int64_t tc, ts, t;
	const char *why;
	struct bin b;
	void *p;
	int first;

	ck_open(&ck, &cko, "stream-split", CK_SOURCE, nwords, words);
	ck.interval = interval;
	tc = ck.frozen = ck_committed(cko.root);
	ts = ck_restore_point(cko.root, tc);
	first = watch_dir != NULL ? first_start_files() : next_log(CK_NONE) ==
	    CK_NONE;
	if (ts != CK_NONE) {
		if ((p = read_log(ts, &b, &why)) == NULL)
			errx(SK_EXIT_DATA, "%s/log-%lld: %s", ck.dir,
			    (long long)ts, why);
		replay_segments(&b, 0);
		get_state(&b);
		if (b.bad)
			errx(SK_EXIT_DATA, "%s/log-%lld: cut short", ck.dir,
			    (long long)ts);
		if ((why = state_fits()) != NULL)
			errx(SK_EXIT_DATA, "%s/log-%lld: %s: refused", ck.dir,
			    (long long)ts, why);
		free(p);
		seg_start = cur.off;
		last_logged = ts;
		first = 0;
	}
	put_header();
	take_pending();
	for (t = next_log(ts); t != CK_NONE; t = next_log(t)) {
		if ((p = read_log(t, &b, &why)) == NULL) {
			if (tc != CK_NONE && t <= tc)
				errx(SK_EXIT_DATA, "%s/log-%lld: %s: a committed "
				    "batch cannot be made again", ck.dir,
				    (long long)t, why);
			warnx("%s/log-%lld: %s: the batches from here on are "
			    "made again", ck.dir, (long long)t, why);
			break;
		}
		last_logged = t;
		replay_segments(&b, 1);
		/* the batch closes where it closed when it was made, whatever
		 * comes after it now (with event time, the end of the input
		 * may have closed it then, and new files hold later records) */
		if (event_field == NULL)
			open_t = t;
		while (open_t != INT64_MIN && open_t <= t)
			close_open();
		free(p);
	}
	return first;
}

/* --- the main loops --- */

static void
finish(void)
{
	if (event_field != NULL) {
		clock_flush();
		/* up to the batch of the newest record: after a restart with
		 * nothing new, the open batch holds nothing yet */
		if (open_t != INT64_MIN && max_event != INT64_MIN) {
			int64_t last = batch_of(max_event);

			if (npend > 0 && pend[npend - 1].t > last)
				last = pend[npend - 1].t;
			while (open_t <= last)
				close_open();
		}
	} else
		close_open();
	ob_puts(&out, "#eos\n");
	ob_flush(&out);
	if (late > 0)
		warnx("%llu late records %s", (unsigned long long)late,
		    late_next ? "put in the open batch" : "dropped");
	if (bad > 0)
		warnx("%llu bad lines dropped", (unsigned long long)bad);
}

/* The operand to go on with: where a restart left off, or the first. */
static int
first_operand(void)
{
	if (cur.kind == SRC_FILE && cur.operand >= 0)
		return (int)cur.operand;
	return 0;
}

/* Event time: sources are read through, in order; batches follow the data. */
static int
run_event_time(void)
{
	int64_t next_poll = 0;
	int status = SK_EXIT_OK, k;

	if (watch_dir == NULL && noperands == 0) {
		if (cur.kind != SRC_STDIN)
			enter_source(SRC_STDIN, NULL, -1, 0);
		read_through(STDIN_FILENO, UINT64_MAX);
	}
	for (k = first_operand(); k < noperands && !stopping; k++) {
		uint64_t off = cur.kind == SRC_FILE && cur.operand == k ? cur.off : 0;

		if (read_file(operands[k], k, off, UINT64_MAX) < 0 && !stopping)
			fail_stream();
	}
	if (watch_dir != NULL) {
		if (cur.kind == SRC_FILE && cur.operand < 0 && cur.path != NULL)
			(void)read_file(cur.path, -1, cur.off, UINT64_MAX);
		take_files();
		while (!once && !stopping) {
			/* the watch, and the reader of the output: waiting
			 * for files, split must notice that it is gone */
			struct pollfd p[2] = { { inotify_fd, POLLIN, 0 },
			    { out.pipe ? out.fd : -1, 0, 0 } };
			int64_t now = ts_now();

			if (poll_every > 0 && now >= next_poll) {
				scan_dir(0);
				next_poll = now + poll_every;
			}
			ob_flush(&out);
			if (poll(p, 2, poll_every > 0 ? (int)(next_poll - now) :
			    -1) > 0) {
				if (p[1].revents != 0)
					ob_check_reader(&out);
				if (p[0].revents != 0)
					read_inotify();
			}
			take_files();
		}
	}
	finish();
	return status;
}

/* Opens the next operand (or standard input) for the processing-time
 * loop: its descriptor, or -1 when there is none left. */
static int
next_input(struct ibuf *ib, int *k)
{
	int fd;

	if (noperands == 0) {
		if (*k > 0)
			return -1;
		(*k)++;
		if (cur.kind != SRC_STDIN)
			enter_source(SRC_STDIN, NULL, -1, 0);
		ib_reset(ib, STDIN_FILENO, "stdin", 0);
		return STDIN_FILENO;
	}
	for (; *k < noperands; (*k)++) {
		uint64_t off = cur.kind == SRC_FILE && cur.operand == *k ?
		    cur.off : 0;

		/* not blocking: a FIFO nobody writes yet must not stop the
		 * clock; poll(2) says when it has data or its writer left */
		if ((fd = open_at(operands[*k], off, O_NONBLOCK)) < 0) {
			if (errno == EINTR && stopping)
				return -1;
			warn("%s", operands[*k]);
			fail_stream();
		}
		enter_source(SRC_FILE, operands[*k], *k, off);
		ib_reset(ib, fd, cur.path, off);
		(*k)++;
		return fd;
	}
	return -1;
}

/* Processing time: a wall-clock timer closes a batch every interval. */
static int
run_processing_time(void)
{
	struct ibuf ib;
	int64_t now = ts_now(), next_poll = 0;
	int status = SK_EXIT_OK, fd = -1, k = first_operand(), eos = 0;
	int reading = watch_dir == NULL;
	char *s;
	size_t n;

	if (open_t == INT64_MIN || (!once && open_t < batch_of(now)))
		open_t = batch_of(now);		/* no batches for the time down */
	if (watch_dir != NULL && once) {	/* what is there now, then end */
		if (cur.kind == SRC_FILE && cur.path != NULL)
			(void)read_file(cur.path, -1, cur.off, UINT64_MAX);
		while (qhead < qlen && !stopping) {
			take_files();
			close_open();
		}
		ob_puts(&out, "#eos\n");
		ob_flush(&out);
		return status;
	}
	ib_init(&ib, -1, "stdin");
	for (;;) {
		struct pollfd p[3];
		nfds_t np = 0;
		int timeout, out_at = -1;

		if (reading && fd < 0) {
			eos = 0;
			if ((fd = next_input(&ib, &k)) < 0)
				reading = 0;
		}
		if ((!reading && watch_dir == NULL) || stopping)
			break;
		now = ts_now();
		while (now >= open_t)		/* the timer: every tick a batch */
			close_open();
		if (watch_dir != NULL) {
			if (poll_every > 0 && now >= next_poll) {
				scan_dir(0);
				next_poll = now + poll_every;
			}
			take_files();
		}
		timeout = (int)(open_t - now);
		if (poll_every > 0 && next_poll - now < timeout)
			timeout = (int)(next_poll - now);
		if (fd >= 0)
			p[np++] = (struct pollfd){ fd, POLLIN, 0 };
		if (inotify_fd >= 0)
			p[np++] = (struct pollfd){ inotify_fd, POLLIN, 0 };
		if (out.pipe) {		/* the reader of the output, if it goes */
			out_at = (int)np;
			p[np++] = (struct pollfd){ out.fd, 0, 0 };
		}
		ob_flush(&out);
		if (poll(p, np, timeout < 0 ? 0 : timeout) <= 0)
			continue;
		if (out_at >= 0 && p[out_at].revents != 0)
			ob_check_reader(&out);
		if (inotify_fd >= 0 && p[fd >= 0 ? 1 : 0].revents != 0)
			read_inotify();
		if (fd >= 0 && p[0].revents != 0) {
			ssize_t got = ib_fill(&ib);

			for (;;) {
				uint64_t before = ib_offset(&ib);

				if (eos || !ib_next(&ib, &s, &n))
					break;
				eos = handle(&ib, s, n, before);
			}
			if (got == 0 || eos) {
				if (got == 0)
					source_ended(&ib);
				if (fd != STDIN_FILENO)
					close(fd);
				fd = -1;
			}
		}
	}
	ib.fd = -1;
	ib_free(&ib);
	finish();
	return status;
}

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "event-time", required_argument, NULL, 'e' },
		{ "watermark", required_argument, NULL, 'w' },
		{ "late", required_argument, NULL, 'l' },
		{ "max-ahead", required_argument, NULL, 'a' },
		{ "max-errors", required_argument, NULL, 'E' },
		{ "watch", required_argument, NULL, 'W' },
		{ "all", no_argument, NULL, 'A' },
		{ "glob", required_argument, NULL, 'g' },
		{ "max-files", required_argument, NULL, 'm' },
		{ "poll", required_argument, NULL, 'p' },
		{ "once", no_argument, NULL, 'o' },
		{ "sep", required_argument, NULL, 's' },
		{ "tz", required_argument, NULL, 'z' },
		{ "time-format", required_argument, NULL, 'f' },
		CK_LONGOPTS,
		CK_EVERY_LONGOPT,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *max_ahead_set = NULL;
	int ch, status, first = 1, nwords = argc, k;
	char **words = argv;

	cko.longopts = longopts;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ck_option(&cko, ch, optarg, usage_text))
			continue;
		switch (ch) {
		case 'i':
			interval = opt_duration(usage_text, "--interval", optarg);
			break;
		case 'e':
			event_field = optarg;
			break;
		case 'w':
			if (strcmp(optarg, "0") == 0)
				watermark = 0;
			else
				watermark = opt_duration(usage_text, "--watermark",
				    optarg);
			break;
		case 'l':
			if (strcmp(optarg, "next") != 0 && strcmp(optarg, "drop") != 0)
				usage_fail(usage_text, "--late %s: not drop or next",
				    optarg);
			late_next = optarg[0] == 'n';
			break;
		case 'a':
			max_ahead = opt_duration(usage_text, "--max-ahead", optarg);
			max_ahead_set = optarg;
			break;
		case 'E':
			max_errors = opt_number(usage_text, "--max-errors", optarg,
			    1, LLONG_MAX);
			break;
		case 'W':
			watch_dir = optarg;
			break;
		case 'A':
			take_all = 1;
			break;
		case 'g':
			glob = optarg;
			break;
		case 'm':
			max_files = opt_number(usage_text, "--max-files", optarg, 1,
			    INT_MAX);
			break;
		case 'p':
			poll_every = opt_duration(usage_text, "--poll", optarg);
			break;
		case 'o':
			once = 1;
			break;
		case 's':
			sep = opt_sep(usage_text, optarg);
			break;
		case 'z':
			opt_tz(usage_text, optarg, &zone);
			break;
		case 'f':
			time_format = optarg;
			break;
		default:
			opt_rest(ch, usage_text);
		}
	}
	argc -= optind;
	argv += optind;
	operands = argv;
	noperands = argc;
	for (k = 0; k < argc; k++)
		if (strcmp(argv[k], "-") == 0 && argc > 1)
			usage_fail(usage_text, "-: standard input goes alone, "
			    "not among files");
	if (argc == 1 && strcmp(argv[0], "-") == 0)
		noperands = 0;		/* standard input */
	if (watch_dir != NULL && argc > 0)
		usage_fail(usage_text, "--watch takes no file operands");
	if (watch_dir == NULL && (take_all || glob || max_files || poll_every))
		usage_fail(usage_text, "--all, --glob, --max-files and --poll go "
		    "with --watch");
	if (event_field == NULL && (watermark > 0 || late_next))
		usage_fail(usage_text, "--watermark and --late go with "
		    "--event-time");
	ck_opts_check(&cko, usage_text);
	if (max_ahead / interval > MAX_AHEAD_BATCHES) {
		if (max_ahead_set != NULL)
			usage_fail(usage_text, "--max-ahead %s: more than %d "
			    "batches of the interval", max_ahead_set,
			    MAX_AHEAD_BATCHES);
		max_ahead = interval * MAX_AHEAD_BATCHES;
	}

	sig_source(on_stop);	/* a second signal stops at once */
	ob_init(&out, STDOUT_FILENO, "stdout");
	ob_init(&wal, -1, "wal");
	ob_init(&logbuf, -1, "log");
	ht_init(&seen, 0);
	ht_init(&taken, 0);
	cur.first = 1;
	if (cko.root != NULL)
		first = restore(nwords, words);
	else
		put_header();
	if (watch_dir != NULL) {
		if (first && cko.root != NULL && start_t0 == 0)
			write_start(0);		/* the moment of the first start */
		start_watch(first);
		if (first && cko.root != NULL)	/* and what it skipped */
			write_start(1);
	}
	if (event_field != NULL)
		status = run_event_time();
	else
		status = run_processing_time();
	return status;
}
