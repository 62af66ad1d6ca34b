#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "ts.h"
#include "util.h"

/* H. Hinnant's algorithms, valid for any proleptic Gregorian date. */
int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return dm[m - 1];
}

/* Reads exactly n digits. */
static int
digits(const char **s, const char *e, int n, unsigned *v)
{
	unsigned x = 0;

	if (e - *s < n)
		return -1;
	while (n-- > 0) {
		unsigned c = (unsigned)(**s - '0');

		if (c > 9)
			return -1;
		x = x * 10 + c;
		(*s)++;
	}
	*v = x;
	return 0;
}

/* "Z", "+hh", "+hhmm", "+hh:mm"; returns seconds east of UTC. */
static const char *
zone_offset(const char *s, const char *e, int32_t *off)
{
	unsigned hh, mm = 0;
	int sign;

	if (e - s == 1 && (*s == 'Z' || *s == 'z')) {
		*off = 0;
		return NULL;
	}
	if (s == e || (*s != '+' && *s != '-'))
		return "bad zone";
	sign = *s++ == '-' ? -1 : 1;
	if (digits(&s, e, 2, &hh) < 0)
		return "bad zone";
	if (s < e && *s == ':')
		s++;
	if (s < e && digits(&s, e, 2, &mm) < 0)
		return "bad zone";
	if (s != e || hh > 23 || mm > 59)
		return "bad zone";
	*off = sign * (int32_t)(hh * 3600 + mm * 60);
	return NULL;
}

/* Whether name is a zone of the time zone database: a TZif file under
 * $TZDIR or /usr/share/zoneinfo (glibc would take any other name for UTC,
 * without a word). */
static int
tz_known(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[PATH_MAX], magic[4];
	int fd, ok;

	if (name[0] == '\0' || name[0] == '/' || name[0] == ':' ||
	    strstr(name, "..") != NULL)
		return 0;
	if (snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir :
	    "/usr/share/zoneinfo", name) >= (int)sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	ok = read(fd, magic, 4) == 4 && memcmp(magic, "TZif", 4) == 0;
	close(fd);
	return ok;
}

const char *
tz_parse(struct tz *z, const char *name)
{
	memset(z, 0, sizeof(*z));
	z->cache_key = INT64_MIN;
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Z") == 0)
		return NULL;
	if (name[0] == '+' || name[0] == '-')
		return zone_offset(name, name + strlen(name), &z->offset);
	if (!tz_known(name))
		return "no such zone in the time zone database (UTC, +02:00 or "
		    "a name such as Europe/Paris)";
	if (setenv("TZ", name, 1) != 0)
		return "cannot set TZ";
	tzset();
	z->named = 1;
	return NULL;
}

/* Seconds east of UTC in effect at the civil time secs (a local time). */
static int32_t
zone_at(struct tz *z, int64_t secs)
{
	int64_t key = secs / 3600;
	struct tm tm;
	time_t t;

	if (!z->named)
		return z->offset;
	if (key == z->cache_key)
		return z->cache_off;
	t = (time_t)(key * 3600);
	gmtime_r(&t, &tm);
	tm.tm_isdst = -1;
	t = mktime(&tm);
	z->cache_key = key;
	z->cache_off = (int32_t)(key * 3600 - (int64_t)t);
	return z->cache_off;
}

static const char *
epoch_number(const char *s, const char *e, int64_t *ms)
{
	int64_t v = 0, frac = 0, scale = 1;
	int nd = 0;
	const char *p;

	for (p = s; p < e && *p >= '0' && *p <= '9'; p++, nd++) {
		if (nd >= 16)
			return "epoch time out of range";
		v = v * 10 + (*p - '0');
	}
	if (p < e && *p == '.' && nd <= 11) {
		for (p++; p < e && *p >= '0' && *p <= '9'; p++)
			if (scale < 1000) {
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			}
	}
	if (p != e || nd == 0)
		return "not a timestamp";
	*ms = nd >= 12 ? v : v * 1000 + frac * (1000 / scale);
	return NULL;
}

static const char *
with_format(const char *s, size_t n, struct tz *z, const char *fmt,
    int64_t *ms)
{
	char buf[128];
	struct tm tm;
	const char *end;
	int64_t secs;

	if (n >= sizeof(buf))
		return "timestamp too long";
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = 1;
	end = strptime(buf, fmt, &tm);
	if (end == NULL || *end != '\0')
		return "does not match the time format";
	secs = days_from_civil(tm.tm_year + 1900LL, (unsigned)tm.tm_mon + 1,
	    (unsigned)tm.tm_mday) * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 +
	    tm.tm_sec;
	if (z != NULL)
		secs -= zone_at(z, secs);
	*ms = secs * 1000;
	return NULL;
}

const char *
ts_parse(const char *s, size_t n, struct tz *z, const char *fmt, int64_t *ms)
{
	const char *e = s + n, *why;
	unsigned y, mo, d, h = 0, mi = 0, sec = 0, fms = 0, scale = 1000;
	int64_t secs;
	int32_t off;
	int has_zone = 0;

	if (fmt != NULL)
		return with_format(s, n, z, fmt, ms);
	if (n < 10 || s[4] != '-')
		return epoch_number(s, e, ms);
	if (digits(&s, e, 4, &y) < 0 || *s++ != '-' ||
	    digits(&s, e, 2, &mo) < 0 || s == e || *s++ != '-' ||
	    digits(&s, e, 2, &d) < 0)
		return "not a timestamp";
	if (mo < 1 || mo > 12 || d < 1 || (int)d > days_in_month(y, mo))
		return "no such date";
	if (s < e) {
		if (*s != ' ' && *s != 'T' && *s != 't')
			return "not a timestamp";
		s++;
		if (digits(&s, e, 2, &h) < 0 || s == e || *s++ != ':' ||
		    digits(&s, e, 2, &mi) < 0)
			return "not a timestamp";
		if (s < e && *s == ':') {
			s++;
			if (digits(&s, e, 2, &sec) < 0)
				return "not a timestamp";
		}
		if (s < e && (*s == '.' || *s == ',')) {
			const char *f = ++s;

			for (; s < e && *s >= '0' && *s <= '9'; s++)
				if (scale > 1) {
					scale /= 10;
					fms += (unsigned)(*s - '0') * scale;
				}
			if (s == f)
				return "not a timestamp";
		}
		if (h > 23 || mi > 59 || sec > 59)
			return "no such time of day";
		if (s < e) {
			if ((why = zone_offset(s, e, &off)) != NULL)
				return why;
			has_zone = 1;
		}
	}
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	if (has_zone)
		secs -= off;
	else if (z != NULL)
		secs -= zone_at(z, secs);
	*ms = secs * 1000 + fms;
	return NULL;
}

static char *
put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

size_t
ts_format(int64_t ms, char *buf)
{
	int64_t days, rest, y;
	unsigned mo, d, r, frac;
	char *p = buf;

	/* before year 0 or after 9999 (a snapshot's time can be anything):
	 * the number, as below, with no arithmetic that could overflow */
	if (ms < -62167219200000LL || ms >= 253402300800000LL)
		return (size_t)snprintf(buf, TS_ISOMAX, "%lld", (long long)ms);
	days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	rest = ms - days * 86400000;
	r = (unsigned)(rest / 1000);
	frac = (unsigned)(rest % 1000);
	civil_from_days(days, &y, &mo, &d);
	if (y < 0 || y > 9999)
		return (size_t)snprintf(buf, TS_ISOMAX, "%lld", (long long)ms);
	p = put2(p, (unsigned)(y / 100));
	p = put2(p, (unsigned)(y % 100));
	*p++ = '-';
	p = put2(p, mo);
	*p++ = '-';
	p = put2(p, d);
	*p++ = 'T';
	p = put2(p, r / 3600);
	*p++ = ':';
	p = put2(p, r / 60 % 60);
	*p++ = ':';
	p = put2(p, r % 60);
	if (frac != 0) {
		*p++ = '.';
		*p++ = (char)('0' + frac / 100);
		p = put2(p, frac % 100);
	}
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - buf);
}

int64_t
ts_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
ts_parse_memo(struct ts_memo *m, const char *s, size_t n, struct tz *z,
    const char *fmt, int64_t *ms)
{
	const char *why;

	if (ts_memo_hit(m, s, n)) {
		*ms = m->ms;
		return NULL;
	}
	if ((why = ts_parse(s, n, z, fmt, ms)) != NULL)
		return why;
	m->rawlen = 0;
	if (n <= sizeof(m->raw)) {
		memcpy(m->raw, s, n);
		m->rawlen = n;
	}
	m->ms = *ms;
	m->isolen = ts_format(*ms, m->iso);
	return NULL;
}

const char *
ts_why(char *buf, size_t cap, const char *name, const char *s, size_t n,
    const char *why)
{
	char shown[256];
	int plain = strcmp(why, "not a timestamp") == 0;

	snprintf(buf, cap, "%s \"%s\" is not a timestamp%s%s%s", name,
	    safe_text(shown, sizeof(shown), s, n), plain ? "" : " (",
	    plain ? "" : why, plain ? "" : ")");
	return buf;
}
