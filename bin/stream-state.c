/*
 * stream-state: aggregation across all batches (updateStateByKey,
 * mapWithState). Keys live from batch to batch; every #end T emits the
 * whole table, the keys this batch updated, or the top N; idle keys can
 * time out. See stream-state(1).
 */
#include <err.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "buf.h"
#include "merge.h"
#include "ck.h"
#include "dedup.h"
#include "opt.h"
#include "rec.h"
#include "sig.h"
#include "stream.h"
#include "util.h"

static const char usage_text[] =
"usage: stream-state [--avg expr] [--by field[,field...]] [--checkpoint dir]\n"
"                    [--checkpoint-every n] [--checkpoint-full-every k]\n"
"                    [--collect expr] [--count]\n"
"                    [--distinct expr] [--emit all | updated | top]\n"
"                    [--emit-removed]\n"
"                    [--first expr] [--id name] [--initial file]\n"
"                    [--label key=name[,key=name...]] [--last expr]\n"
"                    [--max expr] [--min expr] [--name name]\n"
"                    [--sum expr] [--timeout duration]\n"
"                    [--top n [--order name]] [--where expr] [file ...]\n"
"       stream-state --dedup field[,field...]\n"
"                    [--within duration --event-time field]\n"
"                    [--checkpoint dir] [--checkpoint-every n] [--id name]\n"
"                    [file ...]\n";

enum emit { EMIT_ALL, EMIT_UPDATED, EMIT_TOP };

static struct agg_spec spec;
static enum emit emit = EMIT_ALL;
static int emit_set, emit_removed;
static int64_t timeout;
static const char *initial;
static struct ck_opts cko;
static struct ck ck;
static struct dedup dd;			/* --dedup */
static char *dedup_on, *event_time;
static int64_t within = -1;

/* The output of one batch: what --emit asks for, then removed keys. */
static void
emit_batch(struct agg_table *t, struct obuf *out, struct obuf *removed,
    int64_t bt, int timed)
{
	int flag = emit_removed ? 0 : -1;

	ob_reset(removed);
	if (timed && timeout > 0)
		(void)agg_expire(t, bt, timeout, emit_removed ? removed : NULL);
	if (emit == EMIT_UPDATED)
		agg_emit_touched(t, out, flag);
	else
		agg_emit(t, out, flag);
	ob_write(out, removed->p, removed->len);
	if (timed)
		agg_close_batch(t, bt);
}

static const char *
load(void *t, const void *p, size_t n)
{
	return agg_restore(t, p, n);
}

static void
save(void *t, struct obuf *o)
{
	agg_save(t, o);
	agg_saved(t);
}

static void
save_delta(void *t, struct obuf *o)
{
	agg_save_delta(t, o);
	agg_saved(t);
}

static const char *
apply(void *t, const void *p, size_t n)
{
	return agg_apply_delta(t, p, n);
}

/* --checkpoint-full-every > 1: increments between full snapshots */
static struct ck_snap_ops snap = { load, save, NULL, NULL, NULL };

struct ctx {
	struct agg_table	*t;
	struct obuf		*out, *removed;
};

static int
batch(void *arg, int64_t bt, int timed)
{
	struct ctx *c = arg;

	emit_batch(c->t, c->out, c->removed, bt, timed);
	if (timed && cko.root != NULL)
		ck_state_batch(&ck, bt, &snap);
	return 1;
}

static void
control(void *arg, const struct item *it)
{
	(void)arg;
	if (cko.root != NULL)
		ck_state_control(&ck, it);
}

/* The options, in spec, cko and the settings above; returns optind. */
static int
options(int argc, char *argv[])
{
	static const struct option longopts[] = {
		AGG_LONGOPTS,
		{ "emit", required_argument, NULL, 'e' },
		{ "emit-removed", no_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "initial", required_argument, NULL, 'i' },
		{ "dedup", required_argument, NULL, 'd' },
		{ "within", required_argument, NULL, 'w' },
		{ "event-time", required_argument, NULL, 'T' },
		CK_LONGOPTS,
		CK_EVERY_LONGOPT,
		CK_FULL_EVERY_LONGOPT,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const emits[] = { "all", "updated", "top" };
	int ch;

	cko.longopts = longopts;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (agg_option(&spec, ch, optarg, usage_text) ||
		    ck_option(&cko, ch, optarg, usage_text))
			continue;
		switch (ch) {
		case 'e':
			for (emit = EMIT_ALL; emit <= EMIT_TOP; emit++)
				if (strcmp(optarg, emits[emit]) == 0)
					break;
			if (emit > EMIT_TOP)
				usage_fail(usage_text, "--emit %s: not all, updated "
				    "or top", optarg);
			emit_set = 1;
			break;
		case 'r':
			emit_removed = 1;
			break;
		case 't':
			timeout = opt_duration(usage_text, "--timeout", optarg);
			break;
		case 'i':
			initial = optarg;
			break;
		case 'd':
			dedup_on = optarg;
			break;
		case 'w':
			within = opt_duration(usage_text, "--within", optarg);
			break;
		case 'T':
			event_time = optarg;
			break;
		default:
			opt_rest(ch, usage_text);
		}
	}
	return optind;
}

/* --dedup: no aggregation, and --within with the records' times. */
static void
validate_dedup(void)
{
	const char *why;
	char *copy;

	if (spec.nby > 0 || spec.ndefs > 0 || spec.top > 0 || spec.name ||
	    spec.where != NULL || spec.nlabels > 0 || emit_set ||
	    emit_removed || timeout > 0 || initial != NULL)
		usage_fail(usage_text, "--dedup passes records on: no "
		    "aggregation, --emit, --timeout or --initial");
	if (within >= 0 && event_time == NULL)
		usage_fail(usage_text, "--within needs --event-time: the "
		    "records' times");
	if (event_time != NULL && within < 0)
		usage_fail(usage_text, "--event-time goes with --within");
	if (cko.full_every > 0)
		usage_fail(usage_text, "--checkpoint-full-every: --dedup keeps "
		    "full snapshots only");
	ck_opts_check(&cko, usage_text);
	copy = estrdup(dedup_on);
	why = dedup_keys(&dd, copy);
	free(copy);
	if (why != NULL)
		usage_fail(usage_text, "--dedup %s: %s", dedup_on, why);
	dedup_init(&dd, within, event_time);
}

static void
validate(void)
{
	size_t i;

	if (dedup_on != NULL) {
		validate_dedup();
		return;
	}
	if (within >= 0 || event_time != NULL)
		usage_fail(usage_text, "--within and --event-time go with "
		    "--dedup");
	agg_validate(&spec, usage_text);
	if (!emit_set)
		emit = spec.top > 0 ? EMIT_TOP : EMIT_ALL;
	if (emit == EMIT_TOP && spec.top == 0)
		usage_fail(usage_text, "--emit top goes with --top");
	if (emit == EMIT_ALL && spec.top > 0)
		usage_fail(usage_text, "--top goes with --emit top or updated");
	if (emit_removed && timeout == 0)
		usage_fail(usage_text, "--emit-removed goes with --timeout");
	if (initial != NULL)
		for (i = 0; i < spec.ndefs; i++)
			if (spec.defs[i].kind == AGG_AVG ||
			    spec.defs[i].kind == AGG_DISTINCT)
				usage_fail(usage_text, "--initial: %s cannot start "
				    "from a file (only counts, sums, min, max, "
				    "first and last)", spec.defs[i].name);
	ck_opts_check(&cko, usage_text);
	for (i = 0; cko.full_every > 1 && i < spec.ndefs; i++)
		if (spec.defs[i].kind == AGG_DISTINCT)
			usage_fail(usage_text, "--checkpoint-full-every: "
			    "--distinct keeps full snapshots only");
	spec.extra = emit_removed ? "removed" : NULL;
}

/* The state a run starts from: the checkpoint's, or --initial's on a first
 * run, or none. */
static void
start_state(struct agg_table *t, int nopts, char *argv[])
{
	int fd;

	ck.restored = CK_NONE;
	snap.arg = t;
	if (cko.full_every > 1) {
		snap.apply = apply;
		snap.save_delta = save_delta;
		agg_track_changes(t);
	}
	if (cko.root != NULL)	/* the options words are its identity */
		ck_state_open(&ck, &cko, "stream-state", nopts, argv, &snap);
	if (initial == NULL || ck.restored != CK_NONE)
		return;
	if ((fd = open(initial, O_RDONLY)) < 0)
		err(SK_EXIT_DATA, "%s", initial);
	if (agg_load_initial(t, fd, initial) != NULL)
		exit(SK_EXIT_DATA);
	close(fd);
}

static const char *
dedup_load_ck(void *arg, const void *p, size_t n)
{
	return dedup_load(arg, p, n);
}

static void
dedup_save_ck(void *arg, struct obuf *o)
{
	dedup_save(arg, o);
}

static struct ck_snap_ops dsnap = { dedup_load_ck, dedup_save_ck, NULL, NULL,
    &dd };

static void
dedup_batch_ck(void *arg, int64_t bt)
{
	(void)arg;
	if (cko.root != NULL)
		ck_state_batch(&ck, bt, &dsnap);
}

/* --dedup: the records that pass, a batch at a time. */
static int
run_dedup(int fd, const char *src, int nopts, char *argv[])
{
	struct obuf out;
	struct ibuf ib;
	struct dedup_loop loop = { dedup_batch_ck, control, NULL, NULL };
	char attr[128];

	if (cko.root != NULL)
		ck_state_open(&ck, &cko, "stream-state", nopts, argv, &dsnap);
	ib_filter(&ib, fd, src, &out);
	stream_put_header(&out, NULL);
	(void)snprintf(attr, sizeof(attr), "state.%s", cko.id != NULL ?
	    cko.id : "stream-state");
	loop.state_attr = attr;
	dedup_run(&dd, &ib, &out, src, &loop);
	dedup_free(&dd);
	ob_close(&out);
	ib_free(&ib);
	return SK_EXIT_OK;
}

/* The keys held, for the #end's state.ID= (stream-records(5)). */
static int64_t
keys(void *arg)
{
	const struct ctx *c = arg;

	return (int64_t)agg_keys(c->t);
}

int
main(int argc, char *argv[])
{
	struct obuf out, removed;
	struct ibuf ib;
	struct ctx ctx = { NULL, &out, &removed };
	struct agg_loop loop = { .batch = batch, .keys = keys,
	    .control = control, .arg = &ctx };
	char attr[128];
	const char *src = NULL;
	int fd, nopts;

	sig_consumer();
	nopts = options(argc, argv);
	validate();
	fd = merge_open(argc - nopts, argv + nopts, &src);
	if (dedup_on != NULL)
		return run_dedup(fd, src, nopts, argv);

	ctx.t = agg_table_new(&spec);
	start_state(ctx.t, nopts, argv);
	ib_filter(&ib, fd, src, &out);
	ob_init(&removed, -1, "removed");
	agg_put_header(&out, &spec);
	(void)snprintf(attr, sizeof(attr), "state.%s", cko.id != NULL ?
	    cko.id : "stream-state");
	loop.state_attr = attr;
	agg_run(ctx.t, &ib, &out, src, &loop);
	agg_table_free(ctx.t);
	ob_close(&out);
	ob_free(&removed);
	ib_free(&ib);
	return SK_EXIT_OK;
}
