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

/* Writes s (n bytes) to buf as printable text (vis(3) style), at most cap-1
 * bytes, truncating with "..." when longer; returns buf. */
char	*safe_text(char *buf, size_t cap, const char *s, size_t n);

/* Formats a path into buf; dies if it does not fit. */
char	*epathf(char *buf, size_t cap, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* "src:line", or "line N" when src is NULL: where bad data was. */
char	*loc_format(char *buf, size_t cap, const char *src, uint64_t line);

#endif
