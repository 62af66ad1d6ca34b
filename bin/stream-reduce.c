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
#include "rec.h"
#include "util.h"

static const char usage_text[] =
"usage: stream-reduce [--avg expr] [--by field[,field...]] [--count]\n"
"                     [--distinct expr] [--first expr] [--last expr]\n"
"                     [--max expr] [--min expr] [--name name] [--sum expr]\n"
"                     [--top n [--order name]] [file]\n";

static struct agg_spec spec;

/* Binds the aggregation to the input's schema; dies if a field is missing. */
static void
bind_schema(const struct schema *sc, const char *src)
{
	const char *missing = agg_bind(&spec, sc);

	if (missing != NULL)
		errx(SK_EXIT_DATA, "%s: no field %s in the input", src, missing);
}

/* A headerless file: its fields are named 1, 2, ... */
static void
number_fields(struct schema *sc, size_t n)
{
	char **names = ereallocarray(NULL, n, sizeof(*names));
	size_t i;

	for (i = 0; i < n; i++)
		if (asprintf(&names[i], "%zu", i + 1) < 0)
			err(SK_EXIT_DATA, "asprintf");
	schema_set(sc, names, n);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
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
	struct schema sc = { 0 };
	struct rec r = { 0 };
	const char *src = NULL;
	uint64_t bad = 0, pending = 0;
	char *s;
	size_t n;
	int ch, fd = STDIN_FILENO, bound = 0;
	struct stream_end se = { 0, 0 };

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (!agg_option(&spec, ch, optarg, usage_text))
			opt_rest(ch, usage_text);
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage_fail(usage_text, "one input at most");
	agg_validate(&spec, usage_text);
	if (argc == 1) {
		src = argv[0];
		if ((fd = open(src, O_RDONLY)) < 0)
			err(SK_EXIT_DATA, "%s", src);
	}

	t = agg_table_new(&spec);
	ob_init(&out, STDOUT_FILENO, "stdout");
	ib_init(&ib, fd, src ? src : "stdin");
	ib.flush = &out;
	agg_put_header(&out, &spec, NULL);
	while (!se.eos && ib_getline(&ib, &s, &n)) {
		enum ctl c = rec_ctl(s, n);

		stream_note(&se, c);
		switch (c) {
		case CTL_DATA:
			rec_split(&r, s, n);
			if (!bound) {
				if (sc.n == 0)
					number_fields(&sc, r.n);
				bind_schema(&sc, ib.name);
				bound = 1;
			}
			if (agg_add(t, &r, src, ib.lineno) < 0)
				bad++;
			else
				pending++;
			break;
		case CTL_FIELDS:
			schema_parse(&sc, s, n);
			bind_schema(&sc, ib.name);
			bound = 1;
			break;
		case CTL_END:
			agg_emit(t, &out, -1);
			agg_clear(t);
			pending = 0;
			ob_write(&out, s, n);
			ob_putc(&out, '\n');
			ob_flush(&out);
			break;
		case CTL_STREAM:	/* the input's shape is not ours */
			break;
		default:
			ob_write(&out, s, n);
			ob_putc(&out, '\n');
			break;
		}
	}
	if (stream_broken(&se)) {
		ob_flush(&out);
		errx(SK_EXIT_DATA, "%s: input ended inside a batch (no #eos): "
		    "upstream failed; the unfinished batch is dropped", ib.name);
	}
	if (!se.batched) {	/* a plain file of records: one batch */
		agg_emit(t, &out, -1);
		if (se.eos)
			ob_puts(&out, "#eos\n");
	} else if (pending > 0)
		warnx("%llu records after the last #end dropped",
		    (unsigned long long)pending);
	ob_flush(&out);
	if (bad > 0)
		warnx("%llu records rejected", (unsigned long long)bad);
	agg_table_free(t);
	ob_free(&out);
	ib_free(&ib);
	rec_free(&r);
	schema_free(&sc);
	return SK_EXIT_OK;
}
