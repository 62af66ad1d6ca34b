/*
 * stream-parse: text lines (lib/textin) to typed records: each cut into
 * fields (lib/csv), split into words (lib/words) or read as JSON through a
 * jq filter (lib/json); checked against the spec (lib/spec), derived
 * (--set, --where: lib/derive) and written to each output (lib/views). A
 * line that does not fit is reported with its file, line and reason,
 * counted, left out (lib/reject).
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
#include "json.h"
#include "opt.h"
#include "rec.h"
#include "reject.h"
#include "sig.h"
#include "spec.h"
#include "stream.h"
#include "textin.h"
#include "util.h"
#include "views.h"
#include "words.h"

static const char usage_text[] =
"usage: stream-parse --csv spec | --tsv spec | --json --fields spec |\n"
"                    --words | --words-on text [--cut fields] [--header]\n"
"                    [--jq filter] [--max-errors n] [--reject file]\n"
"                    [--sep c] [--set name=expr] [--tee file [--cut fields]]\n"
"                    [--time-format format] [--tz zone] [--where expr]\n"
"                    [file ...]\n";

enum mode { M_NONE, M_CSV, M_TSV, M_JSON, M_WORDS };

static struct {
	enum mode	 mode;
	const char	*spec, *time_format, *jq, *words_on, *fields;
	int		 header, sepset;
	char		 sep;
	struct output	*outs;		/* standard output, then each --tee */
	size_t		 nouts;
} opt = { .sep = ',' };

static struct spec spec;
static struct derive derive;
static struct views views;
static struct schema outschema;	/* the spec's fields, then new --set ones */
static struct tz zone;		/* zeroed: UTC */
static struct rejects rej;	/* its max: --max-errors, its file --reject */
static uint64_t accepted;
static void parse_line(void *, const char *, uint64_t, char *, size_t, int,
    unsigned);
static void pass_control(void *, const char *, size_t, enum ctl);
static struct textin tin = { .line = parse_line, .control = pass_control };

/* Per-line scratch, reused: no allocation per record. */
static struct csv csv;		/* the line's fields, then the --set ones */
static struct rec orec;
static struct json *json;	/* --json */
static struct slice *jf;	/* --json, --words: a record's fields */
static unsigned char *absent;	/* --json: members missing */

/*
 * A record (the spec's fields in l): checked, derived, written to every
 * output; or reported and counted, with the line raw it came from.
 */
static void
take_record(const char *src, uint64_t line, const char *raw, size_t rawlen,
    struct line *l, size_t cap)
{
	struct expr_err e;
	char why[512];
	const char *w;
	size_t i;
	int keep;

	if (!spec_quick(&spec, l))
		for (i = 0; i < spec.n; i++)
			if ((w = spec_check(&spec, l, i, why, sizeof(why))) !=
			    NULL) {
				reject_line(&rej, src, line, raw, rawlen, "%s", w);
				return;
			}
	orec.n = outschema.n;	/* the fields, then the --set ones */
	orec.f = l->f;
	orec.cap = cap;
	if (derive.nset > 0 || derive.where != NULL) {
		if ((keep = derive_apply(&derive, &orec, &e)) < 0)
			reject_line(&rej, src, line, raw, rawlen, "%s",
			    expr_err_text(why, sizeof(why), &e));
		if (keep <= 0)
			return;
	}
	accepted++;
	views_record(&views, &orec, l->plain && derive.nset == 0, rawlen,
	    tin.id, src, line);
}

/* --json: the objects --jq makes of the line, each a record. */
static void
json_line(const char *src, uint64_t line, const char *s, size_t n)
{
	struct line l = { jf, spec.n, 0, 0 };
	char why[512];
	size_t i;
	int rc;

	if (json_start(json, s, n, why, sizeof(why)) < 0) {
		reject_line(&rej, src, line, s, n, "%s", why);
		return;
	}
	while ((rc = json_next(json, jf, absent, why, sizeof(why))) != 0) {
		if (rc < 0) {
			reject_line(&rej, src, line, s, n, "%s", why);
			return;
		}
		for (i = 0; i < spec.n; i++)
			if (absent[i] && spec.f[i].type != T_STR)
				break;
		if (i < spec.n)
			reject_line(&rej, src, line, s, n, "no member %s",
			    spec.f[i].name);
		else
			take_record(src, line, s, n, &l, outschema.n);
	}
}

/* A text line: cut into the spec's fields, or split into words, or read
 * as JSON; each record it makes is taken. */
static void
parse_line(void *arg, const char *src, uint64_t line, char *s, size_t n,
    int scanned, unsigned seen)
{
	struct line l;
	struct words wd;
	const char *w;

	(void)arg;
	if (opt.mode == M_JSON) {
		json_line(src, line, s, n);
		return;
	}
	if (opt.mode == M_WORDS) {
		l = (struct line){ jf, 1, 0, 0 };
		for (words_start(&wd, s, n, opt.words_on);
		    words_next(&wd, &w, &jf[0].n);) {
			jf[0].p = (char *)w;
			take_record(src, line, s, n, &l, outschema.n);
		}
		return;
	}
	if ((w = csv_cut(&csv, s, n, scanned, &seen)) != NULL) {
		reject_line(&rej, src, line, s, n, "%s", w);
		return;
	}
	l = (struct line){ csv.fields.f, csv.fields.n, seen == 0,
	    derive.nset == 0 && derive.where == NULL };
	if (l.n == spec.n)
		take_record(src, line, s, n, &l, csv.fields.cap);
	else if (n == 0)
		reject_line(&rej, src, line, s, n, "an empty line");
	else
		reject_line(&rej, src, line, s, n,
		    "expected %zu fields, found %zu", spec.n, l.n);
}

/* A control line goes to every output; an #end says the lines rejected
 * since the last one (bad=, added to the source's). */
static void
pass_control(void *arg, const char *s, size_t n, enum ctl c)
{
	static uint64_t bad_said;

	(void)arg;
	views_control(&views, s, n, c, c == CTL_END ? rej.n - bad_said : 0);
	if (c == CTL_END)
		bad_said = rej.n;
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

/* --csv, --tsv, --json, --words, --words-on: one of them. */
static void
mode_option(int ch, const char *arg)
{
	if (opt.mode != M_NONE)
		usage_fail(usage_text, "give one of --csv, --tsv, --json, "
		    "--words and --words-on");
	switch (ch) {
	case 'c':
	case 't':
		opt.mode = ch == 'c' ? M_CSV : M_TSV;
		opt.spec = arg;
		break;
	case 'j':
		opt.mode = M_JSON;
		break;
	default:
		opt.mode = M_WORDS;
		opt.spec = "word";
		if ((opt.words_on = ch == 'O' ? arg : NULL) != NULL &&
		    *arg == '\0')
			usage_fail(usage_text, "--words-on: an empty separator");
	}
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
		{ "json", no_argument, NULL, 'j' },
		{ "jq", required_argument, NULL, 'q' },
		{ "fields", required_argument, NULL, 'F' },
		{ "words", no_argument, NULL, 'W' },
		{ "words-on", required_argument, NULL, 'O' },
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
		case 'j':
		case 'W':
		case 'O':
			mode_option(ch, optarg);
			break;
		case 'F':
			opt.fields = optarg;
			break;
		case 'q':
			opt.jq = optarg;
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

	if (opt.mode == M_NONE)
		usage_fail(usage_text, "give --csv spec, --tsv spec, --json "
		    "--fields spec, --words or --words-on text");
	if ((opt.mode == M_JSON) != (opt.fields != NULL))
		usage_fail(usage_text, "--json and --fields spec go together");
	if (opt.mode == M_JSON)
		opt.spec = opt.fields;
	if (opt.jq != NULL && opt.mode != M_JSON)
		usage_fail(usage_text, "--jq goes with --json");
	if ((opt.header || opt.sepset) && opt.mode != M_CSV &&
	    opt.mode != M_TSV)
		usage_fail(usage_text, "--header and --sep go with --csv and "
		    "--tsv");
	if (opt.mode == M_TSV && !opt.sepset)
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
	csv_init(&csv, opt.sep, opt.mode == M_CSV, outschema.n); /* and --set */
	jf = ecalloc(outschema.n, sizeof(*jf));
	absent = ecalloc(spec.n, 1);
	if (opt.mode == M_JSON &&
	    (json = json_new(opt.jq, &spec, why, sizeof(why))) == NULL)
		usage_fail(usage_text, "--jq %s: %s", opt.jq, why);
	views.spec = &spec;
	views.sep = opt.sep;
	tin.csv = &csv;
	tin.header = opt.header;
	tin.rej = &rej;
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
	rej.out = tin.flush = &views.v[0].ob;
	free(opt.outs);

	status = textin_operands(&tin, argv + optind);
	/* a stream ends cleanly only if every input was read through */
	if (status == SK_EXIT_OK)
		views_control(&views, "#eos", 4, CTL_EOS, 0);
	views_close(&views);
	if (rej.n > 0)
		warnx("%llu %s accepted, %llu rejected", (unsigned long long)
		    accepted, opt.mode == M_CSV || opt.mode == M_TSV ? "lines" :
		    "records", (unsigned long long)rej.n);
	if (rej.file != NULL && fclose(rej.file) != 0)
		err(SK_EXIT_DATA, "%s", rej.path);
	json_free(json);
	return status;
}
