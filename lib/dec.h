/*
 * dec: exact decimal numbers, value = m / 10^scale with a 128-bit mantissa.
 * Addition, subtraction and multiplication are exact (a product's scale is
 * the sum of the scales, rounded half-even only beyond DEC_MAXSCALE digits);
 * division rounds half-even to max(DEC_DIVSCALE, dividend's scale) digits.
 * Overflow is reported, never wrapped. Plain values: nothing to free.
 */
#ifndef SK_DEC_H
#define SK_DEC_H

#include <stddef.h>
#include <stdint.h>

#define DEC_MAXSCALE	18
#define DEC_DIVSCALE	6
#define DEC_STRMAX	48	/* room for any formatted dec */

typedef __int128 i128;

struct dec {
	i128	m;
	int	scale;
};

enum dec_err { DEC_OK = 0, DEC_ESYNTAX, DEC_ERANGE, DEC_EDIVZERO };

/* [+-]digits[.digits] (".5" and "5." too); no exponent. */
enum dec_err dec_parse(const char *, size_t, struct dec *);
/* [+-]digits within int64. */
enum dec_err dec_parse_int(const char *, size_t, int64_t *);

enum dec_err dec_add_any(struct dec *r, struct dec a, struct dec b);
enum dec_err dec_sub(struct dec *r, struct dec a, struct dec b);
enum dec_err dec_mul_any(struct dec *r, struct dec a, struct dec b);
enum dec_err dec_div(struct dec *r, struct dec a, struct dec b);
enum dec_err dec_mod(struct dec *r, struct dec a, struct dec b);
int	dec_cmp(struct dec a, struct dec b);
/* Writes the shortest exact form ("51", "51.5", "-0.25"); returns length. */
size_t	dec_format(struct dec, char *buf);
const char *dec_strerror(enum dec_err);

/* a + b and a * b, inline when that is simple (a sum of numbers with one
 * scale, a product of 64-bit mantissas with few digits after the point);
 * the _any functions do every case. */
static inline enum dec_err
dec_add(struct dec *r, struct dec a, struct dec b)
{
	if (a.scale != b.scale)
		return dec_add_any(r, a, b);
	if (__builtin_add_overflow(a.m, b.m, &r->m))
		return DEC_ERANGE;
	r->scale = a.scale;
	return DEC_OK;
}

static inline enum dec_err
dec_mul(struct dec *r, struct dec a, struct dec b)
{
	if (a.m != (int64_t)a.m || b.m != (int64_t)b.m ||
	    a.scale + b.scale > DEC_MAXSCALE)
		return dec_mul_any(r, a, b);
	r->m = (i128)(int64_t)a.m * (int64_t)b.m;	/* fits in 127 bits */
	r->scale = a.scale + b.scale;
	return DEC_OK;
}

static inline struct dec
dec_from_int(int64_t v)
{
	struct dec d = { v, 0 };

	return d;
}

#endif
