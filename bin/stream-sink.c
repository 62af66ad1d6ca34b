/*
 * stream-sink: publishes each batch of one or more record streams, once
 * every input has reached #end T (their union): as directories like
 * saveAsTextFiles, on standard output, appended to a file, or printed like
 * DStream.print. See stream-sink(1).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <signal.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ck.h"
#include "dec.h"
#include "fsx.h"
#include "opt.h"
#include "rec.h"
#include "sig.h"
#include "stream.h"
#include "ts.h"
#include "util.h"

static const char usage_text[] =
"usage: stream-sink [--append file] [--checkpoint dir] [--dir prefix\n"
"                   [--suffix suffix]] [--format csv | json | spark | tsv]\n"
"                   [--id name] [--print [n]] [--view] [input ...]\n";

enum format { F_TSV, F_CSV, F_JSON, F_SPARK };

#define NO_TIME INT64_MIN	/* the one batch of a stream with no #end */

struct batch {
	int64_t		 t;
	struct obuf	 body;		/* rendered lines */
	struct obuf	 raw;		/* --view: the data lines as they came */
	uint64_t	 nrec;
	int64_t		 n, made;	/* #end n= and made=, or -1 */
	char		*sname;		/* --view: the stream's name then */
	long		 keys, top;
	int		 labels;
	struct batch	*next;
};

struct input {
	const char	*name;
	struct ibuf	 ib;
	struct schema	 sc;
	struct rec	 r;
	char		*sname;		/* #stream name= */
	long		 top, keys;	/* #stream top= keys= */
	int		 labels;	/* #stream labels=1: rows named by key */
	struct batch	*open;		/* being filled */
	struct batch	*head, *tail;	/* complete, waiting for the others */
	struct sreader	 sr;
	int		 done;
};

static struct input *inputs;
static size_t ninputs;
static enum format format = F_TSV;
static const char *dir_prefix, *suffix, *append_path;
static long long print_n = -1;
static int view, view_tty;
static int64_t view_last = -1;	/* wall-clock ms of the last view */
static struct obuf out, appendbuf, part;
static char tmpdir[PATH_MAX];		/* removed if we die while it exists */
static struct ck_opts cko;
static struct ck ck;
static int64_t committed = CK_NONE;	/* batches up to here are published */
/* With a checkpoint, what is published is synced before it is committed;
 * without one a crash cannot be replayed, and syncing would only wait. */
static int durable;

static void
remove_tmpdir(void)
{
	if (tmpdir[0] != '\0')
		(void)fsx_rmtree(tmpdir);
}

static struct batch *
batch_new(void)
{
	struct batch *b = ecalloc(1, sizeof(*b));

	b->t = NO_TIME;
	b->n = b->made = -1;
	ob_init(&b->body, -1, "batch");
	ob_init(&b->raw, -1, "raw");
	return b;
}

static void
put_csv_field(struct obuf *o, const char *s, size_t n)
{
	size_t i;

	if (memchr(s, ',', n) == NULL && memchr(s, '"', n) == NULL &&
	    memchr(s, '\n', n) == NULL && memchr(s, '\r', n) == NULL) {
		ob_write(o, s, n);
		return;
	}
	ob_putc(o, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			ob_putc(o, '"');
		ob_putc(o, s[i]);
	}
	ob_putc(o, '"');
}

static int
json_number(const char *s, size_t n)
{
	struct dec d;
	size_t i = s[0] == '-';

	if (n == 0 || dec_parse(s, n, &d) != DEC_OK || s[0] == '+' ||
	    i >= n || s[i] == '.' || s[n - 1] == '.')
		return 0;
	return !(s[i] == '0' && i + 1 < n && s[i + 1] != '.');
}

/* The length of the UTF-8 sequence at s (at most n bytes), or 0 if it is
 * not a valid one (overlong, a surrogate, beyond U+10FFFF, cut short). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

/* A JSON string: quotes, backslashes and control characters escaped, a
 * byte that is not valid UTF-8 written as U+FFFD, as jq does. */
static void
put_json_string(struct obuf *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i, k;

	ob_putc(o, '"');
	for (i = 0; i < n; i += k) {
		unsigned char c = u[i];

		k = 1;
		if (c == '"' || c == '\\') {
			ob_putc(o, '\\');
			ob_putc(o, (char)c);
		} else if (c < 0x20) {
			ob_write(o, "\\u00", 4);
			ob_putc(o, hex[c >> 4]);
			ob_putc(o, hex[c & 15]);
		} else if (c < 0x80)
			ob_putc(o, (char)c);
		else if ((k = utf8_len(u + i, n - i)) > 0)
			ob_write(o, s + i, k);
		else {
			ob_write(o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			k = 1;
		}
	}
	ob_putc(o, '"');
}

/* A field's JSON value, by its type: a number for int and num (null if
 * empty), a string for str and time, and for a field of no known type
 * (any) a number if it reads as one. */
static void
put_json_value(struct obuf *o, enum coltype t, const char *s, size_t n)
{
	if ((t == CT_INT || t == CT_NUM) && n == 0)
		ob_write(o, "null", 4);
	else if ((t == CT_INT || t == CT_NUM || t == CT_ANY) &&
	    json_number(s, n))
		ob_write(o, s, n);
	else
		put_json_string(o, s, n);
}

/* The member that holds the batch time, "batch_time" unless a field of
 * an input has that name: then with as many more _ before it as needed. */
static const char *
json_time_key(void)
{
	static char key[64] = "batch_time";
	size_t i, k, len = strlen(key);
	int clash;

	do {
		clash = 0;
		for (i = 0; i < ninputs && !clash; i++)
			for (k = 0; k < inputs[i].sc.n && !clash; k++)
				clash = strcmp(inputs[i].sc.names[k], key) == 0;
		if (clash && len + 1 < sizeof(key)) {
			memmove(key + 1, key, ++len);
			key[0] = '_';
		} else
			clash = 0;
	} while (clash);
	return key;
}

/* "(NAME,List(": how --format spark opens a named stream's list. */
static void
put_list_open(struct obuf *o, const char *name)
{
	ob_putc(o, '(');
	ob_puts(o, name);
	ob_write(o, ",List(", 6);
}

/* Appends one record to the open batch of in, in the output format. */
static void
render(struct input *in, char *line, size_t len)
{
	struct obuf *o = &in->open->body;
	struct rec *r = &in->r;
	size_t i;

	if (format == F_TSV) {
		ob_write(o, line, len);
		ob_putc(o, '\n');
		return;
	}
	rec_split(r, line, len);
	switch (format) {
	case F_CSV:
		for (i = 0; i < r->n; i++) {
			if (i > 0)
				ob_putc(o, ',');
			put_csv_field(o, r->f[i].p, r->f[i].n);
		}
		break;
	case F_JSON:
		ob_putc(o, '{');
		for (i = 0; i < r->n; i++) {
			char num[24];
			const char *name = num;

			if (i < in->sc.n)
				name = in->sc.names[i];
			else
				snprintf(num, sizeof(num), "%zu", i + 1);
			if (i > 0)
				ob_putc(o, ',');
			put_json_string(o, name, strlen(name));
			ob_putc(o, ':');
			put_json_value(o, coltype_of(&in->sc, i), r->f[i].p,
			    r->f[i].n);
		}
		ob_putc(o, '}');
		break;
	default:	/* F_SPARK */
		if (in->top > 0 && in->sname != NULL) {
			/* one line per batch: (NAME,List(k1, k2, ...)) */
			size_t nk = in->keys > 0 ? (size_t)in->keys : 1;

			if (in->open->nrec > 0)
				ob_write(o, ", ", 2);
			if (nk > 1)
				ob_putc(o, '(');
			for (i = 0; i < nk && i < r->n; i++) {
				if (i > 0)
					ob_putc(o, ',');
				ob_write(o, r->f[i].p, r->f[i].n);
			}
			if (nk > 1)
				ob_putc(o, ')');
			return;
		}
		if (in->sname != NULL || (in->labels && r->n > 0)) {
			/* (NAME,List(aggregations)); labelled: (LABEL,...) */
			size_t from = in->labels ? 1 : (size_t)in->keys;

			ob_putc(o, '(');
			if (in->labels)
				ob_write(o, r->f[0].p, r->f[0].n);
			else
				ob_puts(o, in->sname);
			ob_write(o, ",List(", 6);
			for (i = from; i < r->n; i++) {
				if (i > from)
					ob_write(o, ", ", 2);
				ob_write(o, r->f[i].p, r->f[i].n);
			}
			ob_write(o, "))\n", 3);
			return;
		}
		if (r->n != 1)
			ob_putc(o, '(');
		for (i = 0; i < r->n; i++) {
			if (i > 0)
				ob_putc(o, ',');
			ob_write(o, r->f[i].p, r->f[i].n);
		}
		if (r->n != 1)
			ob_putc(o, ')');
		break;
	}
	ob_putc(o, '\n');
}

static void
close_batch(struct input *in, int64_t t)
{
	struct batch *b = in->open;

	if (format == F_SPARK && in->top > 0 && in->sname != NULL) {
		if (b->nrec == 0) {
			put_list_open(&b->body, in->sname);
		}
		ob_write(&b->body, "))\n", 3);
	}
	b->t = t;
	b->sname = in->sname ? estrdup(in->sname) : NULL;
	b->keys = in->keys;
	b->top = in->top;
	b->labels = in->labels;
	if (in->tail != NULL)
		in->tail->next = b;
	else
		in->head = b;
	in->tail = b;
	in->open = batch_new();
}

static void
read_stream_attrs(struct input *in, const struct item *it)
{
	free(in->sname);
	in->sname = it->name != NULL ? estrndup(it->name, it->namelen) : NULL;
	in->top = (long)it->top;
	in->keys = (long)it->keys;
	in->labels = it->labels;
}

/* Inputs whose batches have other intervals are not merged: their batch
 * times would interleave as if they were one stream. */
static void
check_interval(const struct input *in, int64_t v)
{
	static const char *first_name;
	static int64_t first;

	if (first_name == NULL) {
		first_name = in->name;
		first = v;
	} else if (v != first)
		errx(SK_EXIT_DATA, "%s: batches of %lld ms, but %s has %lld ms: "
		    "streams of other intervals are not merged", in->name,
		    (long long)v, first_name, (long long)first);
}

/* Takes the complete lines now in the buffer of in. */
static void
take_lines(struct input *in)
{
	struct item it;
	char *s;
	size_t n;

	while (!in->sr.end.eos && ib_next(&in->ib, &s, &n)) {
		switch (sr_item(&in->sr, s, n, &it)) {
		case CTL_DATA:
			if (format == F_SPARK && in->top > 0 && in->sname != NULL &&
			    in->open->nrec == 0) {
				put_list_open(&in->open->body, in->sname);
			}
			if (view) {
				ob_write(&in->open->raw, s, n);
				ob_putc(&in->open->raw, '\n');
			}
			render(in, s, n);
			in->open->nrec++;
			break;
		case CTL_FIELDS:
			schema_parse(&in->sc, s, n);
			break;
		case CTL_TYPES:
			if (schema_types(&in->sc, s, n) < 0)
				warnx("%s:%llu: a #types line that does not fit "
				    "its #fields: left out", in->name,
				    (unsigned long long)in->ib.lineno);
			break;
		case CTL_STREAM:
			read_stream_attrs(in, &it);
			break;
		case CTL_INTERVAL:
			check_interval(in, it.interval);
			break;
		case CTL_END:
			in->open->n = it.count;		/* -1: none */
			in->open->made = it.made;
			close_batch(in, it.t);
			break;
		default:
			break;
		}
	}
}

static void
publish_dir(int64_t t, struct batch **parts)
{
	char final[PATH_MAX], parent[PATH_MAX], path[PATH_MAX];
	const char *base;
	size_t i;

	if (t == NO_TIME)
		epathf(final, sizeof(final), "%s%s%s", dir_prefix,
		    suffix ? "." : "", suffix ? suffix : "");
	else
		epathf(final, sizeof(final), "%s-%lld%s%s", dir_prefix,
		    (long long)t, suffix ? "." : "", suffix ? suffix : "");
	fsx_dirname(final, parent, sizeof(parent));
	base = strrchr(final, '/') ? strrchr(final, '/') + 1 : final;
	epathf(tmpdir, sizeof(tmpdir), "%s/.%s.tmp-%ld", parent, base,
	    (long)getpid());
	(void)fsx_rmtree(tmpdir);
	if (mkdir(tmpdir, 0755) < 0)
		err(SK_EXIT_DATA, "%s", tmpdir);
	ob_reset(&part);
	for (i = 0; i < ninputs; i++)
		if (parts[i] != NULL)
			ob_write(&part, parts[i]->body.p, parts[i]->body.len);
	epathf(path, sizeof(path), "%s/part-00000", tmpdir);
	if (fsx_write_file(path, part.p, part.len, durable) < 0)
		err(SK_EXIT_DATA, "%s", path);
	epathf(path, sizeof(path), "%s/_SUCCESS", tmpdir);
	if (fsx_write_file(path, "", 0, durable) < 0)
		err(SK_EXIT_DATA, "%s", path);
	if (durable && fsx_fsync_dir(tmpdir) < 0)
		err(SK_EXIT_DATA, "%s", tmpdir);
	if (fsx_replace_dir(tmpdir, final) < 0)
		err(SK_EXIT_DATA, "%s", final);
	tmpdir[0] = '\0';
	if (durable && fsx_fsync_dir(parent) < 0)
		err(SK_EXIT_DATA, "%s", parent);
}

/* Each line of body, prefixed with the batch time (JSON: a member). */
static void
put_timed(struct obuf *o, int64_t t, const struct obuf *body)
{
	const char *s = body->p, *e = body->p + body->len, *nl;
	const char *key = format == F_JSON ? json_time_key() : NULL;

	for (; s < e; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(e - s));
		if (t != NO_TIME) {
			if (format == F_JSON) {
				ob_putc(o, '{');
				put_json_string(o, key, strlen(key));
				ob_putc(o, ':');
				ob_putint(o, t);
				if (nl - s > 2)
					ob_putc(o, ',');
				s++;
			} else {
				ob_putint(o, t);
				ob_putc(o, format == F_CSV ? ',' : '\t');
			}
		}
		ob_write(o, s, (size_t)(nl - s) + 1);
	}
}

static void
publish_print(int64_t t, struct batch **parts)
{
	long long shown = 0;
	size_t i;

	if (t != NO_TIME) {
		ob_puts(&out, "-------------------------------------------\nTime: ");
		ob_putint(&out, t);
		ob_puts(&out, " ms\n-------------------------------------------\n");
	}
	for (i = 0; i < ninputs; i++) {
		const char *s, *e, *nl;

		if (parts[i] == NULL)
			continue;
		s = parts[i]->body.p;
		e = s + parts[i]->body.len;
		for (; s < e; s = nl + 1) {
			nl = memchr(s, '\n', (size_t)(e - s));
			if (shown++ == print_n) {
				ob_puts(&out, "...\n");
				goto done;
			}
			ob_write(&out, s, (size_t)(nl - s) + 1);
		}
	}
done:
	ob_putc(&out, '\n');
}

/* One stream of the batch: a named stream without --top as "NAME values"
 * (no keys, as --format spark), a labelled one as "LABEL values" a row,
 * anything else as its lines under a name. */
static void
view_part(struct obuf *o, const struct batch *b, int tty)
{
	const char *s = b->raw.p, *e = s + b->raw.len, *nl;
	int inline_ = b->sname != NULL && b->top == 0, lines = 0;
	long skip;

	if (b->labels) {	/* each row on its own: "LABEL values" */
		for (; s < e; s = nl + 1) {
			const char *tab;

			nl = memchr(s, '\n', (size_t)(e - s));
			if ((tab = memchr(s, '\t', (size_t)(nl - s))) == NULL)
				tab = nl;
			ob_puts(o, tty ? "\033[1m" : "  ");
			ob_write(o, s, (size_t)(tab - s));
			ob_puts(o, tty ? "\033[0m" : "");
			for (s = tab; s < nl; s++)
				ob_putc(o, *s == '\t' ? ' ' : *s);
			ob_puts(o, tty ? "\n" : "");
		}
		return;
	}

	for (nl = s; nl < e; nl++)
		lines += *nl == '\n';
	if (inline_ && lines == 0)
		return;		/* as Spark: no line for an absent key */
	ob_puts(o, tty ? "\033[1m" : "  ");
	ob_puts(o, b->sname ? b->sname : "records");
	ob_puts(o, tty ? "\033[0m" : "");
	ob_puts(o, inline_ || !tty ? " " : "\n");
	for (; s < e; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(e - s));
		if (tty && !inline_)
			ob_puts(o, "    ");
		for (skip = inline_ ? b->keys : 0; skip > 0 && s < nl; s++)
			if (*s == '\t')
				skip--;
		for (; s < nl; s++)	/* TAB-separated: spaced */
			ob_putc(o, *s == '\t' ? ' ' : *s);
		ob_puts(o, tty ? "\n" : (nl + 1 < e ? ", " : ""));
	}
	if (lines == 0)
		ob_puts(o, tty ? "    -\n" : "-");
}

/* --view: the batch as a terminal dashboard, redrawn in place, or as one
 * plain line. Records a second and delay from the source's #end. */
static void
publish_view(int64_t t, struct batch **parts)
{
	int64_t now = ts_now(), n = -1, made = -1, rate = -1;
	char iso[TS_ISOMAX];
	size_t i;

	for (i = 0; i < ninputs; i++)
		if (parts[i] != NULL && parts[i]->n >= 0) {
			n = parts[i]->n;
			made = parts[i]->made;
			break;
		}
	/* throughput, on the live view only: plain lines stay reproducible */
	if (view_tty && n >= 0 && view_last >= 0 && now > view_last)
		rate = n * 1000 / (now - view_last);
	view_last = now;
	ts_format(t, iso);
	if (view_tty)
		ob_puts(&out, "\033[H\033[2J\033[1mstreamkit\033[0m  ");
	ob_puts(&out, "batch ");
	ob_puts(&out, t == NO_TIME ? "-" : iso);
	if (n >= 0) {
		ob_puts(&out, "  records ");
		ob_putint(&out, n);
	}
	if (rate >= 0) {
		ob_puts(&out, "  records/s ");
		ob_putint(&out, rate);
	}
	if (made >= 0) {
		ob_puts(&out, "  delay ");
		ob_putint(&out, now - made);
		ob_puts(&out, " ms");
	}
	ob_puts(&out, view_tty ? "\n\n" : "");
	for (i = 0; i < ninputs; i++)
		if (parts[i] != NULL)
			view_part(&out, parts[i], view_tty);
	ob_putc(&out, '\n');
}

static void
publish(int64_t t, struct batch **parts)
{
	size_t i;

	if (cko.root != NULL && t != NO_TIME && committed != CK_NONE &&
	    t <= committed)
		return;		/* published before a restart */
	if (dir_prefix != NULL)
		publish_dir(t, parts);
	if (print_n >= 0)
		publish_print(t, parts);
	if (view)
		publish_view(t, parts);
	for (i = 0; i < ninputs; i++) {
		if (parts[i] == NULL)
			continue;
		if (append_path != NULL)
			put_timed(&appendbuf, t, &parts[i]->body);
		if (dir_prefix == NULL && print_n < 0 && append_path == NULL &&
		    !view)
			put_timed(&out, t, &parts[i]->body);
	}
	if (append_path != NULL) {
		ob_flush(&appendbuf);
		if (durable && fsync(appendbuf.fd) < 0)
			err(SK_EXIT_DATA, "%s", append_path);
	}
	ob_flush(&out);
	if (cko.root != NULL && t != NO_TIME) {
		int64_t size = 0;

		if (append_path != NULL &&
		    (size = lseek(appendbuf.fd, 0, SEEK_END)) < 0)
			err(SK_EXIT_DATA, "%s", append_path);
		ck_commit(&ck, t, &size, sizeof(size));
		committed = t;
	}
}

/*
 * Restarting: what was committed, and --append cut back to its size then.
 * At the first start the size of the --append file is committed with no
 * batch (T = CK_NONE), so that what a run that dies before its first
 * commit appended is cut off too.
 */
static void
open_checkpoint(int argc, char *argv[])
{
	struct stat st;
	void *extra;
	size_t n;
	int64_t size;

	ck_open(&ck, &cko, "stream-sink", CK_SINK, argc, argv);
	committed = ck_own_commit(&ck, &extra, &n);
	if (append_path == NULL) {
		free(extra);
		return;
	}
	if (fstat(appendbuf.fd, &st) < 0)
		err(SK_EXIT_DATA, "%s", append_path);
	if (n == 0 && committed == CK_NONE) {
		size = st.st_size;
		ck_commit(&ck, CK_NONE, &size, sizeof(size));
		return;
	}
	if (n != sizeof(size))
		errx(SK_EXIT_DATA, "%s/commit: no size of %s in it", ck.dir,
		    append_path);
	memcpy(&size, extra, sizeof(size));
	free(extra);
	if (size < 0 || st.st_size < size)
		errx(SK_EXIT_DATA, "%s: %lld bytes, less than the %lld committed: "
		    "changed outside the pipeline; refused", append_path,
		    (long long)st.st_size, (long long)size);
	if (st.st_size > size && (ftruncate(appendbuf.fd, size) < 0 ||
	    fsync(appendbuf.fd) < 0))
		err(SK_EXIT_DATA, "%s", append_path);
}

/* Removes the temporary directories of --dir that a killed sink left
 * (".BASE....tmp-PID" beside the prefix, PID no longer running). */
static void
sweep_dir_leftovers(void)
{
	char parent[PATH_MAX], path[PATH_MAX];
	const char *base = strrchr(dir_prefix, '/');
	struct dirent *de;
	size_t blen;
	DIR *d;

	base = base ? base + 1 : dir_prefix;
	blen = strlen(base);
	if ((d = opendir(fsx_dirname(dir_prefix, parent, sizeof(parent)))) == NULL)
		err(SK_EXIT_DATA, "%s", parent);
	while ((de = readdir(d)) != NULL) {
		const char *tmp;
		char *end;
		long pid;

		if (de->d_name[0] != '.' || strncmp(de->d_name + 1, base, blen) != 0 ||
		    (tmp = strstr(de->d_name + 1 + blen, ".tmp-")) == NULL)
			continue;
		pid = strtol(tmp + 5, &end, 10);
		if (*end != '\0' || pid <= 0 || (kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH))
			continue;	/* another sink's, still at work */
		epathf(path, sizeof(path), "%s/%s", parent, de->d_name);
		if (fsx_rmtree(path) < 0)
			err(SK_EXIT_DATA, "%s", path);
	}
	closedir(d);
}

/* Publishes every batch that all inputs have completed. */
static void
publish_ready(void)
{
	struct batch **parts = ecalloc(ninputs, sizeof(*parts));
	size_t i;

	for (;;) {
		int64_t t = INT64_MAX;
		int any = 0;

		for (i = 0; i < ninputs; i++) {
			struct input *in = &inputs[i];

			if (in->head == NULL) {
				if (!in->done)
					goto out;	/* still to come */
				continue;
			}
			if (in->head->t < t)
				t = in->head->t;
			any = 1;
		}
		if (!any)
			break;
		for (i = 0; i < ninputs && t == NO_TIME; i++)
			if (inputs[i].sr.end.batched)
				errx(SK_EXIT_DATA, "%s has batches, but another "
				    "input is a plain file of records: they cannot "
				    "be merged", inputs[i].name);
		for (i = 0; i < ninputs; i++) {
			struct input *in = &inputs[i];

			parts[i] = NULL;
			if (in->head != NULL && in->head->t == t) {
				parts[i] = in->head;
				if ((in->head = in->head->next) == NULL)
					in->tail = NULL;
			}
		}
		publish(t, parts);
		for (i = 0; i < ninputs; i++)
			if (parts[i] != NULL) {
				ob_free(&parts[i]->body);
				ob_free(&parts[i]->raw);
				free(parts[i]->sname);
				free(parts[i]);
			}
	}
out:
	free(parts);
}

/*
 * The input has ended: dies if it broke (nothing more is published: what
 * every input completed is published already, and a broken input holds
 * the rest back for good), or if a plain file of records (one batch, with
 * no time) meets a checkpoint or inputs with batches.
 */
static void
finish_input(struct input *in)
{
	size_t i;

	in->done = 1;
	if (sr_finish(&in->sr, "; nothing more is published") < 0)
		exit(SK_EXIT_DATA);
	if (in->sr.end.batched)
		return;
	if (cko.root != NULL)
		errx(SK_EXIT_DATA, "%s: a plain file of records, not a stream "
		    "of batches: nothing to commit to --checkpoint", in->name);
	for (i = 0; i < ninputs; i++)
		if (inputs[i].sr.end.batched)
			errx(SK_EXIT_DATA, "%s: a plain file of records, but %s "
			    "has batches: they cannot be merged", in->name,
			    inputs[i].name);
	close_batch(in, NO_TIME);	/* a plain file: one batch */
}

static void
open_inputs(int argc, char *argv[])
{
	int i, fd;

	ninputs = argc > 0 ? (size_t)argc : 1;
	inputs = ecalloc(ninputs, sizeof(*inputs));
	for (i = 0; i < (int)ninputs; i++) {
		struct input *in = &inputs[i];

		in->name = argc > 0 ? argv[i] : "stdin";
		if (argc == 0 || strcmp(argv[i], "-") == 0)
			fd = STDIN_FILENO;
		else if ((fd = open(argv[i], O_RDONLY | O_CLOEXEC)) < 0)
			err(SK_EXIT_DATA, "%s", argv[i]);
		ib_init(&in->ib, fd, in->name);
		sr_init(&in->sr, &in->ib, in->name);
		in->open = batch_new();
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "suffix", required_argument, NULL, 's' },
		{ "print", optional_argument, NULL, 'p' },
		{ "append", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "view", no_argument, NULL, 'v' },
		CK_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const formats[] = { "tsv", "csv", "json", "spark" };
	struct pollfd *pfd;
	size_t i, live;
	int ch, fd, status = SK_EXIT_OK, nopts;
	char **argv0 = argv;

	sig_consumer();
	cko.longopts = longopts;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ck_option(&cko, ch, optarg, usage_text))
			continue;
		switch (ch) {
		case 'd':
			dir_prefix = optarg;
			break;
		case 's':
			suffix = optarg;
			break;
		case 'p':
			print_n = 10;
			/* --print=N, or --print N when the next word is a number */
			if (optarg == NULL && optind < argc &&
			    argv[optind][0] != '\0' &&
			    strspn(argv[optind], "0123456789") == strlen(argv[optind]))
				optarg = argv[optind++];
			else if (optarg == NULL && optind < argc &&
			    argv[optind][0] == '-' && argv[optind][1] >= '0' &&
			    argv[optind][1] <= '9')
				usage_fail(usage_text, "--print %s: not a count of "
				    "lines (0 or more)", argv[optind]);
			if (optarg != NULL)
				print_n = opt_number(usage_text, "--print", optarg,
				    0, LLONG_MAX);
			break;
		case 'a':
			append_path = optarg;
			break;
		case 'v':
			view = 1;
			break;
		case 'f':
			for (i = 0; i < SK_NELEM(formats); i++)
				if (strcmp(optarg, formats[i]) == 0)
					break;
			if (i == SK_NELEM(formats))
				usage_fail(usage_text, "--format %s: not csv, json, "
				    "spark or tsv", optarg);
			format = (enum format)i;
			break;
		default:
			opt_rest(ch, usage_text);
		}
	}
	nopts = optind;		/* the options, without the inputs */
	argc -= optind;
	argv += optind;
	ck_opts_check(&cko, usage_text);
	view_tty = view && isatty(STDOUT_FILENO);
	if (view && print_n >= 0)
		usage_fail(usage_text, "--print and --view both write to standard "
		    "output: give one");
	if (suffix != NULL && dir_prefix == NULL)
		usage_fail(usage_text, "--suffix goes with --dir");
	if (dir_prefix != NULL && *dir_prefix == '\0')
		usage_fail(usage_text, "--dir: empty prefix");
	/* the inputs first: should this sink fail below, the tools writing
	 * to it are not left waiting to open their FIFOs */
	open_inputs(argc, argv);
	durable = cko.root != NULL;
	if (dir_prefix != NULL) {
		char parent[PATH_MAX];

		fsx_dirname(dir_prefix, parent, sizeof(parent));
		if (fsx_mkdirs(parent, durable) < 0)
			err(SK_EXIT_DATA, "%s", parent);
		sweep_dir_leftovers();
	}
	if (append_path != NULL) {
		char parent[PATH_MAX];

		if ((fd = open(append_path, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0644)) < 0)
			err(SK_EXIT_DATA, "%s", append_path);
		ob_init(&appendbuf, fd, append_path);
		if (durable && fsx_fsync_dir(fsx_dirname(append_path, parent,
		    sizeof(parent))) < 0)
			err(SK_EXIT_DATA, "%s", parent);
	}
	if (cko.root != NULL)
		open_checkpoint(nopts, argv0);
	atexit(remove_tmpdir);
	ob_init(&out, STDOUT_FILENO, "stdout");
	ob_init(&part, -1, "part");

	pfd = ecalloc(ninputs, sizeof(*pfd));
	for (;;) {
		for (i = 0, live = 0; i < ninputs; i++) {
			pfd[i].fd = inputs[i].done ? -1 : inputs[i].ib.fd;
			pfd[i].events = POLLIN;
			live += !inputs[i].done;
		}
		if (live == 0)
			break;
		if (poll(pfd, ninputs, -1) < 0) {
			if (errno == EINTR)
				continue;
			err(SK_EXIT_DATA, "poll");
		}
		for (i = 0; i < ninputs; i++) {
			struct input *in = &inputs[i];

			if (in->done || pfd[i].revents == 0)
				continue;
			if (ib_fill(&in->ib) == 0 || in->sr.end.eos) {
				take_lines(in);
				finish_input(in);
			} else
				take_lines(in);
		}
		publish_ready();
	}
	publish_ready();
	ob_flush(&out);
	if (append_path != NULL && close(appendbuf.fd) < 0)
		err(SK_EXIT_DATA, "%s", append_path);
	free(pfd);
	return status;
}
