/*
 * dur: durations such as 250ms, 5s, 2m30s, 1h, 1.5s, 1d, held as milliseconds.
 */
#ifndef SK_DUR_H
#define SK_DUR_H

#include <stdint.h>

/* Parses s into *ms (> 0); returns NULL, or why s is not a duration. */
const char *dur_parse(const char *s, int64_t *ms);
/* Writes the shortest form of ms ("5s", "2m30s", "250ms") to buf (>= 40 bytes). */
char	*dur_format(int64_t ms, char *buf);

/* Whether times a and b (ms) are at most d apart, without overflow: how
 * the time-bounded join and deduplication compare two records. */
static inline int
dur_near(int64_t a, int64_t b, int64_t d)
{
	int64_t x;

	if (__builtin_sub_overflow(a, b, &x))
		return 0;
	return x <= d && x >= -d;
}

#endif
