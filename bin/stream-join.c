/*
 * stream-join: two record streams combined by key, batch by batch (join,
 * leftOuterJoin, rightOuterJoin, fullOuterJoin, cogroup), a stream with a
 * table of records (--table), or two streams across batches within a time
 * bound (--within). See stream-join(1).
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ck.h"
#include "join.h"
#include "join_table.h"
#include "join_within.h"
#include "opt.h"
#include "sig.h"
#include "stream.h"
#include "union.h"
#include "util.h"

static const char usage_text[] =
"usage: stream-join --on field[,field...] [--left | --right | --full |\n"
"                   --cogroup] [--fields name[,name...]] [--lp prefix]\n"
"                   [--rp prefix] left right\n"
"       stream-join --on field[,field...] --table file [--left]\n"
"                   [--fields name[,name...]] [--lp prefix] [--rp prefix]\n"
"                   [stream]\n"
"       stream-join --on field[,field...] --within duration\n"
"                   --event-time field [--watermark duration]\n"
"                   [--left | --right | --full] [--checkpoint dir]\n"
"                   [--checkpoint-every n] [--fields name[,name...]]\n"
"                   [--id name] [--lp prefix] [--rp prefix] left right\n";

static struct join j;
static struct jtable table;
static struct jwithin within;
static struct sunion u;
static struct obuf out;
static struct ck_opts cko;
static struct ck ck;
static const char *table_path;
static int64_t within_dur = -1, delay;
static int started;			/* the output's header is written */
static uint64_t schemas[2];		/* the #fields it was made from */
static uint64_t odd_said[2];
static char state_attr[160];

static const char *
load(void *arg, const void *p, size_t n)
{
	return jw_load(arg, p, n);
}

static void
save(void *arg, struct obuf *o)
{
	jw_save(arg, o);
}

static struct ck_snap_ops snap = { load, save, NULL, NULL, &within };

/* --table: the stream's shape (stream-records(5)) passed on, so that a
 * top N joined with names is still rendered as one (stream-sink --format
 * spark); it follows the header, which is written before any input. */
static void
put_shape(const struct shape *sh)
{
	if (sh->sname == NULL && sh->top == 0 && sh->keys == 0 && !sh->labels)
		return;
	ob_puts(&out, "#stream");
	if (sh->keys > 0) {
		ob_puts(&out, "\tkeys=");
		ob_putint(&out, sh->keys);
	}
	if (sh->top > 0) {
		ob_puts(&out, "\ttop=");
		ob_putint(&out, sh->top);
	}
	if (sh->sname != NULL) {
		ob_puts(&out, "\tname=");
		ob_puts(&out, sh->sname);
	}
	if (sh->labels)
		ob_puts(&out, "\tlabels=1");
	ob_putc(&out, '\n');
}

/* One of them: written, and told to the checkpoint. */
static void
put_control(struct item *it, enum ctl kind, const char *text, int64_t v)
{
	ob_puts(&out, text);
	ob_putint(&out, v);
	ob_putc(&out, '\n');
	it->kind = kind;
	if (cko.root != NULL)
		ck_state_control(&ck, it);
}

/* #interval and #checkpoint, as the inputs said them (a stream of
 * batches, even one with none after a restart with nothing to do). */
static void
put_batching(void)
{
	struct item it = { 0 };

	it.interval = u.first_interval;
	it.every = u.every;
	if (u.first_name != NULL)
		put_control(&it, CTL_INTERVAL, "#interval\t", u.first_interval);
	if (u.every > 0)
		put_control(&it, CTL_CHECKPOINT, "#checkpoint\tevery=", u.every);
}

/* The output's #fields, #types, #interval and #checkpoint, from the
 * inputs' once the first batch is complete in both. */
static void
start(void)
{
	const struct schema *sc[2];
	int s;

	for (s = 0; s < 2; s++) {
		sc[s] = s == 1 && table_path != NULL ? &table.sc :
		    &u.in[s].sh.sc;
		if (sc[s]->n == 0)
			errx(SK_EXIT_DATA, "%s: no #fields line before its first "
			    "batch: stream-join needs the fields of both inputs",
			    s == 1 && table_path != NULL ? table_path :
			    u.in[s].name);
		if (s == 0 || table_path == NULL)
			schemas[s] = u.in[s].schemas;
	}
	join_schema(&j, sc[0], u.in[0].name, sc[1], table_path != NULL ?
	    table_path : u.in[1].name);
	if (table_path != NULL)
		put_shape(&u.in[0].sh);
	schema_put(&out, &j.out);
	put_batching();
	started = 1;
}

/* Cuts a side's part of batch t into rows. */
static void
cut(int s, int64_t t, struct batch *part)
{
	struct jrows *rs = &j.rows[s];

	if (part != NULL && part->schema != schemas[s])
		errx(SK_EXIT_DATA, "%s: a new #fields line after the first "
		    "batch: stream-join keeps the fields it started with",
		    u.in[s].name);
	join_cut(&j, rs, s, part != NULL ? part->raw.p : NULL,
	    part != NULL ? part->raw.len : 0, t);
	if (rs->odd > odd_said[s]) {
		char b[40] = "";

		if (t != NO_TIME)
			(void)snprintf(b, sizeof(b), "batch %lld: ", (long long)t);
		warnx("%s: %s%llu record%s with more or fewer fields than its "
		    "#fields (missing ones are empty)", u.in[s].name, b,
		    (unsigned long long)(rs->odd - odd_said[s]),
		    rs->odd - odd_said[s] == 1 ? "" : "s");
		odd_said[s] = rs->odd;
	}
}

/* Batch t is complete in both inputs. */
static void
publish(void *arg, int64_t t, struct batch **parts)
{
	uint64_t bad = j.rows[0].bad + j.rows[1].bad;
	int s;

	(void)arg;
	if (!started)
		start();
	for (s = 0; s < (table_path != NULL ? 1 : 2); s++)
		cut(s, t, parts[s]);
	if (table_path != NULL) {
		(void)jtable_refresh(&table, &j);
		join_batch(&j, &out, &table.idx, &table.rows);
	} else if (within_dur >= 0)
		jw_batch(&within, &j, &out, t);
	else
		join_batch(&j, &out, NULL, NULL);
	bad = j.rows[0].bad + j.rows[1].bad - bad;
	if (t != NO_TIME) {
		if (cko.root != NULL)
			ck_state_batch(&ck, t, &snap);
		if (within_dur >= 0)
			(void)snprintf(state_attr, sizeof(state_attr), "state.%s=%zu",
			    cko.id != NULL ? cko.id : "stream-join", within.live);
		union_put_end(&u, &out, t, parts, within_dur >= 0 ?
		    (int64_t)within.late : 0, (int64_t)bad, state_attr);
	}
	ob_flush(&out);
}

static const struct option longopts[] = {
	{ "on", required_argument, NULL, 'o' },
	{ "left", no_argument, NULL, 'L' },
	{ "right", no_argument, NULL, 'R' },
	{ "full", no_argument, NULL, 'F' },
	{ "cogroup", no_argument, NULL, 'C' },
	{ "lp", required_argument, NULL, 'l' },
	{ "rp", required_argument, NULL, 'r' },
	{ "table", required_argument, NULL, 't' },
	{ "fields", required_argument, NULL, 'f' },
	{ "within", required_argument, NULL, 'w' },
	{ "event-time", required_argument, NULL, 'e' },
	{ "watermark", required_argument, NULL, 'W' },
	CK_LONGOPTS,
	CK_EVERY_LONGOPT,
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
set_kind(enum join_kind k, const char *name)
{
	static const char *given;

	if (given != NULL && strcmp(given, name) != 0)
		usage_fail(usage_text, "%s and %s: one kind of join", given,
		    name);
	given = name;
	j.kind = k;
}

static void
options(int argc, char *argv[])
{
	const char *why;
	char *eq, *on = NULL, *et = NULL, *copy;
	int ch, wm_set = 0;

	cko.longopts = longopts;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ck_option(&cko, ch, optarg, usage_text))
			continue;
		switch (ch) {
		case 'o':
			on = optarg;
			break;
		case 'L':
			set_kind(JOIN_LEFT, "--left");
			break;
		case 'R':
			set_kind(JOIN_RIGHT, "--right");
			break;
		case 'F':
			set_kind(JOIN_FULL, "--full");
			break;
		case 'C':
			set_kind(JOIN_COGROUP, "--cogroup");
			break;
		case 'l':
			j.prefix[0] = optarg;
			break;
		case 'r':
			j.prefix[1] = optarg;
			break;
		case 't':
			table_path = optarg;
			break;
		case 'f':
			copy = estrdup(optarg);
			why = join_select(&j, copy);
			free(copy);
			if (why != NULL)
				usage_fail(usage_text, "--fields %s: %s", optarg,
				    why);
			break;
		case 'w':
			within_dur = opt_duration(usage_text, "--within", optarg);
			break;
		case 'e':
			et = optarg;
			break;
		case 'W':
			delay = opt_duration(usage_text, "--watermark", optarg);
			wm_set = 1;
			break;
		default:
			opt_rest(ch, usage_text);
		}
	}
	if (on == NULL)
		usage_fail(usage_text, "--on: which fields to join on");
	copy = estrdup(on);
	why = join_on(&j, copy);
	free(copy);
	if (why != NULL)
		usage_fail(usage_text, "--on %s: %s", on, why);
	if (et != NULL) {
		if (within_dur < 0)
			usage_fail(usage_text, "--event-time goes with --within");
		if ((eq = strchr(et, '=')) != NULL)
			*eq++ = '\0';
		if (*et == '\0' || (eq != NULL && *eq == '\0'))
			usage_fail(usage_text, "--event-time: a field, or "
			    "left=right");
		j.time[0] = et;
		j.time[1] = eq != NULL ? eq : et;
	}
	if (within_dur >= 0 && et == NULL)
		usage_fail(usage_text, "--within needs --event-time: the "
		    "records' times");
	if (wm_set && within_dur < 0)
		usage_fail(usage_text, "--watermark goes with --within");
	if (within_dur >= 0 && j.kind == JOIN_COGROUP)
		usage_fail(usage_text, "--cogroup is per batch: not with "
		    "--within");
	if (table_path != NULL && (j.kind == JOIN_RIGHT ||
	    j.kind == JOIN_FULL || j.kind == JOIN_COGROUP))
		usage_fail(usage_text, "--table joins a stream with a table: "
		    "inner, or --left");
	if (table_path != NULL && within_dur >= 0)
		usage_fail(usage_text, "--table and --within: one or the other");
	if (cko.root != NULL && within_dur < 0)
		usage_fail(usage_text, "--checkpoint: only --within keeps state "
		    "from batch to batch");
	ck_opts_check(&cko, usage_text);
}

int
main(int argc, char *argv[])
{
	int nopts, nin;

	sig_consumer();
	options(argc, argv);
	nopts = optind;
	nin = argc - optind;
	if (table_path != NULL ? nin > 1 : nin != 2)
		usage_fail(usage_text, table_path != NULL ? "--table: one "
		    "stream, or standard input" : "two inputs: left and right");
	if (nin == 2 && strcmp(argv[optind], "-") == 0 &&
	    strcmp(argv[optind + 1], "-") == 0)
		usage_fail(usage_text, "- -: standard input is one input");
	join_init(&j);
	if (table_path != NULL)
		jtable_open(&table, table_path);
	if (within_dur >= 0)
		jw_init(&within, within_dur, delay);
	u.raw_only = 1;
	u.committing = cko.root != NULL;
	u.publish = publish;
	union_open(&u, nin, argv + optind);
	ob_init(&out, STDOUT_FILENO, "stdout");
	stream_put_header(&out, NULL);
	if (cko.root != NULL)	/* the options words are its identity */
		ck_state_open(&ck, &cko, "stream-join", nopts, argv, &snap);
	union_run(&u);
	if (!started)
		put_batching();
	ob_puts(&out, "#eos\n");
	ob_close(&out);
	if (within_dur >= 0)
		jw_free(&within);
	if (table_path != NULL)
		jtable_free(&table);
	join_free(&j);
	return SK_EXIT_OK;
}
