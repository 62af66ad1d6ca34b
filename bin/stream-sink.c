/*
 * stream-sink: publishes each batch of one or more record streams, once
 * every input has reached #end T (their union, lib/union): as directories
 * like saveAsTextFiles, on standard output, appended to a file, or printed
 * like DStream.print (lib/target*), in a format of lib/format. With
 * --checkpoint each batch is committed once published, so a restart
 * neither loses nor repeats one. See stream-sink(1).
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ck.h"
#include "format.h"
#include "http.h"
#include "metrics.h"
#include "opt.h"
#include "sig.h"
#include "target.h"
#include "ts.h"
#include "union.h"
#include "util.h"

static const char usage_text[] =
"usage: stream-sink [--append file] [--checkpoint dir] [--dir prefix\n"
"                   [--suffix suffix]] [--exec command]\n"
"                   [--format csv | json | records | spark | table | tsv]\n"
"                   [--http [addr:]port] [--id name]\n"
"                   [--kafka brokers --topic topic [--partition n]\n"
"                   [--transactional-id id] [-X key=value ...]]\n"
"                   [--key field[,field...]]\n"
"                   [--metrics file]\n"
"                   [--metrics-prom file] [--print [n]]\n"
"                   [--sqlite db --table name[,name...]\n"
"                   [--mode append | update | complete]]\n"
"                   [--view] [input ...]\n";

static const struct option longopts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "suffix", required_argument, NULL, 's' },
	{ "print", optional_argument, NULL, 'p' },
	{ "append", required_argument, NULL, 'a' },
	{ "exec", required_argument, NULL, 'e' },
	{ "sqlite", required_argument, NULL, 'q' },
	{ "table", required_argument, NULL, 't' },
	{ "mode", required_argument, NULL, 'm' },
	{ "key", required_argument, NULL, 'k' },
	{ "kafka", required_argument, NULL, 'K' },
	{ "topic", required_argument, NULL, 'T' },
	{ "partition", required_argument, NULL, 'R' },
	{ "transactional-id", required_argument, NULL, 'I' },
	{ "metrics", required_argument, NULL, 'M' },
	{ "metrics-prom", required_argument, NULL, 'P' },
	{ "http", required_argument, NULL, 'H' },
	{ "format", required_argument, NULL, 'f' },
	{ "view", no_argument, NULL, 'v' },
	CK_LONGOPTS,
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static struct {
	enum format	 format;
	const char	*dir_prefix, *suffix, *append_path, *exec;
	const char	*sqlite, *table, *mode, *key, *metrics, *prom, *http;
	const char	*kafka, *topic, *txid;
	long long	 print_n;	/* -1: no --print */
	long long	 partition;	/* --partition; -1: by the key */
	int		 view;
	struct kafka_props x;		/* -X */
} opt = { .format = F_TSV, .print_n = -1, .partition = -1 };

static struct sunion u;
static struct obuf out;
static struct ck_opts cko;
static struct ck ck;
static int64_t committed = CK_NONE;	/* batches up to here are published */

static struct target_dir dir;
static struct target_append append;
static struct target_view print, view;
static struct target_exec exec;
static struct target_sqlite sqlite;
static struct target_kafka kafka;
static struct metrics metrics;
static struct http http;
static struct target plain;		/* standard output */
static struct target *targets[7];
static size_t ntargets;

/* A complete batch: every target publishes it, then it is committed. */
static void
publish(void *arg, int64_t t, struct batch **parts)
{
	int64_t mark = 0, m;
	size_t i;

	(void)arg;
	if (cko.root != NULL && t != NO_TIME && committed != CK_NONE &&
	    t <= committed)
		return;		/* published before a restart */
	for (i = 0; i < ntargets; i++)
		targets[i]->ops->publish(targets[i], t, parts);
	ob_flush(&out);
	if (cko.root != NULL && t != NO_TIME) {
		for (i = 0; i < ntargets; i++)
			if ((m = targets[i]->ops->mark(targets[i])) >= 0)
				mark = m;
		ck_commit(&ck, t, &mark, sizeof(mark));
		committed = t;
	}
	metrics_batch(&metrics, &u, t, parts, ts_now());
}

/* --print=N, or --print N when the next word is a number. */
static long long
print_count(int argc, char *argv[])
{
	if (optarg == NULL && optind < argc && argv[optind][0] != '\0' &&
	    strspn(argv[optind], "0123456789") == strlen(argv[optind]))
		optarg = argv[optind++];
	else if (optarg == NULL && optind < argc && argv[optind][0] == '-' &&
	    argv[optind][1] >= '0' && argv[optind][1] <= '9')
		usage_fail(usage_text, "--print %s: not a count of lines (0 or "
		    "more)", argv[optind]);
	return optarg == NULL ? 10 :
	    opt_number(usage_text, "--print", optarg, 0, LLONG_MAX);
}

static void
options(int argc, char *argv[])
{
	const char *why;
	int ch, f;

	cko.longopts = longopts;
	while ((ch = getopt_long(argc, argv, "hX:", longopts, NULL)) != -1) {
		if (ck_option(&cko, ch, optarg, usage_text))
			continue;
		switch (ch) {
		case 'd':
			opt.dir_prefix = optarg;
			break;
		case 's':
			opt.suffix = optarg;
			break;
		case 'p':
			opt.print_n = print_count(argc, argv);
			break;
		case 'a':
			opt.append_path = optarg;
			break;
		case 'e':
			opt.exec = optarg;
			break;
		case 'q':
			opt.sqlite = optarg;
			break;
		case 't':
			opt.table = optarg;
			break;
		case 'm':
			opt.mode = optarg;
			break;
		case 'k':
			opt.key = optarg;
			break;
		case 'K':
			opt.kafka = optarg;
			break;
		case 'T':
			opt.topic = optarg;
			break;
		case 'I':
			opt.txid = optarg;
			break;
		case 'R':
			opt.partition = opt_number(usage_text, "--partition",
			    optarg, 0, INT32_MAX);
			break;
		case 'X':
			if ((why = kafka_prop_add(&opt.x, optarg)) != NULL)
				usage_fail(usage_text, "-X %s: %s", optarg, why);
			break;
		case 'M':
			opt.metrics = optarg;
			break;
		case 'P':
			opt.prom = optarg;
			break;
		case 'H':
			opt.http = optarg;
			break;
		case 'v':
			opt.view = 1;
			break;
		case 'f':
			if ((f = fmt_by_name(optarg)) < 0)
				usage_fail(usage_text, "--format %s: not csv, json, "
				    "records, spark, table or tsv", optarg);
			opt.format = (enum format)f;
			break;
		default:
			opt_rest(ch, usage_text);
		}
	}
}

/* The options together: usage errors only, no side effects. */
static void
validate(void)
{
	ck_opts_check(&cko, usage_text);
	if (opt.view && opt.print_n >= 0)
		usage_fail(usage_text, "--print and --view both write to standard "
		    "output: give one");
	if (opt.suffix != NULL && opt.dir_prefix == NULL)
		usage_fail(usage_text, "--suffix goes with --dir");
	if (opt.dir_prefix != NULL && *opt.dir_prefix == '\0')
		usage_fail(usage_text, "--dir: empty prefix");
	if (opt.exec != NULL && *opt.exec == '\0')
		usage_fail(usage_text, "--exec: empty command");
	if ((opt.sqlite != NULL) != (opt.table != NULL))
		usage_fail(usage_text, "--sqlite and --table go together");
	if (opt.sqlite == NULL && opt.mode != NULL)
		usage_fail(usage_text, "--mode goes with --sqlite");
	if ((opt.kafka != NULL) != (opt.topic != NULL))
		usage_fail(usage_text, "--kafka and --topic go together");
	if (opt.kafka != NULL && (*opt.kafka == '\0' || *opt.topic == '\0'))
		usage_fail(usage_text, "--kafka, --topic: empty");
	if (opt.kafka == NULL && (opt.txid != NULL || opt.x.n > 0 ||
	    opt.partition >= 0))
		usage_fail(usage_text, "--partition, --transactional-id and -X "
		    "go with --kafka");
	if (opt.txid != NULL && *opt.txid == '\0')
		usage_fail(usage_text, "--transactional-id: empty");
	if (opt.key != NULL && opt.kafka == NULL && opt.sqlite == NULL)
		usage_fail(usage_text, "--key goes with --kafka or --sqlite "
		    "--mode update");
	if (opt.mode != NULL && target_sqlite_mode(opt.mode) < 0)
		usage_fail(usage_text, "--mode %s: not append, update or "
		    "complete", opt.mode);
	if (opt.key != NULL && opt.sqlite != NULL && (opt.mode == NULL ||
	    target_sqlite_mode(opt.mode) != TSQ_UPDATE))
		usage_fail(usage_text, "--key goes with --sqlite --mode update");
	if (opt.metrics != NULL && strcmp(opt.metrics, "-") == 0 &&
	    (opt.print_n >= 0 || opt.view || (opt.dir_prefix == NULL &&
	    opt.append_path == NULL && opt.sqlite == NULL && opt.exec == NULL &&
	    opt.kafka == NULL)))
		usage_fail(usage_text, "--metrics -: standard output holds the "
		    "batches: give --dir, --append, --sqlite, --kafka or --exec");
	if (opt.format == F_RECORDS && (opt.dir_prefix != NULL ||
	    opt.print_n >= 0 || opt.view || opt.sqlite != NULL ||
	    opt.exec != NULL))
		usage_fail(usage_text, "--format records goes to --append, "
		    "--kafka or standard output");
	if (opt.format == F_RECORDS && opt.kafka != NULL && opt.key != NULL)
		usage_fail(usage_text, "--kafka --format records: a message a "
		    "batch, without --key");
	if (opt.format == F_TABLE && opt.kafka != NULL)
		usage_fail(usage_text, "--kafka: a message a line: not --format "
		    "table");
	if (opt.http != NULL && http_check(opt.http) != NULL)
		usage_fail(usage_text, "--http %s: %s", opt.http,
		    http_check(opt.http));
}

static void
add_target(struct target *t)
{
	t->u = &u;
	t->out = &out;
	t->durable = cko.root != NULL;
	targets[ntargets++] = t;
}

/* --kafka's transactional id: --transactional-id, or with a checkpoint
 * one of its place and --id; NULL (no transactions) without either. */
static const char *
transactional_id(void)
{
	static char id[PATH_MAX + 64];
	char place[PATH_MAX];

	if (opt.txid != NULL || cko.root == NULL)
		return opt.txid;
	if (realpath(cko.root, place) == NULL)	/* ck_open made it */
		err(SK_EXIT_DATA, "%s", cko.root);
	(void)snprintf(id, sizeof(id), "streamkit:%s/%s", place,
	    cko.id != NULL ? cko.id : "stream-sink");
	return id;
}

/* The targets, in the order they publish; with a checkpoint, what was
 * committed, and --append cut back to its size then. */
static void
open_targets(int nopts, char *argv[])
{
	void *extra = NULL;
	size_t n = 0;

	if (opt.dir_prefix != NULL) {
		add_target(&dir.t);
		target_dir_open(&dir, opt.dir_prefix, opt.suffix);
	}
	if (opt.print_n >= 0) {
		add_target(&print.t);
		target_print_open(&print, opt.print_n);
	}
	if (opt.view) {
		add_target(&view.t);
		target_view_open(&view, isatty(STDOUT_FILENO));
	}
	if (opt.append_path != NULL) {
		add_target(&append.t);
		target_append_open(&append, opt.append_path);
	}
	if (opt.sqlite != NULL) {
		const char *why;

		add_target(&sqlite.t);
		if ((why = target_sqlite_open(&sqlite, opt.sqlite, opt.table,
		    opt.mode != NULL ? (enum tsq_mode)target_sqlite_mode(opt.mode) :
		    TSQ_APPEND, opt.mode != NULL ? opt.key : NULL)) != NULL)
			usage_fail(usage_text, "--table %s: %s", opt.table, why);
	}
	if (opt.kafka != NULL)		/* opened once the checkpoint is */
		add_target(&kafka.t);
	if (opt.exec != NULL) {		/* last: the others have the batch */
		add_target(&exec.t);
		target_exec_open(&exec, opt.exec);
	}
	if (ntargets == 0) {
		add_target(&plain);
		target_stdout_open(&plain);
	}
	if (cko.root != NULL) {
		ck_open(&ck, &cko, "stream-sink", CK_SINK, nopts, argv);
		committed = ck_own_commit(&ck, &extra, &n);
		if (opt.append_path != NULL)
			target_append_recover(&append, &ck, committed, extra, n);
		free(extra);
	}
	if (opt.kafka != NULL)
		target_kafka_open(&kafka, opt.kafka, opt.topic, opt.key,
		    (int32_t)opt.partition, transactional_id(), &opt.x);
}

int
main(int argc, char *argv[])
{
	size_t i;
	int nopts;

	sig_consumer();
	options(argc, argv);
	nopts = optind;		/* the options, without the inputs */
	validate();
	/* the inputs first: should this sink fail below, the tools writing
	 * to it are not left waiting to open their FIFOs */
	u.format = opt.format;
	u.records = opt.format == F_RECORDS;
	u.keep_raw = opt.view || opt.sqlite != NULL ||
	    (opt.kafka != NULL && opt.key != NULL);
	u.committing = cko.root != NULL;
	u.publish = publish;
	union_open(&u, argc - optind, argv + optind);
	ob_init(&out, STDOUT_FILENO, "stdout");
	/* a status line where a person watches, unless the batches go there */
	metrics_open(&metrics, opt.metrics, opt.prom, isatty(STDERR_FILENO) &&
	    !isatty(STDOUT_FILENO));
	open_targets(nopts, argv);
	if (opt.http != NULL) {
		const char *c = strrchr(opt.http, ':');
		int port = http_start(&http, opt.http);

		metrics.http = &http;
		warnx("the page of the batches: http://%.*s:%d/",
		    c != NULL ? (int)(c - opt.http) : 9,
		    c != NULL ? opt.http : "127.0.0.1", port);
	}
	union_run(&u);
	for (i = 0; i < ntargets; i++)
		targets[i]->ops->close(targets[i]);
	metrics_close(&metrics);
	http_stop(&http);
	ob_close(&out);
	return SK_EXIT_OK;
}
