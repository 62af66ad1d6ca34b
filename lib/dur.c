#include <stdio.h>
#include <string.h>

#include "dur.h"

static const struct {
	const char *unit;
	int64_t ms;
} units[] = {
	{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	{ "d", 86400000 },
};

#define DUR_MAX ((int64_t)1 << 50)	/* 35000 years: far beyond any window */

const char *
dur_parse(const char *s, int64_t *ms)
{
	int64_t total = 0;

	if (*s == '\0')
		return "empty duration";
	while (*s != '\0') {
		int64_t whole = 0, frac = 0, fscale = 1;
		size_t i, len;
		int digits = 0;

		for (; *s >= '0' && *s <= '9'; s++, digits++) {
			if (whole > DUR_MAX)
				return "too large";
			whole = whole * 10 + (*s - '0');
		}
		if (*s == '.')
			for (s++; *s >= '0' && *s <= '9'; s++, digits++)
				if (fscale < 1000000) {
					frac = frac * 10 + (*s - '0');
					fscale *= 10;
				}
		if (digits == 0)
			return "not a duration (examples: 250ms, 5s, 2m30s, 1h)";
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			len = strlen(units[i].unit);
			if (strncmp(s, units[i].unit, len) == 0)
				break;	/* "ms" is tried before "m" */
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return *s == '\0' ? "needs a unit (ms, s, m, h, d)" :
			    "unknown unit (ms, s, m, h, d)";
		if (whole > DUR_MAX / units[i].ms)
			return "too large";
		total += whole * units[i].ms + frac * units[i].ms / fscale;
		if (frac * units[i].ms % fscale != 0)
			return "finer than a millisecond";
		if (total > DUR_MAX)
			return "too large";
		s += len;
	}
	if (total <= 0)
		return "must be positive";
	*ms = total;
	return NULL;
}

char *
dur_format(int64_t ms, char *buf)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} parts[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 },
		{ "ms", 1 },
	};
	size_t i, off = 0;

	if (ms == 0)
		return strcpy(buf, "0s");
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (ms >= parts[i].ms) {
			off += (size_t)snprintf(buf + off, 40 - off, "%lld%s",
			    (long long)(ms / parts[i].ms), parts[i].unit);
			ms %= parts[i].ms;
		}
	return buf;
}
