/*
 * words: a line to several records of one field (flatMap over text): its
 * words, split on white space (--words, as NetworkWordCount's
 * flatMap(_.split(" "))), or the pieces between a separator the user
 * gives (--words-on). Empty words and pieces are left out.
 */
#ifndef SK_WORDS_H
#define SK_WORDS_H

#include <stddef.h>

struct words {
	const char	*p, *e;		/* what is left of the line */
	const char	*sep;		/* NULL: white space */
	size_t		 seplen;
};

void	words_start(struct words *, const char *s, size_t n, const char *sep);
/* The next word in *word, *n; 0 when there is none left. */
int	words_next(struct words *, const char **word, size_t *n);

#endif
