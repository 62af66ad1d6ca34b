/*
 * stream-reduce: per-batch grouping and aggregation (reduceByKey,
 * countByValue, top-N). Every #end T closes a batch: one line per group,
 * then #end T. A stream with no #end is one batch that ends at EOF.
 * See stream-reduce(1).
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
#include "opt.h"
#include "rec.h"
#include "sig.h"
#include "util.h"

static const char usage_text[] =
"usage: stream-reduce [--avg expr] [--by field[,field...]] [--collect expr]\n"
"                     [--count] [--distinct expr] [--first expr]\n"
"                     [--label key=name[,key=name...]] [--last expr]\n"
"                     [--max expr] [--min expr] [--name name]\n"
"                     [--sum expr] [--top n [--order name]] [--where expr]\n"
"                     [file ...]\n";

static struct agg_spec spec;

struct ctx {
	struct agg_table	*t;
	struct obuf		*out;
};

/* A batch: its groups, then a clean table for the next. */
static int
batch(void *arg, int64_t bt, int timed)
{
	struct ctx *c = arg;

	(void)bt;
	(void)timed;
	agg_emit(c->t, c->out, -1);
	agg_clear(c->t);
	return 1;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		AGG_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct agg_table *t;
	struct obuf out;
	struct ibuf ib;
	struct ctx ctx;
	struct agg_loop loop = { .batch = batch, .arg = &ctx };
	const char *src = NULL;
	int ch, fd;

	sig_consumer();
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		if (!agg_option(&spec, ch, optarg, usage_text))
			opt_rest(ch, usage_text);
	argc -= optind;
	argv += optind;
	agg_validate(&spec, usage_text);
	fd = merge_open(argc, argv, &src);

	t = agg_table_new(&spec);
	ib_filter(&ib, fd, src, &out);
	agg_put_header(&out, &spec);
	ctx.t = t;
	ctx.out = &out;
	agg_run(t, &ib, &out, src, &loop);
	agg_table_free(t);
	ob_close(&out);
	ib_free(&ib);
	return SK_EXIT_OK;
}
