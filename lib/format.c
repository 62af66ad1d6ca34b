/* format: how stream-sink writes records; see format.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec.h"
#include "format.h"
#include "util.h"

int
fmt_by_name(const char *name)
{
	static const char *const names[] = { "tsv", "csv", "json", "spark",
	    "table", "records" };
	size_t i;

	for (i = 0; i < SK_NELEM(names); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

static void
put_csv_field(struct obuf *o, const char *s, size_t n)
{
	size_t i;

	if (memchr(s, ',', n) == NULL && memchr(s, '"', n) == NULL &&
	    memchr(s, '\n', n) == NULL && memchr(s, '\r', n) == NULL) {
		ob_write(o, s, n);
		return;
	}
	ob_putc(o, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			ob_putc(o, '"');
		ob_putc(o, s[i]);
	}
	ob_putc(o, '"');
}

static int
json_number(const char *s, size_t n)
{
	struct dec d;
	size_t i = s[0] == '-';

	if (n == 0 || dec_parse(s, n, &d) != DEC_OK || s[0] == '+' ||
	    i >= n || s[i] == '.' || s[n - 1] == '.')
		return 0;
	return !(s[i] == '0' && i + 1 < n && s[i + 1] != '.');
}

/* The length of the UTF-8 sequence at s (at most n bytes), or 0 if it is
 * not a valid one (overlong, a surrogate, beyond U+10FFFF, cut short). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

/* A JSON string: quotes, backslashes and control characters escaped, a
 * byte that is not valid UTF-8 written as U+FFFD, as jq does. */
void
fmt_json_string(struct obuf *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i, k;

	ob_putc(o, '"');
	for (i = 0; i < n; i += k) {
		unsigned char c = u[i];

		k = 1;
		if (c == '"' || c == '\\') {
			ob_putc(o, '\\');
			ob_putc(o, (char)c);
		} else if (c < 0x20) {
			ob_write(o, "\\u00", 4);
			ob_putc(o, hex[c >> 4]);
			ob_putc(o, hex[c & 15]);
		} else if (c < 0x80)
			ob_putc(o, (char)c);
		else if ((k = utf8_len(u + i, n - i)) > 0)
			ob_write(o, s + i, k);
		else {
			ob_write(o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			k = 1;
		}
	}
	ob_putc(o, '"');
}

/* A field's JSON value, by its type: a number for int and num (null if
 * empty), a string for str and time, and for a field of no known type
 * (any) a number if it reads as one. */
static void
put_json_value(struct obuf *o, enum coltype t, const char *s, size_t n)
{
	if ((t == CT_INT || t == CT_NUM) && n == 0)
		ob_write(o, "null", 4);
	else if ((t == CT_INT || t == CT_NUM || t == CT_ANY) &&
	    json_number(s, n))
		ob_write(o, s, n);
	else
		fmt_json_string(o, s, n);
}

/* The member that holds the batch time, "batch_time" unless a field of
 * an input has that name: then with as many more _ before it as needed. */
const char *
fmt_json_time_key(const struct shape *const *in, size_t ninputs)
{
	static char key[64] = "batch_time";
	size_t i, k, len = strlen(key);
	int clash;

	do {
		clash = 0;
		for (i = 0; i < ninputs && !clash; i++)
			for (k = 0; k < in[i]->sc.n && !clash; k++)
				clash = strcmp(in[i]->sc.names[k], key) == 0;
		if (clash && len + 1 < sizeof(key)) {
			memmove(key + 1, key, ++len);
			key[0] = '_';
		} else
			clash = 0;
	} while (clash);
	return key;
}

/* "(NAME,List(": how --format spark opens a named stream's list. */
static void
put_list_open(struct obuf *o, const char *name)
{
	ob_putc(o, '(');
	ob_puts(o, name);
	ob_write(o, ",List(", 6);
}


/* --format spark: a --top stream's keys as one list a batch, a named
 * stream's aggregations as (NAME,List(...)), else a tuple a line. */
static void
put_spark(struct obuf *o, const struct shape *in, const struct rec *r,
    uint64_t nrec)
{
	size_t i;

	if (in->top > 0 && in->sname != NULL) {
		/* one line per batch: (NAME,List(k1, k2, ...)) */
		size_t nk = in->keys > 0 ? (size_t)in->keys : 1;

		if (nrec > 0)
			ob_write(o, ", ", 2);
		if (nk > 1)
			ob_putc(o, '(');
		for (i = 0; i < nk && i < r->n; i++) {
			if (i > 0)
				ob_putc(o, ',');
			ob_write(o, r->f[i].p, r->f[i].n);
		}
		if (nk > 1)
			ob_putc(o, ')');
		return;
	}
	if (in->sname != NULL || (in->labels && r->n > 0)) {
		/* (NAME,List(aggregations)); labelled: (LABEL,...) */
		size_t from = in->labels ? 1 : (size_t)in->keys;

		ob_putc(o, '(');
		if (in->labels)
			ob_write(o, r->f[0].p, r->f[0].n);
		else
			ob_puts(o, in->sname);
		ob_write(o, ",List(", 6);
		for (i = from; i < r->n; i++) {
			if (i > from)
				ob_write(o, ", ", 2);
			ob_write(o, r->f[i].p, r->f[i].n);
		}
		ob_write(o, "))\n", 3);
		return;
	}
	if (r->n != 1)
		ob_putc(o, '(');
	for (i = 0; i < r->n; i++) {
		if (i > 0)
			ob_putc(o, ',');
		ob_write(o, r->f[i].p, r->f[i].n);
	}
	if (r->n != 1)
		ob_putc(o, ')');
	ob_putc(o, '\n');
}

void
fmt_record(struct obuf *o, enum format format, const struct shape *in,
    struct rec *r, char *line, size_t len, uint64_t nrec)
{
	size_t i;

	if (format == F_RECORDS)
		return;		/* kept as they came (lib/union) */
	if (format == F_SPARK && in->top > 0 && in->sname != NULL && nrec == 0)
		put_list_open(o, in->sname);
	if (format == F_TSV || format == F_TABLE) {	/* a table at the end */
		ob_write(o, line, len);
		ob_putc(o, '\n');
		return;
	}
	rec_split(r, line, len);
	switch (format) {
	case F_CSV:
		for (i = 0; i < r->n; i++) {
			if (i > 0)
				ob_putc(o, ',');
			put_csv_field(o, r->f[i].p, r->f[i].n);
		}
		break;
	case F_JSON:
		ob_putc(o, '{');
		for (i = 0; i < r->n; i++) {
			char num[24];
			const char *name = num;

			if (i < in->sc.n)
				name = in->sc.names[i];
			else
				snprintf(num, sizeof(num), "%zu", i + 1);
			if (i > 0)
				ob_putc(o, ',');
			fmt_json_string(o, name, strlen(name));
			ob_putc(o, ':');
			put_json_value(o, coltype_of(&in->sc, i), r->f[i].p,
			    r->f[i].n);
		}
		ob_putc(o, '}');
		break;
	default:	/* F_SPARK */
		put_spark(o, in, r, nrec);
		return;
	}
	ob_putc(o, '\n');
}


/* table: a cell longer than this is cut, as DataFrame.show() cuts it */
#define TABLE_CUT 20

/* The characters of UTF-8 s (its bytes but continuation bytes). */
static size_t
chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* The bytes of the first k characters of s. */
static size_t
chars_bytes(const char *s, size_t n, size_t k)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && k-- == 0)
			break;
	return i;
}

static size_t
cell_width(const char *s, size_t n)
{
	size_t c = chars(s, n);

	return c > TABLE_CUT ? TABLE_CUT : c;
}

/* A cell right-aligned in w, cut to TABLE_CUT characters with "...". */
static void
put_cell(struct obuf *o, const char *s, size_t n, size_t w)
{
	size_t c = chars(s, n), k;

	if (c > TABLE_CUT) {
		k = chars_bytes(s, n, TABLE_CUT - 3);
		for (; w > TABLE_CUT; w--)
			ob_putc(o, ' ');
		ob_write(o, s, k);
		ob_write(o, "...", 3);
		return;
	}
	for (; w > c; w--)
		ob_putc(o, ' ');
	ob_write(o, s, n);
}

static void
put_rule(struct obuf *o, const size_t *w, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		ob_putc(o, '+');
		for (k = 0; k < w[i]; k++)
			ob_putc(o, '-');
	}
	ob_write(o, "+\n", 2);
}

/* The field of line s (up to e) after tab-separated field i, or NULL. */
static const char *
next_field(const char *s, const char *e, size_t *n)
{
	const char *tab = memchr(s, '\t', (size_t)(e - s));

	*n = (size_t)((tab != NULL ? tab : e) - s);
	return tab;
}

/*
 * table: the batch's TSV lines in o become DataFrame.show()'s table: a
 * rule, the field names, a rule, a row a record, a rule; every cell
 * right-aligned in its column, at least 3 wide, cut at TABLE_CUT.
 */
static void
put_table(struct obuf *o, const struct shape *in)
{
	struct obuf rows;
	const char *s, *e, *nl, *tab, *p;
	size_t ncol = in->sc.n, *w, i, n;
	char num[24];

	ob_init(&rows, -1, "table");
	ob_write(&rows, o->p, o->len);
	ob_reset(o);
	e = rows.p + rows.len;
	for (s = rows.p; s < e; s = nl + 1) {	/* the widest line's fields */
		nl = memchr(s, '\n', (size_t)(e - s));
		for (i = 1, p = s; (tab = memchr(p, '\t', (size_t)(nl - p))); i++)
			p = tab + 1;
		if (i > ncol)
			ncol = i;
	}
	if (ncol == 0)
		ncol = 1;
	w = ecalloc(ncol, sizeof(*w));
	for (i = 0; i < ncol; i++) {
		if (i < in->sc.n)
			w[i] = cell_width(in->sc.names[i], strlen(in->sc.names[i]));
		else
			w[i] = (size_t)snprintf(num, sizeof(num), "%zu", i + 1);
		if (w[i] < 3)
			w[i] = 3;
	}
	for (s = rows.p; s < e; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(e - s));
		for (i = 0, p = s; p != NULL; i++, p = tab != NULL ? tab + 1 : NULL) {
			tab = next_field(p, nl, &n);
			if (cell_width(p, n) > w[i])
				w[i] = cell_width(p, n);
		}
	}
	put_rule(o, w, ncol);
	for (i = 0; i < ncol; i++) {
		ob_putc(o, '|');
		if (i < in->sc.n)
			put_cell(o, in->sc.names[i], strlen(in->sc.names[i]), w[i]);
		else
			put_cell(o, num, (size_t)snprintf(num, sizeof(num), "%zu",
			    i + 1), w[i]);
	}
	ob_write(o, "|\n", 2);
	put_rule(o, w, ncol);
	for (s = rows.p; s < e; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(e - s));
		for (i = 0, p = s; i < ncol; i++) {
			ob_putc(o, '|');
			if (p == NULL) {	/* a short line: empty cells */
				put_cell(o, "", 0, w[i]);
				continue;
			}
			tab = next_field(p, nl, &n);
			put_cell(o, p, n, w[i]);
			p = tab != NULL ? tab + 1 : NULL;
		}
		ob_write(o, "|\n", 2);
	}
	put_rule(o, w, ncol);
	free(w);
	ob_free(&rows);
}

void
fmt_batch_head(struct obuf *o, enum format format, int64_t t)
{
	if (format != F_TABLE || t == NO_TIME)
		return;
	ob_puts(o, "-------------------------------------------\nBatch: ");
	ob_putint(o, t);
	ob_puts(o, "\n-------------------------------------------\n");
}

void
fmt_batch_end(struct obuf *o, enum format format, const struct shape *in,
    uint64_t nrec)
{
	if (format == F_TABLE) {
		put_table(o, in);
		return;
	}
	if (format == F_SPARK && in->top > 0 && in->sname != NULL) {
		if (nrec == 0)
			put_list_open(o, in->sname);
		ob_write(o, "))\n", 3);
	}
}

/* Each line of body, prefixed with the batch time (JSON: a member). */
void
fmt_timed(struct obuf *o, enum format format, int64_t t,
    const struct obuf *body, const char *key)
{
	const char *s = body->p, *e = body->p + body->len, *nl;

	for (; s < e; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(e - s));
		if (t != NO_TIME && format != F_TABLE) {
			if (format == F_JSON) {
				ob_putc(o, '{');
				fmt_json_string(o, key, strlen(key));
				ob_putc(o, ':');
				ob_putint(o, t);
				if (nl - s > 2)
					ob_putc(o, ',');
				s++;
			} else {
				ob_putint(o, t);
				ob_putc(o, format == F_CSV ? ',' : '\t');
			}
		}
		ob_write(o, s, (size_t)(nl - s) + 1);
	}
}

