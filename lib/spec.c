/*
 * spec: a typed field spec and the check of a line's fields against it.
 * See spec.h; lib/README.md says why the check looks as it does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec.h"
#include "spec.h"
#include "util.h"

/* Adds value alt to an enum field. */
static void
add_alt(struct field *f, const char *alt)
{
	size_t n = strlen(alt);

	f->alts = ereallocarray(f->alts, f->nalts + 1, sizeof(*f->alts));
	f->altlens = ereallocarray(f->altlens, f->nalts + 1,
	    sizeof(*f->altlens));
	f->altlens[f->nalts] = n;
	f->alts[f->nalts++] = estrdup(alt);
	if (n == 1)
		f->onebyte[(unsigned char)*alt >> 6] |=
		    1ULL << ((unsigned char)*alt & 63);
}

/* The type of field f from its text t; -1 if there is no such type. */
static int
field_type(struct field *f, char *t)
{
	static const struct {
		const char	*name;
		enum ftype	 type;
	} names[] = {
		{ "str", T_STR }, { "int", T_INT }, { "num", T_NUM },
		{ "time", T_TIME }
	};
	char *alt;
	size_t i;

	if (t == NULL) {
		f->type = T_STR;
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(t, names[i].name) == 0) {
			f->type = names[i].type;
			return 0;
		}
	if (strchr(t, '|') == NULL)
		return -1;
	f->type = T_ENUM;
	f->altlist = emalloc(strlen(t) + 16);
	sprintf(f->altlist, "is not %s", t);
	while ((alt = strsep(&t, "|")) != NULL)
		add_alt(f, alt);
	return 0;
}

/* The fields of each type in a list of their own: the check of a line runs
 * loops of one kind each, not a switch per field. */
static void
plan(struct spec *s)
{
	size_t i;

	s->cols_int = ecalloc(s->n, sizeof(size_t));
	s->cols_num = ecalloc(s->n, sizeof(size_t));
	s->cols_enum = ecalloc(s->n, sizeof(size_t));
	s->cols_time = ecalloc(s->n, sizeof(size_t));
	s->canon = ecalloc(s->n, sizeof(*s->canon));
	s->numlen = ecalloc(s->n, sizeof(size_t));
	s->times = ecalloc(s->n, sizeof(*s->times));
	for (i = 0; i < s->n; i++)
		switch (s->f[i].type) {
		case T_INT: s->cols_int[s->nint++] = i; break;
		case T_NUM: s->cols_num[s->nnum++] = i; break;
		case T_ENUM: s->cols_enum[s->nenum++] = i; break;
		case T_TIME: s->cols_time[s->ntime++] = i; break;
		case T_STR: break;
		}
}

const char *
spec_parse(struct spec *s, const char *text, char *why, size_t cap)
{
	char *copy = estrdup(text), *p = copy, *tok, *type;

	memset(s, 0, sizeof(*s));
	while ((tok = strsep(&p, ",")) != NULL) {
		struct field f = { 0 };

		if ((type = strchr(tok, ':')) != NULL)
			*type++ = '\0';
		if (*tok == '\0') {
			snprintf(why, cap, "spec %s: empty field name", text);
			goto fail;
		}
		if (field_type(&f, type) < 0) {
			snprintf(why, cap, "spec %s: %s: unknown type "
			    "(str, int, num, time or A|B)", text, type);
			goto fail;
		}
		f.name = estrdup(tok);
		s->f = ereallocarray(s->f, s->n + 1, sizeof(*s->f));
		s->f[s->n++] = f;
	}
	free(copy);
	plan(s);
	return NULL;
fail:
	free(copy);
	spec_free(s);
	return why;
}

void
spec_free(struct spec *s)
{
	size_t i, k;

	for (i = 0; i < s->n; i++) {
		for (k = 0; k < s->f[i].nalts; k++)
			free(s->f[i].alts[k]);
		free(s->f[i].alts);
		free(s->f[i].altlens);
		free(s->f[i].altlist);
		free(s->f[i].name);
	}
	free(s->f);
	free(s->cols_int);
	free(s->cols_num);
	free(s->cols_enum);
	free(s->cols_time);
	free(s->canon);
	free(s->numlen);
	free(s->times);
	memset(s, 0, sizeof(*s));
}

unsigned char
spec_coltype(const struct spec *s, size_t i)
{
	static const unsigned char ct[] = {
		[T_STR] = CT_STR, [T_INT] = CT_INT, [T_NUM] = CT_NUM,
		[T_TIME] = CT_TIME, [T_ENUM] = CT_STR
	};

	return ct[s->f[i].type];
}

#define BYTES(b)	(0x0101010101010101ULL * (b))

/*
 * True for 1..max digits with at most ndots dots among them and a digit
 * somewhere: text dec_parse_int (ndots 0) or dec_parse (1) always accepts,
 * checked without working out the value, which nothing here needs. A field
 * of up to 8 bytes is checked as one 64-bit word, which may be read past
 * its end: fields lie in a padded ibuf or in a csv unquoter's buffer.
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

/* Field i becomes text c of n bytes, if that differs from its own. */
static void
canonical(struct line *l, size_t i, const char *c, size_t n)
{
	struct slice *f = &l->f[i];

	if (n == f->n && memcmp(c, f->p, n) == 0)
		return;
	f->p = (char *)c;
	f->n = n;
	l->plain = 0;		/* no longer as it lies in the line */
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
 * Cuts field i of a good line to n bytes. In place, the gap is closed in
 * the line, so a plain line stays plain; otherwise the field alone is cut
 * and the line is no longer as it lies.
 */
static void
shorten(struct line *l, size_t i, size_t n)
{
	struct slice *f = &l->f[i];
	const struct slice *last = &l->f[l->n - 1];
	size_t gap = f->n - n, j;

	if (l->plain && l->inplace) {
		memmove(f->p + n, f->p + f->n,
		    (size_t)(last->p + last->n - (f->p + f->n)));
		for (j = i + 1; j < l->n; j++)
			l->f[j].p -= gap;
	} else
		l->plain = 0;
	f->n = n;
}

const char *
spec_check(struct spec *s, struct line *l, size_t i, char *why, size_t cap)
{
	const struct field *fd = &s->f[i];
	struct slice *f = &l->f[i];
	char shown[256];
	int64_t iv, ms;
	struct dec d;
	const char *tw = "does not fit";
	size_t k;

	switch (fd->type) {
	case T_STR:
		return NULL;
	case T_INT:
		switch (dec_parse_int(f->p, f->n, &iv)) {
		case DEC_OK:
			canonical(l, i, s->canon[i], (size_t)snprintf(s->canon[i],
			    sizeof(s->canon[i]), "%lld", (long long)iv));
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
			canonical(l, i, s->canon[i], dec_format(d, s->canon[i]));
			return NULL;
		case DEC_ERANGE:
			tw = "is out of range";
			break;
		default:
			tw = "is not a number";
			break;
		}
		break;
	case T_TIME:
		if ((tw = ts_parse_memo(&s->times[i], f->p, f->n, s->zone,
		    s->time_format, &ms)) != NULL)
			return ts_why(why, cap, fd->name, f->p, f->n, tw);
		f->p = s->times[i].iso;
		f->n = s->times[i].isolen;
		return NULL;
	case T_ENUM:
		for (k = 0; k < fd->nalts; k++)
			if (fd->altlens[k] == f->n &&
			    (f->n == 1 ? fd->alts[k][0] == f->p[0] :
			    memcmp(fd->alts[k], f->p, f->n) == 0))
				return NULL;
		tw = fd->altlist;
		break;
	}
	snprintf(why, cap, "%s \"%s\" %s", fd->name,
	    safe_text(shown, sizeof(shown), f->p, f->n), tw);
	return why;
}

/* True if field f of enum fd is one of its values. */
static inline int
enum_has(const struct field *fd, const struct slice *f)
{
	size_t k;

	if (f->n == 1) {	/* B or S: a set, not a guess */
		unsigned char c = (unsigned char)f->p[0];

		return fd->onebyte[c >> 6] >> (c & 63) & 1;
	}
	for (k = 0; k < fd->nalts; k++)
		if (fd->altlens[k] == f->n &&
		    memcmp(fd->alts[k], f->p, f->n) == 0)
			return 1;
	return 0;
}

int
spec_quick(struct spec *s, struct line *l)
{
	struct slice *cut = l->f;
	const size_t *ci = s->cols_int, *cn = s->cols_num, *ce = s->cols_enum,
	    *ct = s->cols_time;
	const size_t nint = s->nint, nnum = s->nnum, nenum = s->nenum,
	    ntime = s->ntime;
	const struct field *fields = s->f;
	struct ts_memo *times = s->times;
	size_t i, *numlen = s->numlen;

	for (i = 0; i < nint; i++) {
		const struct slice *f = &cut[ci[i]];

		if (!plain_digits(f->p, f->n, 18, 0) ||
		    (f->p[0] == '0' && f->n > 1))
			return 0;
	}
	for (i = 0; i < nnum; i++) {
		const struct slice *f = &cut[cn[i]];

		if (!plain_digits(f->p, f->n, 30, 1) ||
		    (numlen[i] = number_len(f)) == 0)
			return 0;
	}
	for (i = 0; i < nenum; i++)
		if (!enum_has(&fields[ce[i]], &cut[ce[i]]))
			return 0;
	for (i = 0; i < ntime; i++) {
		const struct slice *f = &cut[ct[i]];

		if (!ts_memo_hit(&times[ct[i]], f->p, f->n))
			return 0;
	}
	for (i = 0; i < nnum; i++)	/* a good line: now canonical */
		if (numlen[i] != cut[cn[i]].n)
			shorten(l, cn[i], numlen[i]);
	for (i = 0; i < ntime; i++) {
		cut[ct[i]].p = times[ct[i]].iso;
		cut[ct[i]].n = times[ct[i]].isolen;
	}
	return 1;
}
