/*
 * stream-split: the source and the batch clock. Reads standard input, files,
 * or new files of a watched directory (textFileStream), and cuts what it
 * reads into mini-batches, by the wall clock (--interval) or by the records'
 * own time (--event-time). See stream-split(1).
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
#include "dur.h"
#include "ht.h"
#include "rec.h"
#include "ts.h"
#include "util.h"

static const char usage_text[] =
"usage: stream-split [--all] [--event-time field] [--glob pattern]\n"
"                    [--interval duration] [--late drop | next]\n"
"                    [--max-ahead duration] [--max-files n] [--once]\n"
"                    [--poll duration] [--sep c] [--time-format format]\n"
"                    [--tz zone] [--watch dir] [--watermark duration]\n"
"                    [file ...]\n";

/* Options. */
static int64_t interval = 1000, watermark, max_ahead = 86400000, poll_every;
static const char *event_field, *watch_dir, *glob, *time_format;
static long long max_files;
static int take_all, once, late_next;
static char sep = ',';
static struct tz zone;		/* zeroed: UTC */

static struct obuf out;
static volatile sig_atomic_t stopping;	/* SIGINT or SIGTERM: stop cleanly */

/* The schema of what is being read, and of what was written last. */
static struct schema insc, outsc;
static int records_in;		/* the current source is a record stream */
static long event_col = -1;

/* Batches. */
static int64_t open_t = INT64_MIN;	/* the batch being written */
static uint64_t open_n;			/* its records */
static int64_t max_event = INT64_MIN;
static uint64_t late, bad;

struct pending {			/* event time: a later batch */
	int64_t		t;
	uint64_t	n;
	struct obuf	buf;
};
static struct pending *pend;
static size_t npend, cappend;

/* Watching. */
static struct ht seen;			/* names taken or present at start */
static char **queue;
static size_t qhead, qlen, qcap;
static int inotify_fd = -1;
static long long files_in_batch;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

static void
put_schema_if_new(void)
{
	size_t i;

	if (outsc.n == insc.n) {
		for (i = 0; i < insc.n; i++)
			if (strcmp(outsc.names[i], insc.names[i]) != 0)
				break;
		if (i == insc.n)
			return;
	}
	schema_set(&outsc, insc.names, insc.n);
	schema_put(&out, &outsc);
}

static void
close_batch(int64_t t, uint64_t n)
{
	char attrs[64];
	int len;

	if (event_field == NULL)
		len = snprintf(attrs, sizeof(attrs), "n=%llu\tmade=%lld",
		    (unsigned long long)n, (long long)now_ms());
	else
		len = snprintf(attrs, sizeof(attrs), "n=%llu",
		    (unsigned long long)n);
	put_end(&out, t, attrs, (size_t)len);
	ob_flush(&out);
	files_in_batch = 0;
}

/* Writes a data line (raw text is escaped as the one field "line"). */
static void
put_line(struct obuf *o, const char *s, size_t n)
{
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
	ob_init(&pend[i].buf, -1, "pending");
	return &pend[i];
}

/* Closes every open batch up to and including last (event time). */
static void
advance_to(int64_t last)
{
	while (open_t <= last) {
		close_batch(open_t, open_n);
		open_t += interval;
		open_n = 0;
		if (npend > 0 && pend[0].t == open_t) {
			ob_write(&out, pend[0].buf.p, pend[0].buf.len);
			open_n = pend[0].n;
			ob_free(&pend[0].buf);
			memmove(pend, pend + 1, --npend * sizeof(*pend));
		}
	}
}

static void
event_line(const char *src, uint64_t lineno, char *s, size_t n)
{
	char where[300], shown[256];
	const char *why, *f = s;
	size_t fn = n, i;
	int64_t t, bt;

	/* find the time field without disturbing the line */
	for (i = 0; i < (size_t)event_col; i++) {
		const char *c = memchr(f, records_in ? '\t' : sep,
		    (size_t)(s + n - f));

		if (c == NULL) {
			f = NULL;
			break;
		}
		f = c + 1;
	}
	if (f != NULL) {
		const char *c = memchr(f, records_in ? '\t' : sep,
		    (size_t)(s + n - f));

		fn = (size_t)((c ? c : s + n) - f);
	}
	if (f == NULL) {
		warnx("%s: no field %s: %s", loc_format(where, sizeof(where), src,
		    lineno), event_field, safe_text(shown, sizeof(shown), s, n));
		bad++;
		return;
	}
	if ((why = ts_parse(f, fn, &zone, time_format,
	    &t)) != NULL) {
		warnx("%s: %s \"%s\" is not a timestamp (%s)",
		    loc_format(where, sizeof(where), src, lineno), event_field,
		    safe_text(shown, sizeof(shown), f, fn), why);
		bad++;
		return;
	}
	bt = batch_of(t);
	if (open_t == INT64_MIN)
		open_t = bt;
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
		bad++;
		return;
	}
	if (t > max_event)
		max_event = t;
	/* batch T is complete once the watermark has passed T */
	if (max_event - watermark >= open_t)
		advance_to(max_event - watermark);
	if (bt == open_t) {
		put_line(&out, s, n);
		open_n++;
	} else {
		struct pending *p = pending_for(bt);

		put_line(&p->buf, s, n);
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

/* Handles one line of a source; returns 1 at #eos of a record stream. */
static int
take_line(const char *src, char *s, size_t n, int first)
{
	static uint64_t datalines;	/* of this source: what line numbers count */

	if (first) {
		datalines = 0;
		records_in = rec_stream_start(s, n);
		if (!records_in) {
			char *line = "line";

			schema_set(&insc, &line, 1);
			bind_event_field(src);
			put_schema_if_new();
		}
	}
	if (records_in) {
		switch (rec_ctl(s, n)) {
		case CTL_DATA:
			break;
		case CTL_FIELDS:
			schema_parse(&insc, s, n);
			bind_event_field(src);
			put_schema_if_new();
			return 0;
		case CTL_EOS:
			return 1;
		case CTL_END:
		case CTL_INTERVAL:
			return 0;	/* batched anew here */
		default:
			ob_write(&out, s, n);
			ob_putc(&out, '\n');
			return 0;
		}
	}
	datalines++;
	if (event_field != NULL)
		event_line(src, datalines, s, n);
	else {
		put_line(&out, s, n);
		open_n++;
	}
	return 0;
}

/* Reads a whole source now (a watched file, or any source in event time). */
static int
read_whole(int fd, const char *src)
{
	struct ibuf ib;
	char *s;
	size_t n;
	int first = 1, eos = 0;

	ib_init(&ib, fd, src ? src : "stdin");
	ib.flush = &out;
	while (!eos && !stopping && ib_getline(&ib, &s, &n)) {
		eos = take_line(src, s, n, first);
		first = 0;
	}
	ib_free(&ib);
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

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
enqueue(const char *name)
{
	int created;

	(void)ht_get(&seen, name, strlen(name), &created);
	if (!created)
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

/* Lists the directory; new eligible regular files are queued by name (or
 * only remembered, when mark_only). */
static void
scan_dir(int mark_only)
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
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		names = ereallocarray(names, n + 1, sizeof(*names));
		names[n++] = estrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		int created;

		if (mark_only)
			(void)ht_get(&seen, names[i], strlen(names[i]), &created);
		else
			enqueue(names[i]);
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
start_watch(void)
{
	struct stat st;

	if (stat(watch_dir, &st) < 0)
		err(SK_EXIT_DATA, "%s", watch_dir);
	if (!S_ISDIR(st.st_mode))
		errx(SK_EXIT_DATA, "%s: not a directory", watch_dir);
	ht_init(&seen, 0);
	if (poll_every == 0 && !once) {
		/* watch before listing, so no file falls between the two */
		inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (inotify_fd < 0 || inotify_add_watch(inotify_fd, watch_dir,
		    IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
			warn("inotify on %s: polling every second", watch_dir);
			poll_every = 1000;
		}
	}
	scan_dir(!(take_all || once));
}

/* Takes queued files, as many as --max-files allows in this batch. */
static void
take_files(void)
{
	char path[PATH_MAX];
	int fd;

	while (qhead < qlen && !stopping &&
	    (max_files == 0 || files_in_batch < max_files)) {
		char *name = queue[qhead++];

		epathf(path, sizeof(path), "%s/%s", watch_dir, name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			warn("%s", path);
		else {
			read_whole(fd, path);
			close(fd);
		}
		free(name);
		files_in_batch++;
	}
}

/* --- the main loops --- */

static void
finish(void)
{
	if (event_field != NULL) {
		if (open_t != INT64_MIN)
			advance_to(npend > 0 ? pend[npend - 1].t : open_t);
	} else
		close_batch(open_t, open_n);
	ob_puts(&out, "#eos\n");
	ob_flush(&out);
	if (late > 0)
		warnx("%llu late records %s", (unsigned long long)late,
		    late_next ? "put in the open batch" : "dropped");
	if (bad > 0)
		warnx("%llu bad lines dropped", (unsigned long long)bad);
}

/* Event time: sources are read through, in order; batches follow the data. */
static int
run_event_time(int argc, char *argv[])
{
	int64_t next_poll = 0;
	int status = SK_EXIT_OK, fd;

	if (watch_dir == NULL && argc == 0)
		read_whole(STDIN_FILENO, NULL);
	for (; argc > 0; argc--, argv++) {
		if ((fd = open(*argv, O_RDONLY | O_CLOEXEC)) < 0) {
			warn("%s", *argv);
			status = SK_EXIT_DATA;
			continue;
		}
		read_whole(fd, *argv);
		close(fd);
	}
	if (watch_dir != NULL) {
		take_files();
		while (!once && !stopping) {
			struct pollfd p = { inotify_fd, POLLIN, 0 };
			int64_t now = now_ms();

			if (poll_every > 0 && now >= next_poll) {
				scan_dir(0);
				next_poll = now + poll_every;
			}
			ob_flush(&out);
			if (poll(&p, inotify_fd >= 0 ? 1 : 0,
			    poll_every > 0 ? (int)(next_poll - now) : -1) > 0)
				read_inotify();
			take_files();
		}
	}
	finish();
	return status;
}

/* Processing time: a wall-clock timer closes a batch every interval. */
static int
run_processing_time(int argc, char *argv[])
{
	struct ibuf ib;
	int64_t now = now_ms(), next_poll = 0;
	int status = SK_EXIT_OK, fd = -1, first = 1, reading, eos = 0;
	const char *src = NULL;
	char *s;
	size_t n;

	open_t = batch_of(now);
	reading = watch_dir == NULL;
	if (reading && argc == 0)
		fd = STDIN_FILENO;
	if (watch_dir != NULL && once) {	/* what is there now, then end */
		while (qhead < qlen) {
			take_files();
			close_batch(open_t, open_n);
			open_t += interval;
			open_n = 0;
		}
		ob_puts(&out, "#eos\n");
		ob_flush(&out);
		return status;
	}
	ib_init(&ib, -1, "stdin");
	for (;;) {
		struct pollfd p[2];
		nfds_t np = 0;
		int timeout;

		while (reading && fd < 0) {	/* the next file operand */
			if (argc == 0) {
				reading = 0;
				break;
			}
			src = *argv++;
			argc--;
			if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0) {
				warn("%s", src);
				status = SK_EXIT_DATA;
				continue;
			}
			ib.fd = fd;
			ib.name = src;
			ib.eof = 0;
			ib.lineno = 0;
			first = 1;
			eos = 0;
		}
		if (fd >= 0 && ib.fd != fd) {
			ib.fd = fd;
			ib.eof = 0;
		}
		if ((!reading && watch_dir == NULL) || stopping)
			break;
		now = now_ms();
		while (now >= open_t) {		/* the timer: every tick a batch */
			close_batch(open_t, open_n);
			open_t += interval;
			open_n = 0;
		}
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
		ob_flush(&out);
		if (poll(p, np, timeout < 0 ? 0 : timeout) <= 0)
			continue;
		if (inotify_fd >= 0 && p[np - 1].revents != 0)
			read_inotify();
		if (fd >= 0 && p[0].revents != 0) {
			ssize_t got = ib_fill(&ib);

			while (!eos && ib_next(&ib, &s, &n)) {
				eos = take_line(src, s, n, first);
				first = 0;
			}
			if (got == 0 || eos) {
				if (fd != STDIN_FILENO)
					close(fd);
				fd = -1;
				ib.start = ib.end = 0;
				if (argc == 0 && src == NULL)
					reading = 0;
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
		{ "watch", required_argument, NULL, 'W' },
		{ "all", no_argument, NULL, 'A' },
		{ "glob", required_argument, NULL, 'g' },
		{ "max-files", required_argument, NULL, 'm' },
		{ "poll", required_argument, NULL, 'p' },
		{ "once", no_argument, NULL, 'o' },
		{ "sep", required_argument, NULL, 's' },
		{ "tz", required_argument, NULL, 'z' },
		{ "time-format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct sigaction sa;
	int ch, status;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
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
	if (watch_dir != NULL && argc > 0)
		usage_fail(usage_text, "--watch takes no file operands");
	if (watch_dir == NULL && (take_all || glob || max_files || poll_every))
		usage_fail(usage_text, "--all, --glob, --max-files and --poll go "
		    "with --watch");
	if (event_field == NULL && (watermark > 0 || late_next))
		usage_fail(usage_text, "--watermark and --late go with "
		    "--event-time");

	/* no SA_RESTART: a stop interrupts poll(2) and read(2) */
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ob_init(&out, STDOUT_FILENO, "stdout");
	ob_puts(&out, "#interval\t");
	ob_putint(&out, interval);
	ob_putc(&out, '\n');
	if (watch_dir != NULL)
		start_watch();
	if (event_field != NULL)
		status = run_event_time(argc, argv);
	else
		status = run_processing_time(argc, argv);
	return status;
}
