/*
 * fuzz-time: timestamps and durations. The first byte picks: the built-in
 * forms (a time that parses, printed in ISO 8601, parses to the same
 * time), a strptime(3) format, a duration (printed in its shortest form,
 * it parses to the same), a fixed zone offset then a time in it.
 */
#include <stdlib.h>
#include <string.h>

#include "dur.h"
#include "ts.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char iso[TS_ISOMAX + 8], dbuf[64], *s;
	int64_t ms, again;
	struct tz z;
	size_t k;

	if (n < 1)
		return 0;
	s = fuzz_str(d + 1, n - 1);
	if (FUZZ_REFUSED) {
		free(s);
		return 0;
	}
	switch (d[0] % 4) {
	case 0:
		if (ts_parse(s, n - 1, NULL, NULL, &ms) == NULL) {
			k = ts_format(ms, iso);
			if (ts_parse(iso, k, NULL, NULL, &again) != NULL ||
			    again != ms)
				abort();
		}
		break;
	case 1:
		(void)ts_parse(s, n - 1, NULL, "%d/%m/%Y %H:%M:%S", &ms);
		break;
	case 2:
		if (dur_parse(s, &ms) == NULL) {
			dur_format(ms, dbuf);
			if (dur_parse(dbuf, &again) != NULL || again != ms)
				abort();
		}
		break;
	default:
		/* offsets only: a zone name is a file of the system's */
		memset(&z, 0, sizeof(z));
		if ((s[0] == '+' || s[0] == '-') && tz_parse(&z, s) == NULL)
			(void)ts_parse("2016-03-22 20:25:28", 19, &z, NULL, &ms);
		break;
	}
	free(s);
	return 0;
}
