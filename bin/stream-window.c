/*
 * stream-window: sliding-window aggregation (window, reduceByKeyAndWindow,
 * countByWindow, countByValueAndWindow). At every slide, the groups of the
 * window of the last --length: one line each, then #end T.
 * See stream-window(1).
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "buf.h"
#include "merge.h"
#include "ck.h"
#include "dur.h"
#include "opt.h"
#include "rec.h"
#include "session.h"
#include "sig.h"
#include "stream.h"
#include "util.h"
#include "win.h"

static const char usage_text[] =
"usage: stream-window [--avg expr] [--by field[,field...]] [--checkpoint dir]\n"
"                     [--checkpoint-every n] [--collect expr] [--count]\n"
"                     [--emit-removed] [--id name]\n"
"                     [--label key=name[,key=name...]]\n"
"                     --length duration [--max expr]\n"
"                     [--min expr] [--name name] [--records]\n"
"                     [--slide duration] [--sum expr]\n"
"                     [--top n [--order name]] [--where expr] [file ...]\n"
"       stream-window --session gap --event-time field [--avg expr]\n"
"                     [--by field[,field...]] [--checkpoint dir]\n"
"                     [--checkpoint-every n] [--collect expr] [--count]\n"
"                     [--distinct expr] [--emit closed | updated]\n"
"                     [--first expr] [--id name] [--last expr] [--max expr]\n"
"                     [--min expr] [--name name] [--sum expr]\n"
"                     [--watermark duration] [--where expr] [file ...]\n";

static struct agg_spec spec;
static int64_t length, slide, interval;
static struct ck_opts cko;
static struct ck ck;
static int records, emit_removed;
static struct session ses;		/* --session */
static int64_t gap, delay;
static const char *event_time;
static int emit_updated, emit_set, delay_set;

static const char *
load(void *w, const void *p, size_t n)
{
	return win_restore(w, p, n);
}

static void
save(void *w, struct obuf *o)
{
	win_save(w, o);
}

/* full snapshots only; arg: the window */
static struct ck_snap_ops snap = { load, save, NULL, NULL, NULL };

struct ctx {
	struct agg_table	*batch;
	struct win		*w;
	struct obuf		*out;
};

/* A batch enters the window; at a slide boundary the window is written,
 * and only then its #end (as Spark, no batch between slides). */
static int
batch(void *arg, int64_t bt, int timed)
{
	struct ctx *c = arg;
	int at_slide = !timed || slide == 0 || bt % slide == 0;

	win_add_batch(c->w, c->batch, timed ? bt : 0);
	if (at_slide)
		win_emit(c->w, c->out);
	if (timed && cko.root != NULL)
		ck_state_batch(&ck, bt, &snap);
	return at_slide;
}

/* Length and slide must be whole numbers of the source's batches. */
static void
control(void *arg, const struct item *it)
{
	char a[40], b[40];

	(void)arg;
	if (cko.root != NULL)
		ck_state_control(&ck, it);
	if (it->kind != CTL_INTERVAL)
		return;
	interval = it->interval;
	if (length % interval != 0)
		errx(SK_EXIT_USAGE, "--length %s: not a multiple of the batch "
		    "interval %s", dur_format(length, a), dur_format(interval, b));
	if (slide == 0)
		slide = interval;
	else if (slide % interval != 0)
		errx(SK_EXIT_USAGE, "--slide %s: not a multiple of the batch "
		    "interval %s", dur_format(slide, a), dur_format(interval, b));
}

/*
 * --records, Spark's window(): each batch's data lines make a pane; at
 * every slide the records of the window are written, oldest first. The
 * stream's schema and control lines pass through.
 */
static void
run_records(struct win *w, struct ibuf *ib, struct obuf *out)
{
	struct sreader sr;
	struct item it;
	struct obuf batch;
	int64_t bt;
	char *s;
	size_t n;

	ob_init(&batch, -1, "batch");
	sr_init(&sr, ib, ib->name);
	stream_put_header(out, NULL);
	while (!sr.end.eos && ib_getline(ib, &s, &n)) {
		enum ctl c = sr_item(&sr, s, n, &it);

		if (c != CTL_DATA)
			control(NULL, &it);
		if (c == CTL_DATA) {
			ob_write(&batch, s, n);
			ob_putc(&batch, '\n');
			continue;
		}
		if (c == CTL_STREAM || c == CTL_EOS || c == CTL_AT)
			continue;	/* our own header; #eos written last; the
					 * records leave their order */
		if (c == CTL_END) {
			bt = it.t;
			win_add_records(w, batch.p, batch.len, bt);
			ob_reset(&batch);
			if (cko.root != NULL)
				ck_state_batch(&ck, bt, &snap);
			if (slide != 0 && bt % slide != 0)
				continue;	/* no batch between slides */
			win_emit_records(w, out);
		}
		ob_write(out, s, n);
		ob_putc(out, '\n');
		if (c == CTL_END)
			ob_flush(out);
	}
	if (sr_finish(&sr, NULL) < 0) {
		ob_flush(out);
		exit(SK_EXIT_DATA);
	}
	if (!sr.end.batched)	/* a plain file: its records are the window */
		ob_write(out, batch.p, batch.len);
	ob_puts(out, "#eos\n");
	ob_free(&batch);
	ob_flush(out);
}

/* The options, in spec, cko and the settings above; returns optind. */
static int
options(int argc, char *argv[])
{
	static const struct option longopts[] = {
		AGG_LONGOPTS,
		{ "length", required_argument, NULL, 'l' },
		{ "slide", required_argument, NULL, 's' },
		{ "records", no_argument, NULL, 'r' },
		{ "emit-removed", no_argument, NULL, 'e' },
		{ "session", required_argument, NULL, 'S' },
		{ "event-time", required_argument, NULL, 'T' },
		{ "watermark", required_argument, NULL, 'W' },
		{ "emit", required_argument, NULL, 'E' },
		CK_LONGOPTS,
		CK_EVERY_LONGOPT,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	cko.longopts = longopts;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (agg_option(&spec, ch, optarg, usage_text) ||
		    ck_option(&cko, ch, optarg, usage_text))
			continue;
		switch (ch) {
		case 'l':
			length = opt_duration(usage_text, "--length", optarg);
			break;
		case 's':
			slide = opt_duration(usage_text, "--slide", optarg);
			break;
		case 'r':
			records = 1;
			break;
		case 'e':
			emit_removed = 1;
			break;
		case 'S':
			gap = opt_duration(usage_text, "--session", optarg);
			break;
		case 'T':
			event_time = optarg;
			break;
		case 'W':
			delay = opt_duration(usage_text, "--watermark", optarg);
			delay_set = 1;
			break;
		case 'E':
			if (strcmp(optarg, "updated") != 0 &&
			    strcmp(optarg, "closed") != 0)
				usage_fail(usage_text, "--emit %s: not closed or "
				    "updated", optarg);
			emit_updated = strcmp(optarg, "updated") == 0;
			emit_set = 1;
			break;
		default:
			opt_rest(ch, usage_text);
		}
	}
	return optind;
}

/* --session: the vocabulary without --top or --label, no window. */
static void
validate_session(void)
{
	if (length > 0 || slide > 0 || records || emit_removed)
		usage_fail(usage_text, "--session: no --length, --slide, "
		    "--records or --emit-removed");
	if (event_time == NULL)
		usage_fail(usage_text, "--session needs --event-time: the "
		    "records' times");
	if (spec.top > 0 || spec.nlabels > 0)
		usage_fail(usage_text, "--session writes every session: no "
		    "--top or --label");
	agg_validate(&spec, usage_text);
	spec.extra = emit_updated ? "closed" : NULL;
}

static void
validate(void)
{
	const char *why;
	size_t i;

	ck_opts_check(&cko, usage_text);
	if (gap > 0) {
		validate_session();
		return;
	}
	if (event_time != NULL || delay_set || emit_set)
		usage_fail(usage_text, "--event-time, --watermark and --emit go "
		    "with --session");
	if (length == 0)
		usage_fail(usage_text, "give the window's --length");
	if (records && (spec.ndefs > 0 || spec.nby > 0 || spec.top > 0 ||
	    spec.name != NULL || spec.where != NULL))
		usage_fail(usage_text, "--records writes the records themselves: "
		    "no --by, aggregations, --top, --name or --where");
	agg_validate(&spec, usage_text);
	for (i = 0; i < spec.ndefs; i++)
		if ((why = win_supports(&spec.defs[i])) != NULL)
			usage_fail(usage_text, "%s: %s", spec.defs[i].name, why);
	if (emit_removed && (records || spec.nby == 0))
		usage_fail(usage_text, "--emit-removed needs --by, and no "
		    "--records");
	spec.extra = emit_removed ? "removed" : NULL;
	if (slide > length)
		usage_fail(usage_text, "--slide longer than --length leaves "
		    "batches out of every window");
}

static const char *
session_load_ck(void *arg, const void *p, size_t n)
{
	return session_load(arg, p, n);
}

static void
session_save_ck(void *arg, struct obuf *o)
{
	session_save(arg, o);
}

static struct ck_snap_ops ssnap = { session_load_ck, session_save_ck, NULL,
    NULL, &ses };

static void
session_batch_ck(void *arg, int64_t bt)
{
	(void)arg;
	if (cko.root != NULL)
		ck_state_batch(&ck, bt, &ssnap);
}

static void
session_control(void *arg, const struct item *it)
{
	(void)arg;
	if (cko.root != NULL)
		ck_state_control(&ck, it);
}

/* --session: every key's sessions, each written once it is closed. */
static int
run_sessions(int fd, const char *src, int nopts, char *argv[])
{
	struct session_loop loop = { session_batch_ck, session_control, NULL,
	    NULL };
	struct obuf out;
	struct ibuf ib;
	char attr[128];

	session_init(&ses, &spec, gap, delay, event_time, emit_updated);
	if (cko.root != NULL)
		ck_state_open(&ck, &cko, "stream-window", nopts, argv, &ssnap);
	ib_filter(&ib, fd, src, &out);
	(void)snprintf(attr, sizeof(attr), "state.%s", cko.id != NULL ?
	    cko.id : "stream-window");
	loop.state_attr = attr;
	session_run(&ses, &ib, &out, src, &loop);
	session_free(&ses);
	ob_close(&out);
	ib_free(&ib);
	return SK_EXIT_OK;
}

/* The keys held, for the #end's state.ID= (stream-records(5)). */
static int64_t
keys(void *arg)
{
	const struct ctx *c = arg;

	return (int64_t)win_keys(c->w);
}

int
main(int argc, char *argv[])
{
	struct ctx ctx;
	struct agg_loop loop = { .batch = batch, .keys = keys,
	    .control = control, .arg = &ctx };
	char attr[128];
	struct obuf out;
	struct ibuf ib;
	const char *src;
	int fd, nopts;

	sig_consumer();
	nopts = options(argc, argv);
	validate();
	fd = merge_open(argc - nopts, argv + nopts, &src);
	if (gap > 0)
		return run_sessions(fd, src, nopts, argv);

	ctx.batch = agg_table_new(&spec);
	ctx.w = win_new(&spec, length);
	if (emit_removed)
		win_emit_removed(ctx.w);
	snap.arg = ctx.w;
	if (cko.root != NULL)	/* the options words are its identity */
		ck_state_open(&ck, &cko, "stream-window", nopts, argv, &snap);
	ctx.out = &out;
	ib_filter(&ib, fd, src, &out);
	if (records)
		run_records(ctx.w, &ib, &out);
	else {
		agg_put_header(&out, &spec);
		(void)snprintf(attr, sizeof(attr), "state.%s", cko.id != NULL ?
		    cko.id : "stream-window");
		loop.state_attr = attr;
		agg_run(ctx.batch, &ib, &out, src, &loop);
	}
	win_free(ctx.w);
	agg_table_free(ctx.batch);
	ob_close(&out);
	ib_free(&ib);
	return SK_EXIT_OK;
}
