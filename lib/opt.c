/* opt: the options and usage of every tool; see opt.h. */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dur.h"
#include "opt.h"
#include "ts.h"
#include "util.h"

void
usage_fail(const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	fputs(usage, stderr);
	exit(SK_EXIT_USAGE);
}

void
usage_help(const char *usage)
{
	fputs(usage, stdout);
	exit(fflush(stdout) == 0 ? SK_EXIT_OK : SK_EXIT_DATA);
}

void
print_version(void)
{
	printf("%s %s\n", getprogname(), SK_VERSION);
	exit(fflush(stdout) == 0 ? SK_EXIT_OK : SK_EXIT_DATA);
}

long long
opt_number(const char *usage, const char *opt, const char *arg, long long min,
    long long max)
{
	const char *why;
	long long v = strtonum(arg, min, max, &why);

	if (why != NULL)
		usage_fail(usage, "%s %s: %s (%lld to %lld)", opt, arg, why, min, max);
	return v;
}

int64_t
opt_duration(const char *usage, const char *opt, const char *arg)
{
	int64_t ms;
	const char *why = dur_parse(arg, &ms);

	if (why != NULL)
		usage_fail(usage, "%s %s: %s", opt, arg, why);
	return ms;
}

char
opt_sep(const char *usage, const char *arg)
{
	if (strcmp(arg, "\\t") == 0)
		return '\t';
	if (strlen(arg) != 1)
		usage_fail(usage, "--sep %s: must be one character", arg);
	return arg[0];
}

void
opt_tz(const char *usage, const char *arg, struct tz *z)
{
	const char *why = tz_parse(z, arg);

	if (why != NULL)
		usage_fail(usage, "--tz %s: %s", arg, why);
}

void
opt_rest(int ch, const char *usage)
{
	if (ch == 'h')
		usage_help(usage);
	if (ch == 'V')
		print_version();
	fputs(usage, stderr);
	exit(SK_EXIT_USAGE);
}

