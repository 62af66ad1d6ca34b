/*
 * stream-parse: text lines to typed records. Each line is cut into fields
 * (CSV with quotes, or TSV), each field checked against its type; a line
 * that does not fit is reported with its line number and the reason,
 * counted, and left out. See stream-parse(1); the spec and its checks are
 * lib/spec, quoted fields lib/csv, --set and --where lib/derive, the
 * outputs and their --cut lib/views.
 */
#include <err.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "csv.h"
#include "cut.h"
#include "derive.h"
#include "opt.h"
#include "pos.h"
#include "rec.h"
#include "reject.h"
#include "sig.h"
#include "spec.h"
#include "stream.h"
#include "util.h"
#include "views.h"

static const char usage_text[] =
"usage: stream-parse --csv spec | --tsv spec [--cut fields] [--header]\n"
"                    [--max-errors n] [--reject file] [--sep c]\n"
"                    [--set name=expr] [--tee file [--cut fields]]\n"
"                    [--time-format format] [--tz zone] [--where expr]\n"
"                    [file ...]\n";

static struct {
	const char	*spec, *time_format;
	int		 csv, header, sepset;
	char		 sep;
	struct output	*outs;		/* standard output, then each --tee */
	size_t		 nouts;
} opt = { .csv = 1, .sep = ',' };

static struct spec spec;
static struct derive derive;
static struct views views;
static struct schema outschema;	/* the spec's fields, then new --set ones */
static struct tz zone;		/* zeroed: UTC */
static struct rejects rej;	/* its max: --max-errors, its file --reject */
static uint64_t accepted;
static uint64_t pos_id;		/* names the place records are read from */

/* Per-line scratch, reused: no allocation per record. */
static struct csv csv;		/* the line's fields, then the --set ones */
static struct rec orec;

/* Lines too long that ib skipped (and reported) since *seen: rejected
 * lines, that count in the line numbers after them. */
static void
skipped_lines(const struct ibuf *ib, uint64_t *seen, uint64_t *datalines,
    struct pos *at)
{
	for (; *seen < ib->long_lines; (*seen)++) {
		(*datalines)++;
		if (at->line > 0)
			at->line++;
		reject_count(&rej);
	}
}

/*
 * A data line: cut, checked, derived; written to every output, or
 * reported and counted. Never the line itself leaves a wrong record.
 */
static void
parse_line(const char *src, uint64_t line, char *s, size_t n, int scanned,
    unsigned seen)
{
	struct expr_err e;
	struct line l;
	char why[512];
	const char *w;
	size_t i;
	int keep;

	if ((w = csv_cut(&csv, s, n, scanned, &seen)) != NULL) {
		reject_line(&rej, src, line, s, n, "%s", w);
		return;
	}
	l.f = csv.fields.f;
	l.n = csv.fields.n;
	l.plain = seen == 0;	/* no byte to escape or unquote */
	l.inplace = derive.nset == 0 && derive.where == NULL;
	if (l.n != spec.n) {
		if (n == 0)
			reject_line(&rej, src, line, s, n, "an empty line");
		else
			reject_line(&rej, src, line, s, n, "expected %zu fields, found %zu",
			    spec.n, l.n);
		return;
	}
	if (!spec_quick(&spec, &l))
		for (i = 0; i < spec.n; i++)
			if ((w = spec_check(&spec, &l, i, why, sizeof(why))) !=
			    NULL) {
				reject_line(&rej, src, line, s, n, "%s", w);
				return;
			}
	orec.n = outschema.n;	/* the fields as cut, then the --set ones */
	orec.f = csv.fields.f;
	orec.cap = csv.fields.cap;
	if (derive.nset > 0 || derive.where != NULL) {
		if ((keep = derive_apply(&derive, &orec, &e)) < 0)
			reject_line(&rej, src, line, s, n, "%s",
			    expr_err_text(why, sizeof(why), &e));
		if (keep <= 0)
			return;
	}
	accepted++;
	views_record(&views, &orec, l.plain && derive.nset == 0, n, pos_id, src,
	    line);
}

/* Returns 0, or -1 if the input ended inside a batch. */
static int
parse_input(int fd, const char *src)
{
	struct ibuf ib;
	struct schema insc = { 0 };
	char *s;
	size_t n;
	long col = 0;
	int records = 0, first = 1, skip = opt.header, broken;
	struct sreader sr;
	struct item it;
	uint64_t datalines = 0;	/* what line numbers count */
	uint64_t long_seen = 0;	/* lines too long, skipped by ib */
	struct rec r = { 0 };
	struct pos at = { 0 };
	unsigned seen;

	pos_id++;		/* a new input: its own lines, or its #at's */
	ib_init(&ib, fd, src ? src : "stdin");
	ib.flush = &views.v[0].ob;
	sr_init(&sr, &ib, ib.name);
	while (!sr.end.eos && csv_getline(&csv, &ib, &s, &n, &seen)) {
		int scanned = 1;

		if (first && rec_stream_start(s, n))
			records = 1;	/* a record stream: parse one field */
		first = 0;
		if (records) {
			enum ctl c = sr_item(&sr, s, n, &it);

			switch (c) {
			case CTL_DATA:
				/* one field, nothing escaped: the raw line, cut */
				if (col == 0 && (seen & csv.att_raw) == 0 &&
				    (opt.sep != '\t' || csv.fields.n == 1))
					break;
				scanned = 0;
				rec_split(&r, s, n);
				if ((size_t)col >= r.n)
					continue;
				s = r.f[col].p;
				n = r.f[col].n;
				break;
			case CTL_FIELDS:	/* the field with the text */
				schema_parse(&insc, s, n);
				if ((col = schema_find(&insc, "line")) < 0)
					col = 0;
				continue;
			case CTL_STREAM:	/* ours is written */
			case CTL_TYPES:		/* of the raw text: ours too */
			case CTL_EOS:		/* written after every input */
				continue;
			case CTL_AT:		/* the user's file and line */
				if (pos_take(&at, ib.name, ib.lineno, s, n) == 0)
					pos_id++;
				continue;
			default:
				views_control(&views, s, n, c);
				continue;
			}
		}
		sr.end.lines = 1;
		skipped_lines(&ib, &long_seen, &datalines, &at);
		datalines++;
		if (skip) {
			skip = 0;
			continue;
		}
		if (at.line > 0)	/* where the source read it */
			parse_line(at.file, at.line++, s, n, scanned, seen);
		else
			parse_line(src, datalines, s, n, scanned, seen);
	}
	skipped_lines(&ib, &long_seen, &datalines, &at);
	broken = sr_finish(&sr, NULL);
	ib_free(&ib);
	rec_free(&r);
	pos_free(&at);
	schema_free(&insc);
	if (broken < 0)
		return -1;
	return 0;
}

static void
options(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "csv", required_argument, NULL, 'c' },
		{ "tsv", required_argument, NULL, 't' },
		{ "sep", required_argument, NULL, 's' },
		{ "header", no_argument, NULL, 'H' },
		{ "where", required_argument, NULL, 'w' },
		{ "set", required_argument, NULL, 'S' },
		{ "reject", required_argument, NULL, 'r' },
		{ "tee", required_argument, NULL, 'T' },
		{ "cut", required_argument, NULL, 'C' },
		{ "max-errors", required_argument, NULL, 'm' },
		{ "tz", required_argument, NULL, 'z' },
		{ "time-format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct output *last;
	char why[512];
	int ch;

	opt.outs = ecalloc(1, sizeof(*opt.outs));
	opt.nouts = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		last = &opt.outs[opt.nouts - 1];
		switch (ch) {
		case 'c':
		case 't':
			if (opt.spec != NULL)
				usage_fail(usage_text, "give one of --csv and --tsv");
			opt.spec = optarg;
			opt.csv = ch == 'c';
			break;
		case 's':
			opt.sep = opt_sep(usage_text, optarg);
			opt.sepset = 1;
			break;
		case 'H':
			opt.header = 1;
			break;
		case 'w':
			if (derive_where(&derive, optarg, why, sizeof(why)) != NULL)
				usage_fail(usage_text, "%s", why);
			break;
		case 'S':
			if (derive_set(&derive, optarg, why, sizeof(why)) != NULL)
				usage_fail(usage_text, "%s", why);
			break;
		case 'r':
			rej.path = optarg;
			break;
		case 'T':
			opt.outs = ereallocarray(opt.outs, opt.nouts + 1,
			    sizeof(*opt.outs));
			opt.outs[opt.nouts].path = optarg;
			opt.outs[opt.nouts++].cut = NULL;
			break;
		case 'C':	/* for the output named last */
			if (last->cut != NULL)
				usage_fail(usage_text, "--cut %s: %s has --cut %s",
				    optarg, last->path != NULL ? last->path :
				    "standard output", last->cut);
			last->cut = optarg;
			break;
		case 'm':
			rej.max = opt_number(usage_text, "--max-errors",
			    optarg, 1, LLONG_MAX);
			break;
		case 'z':
			opt_tz(usage_text, optarg, &zone);
			break;
		case 'f':
			opt.time_format = optarg;
			break;
		default:
			opt_rest(ch, usage_text);
		}
	}
}

/* The spec, the output's fields and the expressions on them, each --cut. */
static void
validate(void)
{
	char why[512];
	size_t i, *cols, room;

	if (opt.spec == NULL)
		usage_fail(usage_text, "give --csv spec or --tsv spec");
	if (!opt.csv && !opt.sepset)
		opt.sep = '\t';
	if (spec_parse(&spec, opt.spec, why, sizeof(why)) != NULL)
		usage_fail(usage_text, "%s", why);
	spec.zone = &zone;
	spec.time_format = opt.time_format;
	room = spec.n + derive.nset;
	outschema.names = ereallocarray(NULL, room, sizeof(char *));
	outschema.types = ereallocarray(NULL, room, 1);
	for (i = 0; i < spec.n; i++) {
		outschema.types[outschema.n] = spec_coltype(&spec, i);
		outschema.names[outschema.n++] = estrdup(spec.f[i].name);
	}
	if (derive_bind(&derive, &outschema, why, sizeof(why)) != NULL)
		usage_fail(usage_text, "%s", why);
	for (i = 0; i < opt.nouts; i++) {
		views_columns(&outschema, opt.outs[i].cut, &cols, usage_text);
		free(cols);
	}
	csv_init(&csv, opt.sep, opt.csv, outschema.n);	/* room for --set */
	views.spec = &spec;
	views.sep = opt.sep;
}

/* Reads each operand ("-" is standard input) or standard input; 0 if every
 * input was read through, else 1. */
static int
parse_operands(char *argv[])
{
	int fd, status = SK_EXIT_OK;

	if (*argv == NULL && parse_input(STDIN_FILENO, NULL) < 0)
		status = SK_EXIT_DATA;
	for (; *argv != NULL; argv++) {
		if (strcmp(*argv, "-") == 0) {
			if (parse_input(STDIN_FILENO, NULL) < 0)
				status = SK_EXIT_DATA;
			continue;
		}
		if ((fd = open(*argv, O_RDONLY)) < 0) {
			warn("%s", *argv);
			status = SK_EXIT_DATA;
			continue;
		}
		if (parse_input(fd, *argv) < 0)
			status = SK_EXIT_DATA;
		close(fd);
	}
	return status;
}

int
main(int argc, char *argv[])
{
	int status;

	sig_consumer();
	options(argc, argv);
	validate();
	if (rej.path != NULL && (rej.file = fopen(rej.path, "w")) == NULL)
		err(SK_EXIT_DATA, "%s", rej.path);
	views_open(&views, opt.outs, opt.nouts, &outschema, usage_text);
	rej.out = &views.v[0].ob;
	free(opt.outs);

	status = parse_operands(argv + optind);
	/* a stream ends cleanly only if every input was read through */
	if (status == SK_EXIT_OK)
		views_control(&views, "#eos", 4, CTL_EOS);
	views_flush(&views);
	if (rej.n > 0)
		warnx("%llu lines accepted, %llu rejected",
		    (unsigned long long)accepted, (unsigned long long)rej.n);
	if (rej.file != NULL && fclose(rej.file) != 0)
		err(SK_EXIT_DATA, "%s", rej.path);
	return status;
}
