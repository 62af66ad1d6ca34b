/*
 * stream-parse: text lines to typed records. Each line is cut into fields
 * (CSV with quotes, or TSV), each field checked against its type; a line
 * that does not fit is reported with its line number and the reason,
 * counted, and left out. See stream-parse(1).
 */
#include <err.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cut.h"
#include "dec.h"
#include "expr.h"
#include "opt.h"
#include "pos.h"
#include "rec.h"
#include "sig.h"
#include "stream.h"
#include "ts.h"
#include "util.h"

static const char usage_text[] =
"usage: stream-parse --csv spec | --tsv spec [--cut fields] [--header]\n"
"                    [--max-errors n] [--reject file] [--sep c]\n"
"                    [--set name=expr] [--tee file [--cut fields]]\n"
"                    [--time-format format] [--tz zone] [--where expr]\n"
"                    [file ...]\n";

enum ftype { T_STR, T_INT, T_NUM, T_TIME, T_ENUM };

struct field {
	char		*name;
	enum ftype	 type;
	char		**alts;		/* T_ENUM: the allowed values */
	size_t		*altlens;
	char		*altlist;	/* and as given: "B|S" */
	size_t		 nalts;
	uint64_t	 onebyte[4];	/* the values of one byte, as a set */
};

struct setter {
	char		*name;
	struct expr	*e;
	long		 col;		/* output column it writes */
	char		*buf;		/* its value, formatted */
	size_t		 cap;
};

static struct field *fields;
static size_t nfields;
static struct setter *setters;
static size_t nsetters;
static struct expr *where_expr;
static char sep = ',';
static int csv = 1, header;
static long long max_errors;
static struct tz zone;		/* zeroed: UTC */
static const char *time_format;
static FILE *reject;
static const char *reject_path;
static uint64_t accepted, rejected;
static struct schema outschema;

/*
 * The outputs: standard output and each --tee file, each with the fields
 * its --cut keeps. Outputs that keep the same fields share a view: one
 * buffer, written to each of them (ob_tee). The views' obufs are linked
 * (next), so that the input flushes them all before it reads.
 */
struct output {
	const char	*path;		/* NULL: standard output */
	const char	*cut;		/* NULL: every field */
};

struct view {
	struct obuf	 ob;
	size_t		*cols;		/* the fields it writes, columns of orec */
	size_t		 ncols;
	/* for a plain line: runs of fields that lie side by side in it, and
	 * time fields, which are rewritten */
	struct run {
		size_t	first, last;	/* columns */
		int	time;
	}		*runs;
	size_t		 nruns;
	struct pos_mark	 mark;		/* the #at of the last record written */
};

static struct view *views;
static size_t nviews;

/* Per-line scratch, reused: no allocation per record. */
static struct slice *cut;
static size_t ncut, capcut;
static char *unq;		/* unquoted CSV fields */
static size_t unqcap;
static struct rec orec;
static int line_plain;		/* its fields are as they lie in the line, and
				 * need no escaping on output */

static struct ts_memo *times;	/* one for each time field */
static char (*canon)[DEC_STRMAX];	/* a number field's canonical text */

static void
parse_spec(const char *spec)
{
	char *copy = estrdup(spec), *p = copy, *tok;

	while ((tok = strsep(&p, ",")) != NULL) {
		struct field f = { 0 };
		char *type = strchr(tok, ':'), *alt;

		if (type != NULL)
			*type++ = '\0';
		if (*tok == '\0')
			usage_fail(usage_text, "spec %s: empty field name", spec);
		f.name = estrdup(tok);
		if (type == NULL || strcmp(type, "str") == 0)
			f.type = T_STR;
		else if (strcmp(type, "int") == 0)
			f.type = T_INT;
		else if (strcmp(type, "num") == 0)
			f.type = T_NUM;
		else if (strcmp(type, "time") == 0)
			f.type = T_TIME;
		else if (strchr(type, '|') != NULL) {
			f.type = T_ENUM;
			f.altlist = emalloc(strlen(type) + 16);
			sprintf(f.altlist, "is not %s", type);
			while ((alt = strsep(&type, "|")) != NULL) {
				f.alts = ereallocarray(f.alts, f.nalts + 1,
				    sizeof(*f.alts));
				f.altlens = ereallocarray(f.altlens, f.nalts + 1,
				    sizeof(*f.altlens));
				f.altlens[f.nalts] = strlen(alt);
				f.alts[f.nalts++] = estrdup(alt);
				if (strlen(alt) == 1)
					f.onebyte[(unsigned char)*alt >> 6] |=
					    1ULL << ((unsigned char)*alt & 63);
			}
		} else
			usage_fail(usage_text, "spec %s: %s: unknown type "
			    "(str, int, num, time or A|B)", spec, type);
		fields = ereallocarray(fields, nfields + 1, sizeof(*fields));
		fields[nfields++] = f;
	}
	free(copy);
}

static void
add_setter(const char *arg)
{
	const char *eq = strchr(arg, '='), *why;
	struct setter s = { 0 };
	size_t at;

	if (eq == NULL || eq == arg || eq[1] == '=')
		usage_fail(usage_text, "--set %s: expected name=expr", arg);
	s.name = estrndup(arg, (size_t)(eq - arg));
	if ((s.e = expr_compile(eq + 1, &why, &at)) == NULL)
		usage_fail(usage_text, "--set %s: %s at offset %zu", arg, why, at);
	setters = ereallocarray(setters, nsetters + 1, sizeof(*setters));
	setters[nsetters++] = s;
}

static void
slice_push(const char *p, size_t n)
{
	if (ncut == capcut) {
		capcut = capcut ? capcut * 2 : 16;
		cut = ereallocarray(cut, capcut, sizeof(*cut));
	}
	cut[ncut].p = (char *)p;
	cut[ncut].n = n;
	ncut++;
}

/* Cuts lines at the separator, noting the attention bytes: a quote (CSV),
 * then those that must be escaped on output. Its cutter (scanner.c) cuts
 * lines that did not come from the scanner. */
static struct scanner scanner;
static unsigned att_quote;	/* the bit of '"', 0 for TSV */
static unsigned att_raw;	/* bits that keep a record's field from being
				 * the raw line itself: a backslash, a TAB */

static void
cutter_init(void)
{
	char att[5];
	unsigned n = 0;

	if (csv) {
		att_quote |= 1u << n;
		att[n++] = '"';
	}
	att_raw |= 1u << n;
	att[n++] = '\\';
	att[n++] = '\r';
	if (sep != '\t') {
		att_raw |= 1u << n;
		att[n++] = '\t';
	}
	att[n] = '\0';
	scan_init(&scanner, sep, att);
}

/* Cuts a CSV line with quotes (RFC 4180: "" is a quote) into unquoted
 * copies; returns NULL or why it cannot be cut. */
static const char *
cut_quoted(const char *s, size_t n)
{
	const char *e = s + n;
	char *w;

	ncut = 0;
	if (unqcap < n) {
		unqcap = n * 2;
		unq = erealloc(unq, unqcap + 8);	/* plain_digits reads 8 */
	}
	w = unq;
	for (;;) {
		char *start = w;

		if (s < e && *s == '"') {
			for (s++;; s++) {
				if (s == e)
					return "unterminated quote";
				if (*s == '"') {
					if (s + 1 < e && s[1] == '"')
						s++;
					else
						break;
				}
				*w++ = *s;
			}
			s++;
			if (s < e && *s != sep)
				return "text after a closing quote";
		} else
			while (s < e && *s != sep)
				*w++ = *s++;
		slice_push(start, (size_t)(w - start));
		if (s == e)
			return NULL;
		s++;
	}
}

/* Cuts a line into fields (unless the scanner did: ncut fields in cut,
 * seen its attention bits) and says whether any byte of it would need
 * escaping; returns NULL or why it cannot be cut. */
static const char *
cut_fields(const char *s, size_t n, int scanned, unsigned seen)
{
	if (!scanned || ncut > capcut)
		while ((ncut = cut_line(&scanner.c, s, n, cut, capcut, &seen)) >
		    capcut) {
			capcut = ncut * 2;
			cut = ereallocarray(cut, capcut, sizeof(*cut));
		}
	line_plain = seen == 0;
	if (seen & att_quote)
		return cut_quoted(s, n);
	return NULL;
}

static void
flush_views(void)
{
	size_t i;

	for (i = 0; i < nviews; i++)
		ob_flush(&views[i].ob);
}

/* A control line, to every output; #end is flushed at once. */
static void
put_control(const char *s, size_t n, enum ctl c)
{
	size_t i;

	for (i = 0; i < nviews; i++) {
		ob_write(&views[i].ob, s, n);
		ob_putc(&views[i].ob, '\n');
	}
	if (c == CTL_END)
		flush_views();
}

/* Counts a rejected line, reported already; stops at --max-errors. */
static void
count_rejected(void)
{
	rejected++;
	if (max_errors > 0 && rejected >= (uint64_t)max_errors) {
		flush_views();
		max_errors_stop(rejected, max_errors);
	}
}

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
		count_rejected();
	}
}

static void
bad_line(const char *src, uint64_t line, const char *raw, size_t rawlen,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
bad_line(const char *src, uint64_t line, const char *raw, size_t rawlen,
    const char *fmt, ...)
{
	char where[300], why[512], shown[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (rawlen == 0)
		warnx("%s: %s", loc_format(where, sizeof(where), src, line), why);
	else
		warnx("%s: %s: %s", loc_format(where, sizeof(where), src, line),
		    why, safe_text(shown, sizeof(shown), raw, rawlen));
	if (reject != NULL && (fwrite(raw, 1, rawlen, reject) != rawlen ||
	    putc('\n', reject) == EOF))
		err(SK_EXIT_DATA, "%s", reject_path);
	count_rejected();
}

#define BYTES(b)	(0x0101010101010101ULL * (b))

/*
 * True for 1..max digits with at most ndots dots among them and a digit
 * somewhere: text dec_parse_int (ndots 0) or dec_parse (1) always accepts,
 * checked without working out the value, which nothing here needs. A field
 * of up to 8 bytes is checked as one 64-bit word, which may be read past
 * its end: fields lie in a padded ibuf or in unq.
 */
static inline int
plain_digits(const char *s, size_t n, size_t max, int ndots)
{
	size_t i;
	int dots = 0;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n - 1 < 8) {
		uint64_t x, y, a, dot, m = n == 8 ? ~0ULL : (1ULL << 8 * n) - 1;

		memcpy(&x, s, 8);
		if (ndots > 0) {	/* make the first dot a digit */
			y = x ^ BYTES('.');
			if ((dot = (y - BYTES(1)) & ~y & m & BYTES(0x80)) != 0) {
				if (n == 1)
					return 0;
				x += (uint64_t)('0' - '.') <<
				    (__builtin_ctzll(dot) & ~7);
			}
		}
		/* each byte minus '0' is 0..9: neither it nor it + 0x76 has
		 * its high bit set */
		a = (x ^ BYTES('0')) & m;
		return ((a | (a + BYTES(0x76))) & BYTES(0x80)) == 0;
	}
#endif
	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned)(s[i] - '0') > 9 && (s[i] != '.' || ++dots > ndots))
			return 0;
	return n > (size_t)dots;
}

/* A number is written in its canonical form, so keys group by value
 * (007, +7 and 7 are 7; 51.00 is 51; -0.0 is 0): f becomes text c of n
 * bytes if that differs from f's. */
static void
canonical(struct slice *f, const char *c, size_t n)
{
	if (n == f->n && memcmp(c, f->p, n) == 0)
		return;
	f->p = (char *)c;
	f->n = n;
	line_plain = 0;		/* no longer as it lies in the line */
}

/*
 * The fast path's canonical number: plain digits with at most one dot
 * (plain_digits said so). Returns its canonical length, the text without
 * the trailing zeros of a fraction or a trailing dot (51.00 is 51, 34.50
 * is 34.5), or 0 when the slow path must format it (a leading zero or
 * dot).
 */
static inline size_t
number_len(const struct slice *f)
{
	const char *p = f->p;
	size_t n = f->n;

	if (n == 1)
		return 1;
	if (p[0] == '.' || (p[0] == '0' && p[1] != '.'))
		return 0;
	if ((p[n - 1] != '0' && p[n - 1] != '.') || memchr(p, '.', n) == NULL)
		return n;		/* 51.5, 100 */
	while (p[n - 1] == '0')
		n--;
	return p[n - 1] == '.' ? n - 1 : n;
}

/*
 * Cuts field i of a good line to n bytes. A plain line written as it lies
 * (no --set, no --where that could still reject it and show it) closes
 * the gap in place, so its runs stay whole; otherwise the field alone is
 * cut and the line written field by field.
 */
static void
shorten(size_t i, size_t n)
{
	struct slice *f = &cut[i];
	const struct slice *last = &cut[ncut - 1];
	size_t gap = f->n - n, j;

	if (line_plain && nsetters == 0 && where_expr == NULL) {
		memmove(f->p + n, f->p + f->n,
		    (size_t)(last->p + last->n - (f->p + f->n)));
		for (j = i + 1; j < ncut; j++)
			cut[j].p -= gap;
	} else
		line_plain = 0;
	f->n = n;
}

/* Checks field i; returns NULL or why it does not fit. */
static const char *
check_field(size_t i, struct slice *f, char *why, size_t cap)
{
	char shown[256];
	int64_t iv, ms;
	struct dec d;
	const char *tw = "does not fit";
	size_t k;

	switch (fields[i].type) {
	case T_STR:
		return NULL;
	case T_INT:
		switch (dec_parse_int(f->p, f->n, &iv)) {
		case DEC_OK:
			canonical(f, canon[i], (size_t)snprintf(canon[i],
			    sizeof(canon[i]), "%lld", (long long)iv));
			return NULL;
		case DEC_ERANGE:
			tw = "is out of range for an int";
			break;
		default:
			tw = "is not an integer";
			break;
		}
		break;
	case T_NUM:
		switch (dec_parse(f->p, f->n, &d)) {
		case DEC_OK:
			canonical(f, canon[i], dec_format(d, canon[i]));
			return NULL;
		case DEC_ERANGE:
			tw = "is out of range";
			break;
		default:
			tw = "is not a number";
			break;
		}
		break;
	case T_TIME: {
		struct ts_memo *tm = &times[i];

		if ((tw = ts_parse_memo(tm, f->p, f->n, &zone, time_format,
		    &ms)) == NULL) {
			f->p = tm->iso;
			f->n = tm->isolen;
			return NULL;
		}
		/* "(no such date)", never "(not a timestamp)" twice */
		snprintf(why, cap, "%s \"%s\" is not a timestamp%s%s%s",
		    fields[i].name, safe_text(shown, sizeof(shown), f->p, f->n),
		    strcmp(tw, "not a timestamp") != 0 ? " (" : "",
		    strcmp(tw, "not a timestamp") != 0 ? tw : "",
		    strcmp(tw, "not a timestamp") != 0 ? ")" : "");
		return why;
	}
	case T_ENUM:
		for (k = 0; k < fields[i].nalts; k++)
			if (fields[i].altlens[k] == f->n &&
			    (f->n == 1 ? fields[i].alts[k][0] == f->p[0] :
			    memcmp(fields[i].alts[k], f->p, f->n) == 0))
				return NULL;
		tw = fields[i].altlist;
		break;
	}
	snprintf(why, cap, "%s \"%s\" %s", fields[i].name,
	    safe_text(shown, sizeof(shown), f->p, f->n), tw);
	return why;
}

/*
 * The fields of each type in a list of their own, so the check of a line
 * runs loops of one kind each instead of a switch per field; any doubt
 * (and every bad line) goes to check_field, field by field, for the reason.
 */
static size_t *cols_int, *cols_num, *cols_enum, *cols_time;
static size_t ncols_int, ncols_num, ncols_enum, ncols_time;
static size_t *numlen;		/* the canonical length of each num field */

static void
plan_checks(void)
{
	size_t i;

	cols_int = ecalloc(nfields, sizeof(size_t));
	cols_num = ecalloc(nfields, sizeof(size_t));
	cols_enum = ecalloc(nfields, sizeof(size_t));
	cols_time = ecalloc(nfields, sizeof(size_t));
	canon = ecalloc(nfields, sizeof(*canon));
	numlen = ecalloc(nfields, sizeof(size_t));
	for (i = 0; i < nfields; i++)
		switch (fields[i].type) {
		case T_INT: cols_int[ncols_int++] = i; break;
		case T_NUM: cols_num[ncols_num++] = i; break;
		case T_ENUM: cols_enum[ncols_enum++] = i; break;
		case T_TIME: cols_time[ncols_time++] = i; break;
		case T_STR: break;
		}
}

/* True if every field of cut fits, each time field then replaced by its
 * remembered ISO text; false if check_field must look. */
static int
quick_check(void)
{
	size_t i, k;

	for (i = 0; i < ncols_int; i++) {
		const struct slice *f = &cut[cols_int[i]];

		if (!plain_digits(f->p, f->n, 18, 0) ||
		    (f->p[0] == '0' && f->n > 1))
			return 0;
	}
	for (i = 0; i < ncols_num; i++) {
		const struct slice *f = &cut[cols_num[i]];

		if (!plain_digits(f->p, f->n, 30, 1) ||
		    (numlen[i] = number_len(f)) == 0)
			return 0;
	}
	for (i = 0; i < ncols_enum; i++) {
		const struct field *fd = &fields[cols_enum[i]];
		const struct slice *f = &cut[cols_enum[i]];

		if (f->n == 1) {	/* B or S: a set, not a guess */
			unsigned char c = (unsigned char)f->p[0];

			if ((fd->onebyte[c >> 6] >> (c & 63) & 1) == 0)
				return 0;
			continue;
		}
		for (k = 0; k < fd->nalts; k++)
			if (fd->altlens[k] == f->n &&
			    memcmp(fd->alts[k], f->p, f->n) == 0)
				break;
		if (k == fd->nalts)
			return 0;
	}
	for (i = 0; i < ncols_time; i++) {
		const struct slice *f = &cut[cols_time[i]];

		if (!ts_memo_hit(&times[cols_time[i]], f->p, f->n))
			return 0;
	}
	for (i = 0; i < ncols_num; i++)	/* a good line: now canonical */
		if (numlen[i] != cut[cols_num[i]].n)
			shorten(cols_num[i], numlen[i]);
	for (i = 0; i < ncols_time; i++) {
		const struct ts_memo *tm = &times[cols_time[i]];

		cut[cols_time[i]].p = (char *)tm->iso;
		cut[cols_time[i]].n = tm->isolen;
	}
	return 1;
}

/* The runs of a view's columns: fields next to each other in the spec
 * (not --set fields, not time fields) lie next to each other in a line. */
static void
plan_runs(struct view *v)
{
	size_t i, c;

	v->runs = ecalloc(v->ncols, sizeof(*v->runs));
	for (i = 0; i < v->ncols; i++) {
		struct run *last = v->nruns > 0 ? &v->runs[v->nruns - 1] : NULL;
		int time;

		c = v->cols[i];
		time = c < nfields && fields[c].type == T_TIME;
		if (last != NULL && !last->time && !time && c < nfields &&
		    c == last->last + 1)
			last->last = c;
		else {
			last = &v->runs[v->nruns++];
			last->first = last->last = c;
			last->time = time;
		}
	}
}

/*
 * The common case: no byte needs escaping or unquoting, and no --set. A
 * run of fields is copied from the line as it is, the separators made
 * TABs; a time field is its remembered ISO 8601 text.
 */
static void
put_plain(struct view *v, size_t linelen)
{
	const struct run *r, *e = v->runs + v->nruns;
	struct obuf *o = &v->ob;
	size_t need = linelen + v->nruns * TS_ISOMAX + 16;
	char *d;

	if (o->cap - o->len < need)
		ob_grow(o, need);
	d = o->p + o->len;
	for (r = v->runs; r < e; r++) {
		const struct slice *a = &orec.f[r->first], *b = &orec.f[r->last];

		if (r->time) {
			memcpy(d, times[r->first].iso, TS_ISOMAX);
			d += a->n;
		} else {
			cut_copy_tabs(d, a->p, (size_t)(b->p + b->n - a->p), sep);
			d += b->p + b->n - a->p;
		}
		*d++ = '\t';
	}
	d[-1] = '\n';
	o->len = (size_t)(d - o->p);
}

static void
put_record(struct view *v, size_t linelen)
{
	const struct slice *first = &orec.f[v->cols[0]];
	size_t i;

	if (line_plain && nsetters == 0 && first->n > 0 && first->p[0] != '#') {
		put_plain(v, linelen);
		return;
	}
	for (i = 0; i < v->ncols; i++) {
		if (i > 0)
			ob_putc(&v->ob, '\t');
		rec_put_field(&v->ob, orec.f[v->cols[i]].p, orec.f[v->cols[i]].n,
		    i == 0);
	}
	ob_putc(&v->ob, '\n');
}

/* Applies --set and --where; returns 0 to keep the record. */
static int
derive(const char *src, uint64_t line, const char *raw, size_t rawlen)
{
	struct expr_err e;
	struct val v;
	size_t i;
	char why[512];

	for (i = 0; i < nsetters; i++) {
		struct setter *s = &setters[i];
		char num[DEC_STRMAX];
		const char *p;
		size_t n;

		if (expr_eval(s->e, &orec, &v, &e) < 0)
			goto fail;
		if (v.t == V_NUM) {
			n = dec_format(v.d, num);
			p = num;
		} else {
			p = v.s;
			n = v.t == V_NULL ? 0 : v.n;
		}
		if (n > s->cap) {
			s->cap = n * 2;
			s->buf = erealloc(s->buf, s->cap);
		}
		if (n > 0)
			memmove(s->buf, p, n);
		orec.f[s->col].p = s->buf;
		orec.f[s->col].n = n;
	}
	if (where_expr != NULL) {
		if (expr_eval(where_expr, &orec, &v, &e) < 0)
			goto fail;
		if (!val_truth(&v))
			return -1;
	}
	return 0;
fail:
	bad_line(src, line, raw, rawlen, "%s",
	    expr_err_text(why, sizeof(why), &e));
	return -1;
}

static uint64_t pos_id;	/* names the place records are read from */

static void
parse_line(const char *src, uint64_t line, char *s, size_t n, int scanned,
    unsigned seen)
{
	char why[512];
	const char *w;
	size_t i;

	if ((w = cut_fields(s, n, scanned, seen)) != NULL) {
		bad_line(src, line, s, n, "%s", w);
		return;
	}
	if (ncut != nfields) {
		if (n == 0)
			bad_line(src, line, s, n, "an empty line");
		else
			bad_line(src, line, s, n, "expected %zu fields, found %zu",
			    nfields, ncut);
		return;
	}
	if (!quick_check())
		for (i = 0; i < nfields; i++)
			if ((w = check_field(i, &cut[i], why, sizeof(why))) != NULL) {
				bad_line(src, line, s, n, "%s", w);
				return;
			}
	orec.n = outschema.n;	/* the fields as cut, then the --set ones */
	orec.f = cut;
	orec.cap = capcut;
	if ((nsetters > 0 || where_expr != NULL) && derive(src, line, s, n) < 0)
		return;
	accepted++;
	for (i = 0; i < nviews; i++) {
		pos_put(&views[i].ob, &views[i].mark, pos_id, src, line);
		put_record(&views[i], n);
	}
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
	int records = 0, first = 1, skip = header, broken;
	struct sreader sr;
	struct item it;
	uint64_t datalines = 0;	/* what line numbers count */
	uint64_t long_seen = 0;	/* lines too long, skipped by ib */
	struct rec r = { 0 };
	struct pos at = { 0 };
	unsigned seen;

	pos_id++;		/* a new input: its own lines, or its #at's */
	ib_init(&ib, fd, src ? src : "stdin");
	ib.flush = &views[0].ob;
	sr_init(&sr, &ib, ib.name);
	while (!sr.end.eos && scan_getline(&scanner, &ib, &s, &n, cut, capcut, &ncut,
	    &seen)) {
		int scanned = 1;

		if (first && rec_stream_start(s, n))
			records = 1;	/* a record stream: parse one field */
		first = 0;
		if (records) {
			enum ctl c = sr_item(&sr, s, n, &it);

			switch (c) {
			case CTL_DATA:
				/* one field, nothing escaped: the raw line, cut */
				if (col == 0 && (seen & att_raw) == 0 &&
				    (sep != '\t' || ncut == 1))
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
				put_control(s, n, c);
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

/* The type of what a --set expression gives: a number, the type of the
 * one field it names, or not known (any). */
static unsigned char
set_type(const struct expr *e)
{
	const char *f;

	if (expr_numeric(e))
		return CT_NUM;
	if ((f = expr_field_name(e)) != NULL)
		return (unsigned char)coltype_of(&outschema,
		    (size_t)schema_find(&outschema, f));
	return CT_ANY;
}

/* The columns of outschema a --cut list names (every one if NULL). */
static size_t
cut_columns(const char *list, size_t **cols)
{
	char *copy, *p, *name;
	size_t i, n = 0;
	long c;

	*cols = ereallocarray(NULL, outschema.n, sizeof(**cols));
	if (list == NULL) {
		for (n = 0; n < outschema.n; n++)
			(*cols)[n] = n;
		return n;
	}
	p = copy = estrdup(list);
	while ((name = strsep(&p, ",")) != NULL) {
		if ((c = schema_find(&outschema, name)) < 0) {
			free(*cols);
			usage_fail(usage_text, "--cut %s: no field %s", list,
			    *name != '\0' ? name : "\"\"");
		}
		for (i = 0; i < n; i++)
			if ((*cols)[i] == (size_t)c) {
				free(*cols);
				usage_fail(usage_text, "--cut %s: %s twice",
				    list, outschema.names[c]);
			}
		(*cols)[n++] = (size_t)c;	/* none twice: n <= outschema.n */
	}
	free(copy);
	return n;
}

/* Opens the outputs and gives each a view, shared by those with the same
 * fields; writes each view's #fields. */
static void
open_outputs(const struct output *outs, size_t nouts)
{
	struct schema sc;
	size_t i, j, k, *cols, ncols;
	int fd;

	views = ecalloc(nouts, sizeof(*views));
	for (i = 0; i < nouts; i++) {
		if (outs[i].path == NULL)
			fd = STDOUT_FILENO;
		else if ((fd = open(outs[i].path,
		    O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
			err(SK_EXIT_DATA, "%s", outs[i].path);
		ncols = cut_columns(outs[i].cut, &cols);
		for (k = 0; k < nviews; k++)
			if (views[k].ncols == ncols && memcmp(views[k].cols, cols,
			    ncols * sizeof(*cols)) == 0)
				break;
		if (k < nviews) {
			ob_tee(&views[k].ob, fd, outs[i].path);
			free(cols);
			continue;
		}
		ob_init(&views[k].ob, fd, outs[i].path != NULL ? outs[i].path :
		    "stdout");
		if (k > 0)
			views[k - 1].ob.next = &views[k].ob;
		views[k].cols = cols;
		views[k].ncols = ncols;
		plan_runs(&views[k]);
		sc.n = ncols;
		sc.names = ereallocarray(NULL, ncols, sizeof(*sc.names));
		sc.types = ereallocarray(NULL, ncols, 1);
		for (j = 0; j < ncols; j++) {
			sc.names[j] = outschema.names[cols[j]];
			sc.types[j] = outschema.types[cols[j]];
		}
		ob_puts(&views[k].ob, "#stream\n");
		schema_put(&views[k].ob, &sc);
		free(sc.names);
		free(sc.types);
		nviews++;
	}
	flush_views();	/* the stream header, before anything can fail */
}

int
main(int argc, char *argv[])
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
	const char *spec = NULL, *why;
	struct output *outs = ecalloc(1, sizeof(*outs));
	size_t i, at, nouts = 1;
	int ch, fd, status = SK_EXIT_OK, sepset = 0;

	sig_consumer();
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
		case 't':
			if (spec != NULL)
				usage_fail(usage_text, "give one of --csv and --tsv");
			spec = optarg;
			csv = ch == 'c';
			break;
		case 's':
			sep = opt_sep(usage_text, optarg);
			sepset = 1;
			break;
		case 'H':
			header = 1;
			break;
		case 'w':
			if ((where_expr = expr_compile(optarg, &why, &at)) == NULL)
				usage_fail(usage_text, "--where %s: %s at offset %zu",
				    optarg, why, at);
			break;
		case 'S':
			add_setter(optarg);
			break;
		case 'r':
			reject_path = optarg;
			break;
		case 'T':
			outs = ereallocarray(outs, nouts + 1, sizeof(*outs));
			outs[nouts].path = optarg;
			outs[nouts++].cut = NULL;
			break;
		case 'C':	/* for the output named last */
			if (outs[nouts - 1].cut != NULL)
				usage_fail(usage_text, "--cut %s: %s has --cut %s",
				    optarg, outs[nouts - 1].path != NULL ?
				    outs[nouts - 1].path : "standard output",
				    outs[nouts - 1].cut);
			outs[nouts - 1].cut = optarg;
			break;
		case 'm':
			max_errors = opt_number(usage_text, "--max-errors", optarg,
			    1, LLONG_MAX);
			break;
		case 'z':
			opt_tz(usage_text, optarg, &zone);
			break;
		case 'f':
			time_format = optarg;
			break;
		default:
			opt_rest(ch, usage_text);
		}
	}
	argc -= optind;
	argv += optind;

	if (spec == NULL)
		usage_fail(usage_text, "give --csv spec or --tsv spec");
	if (!csv && !sepset)
		sep = '\t';
	parse_spec(spec);
	cutter_init();
	plan_checks();
	if (reject_path != NULL && (reject = fopen(reject_path, "w")) == NULL)
		err(SK_EXIT_DATA, "%s", reject_path);

	/* output schema: the spec's fields, then new --set fields */
	outschema.names = ereallocarray(NULL, nfields + nsetters, sizeof(char *));
	outschema.types = ereallocarray(NULL, nfields + nsetters, 1);
	for (i = 0; i < nfields; i++) {
		static const unsigned char ct[] = {
			[T_STR] = CT_STR, [T_INT] = CT_INT, [T_NUM] = CT_NUM,
			[T_TIME] = CT_TIME, [T_ENUM] = CT_STR
		};

		outschema.types[outschema.n] = ct[fields[i].type];
		outschema.names[outschema.n++] = estrdup(fields[i].name);
	}
	for (i = 0; i < nsetters; i++) {
		long c = schema_find(&outschema, setters[i].name);

		if (c < 0 || strcmp(outschema.names[c], setters[i].name) != 0) {
			c = (long)outschema.n;
			outschema.names[outschema.n++] = estrdup(setters[i].name);
			outschema.types[c] = CT_ANY;
		}
		setters[i].col = c;
		if ((why = expr_bind(setters[i].e, &outschema)) != NULL)
			usage_fail(usage_text, "--set %s: no field %s",
			    setters[i].name, why);
		outschema.types[c] = set_type(setters[i].e);
	}
	if (where_expr != NULL &&
	    (why = expr_bind(where_expr, &outschema)) != NULL)
		usage_fail(usage_text, "--where: no field %s", why);
	times = ecalloc(nfields, sizeof(*times));
	capcut = outschema.n > 16 ? outschema.n : 16;	/* room for --set */
	cut = ereallocarray(NULL, capcut, sizeof(*cut));

	open_outputs(outs, nouts);
	free(outs);
	if (argc == 0 && parse_input(STDIN_FILENO, NULL) < 0)
		status = SK_EXIT_DATA;
	for (; *argv != NULL; argv++) {
		if (strcmp(*argv, "-") == 0) {		/* standard input */
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
	/* a stream ends cleanly only if every input was read through */
	if (status == SK_EXIT_OK)
		put_control("#eos", 4, CTL_EOS);
	flush_views();
	if (rejected > 0)
		warnx("%llu lines accepted, %llu rejected",
		    (unsigned long long)accepted, (unsigned long long)rejected);
	if (reject != NULL && fclose(reject) != 0)
		err(SK_EXIT_DATA, "%s", reject_path);
	return status;
}
