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
/* Writes "2016-03-22T20:25:28Z" (".250Z" when there are milliseconds);
 * returns the length. */
size_t	ts_format(int64_t ms, char *buf);
/* The wall clock, in milliseconds since the epoch. */
int64_t	ts_now(void);
/* Days since 1970-01-01 of a civil date, and back. */
int64_t	days_from_civil(int64_t y, unsigned m, unsigned d);
void	civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
