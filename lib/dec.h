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

enum dec_err dec_add(struct dec *r, struct dec a, struct dec b);
enum dec_err dec_sub(struct dec *r, struct dec a, struct dec b);
enum dec_err dec_mul(struct dec *r, struct dec a, struct dec b);
enum dec_err dec_div(struct dec *r, struct dec a, struct dec b);
enum dec_err dec_mod(struct dec *r, struct dec a, struct dec b);
int	dec_cmp(struct dec a, struct dec b);
/* Writes the shortest exact form ("51", "51.5", "-0.25"); returns length. */
size_t	dec_format(struct dec, char *buf);
const char *dec_strerror(enum dec_err);

static inline struct dec
dec_from_int(int64_t v)
{
	struct dec d = { v, 0 };

	return d;
}

#endif
