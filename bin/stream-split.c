/*
 * stream-split: the source and the batch clock. Reads standard input, files,
 * or new files of a watched directory (textFileStream), and cuts what it
 * reads into mini-batches, by the wall clock (--interval) or by the records'
 * own time (--event-time). With --checkpoint it logs what every batch was
 * made of before closing it, and a restart replays the batches after the
 * pipeline's restore point exactly. See stream-split(1); the sources are
 * lib/src*, the clock lib/clock and lib/batcher, the log lib/ck_log.
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batcher.h"
#include "ck_log.h"
#include "dur.h"
#include "fanout.h"
#include "group.h"
#include "kafka_merge.h"
#include "live.h"
#include "opt.h"
#include "sig.h"
#include "src.h"
#include "ts.h"
#include "util.h"

static const char usage_text[] =
"usage: stream-split [--all] [--checkpoint dir] [--checkpoint-every n]\n"
"                    [--connect host:port] [--event-time field]\n"
"                    [--glob pattern] [--id name] [--interval duration]\n"
"                    [--kafka brokers --topic topic[,topic...]\n"
"                    [--end-offsets list] [--kafka-fields list]\n"
"                    [--kafka-partitions list] [--max-rate-per-partition n]\n"
"                    [--start where] [-X key=value]]\n"
"                    [--kafka brokers --topic topic[,topic...] --group id\n"
"                    --task command [-X key=value]]\n"
"                    [--kafka brokers --topic topic --records [-X key=value]]\n"
"                    [--late drop | next] [--late-out file]\n"
"                    [--listen [addr:]port] [--max-ahead duration]\n"
"                    [--max-errors n] [--max-files n] [--max-rate n]\n"
"                    [--mqtt url --topic filter [--mqtt-client-id id]\n"
"                    [--mqtt-fields]] [--once]\n"
"                    [--partitions n --by field --out-prefix prefix]\n"
"                    [--poll duration]\n"
"                    [--record-size n] [--sep c] [--stop-after duration]\n"
"                    [--time-format format] [--tz zone] [--watch dir]\n"
"                    [--watermark duration] [file ...]\n";

static struct batcher batcher;
static struct reader reader;
static struct src_files files;
static struct src_watch watch;
static struct live live;
static struct fanout_opts fan_opts;
static struct fanout fan;
static struct ck_log ck_log;
static volatile sig_atomic_t stopping;	/* SIGINT or SIGTERM: stop cleanly */

/* Options that are not one module's. */
static struct {
	const char	*watch_dir, *glob, *max_ahead_set;
	const char	*late_out;
	int64_t		 poll_every, stop_after;
	uint64_t	 max_rate;
	size_t		 record_size;
	long long	 max_files;
	int		 take_all, once;
	char		**operands;
	int		 noperands;
} opt;

/*
 * The one loop: each turn the source says whether more can come, the clock
 * (by processing time) closes the batches that are due, and the source's
 * descriptors are polled with the readers of the outputs, which split must
 * notice going even while it waits. Event time has no timer: its batches
 * close as the records' time goes on (lib/batcher).
 */
static void
run(struct source *src)
{
	struct obuf *out = &batcher.out;
	int event_time = batcher.event_field != NULL;

	int64_t stop_at = opt.stop_after > 0 ? ts_now() + opt.stop_after : 0;

	reader.stop_at = stop_at;
	if (!event_time)
		clock_tick_start(&batcher.clock, ts_now(), opt.once);
	/* the outputs whose readers are watched: stdout, or the partitions */
	struct obuf *w = fan_opts.n > 0 ? fan.outs : out;
	size_t nw = fan_opts.n > 0 ? fan.n : 1, k, nr;

	while (!stopping && src->ops->more(src)) {
		struct pollfd p[SRC_MAXFD + FANOUT_MAX];
		int64_t now = ts_now();
		int timeout = -1, np;

		if (stop_at > 0 && now >= stop_at) {
			stopping = 1;	/* --stop-after: as a Ctrl-C would */
			break;
		}
		if (!event_time) {
			while (now >= batcher.clock.open_t)	/* a tick: a batch */
				batcher_close(&batcher);
			timeout = (int)(batcher.clock.open_t - now);
		}
		if (stop_at > 0 && (timeout < 0 || stop_at - now < timeout))
			timeout = (int)(stop_at - now);
		np = src->ops->wait(src, p, now, &timeout);
		if (np == 0 && timeout < 0)
			continue;	/* nothing to wait for: more says */
		for (k = 0, nr = 0; k < nw; k++)
			if (w[k].pipe)
				p[(size_t)np + nr++] = (struct pollfd){ w[k].fd, 0, 0 };
		ob_flush(out);
		if (poll(p, (nfds_t)np + nr, timeout < 0 ? -1 : timeout) <= 0)
			continue;
		for (k = 0, nr = 0; k < nw; k++)
			if (w[k].pipe && p[(size_t)np + nr++].revents != 0)
				ob_check_reader(&w[k]);
		src->ops->ready(src, p, np);
	}
	/* stopped, not at the end of the input: with a checkpoint, what
	 * event time has not closed waits in the log for the restart, unless
	 * lines taken since the last batch cannot be read again (standard
	 * input, a socket: only in memory) */
	batcher_finish(&batcher, event_time && ck_log.opts.root != NULL &&
	    stopping && (reader.wal.len == 0 || ck_log.journal != NULL));
}

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}
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
	LIVE_LONGOPTS,
	FANOUT_LONGOPTS,
	{ "max-rate", required_argument, NULL, 'R' },
	{ "stop-after", required_argument, NULL, 'S' },
	{ "record-size", required_argument, NULL, 'B' },
	{ "late-out", required_argument, NULL, 'O' },
	{ "sep", required_argument, NULL, 's' },
	{ "tz", required_argument, NULL, 'z' },
	{ "time-format", required_argument, NULL, 'f' },
	CK_LONGOPTS,
	CK_EVERY_LONGOPT,
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* An option of the clock or of what it reads: 1 if ch was one. */
static int
clock_option(int ch, const char *arg)
{
	struct clock *c = &batcher.clock;

	switch (ch) {
	case 'i':
		c->interval = opt_duration(usage_text, "--interval", arg);
		return 1;
	case 'e':
		batcher.event_field = arg;
		return 1;
	case 'w':
		c->watermark = strcmp(arg, "0") == 0 ? 0 :
		    opt_duration(usage_text, "--watermark", arg);
		return 1;
	case 'l':
		if (strcmp(arg, "next") != 0 && strcmp(arg, "drop") != 0)
			usage_fail(usage_text, "--late %s: not drop or next", arg);
		c->late_next = arg[0] == 'n';
		return 1;
	case 'a':
		c->max_ahead = opt_duration(usage_text, "--max-ahead", arg);
		opt.max_ahead_set = arg;
		return 1;
	case 'E':
		batcher.rej.max = opt_number(usage_text, "--max-errors", arg,
		    1, LLONG_MAX);
		return 1;
	case 's':
		batcher.sep = opt_sep(usage_text, arg);
		return 1;
	case 'z':
		opt_tz(usage_text, arg, &batcher.zone);
		return 1;
	case 'f':
		batcher.time_format = arg;
		return 1;
	}
	return 0;
}

static void
options(int argc, char *argv[])
{
	int ch;

	ck_log.opts.longopts = longopts;
	while ((ch = getopt_long(argc, argv, "h" LIVE_SHORTOPTS, longopts, NULL)) != -1) {
		if (ck_option(&ck_log.opts, ch, optarg, usage_text) ||
		    clock_option(ch, optarg) ||
		    live_option(&live, ch, optarg, usage_text) ||
		    fanout_option(&fan_opts, ch, optarg, usage_text))
			continue;
		switch (ch) {
		case 'W':
			opt.watch_dir = optarg;
			break;
		case 'A':
			opt.take_all = 1;
			break;
		case 'g':
			opt.glob = optarg;
			break;
		case 'm':
			opt.max_files = opt_number(usage_text, "--max-files",
			    optarg, 1, INT_MAX);
			break;
		case 'p':
			opt.poll_every = opt_duration(usage_text, "--poll", optarg);
			break;
		case 'o':
			opt.once = 1;
			break;
		case 'R':
			opt.max_rate = (uint64_t)opt_number(usage_text,
			    "--max-rate", optarg, 1, 1000000000);
			break;
		case 'O':
			opt.late_out = optarg;
			break;
		case 'B':
			opt.record_size = (size_t)opt_number(usage_text,
			    "--record-size", optarg, 1, SRC_MAX_RECORD);
			break;
		case 'S':
			opt.stop_after = opt_duration(usage_text, "--stop-after",
			    optarg);
			break;
		default:
			opt_rest(ch, usage_text);
		}
	}
	opt.operands = argv + optind;
	opt.noperands = argc - optind;
}

/* The options together: usage errors only, no side effects. */
static void
validate(void)
{
	struct clock *c = &batcher.clock;
	int k, n = opt.noperands;

	for (k = 0; k < n; k++)
		if (strcmp(opt.operands[k], "-") == 0 && n > 1)
			usage_fail(usage_text, "-: standard input goes alone, "
			    "not among files");
	if (n == 1 && strcmp(opt.operands[0], "-") == 0)
		opt.noperands = 0;		/* standard input */
	if (opt.watch_dir != NULL && n > 0)
		usage_fail(usage_text, "--watch takes no file operands");
	live_check(&live, n, opt.watch_dir, opt.record_size, opt.once,
	    usage_text);
	fanout_check(&fan_opts, usage_text);
	if (opt.watch_dir == NULL && (opt.take_all || opt.glob ||
	    opt.max_files || opt.poll_every))
		usage_fail(usage_text, "--all, --glob, --max-files and --poll go "
		    "with --watch");
	if (opt.record_size > 0 && batcher.event_field != NULL)
		usage_fail(usage_text, "--record-size reads files or standard "
		    "input, by processing time");
	if (opt.late_out != NULL && (batcher.event_field == NULL ||
	    c->late_next))
		usage_fail(usage_text, "--late-out goes with --event-time and "
		    "--late drop");
	if (batcher.event_field == NULL && (c->watermark > 0 || c->late_next))
		usage_fail(usage_text, "--watermark and --late go with "
		    "--event-time");
	ck_opts_check(&ck_log.opts, usage_text);
	if (live.records && (batcher.event_field != NULL || fan_opts.n > 0 ||
	    ck_log.opts.root != NULL))
		usage_fail(usage_text, "--records merges batches already made: "
		    "not --event-time, --partitions or --checkpoint");
	if (c->max_ahead / c->interval > CLOCK_MAX_AHEAD_BATCHES) {
		if (opt.max_ahead_set != NULL)
			usage_fail(usage_text, "--max-ahead %s: more than %d "
			    "batches of the interval", opt.max_ahead_set,
			    CLOCK_MAX_AHEAD_BATCHES);
		c->max_ahead = c->interval * CLOCK_MAX_AHEAD_BATCHES;
	}
}

/* The source the options name, where a restart left it. */
static struct source *
open_source(void)
{
	struct source *src = live_open(&live, &reader, &ck_log, opt.once);

	if (src != NULL)
		return src;
	if (opt.watch_dir == NULL) {
		src_files_init(&files, &reader, opt.operands, opt.noperands);
		return &files.src;
	}
	return &watch.src;
}

int
main(int argc, char *argv[])
{
	struct source *src;
	int first = 1;

	batcher_init(&batcher, 1000);
	options(argc, argv);
	validate();

	sig_source(on_stop);	/* a second signal stops at once */
	if (live.group != NULL)
		return group_run(&(struct group_opts){ &live.kafka, live.group,
		    live.task, ck_log.opts.root, opt.once, &stopping });
	if (live.records)
		return kafka_merge_run(&(struct kafka_merge_opts){ &live.kafka,
		    opt.once, &stopping });
	if (fan_opts.n > 0) {		/* N outputs instead of stdout */
		fanout_open(&fan, fan_opts.prefix, (size_t)fan_opts.n,
		    fan_opts.by, batcher.sep);
		ob_init_sink(&batcher.out, fanout_sink, &fan);
	} else
		ob_init(&batcher.out, STDOUT_FILENO, "stdout");
	if (opt.late_out != NULL)
		batcher_late_out(&batcher, opt.late_out);
	rd_init(&reader, &batcher, &stopping, ck_log.opts.root != NULL);
	reader.rate.n = opt.max_rate;
	reader.record_size = opt.record_size;
	if (opt.watch_dir != NULL) {
		src_watch_init(&watch, &reader, opt.watch_dir);
		watch.glob = opt.glob;
		watch.take_all = opt.take_all;
		watch.once = opt.once;
		watch.poll_every = opt.poll_every;
		watch.max_files = opt.max_files;
	}
	ck_log_init(&ck_log, &reader, opt.watch_dir ? &watch : NULL,
	    opt.operands, opt.noperands);
	batcher.on_close = ck_log_batch;
	batcher.on_close_arg = &ck_log;
	if (ck_log.opts.root != NULL) {	/* the options words are its identity */
		live_restore(&live, &ck_log);
		first = ck_log_restore(&ck_log, argc, argv);
	} else
		batcher_header(&batcher, 0);
	if (opt.watch_dir != NULL)
		ck_log_watch_start(&ck_log, first);
	src = open_source();
	if (opt.watch_dir != NULL && opt.once && batcher.event_field == NULL) {
		clock_tick_start(&batcher.clock, ts_now(), 1);
		src_watch_once(&watch);	/* what is there now, then end */
		ob_puts(&batcher.out, "#eos\n");
	} else
		run(src);
	ob_close(&batcher.out);
	if (fan_opts.n > 0)
		fanout_close(&fan);
	if (batcher.late_out != NULL)
		ob_close(batcher.late_out);
	return SK_EXIT_OK;
}
