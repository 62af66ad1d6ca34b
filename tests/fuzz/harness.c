/* harness: the wrapped errx and err of fuzz.h. */
#include <err.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"

jmp_buf	fuzz_jmp;
int	fuzz_armed;

void	__real_errx(int, const char *, ...);
void	__wrap_errx(int, const char *, ...);
void	__wrap_err(int, const char *, ...);

void
__wrap_errx(int code, const char *fmt, ...)
{
	va_list ap;

	if (fuzz_armed)
		longjmp(fuzz_jmp, 1);
	va_start(ap, fmt);
	verrx(code, fmt, ap);
	va_end(ap);	/* not reached */
}

void
__wrap_err(int code, const char *fmt, ...)
{
	va_list ap;

	if (fuzz_armed)
		longjmp(fuzz_jmp, 1);
	va_start(ap, fmt);
	verr(code, fmt, ap);
	va_end(ap);	/* not reached */
}

char *
fuzz_str(const uint8_t *p, size_t n)
{
	char *s = malloc(n + IBUF_PAD);

	if (s == NULL)
		abort();
	memcpy(s, p, n);
	memset(s + n, 0, IBUF_PAD);
	return s;
}

void
fuzz_lines(const uint8_t *d, size_t n, void (*each)(void *, char *, size_t),
    void *arg)
{
	char *s = fuzz_str(d, n), *line, *nl;

	if (FUZZ_REFUSED) {
		free(s);
		return;
	}
	for (line = s; line <= s + n; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(s + n - line))) == NULL)
			nl = s + n;
		each(arg, line, (size_t)(nl - line));
	}
	free(s);
}
