/*
 * opt: what every tool does with its options: numbers, durations, a
 * separator, a zone, the one input operand, and the usage error (one
 * message, the usage text, exit 2), --help and --version.
 */
#ifndef SK_OPT_H
#define SK_OPT_H

#include <stdint.h>

struct tz;

/* Prints "prog: message", then the usage text, and exits 2. */
void	 usage_fail(const char *usage, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
/* Prints the usage text to stdout and exits 0 (for --help). */
void	 usage_help(const char *usage) __attribute__((noreturn));
/* Prints "prog version" and exits 0. */
void	 print_version(void) __attribute__((noreturn));

/* Parses a whole number in [min, max] for option opt, or fails with usage. */
long long opt_number(const char *usage, const char *opt, const char *arg,
	    long long min, long long max);
/* Parses a duration for option opt (see dur.h), or fails with usage. */
int64_t	 opt_duration(const char *usage, const char *opt, const char *arg);
/* A one-character separator ("\\t" is a TAB), or fails with usage. */
char	 opt_sep(const char *usage, const char *arg);
/* A zone for --tz (see ts.h), or fails with usage. */
void	 opt_tz(const char *usage, const char *arg, struct tz *);
/* The end of every getopt loop: -h/--help ('h'), --version ('V'), and
 * anything else, a bad option: usage and exit 2. Never returns. */
void	 opt_rest(int ch, const char *usage) __attribute__((noreturn));

#endif
