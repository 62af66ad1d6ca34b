#include <string.h>

#include "dec.h"

static const i128 I128_MAX = (i128)(((unsigned __int128)1 << 127) - 1);

static i128
pow10i(int k)
{
	i128 p = 1;

	while (k-- > 0)
		p *= 10;
	return p;
}

static enum dec_err
rescale_up(i128 *m, int by)
{
	if (by > 38 || __builtin_mul_overflow(*m, pow10i(by), m))
		return DEC_ERANGE;
	return DEC_OK;
}

/* Divides by 10^by, rounding half-even. */
static i128
rescale_down(i128 m, int by)
{
	i128 p = pow10i(by), q = m / p, r = m % p;
	i128 half2 = (r < 0 ? -r : r) * 2;

	if (half2 > p || (half2 == p && (q % 2) != 0))
		q += m < 0 ? -1 : 1;
	return q;
}

static enum dec_err dec_parse_any(const char *, size_t, struct dec *);

/* The common case: up to 18 digits, maybe a dot. A function of its own,
 * with few registers to save: the general one needs many. */
enum dec_err
dec_parse(const char *s, size_t n, struct dec *d)
{
	const char *e = s + n, *dp = NULL, *p;
	uint64_t u = 0;		/* 18 digits: no overflow check */

	if (n > 18)
		return dec_parse_any(s, n, d);
	for (p = s; p < e; p++) {
		unsigned c = (unsigned)(*p - '0');

		if (c <= 9)
			u = u * 10 + c;
		else if (*p != '.' || dp != NULL)
			return dec_parse_any(s, n, d);
		else
			dp = p;
	}
	if (n == 0 || (dp != NULL && n == 1))
		return DEC_ESYNTAX;
	d->m = (i128)u;
	d->scale = dp == NULL ? 0 : (int)(e - dp - 1);
	return DEC_OK;
}

static enum dec_err __attribute__((noinline))
dec_parse_any(const char *s, size_t n, struct dec *d)
{
	const char *e = s + n;
	uint64_t u = 0;		/* the first 18 digits: no overflow check */
	i128 m = 0;
	int neg = 0, digits = 0, scale = 0, dot = 0;

	if (s < e && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	for (; s < e; s++) {
		unsigned c = (unsigned)(*s - '0');

		if (c <= 9) {
			if (digits < 18)
				u = u * 10 + c;
			else {
				if (digits == 18)
					m = (i128)u;
				if (m > (I128_MAX - 9) / 10)
					return DEC_ERANGE;
				m = m * 10 + c;
			}
			digits++;
			scale += dot;
		} else if (*s == '.' && !dot)
			dot = 1;
		else
			return DEC_ESYNTAX;
	}
	if (digits == 0)
		return DEC_ESYNTAX;
	if (scale > 38)
		return DEC_ERANGE;
	if (digits <= 18)
		m = (i128)u;
	d->m = neg ? -m : m;
	d->scale = scale;
	return DEC_OK;
}

enum dec_err
dec_parse_int(const char *s, size_t n, int64_t *v)
{
	const char *e = s + n;
	uint64_t u = 0, lim;
	int neg = 0;

	if (s < e && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	if (s == e)
		return DEC_ESYNTAX;
	if (e - s <= 18) {	/* 18 digits always fit */
		for (; s < e; s++) {
			unsigned c = (unsigned)(*s - '0');

			if (c > 9)
				return DEC_ESYNTAX;
			u = u * 10 + c;
		}
		*v = neg ? -(int64_t)u : (int64_t)u;
		return DEC_OK;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; s < e; s++) {
		unsigned c = (unsigned)(*s - '0');

		if (c > 9)
			return DEC_ESYNTAX;
		if (u > (lim - c) / 10)
			return DEC_ERANGE;
		u = u * 10 + c;
	}
	*v = neg ? (int64_t)(0 - u) : (int64_t)u;
	return DEC_OK;
}

static enum dec_err
align(struct dec *a, struct dec *b)
{
	enum dec_err e = DEC_OK;

	if (a->scale < b->scale) {
		e = rescale_up(&a->m, b->scale - a->scale);
		a->scale = b->scale;
	} else if (b->scale < a->scale) {
		e = rescale_up(&b->m, a->scale - b->scale);
		b->scale = a->scale;
	}
	return e;
}

enum dec_err
dec_add_any(struct dec *r, struct dec a, struct dec b)
{
	if (align(&a, &b) != DEC_OK || __builtin_add_overflow(a.m, b.m, &r->m))
		return DEC_ERANGE;
	r->scale = a.scale;
	return DEC_OK;
}

enum dec_err
dec_sub(struct dec *r, struct dec a, struct dec b)
{
	if (align(&a, &b) != DEC_OK || __builtin_sub_overflow(a.m, b.m, &r->m))
		return DEC_ERANGE;
	r->scale = a.scale;
	return DEC_OK;
}

enum dec_err
dec_mul_any(struct dec *r, struct dec a, struct dec b)
{
	int scale = a.scale + b.scale;

	if (__builtin_mul_overflow(a.m, b.m, &r->m))
		return DEC_ERANGE;
	if (scale > DEC_MAXSCALE) {
		r->m = rescale_down(r->m, scale - DEC_MAXSCALE);
		scale = DEC_MAXSCALE;
	}
	r->scale = scale;
	return DEC_OK;
}

enum dec_err
dec_div(struct dec *r, struct dec a, struct dec b)
{
	int scale = a.scale > DEC_DIVSCALE ? a.scale : DEC_DIVSCALE;
	i128 num = a.m, q, rem, half2, bm;

	if (b.m == 0)
		return DEC_EDIVZERO;
	/* a.m * 10^(scale - a.scale + b.scale) / b.m has the wanted scale */
	if (rescale_up(&num, scale - a.scale + b.scale) != DEC_OK)
		return DEC_ERANGE;
	q = num / b.m;
	rem = num % b.m;
	bm = b.m < 0 ? -b.m : b.m;
	half2 = (rem < 0 ? -rem : rem);
	if (half2 > bm - half2 || (half2 == bm - half2 && q % 2 != 0))
		q += ((num < 0) != (b.m < 0)) ? -1 : 1;
	r->m = q;
	r->scale = scale;
	return DEC_OK;
}

enum dec_err
dec_mod(struct dec *r, struct dec a, struct dec b)
{
	if (align(&a, &b) != DEC_OK)
		return DEC_ERANGE;
	if (b.m == 0)
		return DEC_EDIVZERO;
	r->m = a.m % b.m;
	r->scale = a.scale;
	return DEC_OK;
}

int
dec_cmp(struct dec a, struct dec b)
{
	int sa = (a.m > 0) - (a.m < 0), sb = (b.m > 0) - (b.m < 0);

	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (a.scale < b.scale) {
		if (rescale_up(&a.m, b.scale - a.scale) != DEC_OK)
			return sa;	/* |a| is beyond any b of this scale */
	} else if (b.scale < a.scale) {
		if (rescale_up(&b.m, a.scale - b.scale) != DEC_OK)
			return -sb;
	}
	return (a.m > b.m) - (a.m < b.m);
}

size_t
dec_format(struct dec d, char *buf)
{
	char tmp[DEC_STRMAX], *e = tmp + sizeof(tmp), *s = e;
	unsigned __int128 u = d.m < 0 ? -(unsigned __int128)d.m :
	    (unsigned __int128)d.m;
	int scale = d.scale, i;
	size_t n;

	while (scale > 0 && u % 10 == 0) {	/* shortest exact form */
		u /= 10;
		scale--;
	}
	i = 0;
	do {		/* at least one digit before the point */
		if (i == scale && scale > 0)
			*--s = '.';
		*--s = (char)('0' + (int)(u % 10));
		u /= 10;
		i++;
	} while (u != 0 || i <= scale);
	if (d.m < 0)
		*--s = '-';
	n = (size_t)(e - s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	return n;
}

const char *
dec_strerror(enum dec_err e)
{
	switch (e) {
	case DEC_OK: return "no error";
	case DEC_ESYNTAX: return "not a number";
	case DEC_ERANGE: return "number out of range";
	case DEC_EDIVZERO: return "division by zero";
	}
	return "unknown error";
}
