/*
 * util: exit codes, allocation that dies on failure (e-prefix), usage errors.
 * Everything returned by e*alloc is owned by the caller and freed with free(3).
 */
#ifndef SK_UTIL_H
#define SK_UTIL_H

#include <stddef.h>
#include <stdint.h>

enum sk_exit {
	SK_EXIT_OK = 0,		/* success */
	SK_EXIT_DATA = 1,	/* bad data, I/O error or broken input stopped the tool */
	SK_EXIT_USAGE = 2	/* bad usage */
};

#define SK_VERSION "0.1.0"
#define SK_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* memcmp(a, b, n) == 0 without a call, for the short texts of fields;
 * under 8 bytes without a loop, whose exit a processor cannot guess when
 * the lengths vary (symbols: "V", "BP", "INTC"). */
static inline int
bytes_equal(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	uint64_t u, v;
	uint32_t p, q, r, s;
	size_t i;

	if (n < 8) {
		if (n >= 4) {	/* two loads that overlap */
			__builtin_memcpy(&p, x, 4);
			__builtin_memcpy(&q, y, 4);
			__builtin_memcpy(&r, x + n - 4, 4);
			__builtin_memcpy(&s, y + n - 4, 4);
			return ((p ^ q) | (r ^ s)) == 0;
		}
		return n == 0 || ((x[0] ^ y[0]) | (x[n >> 1] ^ y[n >> 1]) |
		    (x[n - 1] ^ y[n - 1])) == 0;
	}
	for (i = 0; i + 8 <= n; i += 8) {
		__builtin_memcpy(&u, x + i, 8);
		__builtin_memcpy(&v, y + i, 8);
		if (u != v)
			return 0;
	}
	__builtin_memcpy(&u, x + n - 8, 8);
	__builtin_memcpy(&v, y + n - 8, 8);
	return u == v;
}

void	*emalloc(size_t);
void	*ecalloc(size_t, size_t);
void	*erealloc(void *, size_t);
void	*ereallocarray(void *, size_t, size_t);
char	*estrdup(const char *);
char	*estrndup(const char *, size_t);

/* Prints "prog: message", then the usage text, and exits 2. */
void	 usage_fail(const char *usage, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
/* Prints the usage text to stdout and exits 0 (for --help). */
void	 usage_help(const char *usage) __attribute__((noreturn));
/* Prints "prog version" and exits 0. */
void	 print_version(void) __attribute__((noreturn));

/* Writes s (n bytes) to buf as printable text (vis(3) style), at most cap-1
 * bytes, truncating with "..." when longer; returns buf. */
char	*safe_text(char *buf, size_t cap, const char *s, size_t n);

/* Formats a path into buf; dies if it does not fit. */
char	*epathf(char *buf, size_t cap, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* "src:line", or "line N" when src is NULL: where bad data was. */
char	*loc_format(char *buf, size_t cap, const char *src, uint64_t line);

/* The n-th bad line reached --max-errors max: says so and exits 1. */
void	 max_errors_stop(uint64_t n, long long max) __attribute__((noreturn));

/* Parses a whole number in [min, max] for option opt, or fails with usage. */
long long opt_number(const char *usage, const char *opt, const char *arg,
	    long long min, long long max);
/* Parses a duration for option opt (see dur.h), or fails with usage. */
int64_t	 opt_duration(const char *usage, const char *opt, const char *arg);
/* A one-character separator ("\\t" is a TAB), or fails with usage. */
char	 opt_sep(const char *usage, const char *arg);
struct tz;
/* A zone for --tz (see ts.h), or fails with usage. */
void	 opt_tz(const char *usage, const char *arg, struct tz *);
/* The input of a tool that reads one: the file operand (set *src) or
 * standard input (*src NULL; also for "-"); more than one is a usage
 * error. */
int	 open_one_input(const char *usage, int argc, char *const argv[],
	    const char **src);
/* The end of every getopt loop: -h/--help ('h'), --version ('V'), and
 * anything else, a bad option: usage and exit 2. Never returns. */
void	 opt_rest(int ch, const char *usage) __attribute__((noreturn));

#endif
