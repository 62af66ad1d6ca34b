/*
 * stream-parse: text lines to typed records, each cut into fields (lib/csv),
 * checked against the spec (lib/spec), derived (--set, --where: lib/derive)
 * and written to each output (lib/views); a line that does not fit is
 * reported with its file, line and reason, counted, left out (lib/reject).
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
			reject_line(&rej, src, line, s, n,
			    "expected %zu fields, found %zu", spec.n, l.n);
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

/* One input: a file of text lines, or a record stream whose "line" field
 * (or first field) holds them. */
struct input {
	struct ibuf	 ib;
	struct sreader	 sr;
	int		 records;	/* a record stream */
	struct schema	 sc;		/* its fields */
	long		 col;		/* the one with the text */
	struct rec	 r;
	struct pos	 at;		/* the user's file and line (#at) */
	uint64_t	 lines;		/* its data lines so far */
	uint64_t	 long_seen;	/* lines too long, skipped by ib */
};

/* Lines too long that ib skipped (and reported) since the last look:
 * rejected lines, that count in the line numbers after them. */
static void
skipped_lines(struct input *in)
{
	for (; in->long_seen < in->ib.long_lines; in->long_seen++) {
		in->lines++;
		if (in->at.line > 0)
			in->at.line++;
		reject_count(&rej);
	}
}

/*
 * A line of a record stream: 1 if it holds a text line to parse (then in
 * *s, *n; *scanned cleared if it is not the line as the scanner cut it),
 * 0 if it was a control line, handled.
 */
static int
record_line(struct input *in, char **s, size_t *n, unsigned seen,
    int *scanned)
{
	struct item it;
	enum ctl c = sr_item(&in->sr, *s, *n, &it);

	switch (c) {
	case CTL_DATA:
		/* one field, nothing escaped: the raw line, cut */
		if (in->col == 0 && (seen & csv.att_raw) == 0 &&
		    (opt.sep != '\t' || csv.fields.n == 1))
			return 1;
		*scanned = 0;
		rec_split(&in->r, *s, *n);
		if ((size_t)in->col >= in->r.n)
			return 0;
		*s = in->r.f[in->col].p;
		*n = in->r.f[in->col].n;
		return 1;
	case CTL_FIELDS:	/* the field with the text */
		schema_parse(&in->sc, *s, *n);
		if ((in->col = schema_find(&in->sc, "line")) < 0)
			in->col = 0;
		return 0;
	case CTL_STREAM:	/* ours is written */
	case CTL_TYPES:		/* of the raw text: ours too */
	case CTL_EOS:		/* written after every input */
		return 0;
	case CTL_AT:		/* the user's file and line */
		if (pos_take(&in->at, in->ib.name, in->ib.lineno, *s, *n) == 0)
			pos_id++;
		return 0;
	default:
		views_control(&views, *s, *n, c);
		return 0;
	}
}

/* Returns 0, or -1 if the input ended inside a batch. */
static int
parse_input(int fd, const char *src)
{
	struct input in = { 0 };
	char *s;
	size_t n;
	int first = 1, skip = opt.header, broken, scanned;
	unsigned seen;

	pos_id++;		/* a new input: its own lines, or its #at's */
	ib_init(&in.ib, fd, src ? src : "stdin");
	in.ib.flush = &views.v[0].ob;
	sr_init(&in.sr, &in.ib, in.ib.name);
	while (!in.sr.end.eos && csv_getline(&csv, &in.ib, &s, &n, &seen)) {
		if (first && rec_stream_start(s, n))
			in.records = 1;	/* a record stream: parse one field */
		first = 0;
		scanned = 1;
		if (in.records && !record_line(&in, &s, &n, seen, &scanned))
			continue;
		in.sr.end.lines = 1;
		skipped_lines(&in);
		in.lines++;
		if (skip) {
			skip = 0;
			continue;
		}
		if (in.at.line > 0)	/* where the source read it */
			parse_line(in.at.file, in.at.line++, s, n, scanned, seen);
		else
			parse_line(src, in.lines, s, n, scanned, seen);
	}
	skipped_lines(&in);
	broken = sr_finish(&in.sr, NULL);
	ib_free(&in.ib);
	rec_free(&in.r);
	pos_free(&in.at);
	schema_free(&in.sc);
	return broken < 0 ? -1 : 0;
}

/* --tee file: one more output; --cut list: the fields of the one named
 * last (standard output before any --tee). */
static void
output_option(int ch, const char *arg)
{
	struct output *last = &opt.outs[opt.nouts - 1];

	if (ch == 'T') {
		opt.outs = ereallocarray(opt.outs, opt.nouts + 1,
		    sizeof(*opt.outs));
		opt.outs[opt.nouts].path = arg;
		opt.outs[opt.nouts++].cut = NULL;
	} else if (last->cut != NULL)
		usage_fail(usage_text, "--cut %s: %s has --cut %s", arg,
		    last->path != NULL ? last->path : "standard output",
		    last->cut);
	else
		last->cut = arg;
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
	char why[512];
	int ch;

	opt.outs = ecalloc(1, sizeof(*opt.outs));
	opt.nouts = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
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
		case 'C':
			output_option(ch, optarg);
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
	views_close(&views);
	if (rej.n > 0)
		warnx("%llu lines accepted, %llu rejected",
		    (unsigned long long)accepted, (unsigned long long)rej.n);
	if (rej.file != NULL && fclose(rej.file) != 0)
		err(SK_EXIT_DATA, "%s", rej.path);
	return status;
}
