/*
 * ts: timestamps as milliseconds since the Unix epoch (UTC). Parsed by hand:
 * "yyyy-MM-dd HH:mm:ss", ISO 8601 ("T", a fraction, "Z" or "+hh:mm"),
 * "yyyy-MM-dd", epoch seconds (fraction allowed) or milliseconds (12 or more
 * digits); or with a strptime(3) format. Zone-less times are in the zone of
 * a struct tz: UTC, a fixed offset or a named zone. Plain values.
 */
#ifndef SK_TS_H
#define SK_TS_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct tz {
	int		 named;		/* 0: fixed offset, 1: a zoneinfo name */
	int32_t		 offset;	/* seconds east of UTC, when fixed */
	int64_t		 cache_key;	/* named zones: civil hour last looked up */
	int32_t		 cache_off;
};

#define TS_ISOMAX 32

/* Sets z from "UTC", "+02:00", "-0530" or a zone name such as
 * "Europe/Zagreb"; returns NULL or why it is not a zone. */
const char *tz_parse(struct tz *z, const char *name);
/* Parses s; z may be NULL (UTC) and fmt NULL (the built-in forms).
 * Returns NULL or why s is not a timestamp. */
const char *ts_parse(const char *s, size_t n, struct tz *z, const char *fmt,
	    int64_t *ms);
/*
 * The last text parsed, its time and its ISO form: orders come about 1000
 * a second with the same time text, so most lines compare 19 bytes instead
 * of parsing them. A zeroed ts_memo is empty.
 */
struct ts_memo {
	char	 raw[40];
	size_t	 rawlen;	/* 0: nothing remembered */
	int64_t	 ms;
	char	 iso[TS_ISOMAX];
	size_t	 isolen;
};

static inline int
ts_memo_hit(const struct ts_memo *m, const char *s, size_t n)
{
	return n == m->rawlen && n > 0 && bytes_equal(s, m->raw, n);
}

/* ts_parse through the memo: the same text gives the remembered time. */
const char *ts_parse_memo(struct ts_memo *, const char *s, size_t n,
	    struct tz *z, const char *fmt, int64_t *ms);

/* The message for field name's text s[0..n) that ts_parse said is not a
 * time, why: 'time "x" is not a timestamp', with why in brackets unless
 * it says no more ("no such date"). In buf, returned. */
const char *ts_why(char *buf, size_t cap, const char *name, const char *s,
	    size_t n, const char *why);

/* Writes "2016-03-22T20:25:28Z" (".250Z" when there are milliseconds);
 * returns the length. */
size_t	ts_format(int64_t ms, char *buf);
/* The wall clock, in milliseconds since the epoch. */
int64_t	ts_now(void);
/* Days since 1970-01-01 of a civil date, and back. */
int64_t	days_from_civil(int64_t y, unsigned m, unsigned d);
void	civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
