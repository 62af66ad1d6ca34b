/*
 * words: a line's words, or the pieces between a separator. See words.h.
 */
#include <string.h>

#include "words.h"

void
words_start(struct words *w, const char *s, size_t n, const char *sep)
{
	w->p = s;
	w->e = s + n;
	w->sep = sep;
	w->seplen = sep != NULL ? strlen(sep) : 0;
}

static int
space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int
words_next(struct words *w, const char **word, size_t *n)
{
	const char *end;

	for (;;) {
		if (w->sep == NULL) {
			while (w->p < w->e && space(*w->p))
				w->p++;
			for (end = w->p; end < w->e && !space(*end); end++)
				continue;
		} else if ((end = memmem(w->p, (size_t)(w->e - w->p), w->sep,
		    w->seplen)) == NULL)
			end = w->e;
		if (w->p == w->e && end == w->e)
			return 0;
		*word = w->p;
		*n = (size_t)(end - w->p);
		w->p = end < w->e ? end + w->seplen : end;
		if (w->sep == NULL && end < w->e)
			w->p = end + 1;
		if (*n > 0)
			return 1;
	}
}
