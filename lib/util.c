#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vis.h>

#include "util.h"

/*
 * Each message (warn, warnx, err, errx) goes out in one write(2): libc
 * writes the name, the text and the newline apart, so the lines of tools
 * running side by side would mix. A line-buffered stderr joins them; it
 * is set before main by every tool, all of which link this file.
 */
static char msg_buf[8192];

__attribute__((constructor)) static void
msg_one_write(void)
{
	setvbuf(stderr, msg_buf, _IOLBF, sizeof(msg_buf));
}

void *
emalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		err(SK_EXIT_DATA, "malloc");
	return p;
}

void *
ecalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		err(SK_EXIT_DATA, "calloc");
	return p;
}

void *
erealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		err(SK_EXIT_DATA, "realloc");
	return p;
}

void *
ereallocarray(void *p, size_t n, size_t size)
{
	if ((p = reallocarray(p, n ? n : 1, size ? size : 1)) == NULL)
		err(SK_EXIT_DATA, "reallocarray");
	return p;
}

char *
estrdup(const char *s)
{
	return estrndup(s, strlen(s));
}

char *
estrndup(const char *s, size_t n)
{
	char *p = emalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
safe_text(char *buf, size_t cap, const char *s, size_t n)
{
	size_t room = (cap - 4) / 4;	/* strvisx writes up to 4 bytes per byte */
	int more = n > room;

	if (more)
		n = room;
	strvisx(buf, s, n, VIS_CSTYLE | VIS_TAB | VIS_NL | VIS_OCTAL);
	if (more)
		strlcat(buf, "...", cap);
	return buf;
}

char *
epathf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap)
		errx(SK_EXIT_DATA, "%.64s...: path too long", buf);
	return buf;
}

char *
loc_format(char *buf, size_t cap, const char *src, uint64_t line)
{
	if (src != NULL)
		snprintf(buf, cap, "%s:%llu", src, (unsigned long long)line);
	else
		snprintf(buf, cap, "line %llu", (unsigned long long)line);
	return buf;
}
